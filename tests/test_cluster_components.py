"""Stories are the connected components of the joined pairs: the labels of
:func:`digest.cluster._components` against a plain union-find, on chosen and random graphs."""

from __future__ import annotations

import random

import numpy as np

from digest.cluster import _components


def reference(count: int, pairs: list[tuple[int, int]]) -> list[int]:
    parent = list(range(count))

    def root(node: int) -> int:
        while parent[node] != node:
            node = parent[node]
        return node

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [root(node) for node in range(count)]


def labels(count: int, pairs: list[tuple[int, int]]) -> list[int]:
    first = np.array([a for a, _ in pairs], dtype=np.int64)
    second = np.array([b for _, b in pairs], dtype=np.int64)
    found: list[int] = _components(count, first, second).tolist()
    return found


def test_chosen_graphs() -> None:
    assert labels(0, []) == []
    assert labels(3, []) == [0, 1, 2]
    assert labels(4, [(3, 0)]) == [0, 1, 2, 0]
    # A long chain joined from its far end, a star, a self-loop and repeated pairs.
    chain = [(k, k + 1) for k in range(48, -1, -1)]
    assert labels(50, chain) == [0] * 50
    assert labels(6, [(5, 1), (5, 2), (5, 3), (4, 4), (2, 5), (2, 5)]) == [0, 1, 1, 1, 4, 1]


def test_random_graphs_as_union_find() -> None:
    generator = random.Random(15)
    for _ in range(300):
        count = generator.randint(1, 60)
        pairs = [
            (generator.randrange(count), generator.randrange(count))
            for _ in range(generator.randint(0, count * 2))
        ]
        assert labels(count, pairs) == reference(count, pairs)
