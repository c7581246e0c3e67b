"""Sentence compression: each case of tests/data/compress/<lang>.jsonl, and its invariants."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.compress import MIN_WORDS, Compressed, compress, count_words
from digest.compress.marks import Mark, marks

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


# --- marks: what the how page shows struck through ---------------------------------------


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


@pytest.mark.parametrize(("language", "sentence", "expected"), CASES)
def test_marks_give_back_both_texts(language: str, sentence: str, expected: str) -> None:
    """The runs without the added ones are the full sentence, character for character;
    without the removed ones, the shortened sentence's words in order."""
    result = compress(sentence, language)
    runs = marks(result.full, result.text)
    assert "".join(m.text for m in runs if m.kind != "added") == sentence
    assert _words("".join(m.text for m in runs if m.kind != "removed")) == _words(result.text)
    assert all(m.text.strip() == m.text for m in runs if m.kind == "removed")
    assert any(m.kind == "removed" for m in runs) == result.shortened


def test_marks_of_each_kind() -> None:
    tail = compress(
        "Le texte sera présenté lundi au conseil des ministres, a-t-il déclaré à l'AFP.", "fr"
    )
    assert marks(tail.full, tail.text) == (
        Mark("Le texte sera présenté lundi au conseil des ministres"),
        Mark(", a-t-il déclaré à l'AFP", "removed"),
        Mark("."),
    )
    moved = compress("Daarnaast wil het kabinet de belasting op vlees in 2025 verhogen.", "nl")
    assert moved.text == "Het kabinet wil de belasting op vlees in 2025 verhogen."
    assert marks(moved.full, moved.text) == (
        Mark("Daarnaast wil", "removed"),
        Mark(" het kabinet "),
        Mark("wil ", "added"),
        Mark("de belasting op vlees in 2025 verhogen."),
    )
    assert marks("Same.", "Same.") == (Mark("Same."),)
    assert marks("", "") == ()


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(_PIECES, max_size=14), st.sampled_from(LANGUAGES))
def test_marks_of_any_text_give_back_the_full_text(pieces: list[str], language: str) -> None:
    result = compress("".join(pieces), language)
    runs = marks(result.full, result.text)
    assert "".join(m.text for m in runs if m.kind != "added") == result.full
