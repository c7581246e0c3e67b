"""Same story, several items: translations, near-duplicates, the same event in other languages.

Items are joined (union-find) when any of these holds, and only between items
published at most :data:`WINDOW` apart (except explicit ``translation_of``):

1. ``translation_of`` names the other item;
2. they have the same link (two sources, each with its own item), or their
   links differ only by a language segment (``/fr/`` and ``/nl/``, ``-fr``);
3. near-duplicate text: MinHash over word 3-shingles, candidates from LSH (so
   the cost stays near-linear), confirmed by the estimated Jaccard similarity;
4. other languages, same event: they share at least three rare "anchors" (numbers
   and proper names), and the anchors they share, weighted by rarity among the items
   at hand, make up most of the smaller item's. Candidates come from an inverted
   index of rare anchors;
5. one language, two sources, same event told in their own words: they share a rare
   anchor and their texts are close (cosine of lemma TF-IDF vectors over the items at
   hand). Items of one source are never joined this way: a source's follow-up on a
   story it told is a new story.

Only which pairs are joined matters, not the order they are found in: the groups are the
connected components, each named by its smallest id. Rules 4 and 5 decide all the
candidate pairs at once (numpy arrays; one sparse matrix product for the cosines), with
the decisions of comparing the pairs one by one (see :class:`_Vectors`).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, lru_cache
from math import log
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from digest.model import Item
from digest.rank.text import lemmas

# numpy, scipy and datasketch (which imports scipy: about a second) are imported where
# they are used, not here: every command imports this module (through the builds and the
# items' parts), and most runs cluster nothing.
if TYPE_CHECKING:
    from typing import TypeAlias

    import numpy as np
    import numpy.typing as npt

    _Ints: TypeAlias = npt.NDArray[np.int64]
    _Bools: TypeAlias = npt.NDArray[np.bool_]
    _Floats: TypeAlias = npt.NDArray[np.float64]

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
_LANGUAGE_SEGMENT = re.compile(r"(?<=[/_.-])(fr|nl|en|de)(?=[/_.-]|$)")
_WORD = re.compile(r"\w+")
# A number: digits with decimal or thousands marks ("5.000", "3,5", "1,000.5"), or groups
# of three digits after a space or a (narrow) no-break space ("14 000"); a comma or a space
# followed by anything else ends it ("en 2026, 14 millions" is two numbers).
_ANCHOR = re.compile(r"\b([A-ZÀ-Ý][\w’'-]+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)*)")


@dataclass(frozen=True)
class Traits:
    """What clustering needs of one item alone, computed once and kept with it
    (:mod:`digest.parts`): its MinHash signature and its anchors."""

    #: The MinHash values of its word 3-shingles (:data:`PERMUTATIONS` of them).
    signature: tuple[int, ...]
    anchors: frozenset[str]


#: MinHash permutations of a signature.
PERMUTATIONS = 64


def traits(items: Sequence[Item]) -> list[Traits]:
    """The :class:`Traits` of each of ``items``."""
    from datasketch import MinHash

    hashes = MinHash.bulk([_shingles(item) for item in items], num_perm=PERMUTATIONS)
    return [
        Traits(tuple(int(v) for v in h.hashvalues), frozenset(anchors(item)))
        for h, item in zip(hashes, items, strict=True)
    ]


def story_groups(
    items: Sequence[Item], known: Mapping[str, Traits] | None = None
) -> list[list[Item]]:
    """Items grouped into stories; groups in order of their earliest item, items by date.

    ``known``: the :class:`Traits` of some items by id, computed beforehand (the same
    groups as without them).
    """
    ordered = sorted(items, key=lambda i: (i.published, i.id))
    known = known or {}
    missing = [item for item in ordered if item.id not in known]
    found = {**known, **{i.id: t for i, t in zip(missing, traits(missing), strict=True)}}
    each = [found[item.id] for item in ordered]
    joined = _UnionFind(item.id for item in ordered)
    by_id = {item.id: item for item in ordered}
    for item in ordered:
        if item.translation_of in by_id:
            joined.join(item.id, item.translation_of)
    for a, b in _url_variants(ordered):
        joined.join(a.id, b.id)
    for a, b in _near_duplicates(ordered, each):
        joined.join(a.id, b.id)
    for a, b in _same_event(ordered, each):
        joined.join(a.id, b.id)
    groups: dict[str, list[Item]] = {}
    for item in ordered:
        groups.setdefault(joined.root(item.id), []).append(item)
    return list(groups.values())


def _close(a: Item, b: Item) -> bool:
    return abs(a.published - b.published) <= WINDOW


def _url_variants(items: Sequence[Item]) -> Iterable[tuple[Item, Item]]:
    buckets: dict[str, list[Item]] = defaultdict(list)
    same: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.url:
            parts = urlsplit(item.url)
            same[item.url].append(item)
            path = _LANGUAGE_SEGMENT.sub("*", parts.path)
            if path != parts.path:
                buckets[f"{parts.netloc}{path}?{parts.query}"].append(item)
    for bucket in same.values():
        # One link read from several sources, once each: each item joined to the next (in
        # date order), which joins them all without comparing every pair. A link a source
        # gives several of its items (its home page) names no one article.
        sources = Counter(item.source_id for item in bucket)
        if len(sources) > 1 and max(sources.values()) == 1:
            for a, b in itertools.pairwise(bucket):
                if _close(a, b):
                    yield a, b
    for bucket in buckets.values():
        for i, a in enumerate(bucket):
            for b in bucket[i + 1 :]:
                if a.language != b.language and _close(a, b):
                    yield a, b


def _shingles(item: Item) -> set[bytes]:
    words = _WORD.findall(f"{item.title} {item.text}".casefold())
    return {" ".join(words[i : i + 3]).encode() for i in range(max(1, len(words) - 2))}


def _near_duplicates(items: Sequence[Item], each: Sequence[Traits]) -> Iterable[tuple[Item, Item]]:
    """Close pairs with signatures equal in a band of datasketch's LSH index (what its
    query finds) and an estimated Jaccard similarity (as ``MinHash.jaccard``, the share
    of equal values) of at least :data:`NEAR_DUPLICATE`; all items at once."""
    if len(items) < 2:
        return
    import numpy as np

    signatures = np.array([t.signature for t in each], dtype=np.uint64)
    groups = []
    for start, end in _bands():
        _, band = np.unique(signatures[:, start:end], axis=0, return_inverse=True)
        order = np.argsort(band.ravel(), kind="stable")
        bounds = np.flatnonzero(np.diff(band.ravel()[order])) + 1
        groups += [g for g in np.split(order, bounds) if len(g) > 1]
    first, second, _ = _candidates(groups, len(items))
    keep = _close_pairs(items, first, second)
    first, second = first[keep], second[keep]
    for low in range(0, len(first), _BLOCK_PAIRS):
        a, b = first[low : low + _BLOCK_PAIRS], second[low : low + _BLOCK_PAIRS]
        equal = np.count_nonzero(signatures[a] == signatures[b], axis=1)
        similar = equal / float(PERMUTATIONS) >= NEAR_DUPLICATE
        for i, j in zip(a[similar].tolist(), b[similar].tolist(), strict=True):
            yield items[i], items[j]


#: Pairs whose signatures are compared at once (a block of 16 MiB).
_BLOCK_PAIRS = 1 << 15


@cache
def _bands() -> list[tuple[int, int]]:
    """The ranges of signature values datasketch's LSH index for :data:`NEAR_DUPLICATE`
    hashes as bands (its optimal parameters for the threshold)."""
    from datasketch import MinHashLSH

    index = MinHashLSH(threshold=NEAR_DUPLICATE, num_perm=PERMUTATIONS)
    return [(int(start), int(end)) for start, end in index.hashranges]


def anchors(item: Item) -> set[str]:
    """Numbers and proper names of an item, folded (no accents, lower case, no separators).

    A capitalised word counts as a name when it occurs somewhere other than at the
    start of a sentence and never in lower case in the item.
    """
    lower_words = set(_WORD.findall(f"{item.title} {item.text}"))
    numbers: set[str] = set()
    names: set[str] = set()
    mid_sentence: set[str] = set()
    for text in (item.title, item.text):
        for match in _ANCHOR.finditer(text):
            token = match.group(1)
            if token[0].isdigit():
                digits = re.sub(r"[.,\s]", "", token)
                if len(digits) >= 2:
                    numbers.add(digits)
                continue
            token = _POSSESSIVE.sub("", token)
            if token.lower() in lower_words:
                continue
            names.add(token)
            before = text[: match.start()].rstrip(" \"'«“(")
            if before and before[-1] not in ".!?:\n":
                mid_sentence.add(token)
    return numbers | {_fold(name) for name in names & mid_sentence}


_POSSESSIVE = re.compile(r"['’]s$")


def _fold(token: str) -> str:
    decomposed = unicodedata.normalize("NFKD", token.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _same_event(items: Sequence[Item], each: Sequence[Traits]) -> Iterable[tuple[Item, Item]]:
    import numpy as np

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
        return
    close = _close_pairs(items, first, second)
    language = np.unique([i.language for i in items], return_inverse=True)[1]
    source = np.unique([i.source_id for i in items], return_inverse=True)[1]
    one_language = language[first] == language[second]
    told = close & one_language & (source[first] != source[second])
    if told.any():
        # Vectors only then: most periods have no candidate pair in one language.
        a, b = first[told], second[told]
        similar = _Vectors(items).at_least(a, b, SAME_EVENT_TEXT)
        for i, j in zip(a[similar].tolist(), b[similar].tolist(), strict=True):
            yield items[i], items[j]
    named = close & ~one_language & (rare_shared >= MIN_SHARED_ANCHORS)
    # Summed over each set once (the same terms in the same order at every pair).
    totals = [sum(weight[s] for s in found) for found in sets]
    for i, j in zip(first[named].tolist(), second[named].tolist(), strict=True):
        shared = sets[i] & sets[j]
        # Overlap with the smaller item: a short summary of an event shares most of its
        # names with a long report of it, not most of the report's.
        smaller = min(totals[i], totals[j])
        if sum(weight[s] for s in shared) / smaller >= SAME_EVENT:
            yield items[i], items[j]


def _candidates(lists: Iterable[Collection[int]], count: int) -> tuple[_Ints, _Ints, _Ints]:
    """The pairs ``(i, j)``, ``i < j``, of positions found together in at least one of
    ``lists`` (each in increasing order), sorted: the ``i``, the ``j`` and the number of
    lists holding both."""
    import numpy as np

    keys = [np.zeros(0, dtype=np.int64)]
    for ids in lists:
        if len(ids) > 1:
            positions = np.array(ids, dtype=np.int64)
            upper, lower = _triangle(len(ids))
            keys.append(positions[upper] * count + positions[lower])
    pairs, found = np.unique(np.concatenate(keys), return_counts=True)
    return pairs // count, pairs % count, found.astype(np.int64)


@lru_cache(maxsize=256)
def _triangle(size: int) -> tuple[_Ints, _Ints]:
    """The row and column numbers of the cells above the diagonal of a square."""
    import numpy as np

    upper, lower = np.triu_indices(size, 1)
    return upper, lower


def _close_pairs(items: Sequence[Item], first: _Ints, second: _Ints) -> _Bools:
    """:func:`_close` of each pair, on whole microseconds (no rounding)."""
    import numpy as np

    tick = timedelta(microseconds=1)
    origin = items[0].published
    stamps = np.array([(item.published - origin) // tick for item in items], dtype=np.int64)
    close: _Bools = np.abs(stamps[first] - stamps[second]) <= WINDOW // tick
    return close


#: Most cells of the dense block of cosines computed at once (32 MiB of floats).
_BLOCK_CELLS = 1 << 22
#: Cosines this close to a threshold are computed again one word at a time.
_DOUBT = 1e-9


class _Vectors:
    """Unit lemma TF-IDF vectors of the items (document frequencies over them all), the
    rows of a sparse matrix, its columns the words in order. Each value is the one of a
    loop over the items: the same factors; a norm is Python's ``sum`` of the squares in
    the order the words were first found.

    :meth:`at_least` decides pairs by sparse matrix products as :meth:`cosine` (the sum
    word by word, in word order) does: a product may add or round a pair's terms
    otherwise, which moves a cosine of unit vectors by far less than 1e-12; pairs within
    :data:`_DOUBT` of the threshold are decided by :meth:`cosine`.
    """

    def __init__(self, items: Sequence[Item]) -> None:
        import numpy as np
        from scipy.sparse import csr_array

        bags = [Counter(lemmas(f"{item.title} {item.text}", item.language)) for item in items]
        frequency = Counter(word for bag in bags for word in bag)
        count = len(bags)
        words = sorted(frequency)
        column = {word: n for n, word in enumerate(words)}
        idf = np.array([log(1 + count / frequency[w]) for w in words], dtype=np.float64)
        columns = np.array([column[w] for bag in bags for w in bag], dtype=np.int64)
        counts, where = np.unique(
            np.array([tf for bag in bags for tf in bag.values()], dtype=np.int64),
            return_inverse=True,
        )
        scale = np.array([1 + log(tf) for tf in counts.tolist()], dtype=np.float64)
        values = scale[where] * idf[columns]
        ends = np.cumsum([len(bag) for bag in bags], dtype=np.int64)
        squares = (values * values).tolist()
        starts = [0, *ends.tolist()]
        norms = [sum(squares[s:e]) ** 0.5 or 1.0 for s, e in itertools.pairwise(starts)]
        values /= np.repeat(np.array(norms, dtype=np.float64), np.diff(starts))
        shape = (count, len(words))
        self._matrix = csr_array((values, columns, np.array(starts, dtype=np.int64)), shape=shape)
        self._matrix.sort_indices()

    def cosine(self, i: int, j: int) -> float:
        """The cosine of items ``i`` and ``j``, summed one word at a time in word order."""
        small, large = sorted((self._row(i), self._row(j)), key=len)
        return sum(value * large.get(word, 0.0) for word, value in small.items())

    def _row(self, i: int) -> dict[int, float]:
        """Row ``i`` as {column: value}, in column (word) order."""
        start, end = self._matrix.indptr[i : i + 2].tolist()
        columns, values = self._matrix.indices[start:end], self._matrix.data[start:end]
        return dict(zip(columns.tolist(), values.tolist(), strict=True))

    def cosines(self, first: _Ints, second: _Ints, *, cells: int = _BLOCK_CELLS) -> _Floats:
        """The cosine of each pair ``(first[k], second[k])`` by sparse matrix products
        (``first`` in increasing order), in blocks of rows of ``cells`` cosines at most."""
        import numpy as np

        matrix = self._matrix
        transposed = matrix.T.tocsr()
        rows = matrix.shape[0]
        found = np.zeros(len(first), dtype=np.float64)
        block = max(1, cells // max(1, rows))
        for start in range(0, rows, block):
            low, high = np.searchsorted(first, [start, start + block])
            if low < high:
                product = (matrix[start : start + block] @ transposed).toarray()
                found[low:high] = product[first[low:high] - start, second[low:high]]
        return found

    def at_least(
        self, first: _Ints, second: _Ints, threshold: float, *, cells: int = _BLOCK_CELLS
    ) -> _Bools:
        """Whether the cosine of each pair ``(first[k], second[k])`` is at least
        ``threshold``, as :meth:`cosine` decides (``first`` in increasing order)."""
        import numpy as np

        found = self.cosines(first, second, cells=cells)
        for k in np.flatnonzero(np.abs(found - threshold) <= _DOUBT).tolist():
            found[k] = self.cosine(int(first[k]), int(second[k]))
        at_least: _Bools = found >= threshold
        return at_least


class _UnionFind:
    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {i: i for i in ids}

    def root(self, item_id: str) -> str:
        while self.parent[item_id] != item_id:
            self.parent[item_id] = self.parent[self.parent[item_id]]
            item_id = self.parent[item_id]
        return item_id

    def join(self, a: str, b: str) -> None:
        ra, rb = self.root(a), self.root(b)
        if ra != rb:
            # The smaller id stays root: the grouping does not depend on the order of joins.
            self.parent[max(ra, rb)] = min(ra, rb)
