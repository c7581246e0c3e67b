"""Sentences that lean on the one before do not open a key point (digest.rank.anaphora,
digest.rank.choose), and the general word model values an earlier lemma no less.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest.rank import train_words
from digest.rank.anaphora import dangling
from digest.rank.choose import choose
from digest.rank.features import document_features
from digest.rank.model import SHIPPED, Selection, load_model
from digest.rank.text import split_paragraphs
from digest.rank.words import EARLIER, LATER, WORD_FEATURES
from digest.summarise import key_sentences

DATA = Path(__file__).parent / "data"
CASES = json.loads((DATA / "anaphora" / "cases.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["sentences"][1][:24])
def test_sentences_that_point_back_are_named(case: dict[str, object]) -> None:
    sentences, language = case["sentences"], case["language"]
    assert isinstance(sentences, list) and isinstance(language, str)
    assert sorted(dangling(sentences, language)) == case["dangling"]


def test_a_first_sentence_never_dangles() -> None:
    assert dangling(["Dat is het laagste niveau sinds 2003."], "nl") == frozenset()


TITLE = "Werkloosheid op laagste niveau"
TEXT = (
    "De werkloosheid daalde in maart. "
    "Dat is het laagste niveau sinds het CBS in 2003 met deze maandcijfers begon, meldde het "
    "statistiekbureau donderdag. "
    "Onder jongeren daalde de werkloosheid van 8,1 naar 7,5 procent."
)


def test_a_dangling_sentence_opens_no_key_point_unless_nothing_else_fits() -> None:
    document = document_features(TITLE, split_paragraphs(TEXT, "nl"), "nl")
    leaning = dangling(document.sentences, "nl")
    assert leaning == {1}
    favoured = [0.0, 1.0, 0.5]  # the dangling sentence scored best
    longest = Selection.of(words=1)
    both = Selection(longest.weights, longest.weights)
    assert [p.index for p in choose(document, favoured, 1, both)] == [1]
    alone = [p.index for p in choose(document, favoured, 1, both, "nl")]
    assert alone == [2]
    # After the sentence it leans on, it may stand second.
    assert [p.index for p in choose(document, favoured, 2, both, "nl")] == [0, 1]
    # When it is the only sentence that fits, it is still chosen.
    # (The first is too short to be a key point.)
    short = "Cijfers. Dat is het laagste niveau sinds 2003, meldde het CBS donderdag."
    only = document_features(TITLE, split_paragraphs(short, "nl"), "nl")
    assert dangling(only.sentences, "nl") == {1}
    assert [p.index for p in choose(only, [1.0, 0.5], 1, both, "nl")] == [1]


@pytest.mark.parametrize("language", ["nl", "en", "de"])
def test_no_learned_key_point_of_the_sample_texts_opens_with_a_dangling_sentence(
    language: str,
) -> None:
    lines = (DATA / "keypoints" / f"{language}.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines:
        article = json.loads(line)
        for limit in (1, 2):
            chosen = key_sentences(article["title"], article["text"], language, limit)
            assert chosen, article["id"]
            assert not dangling(["", chosen[0].text], language), article["id"]


def test_the_general_word_model_never_values_a_lemma_met_later_more() -> None:
    model = load_model(SHIPPED)[0]
    assert model is not None and model.general is not None
    words = model.general.words
    assert words is not None
    weights = dict(zip(WORD_FEATURES, words.weights, strict=True))
    assert all(weights[name] >= 0 for name in EARLIER)
    assert all(weights[name] <= 0 for name in LATER)
    for title in (frozenset(), frozenset({"x"})):
        values = []
        for first in range(8):
            bags = [{"a", "b"} for _ in range(8)]
            bags[first] = bags[first] | {"x"}
            values.append(words.worth(bags, title, "nl")["x"])
        assert values == sorted(values, reverse=True), title


def test_the_wrong_way_weights_are_left_out_until_none_is() -> None:
    place = WORD_FEATURES.index
    assert train_words._wrong_way({place("first_prior"): 1.0, place("first_late"): -1.0}) == set()
    assert train_words._wrong_way({place("in_first"): -0.5, place("after_fifth"): 0.2}) == {
        place("in_first"),
        place("after_fifth"),
    }
    # Both positive, but the second sentence's lemma weighs more: the second goes.
    assert train_words._wrong_way({place("in_first"): 0.1, place("in_second"): 0.3}) == {
        place("in_second")
    }
    # Features that say nothing of position are free.
    assert train_words._wrong_way({place("digit"): -2.0, place("length"): 3.0}) == set()
