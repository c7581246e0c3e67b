"""Same story, several items: translations, near-duplicates, the same event in other languages.

Items are joined (a story: a connected component of the joined pairs) when any of these
holds, and only between items published at most :data:`WINDOW` apart (except explicit
``translation_of``):

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
candidate pairs at once (numpy arrays; sparse matrix products for the cosines, within each
language), with the decisions of comparing the pairs one by one (see
:class:`digest.cluster.vectors.Vectors`).

What each item gives on its own (its signature, anchors and lemma counts) is its
:class:`Traits` (:mod:`digest.cluster.signature`), computed once and kept with the item's
parts, so that clustering lemmatises no item whose parts are stored; the rules on pairs
are in :mod:`digest.cluster.pairs`.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from digest.cluster.pairs import (
    MIN_SHARED_ANCHORS,
    NEAR_DUPLICATE,
    RARE_AT_LEAST,
    SAME_EVENT,
    SAME_EVENT_TEXT,
    WINDOW,
    close,
    near_duplicate_positions,
    same_event_positions,
)
from digest.cluster.signature import PERMUTATIONS, Traits, anchors, traits
from digest.model import Item

__all__ = [
    "MIN_SHARED_ANCHORS",
    "NEAR_DUPLICATE",
    "PERMUTATIONS",
    "RARE_AT_LEAST",
    "SAME_EVENT",
    "SAME_EVENT_TEXT",
    "WINDOW",
    "Traits",
    "anchors",
    "story_groups",
    "traits",
]

_LANGUAGE_SEGMENT = re.compile(r"(?<=[/_.-])(fr|nl|en|de)(?=[/_.-]|$)")
#: Whether a whole link may hold a language segment in its path: a segment at the path's
#: end is followed by its query or fragment; urlsplit drops tabs and line breaks first.
_MAY_NAME_LANGUAGE = re.compile(r"(?<=[/_.-])(fr|nl|en|de)(?=[/_.?#-]|$)|[\t\r\n]")


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
    # Items are joined by their positions; items of one id are one (as by id before).
    position: dict[str, int] = {}
    firsts: list[int] = []
    seconds: list[int] = []
    for k, item in enumerate(ordered):
        first = position.setdefault(item.id, k)
        if first != k:
            firsts.append(first)
            seconds.append(k)
    for k, item in enumerate(ordered):
        if item.translation_of in position:
            firsts.append(k)
            seconds.append(position[item.translation_of])
    for a, b in _url_variants(ordered):
        firsts.append(position[a.id])
        seconds.append(position[b.id])
    import numpy as np

    near = near_duplicate_positions(ordered, each)
    same = same_event_positions(ordered, each)
    listed = np.array(firsts, dtype=np.int64), np.array(seconds, dtype=np.int64)
    label = _components(
        len(ordered),
        np.concatenate((listed[0], near[0], same[0])),
        np.concatenate((listed[1], near[1], same[1])),
    )
    groups: dict[int, list[Item]] = {}
    for item, found_label in zip(ordered, label.tolist(), strict=True):
        groups.setdefault(found_label, []).append(item)
    return list(groups.values())


def _components(count: int, first: Any, second: Any) -> Any:
    """A label for each of ``count`` nodes, the same for the nodes of one connected
    component of the edges ``(first[k], second[k])`` (numpy arrays), another for each
    component: each node's label is its component's smallest node.

    Each round gives each node the smallest label among its own and its neighbours', then
    the label of its label (a node's label is always a node of its component); it stops
    when a round changes nothing.
    """
    import numpy as np

    label = np.arange(count, dtype=np.int64)
    while len(first):
        low = np.minimum(label[first], label[second])
        new = label.copy()
        np.minimum.at(new, first, low)
        np.minimum.at(new, second, low)
        new = new[new]
        if np.array_equal(new, label):
            break
        label = new
    return label


def _url_variants(items: Sequence[Item]) -> Iterable[tuple[Item, Item]]:
    buckets: dict[str, list[Item]] = defaultdict(list)
    same: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.url:
            same[item.url].append(item)
            if not _MAY_NAME_LANGUAGE.search(item.url):
                continue  # no language segment in its path: not split (most links)
            parts = urlsplit(item.url)
            path = _LANGUAGE_SEGMENT.sub("*", parts.path)
            if path != parts.path:
                buckets[f"{parts.netloc}{path}?{parts.query}"].append(item)
    for bucket in same.values():
        if len(bucket) < 2:
            continue
        # One link read from several sources, once each: each item joined to the next (in
        # date order), which joins them all without comparing every pair. A link a source
        # gives several of its items (its home page) names no one article.
        sources = Counter(item.source_id for item in bucket)
        if len(sources) > 1 and max(sources.values()) == 1:
            for a, b in itertools.pairwise(bucket):
                if close(a, b):
                    yield a, b
    for bucket in buckets.values():
        for i, a in enumerate(bucket):
            for b in bucket[i + 1 :]:
                if a.language != b.language and close(a, b):
                    yield a, b
