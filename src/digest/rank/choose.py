"""Choosing the one or two key point sentences together, within the word budgets.

Words are counted as ``\\w+`` tokens, the way ROUGE counts them ("l'État" is two). A
sentence over :data:`MAX_SENTENCE_WORDS` is trimmed at a clause boundary or left out.
Among the :data:`POOL` best-scored sentences that fit, each single sentence and each pair
within :data:`MAX_POINT_WORDS` is a candidate (:func:`candidate_rows`), valued by the
candidate model (:class:`~digest.rank.model.Selection`) from the two scores, what the
sentences repeat of each other, the share of the title they cover together, their length,
where they stand and the sum of their sentence features; the best candidate is the key
point.
"""

from __future__ import annotations

import bisect
import itertools
import operator
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
    # Where each word ends: the words before a break are those ending before it (a break
    # starts with punctuation or a space, so no word straddles it).
    ends = [match.end() for match in _WORD.finditer(text)]
    for match in _CLAUSE_BREAK.finditer(text):
        words = bisect.bisect_right(ends, match.start())
        if words > limit:
            break
        if words >= MIN_TRIMMED_WORDS:
            best = text[: match.start()].rstrip()
    return f"{best} …" if best else None


@dataclass(frozen=True)
class Pick:
    """A chosen sentence: its position, its text (perhaps trimmed) and its score."""

    index: int
    text: str
    score: float
    words: int
    #: Whether the text was cut at a clause boundary.
    trimmed: bool = False


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
        picks.append(Pick(index, text, scores[index], words, text is not document.sentences[index]))
        if len(picks) == pool:
            break
    return picks


def candidate_rows(
    document: Document, pool: Sequence[Pick], limit: int = 2
) -> list[tuple[tuple[Pick, ...], tuple[float, ...]]]:
    """Each single sentence of ``pool`` (as :func:`candidates` gives, best first) and, for
    ``limit`` 2, each pair within :data:`MAX_POINT_WORDS`, in document order, with its
    :data:`~digest.rank.model.CANDIDATE_FEATURES`: the pair's own features, then the sum
    of its sentences' :data:`~digest.rank.features.FEATURES`, then where its sentences
    stand (the later one in the text, the better and the worse in ``pool``) and its lower
    score.
    """
    if not pool:
        return []
    title, bags, rows = document.title, document.bags, document.rows
    share = 1 / len(title) if title else 0.0
    covered = {p.index: title & bags[p.index] for p in pool}
    out: list[tuple[tuple[Pick, ...], tuple[float, ...]]] = []
    for rank, pick in enumerate(pool):
        index, words = pick.index, pick.words / MAX_POINT_WORDS
        prior, place = 1 / (1 + index), 1 / (1 + rank)
        own = (
            pick.score,
            0.0,
            0.0,
            0.0,
            len(covered[index]) * share,
            words,
            words * words,
            min(pick.words, 30) / 30,
            prior,
            float(index == 0),
            float(index <= 1),
            0.0,
            float(pick.trimmed),
            float(rank == 0),
            0.0,
        )
        out.append(((pick,), (*own, *rows[index], prior, place, place, pick.score)))
    if limit < 2:
        return out
    for (rank_a, a), (rank_b, b) in itertools.combinations(enumerate(pool), 2):
        if a.words + b.words > MAX_POINT_WORDS:
            continue
        bag_a, bag_b = bags[a.index], bags[b.index]
        union = len(bag_a | bag_b)
        first, second = (a, b) if a.index < b.index else (b, a)
        words = (a.words + b.words) / MAX_POINT_WORDS
        own = (
            a.score,
            b.score,
            1.0,
            len(bag_a & bag_b) / union if union else 0.0,
            len(covered[a.index] | covered[b.index]) * share,
            words,
            words * words,
            min(a.words + b.words, 30) / 30,
            1 / (1 + first.index),
            float(first.index == 0),
            float(first.index <= 1),
            float(second.index == first.index + 1),
            float(a.trimmed or b.trimmed),
            float(rank_a == 0),
            float(rank_a == 0 and rank_b == 1),
        )
        summed = map(operator.add, rows[a.index], rows[b.index])
        where = (1 / (1 + second.index), 1 / (1 + rank_a), 1 / (1 + rank_b), b.score)
        out.append(((first, second), (*own, *summed, *where)))
    return out


def choose(
    document: Document, scores: Sequence[float], limit: int, selection: Selection
) -> list[Pick]:
    """The best single sentence or (``limit`` 2) pair by ``selection``, in document order;
    ties go to the candidate met first (better-scored sentences first).
    """
    weights = selection.weights_for(limit)
    best: tuple[Pick, ...] = ()
    best_value = float("-inf")
    for picks, row in candidate_rows(document, candidates(document, scores), limit):
        value = sum(map(operator.mul, weights, row))
        if value > best_value:
            best, best_value = picks, value
    return list(best)
