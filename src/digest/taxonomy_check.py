"""Checking the taxonomy against the editor's labels: what ``digest themes explain`` and
``check`` show.

:func:`check_taxonomy` classifies every item on its own and reports themes that matched
nothing, rules that never matched, how many items the scope leaves out, and, for items
the editor labelled (:mod:`digest.labels`), precision and recall per theme, their
macro-F1, and the scope's precision and recall. The labels are not stored with the
items: they are read from the article files and the labels file each time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.config import Settings
from digest.errors import InputError
from digest.labels import Label, article_labels, labels_for, read_labels_file
from digest.model import Item, Problem, Taxonomy, Theme
from digest.sources import Report
from digest.store import Store
from digest.taxonomy import load_taxonomy
from digest.texts import LabelledText, read_texts
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
class ScopeQuality:
    """How well the scope's decisions agree with the editor's (in scope is positive)."""

    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int

    @property
    def quality(self) -> ThemeQuality:
        """The same counts as a :class:`ThemeQuality`, for precision, recall and F1."""
        return ThemeQuality(
            "scope", self.true_positives, self.false_positives, self.false_negatives
        )

    @property
    def negatives_in_scope(self) -> float:
        """Share of the items the editor put out of scope that the scope let in."""
        negatives = self.false_positives + self.true_negatives
        return self.false_positives / negatives if negatives else 0.0


@dataclass(frozen=True)
class CheckReport:
    """What ``digest themes check`` shows."""

    #: Items classified.
    items: int
    #: Items in scope but assigned no theme (the general section).
    general: int
    usage: tuple[ThemeUsage, ...]
    idle_rules: tuple[IdleRule, ...]
    #: Languages that have rules but no item: their rules are not listed as idle.
    languages_without_items: tuple[str, ...]
    #: Items with a theme label, compared below.
    evaluated: int
    #: One row per theme expected or assigned among the evaluated items.
    quality: tuple[ThemeQuality, ...]
    #: Expected theme ids that the taxonomy does not have.
    unknown_expected: tuple[str, ...] = ()
    #: Items out of scope (None: the taxonomy has no scope).
    out_of_scope: int | None = None
    #: Against the items with a scope label (None: no scope, or no such item).
    scope: ScopeQuality | None = None
    #: Labelled items whose assignment differs from the label: (id, expected, got).
    disagreements: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()

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
    taxonomy: Taxonomy | Sequence[Theme],
    texts: Iterable[LabelledText | Item],
    expected: Mapping[str, Label | Sequence[str]] | None = None,
    *,
    classifier: Classifier | None = None,
) -> CheckReport:
    """Classify each text on its own and compare with the labels: a text's own, else
    ``expected`` (item id -> label, or the theme ids of an in-scope item).

    An item out of scope shows no theme: its themes count as none.
    """
    taxonomy = taxonomy if isinstance(taxonomy, Taxonomy) else Taxonomy(tuple(taxonomy))
    classifier = classifier or Classifier(taxonomy)
    expected = expected or {}
    themes = taxonomy.themes
    known = [theme.id for theme in themes]
    matched = dict.fromkeys(known, 0)
    assigned_count = dict.fromkeys(known, 0)
    fired: set[tuple[str, str, str]] = set()
    languages: set[str] = set()
    counts: dict[str, list[int]] = {}  # theme -> [tp, fp, fn]
    scope_counts = [0, 0, 0, 0]  # tp, fp, fn, tn
    unknown: set[str] = set()
    disagreements = []
    total = general = evaluated = outside = 0
    for each in texts:
        labelled = each if isinstance(each, LabelledText) else _labelled(each)
        label = labelled.label or _label(expected.get(labelled.id))
        total += 1
        languages.add(labelled.text.language)
        explanation = classifier.explain([labelled.text])
        fired.update((h.theme_id, h.language, h.term) for h in explanation.hits)
        for theme_id in explanation.scores:
            matched[theme_id] += 1
        shown = explanation.assigned if explanation.in_scope else ()
        for theme_id in shown:
            assigned_count[theme_id] += 1
        outside += not explanation.in_scope
        general += explanation.in_scope and not shown
        if label is None:
            continue
        if explanation.scope is not None and label.scope is not None:
            want_in, got_in = label.scope == "in", explanation.in_scope
            scope_counts[{(1, 1): 0, (0, 1): 1, (1, 0): 2, (0, 0): 3}[want_in, got_in]] += 1
        if label.themes is None:
            continue
        evaluated += 1
        unknown.update(t for t in label.themes if t not in matched)
        got, want = set(shown), {t for t in label.themes if t in matched}
        if got != want:
            disagreements.append((labelled.id, tuple(sorted(want)), tuple(sorted(got))))
        for theme_id in got | want:
            row = counts.setdefault(theme_id, [0, 0, 0])
            row[0 if theme_id in got and theme_id in want else 1 if theme_id in got else 2] += 1
    # A grouped rule fires under its group's name ("@public"), for all of its terms.
    idle = [
        IdleRule(theme.id, lang, term)
        for theme in themes
        for lang, terms in theme.keywords.items()
        if lang in languages
        for term in terms
        if (theme.id, lang, theme.groups.get(lang, {}).get(term, term)) not in fired
    ]
    rule_languages = {lang for theme in themes for lang in theme.keywords}
    has_scope = taxonomy.scope is not None
    return CheckReport(
        items=total,
        general=general,
        usage=tuple(ThemeUsage(t, matched[t], assigned_count[t]) for t in known),
        idle_rules=tuple(idle),
        languages_without_items=tuple(sorted(rule_languages - languages)),
        evaluated=evaluated,
        quality=tuple(ThemeQuality(t, *counts[t]) for t in known if t in counts),
        unknown_expected=tuple(sorted(unknown)),
        out_of_scope=outside if has_scope else None,
        scope=ScopeQuality(*scope_counts) if has_scope and any(scope_counts) else None,
        disagreements=tuple(disagreements),
    )


def _labelled(item: Item) -> LabelledText:
    return LabelledText(item.id, item_text(item))


def _label(value: Label | Sequence[str] | None) -> Label | None:
    if value is None or isinstance(value, Label):
        return value
    return Label("in", tuple(value))


def expected_themes(folder: Path) -> dict[str, tuple[str, ...]]:
    """The themes the front matter of the article files below ``folder`` expects."""
    labels = article_labels(folder)
    return {key: label.themes for key, label in labels.items() if label.themes}


def check_store(
    settings: Settings, paths: Sequence[Path] = (), report: Report | None = None
) -> CheckReport:
    """:func:`check_taxonomy` over every stored item with the editor's labels (front
    matter and labels file), or over the labelled texts of ``paths`` when given.

    Raises:
        ConfigError: the themes file or its learned weights are unusable.
        InputError: the labels file is unusable.
        StoreError: the store cannot be opened.
    """
    taxonomy = load_taxonomy(settings.paths.themes)
    texts = read_texts(paths, report or _ignore) if paths else labelled_store(settings)
    return check_taxonomy(taxonomy, texts)


def labelled_store(settings: Settings) -> list[LabelledText]:
    """Every stored item as a text to classify, with the editor's label when it has one
    (front matter, or the labels file's row).

    Raises:
        InputError: the labels file is unusable.
        StoreError: the store cannot be opened.
    """
    items = stored_items(settings)
    labels = stored_labels(settings, items)
    return [LabelledText(item.id, item_text(item), labels.get(item.id)) for item in items]


def stored_labels(settings: Settings, items: Sequence[Item]) -> dict[str, Label]:
    """The editor's label of each labelled stored item.

    Raises:
        InputError: the labels file is unusable.
    """
    articles = article_labels(settings.paths.sources / "articles")
    return labels_for(items, articles, read_labels_file(settings.paths.labels))


def explain_stored(settings: Settings, item_id: str) -> tuple[Item, Explanation]:
    """A stored item and why it gets its themes and its scope (classified on its own).

    Raises:
        InputError: no stored item has that id.
        ConfigError: the themes file or its learned weights are unusable.
        StoreError: the store cannot be opened.
    """
    taxonomy = load_taxonomy(settings.paths.themes)
    item = next((i for i in stored_items(settings) if i.id == item_id), None)
    if item is None:
        raise InputError(f"no stored item has the id {item_id!r} (run `digest build` first?)")
    return item, Classifier(taxonomy).explain([item_text(item)])


def stored_items(settings: Settings) -> list[Item]:
    """Every stored item.

    Raises:
        StoreError: the store cannot be opened.
    """
    store = Store(settings.store_url)
    try:
        return store.all_items()
    finally:
        store.close()


def _ignore(problem: Problem) -> None:
    pass
