"""Finding the taxonomy's rules in a text: words on lemmas, phrases, compounds and the
conditions of a rule (what must or must not stand near it).

The rule language is described in :mod:`digest.themes`; this module only matches.
Each text is lemmatised once (lemmas are cached per word) and matched against an
index of the rules' first words per language, so the cost does not grow with the
number of rules, and every step after it is linear in the matches (sorted sweeps
and binary searches, never a scan of earlier matches for each match).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import simplemma

from digest.model import Condition, Theme
from digest.taxonomy import RULE_WORD

#: Rule words shorter than this match only as written (no lemma): acronyms.
LEMMA_MIN = 4
#: A ``*`` word matches a longer word when at least this many letters follow it (a
#: compound: ``politie*`` matches "politiezone")...
COMPOUND_MIN = 3
#: ... or when what follows is one of these inflection endings ("gemeente*" matches
#: "gemeenten"), never any other short tail: ``politie*`` does not match "politiek".
ENDINGS = frozenset({"s", "e", "es", "en", "n", "x", "er", "ers", "ed", "em", "ne", "nes"})
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without accents: how words and rules are compared."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def word_keys(language: str, word: str) -> tuple[str, ...]:
    """What a (lower-case) word of a text matches: itself and its lemma, accents dropped."""
    try:
        lemma = simplemma.lemmatize(word, lang=language).casefold()
    except ValueError:  # a language simplemma does not know: the word alone
        lemma = word
    surface = fold(word)
    return (surface,) if lemma == word else (surface, fold(lemma))


def words_of(text: str) -> list[str]:
    """The words of ``text``, lower case, as rules see them."""
    return _WORD.findall(text.casefold())


@dataclass(frozen=True)
class Word:
    """One word of a rule: the keys it matches, or the stem it starts (``*``)."""

    keys: frozenset[str]
    prefix: str | None = None
    #: Stems this ``*`` word must not match (its rule's ``except``).
    excepted: tuple[str, ...] = ()

    def matches(self, keys: tuple[str, ...]) -> bool:
        """Whether a text word with these keys is this rule word."""
        if self.prefix is None:
            return not self.keys.isdisjoint(keys)
        return any(_compound(self.prefix, key) for key in keys) and not any(
            key.startswith(stem) for stem in self.excepted for key in keys
        )


def _compound(stem: str, key: str) -> bool:
    if not key.startswith(stem):
        return False
    tail = len(key) - len(stem)
    return tail == 0 or tail >= COMPOUND_MIN or key[len(stem) :] in ENDINGS


def rule_words(language: str, term: str, excepted: Sequence[str] = ()) -> tuple[Word, ...]:
    """The words of a rule's term."""
    stems = tuple(fold(e.rstrip("*")) for e in excepted)
    found = []
    for word in RULE_WORD.findall(term):
        if word.endswith("*"):
            found.append(Word(frozenset(), prefix=fold(word[:-1]), excepted=stems))
        elif len(word) < LEMMA_MIN:
            found.append(Word(frozenset({fold(word)})))
        else:
            found.append(Word(frozenset(word_keys(language, word))))
    return tuple(found)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per rule
class Rule:
    """A compiled rule, exclusion or context term of one language."""

    theme_id: str
    term: str
    words: tuple[Word, ...]
    weight: float = 1.0
    support: bool = False
    #: True for an exclusion.
    exclusion: bool = False
    penalty: float = 0.0
    #: True for a term that only serves as another rule's ``near`` or ``unless``.
    context: bool = False
    near: tuple[Rule, ...] = ()
    unless: tuple[Rule, ...] = ()
    within: int = 10
    #: The rule its matches are counted under: the first rule of its ``@group`` (None:
    #: itself), so that a group's terms count as one rule.
    head: Rule | None = None

    @property
    def counted(self) -> Rule:
        """The rule its matches count for."""
        return self.head or self


@dataclass
class _Contexts:
    """Context terms of one language, one compiled rule per term."""

    language: str
    rules: dict[str, Rule] = field(default_factory=dict)

    def get(self, term: str) -> Rule:
        found = self.rules.get(term)
        if found is None:
            words = rule_words(self.language, term)
            found = self.rules[term] = Rule("", term, words, context=True)
        return found


def rule_languages(themes: Iterable[Theme]) -> frozenset[str]:
    """The languages :func:`compile_rules` gives rules for (some possibly none): every
    language of a theme's keywords, and of its exclusions when it has one. Nothing is
    lemmatised."""
    found: set[str] = set()
    for theme in themes:
        found.update(theme.keywords)
        found.update(lang for lang, penalties in theme.exclusions.items() if penalties)
    return frozenset(found)


def compile_rules(
    themes: Iterable[Theme], languages: Container[str] | None = None
) -> dict[str, list[Rule]]:
    """Every rule, exclusion and context term of ``themes``, per language (only those of
    ``languages`` when given: a language's rules do not depend on another's, and
    lemmatising a language's terms loads its dictionary, seconds for German)."""
    by_language: dict[str, list[Rule]] = {}
    contexts: dict[str, _Contexts] = {}
    for theme in themes:
        for lang, terms in theme.keywords.items():
            if languages is not None and lang not in languages:
                continue
            weights, support = theme.weights.get(lang, {}), set(theme.support.get(lang, ()))
            conditions = theme.conditions.get(lang, {})
            origins = theme.groups.get(lang, {})
            context = contexts.setdefault(lang, _Contexts(lang))
            heads: dict[str, Rule] = {}
            for term in terms:
                condition = conditions.get(term, Condition())
                origin = origins.get(term, "")
                rule = Rule(
                    theme.id,
                    origin or term,
                    rule_words(lang, term, condition.excepted),
                    weights.get(term, 1.0),
                    term in support,
                    near=tuple(context.get(t) for t in condition.near),
                    unless=tuple(context.get(t) for t in condition.unless),
                    within=condition.within,
                    head=heads.get(origin) if origin else None,
                )
                if origin:
                    heads.setdefault(origin, rule)
                by_language.setdefault(lang, []).append(rule)
        for lang, penalties in theme.exclusions.items():
            if languages is not None and lang not in languages:
                continue
            for term, penalty in penalties.items():
                words = rule_words(lang, term)
                rule = Rule(theme.id, term, words, exclusion=True, penalty=penalty)
                by_language.setdefault(lang, []).append(rule)
    for lang, context in contexts.items():
        by_language.setdefault(lang, []).extend(context.rules.values())
    return by_language


#: One match: the rule, its first word and the word after its last.
Match = tuple[Rule, int, int]


class Matcher:
    """The rules of one language, indexed by what their first word matches."""

    def __init__(self, language: str, rules: Sequence[Rule]) -> None:
        self.language = language
        self.rules = tuple(rules)
        self._exact: dict[str, list[Rule]] = {}
        self._prefixed: list[Rule] = []
        # The places in ``_prefixed`` of the ``*`` rules starting with each stem, and the
        # stems' lengths: a word's candidates are found by looking up its keys' beginnings,
        # not by trying every ``*`` rule on every new word.
        self._stems: dict[str, list[int]] = {}
        for rule in self.rules:
            first = rule.words[0]
            if first.prefix is not None:
                self._stems.setdefault(first.prefix, []).append(len(self._prefixed))
                self._prefixed.append(rule)
            for key in first.keys:
                self._exact.setdefault(key, []).append(rule)
        self._stem_lengths = sorted({len(stem) for stem in self._stems})
        self._candidates: dict[str, tuple[Rule, ...]] = {}

    def _starting(self, word: str, keys: tuple[str, ...]) -> tuple[Rule, ...]:
        """The rules whose first word ``word`` (with these keys) is, in a fixed order:
        those of its keys as written, then the ``*`` rules in their order."""
        found = self._candidates.get(word)
        if found is None:
            chosen: dict[int, Rule] = {}
            for key in keys:
                for rule in self._exact.get(key, ()):
                    chosen[id(rule)] = rule
            places: set[int] = set()
            for key in keys:
                for length in self._stem_lengths:
                    if length > len(key):
                        break
                    places.update(self._stems.get(key[:length], ()))
            for place in sorted(places):
                rule = self._prefixed[place]
                if rule.words[0].matches(keys):
                    chosen[id(rule)] = rule
            found = self._candidates[word] = tuple(chosen.values())
        return found

    def matches(self, text: str) -> tuple[list[Match], int]:
        """Every rule, exclusion and context match in ``text``, in text order, and how many
        words ``text`` has."""
        words = words_of(text)
        count = len(words)
        language = self.language
        found: list[Match] = []
        candidates = self._candidates
        for start, word in enumerate(words):
            # A word seen before needs no lemma: its candidates are known (most have none).
            starting = candidates.get(word)
            if starting is None:
                starting = self._starting(word, word_keys(language, word))
            for rule in starting:
                size = len(rule.words)
                if size == 1 or (
                    start + size <= count
                    and all(
                        w.matches(word_keys(language, words[start + n]))
                        for n, w in enumerate(rule.words[1:], start=1)
                    )
                ):
                    found.append((rule, start, start + size))
        return found, count


class _Positions:
    """Where each context term matched, for the ``near`` and ``unless`` checks."""

    def __init__(self, found: Iterable[Match]) -> None:
        spans: dict[Rule, list[tuple[int, int]]] = {}
        for rule, start, end in found:
            if rule.context:
                spans.setdefault(rule, []).append((start, end))
        self._starts = {rule: [s for s, _ in each] for rule, each in spans.items()}
        self._spans = spans

    def any_near(self, terms: Sequence[Rule], start: int, end: int, within: int) -> bool:
        for term in terms:
            starts = self._starts.get(term)
            if not starts:
                continue
            # A span [s, e) is within reach when at most ``within`` words lie between:
            # s <= end + within and e >= start - within.
            low = bisect_left(starts, start - within - len(term.words))
            high = bisect_right(starts, end + within)
            if any(e >= start - within for _s, e in self._spans[term][low:high]):
                return True
        return False


def resolve(found: Sequence[Match]) -> tuple[list[Match], list[tuple[Rule, int]]]:
    """The rule matches that count, and each exclusion match with the rule matches it
    cancelled.

    A rule match counts when its conditions hold (a ``near`` term within reach, no
    ``unless`` term within reach), no exclusion of its theme overlaps it, and no longer
    match of its theme already covers it (longest first).
    """
    positions = _Positions(found)
    exclusions: dict[str, list[tuple[int, int]]] = {}
    for rule, start, end in found:
        if rule.exclusion:
            exclusions.setdefault(rule.theme_id, []).append((start, end))
    starts = {theme: [s for s, _ in spans] for theme, spans in exclusions.items()}
    longest = {theme: max(e - s for s, e in spans) for theme, spans in exclusions.items()}
    cancelled: dict[tuple[str, int, int], int] = {}
    covered: dict[str, int] = {}  # theme -> end of the furthest match kept
    kept: list[Match] = []
    # Longest first; at equal length a rule that counts on its own before a support rule.
    for match in sorted(found, key=lambda f: (f[1], f[1] - f[2], f[0].support)):
        rule, start, end = match
        if rule.exclusion or rule.context:
            continue
        if rule.near and not positions.any_near(rule.near, start, end, rule.within):
            continue
        if rule.unless and positions.any_near(rule.unless, start, end, rule.within):
            continue
        theme = rule.theme_id
        if theme in exclusions:
            spans, first = exclusions[theme], starts[theme]
            low = bisect_left(first, start - longest[theme] + 1)
            overlaps = [s for s in spans[low : bisect_left(first, end)] if s[1] > start]
            if overlaps:
                for s, e in overlaps:
                    cancelled[theme, s, e] = cancelled.get((theme, s, e), 0) + 1
                continue
        if start < covered.get(theme, -1):
            continue
        covered[theme] = end
        kept.append(match)
    vetoes = [
        (rule, cancelled.get((rule.theme_id, start, end), 0))
        for rule, start, end in found
        if rule.exclusion
    ]
    return kept, vetoes
