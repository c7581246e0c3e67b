"""``digest themes``: the taxonomy against the stored items."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli._common import (
    _library,
    _num,
    _settings,
    _table,
    config_option,
    out,
)
from digest.taxonomy_check import check_store, explain_stored


@click.group("themes")
def themes_group() -> None:
    """Check the taxonomy (themes.toml) against the stored items."""


@themes_group.command("explain")
@click.argument("item_id")
@config_option
def themes_explain_command(item_id: str, config: Path | None) -> None:
    """Show which rules fired for one stored item, the scores and the themes assigned."""
    settings = _settings(config)
    item, explanation = _library(lambda: explain_stored(settings, item_id))
    out.print(f"{item.id} ({item.language}): {item.title}", markup=False, soft_wrap=True)
    rules = _table("rules that fired", "theme", "term", "where", ">count", ">weight", ">points")
    for hit in explanation.hits:
        term = f"{hit.term} (support)" if hit.support else hit.term
        row = (hit.theme_id, term, hit.where, str(hit.count), _num(hit.weight), _num(hit.points))
        rules.add_row(*row)
    out.print(rules if explanation.hits else "no rule fired", markup=False)
    if explanation.exclusions:
        vetoes = _table(
            "exclusions applied", "theme", "exclusion", "where", ">count", ">cancelled", ">penalty"
        )
        for veto in explanation.exclusions:
            counts = (str(veto.count), str(veto.cancelled), _num(veto.penalty))
            vetoes.add_row(veto.theme_id, veto.term, veto.where, *counts)
        out.print(vetoes)
    scores = _table("scores", "theme", ">score", "assigned")
    for theme_id, score in sorted(explanation.scores.items(), key=lambda s: (-s[1], s[0])):
        scores.add_row(theme_id, _num(score), "yes" if theme_id in explanation.assigned else "")
    if explanation.scores:
        out.print(scores)
    chosen = ", ".join(explanation.assigned) or "none (general section)"
    out.print(f"assigned (score >= {_num(explanation.threshold)}): {chosen}", markup=False)


@themes_group.command("check")
@config_option
def themes_check_command(config: Path | None) -> None:
    """Themes and rules that never match, and precision/recall against the articles' themes."""
    settings = _settings(config)
    report = _library(lambda: check_store(settings))
    general = f"in the general section (no theme): {report.general}"
    out.print(f"items: {report.items}; {general}", markup=False)
    usage = _table("themes", "theme", ">matched", ">assigned")
    for row in report.usage:
        usage.add_row(row.theme_id, str(row.matched), str(row.assigned))
    out.print(usage)
    unmatched = ", ".join(report.unmatched_themes) or "none"
    out.print(f"themes that matched nothing: {unmatched}", markup=False, soft_wrap=True)
    idle: dict[tuple[str, str], list[str]] = {}
    for rule in report.idle_rules:
        idle.setdefault((rule.theme_id, rule.language), []).append(rule.term)
    if idle:
        title = f"rules that never fired ({len(report.idle_rules)})"
        rules = _table(title, "theme", "lang", "terms")
        for (theme_id, language), terms in idle.items():
            rules.add_row(theme_id, language, ", ".join(terms))
        out.print(rules)
    else:
        out.print("rules that never fired: none")
    if report.languages_without_items:
        skipped = ", ".join(report.languages_without_items)
        out.print(f"(rules in {skipped} not checked: no item in that language)", markup=False)
    if report.unknown_expected:
        unknown = ", ".join(report.unknown_expected)
        out.print(f"expected themes not in the taxonomy: {unknown}", markup=False, soft_wrap=True)
    if report.macro_f1 is None:
        out.print("no article file names its expected themes (front matter `themes:`)")
        return
    quality = _table(
        f"against the articles' themes ({report.evaluated} items)",
        "theme",
        ">expected",
        ">assigned",
        ">precision",
        ">recall",
        ">F1",
    )
    for q in report.quality:
        quality.add_row(
            q.theme_id,
            str(q.true_positives + q.false_negatives),
            str(q.true_positives + q.false_positives),
            f"{q.precision:.2f}",
            f"{q.recall:.2f}",
            f"{q.f1:.2f}",
        )
    out.print(quality)
    out.print(f"macro-F1: {report.macro_f1:.3f}")
