"""The how page's numbers (:func:`digest.render.numbers.number`) are Babel's: those
from 0 to 999.99 are written without it, as it writes them, in every language."""

from __future__ import annotations

import random

import pytest
from babel import Locale

from digest.render import numbers
from digest.render.numbers import number

LANGUAGES = ["fr", "nl", "en", "de", "es", "pl", "ar", "fa", "hi", "sv", "fi", "de_CH", "ru", "my"]


def values() -> list[float]:
    chosen = random.Random(11)
    found: list[float] = [chosen.uniform(0, 1200) for _ in range(2000)]
    found += [chosen.uniform(0, 3) for _ in range(500)]
    found += [0.0, -0.0, 1.0, 999.995, 999.994, 1e-5, 0.005, 0.015, -3.2, 1e20, float("inf")]
    found += list(range(0, 1100, 7))
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_numbers_are_babels(lang: str) -> None:
    locale = Locale.parse(lang)
    for value in values():
        expected = str(numbers._PATTERN.apply(str(round(value, 2)), locale))
        assert number(lang, value) == expected, value
        assert number(lang, value) == expected, value  # kept: the same again


def test_an_int_and_a_float_are_written_alike() -> None:
    assert number("fr", 2) == number("fr", 2.0) == "2"
    assert number("fr", 1.5) == "1,5"
    assert number("en", 1234.5) == "1,234.5"
