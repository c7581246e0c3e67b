"""Checking the taxonomy against the store: what ``digest themes explain`` and ``check`` show.

:func:`check_taxonomy` classifies every item on its own and reports themes that matched
nothing, rules that never matched, and, for items whose article file names the themes
the editor expects (front matter ``themes:``), precision and recall per theme and their
macro-F1. The expectation is not stored with the items: :func:`expected_themes` reads it
from the article files, under the ids the items get (``articles/<path without
extension>``, ``#<n>`` for each object of a JSON list).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.config import Settings
from digest.errors import InputError
from digest.model import Item, Theme
from digest.sources.files import ARTICLES_SOURCE_ID
from digest.sources.formats import BadArticle, split_front_matter
from digest.store import Store
from digest.taxonomy import load_themes
from digest.themes import Classifier, Explanation, item_text


@dataclass(frozen=True)
class ThemeQuality:
    """How well one theme's assignments agree with the editor's expectations."""

    theme_id: str
    #: Items expected and assigned.
    true_positives: int
    #: Items assigned but not expected.
    false_positives: int
    #: Items expected but not assigned.
    false_negatives: int

    @property
    def precision(self) -> float:
        """Share of the assignments that were expected (0 when there were none)."""
        assigned = self.true_positives + self.false_positives
        return self.true_positives / assigned if assigned else 0.0

    @property
    def recall(self) -> float:
        """Share of the expectations that were assigned (0 when there were none)."""
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True)
class ThemeUsage:
    """How often one theme matched and was assigned over the store."""

    theme_id: str
    #: Items where at least one of its rules matched (score above 0).
    matched: int
    #: Items it was assigned to.
    assigned: int


@dataclass(frozen=True)
class IdleRule:
    """A rule that matched no item (in a language some items are written in)."""

    theme_id: str
    language: str
    term: str


@dataclass(frozen=True)
class CheckReport:
    """What ``digest themes check`` shows."""

    #: Items classified.
    items: int
    #: Items assigned no theme (the general section).
    general: int
    usage: tuple[ThemeUsage, ...]
    idle_rules: tuple[IdleRule, ...]
    #: Languages that have rules but no item: their rules are not listed as idle.
    languages_without_items: tuple[str, ...]
    #: Items with an expectation, compared below.
    evaluated: int
    #: One row per theme expected or assigned among the evaluated items.
    quality: tuple[ThemeQuality, ...]
    #: Expected theme ids that the taxonomy does not have.
    unknown_expected: tuple[str, ...] = ()

    @property
    def unmatched_themes(self) -> tuple[str, ...]:
        """Themes that matched no item at all."""
        return tuple(u.theme_id for u in self.usage if not u.matched)

    @property
    def macro_f1(self) -> float | None:
        """Mean F1 over :attr:`quality`; None without expectations."""
        if not self.quality:
            return None
        return sum(q.f1 for q in self.quality) / len(self.quality)


def check_taxonomy(
    themes: Sequence[Theme],
    items: Iterable[Item],
    expected: Mapping[str, Sequence[str]] | None = None,
) -> CheckReport:
    """Classify each item on its own and compare with ``expected`` (item id -> theme ids)."""
    classifier = Classifier(themes)
    expected = expected or {}
    known = [theme.id for theme in themes]
    matched = dict.fromkeys(known, 0)
    assigned_count = dict.fromkeys(known, 0)
    fired: set[tuple[str, str, str]] = set()
    languages: set[str] = set()
    counts: dict[str, list[int]] = {}  # theme -> [tp, fp, fn]
    unknown: set[str] = set()
    total = general = evaluated = 0
    for item in items:
        total += 1
        languages.add(item.language)
        explanation = classifier.explain([item_text(item)])
        fired.update((h.theme_id, h.language, h.term) for h in explanation.hits)
        for theme_id in explanation.scores:
            matched[theme_id] += 1
        for theme_id in explanation.assigned:
            assigned_count[theme_id] += 1
        general += not explanation.assigned
        wanted = expected.get(item.id)
        if wanted is None:
            continue
        evaluated += 1
        unknown.update(t for t in wanted if t not in matched)
        got, want = set(explanation.assigned), {t for t in wanted if t in matched}
        for theme_id in got | want:
            row = counts.setdefault(theme_id, [0, 0, 0])
            row[0 if theme_id in got and theme_id in want else 1 if theme_id in got else 2] += 1
    idle = [
        IdleRule(theme.id, lang, term)
        for theme in themes
        for lang, terms in theme.keywords.items()
        if lang in languages
        for term in terms
        if (theme.id, lang, term) not in fired
    ]
    rule_languages = {lang for theme in themes for lang in theme.keywords}
    return CheckReport(
        items=total,
        general=general,
        usage=tuple(ThemeUsage(t, matched[t], assigned_count[t]) for t in known),
        idle_rules=tuple(idle),
        languages_without_items=tuple(sorted(rule_languages - languages)),
        evaluated=evaluated,
        quality=tuple(ThemeQuality(t, *counts[t]) for t in known if t in counts),
        unknown_expected=tuple(sorted(unknown)),
    )


def expected_themes(
    folder: Path, source_id: str = ARTICLES_SOURCE_ID
) -> dict[str, tuple[str, ...]]:
    """The editor's expected themes of each article file below ``folder`` that has some.

    Keys are the ids the items get in the store. Files that cannot be read are left out
    (the build reports them).
    """
    found: dict[str, tuple[str, ...]] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        stem = f"{source_id}/{relative.with_suffix('').as_posix()}"
        suffix = path.suffix.lower()
        try:
            text = path.read_text(encoding="utf-8-sig")
            if suffix in (".md", ".txt"):
                objects: list[tuple[str, object]] = [(stem, split_front_matter(text)[0])]
            elif suffix == ".json":
                data: object = json.loads(text)
                objects = (
                    [(f"{stem}#{n}", o) for n, o in enumerate(data)]
                    if isinstance(data, list)
                    else [(stem, data)]
                )
            else:
                continue
        except (OSError, UnicodeDecodeError, ValueError, BadArticle):
            continue
        for item_id, meta in objects:
            themes = _theme_list(meta.get("themes") if isinstance(meta, dict) else None)
            if themes:
                found[item_id] = themes
    return found


def _theme_list(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    return tuple(str(v).strip() for v in value if isinstance(v, str) and v.strip())


def check_store(settings: Settings) -> CheckReport:
    """:func:`check_taxonomy` over every stored item, with the article files' expectations.

    Raises:
        ConfigError: the themes file is unusable.
        StoreError: the store cannot be opened.
    """
    themes, items = _themes_and_items(settings)
    expected = expected_themes(settings.paths.sources / "articles")
    return check_taxonomy(themes, items, expected)


def explain_stored(settings: Settings, item_id: str) -> tuple[Item, Explanation]:
    """A stored item and why it gets its themes (classified on its own).

    Raises:
        InputError: no stored item has that id.
        ConfigError: the themes file is unusable.
        StoreError: the store cannot be opened.
    """
    themes, items = _themes_and_items(settings)
    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        raise InputError(f"no stored item has the id {item_id!r} (run `digest build` first?)")
    return item, Classifier(themes).explain([item_text(item)])


def _themes_and_items(settings: Settings) -> tuple[tuple[Theme, ...], list[Item]]:
    themes = load_themes(settings.paths.themes)
    store = Store(settings.store_url)
    try:
        return themes, store.all_items()
    finally:
        store.close()
