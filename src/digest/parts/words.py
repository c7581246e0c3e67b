"""One item's words, found once for all of its parts.

Its theme matches read the words of its title and of its text as
:func:`digest.themes.matching.words_of` gives them (case-folded ``\\w+`` runs), its
clustering traits the same words of both together (their shingles) and the lemmas of
both (:func:`digest.rank.text.lemmas`, which lower-cases instead of case-folding). Each
of them used to split the text again: :func:`item_words` splits it once, and a second
time only for a text whose lower case differs from its case folding ("ß", ligatures,
some Greek and Cherokee letters), and lemmatises it once.

A pure function of the item's title, text and language: what it gives is the same as
the separate functions give, word for word (tests check it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    #: ``lemmas(f"{title} {text}", language)``: the lemmas of its content words, in order.
    lemmas: tuple[str, ...]

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
    from digest.rank.text import lemmas_of_words

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
    return ItemWords(tuple(words), in_title, tuple(lemmas_of_words(lower, language)))
