"""Fitting the key point model on journalists' summaries (``make train``; needs scikit-learn).

Reads OrangeSum-style JSON lines (``title``, ``article``, ``abstract``), computes every
sentence's features (:mod:`digest.rank.features`), then fits the word model
(:mod:`digest.rank.words`: a logistic regression of each article lemma being in the
abstract, with lbfgs; the lexicon's rates counted on the fit part, each article's own left
out of its features, so that no article sees its own abstract) and two ridge regressions
(closed form; the same corpus always gives the same weights):

1. the sentence model, on each sentence's own ROUGE against the abstract (the mean of its
   ROUGE-1 and ROUGE-2 F1, lower-case ``\\w+`` tokens), the weights of the position
   features (:data:`~digest.rank.features.MONOTONE`) kept non-negative and those of
   :data:`~digest.rank.features.SCORER_LEFT_OUT` 0;
2. the candidate model (:class:`~digest.rank.model.Selection`), on the same ROUGE of each
   single sentence and each pair :func:`~digest.rank.choose.choose` would weigh, centred
   per article (only the order within an article matters), so that the choice optimises
   what is evaluated, length included; the one-sentence weights leave the sentences'
   own features (:data:`~digest.rank.model.PAIR_ONLY`) to the sentence model.

All of it is fitted twice: with the lexicon (the French model), and without one, as the
other languages see the word model (the file's ``general`` model, which builds use for
them). The general word model keeps the news-writing prior (a lemma met earlier is never
worth less: :func:`_wrong_way`); the French one is free to learn OrangeSum's habit of
summaries that skip the lead. A slice of the corpus drawn with a fixed seed is held out of
both fits and the key points are scored on it (written to the file's ``about``). Numbers
are rounded so that the written file is byte-identical from run to run.

Run: ``python -m digest.rank.train CORPUS [--output PATH] [--limit N] [--jobs N]``.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import multiprocessing
import random
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from digest.rank.choose import candidate_rows, candidates, choose, count_words
from digest.rank.features import (
    FEATURES,
    MONOTONE,
    SCORER_LEFT_OUT,
    document_features,
)
from digest.rank.model import (
    CANDIDATE_FEATURES,
    CANDIDATE_MONOTONE,
    PAIR_ONLY,
    SHIPPED,
    LinearModel,
    Selection,
)
from digest.rank.rouge import rouge12, rouge_l, rouge_n, tokens
from digest.rank.text import lemmas_of_words, split_paragraphs
from digest.rank.train_words import (
    LANGUAGE,
    LEXICON_PRIOR,
    LEXICON_SEEN,
    WORD_ARTICLES,
    Example,
    Lexicon,
    fit_words,
    lexicon_counts,
    with_worth,
)
from digest.rank.words import MEAN_RATE, WORD_FEATURES, WordModel

SEED = 1234
#: Articles held out of the fits, to measure the key points.
HELD_OUT_ARTICLES = 1500
#: Ridge regularisation of the sentence model (features lie in [0, 1]; the fit is not
#: sensitive to it) and of the candidate model.
ALPHA = 1.0


def _example(line: str) -> Example | None:
    row = json.loads(line)
    paragraphs = split_paragraphs(row["article"], LANGUAGE)
    document = document_features(row["title"], paragraphs, LANGUAGE)
    if not document.sentences:
        return None
    summary = frozenset(lemmas_of_words(tokens(row["abstract"]), LANGUAGE))
    return Example(document, row["abstract"], summary)


def _map(function: Any, items: Iterable[Any], jobs: int) -> list[Any]:
    """``function`` over ``items`` in order, in ``jobs`` processes (the same result)."""
    if jobs <= 1:
        return list(map(function, items))
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        return pool.map(function, items, chunksize=256)


def read(path: Path, limit: int | None = None, jobs: int = 1) -> list[Example]:
    """The corpus's articles with their features (the first ``limit`` only, if given)."""
    with path.open(encoding="utf-8") as lines:
        chosen = list(itertools.islice(lines, limit))
    return [e for e in _map(_example, chosen, jobs) if e is not None]


def _ridge(rows: Any, targets: Any, alpha: float) -> tuple[list[float], float]:
    from sklearn.linear_model import Ridge

    regression = Ridge(alpha=alpha, solver="cholesky").fit(rows, targets)
    return [float(w) for w in regression.coef_], float(regression.intercept_)


def fit_sentences(examples: Sequence[Example]) -> tuple[tuple[float, ...], float]:
    """The sentence model: weights (position weights non-negative) and intercept.

    A position feature whose weight comes out negative is left out and the rest refitted,
    until none is (an active set: each round only removes features, so it ends).
    """
    import numpy as np

    rows: list[tuple[float, ...]] = []
    targets: list[float] = []
    for example in examples:
        reference = tokens(example.abstract)
        for sentence, row in zip(example.document.sentences, example.document.rows, strict=True):
            rows.append(row)
            targets.append(rouge12(tokens(sentence), reference))
    weights, intercept = _monotone_ridge(
        np.array(rows), np.array(targets), FEATURES, MONOTONE, SCORER_LEFT_OUT
    )
    return tuple(round(w, 6) for w in weights), round(intercept, 6)


def _monotone_ridge(
    matrix: Any,
    target: Any,
    names: Sequence[str],
    monotone: frozenset[str],
    left_out: frozenset[str] = frozenset(),
) -> tuple[list[float], float]:
    """Ridge weights and intercept with the weights of ``monotone`` features non-negative
    and those of ``left_out`` 0.

    A feature of ``monotone`` whose weight comes out negative is left out (weight 0) and the
    rest refitted, until none is (an active set: each round only removes features).
    """
    kept = [k for k, name in enumerate(names) if name not in left_out]
    while True:
        weights, intercept = _ridge(matrix[:, kept], target, ALPHA)
        negative = {k for k, w in zip(kept, weights, strict=True) if w < 0 and names[k] in monotone}
        if not negative:
            break
        kept = [k for k in kept if k not in negative]
    full = dict(zip(kept, weights, strict=True))
    return [full.get(k, 0.0) for k in range(len(names))], intercept


def _candidates(
    model: LinearModel, limit: int, example: Example
) -> list[tuple[tuple[float, ...], float]]:
    """Every candidate of at most ``limit`` sentences of one article: its features and its
    ROUGE against the abstract.
    """
    document = example.document
    reference = tokens(example.abstract)
    pool = candidates(document, model.scores(document))
    return [
        (row, rouge12(tokens(" ".join(p.text for p in picks)), reference))
        for picks, row in candidate_rows(document, pool, limit)
    ]


def fit_selection(model: LinearModel, examples: Sequence[Example], jobs: int = 1) -> Selection:
    """The candidate model: weights for up to two sentences and for one."""
    return Selection(
        _fit_candidates(model, examples, 2, jobs), _fit_candidates(model, examples, 1, jobs)
    )


def _fit_candidates(
    model: LinearModel, examples: Sequence[Example], limit: int, jobs: int
) -> tuple[float, ...]:
    """Candidate weights fitted on the candidates' ROUGE centred per article."""
    import numpy as np

    per_article = _map(functools.partial(_candidates, model, limit), examples, jobs)
    rows, targets = [], []
    for found in per_article:
        if not found:
            continue
        matrix = np.array([row for row, _ in found])
        target = np.array([value for _, value in found])
        rows.append(matrix - matrix.mean(axis=0))
        targets.append(target - target.mean())
    left_out = PAIR_ONLY if limit < 2 else frozenset()
    weights, _intercept = _monotone_ridge(
        np.vstack(rows), np.concatenate(targets), CANDIDATE_FEATURES, CANDIDATE_MONOTONE, left_out
    )
    return tuple(round(w, 6) for w in weights)


def fit(
    fit_part: Sequence[Example],
    held_out: Sequence[Example],
    counts: Mapping[str, tuple[int, int]],
    jobs: int = 1,
) -> tuple[LinearModel, dict[str, list[float]]]:
    """The word, sentence and candidate models fitted on ``fit_part`` with the lexicon of
    ``counts`` (none: the model for the languages without one), and what it scores on
    ``held_out`` (:func:`measure`).
    """
    # The general model holds the news-writing prior (an earlier lemma never worth less);
    # the French one learns OrangeSum's habit of summaries that skip the lead.
    fitted = fit_words(fit_part[:WORD_ARTICLES], counts, monotone=not counts)
    language = LANGUAGE if counts else ""
    words = WordModel(fitted.weights, fitted.intercept, language, Lexicon(counts))
    fit_part = [with_worth(e, words, leave_out=True) for e in fit_part]
    held_out = [with_worth(e, words, leave_out=False) for e in held_out]
    weights, intercept = fit_sentences(fit_part)
    sentence_model = LinearModel(weights, intercept, Selection())
    selection = fit_selection(sentence_model, fit_part, jobs)
    # The lexicon as the file holds it (sorted, rounded rates).
    shipped = WordModel(words.weights, words.intercept, language, dict(words.lexicon))
    model = LinearModel(weights, intercept, selection, shipped)
    return model, measure(model, held_out)


def measure(model: LinearModel, examples: Sequence[Example]) -> dict[str, list[float]]:
    """ROUGE-1/2/L F1 (%) and mean words of LEAD-1, LEAD-2 and the model's one- and
    two-sentence key points on ``examples``.
    """
    outputs: dict[str, list[str]] = {"lead_1": [], "lead_2": [], "model_1": [], "model_2": []}
    for example in examples:
        document = example.document
        scores = model.scores(document)
        outputs["lead_1"].append(" ".join(document.sentences[:1]))
        outputs["lead_2"].append(" ".join(document.sentences[:2]))
        for limit in (1, 2):
            picks = choose(document, scores, limit, model.selection, LANGUAGE)
            outputs[f"model_{limit}"].append(" ".join(p.text for p in picks))
    table = {}
    for name, texts in outputs.items():
        totals = [0.0, 0.0, 0.0, 0.0]
        for text, example in zip(texts, examples, strict=True):
            ours, theirs = tokens(text), tokens(example.abstract)
            totals[0] += rouge_n(ours, theirs, 1)
            totals[1] += rouge_n(ours, theirs, 2)
            totals[2] += rouge_l(ours, theirs)
            totals[3] += count_words(text) / 100
        table[name] = [round(100 * t / max(1, len(examples)), 2) for t in totals]
    return table


def train(
    corpus: Path, limit: int | None = None, seed: int = SEED, jobs: int = 1
) -> tuple[LinearModel, str]:
    """The model fitted on ``corpus`` and its JSON text."""
    examples = read(corpus, limit, jobs)
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    held = min(HELD_OUT_ARTICLES, len(examples) // 5)
    held_out = [examples[i] for i in sorted(order[:held])]
    fit_part = [examples[i] for i in sorted(order[held:])]
    general, general_held_out = fit(fit_part, held_out, {}, jobs)
    own, own_held_out = fit(fit_part, held_out, lexicon_counts(fit_part), jobs)
    model = LinearModel(own.weights, own.intercept, own.selection, own.words, general)
    about = {
        "corpus": corpus.name,
        "articles": len(examples),
        "fit_articles": len(fit_part),
        "fit_sentences": sum(len(e.document.sentences) for e in fit_part),
        "held_out_articles": len(held_out),
        "held_out": {"columns": ["R1", "R2", "RL", "words"], **own_held_out},
        # The model other languages get, measured on the same articles.
        "held_out_general": {"columns": ["R1", "R2", "RL", "words"], **general_held_out},
        "seed": seed,
        "target": "mean ROUGE-1/ROUGE-2 F1 against the abstract (sentence; candidate)",
        "model": f"ridge regressions, alpha {ALPHA}; candidates centred per article",
        "word_model": (
            f"logistic regression on the lemmas of {min(WORD_ARTICLES, len(fit_part))} "
            f"articles; lexicon of the fit part's lemmas seen in {LEXICON_SEEN} or more, "
            f"rates smoothed by {LEXICON_PRIOR:g} articles at {MEAN_RATE}, each fit "
            "article's own left out; in the general model (no lexicon) a lemma met "
            "earlier is never worth less"
        ),
        "word_features": list(WORD_FEATURES),
        "features": list(FEATURES),
        "candidate_features": list(CANDIDATE_FEATURES),
    }
    return model, model.to_json(about)


def main(argv: Sequence[str] | None = None) -> int:
    """Train on the corpus and write the model file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("corpus", type=Path, help="OrangeSum-style JSON lines")
    parser.add_argument("--output", type=Path, default=SHIPPED, help="model file to write")
    parser.add_argument("--limit", type=int, help="read only the first N articles")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the held-out slice")
    parser.add_argument("--jobs", type=int, default=1, help="processes (same result)")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"train: corpus not found: {args.corpus}", file=sys.stderr)
        return 1
    start = time.perf_counter()
    _model, text = train(args.corpus, args.limit, args.seed, args.jobs)
    args.output.write_text(text, encoding="utf-8")
    held_out = json.loads(text)["about"]["held_out"]
    print(
        f"train: wrote {args.output} ({len(text.encode()):,} bytes) in "
        f"{time.perf_counter() - start:.0f} s; held out (R1, R2, RL, words/100): {held_out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
