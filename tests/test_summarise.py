from __future__ import annotations

import pytest

from digest.summarise import (
    MAX_SENTENCE_WORDS,
    key_point_text,
    key_sentences,
    split_sentences,
    trim_to_clause,
)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("fr", "M. Dupont est venu. Il a parlé.", ["M. Dupont est venu.", "Il a parlé."]),
        ("fr", "Mme Martin, p.ex. ici. Fin.", ["Mme Martin, p.ex. ici.", "Fin."]),
        (
            "fr",
            "Le taux est de 3.5 % en 2021. Ensuite ?Non.",
            ["Le taux est de 3.5 % en 2021.", "Ensuite ?", "Non."],
        ),
        (
            "fr",
            "Première phrase.Deuxième phrase collée.",
            ["Première phrase.", "Deuxième phrase collée."],
        ),
        ("fr", "« Nous coopérons. » Puis la suite.", ["« Nous coopérons. »", "Puis la suite."]),
        (
            "nl",
            "Dhr. Jansen sprak bijv. over AI. Daarna volgde een debat.",
            ["Dhr. Jansen sprak bijv. over AI.", "Daarna volgde een debat."],
        ),
        ("nl", "Het ging o.a. over data. Goed zo!", ["Het ging o.a. over data.", "Goed zo!"]),
        (
            "en",
            "Dr. Smith met J. R. Doe, e.g. in Brussels. It went well.",
            ["Dr. Smith met J. R. Doe, e.g. in Brussels.", "It went well."],
        ),
        (
            "en",
            "First paragraph\n\nSecond paragraph without stop",
            ["First paragraph", "Second paragraph without stop"],
        ),
        (
            "en",
            "It costs EUR 15.5 billion. really? Yes.",
            ["It costs EUR 15.5 billion. really?", "Yes."],
        ),
    ],
)
def test_split_sentences(language: str, text: str, expected: list[str]) -> None:
    assert split_sentences(text, language) == expected


def test_central_sentence_wins_over_an_off_topic_one() -> None:
    text = (
        "Benelux ministers discussed artificial intelligence cooperation. "
        "The weather was sunny and mild that afternoon. "
        "Artificial intelligence cooperation between Benelux administrations will grow."
    )
    chosen = key_sentences("Benelux AI cooperation", text, "en", limit=2)
    assert [s.index for s in chosen] == [0, 2]


def test_sentences_come_back_in_document_order() -> None:
    text = "Alpha beta gamma delta. Gamma delta alpha beta epsilon. Unrelated words only here now."
    chosen = key_sentences("gamma", text, "en", limit=2)
    assert [s.index for s in chosen] == sorted(s.index for s in chosen)


def test_overlong_sentence_is_trimmed_at_a_clause_boundary() -> None:
    head = " ".join(f"w{i}" for i in range(30))
    text = f"{head}, according to a survey of {' '.join(['many'] * 20)} firms. Short one here now."
    chosen = key_sentences("w1", text, "en", limit=1)
    assert [s.text for s in chosen] == [f"{head} …"]
    assert trim_to_clause("one two, three") is None


def test_overlong_sentences_without_a_boundary_are_not_key_points() -> None:
    long = " ".join(["word"] * (MAX_SENTENCE_WORDS + 5)) + "."
    text = f"{long} A short sentence about the topic here."
    chosen = key_sentences("topic", text, "en", limit=2)
    assert [s.text for s in chosen] == ["A short sentence about the topic here."]


def test_fallback_trims_at_a_word_boundary() -> None:
    long = " ".join(f"w{i}" for i in range(60)) + "."
    text, score = key_point_text("title", long, "en")
    assert score == 0.0
    assert text.endswith(" …")
    assert len(text.split()) == MAX_SENTENCE_WORDS + 1


def test_same_input_same_output() -> None:
    text = "One two three four. Two three four five. Three four five six."
    assert key_point_text("two", text, "en") == key_point_text("two", text, "en")
