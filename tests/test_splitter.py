"""The sentence splitter: cases as data files (tests/data/splitter), quotation marks, speed
shortcuts that must not change what it finds."""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import pytest

from digest.rank import quotes, text
from digest.rank.quotes import QUOTE_WORDS, marks, unbalanced
from digest.rank.text import split_paragraphs

CASES = Path(__file__).parent / "data" / "splitter"
ORANGESUM = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"


def _expected(path: Path) -> list[list[str]]:
    paragraphs = path.read_text(encoding="utf-8").strip("\n").split("\n\n")
    return [paragraph.split("\n") for paragraph in paragraphs]


@pytest.mark.parametrize("case", sorted(CASES.glob("*.txt")), ids=lambda path: path.stem)
def test_case(case: Path) -> None:
    language = case.name[:2]
    got = split_paragraphs(case.read_text(encoding="utf-8"), language)
    assert got == _expected(case.with_suffix(".sentences"))
    for sentence in (s for paragraph in got for s in paragraph):
        assert not unbalanced(sentence, language), sentence


def test_every_case_has_its_sentences() -> None:
    inputs = {path.stem for path in CASES.glob("*.txt")}
    assert inputs == {path.stem for path in CASES.glob("*.sentences")}
    assert {stem[:2] for stem in inputs} == {"fr", "de", "en", "nl"}


@pytest.mark.parametrize(
    ("language", "sentence", "expected"),
    [
        ("fr", "« Nous avons commencé.", True),
        ("fr", "Les résultats suivront », a-t-il dit.", True),
        ("fr", "« Oui », dit-il, « non ».", False),
        ("fr", 'Il a parlé d\'un "puputsch".', False),
        ("fr", 'Les résultats suivront", a-t-il dit.', True),
        ("de", "„Ja“, sagte er.", False),
        ("de", "Die Ergebnisse folgen“, sagte er.", True),
        ("de", "»Nein!«", False),
        ("en", "We’re here, the ministers’ aides too.", False),
        ("en", "‘We’re here.", True),
        ("en", "“Yes,” she said.", False),
        ("nl", "’s Avonds rijden zo’n auto's niet.", False),
        ("nl", "„Ja”, zei hij.", False),
        ("nl", "‘Net niet’, zegt ze.", False),
    ],
)
def test_unbalanced(language: str, sentence: str, expected: bool) -> None:
    assert unbalanced(sentence, language) is expected


def test_a_quotation_over_budget_is_closed_and_reopened() -> None:
    words = " ".join(["mot"] * (QUOTE_WORDS // 2))
    got = split_paragraphs(f"« Un {words}. Deux {words}. Trois », dit-il.", "fr")
    assert got == [[f"« Un {words}. »", f"« Deux {words}. Trois », dit-il."]]


def test_closing_marks_follow_the_language() -> None:
    sentences = {
        language: split_paragraphs(
            f"{mark}{'Alpha beta gamma delta. ' * 12}Omega{closing} x.", language
        )[0]
        for language, mark, closing in [
            ("fr", "« ", " »"),
            ("de", "„", "“"),
            ("en", "“", "”"),
            ("nl", "„", "”"),
        ]
    }
    assert sentences["fr"][0] == "« Alpha beta gamma delta. »"
    assert sentences["de"][0] == "„Alpha beta gamma delta.“"
    assert sentences["en"][0] == "“Alpha beta gamma delta.”"
    assert sentences["nl"][0] == "„Alpha beta gamma delta.”"
    assert marks("xx").pairs["«"] == "»"


def test_other_spaces_are_what_str_split_splits_on() -> None:
    # _squeeze skips " ".join(paragraph.split()) when none of them is there.
    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()} - {" "}
    assert set(text._OTHER_SPACES) == spaces


def _texts() -> list[tuple[str, str]]:
    texts = [("fr", json.loads(line)["article"]) for line in _lines("orangesum-valid")]
    for language in ("nl", "en", "de"):
        path = Path(__file__).parent / "data" / "keypoints" / f"{language}.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines()
        texts += [(language, json.loads(line)["text"]) for line in lines]
    return texts


def _lines(corpus: str) -> list[str]:
    path = ORANGESUM / corpus / "valid-300.jsonl"
    assert path.exists(), f"expected the shared OrangeSum sample at {path}"
    return path.read_text(encoding="utf-8").splitlines()


def test_boundary_candidates_are_the_regex_matches() -> None:
    """_boundaries (str.find, then a match there) gives what finditer would, faster."""
    for language, article in _texts():
        for paragraph in re.split(r"\n\s*\n", article):
            flat = " ".join(paragraph.split())
            boundary = text._BOUNDARIES.get(language, text._BOUNDARY)
            found = [m.span() for m in text._boundaries(flat, boundary)]
            assert found == [m.span() for m in boundary.finditer(flat)], language


def test_real_texts_have_balanced_sentences() -> None:
    for language, article in _texts():
        for paragraph in split_paragraphs(article, language):
            for sentence in paragraph:
                assert not unbalanced(sentence, language), sentence


@pytest.mark.parametrize("language", ["fr", "de", "en", "nl"])
def test_quotations_paired_within_sentences_take_the_short_way_to_the_same_result(
    language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # balance() returns the sentences as they are when the paragraph's marks open and
    # close in turn within sentences; the full reading must find the same sentences.
    rng = random.Random(14)
    pieces = ["Le", "mot", "Oui", "«", "»", " « ", " » ", '"', ' "', '" ', "“", "”", "„"]
    pieces += ["‘", "’", "‚", ".", " ", ". ", "! ", "? ", ", ", "a-t-il", "(", ")", "Il"]
    paragraphs = [
        "".join(rng.choice(pieces) for _ in range(rng.randint(3, 40))) for _ in range(3000)
    ]
    short = [split_paragraphs(paragraph, language) for paragraph in paragraphs]
    monkeypatch.setattr(quotes, "_paired_within", lambda *_: False)
    assert short == [split_paragraphs(paragraph, language) for paragraph in paragraphs]
