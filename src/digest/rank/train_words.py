"""Fitting the word model (:mod:`digest.rank.words`) for ``make train``: the training
articles (:class:`Example`), the lexicon of each lemma's rate of reaching the summary
(:class:`Lexicon`, each article's own left out of its features), the logistic regression
(:func:`fit_words`) and the sentence features it adds (:func:`with_worth`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from digest.rank.features import FEATURES, Document
from digest.rank.words import (
    EARLIER,
    LATER,
    MEAN_RATE,
    SENTENCE_WORTH,
    WORD_FEATURES,
    WordModel,
    sentence_worth,
    word_rows,
)

#: The training corpus's language (OrangeSum: French).
LANGUAGE = "fr"
#: Articles of the fit part (its first) the word model is fitted on.
WORD_ARTICLES = 6000
#: The lexicon's smoothing: a lemma's rate is pulled towards the mean rate as if it had
#: been seen in this many more articles.
LEXICON_PRIOR = 20.0
#: The lexicon holds lemmas seen in at least this many articles of the fit part.
LEXICON_SEEN = 3


@dataclass(frozen=True)
class Example:
    """One article: its features and its journalist's abstract."""

    document: Document
    abstract: str
    #: The abstract's content lemmas.
    summary: frozenset[str] = frozenset()


class Lexicon(Mapping[str, float]):
    """Each lemma's smoothed rate of being in the summary of an article holding it, from
    the counts of a set of articles; ``without``: leave one of them out (its summary's
    lemmas and its own), so that an article's features never see its own summary.
    """

    def __init__(
        self,
        counts: Mapping[str, tuple[int, int]],
        without: tuple[frozenset[str], frozenset[str]] | None = None,
    ) -> None:
        self.counts, self.without = counts, without

    def __getitem__(self, lemma: str) -> float:
        hits, seen = self.counts[lemma]
        if self.without is not None and lemma in self.without[1]:
            hits, seen = hits - (lemma in self.without[0]), seen - 1
        if seen < LEXICON_SEEN - (self.without is not None):
            raise KeyError(lemma)
        return round((hits + LEXICON_PRIOR * MEAN_RATE) / (seen + LEXICON_PRIOR), 4)

    def __iter__(self) -> Iterator[str]:
        return (lemma for lemma, (_, seen) in self.counts.items() if seen >= LEXICON_SEEN)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def lexicon_counts(examples: Sequence[Example]) -> dict[str, tuple[int, int]]:
    """Each lemma's (articles whose summary holds it, articles holding it)."""
    hits: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for example in examples:
        lemmas = frozenset().union(*example.document.bags)
        seen.update(lemmas)
        hits.update(lemmas & example.summary)
    return {lemma: (hits[lemma], count) for lemma, count in sorted(seen.items())}


def _own_lemmas(example: Example) -> tuple[frozenset[str], frozenset[str]]:
    return example.summary, frozenset().union(*example.document.bags)


def fit_words(
    examples: Sequence[Example], counts: Mapping[str, tuple[int, int]], monotone: bool = False
) -> WordModel:
    """The word model (logistic regression, lbfgs: deterministic), each article's lemmas
    against its summary's, the lexicon leaving the article out; ``monotone``: a lemma met
    earlier is never worth less (:func:`_wrong_way`).
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rows, targets = [], []
    for example in examples:
        lexicon = Lexicon(counts, _own_lemmas(example))
        document = example.document
        for lemma, row in word_rows(document.bags, document.title, lexicon).items():
            rows.append(row)
            targets.append(lemma in example.summary)
    matrix, target = np.array(rows), np.array(targets)
    kept = list(range(len(WORD_FEATURES)))
    while True:
        regression = LogisticRegression(C=1.0, max_iter=1000).fit(matrix[:, kept], target)
        fitted = dict(zip(kept, map(float, regression.coef_[0]), strict=True))
        wrong = _wrong_way(fitted) if monotone else set()
        if not wrong:
            break
        kept = [k for k in kept if k not in wrong]
    weights = tuple(round(fitted.get(k, 0.0), 6) for k in range(len(WORD_FEATURES)))
    return WordModel(weights, round(float(regression.intercept_[0]), 6), LANGUAGE, {})


def _wrong_way(weights: Mapping[int, float]) -> set[int]:
    """The features among ``weights`` (by place in :data:`WORD_FEATURES`) that make a
    lemma met later worth more (:data:`~digest.rank.words.EARLIER`,
    :data:`~digest.rank.words.LATER`), to be left out of the next fit (an active set: each
    round only removes features).
    """
    place = WORD_FEATURES.index
    wrong = {
        k
        for k, w in weights.items()
        if (w < 0 and WORD_FEATURES[k] in EARLIER) or (w > 0 and WORD_FEATURES[k] in LATER)
    }
    first, second = place("in_first"), place("in_second")
    if not wrong and weights.get(first, 0.0) < weights.get(second, 0.0):
        wrong.add(second)
    return wrong


def with_worth(example: Example, words: WordModel, leave_out: bool) -> Example:
    """``example`` with its sentences' :data:`~digest.rank.words.SENTENCE_WORTH` and its
    lemmas' worth (as :func:`document_features` gives with ``words``); ``leave_out``: the
    lexicon leaves the article out.
    """
    document = example.document
    if leave_out:
        assert isinstance(words.lexicon, Lexicon)
        words = WordModel(
            words.weights,
            words.intercept,
            words.language,
            Lexicon(words.lexicon.counts, _own_lemmas(example)),
        )
    worth = words.worth(document.bags, document.title, LANGUAGE)
    kept = len(FEATURES) - len(SENTENCE_WORTH)
    rows = tuple(
        (*row[:kept], *sentence_worth(bag, count, worth))
        for row, bag, count in zip(document.rows, document.bags, document.words, strict=True)
    )
    document = Document(
        document.sentences, rows, document.bags, document.words, document.title, worth
    )
    return Example(document, example.abstract, example.summary)
