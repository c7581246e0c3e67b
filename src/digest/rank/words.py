"""How likely each of a document's lemmas is to be in a journalist's summary of it.

A small logistic model over each lemma of the document (:data:`WORD_FEATURES`: where it
first appears, in how many sentences, whether the title has it, and, for the language the
model was fitted in, how often the lemma made it into the training articles' summaries:
the *lexicon*, a smoothed rate per lemma). A lemma the lexicon does not hold, or any lemma
of another language, gets the corpus's mean rate, so that the rest of the model, made of
features every language has, still applies.

The sentence features :data:`SENTENCE_WORTH` and the candidate features of
:func:`union_worth` sum these probabilities: what a sentence, or a pair together (each
lemma counted once), is expected to share with the summary. ROUGE-1 counts each shared
word, so a pair that repeats itself is worth less than its two sentences.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Each lemma's features, in the order of :attr:`WordModel.weights`.
WORD_FEATURES: tuple[str, ...] = (
    "first_prior",  # 1 / (1 + index of the first sentence holding it)
    "first_late",  # that index / (sentences - 1)
    "spread",  # share of the sentences holding it
    "count",  # sentences holding it, up to 6, / 6
    "once",  # in one sentence only
    "twice",  # in two
    "often",  # in four or more
    "in_title",
    "in_first",  # first seen in the first sentence
    "in_second",  # first seen in the second
    "in_first_three",
    "after_fifth",  # first seen after the fifth sentence
    "title_first",  # in_title * first_prior
    "title_count",  # in_title * count
    "digit",  # holds a digit
    "length",  # characters, up to 12, / 12
    "log_count",  # log(1 + sentences holding it) / 3
    "lexicon",  # the lexicon's rate (the mean rate for a lemma it lacks)
    "lexicon_logit",  # its log-odds / 5
)
#: Features that grow the earlier a lemma first appears, and that grow the later: where
#: the news-writing prior holds (the general model, :mod:`digest.rank.train`), the first
#: weigh at least 0 ("in_first" at least as much as "in_second"), the second at most 0, so
#: that of two lemmas alike in all else, the one met earlier is never worth less.
EARLIER: frozenset[str] = frozenset(
    {"first_prior", "in_first", "in_second", "in_first_three", "title_first"}
)
LATER: frozenset[str] = frozenset({"first_late", "after_fifth"})
#: What the model adds to each sentence's features (see :mod:`digest.rank.features`).
SENTENCE_WORTH: tuple[str, ...] = ("worth", "worth_density")
#: A summary's content lemmas, about (OrangeSum's abstracts: 14 on average).
SUMMARY_LEMMAS = 14.0
#: The lexicon's rate for a lemma it does not hold: the share of an article's lemmas found
#: in its summary, over the training corpus.
MEAN_RATE = 0.08


@dataclass(frozen=True)
class WordModel:
    """A logistic model of a lemma being in the summary (:data:`WORD_FEATURES`)."""

    weights: tuple[float, ...]
    intercept: float
    #: The language of :attr:`lexicon`.
    language: str = ""
    #: Lemma -> rate at which the lemma, when in an article, was in its summary.
    lexicon: Mapping[str, float] = field(default_factory=dict)
    #: What each lemma of the lexicon adds to its logit by itself (its digits, length and
    #: rate), computed once (:meth:`prepared`) rather than for every article holding it.
    #: Derived, so not compared.
    known: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled through the constructor: compiled with mypyc, a frozen dataclass
        # cannot be unpickled field by field (FrozenInstanceError).
        return (WordModel, (self.weights, self.intercept, self.language, self.lexicon, self.known))

    def prepared(self) -> WordModel:
        """This model with :attr:`known` computed for every lemma of its lexicon."""
        weights = self.weights
        w_digit, w_length, w_rate, w_rate_logit = (
            weights[WORD_FEATURES.index(name)]
            for name in ("digit", "length", "lexicon", "lexicon_logit")
        )
        known = {
            lemma: _lemma_term(lemma, rate, w_digit, w_length, w_rate, w_rate_logit)
            for lemma, rate in self.lexicon.items()
        }
        return WordModel(self.weights, self.intercept, self.language, self.lexicon, known)

    def worth(
        self, bags: Sequence[Collection[str]], title: frozenset[str], language: str
    ) -> dict[str, float]:
        """The probability of each lemma of ``bags`` (a document's sentences' lemmas)
        being in the summary: the logistic of the weighed :func:`word_rows`.
        """
        # The dot product with word_rows' features written out (a test compares them):
        # most features are 0 or 1, and a row of 19 floats per lemma costs more than the
        # sums here.
        (
            w_prior, w_late, w_spread, w_count, w_once, w_twice, w_often, w_title,
            w_first, w_second, w_first_three, w_after_fifth, w_title_first, w_title_count,
            w_digit, w_length, w_log_count, w_rate, w_rate_logit,
        ) = self.weights  # fmt: skip
        own = language == self.language
        lexicon: Mapping[str, float] = self.lexicon if own else {}
        # A dict, not a Mapping: compiled (mypyc), a dict lookup is a direct call.
        known: dict[str, float] = self.known if own else {}
        first, seen = _first_and_seen(bags)
        count = len(bags)
        late = max(1, count - 1)
        out: dict[str, float] = {}
        for lemma, sentences in seen.items():
            at = first[lemma]
            prior = 1 / (1 + at)
            capped = (sentences if sentences < 6 else 6) / 6
            logit = (
                self.intercept
                + w_prior * prior
                + w_late * (at / late)
                + w_spread * (sentences / count)
                + w_count * capped
                + w_log_count * _log_count(sentences)
            )
            if sentences == 1:
                logit += w_once
            elif sentences == 2:
                logit += w_twice
            elif sentences >= 4:
                logit += w_often
            if at == 0:
                logit += w_first + w_first_three
            elif at == 1:
                logit += w_second + w_first_three
            elif at == 2:
                logit += w_first_three
            elif at >= 5:
                logit += w_after_fifth
            if lemma in title:
                logit += w_title + w_title_first * prior + w_title_count * capped
            term = known.get(lemma)
            if term is None:
                rate = lexicon.get(lemma, MEAN_RATE)
                term = _lemma_term(lemma, rate, w_digit, w_length, w_rate, w_rate_logit)
            logit += term
            out[lemma] = 1.0 / (1.0 + math.exp(-logit)) if logit > -700.0 else 0.0
        return out


def _lemma_term(
    lemma: str, rate: float, w_digit: float, w_length: float, w_rate: float, w_rate_logit: float
) -> float:
    """What ``lemma`` (in the lexicon at ``rate``) adds to its logit by itself."""
    term = w_length * ((len(lemma) if len(lemma) < 12 else 12) / 12)
    term += w_rate * rate + w_rate_logit * (math.log(rate / (1 - rate)) / 5)
    if not lemma.isalpha() and _has_digit(lemma):
        term += w_digit
    return term


def _first_and_seen(bags: Sequence[Collection[str]]) -> tuple[dict[str, int], dict[str, int]]:
    """Each lemma's first sentence, and the number of sentences holding it."""
    first: dict[str, int] = {}
    seen: dict[str, int] = {}
    for index, bag in enumerate(bags):
        for lemma in bag:
            if lemma in seen:
                seen[lemma] += 1
            else:
                seen[lemma] = 1
                first[lemma] = index
    return first, seen


def _has_digit(lemma: str) -> bool:
    # A loop, not any() over a generator: compiled (mypyc), a generator is an object.
    for character in lemma:  # noqa: SIM110
        if character.isdigit():
            return True
    return False


def _log_count(sentences: int) -> float:
    return _LOG_COUNTS[sentences] if sentences < len(_LOG_COUNTS) else math.log(1 + sentences) / 3


_LOG_COUNTS = [math.log(1 + n) / 3 for n in range(64)]


def word_rows(
    bags: Sequence[Collection[str]], title: frozenset[str], lexicon: Mapping[str, float]
) -> dict[str, tuple[float, ...]]:
    """Each lemma of ``bags`` with its :data:`WORD_FEATURES`, in order of appearance."""
    count = len(bags)
    first, seen = _first_and_seen(bags)
    late = max(1, count - 1)
    rows: dict[str, tuple[float, ...]] = {}
    for lemma, sentences in seen.items():
        at = first[lemma]
        prior = 1 / (1 + at)
        capped = (sentences if sentences < 6 else 6) / 6
        in_title = 1.0 if lemma in title else 0.0
        rate = lexicon.get(lemma, MEAN_RATE)
        rows[lemma] = (
            prior,
            at / late,
            sentences / count,
            capped,
            1.0 if sentences == 1 else 0.0,
            1.0 if sentences == 2 else 0.0,
            1.0 if sentences >= 4 else 0.0,
            in_title,
            1.0 if at == 0 else 0.0,
            1.0 if at == 1 else 0.0,
            1.0 if at <= 2 else 0.0,
            1.0 if at >= 5 else 0.0,
            in_title * prior,
            in_title * capped,
            1.0 if _has_digit(lemma) else 0.0,
            (len(lemma) if len(lemma) < 12 else 12) / 12,
            _log_count(sentences),
            rate,
            math.log(rate / (1 - rate)) / 5,
        )
    return rows


def sentence_worth(
    bag: Collection[str], words: int, worth: Mapping[str, float]
) -> tuple[float, float]:
    """A sentence's :data:`SENTENCE_WORTH`: its lemmas' summed probability / 10, and per
    ``\\w+`` word.
    """
    total = mass(bag, worth)
    return total / 10, total / words if words else 0.0


def union_worth(
    bags: Sequence[frozenset[str]], worth: Mapping[str, float], words: int
) -> tuple[float, float, float]:
    """What one or two sentences (``bags``: their lemmas; ``words``: their ``\\w+`` words)
    together are expected to share with the summary, each lemma counted once: the summed
    probability / 10, the same per word, and the F1 it would make against a summary of
    :data:`SUMMARY_LEMMAS` lemmas.
    """
    lemmas = bags[0] if len(bags) == 1 else bags[0] | bags[1]
    total = mass(lemmas, worth)
    return total / 10, total / words if words else 0.0, 2 * total / (SUMMARY_LEMMAS + len(lemmas))


def mass(lemmas: Collection[str], worth: Mapping[str, float]) -> float:
    """The summed worth of ``lemmas`` (each of them a lemma of ``worth``)."""
    # A float loop: sum() of floats is typed as possibly an int, which compiled code
    # (mypyc) then checks for.
    total = 0.0
    for lemma in lemmas:
        total += worth[lemma]
    return total
