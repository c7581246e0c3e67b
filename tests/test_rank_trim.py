"""Trimming an overlong key point sentence at a clause: the quick scans against the regex
definitions they replace (digest.rank.choose)."""

from __future__ import annotations

import random
import re

import pytest

from digest.rank.choose import MIN_TRIMMED_WORDS, _clause_breaks, _count_words, _trim

# The definitions: a clause break is punctuation then white space, or a dash between
# white space; words are \w+ runs.
_CLAUSE_BREAK = re.compile(r"(?:[,;:]|\s[–—-])\s")
_WORD = re.compile(r"\w+")

EDGES = [
    "",
    "-",
    " - ",
    "- a",
    "a -",
    ", - x",  # overlapping matches: finditer keeps the first
    " – ,",
    ",  ;\u00a0:\u202fa",
    "a,b; c:\td — e —f -\ng",
    "l'État, selon l’AFP – 3,5 % : snake_case, x2 ; 12.03.2024 —",
    "Mot, " * 60 + "fin.",
]


def _reference_trim(text: str, limit: int) -> tuple[str, int] | None:
    """_trim as written with the regexes."""
    best = None
    words = kept = start = 0
    for match in _CLAUSE_BREAK.finditer(text):
        stop = match.start()
        words += len(_WORD.findall(text, start, stop))
        start = stop
        if words > limit:
            break
        if words >= MIN_TRIMMED_WORDS:
            best, kept = text[:stop].rstrip(), words
    return (f"{best} …", kept) if best else None


def _random_texts(seed: int, count: int) -> list[str]:
    pieces = [",", ";", ":", "–", "—", "-", " ", "  ", "\u00a0", "\t", "\n", "a", "é", "_", "1"]
    pieces += ["mot", " - ", ", - ", " – ,", "l'", "«", "»"]
    rng = random.Random(seed)
    return ["".join(rng.choices(pieces, k=rng.randint(0, 40))) for _ in range(count)]


def _same(text: str) -> None:
    assert _clause_breaks(text) == [m.start() for m in _CLAUSE_BREAK.finditer(text)]
    assert _count_words(text) == len(_WORD.findall(text))
    for limit in (3, MIN_TRIMMED_WORDS, 40):
        assert _trim(text, limit) == _reference_trim(text, limit)


@pytest.mark.parametrize("text", EDGES)
def test_the_quick_scans_find_what_the_regexes_find(text: str) -> None:
    _same(text)


def test_the_quick_scans_on_random_marks_and_spaces() -> None:
    for text in _random_texts(14, 2000):
        _same(text)
