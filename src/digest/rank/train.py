"""Fitting the key point model on journalists' summaries (``make train``; needs scikit-learn).

Reads OrangeSum-style JSON lines (``title``, ``article``, ``abstract``), computes every
sentence's features (:mod:`digest.rank.features`) and its target, fits a ridge regression
(closed form, so the same corpus always gives the same weights), then tunes the joint
selection (:class:`~digest.rank.model.Selection`) on a slice of the same corpus held out
from the fit. The target is the sentence's own ROUGE against the abstract: the mean of its
ROUGE-1 and ROUGE-2 F1 (lower-case ``\\w+`` tokens). The slice is drawn with a fixed seed;
numbers are rounded so that the written file is byte-identical from run to run.

Run: ``python -m digest.rank.train CORPUS [--output PATH] [--limit N]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.rank.choose import choose
from digest.rank.features import FEATURES, Document, document_features
from digest.rank.model import SHIPPED, LinearModel, Selection
from digest.rank.text import split_paragraphs

LANGUAGE = "fr"
SEED = 1234
#: Articles held out of the fit to tune the selection.
TUNE_ARTICLES = 1500
#: Ridge regularisation (features lie in [0, 1]; the fit is not sensitive to it).
ALPHA = 1.0
#: Selection grid, in units of the standard deviation of the scores.
REDUNDANCY = (0.0, 0.25, 0.5, 1.0, 2.0)
TITLE = (0.0, 0.25, 0.5, 1.0)
PAIR_MARGIN = (-0.5, 0.0, 0.25, 0.5, 1.0, 1.5)
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Example:
    """One article: its features and its journalist's abstract."""

    document: Document
    abstract: str


def tokens(text: str) -> list[str]:
    """ROUGE tokens: lower-case ``\\w+`` runs."""
    return _TOKEN.findall(text.lower())


def rouge12(candidate: Sequence[str], reference: Sequence[str]) -> float:
    """The mean of ROUGE-1 and ROUGE-2 F1 of two token sequences (0 to 1)."""
    total = 0.0
    for n in (1, 2):
        ours = Counter(tuple(candidate[i : i + n]) for i in range(len(candidate) - n + 1))
        theirs = Counter(tuple(reference[i : i + n]) for i in range(len(reference) - n + 1))
        overlap = sum((ours & theirs).values())
        if overlap:
            precision = overlap / sum(ours.values())
            recall = overlap / sum(theirs.values())
            total += 2 * precision * recall / (precision + recall)
    return total / 2


def read(path: Path, limit: int | None = None) -> list[Example]:
    """The corpus's articles with their features (the first ``limit`` only, if given)."""
    examples = []
    with path.open(encoding="utf-8") as lines:
        for line in itertools.islice(lines, limit):
            row = json.loads(line)
            paragraphs = split_paragraphs(row["article"], LANGUAGE)
            document = document_features(row["title"], paragraphs, LANGUAGE)
            if document.sentences:
                examples.append(Example(document, row["abstract"]))
    return examples


def fit(examples: Sequence[Example]) -> tuple[tuple[float, ...], float]:
    """Ridge regression of each sentence's ROUGE on its features: weights, intercept."""
    from sklearn.linear_model import Ridge

    rows: list[tuple[float, ...]] = []
    targets: list[float] = []
    for example in examples:
        reference = tokens(example.abstract)
        for sentence, row in zip(example.document.sentences, example.document.rows, strict=True):
            rows.append(row)
            targets.append(rouge12(tokens(sentence), reference))
    regression = Ridge(alpha=ALPHA, solver="cholesky").fit(rows, targets)
    weights = tuple(round(float(w), 6) for w in regression.coef_)
    return weights, round(float(regression.intercept_), 6)


def tune(
    weights: tuple[float, ...], intercept: float, examples: Sequence[Example]
) -> tuple[Selection, float]:
    """The selection with the best mean ROUGE-1/2 over one- and two-sentence key points."""
    model = LinearModel(weights, intercept, Selection())
    scored = [(e, model.scores(e.document), tokens(e.abstract)) for e in examples]
    values = [s for _, scores, _ in scored for s in scores]
    mean = sum(values) / len(values)
    unit = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5 or 1.0
    cache: dict[tuple[int, tuple[int, ...]], float] = {}
    best = (float("-inf"), Selection())
    for redundancy, title, margin in itertools.product(REDUNDANCY, TITLE, PAIR_MARGIN):
        selection = Selection(
            round(redundancy * unit, 6), round(title * unit, 6), round(margin * unit, 6)
        )
        total = 0.0
        for k, (example, scores, reference) in enumerate(scored):
            for limit in (1, 2):
                picks = choose(example.document, scores, limit, selection)
                key = (k, tuple(p.index for p in picks))
                if key not in cache:
                    text = " ".join(p.text for p in picks)
                    cache[key] = rouge12(tokens(text), reference)
                total += cache[key]
        value = total / (2 * len(scored))
        if value > best[0]:
            best = (value, selection)
    return best[1], best[0]


def train(corpus: Path, limit: int | None = None, seed: int = SEED) -> tuple[LinearModel, str]:
    """The model fitted on ``corpus`` and its JSON text."""
    examples = read(corpus, limit)
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    held = min(TUNE_ARTICLES, len(examples) // 5)
    tune_part = [examples[i] for i in sorted(order[:held])]
    fit_part = [examples[i] for i in sorted(order[held:])]
    weights, intercept = fit(fit_part)
    selection, value = tune(weights, intercept, tune_part)
    model = LinearModel(weights, intercept, selection)
    about = {
        "corpus": corpus.name,
        "articles": len(examples),
        "fit_articles": len(fit_part),
        "fit_sentences": sum(len(e.document.sentences) for e in fit_part),
        "tune_articles": len(tune_part),
        "tune_rouge12": round(value, 4),
        "seed": seed,
        "target": "mean ROUGE-1/ROUGE-2 F1 of the sentence against the abstract",
        "model": f"ridge regression, alpha {ALPHA}",
        "features": list(FEATURES),
    }
    return model, model.to_json(about)


def main(argv: Sequence[str] | None = None) -> int:
    """Train on the corpus and write the model file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("corpus", type=Path, help="OrangeSum-style JSON lines")
    parser.add_argument("--output", type=Path, default=SHIPPED, help="model file to write")
    parser.add_argument("--limit", type=int, help="read only the first N articles")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the tuning slice")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"train: corpus not found: {args.corpus}", file=sys.stderr)
        return 1
    start = time.perf_counter()
    model, text = train(args.corpus, args.limit, args.seed)
    args.output.write_text(text, encoding="utf-8")
    print(
        f"train: wrote {args.output} ({len(text.encode()):,} bytes) in "
        f"{time.perf_counter() - start:.0f} s; selection {model.selection}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
