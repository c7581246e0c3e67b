"""The word model: what each lemma of a document is worth to a summary (digest.rank.words)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest.model import Problem
from digest.rank import train_words
from digest.rank.features import FEATURES, Document, document_features
from digest.rank.model import CANDIDATE_FEATURES, SHIPPED, load_model
from digest.rank.text import split_paragraphs
from digest.rank.words import MEAN_RATE, SENTENCE_WORTH, WORD_FEATURES, WordModel, union_worth

_MODEL = load_model(SHIPPED)[0]
assert _MODEL is not None and _MODEL.words is not None
WORDS: WordModel = _MODEL.words

TITLE = "Le Luxembourg ouvre un registre public des algorithmes de l'État"
TEXT = (
    "Le gouvernement luxembourgeois a ouvert mardi un registre public des algorithmes "
    "utilisés par l'administration. Le registre recense d'abord douze systèmes, dont celui "
    "qui trie le courrier des citoyens. Chaque fiche indique le service responsable, les "
    "données utilisées et la manière de contester une décision. La ministre a indiqué que "
    "d'autres systèmes s'ajouteraient au registre avant la fin de l'année. Des associations "
    "saluent une première étape, mais demandent que les communes soient aussi concernées."
)


def _document(word_model: WordModel | None, language: str = "fr"):  # type: ignore[no-untyped-def]
    return document_features(TITLE, split_paragraphs(TEXT, language), language, word_model)


def test_the_shipped_model_holds_a_french_word_model() -> None:
    assert WORDS.language == "fr" and len(WORDS.weights) == len(WORD_FEATURES)
    assert len(WORDS.lexicon) > 10_000
    assert all(0.0 < rate < 1.0 for rate in WORDS.lexicon.values())
    # The sentences' worth and the candidates' are features of both models.
    assert FEATURES[-len(SENTENCE_WORTH) :] == SENTENCE_WORTH
    assert CANDIDATE_FEATURES[-3:] == ("union_worth", "union_worth_density", "union_worth_f1")


def test_worth_is_a_probability_for_every_lemma_and_feeds_the_sentence_features() -> None:
    without, document = _document(None), _document(WORDS)
    assert without.worth == {} and document.worth
    assert set(document.worth) == frozenset().union(*document.bags)
    assert all(0.0 < p < 1.0 for p in document.worth.values())
    kept = len(FEATURES) - len(SENTENCE_WORTH)
    for row, plain, bag, words in zip(
        document.rows, without.rows, document.bags, document.words, strict=True
    ):
        assert row[:kept] == plain[:kept] and plain[kept:] == (0.0, 0.0)
        total = sum(document.worth[lemma] for lemma in bag)
        assert row[kept:] == pytest.approx((total / 10, total / words))
    # A lemma of the title met in the first sentence is worth more than one met once, late.
    assert document.worth["registre"] > document.worth["commune"]


def test_other_languages_are_ranked_by_the_model_fitted_without_lexicon() -> None:
    general = _MODEL.general
    assert general is not None and general.words is not None
    assert general.words.lexicon == {} and general.general is None
    assert _MODEL.for_language("fr") is _MODEL
    assert all(_MODEL.for_language(lang) is general for lang in ("nl", "en", "de"))
    assert general.weights != _MODEL.weights


def test_another_language_gets_no_lexicon_but_the_rest_of_the_model() -> None:
    english = WORDS.worth([{"register"}, {"register", "city"}], frozenset({"register"}), "en")
    as_if_unknown = WordModel(WORDS.weights, WORDS.intercept, "fr", {})
    assert english == as_if_unknown.worth(
        [{"register"}, {"register", "city"}], frozenset({"register"}), "fr"
    )
    assert english["register"] > english["city"]


def test_union_worth_counts_a_shared_lemma_once() -> None:
    worth = {"a": 0.5, "b": 0.25, "c": 0.125}
    first, second = frozenset({"a", "b"}), frozenset({"b", "c"})
    single = union_worth([first], worth, 10)
    pair = union_worth([first, second], worth, 20)
    assert single == pytest.approx((0.075, 0.075, 2 * 0.75 / 16))
    assert pair == pytest.approx((0.0875, 0.04375, 2 * 0.875 / 17))


def test_training_features_are_the_features_a_build_computes() -> None:
    # Training adds the worth to documents read without it; it must be what
    # document_features computes with the word model.
    example = train_words.Example(_document(None), "résumé", frozenset())
    assert train_words.with_worth(example, WORDS, leave_out=False).document == _document(WORDS)


def test_the_lexicon_leaves_an_article_out_of_its_own_rates() -> None:
    def example(lemmas: set[str], summary: set[str]) -> train_words.Example:
        document = Document(
            ("x",), ((0.0,) * len(FEATURES),), (frozenset(lemmas),), (1,), frozenset()
        )
        return train_words.Example(document, "", frozenset(summary))

    others = [example({"a", "b"}, {"a"}), example({"a"}, {"a"}), example({"a", "b"}, set())]
    own = example({"a", "b"}, {"b"})
    counts = train_words.lexicon_counts([*others, own])
    assert counts == {"a": (2, 4), "b": (1, 3)}
    left_out = train_words.Lexicon(counts, (own.summary, frozenset({"a", "b"})))
    alone = train_words.Lexicon(train_words.lexicon_counts(others))
    prior = train_words.LEXICON_PRIOR
    assert left_out["a"] == alone["a"] == round((2 + prior * MEAN_RATE) / (3 + prior), 4)
    # "b" is seen in 2 other articles: too few for the shipped lexicon, enough left out.
    assert "b" not in alone and left_out["b"] == round((0 + prior * MEAN_RATE) / (2 + prior), 4)
    assert dict(train_words.Lexicon(counts)) == {
        "a": round((2 + prior * MEAN_RATE) / (4 + prior), 4),
        "b": round((1 + prior * MEAN_RATE) / (3 + prior), 4),
    }


def _model_text(**changes: object) -> bytes:
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    words = data["words"]
    for key, value in changes.items():
        if value is None:
            del words[key]
        else:
            words[key] = value
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "changes",
    [
        {"lexicon": {"registre": 1.5}},
        {"lexicon": {"registre": 0}},
        {"lexicon": {"registre": "often"}},
        {"features": {"first_prior": 1.0}},
        {"intercept": None},
    ],
)
def test_an_unusable_word_model_is_a_problem(tmp_path: Path, changes: dict[str, object]) -> None:
    path = tmp_path / "model.json"
    path.write_bytes(_model_text(**changes))
    model, problem = load_model(path)
    assert model is None and isinstance(problem, Problem)
    assert "hand-set weights" in str(problem)


@pytest.mark.parametrize("missing", ["words", "general"])
def test_a_model_without_its_word_model_or_general_model_is_a_problem(
    tmp_path: Path, missing: str
) -> None:
    data = json.loads(SHIPPED.read_text(encoding="utf-8"))
    del data[missing]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    model, problem = load_model(path)
    assert model is None and isinstance(problem, Problem) and missing in str(problem)
