"""Clustering's rules 3 to 5 for all the items at hand at once: near-duplicate texts
(MinHash signatures, the bands of datasketch's LSH index) and the same event told twice
(shared rare anchors; in one language, close lemma vectors). See :mod:`digest.cluster`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import timedelta
from functools import lru_cache
from math import log
from typing import TYPE_CHECKING

from digest.cluster.signature import PERMUTATIONS, Traits
from digest.model import Item

# numpy and scipy are imported where they are used: most runs cluster nothing.
if TYPE_CHECKING:
    from typing import TypeAlias

    import numpy as np
    import numpy.typing as npt

    _Ints: TypeAlias = npt.NDArray[np.int64]
    _Bools: TypeAlias = npt.NDArray[np.bool_]

#: Items further apart than this are never the same story (translations excepted).
WINDOW = timedelta(days=3)
#: Estimated Jaccard similarity of shingles above which two texts are near-duplicates.
NEAR_DUPLICATE = 0.6
#: Weighted share of the smaller item's anchors that another item in another language must
#: share to be the same event.
SAME_EVENT = 0.5
#: Fewest rare anchors two items must share to be one story across languages.
MIN_SHARED_ANCHORS = 3
#: An anchor found in this many items or fewer is always rare enough to join stories.
RARE_AT_LEAST = 4
#: Cosine similarity of two texts in one language (lemma TF-IDF) above which two sources
#: sharing a rare anchor tell the same event. Measured on the sample's autumn 2025: the
#: same event told by two sources scored 0.34-0.36, the closest different events 0.15.
SAME_EVENT_TEXT = 0.25
#: Pairs whose signatures are compared at once (a block of 16 MiB).
_BLOCK_PAIRS = 1 << 15


def close(a: Item, b: Item) -> bool:
    """Whether ``a`` and ``b`` were published at most :data:`WINDOW` apart."""
    return abs(a.published - b.published) <= WINDOW


def near_duplicates(items: Sequence[Item], each: Sequence[Traits]) -> Iterable[tuple[Item, Item]]:
    """Close pairs with signatures equal in a band of datasketch's LSH index (what its
    query finds) and an estimated Jaccard similarity (as ``MinHash.jaccard``, the share
    of equal values) of at least :data:`NEAR_DUPLICATE`; all items at once."""
    first, second = near_duplicate_positions(items, each)
    for i, j in zip(first.tolist(), second.tolist(), strict=True):
        yield items[i], items[j]


def near_duplicate_positions(items: Sequence[Item], each: Sequence[Traits]) -> tuple[_Ints, _Ints]:
    """The pairs of :func:`near_duplicates` as the positions of their items."""
    import numpy as np

    if len(items) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)

    signatures = np.array([t.signature for t in each], dtype=np.uint64)
    groups = []
    for start, end in bands():
        # Each item's values in the band as one string of bytes: equal bytes, equal values.
        band = np.ascontiguousarray(signatures[:, start:end])
        rows = band.view(np.dtype((np.void, band.itemsize * (end - start)))).ravel()
        # Stable: the items of each group in increasing order.
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        bounds = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
        starts = np.concatenate(([0], bounds))
        ends = np.concatenate((bounds, [len(order)]))
        groups += [
            order[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True) if e - s > 1
        ]
    first, second, _ = _candidates(groups, len(items))
    keep = _close_pairs(items, first, second)
    first, second = first[keep], second[keep]
    similar = np.zeros(len(first), dtype=np.bool_)
    for low in range(0, len(first), _BLOCK_PAIRS):
        a, b = first[low : low + _BLOCK_PAIRS], second[low : low + _BLOCK_PAIRS]
        equal = np.count_nonzero(signatures[a] == signatures[b], axis=1)
        similar[low : low + _BLOCK_PAIRS] = equal / float(PERMUTATIONS) >= NEAR_DUPLICATE
    return first[similar], second[similar]


def bands() -> list[tuple[int, int]]:
    """The ranges of signature values datasketch's LSH index for :data:`NEAR_DUPLICATE`
    hashes as bands (its optimal parameters for the threshold and :data:`PERMUTATIONS`:
    10 bands of 6 values), written here so that an edition whose items' traits are stored
    imports no datasketch (and scipy.integrate); tests check them against the index's."""
    rows = 6
    return [(start, start + rows) for start in range(0, 10 * rows, rows)]


def same_event(items: Sequence[Item], each: Sequence[Traits]) -> Iterable[tuple[Item, Item]]:
    """Close pairs that share rare anchors and, in one language and from two sources,
    whose lemma vectors are close; in two languages, whose shared anchors weigh most of
    the smaller item's."""
    first, second = same_event_positions(items, each)
    for i, j in zip(first.tolist(), second.tolist(), strict=True):
        yield items[i], items[j]


def same_event_positions(items: Sequence[Item], each: Sequence[Traits]) -> tuple[_Ints, _Ints]:
    """The pairs of :func:`same_event` as the positions of their items."""
    import numpy as np

    from digest.cluster.vectors import Vectors

    sets = [set(t.anchors) for t in each]
    frequency = Counter(a for found in sets for a in found)
    count = len(items)
    weight = {a: log(1 + count / n) for a, n in frequency.items()}
    # Only anchors found in few items index candidates: common ones ("Benelux") say little.
    # "Few" must leave room for one story told in three or four versions, even when the
    # items at hand are only a week's handful.
    rare_limit = max(RARE_AT_LEAST, count // 10)
    index: dict[str, list[int]] = defaultdict(list)
    for position, found in enumerate(sets):
        for anchor in found:
            if frequency[anchor] <= rare_limit:
                index[anchor].append(position)
    first, second, rare_shared = _candidates(index.values(), count)
    if not len(first):
        return first, second
    firsts, seconds = [first[:0]], [second[:0]]
    near = _close_pairs(items, first, second)
    language = np.unique([i.language for i in items], return_inverse=True)[1]
    source = np.unique([i.source_id for i in items], return_inverse=True)[1]
    one_language = language[first] == language[second]
    told = near & one_language & (source[first] != source[second])
    if told.any():
        # Vectors only then: most periods have no candidate pair in one language.
        a, b = first[told], second[told]
        # Products within each language only: no pair of two languages is asked for.
        similar = Vectors(each).at_least(a, b, SAME_EVENT_TEXT, groups=language)
        firsts.append(a[similar])
        seconds.append(b[similar])
    named = near & ~one_language & (rare_shared >= MIN_SHARED_ANCHORS)
    # Summed over each set once (the same terms in the same order at every pair).
    totals = [sum(weight[s] for s in found) for found in sets]
    joined = []
    for i, j in zip(first[named].tolist(), second[named].tolist(), strict=True):
        shared = sets[i] & sets[j]
        # Overlap with the smaller item: a short summary of an event shares most of its
        # names with a long report of it, not most of the report's.
        smaller = min(totals[i], totals[j])
        joined.append(sum(weight[s] for s in shared) / smaller >= SAME_EVENT)
    also = np.array(joined, dtype=np.bool_)
    firsts.append(first[named][also])
    seconds.append(second[named][also])
    return np.concatenate(firsts), np.concatenate(seconds)


def _candidates(lists: Iterable[Collection[int]], count: int) -> tuple[_Ints, _Ints, _Ints]:
    """The pairs ``(i, j)``, ``i < j``, of positions found together in at least one of
    ``lists`` (each in increasing order), sorted: the ``i``, the ``j`` and the number of
    lists holding both."""
    import numpy as np

    # The lists of each length as the rows of one array: their pairs made at once.
    by_length: dict[int, list[Collection[int]]] = defaultdict(list)
    for ids in lists:
        if len(ids) > 1:
            by_length[len(ids)].append(ids)
    keys = [np.zeros(0, dtype=np.int64)]
    for length, some in by_length.items():
        positions = np.array(some, dtype=np.int64)
        upper, lower = _triangle(length)
        keys.append((positions[:, upper] * count + positions[:, lower]).ravel())
    pairs, found = np.unique(np.concatenate(keys), return_counts=True)
    return pairs // count, pairs % count, found.astype(np.int64)


@lru_cache(maxsize=256)
def _triangle(size: int) -> tuple[_Ints, _Ints]:
    """The row and column numbers of the cells above the diagonal of a square."""
    import numpy as np

    upper, lower = np.triu_indices(size, 1)
    return upper, lower


def _close_pairs(items: Sequence[Item], first: _Ints, second: _Ints) -> _Bools:
    """:func:`close` of each pair, on whole microseconds (no rounding)."""
    import numpy as np

    tick = timedelta(microseconds=1)
    origin = items[0].published
    stamps = np.array([(item.published - origin) // tick for item in items], dtype=np.int64)
    near: _Bools = np.abs(stamps[first] - stamps[second]) <= WINDOW // tick
    return near
