"""Sentence compression: each case of tests/data/compress/<lang>.jsonl, and its invariants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.compress import MIN_WORDS, Compressed, compress, count_words

DATA = Path(__file__).parent / "data" / "compress"
LANGUAGES = ("fr", "nl", "en", "de")


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for language in LANGUAGES:
        with (DATA / f"{language}.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                cases.append((language, row["input"], row["expected"]))
    return cases


CASES = _cases()


@pytest.mark.parametrize(("language", "sentence", "expected"), CASES)
def test_case(language: str, sentence: str, expected: str) -> None:
    result = compress(sentence, language)
    assert result.text == expected
    assert result.full == sentence
    assert result.shortened == (expected != sentence)


def test_enough_cases_per_language() -> None:
    for language in LANGUAGES:
        own = [c for c in CASES if c[0] == language]
        kept = [c for c in own if c[1] == c[2]]
        assert len(own) >= 20 and len(kept) >= 5, language


@pytest.mark.parametrize(("language", "sentence", "expected"), CASES)
def test_invariants(language: str, sentence: str, expected: str) -> None:
    """A shortened sentence is shorter, starts with a capital, keeps its final mark and
    every quotation of the source whole."""
    result = compress(sentence, language)
    if not result.shortened:
        return
    assert count_words(result.text) >= MIN_WORDS
    assert result.saved > 0
    assert result.text[0].isupper()
    assert result.text[-1] == sentence[-1]
    for quote in ("«", "“", '"', "„"):
        assert result.text.count(quote) == sentence.count(quote)


@pytest.mark.parametrize(
    "text",
    ["", " ", ".", "?!", "(", "« »", "a, a-t-il dit.", "x" * 500, "Ça, selon lui."],
)
def test_odd_input_is_kept(text: str) -> None:
    for language in (*LANGUAGES, "it", ""):
        assert compress(text, language) == Compressed(text, text)


def test_other_language_loses_only_asides() -> None:
    sentence = "Il governo (di centrodestra) ha approvato la legge di bilancio, ha detto."
    assert compress(sentence, "it").text == (
        "Il governo ha approvato la legge di bilancio, ha detto."
    )


_PIECES = st.sampled_from(
    [
        "Le gouvernement",
        "Het kabinet",
        "The company",
        "Die Regierung",
        " va agir",
        " wil",
        " will act",
        " handelt",
        ", a-t-il dit",
        ", zei de minister",
        ", he told Reuters",
        ", sagte er",
        " (RN)",
        " – en 2019 –",
        " - a",
        "«",
        "»",
        '"',
        "„",
        "“",
        ",",
        " ",
        "Par ailleurs, ",
        "Daarnaast ",
        "Moreover, ",
        "Außerdem ",
        "selon lui",
        ".",
        "?",
        "…",
        "qui",
        " nous",
        "\n",
        "(",
        ")",
    ]
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(_PIECES, max_size=14), st.sampled_from([*LANGUAGES, "it"]))
def test_any_text_is_kept_or_shortened_safely(pieces: list[str], language: str) -> None:
    """Whatever the input, compress never raises and only ever shortens."""
    text = "".join(pieces)
    result = compress(text, language)
    assert result.full == text
    if result.shortened:
        assert count_words(result.text) < count_words(text)
        assert count_words(result.text) >= MIN_WORDS
        assert result.text[:1].isupper()
    else:
        assert result.text == text
