"""Lemma TF-IDF vectors of the items at hand and their cosines (clustering's rule 5)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from math import log
from typing import TYPE_CHECKING, Any

from digest.cluster.signature import Traits

# numpy and scipy are imported where they are used: most periods make no vectors.
if TYPE_CHECKING:
    from typing import TypeAlias

    import numpy as np
    import numpy.typing as npt

    _Ints: TypeAlias = npt.NDArray[np.int64]
    _Bools: TypeAlias = npt.NDArray[np.bool_]
    _Floats: TypeAlias = npt.NDArray[np.float64]

#: Most cells of the dense block of cosines computed at once (32 MiB of floats).
_BLOCK_CELLS = 1 << 22
#: Fewest blocks of rows the products of pairs of a row and a later one are made in.
_UPPER_BLOCKS = 3
#: Cosines this close to a threshold are computed again one word at a time.
_DOUBT = 1e-9


class Vectors:
    """Unit lemma TF-IDF vectors of the items (document frequencies over them all), the
    rows of a sparse matrix, its columns the words in order. Each value is the one of a
    loop over the items: the same factors; a norm is Python's ``sum`` of the squares in
    the order the words were first found.

    The items' lemma counts are their :class:`Traits`' (``words`` and ``counts``, kept
    with the items' parts): nothing is lemmatised here.

    :meth:`at_least` decides pairs by sparse matrix products as :meth:`cosine` (the sum
    word by word, in word order) does: a product may add or round a pair's terms
    otherwise, which moves a cosine of unit vectors by far less than 1e-12; pairs within
    :data:`_DOUBT` of the threshold are decided by :meth:`cosine`.
    """

    def __init__(self, each: Sequence[Traits]) -> None:
        import numpy as np
        from scipy.sparse import csr_array

        # Each word once in an item's words: their count over all items is the number
        # of items holding each.
        every = list(itertools.chain.from_iterable(found.words for found in each))
        count = len(each)
        # The words in the order first found, then each one's column: its place in word
        # order (a dict of the distinct words, not a Counter of them all).
        found_first = list(dict.fromkeys(every))
        order = sorted(range(len(found_first)), key=found_first.__getitem__)
        place = np.empty(len(order), dtype=np.int64)
        place[order] = np.arange(len(order), dtype=np.int64)
        column = dict(zip(found_first, place.tolist(), strict=True))
        columns = np.fromiter(map(column.__getitem__, every), dtype=np.int64, count=len(every))
        held = np.bincount(columns, minlength=len(order))
        # Each factor worked out once per value it can take (a word is in 1 to ``count``
        # items; an item holds it a few times), by the same expression as per word.
        idf = _table(lambda n: log(1 + count / n), held)[held]
        counts = np.fromiter(
            itertools.chain.from_iterable(found.counts for found in each),
            dtype=np.int64,
            count=len(every),
        )
        values = _table(lambda tf: 1 + log(tf), counts)[counts] * idf[columns]
        ends = np.cumsum([len(found.words) for found in each], dtype=np.int64)
        squares = (values * values).tolist()
        starts = [0, *ends.tolist()]
        norms = [sum(squares[s:e]) ** 0.5 or 1.0 for s, e in itertools.pairwise(starts)]
        values /= np.repeat(np.array(norms, dtype=np.float64), np.diff(starts))
        shape = (count, len(order))
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

    def cosines(
        self,
        first: _Ints,
        second: _Ints,
        *,
        cells: int = _BLOCK_CELLS,
        groups: _Ints | None = None,
    ) -> _Floats:
        """The cosine of each pair ``(first[k], second[k])`` by sparse matrix products
        (``first`` in increasing order), in blocks of rows of ``cells`` cosines at most.

        ``groups``: a number for each item, the same for both items of every pair (their
        language): the products are made within each group only, a fraction of the cells.
        """
        import numpy as np

        found = np.zeros(len(first), dtype=np.float64)
        count = self._matrix.shape[0]
        if groups is None:
            groups = np.zeros(count, dtype=np.int64)
        if not np.array_equal(groups[first], groups[second]):
            raise ValueError("a pair of items of two groups")
        for group in np.unique(groups[first]).tolist():
            rows = np.flatnonzero(groups == group)
            chosen = np.flatnonzero(groups[first] == group)
            # Positions among the group's rows: in the same order as among all the rows.
            position = np.full(count, -1, dtype=np.int64)
            position[rows] = np.arange(len(rows), dtype=np.int64)
            matrix = self._matrix[rows] if len(rows) < count else self._matrix
            a, b = position[first[chosen]], position[second[chosen]]
            found[chosen] = _products(matrix, a, b, cells)
        return found

    def at_least(
        self,
        first: _Ints,
        second: _Ints,
        threshold: float,
        *,
        cells: int = _BLOCK_CELLS,
        groups: _Ints | None = None,
    ) -> _Bools:
        """Whether the cosine of each pair ``(first[k], second[k])`` is at least
        ``threshold``, as :meth:`cosine` decides (``first`` in increasing order; ``groups``
        as :meth:`cosines` takes them)."""
        import numpy as np

        found = self.cosines(first, second, cells=cells, groups=groups)
        for k in np.flatnonzero(np.abs(found - threshold) <= _DOUBT).tolist():
            found[k] = self.cosine(int(first[k]), int(second[k]))
        at_least: _Bools = found >= threshold
        return at_least


def _table(factor: Callable[[int], float], found: _Ints) -> _Floats:
    """``factor`` of each number from 0 to the largest of ``found`` (those not in it, 0),
    to be looked up by number."""
    import numpy as np

    present = np.bincount(found)
    table = np.zeros(len(present), dtype=np.float64)
    for n in np.flatnonzero(present).tolist():
        table[n] = factor(n)
    return table


def _products(matrix: Any, first: _Ints, second: _Ints, cells: int) -> _Floats:
    """The products of the rows ``first[k]`` and ``second[k]`` of ``matrix`` (``first``
    in increasing order), in blocks of rows of ``cells`` products at most.

    When every ``second[k]`` comes after its ``first[k]`` (clustering's pairs), a block of
    rows is multiplied by the rows from its first one on only, and there are at least
    :data:`_UPPER_BLOCKS` blocks: about half the products of every two rows. Each product
    is summed as in the whole one (the same terms in the same order)."""
    import numpy as np

    rows = matrix.shape[0]
    found = np.zeros(len(first), dtype=np.float64)
    block = max(1, cells // max(1, rows))
    upper = bool(np.all(second > first))
    if upper:
        block = min(block, max(1, -(-rows // _UPPER_BLOCKS)))
    transposed = None if upper else matrix.T.tocsr()
    for start in range(0, rows, block):
        low, high = np.searchsorted(first, [start, start + block])
        if low < high:
            if upper:
                # The seconds of these pairs are all from ``start`` on.
                product = (matrix[start : start + block] @ matrix[start:].T.tocsr()).toarray()
                found[low:high] = product[first[low:high] - start, second[low:high] - start]
            else:
                product = (matrix[start : start + block] @ transposed).toarray()
                found[low:high] = product[first[low:high] - start, second[low:high]]
    return found
