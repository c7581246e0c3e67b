"""The features' quick lower-casing gives ``str.lower()``'s text, whatever the text."""

from __future__ import annotations

import random

import pytest

from digest.rank.features import lower_case

HOSTILE = [
    "",
    "ÀÉÎÕÜ ÇÑ ÆØÅ Þ × ÷ ß ÿ µ ª º",
    "İstanbul",  # beyond Latin-1: İ lowers to two characters
    "ΣΟΦΟΣ ΟΔΟΣ",  # final sigma depends on its neighbours
    "l’État « Macron » — 12,5 %",  # marks beyond Latin-1 beside Latin-1 letters
    "A\u00a0B\x85C\x1cD\u2028E",  # white space of every kind
    "ǅungla ǈ ǋ",  # title-case letters
    "\x00\x7f\x80\x9f\xa0\xad\xff",
    "MÜNCHEN STRASSE GROSS ẞ",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_lower_is_str_lower(text: str) -> None:
    assert lower_case(text) == text.lower()


def test_lower_is_str_lower_on_every_latin_1_character() -> None:
    every = "".join(map(chr, range(256)))
    assert lower_case(every) == every.lower()


@pytest.mark.parametrize("seed", range(5))
def test_lower_is_str_lower_on_random_text(seed: int) -> None:
    chance = random.Random(seed)
    for _ in range(200):
        top = chance.choice([0x80, 0x100, 0x250, 0x3000, 0x10FFFF])
        text = "".join(chr(chance.randrange(top)) for _ in range(chance.randrange(40)))
        assert lower_case(text) == text.lower()
