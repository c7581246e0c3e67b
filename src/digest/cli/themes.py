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
    err,
    out,
)
from digest.model import Problem


@click.group("themes")
def themes_group() -> None:
    """The taxonomy (themes.toml): explain, check, classify, label and learn."""


@themes_group.command("explain")
@click.argument("item_id")
@config_option
def themes_explain_command(item_id: str, config: Path | None) -> None:
    """Show which rules fired for one stored item, the scores and the themes assigned."""
    settings = _settings(config)
    from digest.taxonomy_check import explain_stored  # when the command runs

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
    if explanation.learned:
        learned = _table("learned weights (digest themes learn)", "theme", ">points", "lemmas")
        for part in explanation.learned:
            lemmas = ", ".join(f"{f.split(':', 1)[1]} {w:+.2f}" for f, w in part.features)
            learned.add_row(part.theme_id, f"{part.points:+.2f}", lemmas)
        out.print(learned)
    chosen = ", ".join(explanation.assigned) or "none (general section)"
    out.print(f"assigned (score >= {_num(explanation.threshold)}): {chosen}", markup=False)
    scope = explanation.scope
    if scope is not None:
        terms = ", ".join(f"{h.term} ({h.where}) {_num(h.points)}" for h in scope.hits)
        verdict = "in scope" if scope.in_scope else f"out of scope ({scope.reason})"
        out.print(
            f"scope: {verdict}: score {_num(scope.score)} against {_num(scope.threshold)}"
            f" from {terms or 'no scope term'}",
            markup=False,
            soft_wrap=True,
        )


@themes_group.command("classify")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@config_option
def themes_classify_command(paths: tuple[Path, ...], config: Path | None) -> None:
    """Classify article files or JSON Lines ({"id", "lang", "title", "text"}) without storing
    them: one JSON object a line with the scope's decision and the themes assigned."""
    settings = _settings(config)
    from digest.themes.outside import classify_paths  # when the command runs

    for line in _library(lambda: classify_paths(settings, paths, _warn)):
        out.print(line, markup=False, soft_wrap=True, highlight=False)


@themes_group.command("labels")
@click.option(
    "--out",
    "target",
    type=click.Path(path_type=Path),
    help="Write here instead of the labels file (paths.labels).",
)
@config_option
def themes_labels_command(target: Path | None, config: Path | None) -> None:
    """Write the labels file: every stored item, its label so far, and the classifier's
    suggestion beside it, for the editor to fill in (then `digest themes check`/`learn`)."""
    settings = _settings(config)
    from digest.themes.outside import write_labels  # when the command runs

    written, count = _library(lambda: write_labels(settings, target))
    out.print(f"{count} items written to {written}", markup=False, soft_wrap=True)


@themes_group.command("learn")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@config_option
def themes_learn_command(paths: tuple[Path, ...], config: Path | None) -> None:
    """Learn weights from the editor's labels (stored items, or labelled PATHS) and write
    them to the file the taxonomy names (`learned` in themes.toml)."""
    settings = _settings(config)
    from digest.themes.outside import learn  # when the command runs

    result = _library(lambda: learn(settings, paths, _warn))
    out.print(
        f"learned from {result.examples} labelled texts: {', '.join(result.models)}; "
        f"written to {result.path}",
        markup=False,
        soft_wrap=True,
    )


def _warn(problem: Problem) -> None:
    err.print(f"warning: {problem}", markup=False, soft_wrap=True)


@themes_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@config_option
def themes_check_command(paths: tuple[Path, ...], config: Path | None) -> None:
    """Themes and rules that never match, and precision/recall against the editor's labels
    (of the stored items, or of labelled PATHS: article files or JSON Lines)."""
    settings = _settings(config)
    from digest.taxonomy_check import check_store  # when the command runs

    report = _library(lambda: check_store(settings, paths, _warn))
    general = f"in the general section (no theme): {report.general}"
    outside = "" if report.out_of_scope is None else f"; out of scope: {report.out_of_scope}"
    out.print(f"items: {report.items}; {general}{outside}", markup=False)
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
    if report.scope is not None:
        scope = report.scope
        q = scope.quality
        out.print(
            f"scope: precision {q.precision:.2f}, recall {q.recall:.2f}, F1 {q.f1:.2f}; "
            f"negatives let in: {scope.false_positives} of "
            f"{scope.false_positives + scope.true_negatives} ({scope.negatives_in_scope:.0%})",
            markup=False,
        )
