"""ROUGE as the key point model is fitted and measured: lower-case Unicode ``\\w+`` tokens, no
stemming, clipped n-gram counts, the longest common subsequence over the whole token
sequence (F1, 0 to 1).

Written here rather than taken from ``rouge-score``: that package tokenises on ASCII
letters only (it drops every accented French and Dutch word) and its stemmer is English.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """ROUGE tokens: lower-case ``\\w+`` runs."""
    return _TOKEN.findall(text.lower())


def _f1(overlap: int, candidate: int, reference: int) -> float:
    if not overlap:
        return 0.0
    precision, recall = overlap / candidate, overlap / reference
    return 2 * precision * recall / (precision + recall)


def _grams(words: Sequence[str], n: int) -> Counter[Any]:
    return Counter(words if n == 1 else itertools.pairwise(words))


def _overlap(ours: Counter[Any], theirs: Counter[Any]) -> int:
    return sum(min(count, theirs[gram]) for gram, count in ours.items() if gram in theirs)


def rouge_n(candidate: Sequence[str], reference: Sequence[str], n: int) -> float:
    """ROUGE-N F1 (n 1 or 2) of two token sequences (0 to 1)."""
    ours, theirs = _grams(candidate, n), _grams(reference, n)
    return _f1(_overlap(ours, theirs), max(0, len(candidate) - n + 1), len(reference) - n + 1)


def rouge_l(candidate: Sequence[str], reference: Sequence[str]) -> float:
    """ROUGE-L F1: the longest common subsequence of two token sequences."""
    previous = [0] * (len(reference) + 1)
    for word in candidate:
        current = [0]
        for j, other in enumerate(reference):
            current.append(previous[j] + 1 if word == other else max(previous[j + 1], current[j]))
        previous = current
    return _f1(previous[-1], len(candidate), len(reference))


def rouge12(candidate: Sequence[str], reference: Sequence[str]) -> float:
    """The mean of ROUGE-1 and ROUGE-2 F1 of two token sequences (0 to 1): the target."""
    return (rouge_n(candidate, reference, 1) + rouge_n(candidate, reference, 2)) / 2
