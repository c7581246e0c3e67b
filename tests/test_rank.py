"""The learned key point scorer (digest.rank): features, the model file, training, fallback."""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

import pytest

from digest import lemmata, summarise
from digest.model import Problem
from digest.rank import train
from digest.rank.choose import (
    LEARNED_SENTENCE_WORDS,
    MAX_POINT_WORDS,
    MIN_SENTENCE_WORDS,
    candidate_rows,
    candidates,
    choose,
    count_words,
)
from digest.rank.features import (
    FEATURES,
    MONOTONE,
    SCORER_LEFT_OUT,
    _tokenise,
    document_features,
)
from digest.rank.model import (
    CANDIDATE_FEATURES,
    CANDIDATE_MONOTONE,
    PAIR_ONLY,
    SHIPPED,
    LinearModel,
    Selection,
    load_model,
)
from digest.rank.text import (
    LemmaCache,
    clear_lemma_cache,
    lemma_cache,
    lemmas_of_words,
    split_paragraphs,
)
from digest.rank.words import WORD_FEATURES
from digest.summarise import DEFAULT_WEIGHTS, key_point_text, key_sentences

# The shipped model's word model (the lemmas' worth).
_WORDS = load_model(SHIPPED)[0].words  # type: ignore[union-attr]

TEXTS = {
    "fr": (
        "Accord européen sur l'IA",
        "Les ministres européens ont conclu lundi à Bruxelles un accord sur l'intelligence "
        "artificielle. « C'est une étape historique », a déclaré M. Dupont à l'AFP.\n\n"
        "Le texte, qui prévoit 12 millions d'euros de financement, entrera en vigueur en 2026. "
        "Pourquoi maintenant ? Les négociations duraient depuis deux ans.",
    ),
    "nl": (
        "Europees akkoord over AI",
        "De Europese ministers hebben maandag in Brussel een akkoord bereikt over "
        "kunstmatige intelligentie. 'Dit is een historische stap', zei minister Peeters.\n\n"
        "De tekst voorziet 12 miljoen euro, bijv. voor opleiding, en treedt in 2026 in werking.",
    ),
    "en": (
        "European deal on AI",
        "European ministers reached a deal on artificial intelligence in Brussels on Monday. "
        '"This is a historic step," Mr. Smith told reporters.\n\n'
        "The text, which provides 12 million euros, takes effect in 2026. Why now?",
    ),
    "de": (
        "Europäische Einigung zur KI",
        "Die europäischen Minister haben sich am Montag in Brüssel auf ein Abkommen zur "
        "künstlichen Intelligenz geeinigt. „Das ist ein historischer Schritt“, sagte Dr. Müller.\n\n"
        "Der Text sieht 12 Mio. Euro vor, z.B. für Schulungen, und tritt am 1. März 2026 in Kraft.",
    ),
}


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_features_in_four_languages(language: str) -> None:
    title, text = TEXTS[language]
    document = document_features(title, split_paragraphs(text, language), language)
    assert len(document.sentences) >= 3
    for row in document.rows:
        assert len(row) == len(FEATURES)
        assert all(0.0 <= value <= 1.0 for value in row)
    named = dict(zip(FEATURES, zip(*document.rows, strict=True), strict=True))
    assert named["position_prior"][0] == 1.0 and named["paragraph_prior"][0] == 1.0
    # Position features never grow further into the text (paragraph_prior restarts with
    # each paragraph).
    for name in ("position_prior", "earliness"):
        assert name in MONOTONE
        assert list(named[name]) == sorted(named[name], reverse=True), name
    assert max(named["numbers"]) > 0 and max(named["title_recall"]) > 0
    assert max(named["attribution"]) == 1.0  # déclaré, zei, told, sagte
    chosen = key_sentences(title, text, language)
    assert 1 <= len(chosen) <= 2
    assert sum(count_words(s.text) for s in chosen) <= MAX_POINT_WORDS


@pytest.mark.parametrize(
    ("title", "text"),
    [
        *TEXTS.values(),
        (
            "ΟΔΟΣ Αθηνών : İstanbul et « la rue » d'Athènes",
            "La ΟΔΟΣ Αθηνών s'appelle « la rue ». À İSTANBUL, ΟΔΟΣ ΑΘΗΝΩΝ et ΟΔΟΣ, "
            'la rue d\'Athènes : « oui ».\n\n„Ja“, sagt er. “Yes” and "no" in '
            "la rue d'Athènes.",
        ),
    ],
)
def test_surface_features_as_their_definitions_say(title: str, text: str) -> None:
    # Some features are computed with shortcuts (quotation marks one scan each, lemmas
    # cached): they must equal the plain definitions, Greek final sigma and dotted
    # capital I included.
    document = document_features(title, split_paragraphs(text, "fr"), "fr")
    named = dict(zip(FEATURES, zip(*document.rows, strict=True), strict=True))
    title_pairs = set(itertools.pairwise(re.findall(r"\w+", title.lower())))
    for index, sentence in enumerate(document.sentences):
        words = [word.lower() for word in re.findall(r"\w+", sentence)]
        assert document.bags[index] == frozenset(lemmas_of_words(words, "fr"))
        pairs = len(title_pairs & set(itertools.pairwise(words))) / len(title_pairs)
        assert named["title_bigrams"][index] == pairs
        quoted = any(mark in '«»“”"„' for mark in sentence)
        assert named["quotes"][index] == float(quoted)


@pytest.mark.parametrize(
    "sentences",
    [
        ["L'État a dit « non »… (AFP).", "Le 3,5 % d'Emmanuel-Macron/RN: oui!", "—Fin_de+partie"],
        ["À İSTANBUL, la ΟΔΟΣ'Β et ΑΣ.", "Deux."],
        ["Une phrase\navec un saut de ligne.", "x  y\u00a0z\u202fw", ""],
        ["m² 10 ² ½ ① ⅷ #tag @nom [1] {2} 3°C €5"],
    ],
)
def test_sentences_are_tokenised_as_their_word_runs(sentences: list[str]) -> None:
    # The whole document is tokenised at once (marks replaced by spaces, one split per
    # sentence, lower-cased text split alike): the same tokens as the plain definition.
    tokens, lowered = _tokenise(sentences, "\n".join(sentences))
    assert tokens == [re.findall(r"\w+", sentence) for sentence in sentences]
    assert lowered == [[word.lower() for word in words] for words in tokens]


def test_the_lemma_cache_lemmatises_new_words_on_lookup() -> None:
    words = ["les", "chevaux", "étaient", "3", "x", "rapidement", "chevaux"]
    expected = lemmas_of_words(words, "fr")
    clear_lemma_cache()
    cache = lemma_cache("fr")
    assert [lemma for lemma in map(cache.__getitem__, words) if lemma] == expected
    assert lemmas_of_words(words, "fr") == expected


def test_the_trie_lookup_gives_the_lemmas_of_the_plain_lookup() -> None:
    # LemmaCache calls the trie itself when there is one (no Python call per new word);
    # the same cache on digest.lemmata's str lookup must give the same lemmas, capitalised
    # lookups ("häuser" as "Häuser") and words the dictionary lacks included.
    words = "les chevaux étaient rapidement bruxelles xyzzyque l aujourd porte parole".split()
    words += "häuser wurden algorithmen xyzzyung 2024 über".split()
    for language in ("fr", "de", "xx"):
        clear_lemma_cache()
        through_trie = lemma_cache(language)
        assert (through_trie.trie is None) == (language == "xx")
        plain = LemmaCache(language)
        plain.trie, plain.lookup = None, lemmata.lookup(language)
        assert [through_trie[w] for w in words] == [plain[w] for w in words]


def test_empty_and_title_only_documents() -> None:
    document = document_features("Title", [], "en")
    assert document.rows == () and document.title == frozenset({"title"})
    assert key_sentences("Title", "", "en") == []
    assert key_point_text("Title", "", "en") == ("Title", 0.0)


def test_the_shipped_model_loads_with_this_versions_features() -> None:
    model, problem = load_model(SHIPPED)
    assert problem is None and model is not None
    assert len(model.weights) == len(FEATURES)
    assert len(model.selection.weights) == len(model.selection.single) == len(CANDIDATE_FEATURES)
    about = json.loads(SHIPPED.read_text(encoding="utf-8"))["about"]
    assert about["features"] == list(FEATURES)
    assert about["candidate_features"] == list(CANDIDATE_FEATURES)
    assert about["word_features"] == list(WORD_FEATURES)
    # Small enough to ship: the weights and the word model's lexicon (issue 14: a few MB at
    # most).
    assert SHIPPED.stat().st_size < 1_500_000


def test_same_input_same_key_point() -> None:
    title, text = TEXTS["fr"]
    first = key_point_text(title, text, "fr")
    assert all(key_point_text(title, text, "fr") == first for _ in range(3))


def test_choose_prefers_a_pair_that_does_not_repeat_itself() -> None:
    title = "Budget cuts"
    text = (
        "Budget cuts were announced by the government on Monday morning. "
        "Budget cuts were announced by the government on Monday evening. "
        "Hospitals and schools will lose a tenth of their funding next year."
    )
    document = document_features(title, split_paragraphs(text, "en"), "en")
    scores = [1.0, 0.99, 0.5]
    lenient = [p.index for p in choose(document, scores, 2, Selection())]
    strict = Selection.of(best_score=1, other_score=1, overlap=-2)
    assert lenient == [0, 1]
    assert [p.index for p in choose(document, scores, 2, strict)] == [0, 2]
    # A second sentence must be worth what a pair costs.
    costly = Selection.of(best_score=1, other_score=1, pair=-1)
    assert [p.index for p in choose(document, scores, 2, costly)] == [0]
    assert [p.index for p in choose(document, scores, 1, Selection())] == [0]
    # A one-sentence key point is chosen by its own weights (here: the longest sentence).
    longest = Selection(Selection().weights, Selection.of(words=1).single)
    assert [p.index for p in choose(document, scores, 1, longest)] == [2]
    assert [p.index for p in choose(document, scores, 2, longest)] == [0, 1]
    with pytest.raises(ValueError, match="unknown"):
        Selection.of(redundancy=1)


@pytest.mark.parametrize("seed", range(20))
def test_choices_keep_the_budgets_whatever_the_weights(seed: int) -> None:
    rng = random.Random(seed)
    title, text = TEXTS[rng.choice(sorted(TEXTS))]
    language = next(lang for lang, pair in TEXTS.items() if pair == (title, text))
    long = " ".join(f"word{k}," if k % 7 == 6 else f"word{k}" for k in range(55)) + "."
    text = f"{text} {long} Short one. {long.replace('word', 'term')}"
    document = document_features(title, split_paragraphs(text, language), language, _WORDS)
    scores = [rng.uniform(-1, 1) for _ in document.sentences]
    selection = Selection(
        tuple(rng.uniform(-2, 2) for _ in CANDIDATE_FEATURES),
        tuple(rng.uniform(-2, 2) for _ in CANDIDATE_FEATURES),
    )
    pool = candidates(document, scores)
    assert [p.score for p in pool] == sorted((p.score for p in pool), reverse=True)
    for picks, row in candidate_rows(document, pool):
        assert len(row) == len(CANDIDATE_FEATURES) and 1 <= len(picks) <= 2
        assert [p.index for p in picks] == sorted(p.index for p in picks)
    for limit in (1, 2):
        chosen = choose(document, scores, limit, selection)
        assert 1 <= len(chosen) <= limit
        assert [p.index for p in chosen] == sorted({p.index for p in chosen})
        assert sum(p.words for p in chosen) <= MAX_POINT_WORDS
        for pick in chosen:
            assert MIN_SENTENCE_WORDS <= pick.words == count_words(pick.text)
            assert pick.words <= LEARNED_SENTENCE_WORDS
            assert pick.trimmed == (pick.text != document.sentences[pick.index])


@pytest.mark.parametrize("seed", range(20))
def test_choose_picks_the_first_best_row_of_candidate_rows(seed: int) -> None:
    # choose values most candidates by an estimate and only the close ones exactly: the
    # choice must be the first best of the plain dot products, ties and all.
    rng = random.Random(seed)
    language = rng.choice(sorted(TEXTS))
    title, text = TEXTS[language]
    text = " ".join([text, *(text.split(". ")[rng.randrange(3)] + "." for _ in range(6))])
    # With and without the lemmas' worth (the candidates' union_worth terms).
    words = _WORDS if seed % 2 else None
    document = document_features(title, split_paragraphs(text, language), language, words)
    # Few distinct scores and weights, so that candidates often tie.
    scores = [rng.choice((0.0, 0.5, 1.0)) for _ in document.sentences]
    selection = Selection(
        tuple(rng.choice((-1.0, 0.0, 0.25, 1.0)) for _ in CANDIDATE_FEATURES),
        tuple(rng.uniform(-2, 2) for _ in CANDIDATE_FEATURES),
    )
    for limit in (1, 2):
        weights = selection.weights_for(limit)
        best, best_value = (), float("-inf")
        for picks, row in candidate_rows(document, candidates(document, scores), limit):
            value = sum(w * x for w, x in zip(weights, row, strict=True))
            if value > best_value:
                best, best_value = picks, value
        assert choose(document, scores, limit, selection) == list(best)


def test_a_candidate_carries_the_sum_of_its_sentences_features() -> None:
    title, text = TEXTS["fr"]
    document = document_features(title, split_paragraphs(text, "fr"), "fr", _WORDS)
    assert document.worth
    scores = [1.0 - k / 10 for k in range(len(document.sentences))]
    pool = candidates(document, scores)
    start = CANDIDATE_FEATURES.index(f"sum_{FEATURES[0]}")
    named = {name: k for k, name in enumerate(CANDIDATE_FEATURES)}
    rows = candidate_rows(document, pool)
    assert any(len(picks) == 2 for picks, _ in rows)
    for picks, row in rows:
        own = [document.rows[p.index] for p in picks]
        summed = [sum(values) for values in zip(*own, strict=True)]
        assert list(row[start : start + len(FEATURES)]) == pytest.approx(summed)
        places = sorted(pool.index(p) for p in picks)
        assert row[named["later_prior"]] == 1 / (1 + picks[-1].index)
        assert row[named["rank_best"]] == 1 / (1 + places[0])
        assert row[named["rank_worst"]] == 1 / (1 + places[-1])
        assert row[named["worst_score"]] == min(p.score for p in picks)
        # What the candidate's lemmas are worth, each lemma once.
        lemmas = frozenset().union(*(document.bags[p.index] for p in picks))
        worth = sum(document.worth[lemma] for lemma in lemmas)
        assert row[named["union_worth"]] == pytest.approx(worth / 10)
        assert row[named["union_worth_f1"]] == pytest.approx(2 * worth / (14 + len(lemmas)))
    # Every position feature of the sentences stays non-negative in the candidate model.
    assert {f"sum_{name}" for name in MONOTONE} <= CANDIDATE_MONOTONE


def _corpus(path: Path, articles: int = 40) -> Path:
    """A tiny fixed corpus: the abstract repeats words of the first or the third sentence."""
    rng = random.Random(7)
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda sigma".split()
    with path.open("w", encoding="utf-8") as out:
        for number in range(articles):
            sentences = [
                " ".join(rng.choice(words) for _ in range(rng.randint(6, 18))).capitalize() + "."
                for _ in range(rng.randint(4, 9))
            ]
            gist = sentences[0 if number % 3 else min(2, len(sentences) - 1)]
            row = {
                "id": str(number),
                "title": " ".join(gist.split()[:3]),
                "date": "2024-01-01",
                "article": " ".join(sentences),
                "abstract": gist,
            }
            out.write(json.dumps(row) + "\n")
    return path


def test_training_is_deterministic_and_loads(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus.jsonl")
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert train.main([str(corpus), "--output", str(first)]) == 0
    assert train.main([str(corpus), "--output", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    # Processes only share the work out: the file is the same.
    parallel = tmp_path / "c.json"
    assert train.main([str(corpus), "--output", str(parallel), "--jobs", "2"]) == 0
    assert parallel.read_bytes() == first.read_bytes()
    model, text = train.train(corpus)
    assert first.read_text(encoding="utf-8") == text
    loaded, problem = load_model(first)
    assert problem is None and loaded == model
    # The first sentence carries the gist in two articles of three: position must count.
    weights = dict(zip(FEATURES, model.weights, strict=True))
    assert any(weights[name] > 0 for name in MONOTONE)
    assert all(weights[name] >= 0 for name in MONOTONE)
    assert SCORER_LEFT_OUT and all(weights[name] == 0 for name in SCORER_LEFT_OUT)
    for weights_of_candidates in (model.selection.weights, model.selection.single):
        selection = dict(zip(CANDIDATE_FEATURES, weights_of_candidates, strict=True))
        assert all(selection[name] >= 0 for name in CANDIDATE_MONOTONE)
    # One sentence is chosen by the candidate's own features, not refitted sentence ones.
    single = dict(zip(CANDIDATE_FEATURES, model.selection.single, strict=True))
    assert PAIR_ONLY and all(single[name] == 0 for name in PAIR_ONLY)
    about = json.loads(text)["about"]
    for held_out in (about["held_out"], about["held_out_general"]):
        assert set(held_out) == {"columns", "lead_1", "lead_2", "model_1", "model_2"}
    # The other languages' model: the same fit without the lexicon.
    assert loaded.general is not None and loaded.general.words is not None
    assert loaded.general.words.lexicon == {} and loaded.words is not None
    assert loaded.words.lexicon
    title, article = TEXTS["en"]
    assert key_sentences(title, article, "en", model=loaded) == key_sentences(
        title, article, "en", model=loaded
    )


@pytest.mark.parametrize(
    "content",
    [
        None,
        b"",
        b"{not json",
        b'{"format": 2}',
        b'{"format": 99, "features": {}, "intercept": 0, "selection": {}}',
        # A model of the first format (one sentence model and three selection constants).
        json.dumps(
            {
                "format": 1,
                "features": dict.fromkeys(FEATURES, 0.0),
                "intercept": 0,
                "selection": {"redundancy": 0, "title": 0, "pair_margin": 0},
            }
        ).encode(),
        json.dumps(
            {
                "format": 2,
                "features": dict.fromkeys(FEATURES, "heavy"),
                "intercept": 0,
                "selection": dict.fromkeys(CANDIDATE_FEATURES, 0.0),
                "selection_single": dict.fromkeys(CANDIDATE_FEATURES, 0.0),
            }
        ).encode(),
        # No weights for one-sentence key points.
        json.dumps(
            {
                "format": 2,
                "features": dict.fromkeys(FEATURES, 0.0),
                "intercept": 0,
                "selection": dict.fromkeys(CANDIDATE_FEATURES, 0.0),
            }
        ).encode(),
        json.dumps(
            {
                "format": 2,
                "features": dict.fromkeys(FEATURES, 0.0),
                "intercept": 0,
                "selection": {"pair_margin": 0.1},
            }
        ).encode(),
        b"\xff\xfe broken bytes",
    ],
)
def test_an_unusable_model_file_is_a_problem(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "model.json"
    if content is not None:
        path.write_bytes(content)
    model, problem = load_model(path)
    assert model is None
    assert isinstance(problem, Problem)
    assert problem.location == str(path)
    assert "hand-set weights" in str(problem) and "\n" not in str(problem)


def test_key_points_fall_back_to_the_hand_set_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corrupt = tmp_path / "model.json"
    corrupt.write_text("{corrupt", encoding="utf-8")
    # The fault is injected where the shipped file is read once per process.
    monkeypatch.setattr(summarise, "_SHIPPED_MODEL", load_model(corrupt))
    title, text = TEXTS["en"]
    hand_set = key_sentences(title, text, "en", weights=DEFAULT_WEIGHTS)
    assert key_sentences(title, text, "en") == hand_set
    assert key_point_text(title, text, "en")[0] == " ".join(s.text for s in hand_set)
    problem = summarise.model_problem()
    assert problem is not None and problem.location == str(corrupt)
    assert summarise.learned_model() is None


def test_every_feature_of_the_shipped_model_counts_somewhere() -> None:
    # A feature every weight leaves at 0 only costs (row width, dot products): drop it.
    model, problem = load_model(SHIPPED)
    assert model is not None and problem is None
    selection = model.selection
    for k, name in enumerate(FEATURES):
        own = CANDIDATE_FEATURES.index(f"sum_{name}")
        weights = (model.weights[k], selection.weights[own], selection.single[own])
        assert any(weights), name
    for k, name in enumerate(CANDIDATE_FEATURES):
        # A position feature the fit wanted negative is held at 0 (CANDIDATE_MONOTONE).
        if name.startswith("sum_") or name in CANDIDATE_MONOTONE:
            continue
        assert selection.weights[k] or selection.single[k], name


def test_a_linear_model_scores_by_its_weights() -> None:
    model = LinearModel(
        tuple(1.0 if name == "position_prior" else 0.0 for name in FEATURES), 0.5, Selection()
    )
    title, text = TEXTS["en"]
    document = document_features(title, split_paragraphs(text, "en"), "en")
    assert model.scores(document)[:3] == [1.5, 1.0, 0.833333333]
