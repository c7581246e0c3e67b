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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from math import log
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from digest.model import Item
from digest.rank.text import lemmas

# numpy, scipy and datasketch (which imports scipy: about a second) are imported where
# they are used, not here: every command imports this module (through the builds and the
# items' parts), and most runs cluster nothing.
if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

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


@cache
def _scheme() -> Any:
    """How the signatures' values are made (datasketch's default for a new MinHash)."""
    from datasketch import MinHash

    return MinHash(num_perm=1).scheme


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
    if len(items) < 2:
        return
    import numpy as np
    from datasketch import LeanMinHash, MinHashLSH

    lsh = MinHashLSH(threshold=NEAR_DUPLICATE, num_perm=PERMUTATIONS)
    hashes = [
        LeanMinHash(seed=1, hashvalues=np.array(t.signature, dtype=np.uint64), scheme=_scheme())
        for t in each
    ]
    for index, signature in enumerate(hashes):
        lsh.insert(index, signature)
    for index, signature in enumerate(hashes):
        for other in sorted(lsh.query(signature)):
            if other <= index:
                continue
            a, b = items[index], items[other]
            if _close(a, b) and signature.jaccard(hashes[other]) >= NEAR_DUPLICATE:
                yield a, b


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
    language, source = _codes(i.language for i in items), _codes(i.source_id for i in items)
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


def _candidates(
    lists: Iterable[list[int]], count: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The pairs ``(i, j)``, ``i < j``, of positions found together in at least one of
    ``lists`` (each in increasing order), sorted: the ``i``, the ``j`` and the number of
    lists holding both."""
    import numpy as np

    keys = [np.zeros(0, dtype=np.int64)]
    for ids in lists:
        if len(ids) > 1:
            positions = np.array(ids, dtype=np.int64)
            upper, lower = np.triu_indices(len(ids), 1)
            keys.append(positions[upper] * count + positions[lower])
    pairs, found = np.unique(np.concatenate(keys), return_counts=True)
    return pairs // count, pairs % count, found.astype(np.int64)


def _close_pairs(
    items: Sequence[Item], first: npt.NDArray[np.int64], second: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    """:func:`_close` of each pair, on whole microseconds (no rounding)."""
    import numpy as np

    tick = timedelta(microseconds=1)
    origin = items[0].published
    stamps = np.array([(item.published - origin) // tick for item in items], dtype=np.int64)
    close: npt.NDArray[np.bool_] = np.abs(stamps[first] - stamps[second]) <= WINDOW // tick
    return close


def _codes(values: Iterable[str]) -> npt.NDArray[np.int64]:
    """A number for each value, the same for equal values."""
    import numpy as np

    numbers: dict[str, int] = {}
    return np.array([numbers.setdefault(v, len(numbers)) for v in values], dtype=np.int64)


#: Most cells of the dense block of cosines computed at once (32 MiB of floats).
_BLOCK_CELLS = 1 << 22
#: Cosines this close to a threshold are computed again one word at a time.
_DOUBT = 1e-9


class _Vectors:
    """Unit lemma TF-IDF vectors of the items; document frequencies over all the items
    at hand.

    :meth:`at_least` decides many pairs at once with a sparse matrix product, exactly as
    :meth:`cosine` (the sum one word at a time, in word order) decides each: a product
    may add the terms of a pair in another order or round them otherwise, which moves
    a cosine of unit vectors by far less than 1e-12, so the pairs within :data:`_DOUBT`
    of the threshold are decided by :meth:`cosine`.
    """

    def __init__(self, items: Sequence[Item]) -> None:
        bags = [Counter(lemmas(f"{item.title} {item.text}", item.language)) for item in items]
        frequency = Counter(word for bag in bags for word in bag)
        count = len(bags)
        # Each logarithm once: the same factors, so the same products, as at each use.
        idf = {w: log(1 + count / n) for w, n in frequency.items()}
        scale = {tf: 1 + log(tf) for tf in {tf for bag in bags for tf in bag.values()}}
        self._rows: list[dict[str, float]] = []
        for bag in bags:
            vector = {w: scale[tf] * idf[w] for w, tf in bag.items()}
            norm = sum(v * v for v in vector.values()) ** 0.5 or 1.0
            self._rows.append({w: v / norm for w, v in sorted(vector.items())})
        self._vocabulary = {word: n for n, word in enumerate(sorted(frequency))}

    def cosine(self, i: int, j: int) -> float:
        """The cosine of items ``i`` and ``j``, summed one word at a time."""
        small, large = sorted((self._rows[i], self._rows[j]), key=len)
        return sum(value * large.get(word, 0.0) for word, value in small.items())

    def cosines(
        self,
        first: npt.NDArray[np.int64],
        second: npt.NDArray[np.int64],
        *,
        cells: int = _BLOCK_CELLS,
    ) -> npt.NDArray[np.float64]:
        """The cosine of each pair ``(first[k], second[k])`` by sparse matrix products
        (``first`` in increasing order), in blocks of rows of ``cells`` cosines at most."""
        import numpy as np

        matrix = self._matrix()
        transposed = matrix.T.tocsr()
        found = np.zeros(len(first), dtype=np.float64)
        block = max(1, cells // max(1, len(self._rows)))
        for start in range(0, len(self._rows), block):
            low, high = np.searchsorted(first, [start, start + block])
            if low < high:
                product = (matrix[start : start + block] @ transposed).toarray()
                found[low:high] = product[first[low:high] - start, second[low:high]]
        return found

    def at_least(
        self,
        first: npt.NDArray[np.int64],
        second: npt.NDArray[np.int64],
        threshold: float,
        *,
        cells: int = _BLOCK_CELLS,
    ) -> npt.NDArray[np.bool_]:
        """Whether the cosine of each pair ``(first[k], second[k])`` is at least
        ``threshold``, as :meth:`cosine` decides (``first`` in increasing order)."""
        import numpy as np

        found = self.cosines(first, second, cells=cells)
        for k in np.flatnonzero(np.abs(found - threshold) <= _DOUBT).tolist():
            found[k] = self.cosine(int(first[k]), int(second[k]))
        at_least: npt.NDArray[np.bool_] = found >= threshold
        return at_least

    def _matrix(self) -> Any:
        """The vectors as the rows of a sparse matrix; its columns in word order."""
        import numpy as np
        from scipy.sparse import csr_array  # type: ignore[import-untyped]

        words = self._vocabulary
        lengths = np.array([0] + [len(row) for row in self._rows], dtype=np.int64)
        columns = [words[w] for row in self._rows for w in row]
        values = [v for row in self._rows for v in row.values()]
        shape = (len(self._rows), len(words))
        return csr_array((np.array(values), np.array(columns), np.cumsum(lengths)), shape=shape)


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
