"""Stories decided for all candidate pairs at once are those decided pair by pair.

``tests/data/cluster/events.jsonl`` holds short news items: one event told by several
sources in one language, its versions in other languages, other events sharing its
names, and near-copies (one close in time, one not). The reference here is clustering's
rules 3 to 5 written as they were before they were vectorised: datasketch's LSH index
queried item by item, and a loop over the candidate pairs summing each cosine one word
at a time.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from math import log
from pathlib import Path

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH

from digest.cluster import (
    MIN_SHARED_ANCHORS,
    NEAR_DUPLICATE,
    PERMUTATIONS,
    RARE_AT_LEAST,
    SAME_EVENT,
    SAME_EVENT_TEXT,
    WINDOW,
    Traits,
    story_groups,
    traits,
)
from digest.cluster.pairs import bands, near_duplicates, same_event
from digest.cluster.signature import _shingles, _signatures, signatures_by_datasketch
from digest.cluster.vectors import Vectors
from digest.model import Item
from digest.rank.text import _LEMMA_CACHE, clear_lemma_cache, lemmas
from digest.themes.matching import words_of

DATA = Path(__file__).parent / "data" / "cluster" / "events.jsonl"
BASE = datetime(2025, 3, 3, 8, tzinfo=UTC)


def events() -> list[Item]:
    found = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        found.append(
            Item(
                id=row["id"],
                source_id=row["source"],
                source_name=row["source"].upper(),
                url=f"https://{row['source']}.example/{row['id']}",
                title=row["title"],
                published=BASE + timedelta(days=row["days"]),
                language=row["language"],
                text=row["text"],
            )
        )
    return sorted(found, key=lambda i: (i.published, i.id))


def reference_vectors(items: Sequence[Item]) -> list[dict[str, float]]:
    bags = [Counter(lemmas(f"{item.title} {item.text}", item.language)) for item in items]
    frequency = Counter(word for bag in bags for word in bag)
    count = len(bags)
    vectors = []
    for bag in bags:
        vector = {w: (1 + log(tf)) * log(1 + count / frequency[w]) for w, tf in bag.items()}
        norm = sum(v * v for v in vector.values()) ** 0.5 or 1.0
        vectors.append({w: v / norm for w, v in sorted(vector.items())})
    return vectors


def reference_cosine(vectors: list[dict[str, float]], i: int, j: int) -> float:
    small, large = sorted((vectors[i], vectors[j]), key=len)
    return sum(value * large.get(word, 0.0) for word, value in small.items())


def reference_same_event(items: Sequence[Item], each: Sequence[Traits]) -> set[tuple[str, str]]:
    sets = [set(t.anchors) for t in each]
    frequency = Counter(a for found in sets for a in found)
    count = len(items)
    weight = {a: log(1 + count / n) for a, n in frequency.items()}
    rare_limit = max(RARE_AT_LEAST, count // 10)
    index: dict[str, list[int]] = defaultdict(list)
    for position, found in enumerate(sets):
        for anchor in found:
            if frequency[anchor] <= rare_limit:
                index[anchor].append(position)
    candidates = sorted({(i, j) for ids in index.values() for i in ids for j in ids if i < j})
    vectors = reference_vectors(items)
    joined = set()
    for i, j in candidates:
        a, b = items[i], items[j]
        if abs(a.published - b.published) > WINDOW:
            continue
        shared = sets[i] & sets[j]
        if a.language == b.language:
            if a.source_id != b.source_id and reference_cosine(vectors, i, j) >= SAME_EVENT_TEXT:
                joined.add((a.id, b.id))
            continue
        if len([s for s in shared if frequency[s] <= rare_limit]) < MIN_SHARED_ANCHORS:
            continue
        smaller = min(sum(weight[s] for s in sets[i]), sum(weight[s] for s in sets[j]))
        if sum(weight[s] for s in shared) / smaller >= SAME_EVENT:
            joined.add((a.id, b.id))
    return joined


def reference_near_duplicates(
    items: Sequence[Item], each: Sequence[Traits]
) -> set[tuple[str, str]]:
    lsh = MinHashLSH(threshold=NEAR_DUPLICATE, num_perm=PERMUTATIONS)
    scheme = MinHash(num_perm=1).scheme
    hashes = [
        LeanMinHash(seed=1, hashvalues=np.array(t.signature, dtype=np.uint64), scheme=scheme)
        for t in each
    ]
    for index, signature in enumerate(hashes):
        lsh.insert(index, signature)
    joined = set()
    for index, signature in enumerate(hashes):
        for other in lsh.query(signature):
            a, b = items[index], items[other]
            close = abs(a.published - b.published) <= WINDOW
            if other > index and close and signature.jaccard(hashes[other]) >= NEAR_DUPLICATE:
                joined.add((a.id, b.id))
    return joined


def all_pairs(count: int) -> tuple[np.ndarray, np.ndarray]:
    first, second = np.triu_indices(count, 1)
    return first.astype(np.int64), second.astype(np.int64)


def test_the_data_has_pairs_on_both_sides_of_each_rule() -> None:
    items = events()
    language = {item.id: item.language for item in items}
    joined = reference_same_event(items, traits(items))
    assert any(language[a] == language[b] for a, b in joined)
    assert any(language[a] != language[b] for a, b in joined)
    assert len(joined) < len(items) * (len(items) - 1) // 4


def test_the_joined_pairs_are_those_of_the_pair_by_pair_loop() -> None:
    items = events()
    each = traits(items)
    found = {(a.id, b.id) for a, b in same_event(items, each)}
    assert found == reference_same_event(items, each)


def test_the_near_duplicates_are_those_the_lsh_index_finds_item_by_item() -> None:
    items = events()
    each = traits(items)
    found = {(a.id, b.id) for a, b in near_duplicates(items, each)}
    assert found == reference_near_duplicates(items, each) == {("a/1", "e/1")}


def test_the_bands_are_those_of_datasketchs_lsh_index() -> None:
    index = MinHashLSH(threshold=NEAR_DUPLICATE, num_perm=PERMUTATIONS)
    assert bands() == [(int(start), int(end)) for start, end in index.hashranges]


def test_the_story_groups_follow_the_joined_pairs() -> None:
    groups = [[item.id for item in group] for group in story_groups(events())]
    assert ["a/1", "e/1", "b/1"] in groups  # one event, three sources of one language
    assert ["d/1"] in groups  # the critics of that event, in words of their own
    assert ["e/4"] in groups  # a copy, more than WINDOW later
    assert ["c/1"] in groups  # the same names, another event
    assert ["a/5", "b/5"] in groups  # a follow-up, more than WINDOW later


def test_vectorised_cosines_are_the_word_by_word_sums() -> None:
    items = events()
    vectors = Vectors(traits(items))
    first, second = all_pairs(len(items))
    expected = reference_vectors(items)
    found = vectors.cosines(first, second, cells=3 * len(items))
    for k, (i, j) in enumerate(zip(first.tolist(), second.tolist(), strict=True)):
        exact = reference_cosine(expected, i, j)
        assert vectors.cosine(i, j) == exact
        assert math.isclose(found[k], exact, rel_tol=0, abs_tol=1e-12)


@pytest.mark.parametrize("rows", [1, 5, 1000])
def test_pairs_of_a_row_and_a_later_one_sum_as_every_two_rows(rows: int) -> None:
    """Made in blocks of rows, each times the rows from the block's first on, each pair's
    cosine is the very number the products of every two rows give."""
    items = events()
    vectors = Vectors(traits(items))
    first, second = all_pairs(len(items))
    upper = vectors.cosines(first, second, cells=rows * len(items))
    # One pair the other way round: the products of every two rows are made.
    whole = vectors.cosines(
        np.append(first, len(items) - 1), np.append(second, 0), cells=rows * len(items)
    )
    assert np.array_equal(upper, whole[:-1])


@pytest.mark.parametrize("rows", [1, 5, 1000])
def test_each_pair_at_its_own_cosine_is_decided_as_pair_by_pair(rows: int) -> None:
    """At the very threshold, the last bits decide: a pair whose cosine is the threshold
    is in, one ulp less and it is out, however the products rounded (made here in
    blocks of one row, of five, of all)."""
    items = events()
    cells = rows * len(items)
    vectors = Vectors(traits(items))
    first, second = all_pairs(len(items))
    expected = reference_vectors(items)
    for k, (i, j) in enumerate(zip(first.tolist(), second.tolist(), strict=True)):
        exact = reference_cosine(expected, i, j)
        above = math.nextafter(exact, math.inf)
        assert vectors.at_least(first, second, exact, cells=cells)[k]
        assert not vectors.at_least(first, second, above, cells=cells)[k]


EXPECTED_TRAITS = DATA.with_name("events.traits.expected.json")


def test_the_signatures_and_anchors_are_those_pinned() -> None:
    """Pinned from datasketch's ``MinHash.bulk`` over each item's set of shingles, before
    the signatures were computed without a MinHash object per item."""
    expected = json.loads(EXPECTED_TRAITS.read_text(encoding="utf-8"))
    items = events()
    found = {
        item.id: {"signature": list(t.signature), "anchors": sorted(t.anchors)}
        for item, t in zip(items, traits(items), strict=True)
    }
    assert found == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Un",
        "Deux mots",
        "a b a b a b a b",  # repeated shingles
        "Straße STRASSE straße, İstanbul ǅemal ﬁn 14 000 × 3,5 % ½",
        "\n\n".join(f"{item.title}\n{item.text}" for item in events()),
    ],
)
def test_the_signatures_are_datasketchs(text: str) -> None:
    shingles = [_shingles(words_of(part)) for part in (text, text.upper(), text[: len(text) // 2])]
    assert _signatures(shingles) == signatures_by_datasketch(shingles)


def test_the_lemma_counts_are_those_of_the_title_and_text() -> None:
    for item, found in zip(events(), traits(events()), strict=True):
        bag = Counter(lemmas(f"{item.title} {item.text}", item.language))
        assert (found.words, found.counts) == (tuple(bag), tuple(bag.values()))


def test_clustering_with_known_traits_lemmatises_nothing() -> None:
    """The items' traits hold what the vectors need: an edition whose items' parts are
    stored loads no lemma dictionary for clustering."""
    items = events()
    known = {item.id: t for item, t in zip(items, traits(items), strict=True)}
    clear_lemma_cache()
    groups = story_groups(items, known)
    assert not _LEMMA_CACHE
    assert ["a/1", "e/1", "b/1"] in [[item.id for item in group] for group in groups]


@pytest.mark.parametrize("rows", [1, 5, 1000])
def test_cosines_within_groups_are_those_among_all_items(rows: int) -> None:
    """Products made within each language (the only pairs rule 5 asks for) give each
    pair the cosine it has among all the items; a pair of two groups is refused."""
    items = events()
    vectors = Vectors(traits(items))
    first, second = all_pairs(len(items))
    groups = np.unique([item.language for item in items], return_inverse=True)[1]
    within = groups[first] == groups[second]
    a, b = first[within], second[within]
    cells = rows * len(items)
    expected = reference_vectors(items)
    found = vectors.cosines(a, b, cells=cells, groups=groups)
    assert np.array_equal(found, vectors.cosines(a, b, cells=cells))
    for k, (i, j) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        exact = reference_cosine(expected, i, j)
        assert math.isclose(found[k], exact, rel_tol=0, abs_tol=1e-12)
        assert vectors.at_least(a, b, exact, cells=cells, groups=groups)[k]
    with pytest.raises(ValueError, match="two groups"):
        vectors.cosines(first, second, groups=groups)
