"""One item's words, found once for all of its parts.

Its theme matches read the words of its title and of its text as
:func:`digest.themes.matching.words_of` gives them (case-folded ``\\w+`` runs), its
clustering traits the same words of both together (their shingles) and how many times
each lemma of both is found (:func:`digest.rank.text.lemmas`, which lower-cases instead
of case-folding). Each of them used to split the text again: :func:`item_words` splits
it once, and a second time only for a text whose lower case differs from its case
folding ("ß", ligatures, some Greek and Cherokee letters), and counts its lemmas without
a Python step per word.

A pure function of the item's title, text and language: what it gives is the same as
the separate functions give, word for word (tests check it).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import filterfalse
from typing import cast

from digest.model import Item

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ItemWords:
    """The words of an item's title and text, found once (:func:`item_words`)."""

    #: ``words_of(f"{title} {text}")``: the case-folded words of its title, then those of
    #: its text (the space keeps them apart).
    words: tuple[str, ...]
    #: How many of :attr:`words` are its title's.
    in_title: int
    #: The lemmas of ``lemmas(f"{title} {text}", language)`` (its content words), each
    #: once, in the order first found...
    lemmas: tuple[str, ...]
    #: ... and how many times each is found.
    counts: tuple[int, ...]

    @property
    def title(self) -> tuple[str, ...]:
        """``words_of(title)``."""
        return self.words[: self.in_title]

    @property
    def body(self) -> tuple[str, ...]:
        """``words_of(text)``."""
        return self.words[self.in_title :]


def item_words(item: Item) -> ItemWords:
    """The words of ``item``'s title and text, and their lemmas."""
    return words_of_text(item.title, item.text, item.language)


def words_of_text(title: str, text: str, language: str) -> ItemWords:
    """:class:`ItemWords` of a title and text in ``language``."""
    both = f"{title} {text}"
    folded = both.casefold()
    words = _WORD.findall(folded)
    # Case folding maps each character on its own, and the space between title and text
    # is no word character: the title's words come first, whole.
    in_title = len(_WORD.findall(title.casefold())) if title else 0
    lowered = both.lower()
    # The lemmas are of the lower-case words: those same words, unless lower case and
    # case folding differ somewhere in the text.
    lower = words if lowered == folded else _WORD.findall(lowered)
    bag = lemma_counts(lower, language)
    return ItemWords(tuple(words), in_title, tuple(bag), tuple(bag.values()))


def lemma_counts(words: Sequence[str], language: str) -> Counter[str]:
    """``Counter(lemmas_of_words(words, language))`` (:mod:`digest.rank.text`): each
    word's lemma looked up and counted in C (``map`` of the lemma cache's ``get``, counted
    by :class:`Counter`), the words the cache does not hold yet lemmatised first. A
    Counter keeps its keys in the order first counted: the lemmas' order is the one of
    their first words; the words left out (lemma "") are taken out after."""
    from digest.rank.text import lemma_cache

    cache = lemma_cache(language)
    found: Counter[str | None] = Counter(map(cache.get, words))
    if None in found:
        for word in set(filterfalse(cache.__contains__, words)):
            cache[word]  # lemmatised and kept by the cache's __missing__
        found = Counter(map(cache.get, words))
    found.pop("", None)
    return cast("Counter[str]", found)
