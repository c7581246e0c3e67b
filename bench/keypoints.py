"""Key points against journalists: ROUGE of digest's key points and of the usual baselines.

Reads OrangeSum-style JSON lines (``title``, ``article``, ``abstract``; French news). Each
method picks one and two sentences of the article:

- ``LEAD-1``, ``LEAD-2``: the first sentences of :func:`digest.summarise.split_sentences`
  (the classic news baseline);
- ``digest key point``: :func:`digest.summarise.key_sentences` with the shipped learned model
  (``make train``), the one or two sentences chosen together within 60 ``\\w+`` words;
- ``hand-set ranking``: the ranking used before it (``key_sentences(..., weights=
  DEFAULT_WEIGHTS)``: fixed weights, sentences chosen one at a time);
- ``sumy LexRank``: sumy's summariser with its French Snowball stemmer and stop words, on a
  document model built from our sentences (sumy's own tokenisers need NLTK data);
- ``oracle``: the best single sentence or pair, chosen with the abstract in hand (the
  ceiling for two-sentence extraction; no word limit).

Each is scored against the journalist's ``abstract`` with ROUGE-1, ROUGE-2 and ROUGE-L F1
(lower-case Unicode ``\\w+`` tokens, no stemming). valid-300 is held out: the model is fitted
and its selection tuned on the training set only. Words per key point are ``\\w+`` tokens.

Speed is sentences per second **from raw text**: splitting, lemmatising with a cold lemma
cache (cleared before every timed run), scoring and choosing, against sumy LexRank given the
same raw text (split by our splitter, then its document model and summariser), in
interleaved rounds; the median of the rounds' ratios is the figure. Run with ``make bench``;
see bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sumy.models.dom import ObjectDocumentModel, Paragraph
from sumy.models.dom import Sentence as SumySentence
from sumy.nlp.stemmers import Stemmer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.utils import get_stop_words

from digest import rank
from digest.rank.choose import choose
from digest.rank.features import document_features
from digest.rank.rouge import rouge_l, rouge_n, tokens
from digest.rank.text import clear_lemma_cache, split_paragraphs
from digest.summarise import (
    DEFAULT_WEIGHTS,
    MAX_POINT_WORDS,
    Weights,
    key_sentences,
    learned_model,
    model_problem,
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
ROUNDS = 5
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Article:
    """One corpus line, as raw text and split into our sentences."""

    index: int
    title: str
    text: str
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


def _f1(overlap: int, candidate: int, reference: int) -> float:
    # The oracle's F1, from the n-gram counts it keeps per article (digest.rank.rouge
    # counts them again at every call, too slow for every pair of every article).
    if not overlap:
        return 0.0
    precision, recall = overlap / candidate, overlap / reference
    return 2 * precision * recall / (precision + recall)


def ngrams(words: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    """The n-grams of ``words`` with their counts."""
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def rouge(candidate: str, reference: str) -> tuple[float, float, float]:
    """ROUGE-1, ROUGE-2 and ROUGE-L F1 of ``candidate`` against ``reference``."""
    ours, theirs = tokens(candidate), tokens(reference)
    return rouge_n(ours, theirs, 1), rouge_n(ours, theirs, 2), rouge_l(ours, theirs)


def load(path: Path) -> list[Article]:
    """The corpus, each article also split by digest's splitter."""
    articles = []
    with path.open(encoding="utf-8") as lines:
        for index, line in enumerate(lines):
            row = json.loads(line)
            sentences = tuple(split_sentences(row["article"], LANGUAGE))
            articles.append(
                Article(index, row["title"], row["article"], sentences, row["abstract"])
            )
    return articles


def lead(count: int) -> Method:
    """The first ``count`` sentences."""
    return lambda article: article.sentences[:count]


def ours(count: int, weights: Weights | None = None) -> Method:
    """digest's key point of ``count`` sentences, from the raw text (``weights``: the
    hand-set ranking instead of the learned model).
    """

    def run(article: Article) -> Sequence[str]:
        # The learned model is passed explicitly: builds do not use it by default yet.
        model = None if weights is not None else learned_model()
        chosen = key_sentences(article.title, article.text, LANGUAGE, count, weights, model)
        return [s.text for s in chosen]

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


def lexrank(count: int) -> Method:
    """sumy LexRank on a one-paragraph document of our sentences of the raw text."""
    tokenizer = WordTokenizer()
    summariser = LexRankSummarizer(Stemmer("french"))
    summariser.stop_words = get_stop_words("french")

    def run(article: Article) -> Sequence[str]:
        split = split_sentences(article.text, LANGUAGE)
        if not split:
            return []
        sentences = [SumySentence(s, tokenizer) for s in split]
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


def words(outputs: Sequence[Sequence[str]]) -> tuple[float, float]:
    """Mean ``\\w+`` words per key point and the share over :data:`MAX_POINT_WORDS`."""
    counts = [len(_TOKEN.findall(" ".join(output))) for output in outputs]
    over = sum(1 for c in counts if c > MAX_POINT_WORDS)
    return sum(counts) / max(1, len(counts)), over / max(1, len(counts))


def cold_run(method: Method, articles: Sequence[Article]) -> float:
    """Seconds for one pass of ``method`` over ``articles`` with a cold lemma cache.

    The garbage left by what ran before (the ROUGE tables, the other methods) is
    collected first, untimed: a full collection of this process's heap takes about 0.2 s,
    a third of a digest pass, and would otherwise fall on whichever run happens to
    trigger it.
    """
    gc.collect()
    clear_lemma_cache()
    start = time.perf_counter()
    for article in articles:
        method(article)
    return time.perf_counter() - start


def breakdown(articles: Sequence[Article], rounds: int) -> dict[str, float]:
    """CPU seconds (process time, so other jobs on the machine count less) of one cold
    pass of the learned key point, step by step: splitting, sentence features (lemmas
    included), scoring and choosing; the median of ``rounds`` passes for each step.
    """
    model = learned_model()
    steps: dict[str, list[float]] = {"split": [], "features": [], "score and choose": []}
    if model is None:
        return {}
    for _ in range(rounds):
        gc.collect()
        clear_lemma_cache()
        clock = time.process_time
        started = clock()
        split = [split_paragraphs(a.text, LANGUAGE) for a in articles]
        steps["split"].append(clock() - started)
        started = clock()
        documents = [
            document_features(a.title, p, LANGUAGE, model.words)
            for a, p in zip(articles, split, strict=True)
        ]
        steps["features"].append(clock() - started)
        started = clock()
        for document in documents:
            choose(document, model.scores(document), 2, model.selection, LANGUAGE)
        steps["score and choose"].append(clock() - started)
    return {name: statistics.median(times) for name, times in steps.items()}


def speed(
    methods: Sequence[tuple[str, Method]], articles: Sequence[Article], rounds: int
) -> list[tuple[str, float, list[float]]]:
    """Each method's median seconds and its per-round ratio to the first method's speed.

    Interleaved: every round runs each method once, back to back, so that a round's ratio
    compares runs made under the same load.
    """
    times: dict[str, list[float]] = {name: [] for name, _ in methods}
    for _ in range(rounds):
        for name, method in methods:
            times[name].append(cold_run(method, articles))
    baseline = times[methods[0][0]]
    return [
        (name, statistics.median(t), [b / s for b, s in zip(baseline, t, strict=True)])
        for name, t in times.items()
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Score every method and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="JSON lines to score")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="interleaved timing rounds")
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 1
    if learned_model() is None:
        print(f"no learned model: {model_problem()}", file=sys.stderr)
    articles = load(args.corpus)
    sentences = sum(len(a.sentences) for a in articles)
    print(f"{len(articles)} articles, {sentences:,} sentences; key point modules: {rank.STATE}")
    methods: list[tuple[str, Method]] = [
        ("LEAD-1", lead(1)),
        ("LEAD-2", lead(2)),
        ("digest key point, 1", ours(1)),
        (f"digest key point, 2 ≤{MAX_POINT_WORDS}w", ours(2)),
        ("hand-set ranking, 1", ours(1, DEFAULT_WEIGHTS)),
        (f"hand-set ranking, 2 ≤{MAX_POINT_WORDS}w", ours(2, DEFAULT_WEIGHTS)),
        ("sumy LexRank, 1", lexrank(1)),
        ("sumy LexRank, 2", lexrank(2)),
        ("oracle, best 1 or 2", oracle),
    ]
    header = f"{'method':<26} {'R1':>5} {'R2':>5} {'RL':>5} {'words':>6} {'>60w':>5}"
    print(f"\nROUGE F1 (%) against the abstracts; words per key point (\\w+)\n{header}")
    print("-" * len(header))
    for name, method in methods:
        outputs = [method(article) for article in articles]
        scores, (mean, over) = evaluate(outputs, articles), words(outputs)
        print(
            f"{name:<26} {scores.r1:>5.1%} {scores.r2:>5.1%} {scores.rl:>5.1%}".replace("%", "")
            + f" {mean:>6.1f} {over:>5.1%}"
        )
    timed = speed(
        [
            ("sumy LexRank, 2", lexrank(2)),
            ("digest key point, 2", ours(2)),
            ("hand-set ranking, 2", ours(2, DEFAULT_WEIGHTS)),
        ],
        articles,
        args.rounds,
    )
    print(
        f"\nSpeed from raw text (split, cold lemma cache, rank, choose): {args.rounds} "
        "interleaved rounds, median"
    )
    for name, seconds, ratios in timed:
        each = ", ".join(f"{r:.1f}x" for r in ratios)
        print(
            f"{name:<22} {sentences / seconds:>9,.0f} sentences/s  vs LexRank: median "
            f"{statistics.median(ratios):.1f}x ({each})"
        )
    steps = breakdown(articles, args.rounds)
    if steps:
        each = ", ".join(f"{name} {seconds:.3f} s" for name, seconds in steps.items())
        print(f"CPU of a cold pass of the digest key point, 2 (median): {each}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
