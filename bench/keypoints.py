"""Key points against journalists: ROUGE of digest's key points and of the usual baselines.

Reads OrangeSum-style JSON lines (``title``, ``article``, ``abstract``; French news), splits
every article with :func:`digest.summarise.split_sentences`, then on those same sentences
picks one and two sentences with:

- ``LEAD-1``, ``LEAD-2``: the first sentences (the classic news baseline);
- ``digest key point``: :func:`digest.summarise.score_sentences` then
  :func:`digest.summarise.select` (two sentences stay within 60 words);
- ``sumy LexRank``, ``sumy TextRank``: sumy's summarisers with its French Snowball stemmer
  and stop words, on a document model built from our sentences (sumy's own tokenisers need
  NLTK data);
- ``oracle``: the best single sentence or pair, chosen with the abstract in hand (the
  ceiling for two-sentence extraction).

Each is scored against the journalist's ``abstract`` with ROUGE-1, ROUGE-2 and ROUGE-L F1
(lower-case Unicode ``\\w+`` tokens, no stemming), on all articles and on the odd-indexed
half alone: digest's weights were chosen on the even half (``--tune`` repeats that search),
so the odd half is the held-out figure. Speed is sentences ranked per second, best of a few
runs of the ranking alone over the same pre-split input. Run with ``make bench``; see
bench/README.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sumy.models.dom import ObjectDocumentModel, Paragraph
from sumy.models.dom import Sentence as SumySentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words

from digest.summarise import (
    DEFAULT_WEIGHTS,
    MAX_POINT_WORDS,
    Weights,
    score_sentences,
    select,
    split_sentences,
)

#: The shared corpora sit beside the repository (../shared), in CI as here.
CORPUS = (
    Path(__file__).resolve().parent.parent.parent
    / "shared"
    / "corpora"
    / "orangesum-valid"
    / "valid-300.jsonl"
)
LANGUAGE = "fr"
REPEATS = 3
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Article:
    """One corpus line, split into our sentences."""

    index: int
    title: str
    sentences: tuple[str, ...]
    abstract: str


@dataclass(frozen=True)
class Scores:
    """Mean ROUGE F1 (0 to 1) over a set of articles."""

    r1: float
    r2: float
    rl: float


#: A method: the article in, the chosen sentences (in document order) out.
Method = Callable[[Article], Sequence[str]]


def tokens(text: str) -> list[str]:
    """ROUGE tokens: lower-case ``\\w+`` runs (Unicode, so "élève" stays whole), no stemming."""
    return _TOKEN.findall(text.lower())


def _f1(overlap: int, candidate: int, reference: int) -> float:
    if not overlap:
        return 0.0
    precision, recall = overlap / candidate, overlap / reference
    return 2 * precision * recall / (precision + recall)


def ngrams(words: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    """The n-grams of ``words`` with their counts."""
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def rouge_n(candidate: Sequence[str], reference: Sequence[str], n: int) -> float:
    """ROUGE-N F1: n-grams in common (each counted at most as often as in either side)."""
    ours, theirs = ngrams(candidate, n), ngrams(reference, n)
    overlap = sum((ours & theirs).values())
    return _f1(overlap, sum(ours.values()), sum(theirs.values()))


def rouge_l(candidate: Sequence[str], reference: Sequence[str]) -> float:
    """ROUGE-L F1: the longest common subsequence of the two token sequences."""
    previous = [0] * (len(reference) + 1)
    for word in candidate:
        current = [0]
        for j, other in enumerate(reference):
            current.append(previous[j] + 1 if word == other else max(previous[j + 1], current[j]))
        previous = current
    return _f1(previous[-1], len(candidate), len(reference))


def rouge(candidate: str, reference: str) -> tuple[float, float, float]:
    """ROUGE-1, ROUGE-2 and ROUGE-L F1 of ``candidate`` against ``reference``."""
    ours, theirs = tokens(candidate), tokens(reference)
    return rouge_n(ours, theirs, 1), rouge_n(ours, theirs, 2), rouge_l(ours, theirs)


def load(path: Path) -> list[Article]:
    """The corpus, each article split by digest's splitter."""
    articles = []
    with path.open(encoding="utf-8") as lines:
        for index, line in enumerate(lines):
            row = json.loads(line)
            sentences = tuple(split_sentences(row["article"], LANGUAGE))
            articles.append(Article(index, row["title"], sentences, row["abstract"]))
    return articles


def lead(count: int) -> Method:
    """The first ``count`` sentences."""
    return lambda article: article.sentences[:count]


def ours(count: int, weights: Weights = DEFAULT_WEIGHTS) -> Method:
    """digest's key point of ``count`` sentences."""

    def run(article: Article) -> Sequence[str]:
        ranked = score_sentences(article.title, article.sentences, LANGUAGE, weights)
        return [s.text for s in select(ranked, count)]

    return run


class WordTokenizer:
    """What sumy's document model asks of a tokenizer, without NLTK's data."""

    def to_sentences(self, paragraph: str) -> list[str]:
        """Sentences are split beforehand; a paragraph is never given back to split."""
        sentences: list[str] = split_sentences(paragraph, LANGUAGE)
        return sentences

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """The sentence's ``\\w+`` words (sumy lower-cases and stems them itself)."""
        return tuple(_TOKEN.findall(sentence))


def sumy_method(summariser: LexRankSummarizer | TextRankSummarizer, count: int) -> Method:
    """sumy's ``summariser`` on a one-paragraph document of our sentences."""
    tokenizer = WordTokenizer()
    summariser.stop_words = get_stop_words("french")

    def run(article: Article) -> Sequence[str]:
        if not article.sentences:
            return []
        sentences = [SumySentence(s, tokenizer) for s in article.sentences]
        document = ObjectDocumentModel([Paragraph(sentences)])
        return [str(s) for s in summariser(document, count)]

    return run


def oracle(article: Article) -> Sequence[str]:
    """The single sentence or pair with the best ROUGE-1 + ROUGE-2 against the abstract.

    ROUGE-L is left out of the search only because the longest common subsequence is too
    slow to compute for every pair; it is still reported.
    """
    reference = tokens(article.abstract)
    unigrams, bigrams = ngrams(reference, 1), ngrams(reference, 2)
    words = [tokens(s) for s in article.sentences]
    best: tuple[float, tuple[int, ...]] = (-1.0, ())
    singles = [(i,) for i in range(len(words))]
    for chosen in itertools.chain(singles, itertools.combinations(range(len(words)), 2)):
        candidate = [w for i in chosen for w in words[i]]
        one, two = ngrams(candidate, 1), ngrams(candidate, 2)
        value = _f1(sum((one & unigrams).values()), len(candidate), len(reference)) + _f1(
            sum((two & bigrams).values()), max(1, len(candidate) - 1), max(1, len(reference) - 1)
        )
        if value > best[0]:
            best = (value, chosen)
    return [article.sentences[i] for i in best[1]]


def evaluate(outputs: Sequence[Sequence[str]], articles: Sequence[Article]) -> Scores:
    """Mean ROUGE F1 of ``outputs`` (one per article, same order) over ``articles``."""
    totals = [0.0, 0.0, 0.0]
    for output, article in zip(outputs, articles, strict=True):
        for k, value in enumerate(rouge(" ".join(output), article.abstract)):
            totals[k] += value
    count = max(1, len(articles))
    return Scores(*(t / count for t in totals))


def timed(method: Method, articles: Sequence[Article]) -> tuple[list[Sequence[str]], float]:
    """The method's outputs and its best time (seconds) over :data:`REPEATS` runs."""
    best = float("inf")
    outputs: list[Sequence[str]] = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        outputs = [method(article) for article in articles]
        best = min(best, time.perf_counter() - start)
    return outputs, best


def tune(articles: Sequence[Article]) -> Weights:
    """The weights that maximise mean ROUGE of the one- and two-sentence key points.

    A coarse grid of round values, so that the choice cannot fit the sample closely; the
    centrality weight stays 1, since only the ratios matter.
    """
    grid = (0.0, 0.5, 1.0, 1.5, 2.0)
    cache: dict[tuple[int, tuple[str, ...]], tuple[float, float, float]] = {}
    best: tuple[float, Weights] = (-1.0, DEFAULT_WEIGHTS)
    for position, title, length in itertools.product(grid, grid, grid):
        weights = replace(DEFAULT_WEIGHTS, position=position, title=title, length=length)
        value = 0.0
        for count in (1, 2):
            method = ours(count, weights)
            for article in articles:
                output = tuple(method(article))
                key = (article.index, output)
                if key not in cache:
                    cache[key] = rouge(" ".join(output), article.abstract)
                value += sum(cache[key])
        if value > best[0]:
            best = (value, weights)
    return best[1]


def table(rows: Sequence[tuple[str, Scores, Scores, float | None]], baseline: float) -> str:
    """The results as a fixed-width table (ROUGE in %, all articles then held-out half)."""
    header = (
        f"{'method':<24} {'R1':>5} {'R2':>5} {'RL':>5}   {'R1':>5} {'R2':>5} {'RL':>5}"
        f" {'sentences/s':>12} {'vs LexRank':>10}"
    )
    lines = [f"{'':<24} {'all articles':^17}   {'held-out (odd)':^17}", header]
    lines.append("-" * len(header))
    for name, full, held_out, rate in rows:
        speed = f"{rate:>12,.0f} {rate / baseline:>9.1f}x" if rate else f"{'':>12} {'':>10}"
        lines.append(
            f"{name:<24} {full.r1:>5.1%} {full.r2:>5.1%} {full.rl:>5.1%}   "
            f"{held_out.r1:>5.1%} {held_out.r2:>5.1%} {held_out.rl:>5.1%} {speed}".replace("%", "")
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Score every method and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="JSON lines to score")
    parser.add_argument("--tune", action="store_true", help="search weights on the even half first")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 1
    start = time.perf_counter()
    articles = load(args.corpus)
    split_seconds = time.perf_counter() - start
    sentences = sum(len(a.sentences) for a in articles)
    held_out = [a for a in articles if a.index % 2]
    weights = DEFAULT_WEIGHTS
    if args.tune:
        weights = tune([a for a in articles if not a.index % 2])
        print(f"tuned on the even half: {weights}")
    print(
        f"{len(articles)} articles, {sentences:,} sentences (read and split at "
        f"{sentences / split_seconds:,.0f} sentences/s); weights: {weights}"
    )
    methods: list[tuple[str, Method, bool]] = [
        ("LEAD-1", lead(1), False),
        ("LEAD-2", lead(2), False),
        ("digest key point, 1", ours(1, weights), True),
        (f"digest key point, 2 ≤{MAX_POINT_WORDS}w", ours(2, weights), True),
        ("sumy LexRank, 1", sumy_method(LexRankSummarizer(Stemmer("french")), 1), True),
        ("sumy LexRank, 2", sumy_method(LexRankSummarizer(Stemmer("french")), 2), True),
        ("sumy TextRank, 1", sumy_method(TextRankSummarizer(Stemmer("french")), 1), True),
        ("sumy TextRank, 2", sumy_method(TextRankSummarizer(Stemmer("french")), 2), True),
        ("oracle, best 1 or 2", oracle, False),
    ]
    rows = []
    for name, method, speed in methods:
        outputs, seconds = timed(method, articles) if speed else ([*map(method, articles)], 0)
        held = [outputs[a.index] for a in held_out]
        rate = sentences / seconds if speed else None
        rows.append((name, evaluate(outputs, articles), evaluate(held, held_out), rate))
    baseline = next(rate for name, _, _, rate in rows if name == "sumy LexRank, 2")
    print(f"\nROUGE F1 (%) against the abstracts; speed: best of {REPEATS}, ranking only")
    print(table(rows, baseline or 1.0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
