"""Choosing the one or two key point sentences together, within the word budgets.

Words are counted as ``\\w+`` tokens, the way ROUGE counts them ("l'État" is two). A
sentence over :data:`LEARNED_SENTENCE_WORDS` is trimmed at a clause boundary or left out.
Among the :data:`POOL` best-scored sentences that fit, each single sentence and each pair
within :data:`MAX_POINT_WORDS` is a candidate (:func:`candidate_rows`), valued by the
candidate model (:class:`~digest.rank.model.Selection`) from the two scores, what the
sentences repeat of each other, the share of the title they cover together, their length,
where they stand and the sum of their sentence features; the best candidate is the key
point.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from digest.rank.anaphora import points_back
from digest.rank.features import FEATURES, Document
from digest.rank.model import CANDIDATE_FEATURES, Selection
from digest.rank.words import SUMMARY_LEMMAS, mass, union_worth

#: A key point sentence longer than this (in words) is trimmed or not chosen by the
#: hand-set ranking (:func:`digest.summarise.select`); also :func:`trim_to_clause`'s default.
MAX_SENTENCE_WORDS = 40
#: The sentences of one key point together stay within this many words.
MAX_POINT_WORDS = 60
#: A sentence longer than this (in words) is trimmed or not chosen by the learned chooser:
#: one sentence may fill the key point's budget. Trimming at 40 words, as the hand-set
#: ranking does, cost the one-sentence key point 0.6 R1 and the two-sentence one 0.1 on a
#: dev slice of the training set (a cut sentence loses words the abstract shares, and its
#: " …" ending; the candidate model weighs the length anyway).
LEARNED_SENTENCE_WORDS = MAX_POINT_WORDS
#: Fewest words a trimmed sentence may keep.
MIN_TRIMMED_WORDS = 12
#: Shorter sentences (captions, datelines, "Explications.") are never key points.
MIN_SENTENCE_WORDS = 4
#: Pairs are sought among this many best-scored sentences.
POOL = 8

#: Candidates whose estimated value (see :func:`choose`) is this far, relative to the
#: scale of their terms, below the best estimate are not valued exactly: float rounding
#: is 1e5 times smaller.
_MARGIN = 1e-9
# How many own features a candidate has before its sentences' summed features.
_OWN = CANDIDATE_FEATURES.index(f"sum_{FEATURES[0]}")

_WORD = re.compile(r"\w+")
_NO_WORTH = (0.0, 0.0, 0.0)
_CLAUSE_BREAK = re.compile(r"(?:[,;:]|\s[–—-])\s")


def count_words(text: str) -> int:
    """Number of ``\\w+`` tokens in ``text``."""
    return len(_WORD.findall(text))


def trim_to_clause(text: str, limit: int = MAX_SENTENCE_WORDS) -> str | None:
    """``text`` cut at its last clause boundary (comma, semicolon, colon, dash) that leaves at
    most ``limit`` words, ending with an ellipsis; None when no boundary fits.
    """
    trimmed = _trim(text, limit)
    return trimmed[0] if trimmed else None


def _trim(text: str, limit: int) -> tuple[str, int] | None:
    """:func:`trim_to_clause` and the number of words it keeps."""
    best = None
    words = kept = start = 0
    for stop in _clause_breaks(text):
        # The words between two breaks (a break starts with punctuation or a space, so no
        # word straddles one).
        words += _count_words(text[start:stop])
        start = stop
        if words > limit:
            break
        if words >= MIN_TRIMMED_WORDS:
            best, kept = text[:stop].rstrip(), words
    return (f"{best} …", kept) if best else None


def _clause_breaks(text: str) -> list[int]:
    """Where ``_CLAUSE_BREAK.finditer(text)`` finds its matches, found quicker: each mark
    by ``str.find`` (a regex scan tries both alternatives at every character), then the
    white space checked around it, overlapping matches left out as ``finditer`` does.
    """
    found: list[tuple[int, int]] = []  # (start, end) of each match, unordered
    for mark in ",;:":
        at = text.find(mark)
        while at >= 0:
            if text[at + 1 : at + 2].isspace():
                found.append((at, at + 2))
            at = text.find(mark, at + 1)
    for mark in "–—-":
        at = text.find(mark, 1)
        while at >= 0:
            if text[at - 1].isspace() and text[at + 1 : at + 2].isspace():
                found.append((at - 1, at + 2))
            at = text.find(mark, at + 1)
    found.sort()
    starts: list[int] = []
    end = 0
    for at, stop in found:
        if at >= end:
            starts.append(at)
            end = stop
    return starts


def _count_words(text: str) -> int:
    """``len(_WORD.findall(text))``, counted quicker: most words stand between spaces, and
    an alphanumeric chunk is exactly one ``\\w+`` run.
    """
    count = 0
    for chunk in text.split():
        count += 1 if chunk.isalnum() else len(_WORD.findall(chunk))
    return count


@dataclass(frozen=True)
class Pick:
    """A chosen sentence: its position, its text (perhaps trimmed) and its score."""

    index: int
    text: str
    score: float
    words: int
    #: Whether the text was cut at a clause boundary.
    trimmed: bool = False

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled through the constructor: compiled with mypyc, a frozen dataclass
        # cannot be unpickled field by field (FrozenInstanceError).
        return (Pick, (self.index, self.text, self.score, self.words, self.trimmed))


def candidates(document: Document, scores: Sequence[float], pool: int = POOL) -> list[Pick]:
    """The best-scored sentences that fit the sentence budget (trimmed if need be), best
    first; ties go to the earlier sentence.
    """
    picks: list[Pick] = []
    # A stable sort, reversed: equal scores stay in document order.
    for index in sorted(range(len(scores)), key=scores.__getitem__, reverse=True):
        text, words = document.sentences[index], document.words[index]
        trimmed = False
        if words > LEARNED_SENTENCE_WORDS:
            cut = _trim(text, LEARNED_SENTENCE_WORDS)
            if cut is None:
                continue
            (text, words), trimmed = cut, True
        if words < MIN_SENTENCE_WORDS:
            continue
        picks.append(Pick(index, text, scores[index], words, trimmed))
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
    rows = document.rows
    return [
        (picks, (*own, *_summed(rows, indices), *where, *_worth(document, picks)))
        for picks, own, indices, where in _parts(document, pool, limit)
    ]


def _worth(document: Document, picks: tuple[Pick, ...]) -> tuple[float, float, float]:
    """The candidate's :func:`~digest.rank.words.union_worth` (0 without a word model)."""
    if not document.worth:
        return _NO_WORTH
    bags = [document.bags[p.index] for p in picks]
    return union_worth(bags, document.worth, sum(p.words for p in picks))


# A candidate in parts: its sentences (in document order), its own features, the
# sentences whose features it sums, where it stands; see candidate_rows.
_Parts = tuple[tuple[Pick, ...], tuple[float, ...], tuple[int, ...], tuple[float, ...]]


def _summed(rows: Sequence[tuple[float, ...]], indices: tuple[int, ...]) -> tuple[float, ...]:
    """The sum of the feature rows of the sentences at ``indices`` (one or two)."""
    if len(indices) == 1:
        return rows[indices[0]]
    return tuple(map(operator.add, rows[indices[0]], rows[indices[1]]))


def _parts(document: Document, pool: Sequence[Pick], limit: int) -> list[_Parts]:
    """The candidates of :func:`candidate_rows`, in its order, in parts."""
    if not pool:
        return []
    share, covered = _coverage(document, pool)
    out = [_single(pick, rank, covered, share) for rank, pick in enumerate(pool)]
    if limit < 2:
        return out
    bags = document.bags
    for (rank_a, a), (rank_b, b) in itertools.combinations(enumerate(pool), 2):
        if a.words + b.words <= MAX_POINT_WORDS:
            out.append(_pair(a, b, rank_a, rank_b, bags, covered, share))
    return out


def _coverage(document: Document, pool: Sequence[Pick]) -> tuple[float, list[frozenset[str]]]:
    """What one title lemma is worth, and the title lemmas each sentence of ``pool``
    holds (in pool order).
    """
    title, bags = document.title, document.bags
    return (1 / len(title) if title else 0.0), [title & bags[p.index] for p in pool]


def _single(pick: Pick, rank: int, covered: Sequence[frozenset[str]], share: float) -> _Parts:
    """A single sentence of the pool (``rank``: its place in it) in parts."""
    index, words = pick.index, pick.words / MAX_POINT_WORDS
    prior, place = 1 / (1 + index), 1 / (1 + rank)
    own = (
        pick.score,
        0.0,
        0.0,
        0.0,
        len(covered[rank]) * share,
        words,
        words * words,
        min(pick.words, 30) / 30,
        prior,
        0.0,
        float(pick.trimmed),
        float(rank == 0),
        0.0,
    )
    return ((pick,), own, (index,), (prior, place, place, pick.score))


def _pair(
    a: Pick,
    b: Pick,
    rank_a: int,
    rank_b: int,
    bags: Sequence[frozenset[str]],
    covered: Sequence[frozenset[str]],
    share: float,
) -> _Parts:
    """The pair of ``a`` and ``b`` (the better-scored first, ``rank_a`` < ``rank_b``:
    their places in the pool) in parts.
    """
    bag_a, bag_b = bags[a.index], bags[b.index]
    # Sizes of unions from those of intersections: one set fewer to build.
    common = len(bag_a & bag_b)
    union = len(bag_a) + len(bag_b) - common
    cover_a, cover_b = covered[rank_a], covered[rank_b]
    first, second = (a, b) if a.index < b.index else (b, a)
    words = (a.words + b.words) / MAX_POINT_WORDS
    own = (
        a.score,
        b.score,
        1.0,
        common / union if union else 0.0,
        (len(cover_a) + len(cover_b) - len(cover_a & cover_b)) * share,
        words,
        words * words,
        min(a.words + b.words, 30) / 30,
        1 / (1 + first.index),
        float(second.index == first.index + 1),
        float(a.trimmed or b.trimmed),
        float(rank_a == 0),
        float(rank_a == 0 and rank_b == 1),
    )
    where = (1 / (1 + second.index), 1 / (1 + rank_a), 1 / (1 + rank_b), b.score)
    return (first, second), own, (a.index, b.index), where


@functools.lru_cache(maxsize=8)
def _length_terms(w_words: float, w_squared: float, w_short: float, most: int) -> list[float]:
    """The length terms of a candidate's value (weighed) for each number of words up to
    ``most``, computed once per set of weights.
    """
    return [
        w_words * (words / MAX_POINT_WORDS)
        + w_squared * (words / MAX_POINT_WORDS) ** 2
        + w_short * min(words, 30) / 30
        for words in range(most + 1)
    ]


def _estimates(
    document: Document,
    pool: Sequence[Pick],
    limit: int,
    weights: Sequence[float],
    covered: Sequence[frozenset[str]],
    share: float,
) -> list[tuple[float, int, int]]:
    """Each candidate of :func:`_parts`, in its order, as its estimated value and the
    places in ``pool`` of its sentences (-1 for the second of a single sentence).

    The estimate is the dot product of the candidate's row with ``weights``, its terms
    grouped otherwise: what depends on one sentence alone is weighed once per sentence
    (its summed features, its score, its place), so that a pair costs a few additions.
    It differs from the row's value by float rounding only.
    """
    rows, bags = document.rows, document.bags
    (
        w_best, w_other, w_pair, w_overlap, w_cover, w_words, w_squared, w_short,
        w_lead, w_adjacent, w_trimmed, w_top, w_runner_up,
    ) = weights[:_OWN]  # fmt: skip
    w_later, w_rank_best, w_rank_worst, w_worst, w_worth, w_density, w_f1 = weights[
        _OWN + len(FEATURES) :
    ]
    summed = weights[_OWN : _OWN + len(FEATURES)]
    weighed = [sum(map(operator.mul, summed, rows[p.index])) for p in pool]
    # The length terms of a candidate of so many words, and what one title lemma covered
    # is worth.
    most = max(MAX_POINT_WORDS, *(p.words for p in pool))  # MAX_POINT_WORDS: picks fit
    length = _length_terms(w_words, w_squared, w_short, most)
    cover = w_cover * share
    # Where a sentence stands, weighed: as the earlier sentence of a candidate, and as
    # the later one.
    earlier = [w_lead / (1 + p.index) for p in pool]
    later = [w_later / (1 + p.index) for p in pool]
    # What each sentence's lemmas are worth (union_worth's terms, weighed).
    worth = document.worth
    masses = [mass(bags[p.index], worth) if worth else 0.0 for p in pool]
    out = []
    for rank, pick in enumerate(pool):
        estimate = (
            (w_best + w_worst) * pick.score
            + cover * len(covered[rank])
            + length[pick.words]
            + earlier[rank]
            + later[rank]
            + w_trimmed * pick.trimmed
            + w_top * (rank == 0)
            + weighed[rank]
            + (w_rank_best + w_rank_worst) / (1 + rank)
            + _worth_terms(
                masses[rank], pick.words, len(bags[pick.index]), w_worth, w_density, w_f1
            )
        )
        out.append((estimate, rank, -1))
    if limit < 2:
        return out
    # What a sentence brings as the better-scored of a pair (with the pair's own weight,
    # and the top one's), and as the worse one.
    better = [
        w_best * p.score + weighed[rank] + w_rank_best / (1 + rank) + w_pair + w_top * (rank == 0)
        for rank, p in enumerate(pool)
    ]
    worse = [
        (w_other + w_worst) * p.score + weighed[rank] + w_rank_worst / (1 + rank)
        for rank, p in enumerate(pool)
    ]
    indices = [p.index for p in pool]
    sizes = [p.words for p in pool]
    pool_bags = [bags[index] for index in indices]
    for rank_a, (index_a, words_a, bag_a, cover_a) in enumerate(
        zip(indices, sizes, pool_bags, covered, strict=True)
    ):
        trimmed_a, better_a = pool[rank_a].trimmed, better[rank_a]
        for rank_b in range(rank_a + 1, len(pool)):
            together = words_a + sizes[rank_b]
            if together > MAX_POINT_WORDS:
                continue
            bag_b, cover_b, index_b = pool_bags[rank_b], covered[rank_b], indices[rank_b]
            shared = bag_a & bag_b
            common = len(shared)
            union = len(bag_a) + len(bag_b) - common
            together_mass = masses[rank_a] + masses[rank_b]
            if worth and shared:
                together_mass -= mass(shared, worth)
            if index_a < index_b:
                place = earlier[rank_a] + later[rank_b] + w_adjacent * (index_b == index_a + 1)
            else:
                place = earlier[rank_b] + later[rank_a] + w_adjacent * (index_a == index_b + 1)
            estimate = (
                better_a
                + worse[rank_b]
                + (w_overlap * common / union if union else 0.0)
                + cover * (len(cover_a) + len(cover_b) - len(cover_a & cover_b))
                + length[together]
                + place
                + (w_trimmed if trimmed_a or pool[rank_b].trimmed else 0.0)
                + (w_runner_up if rank_a == 0 and rank_b == 1 else 0.0)
                + _worth_terms(together_mass, together, union, w_worth, w_density, w_f1)
            )
            out.append((estimate, rank_a, rank_b))
    return out


def _standing(
    estimates: list[tuple[float, int, int]], pool: Sequence[Pick], dangling: Collection[int]
) -> list[tuple[float, int, int]]:
    """The ``estimates`` whose candidate does not open with a ``dangling`` sentence, or all
    of them when every one does.
    """
    kept = []
    for estimate in estimates:
        _, rank_a, rank_b = estimate
        first = pool[rank_a].index
        if rank_b >= 0 and pool[rank_b].index < first:
            first = pool[rank_b].index
        if first not in dangling:
            kept.append(estimate)
    return kept or estimates


def _worth_terms(
    total: float, words: int, lemmas: int, w_worth: float, w_density: float, w_f1: float
) -> float:
    """The weighed :func:`~digest.rank.words.union_worth` of a candidate whose lemmas
    (``lemmas`` of them) are worth ``total`` together.
    """
    if not total:
        return 0.0
    density = total / words if words else 0.0
    return (
        w_worth * (total / 10)
        + w_density * density
        + w_f1 * (2 * total / (SUMMARY_LEMMAS + lemmas))
    )


def choose(
    document: Document,
    scores: Sequence[float],
    limit: int,
    selection: Selection,
    language: str = "",
) -> list[Pick]:
    """The best single sentence or (``limit`` 2) pair by ``selection``, in document order;
    ties go to the candidate met first (better-scored sentences first). A candidate whose
    first sentence points back to the one before it (in ``language``:
    :func:`digest.rank.anaphora.points_back`) is chosen only when no other fits.

    The same choice as valuing each row of :func:`candidate_rows` (the dot product with
    the weights, summed left to right) and keeping the first best, for less: each
    candidate is first valued by an estimate (:func:`_estimates`: the same terms grouped
    sentence by sentence), which differs from the row's value by float rounding only,
    and only the candidates within :data:`_MARGIN` of the best estimate are valued
    exactly.
    """
    weights = selection.weights_for(limit)
    pool = candidates(document, scores)
    if not pool:
        return []
    share, covered = _coverage(document, pool)
    estimates = _estimates(document, pool, limit, weights, covered, share)
    # Only the pool's sentences can open a candidate, so only they are looked at.
    sentences = document.sentences
    dangling = {p.index for p in pool if p.index and points_back(sentences[p.index], language)}
    if dangling:
        estimates = _standing(estimates, pool, dangling)
    # Every feature lies in [0, 1] (a sum of two in [0, 2]) but the scores, so the terms
    # of a value add up to at most ``scale`` in magnitude; the rounding of 50 float
    # additions and products is below 1e-14 times that, far within the margin.
    scale = sum(map(abs, weights)) * max(2.0, max(abs(p.score) for p in pool))
    floor = max(estimate for estimate, _, _ in estimates) - _MARGIN * (1.0 + scale)
    rows, bags = document.rows, document.bags
    best: tuple[Pick, ...] = ()
    best_value = float("-inf")
    for estimate, rank_a, rank_b in estimates:
        if estimate < floor:
            continue
        if rank_b < 0:
            picks, own, indices, where = _single(pool[rank_a], rank_a, covered, share)
        else:
            picks, own, indices, where = _pair(
                pool[rank_a], pool[rank_b], rank_a, rank_b, bags, covered, share
            )
        row = (*own, *_summed(rows, indices), *where, *_worth(document, picks))
        value = sum(map(operator.mul, weights, row))
        if value > best_value:
            best, best_value = picks, value
    return list(best)
