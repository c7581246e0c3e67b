"""Rule-based classification on lemmas against the taxonomy (``themes.toml``).

:func:`digest.taxonomy.load_themes` reads the file. Each theme has rules per language
(``[themes.keywords]``) and optional exclusions (``[themes.exclude]``)::

    [themes.keywords]
    fr = ["algorithme", "données personnelles", { term = "rgpd", weight = 3 },
          { term = "données", support = true }, "transfrontali*"]
    [themes.exclude]
    fr = ["police d'écriture", { term = "ministère des finances", penalty = 2 }]

- A plain string is a rule of weight 1; a table sets ``weight`` (any positive number)
  and ``support = true`` (the rule counts only when a non-support rule of the same theme
  matched the story: "data" alone does not make a story about data governance).
- Words match on lemmas (:mod:`simplemma`), case and accents ignored: "algorithmes"
  matches "algorithme", "gemeenten" matches "gemeente", "données personnelles" matches
  "donnée personnel". A rule word shorter than four letters (an acronym such as "ia" or
  "avg") matches only that word as written, never through a lemma. A word ending in
  ``*`` matches every word it starts, for compounds ("grensoverschrijd*").
- A phrase matches consecutive words; apostrophes and hyphens separate words, so
  "l'ia", "AI-verordening" and "ai verordening" are word sequences like any other.
- Within a theme, overlapping matches keep the longest ("compétences numériques" over
  "compétences"). A match of an exclusion cancels the theme's rule matches it overlaps;
  with a ``penalty`` it also takes that many points off the theme per occurrence.
- A match in a title counts :data:`TITLE_WEIGHT` times. A theme's score is the sum of
  its matches' weights over every version of a story, the repeats of one rule damped
  (``n`` matches count ``sqrt(n)`` times). A theme is assigned when it reaches
  :data:`MIN_SCORE` and either :data:`RELATIVE_SCORE` times the best theme's score or
  :data:`STRONG_SCORE`: a story is about a few themes, not every one it mentions.

Each text is lemmatised once (lemmas are cached per word) and matched against an
index of the rules' first words per language, so the cost does not grow with the
number of themes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import simplemma

from digest.model import Item, Theme
from digest.taxonomy import RULE_WORD

#: How many times a match in a title counts.
TITLE_WEIGHT = 2.0
#: Smallest score for a theme to be assigned.
MIN_SCORE = 2.0
#: A theme is assigned only when its score is at least this share of the best theme's.
RELATIVE_SCORE = 0.3
#: A theme scoring at least this is assigned however far ahead the best one is.
STRONG_SCORE = 6.0
#: Rule words shorter than this match only as written (no lemma): acronyms.
_LEMMA_MIN = 4
_WORD = re.compile(r"\w+")

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
class Explanation:
    """Why a story got its themes."""

    hits: tuple[RuleHit, ...]
    exclusions: tuple[ExclusionHit, ...]
    #: Score per theme, zeros left out.
    scores: dict[str, float]
    #: Score a theme had to reach to be assigned.
    threshold: float
    #: Themes assigned, best first.
    assigned: tuple[str, ...]


@dataclass(frozen=True)
class _Word:
    """One word of a rule: the keys it matches, or the prefix it matches."""

    keys: frozenset[str]
    prefix: str | None = None

    def matches(self, keys: tuple[str, ...]) -> bool:
        if self.prefix is not None:
            return any(key.startswith(self.prefix) for key in keys)
        return not self.keys.isdisjoint(keys)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per rule
class _Rule:
    theme_id: str
    term: str
    words: tuple[_Word, ...]
    weight: float = 1.0
    support: bool = False
    #: True for an exclusion.
    exclusion: bool = False
    penalty: float = 0.0


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def _keys(language: str, word: str) -> tuple[str, ...]:
    """What a (lower-case) word of a text matches: itself and its lemma, accents dropped."""
    try:
        lemma = simplemma.lemmatize(word, lang=language).casefold()
    except ValueError:  # a language simplemma does not know: the word alone
        lemma = word
    surface = _fold(word)
    return (surface,) if lemma == word else (surface, _fold(lemma))


def _rule_word(language: str, word: str) -> _Word:
    if word.endswith("*"):
        return _Word(frozenset(), prefix=_fold(word[:-1]))
    if len(word) < _LEMMA_MIN:
        return _Word(frozenset({_fold(word)}))
    return _Word(frozenset(_keys(language, word)))


def _rules(themes: Sequence[Theme]) -> dict[str, list[_Rule]]:
    by_language: dict[str, list[_Rule]] = {}
    for theme in themes:
        for lang, terms in theme.keywords.items():
            weights, support = theme.weights.get(lang, {}), set(theme.support.get(lang, ()))
            for term in terms:
                words = tuple(_rule_word(lang, w) for w in RULE_WORD.findall(term))
                rule = _Rule(theme.id, term, words, weights.get(term, 1.0), term in support)
                by_language.setdefault(lang, []).append(rule)
        for lang, penalties in theme.exclusions.items():
            for term, penalty in penalties.items():
                words = tuple(_rule_word(lang, w) for w in RULE_WORD.findall(term))
                rule = _Rule(theme.id, term, words, exclusion=True, penalty=penalty)
                by_language.setdefault(lang, []).append(rule)
    return by_language


class _Matcher:
    """The rules of one language, indexed by what their first word matches."""

    def __init__(self, language: str, rules: Sequence[_Rule]) -> None:
        self.language = language
        self.rules = tuple(rules)
        self._exact: dict[str, list[_Rule]] = {}
        self._prefixed: list[tuple[str, _Rule]] = []
        for rule in self.rules:
            first = rule.words[0]
            if first.prefix is not None:
                self._prefixed.append((first.prefix, rule))
            for key in first.keys:
                self._exact.setdefault(key, []).append(rule)
        self._candidates: dict[str, tuple[_Rule, ...]] = {}

    def _starting(self, word: str, keys: tuple[str, ...]) -> tuple[_Rule, ...]:
        found = self._candidates.get(word)
        if found is None:
            chosen: dict[int, _Rule] = {}
            for key in keys:
                for rule in self._exact.get(key, ()):
                    chosen[id(rule)] = rule
            for prefix, rule in self._prefixed:
                if any(key.startswith(prefix) for key in keys):
                    chosen[id(rule)] = rule
            found = self._candidates[word] = tuple(chosen.values())
        return found

    def matches(self, text: str) -> list[tuple[_Rule, int, int]]:
        """Every rule and exclusion match in ``text``: (rule, first word, end word)."""
        words = _WORD.findall(text.casefold())
        keys = [_keys(self.language, w) for w in words]
        found = []
        for start, word in enumerate(words):
            for rule in self._starting(word, keys[start]):
                end = start + len(rule.words)
                if end <= len(words) and all(
                    w.matches(keys[start + n]) for n, w in enumerate(rule.words[1:], start=1)
                ):
                    found.append((rule, start, end))
        return found


class Classifier:
    """Scores texts against every theme of a taxonomy."""

    def __init__(
        self,
        themes: Sequence[Theme],
        *,
        relative: float = RELATIVE_SCORE,
        strong: float = STRONG_SCORE,
    ) -> None:
        self.themes = tuple(themes)
        self.relative = relative
        self.strong = strong
        self._matchers = {
            lang: _Matcher(lang, rules) for lang, rules in _rules(self.themes).items()
        }

    def scores(self, texts: Iterable[Text]) -> dict[str, float]:
        """Score of each theme over all ``texts`` (versions of one story), zeros left out."""
        return dict(self.explain(texts).scores)

    def assign(self, texts: Iterable[Text]) -> tuple[str, ...]:
        """Themes whose score reaches the threshold, best first (ties by id)."""
        return self.explain(texts).assigned

    def explain(self, texts: Iterable[Text]) -> Explanation:
        """Every rule and exclusion that matched ``texts``, the scores and the themes assigned."""
        counts: dict[tuple[_Rule, str, Where], int] = {}
        cancelled: dict[tuple[_Rule, str, Where], int] = {}
        for text in texts:
            matcher = self._matchers.get(text.language)
            if matcher is None:
                continue
            parts: tuple[tuple[Where, str], ...] = (("title", text.title), ("body", text.body))
            for where, part in parts:
                kept, vetoes = _resolve(matcher.matches(part))
                for rule in kept:
                    slot = (rule, text.language, where)
                    counts[slot] = counts.get(slot, 0) + 1
                for rule, vetoed in vetoes:
                    slot = (rule, text.language, where)
                    counts[slot] = counts.get(slot, 0) + 1
                    cancelled[slot] = cancelled.get(slot, 0) + vetoed
        return self._score(counts, cancelled)

    def _score(
        self,
        counts: Mapping[tuple[_Rule, str, Where], int],
        cancelled: Mapping[tuple[_Rule, str, Where], int],
    ) -> Explanation:
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
                    rule.theme_id, lang, rule.term, where, count, rule.weight, points, rule.support
                )
            )
        scores = {theme: round(score, 6) for theme, score in totals.items() if score > 0}
        best = max(scores.values(), default=0.0)
        threshold = max(MIN_SCORE, min(self.relative * best, self.strong))
        chosen = sorted((-s, t) for t, s in scores.items() if s >= threshold)
        order = {theme.id: n for n, theme in enumerate(self.themes)}
        hits.sort(key=lambda h: (order.get(h.theme_id, 0), -h.points, h.term, h.where))
        exclusions.sort(key=lambda e: (order.get(e.theme_id, 0), e.term, e.where))
        return Explanation(
            tuple(hits), tuple(exclusions), scores, threshold, tuple(t for _s, t in chosen)
        )


def _repeats(count: int) -> float:
    """What ``count`` matches of one rule are worth: each repeat adds less, so a long
    article repeating one word does not drown the other themes it is about."""
    return math.sqrt(count)


def _resolve(
    found: list[tuple[_Rule, int, int]],
) -> tuple[list[_Rule], list[tuple[_Rule, int]]]:
    """Rule matches kept (longest first within a theme, none inside an exclusion of it),
    and each exclusion match with how many rule matches it cancelled."""
    spans: dict[str, list[tuple[int, int]]] = {}
    vetoes: list[tuple[_Rule, int]] = []
    for rule, start, end in found:
        if rule.exclusion:
            spans.setdefault(rule.theme_id, []).append((start, end))
    taken: dict[str, list[tuple[int, int]]] = {}
    kept: list[_Rule] = []
    cancelled: dict[tuple[str, int, int], int] = {}
    for rule, start, end in sorted(found, key=lambda f: (f[1], f[1] - f[2])):
        if rule.exclusion:
            continue
        overlaps = [s for s in spans.get(rule.theme_id, ()) if s[0] < end and start < s[1]]
        if overlaps:
            for s in overlaps:
                cancelled[rule.theme_id, *s] = cancelled.get((rule.theme_id, *s), 0) + 1
            continue
        if any(s < end and start < e for s, e in taken.get(rule.theme_id, ())):
            continue
        taken.setdefault(rule.theme_id, []).append((start, end))
        kept.append(rule)
    for rule, start, end in found:
        if rule.exclusion:
            vetoes.append((rule, cancelled.get((rule.theme_id, start, end), 0)))
    return kept, vetoes


def theme_map(themes: Iterable[Theme]) -> Mapping[str, Theme]:
    """Themes by id."""
    return {theme.id: theme for theme in themes}
