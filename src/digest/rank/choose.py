"""Choosing the one or two key point sentences together, within the word budgets.

Words are counted as ``\\w+`` tokens, the way ROUGE counts them ("l'État" is two). A
sentence over :data:`MAX_SENTENCE_WORDS` is trimmed at a clause boundary or left out.
A pair is worth its two scores, minus what they repeat of each other, plus the share of
the title they cover together; it is taken over the best single sentence only when it is
worth :attr:`~digest.rank.model.Selection.pair_margin` more.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from digest.rank.features import Document
from digest.rank.model import Selection

#: A key point sentence longer than this (in words) is trimmed or not chosen.
MAX_SENTENCE_WORDS = 40
#: The sentences of one key point together stay within this many words.
MAX_POINT_WORDS = 60
#: Fewest words a trimmed sentence may keep.
MIN_TRIMMED_WORDS = 12
#: Shorter sentences (captions, datelines, "Explications.") are never key points.
MIN_SENTENCE_WORDS = 4
#: Pairs are sought among this many best-scored sentences.
POOL = 8

_WORD = re.compile(r"\w+")
_CLAUSE_BREAK = re.compile(r"(?:[,;:]|\s[–—-])\s")


def count_words(text: str) -> int:
    """Number of ``\\w+`` tokens in ``text``."""
    return len(_WORD.findall(text))


def trim_to_clause(text: str, limit: int = MAX_SENTENCE_WORDS) -> str | None:
    """``text`` cut at its last clause boundary (comma, semicolon, colon, dash) that leaves at
    most ``limit`` words, ending with an ellipsis; None when no boundary fits.
    """
    best = None
    for match in _CLAUSE_BREAK.finditer(text):
        head = text[: match.start()].rstrip()
        words = count_words(head)
        if words > limit:
            break
        if words >= MIN_TRIMMED_WORDS:
            best = head
    return f"{best} …" if best else None


@dataclass(frozen=True)
class Pick:
    """A chosen sentence: its position, its text (perhaps trimmed) and its score."""

    index: int
    text: str
    score: float
    words: int


def candidates(document: Document, scores: Sequence[float], pool: int = POOL) -> list[Pick]:
    """The best-scored sentences that fit the sentence budget (trimmed if need be), best
    first; ties go to the earlier sentence.
    """
    picks: list[Pick] = []
    for index in sorted(range(len(scores)), key=lambda i: (-scores[i], i)):
        text, words = document.sentences[index], document.words[index]
        if words > MAX_SENTENCE_WORDS:
            trimmed = trim_to_clause(text)
            if trimmed is None:
                continue
            text, words = trimmed, count_words(trimmed)
        if words < MIN_SENTENCE_WORDS:
            continue
        picks.append(Pick(index, text, scores[index], words))
        if len(picks) == pool:
            break
    return picks


def choose(
    document: Document, scores: Sequence[float], limit: int, selection: Selection
) -> list[Pick]:
    """The best single sentence or (``limit`` 2) pair, in document order."""
    pool = candidates(document, scores)
    if not pool:
        return []
    title = document.title

    def coverage(bag: frozenset[str]) -> float:
        return len(title & bag) / len(title) if title else 0.0

    best: tuple[Pick, ...] = ()
    best_value = float("-inf")
    for pick in pool:
        value = pick.score + selection.title * coverage(document.bags[pick.index])
        if value > best_value:
            best, best_value = (pick,), value
    if limit >= 2:
        for a, b in itertools.combinations(pool, 2):
            if a.words + b.words > MAX_POINT_WORDS:
                continue
            bag_a, bag_b = document.bags[a.index], document.bags[b.index]
            union = bag_a | bag_b
            overlap = len(bag_a & bag_b) / len(union) if union else 0.0
            value = (
                a.score
                + b.score
                - selection.redundancy * overlap
                + selection.title * coverage(union)
                - selection.pair_margin
            )
            if value > best_value:
                best, best_value = (a, b), value
    return sorted(best, key=lambda p: p.index)
