"""Scoring texts against the taxonomy: theme scores, the themes assigned, the scope.

See :mod:`digest.themes` for the rule language and how scores are made.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from digest.model import Item, Scope, Taxonomy, Theme
from digest.taxonomy import SCOPE_ID
from digest.themes.learned import LearnedModel, LearnedPart, load_learned
from digest.themes.matcher import Matcher
from digest.themes.matching import Rule, compile_rules, rule_languages, words_of

#: How many times a match in a title counts.
TITLE_WEIGHT = 2.0
#: Smallest score for a theme to be assigned.
MIN_SCORE = 2.0
#: A theme is assigned only when its score is at least this share of the best theme's.
RELATIVE_SCORE = 0.3
#: A theme scoring at least this is assigned however far ahead the best one is.
STRONG_SCORE = 6.0

Where = Literal["title", "body"]


@dataclass(frozen=True)
class Text:
    """A piece of text to classify: its language, title and body."""

    language: str
    title: str
    body: str


def item_text(item: Item) -> Text:
    """The text classified for ``item``: by an edition and by ``digest themes``."""
    return Text(item.language, item.title, item.text)


@dataclass(frozen=True)
class RuleHit:
    """A rule that matched, with how often and what it added."""

    theme_id: str
    language: str
    term: str
    where: Where
    count: int
    weight: float
    #: Points added to the theme: weight x count (x :data:`TITLE_WEIGHT` in a title);
    #: 0 for a support rule that matched alone.
    points: float
    support: bool = False
    #: True when the rule counts only with a ``near`` term beside it (it had one).
    near: bool = False


@dataclass(frozen=True)
class ExclusionHit:
    """An exclusion that matched: the rule matches it cancelled and the points it took off."""

    theme_id: str
    language: str
    term: str
    where: Where
    count: int
    #: Rule matches it cancelled.
    cancelled: int
    #: Points taken off the theme (penalty x count).
    penalty: float


@dataclass(frozen=True)
class ScopeDecision:
    """Whether a text is in the digest's field, and why."""

    score: float
    threshold: float
    in_scope: bool
    #: ``"in"``, ``"below threshold"`` or ``"no theme"`` (the scope requires one).
    reason: str
    hits: tuple[RuleHit, ...] = ()

    @property
    def borderline(self) -> bool:
        """Close to the line: within half the threshold of it, or out for want of a theme."""
        return self.reason == "no theme" or abs(self.score - self.threshold) < self.threshold / 2


@dataclass(frozen=True)
class Explanation:
    """Why a story got its themes."""

    hits: tuple[RuleHit, ...]
    exclusions: tuple[ExclusionHit, ...]
    #: Score per theme, zeros left out: the rules' points, plus the learned part.
    scores: dict[str, float]
    #: Score a theme had to reach to be assigned.
    threshold: float
    #: Themes assigned, best first.
    assigned: tuple[str, ...]
    #: The scope's decision; None for a digest about anything.
    scope: ScopeDecision | None = None
    #: What the learned weights added to each theme the rules matched.
    learned: tuple[LearnedPart, ...] = ()

    @property
    def in_scope(self) -> bool:
        """Whether the text may enter an edition."""
        return self.scope is None or self.scope.in_scope


_Slot = tuple[Rule, str, Where]


@dataclass(frozen=True)
class Matched:
    """What the rules found in one text: its word count, and per rule, language and part
    (in the order first found) how many matches and how many rule matches it cancelled
    (an exclusion's)."""

    words: int
    slots: tuple[tuple[Rule, str, Where, int, int], ...]


class Classifier:
    """Scores texts against every theme of a taxonomy, and against its scope."""

    def __init__(
        self,
        themes: Sequence[Theme] | Taxonomy,
        *,
        relative: float = RELATIVE_SCORE,
        strong: float = STRONG_SCORE,
        learned: LearnedModel | None = None,
    ) -> None:
        taxonomy = themes if isinstance(themes, Taxonomy) else Taxonomy(tuple(themes))
        self.themes = taxonomy.themes
        self.scope: Scope | None = taxonomy.scope
        self.relative = relative
        self.strong = strong
        if learned is None and taxonomy.learned is not None:
            learned = load_learned(taxonomy.learned)
        self.learned = learned
        self._every = (*self.themes, *((self.scope.rules,) if self.scope else ()))
        # Each language's rules are compiled when a text (or a stored part) of that
        # language first needs them: lemmatising a language's terms loads its simplemma
        # dictionary (German alone takes seconds), which a corpus without it never pays.
        self._languages = rule_languages(self._every)
        self._matchers: dict[str, Matcher] = {}
        self._order = {theme.id: n for n, theme in enumerate(self.themes)}

    @property
    def languages(self) -> frozenset[str]:
        """The languages the taxonomy has rules for."""
        return self._languages

    @property
    def compiled(self) -> frozenset[str]:
        """The languages whose rules are compiled so far."""
        return frozenset(self._matchers)

    def warm(self, languages: Iterable[str] | None = None) -> None:
        """Compile now the rules of ``languages`` (None: every language of the taxonomy),
        those the taxonomy has: before forking worker processes, so that each does not
        compile them (and load their dictionaries) again."""
        wanted = self._languages if languages is None else frozenset(languages)
        for language in sorted(wanted & self._languages):
            self._matcher(language)

    def _matcher(self, language: str) -> Matcher | None:
        """The rules of ``language``, compiled on first use; None when it has none."""
        found = self._matchers.get(language)
        if found is None:
            if language not in self._languages:
                return None
            rules = compile_rules(self._every, (language,)).get(language, [])
            # Compiling is pure: should two threads race, both keep the first one stored
            # (the rules are compared by identity).
            found = self._matchers.setdefault(language, Matcher(language, rules))
        return found

    def scores(self, texts: Iterable[Text]) -> dict[str, float]:
        """Score of each theme over all ``texts`` (versions of one story), zeros left out."""
        return dict(self.explain(texts).scores)

    def assign(self, texts: Iterable[Text]) -> tuple[str, ...]:
        """Themes whose score reaches the threshold, best first (ties by id)."""
        return self.explain(texts).assigned

    def explain(self, texts: Iterable[Text]) -> Explanation:
        """Every rule and exclusion that matched ``texts``, the scores, the themes assigned
        and the scope's decision."""
        texts = tuple(texts)
        return self.explain_matched(texts, [self.matched(text) for text in texts])

    def matched(
        self, text: Text, words: tuple[Sequence[str], Sequence[str]] | None = None
    ) -> Matched:
        """What the rules found in one text alone (kept by :mod:`digest.parts` with its
        item): :meth:`explain_matched` adds up several texts' findings.

        ``words``: the words of its title and of its body as
        :func:`~digest.themes.matching.words_of` gives them, when the caller has them
        (they are found here otherwise).
        """
        matcher = self._matcher(text.language)
        if matcher is None:
            return Matched(0, ())
        if words is None:
            words = (words_of(text.title), words_of(text.body))
        language = text.language
        slots: list[tuple[Rule, str, Where, int, int]] = []
        count = 0
        parts: tuple[Where, Where] = ("title", "body")
        for where, part in zip(parts, words, strict=True):
            found = matcher.matches(part)
            count += found.words
            kept, vetoes = matcher.resolve(found)
            # Per rule in the order first found: its matches (an exclusion's, and the
            # rule matches it cancelled).
            counts: dict[Rule, int] = {}
            for rule, _start, _end in kept:
                counted = rule.head or rule  # rule.counted, without a property's call
                counts[counted] = counts.get(counted, 0) + 1
            slots.extend((rule, language, where, n, 0) for rule, n in counts.items())
            if vetoes:
                cancelled: dict[Rule, list[int]] = {}
                for rule, vetoed in vetoes:
                    slot = cancelled.setdefault(rule, [0, 0])
                    slot[0] += 1
                    slot[1] += vetoed
                slots.extend((rule, language, where, n, c) for rule, (n, c) in cancelled.items())
        return Matched(count, tuple(slots))

    def explain_matched(self, texts: Sequence[Text], matched: Sequence[Matched]) -> Explanation:
        """:meth:`explain` of ``texts`` from what :meth:`matched` found in each of them."""
        counts: dict[_Slot, int] = {}
        cancelled: dict[_Slot, int] = {}
        words = 0
        for found in matched:
            words += found.words
            for rule, lang, where, count, vetoed in found.slots:
                slot = (rule, lang, where)
                counts[slot] = counts.get(slot, 0) + count
                if rule.exclusion:
                    cancelled[slot] = cancelled.get(slot, 0) + vetoed
        return self._decide(texts, words, counts, cancelled)

    def rule_index(self, language: str) -> tuple[Sequence[Rule], Mapping[Rule, int]]:
        """The rules of ``language`` in a fixed order and each one's place in it (how
        :mod:`digest.parts` writes a :class:`Matched` down)."""
        matcher = self._matcher(language)
        rules = matcher.rules if matcher is not None else ()
        places: dict[Rule, int] = {}
        for n, rule in enumerate(rules):
            places.setdefault(rule, n)
        return rules, places

    def _decide(
        self,
        texts: Sequence[Text],
        words: int,
        counts: Mapping[_Slot, int],
        cancelled: Mapping[_Slot, int],
    ) -> Explanation:
        """The scores, themes and scope of ``texts`` (``words`` long) from their matches."""
        totals, hits, exclusions = _points(counts, cancelled)
        parts: tuple[LearnedPart, ...] = ()
        if self.learned is not None:
            # Only what the rules matched: the learned part weighs, it never finds.
            parts = self.learned.parts(texts, [t for t, s in totals.items() if s > 0])
            for part in parts:
                totals[part.theme_id] += part.points
        rules = {theme: score for theme, score in totals.items() if theme != SCOPE_ID}
        scores = {theme: round(score, 6) for theme, score in rules.items() if score > 0}
        best = max(scores.values(), default=0.0)
        threshold = round(max(MIN_SCORE, min(self.relative * best, self.strong)), 6)
        chosen = sorted((-s, t) for t, s in scores.items() if s >= threshold)
        assigned = tuple(t for _s, t in chosen)
        scope = None
        if self.scope is not None:
            scope = _scope(self.scope, totals.get(SCOPE_ID, 0.0), words, assigned, hits)
        theme_hits = [h for h in hits if h.theme_id != SCOPE_ID]
        theme_hits.sort(key=lambda h: (self._order.get(h.theme_id, 0), -h.points, h.term, h.where))
        exclusions.sort(key=lambda e: (self._order.get(e.theme_id, 0), e.term, e.where))
        return Explanation(
            tuple(theme_hits), tuple(exclusions), scores, threshold, assigned, scope, parts
        )


def _points(
    counts: Mapping[_Slot, int], cancelled: Mapping[_Slot, int]
) -> tuple[dict[str, float], list[RuleHit], list[ExclusionHit]]:
    """Points per theme (the scope's under :data:`SCOPE_ID`), the hits and exclusions."""
    backed = {r.theme_id for (r, _, _) in counts if not r.exclusion and not r.support}
    totals: dict[str, float] = {}
    hits, exclusions = [], []
    for (rule, lang, where), count in counts.items():
        factor = TITLE_WEIGHT if where == "title" else 1.0
        if rule.exclusion:
            penalty = rule.penalty * count
            totals[rule.theme_id] = totals.get(rule.theme_id, 0.0) - penalty
            vetoed = cancelled.get((rule, lang, where), 0)
            exclusions.append(
                ExclusionHit(rule.theme_id, lang, rule.term, where, count, vetoed, penalty)
            )
            continue
        points = rule.weight * _repeats(count) * factor
        if rule.support and rule.theme_id not in backed:
            points = 0.0
        totals[rule.theme_id] = totals.get(rule.theme_id, 0.0) + points
        hits.append(
            RuleHit(
                rule.theme_id,
                lang,
                rule.term,
                where,
                count,
                rule.weight,
                round(points, 6),
                rule.support,
                bool(rule.near),
            )
        )
    return totals, hits, exclusions


def _scope(
    scope: Scope, score: float, words: int, assigned: Sequence[str], hits: Sequence[RuleHit]
) -> ScopeDecision:
    score = round(max(score, 0.0), 6)
    factor = min(max(math.sqrt(words / scope.length), 0.5), 2.0)
    threshold = round(scope.threshold * factor, 6)
    own = tuple(sorted((h for h in hits if h.theme_id == SCOPE_ID), key=lambda h: -h.points))
    if score < threshold:
        return ScopeDecision(score, threshold, False, "below threshold", own)
    if scope.require_theme and not assigned:
        return ScopeDecision(score, threshold, False, "no theme", own)
    return ScopeDecision(score, threshold, True, "in", own)


def _repeats(count: int) -> float:
    """What ``count`` matches of one rule are worth: each repeat adds less, so a long
    article repeating one word does not drown the other themes it is about."""
    return math.sqrt(count)
