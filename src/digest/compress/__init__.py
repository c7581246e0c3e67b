"""Sentence compression: a key point sentence without what it can lose unchanged in meaning.

:func:`compress` removes, in French, Dutch, English and German:

- a leading connective ("Par ailleurs,", "Moreover,", "Bovendien,"; in Dutch and German
  a connective without a comma puts the verb before the subject, "Daarnaast wil het
  kabinet ...", so the subject is moved back: "Het kabinet wil ..."; only when the subject
  is a pronoun or a short noun phrase whose end is certain);
- an attribution tail after the last comma ("..., a-t-il déclaré à l'AFP.", "..., selon
  Le Monde.", "..., zei de minister.", "..., he told Reuters.", "..., sagte er der dpa.").
  A leading attribution ("Selon Le Monde, ...") stays: it frames the whole claim as
  reported, and dropping it lowered ROUGE on French news too;
- a parenthetical aside in brackets or between two dashes;
- a dateline ("DEN HAAG (ANP) - ", "LONDON, Sept 28 (Reuters) – ").

Each step is checked on its own and kept only when the rest is still a sentence of the
source: the same final punctuation, a capital first letter, balanced quotation marks, at
least :data:`MIN_WORDS` words and nothing cut inside a quotation. Reported speech in the
first person ("Nous irons jusqu'au bout, a-t-il dit.") keeps its attribution, and so does
direct speech in quotation marks: without its speaker it would read as the newsroom's
word. When in doubt the sentence is left as it is.

The result is a :class:`Compressed`: the text to show, the full sentence for "show the
full sentence" and what was removed. The function is pure, deterministic and never raises
on any string; a sentence it does not recognise comes back unchanged (``text == full``).

Builds apply it through :func:`digest.summarise.key_point`: the sentences chosen are
compressed one by one, the text shown is theirs, and the source's whole sentences travel
with it (``KeyPoint.full_sentences``) to the "how this edition was made" page, which marks
what went (:func:`digest.compress.marks.marks`); ``compress_points = false`` turns it off.

On French news (``bench/compress.py``) this is neutral to slightly better in ROUGE than the
uncompressed key point, while compressing every sentence before the selection (so the
budget counts shortened sentences) scored 0.1-0.2 R1 lower: the room it frees lets in
longer, lower-ranked sentences. A sentence ``select`` trimmed at a clause keeps its " …" ending.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from digest.compress.rules import FINAL, QUOTES, count_words
from digest.compress.steps import drop_asides, drop_connective, drop_dateline, drop_tail

__all__ = ["MIN_WORDS", "Compressed", "compress", "count_words"]

#: A compressed sentence keeps at least this many words (``\w+`` tokens).
MIN_WORDS = 6


@dataclass(frozen=True)
class Compressed:
    """A sentence and what :func:`compress` made of it."""

    #: The sentence to show: shortened, or ``full`` itself.
    text: str
    #: The sentence as the source wrote it.
    full: str
    #: What was removed, in the order the steps ran (empty: nothing was).
    removed: tuple[str, ...] = ()

    @property
    def shortened(self) -> bool:
        """Whether anything was removed."""
        return bool(self.removed)

    @property
    def saved(self) -> int:
        """Words (``\\w+`` tokens) saved."""
        return count_words(self.full) - count_words(self.text)


def compress(sentence: str, language: str) -> Compressed:
    """``sentence`` without its leading connective, attribution tail and asides, where
    each removal leaves a sentence of the source (see the module's docstring).

    Languages other than fr, nl, en and de lose only bracketed asides. Never raises.
    """
    full = sentence
    text = sentence.strip()
    if not _plausible(text):
        return Compressed(full, full)
    removed: list[str] = []
    steps: tuple[Callable[[str, str], tuple[str, str] | None], ...] = (
        drop_dateline,
        drop_connective,
        drop_tail,
        drop_asides,
    )
    for step in steps:
        result = step(text, language)
        if result is None:
            continue
        shorter, what = result
        shorter = _capitalised(shorter)
        if _acceptable(shorter, text):
            text = shorter
            removed.append(what.strip())
    if not removed:
        return Compressed(full, full)
    return Compressed(text, full, tuple(removed))


def _plausible(text: str) -> bool:
    """Only a whole sentence with balanced quotation marks is worth shortening ("'S-" and
    "’t " begin Dutch place names)."""
    return (
        bool(
            text[:1].isupper()
            or text[:1] in f"({QUOTES}"
            or (text[:1] in "'’" and text[1:2].isalpha())
        )
        and _balanced(text)
        and bool(FINAL.search(text))
    )


def _balanced(text: str) -> bool:
    pairs = (("«", "»"), ("“", "”"), ("(", ")"))
    if any(text.count(a) != text.count(b) for a, b in pairs):
        return False
    return text.count('"') % 2 == 0 and text.count("„") <= text.count("“")


def _acceptable(shorter: str, before: str) -> bool:
    end_before, end_after = FINAL.search(before), FINAL.search(shorter)
    return (
        end_after is not None
        and end_before is not None
        and end_after.group().rstrip("\"'»”’)]") == end_before.group().rstrip("\"'»”’)]")
        and count_words(shorter) >= MIN_WORDS
        and count_words(shorter) < count_words(before)
        and _balanced(shorter)
        and shorter[:1].isupper()
        and not re.search(r"[,;:–—-]\s*[.!?…]+$", shorter)
    )


def _capitalised(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]
