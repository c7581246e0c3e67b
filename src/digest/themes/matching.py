"""The taxonomy's rules as the matcher sees them: words on lemmas, phrases, compounds and
the conditions of a rule (what must or must not stand near it), compiled per language.

The rule language is described in :mod:`digest.themes`; :mod:`digest.themes.matcher`
finds the rules compiled here in a text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from digest import lemmata
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
    if text.isascii():
        return text.lower()  # what follows gives the same: no accent to take off
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def word_keys(language: str, word: str) -> tuple[str, ...]:
    """What a (lower-case) word of a text matches: itself and its lemma, accents dropped."""
    try:
        lemma = lemmata.lemmatize(word, language).casefold()
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
