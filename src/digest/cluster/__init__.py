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
from urllib.parse import urlsplit

from digest.cluster.pairs import (
    MIN_SHARED_ANCHORS,
    NEAR_DUPLICATE,
    RARE_AT_LEAST,
    SAME_EVENT,
    SAME_EVENT_TEXT,
    WINDOW,
    close,
    near_duplicates,
    same_event,
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
    joined = _UnionFind(item.id for item in ordered)
    by_id = {item.id: item for item in ordered}
    for item in ordered:
        if item.translation_of in by_id:
            joined.join(item.id, item.translation_of)
    for a, b in _url_variants(ordered):
        joined.join(a.id, b.id)
    for a, b in near_duplicates(ordered, each):
        joined.join(a.id, b.id)
    for a, b in same_event(ordered, each):
        joined.join(a.id, b.id)
    groups: dict[str, list[Item]] = {}
    for item in ordered:
        groups.setdefault(joined.root(item.id), []).append(item)
    return list(groups.values())


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
