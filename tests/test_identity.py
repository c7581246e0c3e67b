"""Stable ids: GUID churn, edited titles, reused GUIDs, shared links (see digest.identity)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.identity import Incoming, Keys, resolve
from digest.model import Item, Problem
from digest.sources.feeds import FeedSource
from digest.store import Store
from tests.feeds import build_incoming

ITEM = """<item><title>{title}</title><link>{link}</link><guid isPermaLink="false">{guid}</guid>
<pubDate>Mon, 01 Mar 2021 10:00:00 GMT</pubDate><description>{text}</description></item>"""


def feed(*items: tuple[str, str, str, str]) -> str:
    body = "".join(ITEM.format(title=t, link=l, guid=g, text=x) for t, l, g, x in items)  # noqa: E741
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Churn</title>'
        f"<link>https://churn.example/</link><language>en</language>{body}</channel></rss>"
    )


A = (
    "Ministers meet on AI",
    "https://churn.example/a",
    "guid-a",
    "The ministers met in Brussels on Monday.",
)
B = (
    "Data space opens",
    "https://churn.example/b",
    "guid-b",
    "A shared data space opened for hospitals.",
)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store(store_url)
    yield opened
    opened.close()


def ingest(tmp_path: Path, store: Store, text: str) -> tuple[int, int, int]:
    path = tmp_path / "feed.xml"
    path.write_text(text, encoding="utf-8")
    problems: list[Problem] = []
    counts = store.put(
        build_incoming(FeedSource("churn", str(path), timezone="UTC"), problems.append)
    )
    assert problems == []
    return counts.added, counts.updated, counts.unchanged


def test_new_guids_add_no_item(tmp_path: Path, store: Store) -> None:
    assert ingest(tmp_path, store, feed(A, B)) == (2, 0, 0)
    ids = [i.id for i in store.all_items()]
    churned = feed((*A[:2], "new-guid-a", *A[3:]), (*B[:2], "new-guid-b", *B[3:]))
    assert ingest(tmp_path, store, churned) == (0, 0, 2)
    assert [i.id for i in store.all_items()] == ids
    # Both the old and the new GUIDs now name the same items.
    assert ingest(tmp_path, store, feed(A, B)) == (0, 0, 2)


def test_edited_title_updates_in_place(tmp_path: Path, store: Store) -> None:
    ingest(tmp_path, store, feed(A, B))
    before = {i.url: i.id for i in store.all_items()}
    assert ingest(tmp_path, store, feed(("Ministers agree on AI", *A[1:]), B)) == (0, 1, 1)
    after = {i.url: (i.id, i.title) for i in store.all_items()}
    assert after["https://churn.example/a"] == (
        before["https://churn.example/a"],
        "Ministers agree on AI",
    )
    assert store.count() == 2


def test_moved_article_with_same_guid_and_text_is_the_same_item(
    tmp_path: Path, store: Store
) -> None:
    ingest(tmp_path, store, feed(A))
    moved = (A[0], "https://churn.example/2021/a", A[2], A[3])
    assert ingest(tmp_path, store, feed(moved)) == (0, 1, 0)
    (item,) = store.all_items()
    assert item.url == "https://churn.example/2021/a"


def test_reused_guid_for_another_article_is_a_new_item(tmp_path: Path, store: Store) -> None:
    ingest(tmp_path, store, feed(A))
    other = (
        "Another story",
        "https://churn.example/other",
        A[2],
        "Something else entirely happened today.",
    )
    assert ingest(tmp_path, store, feed(other)) == (1, 0, 0)
    assert sorted(i.title for i in store.all_items()) == ["Another story", "Ministers meet on AI"]


def test_entries_sharing_one_link_are_not_merged(tmp_path: Path, store: Store) -> None:
    same_link = [
        (f"Story {n}", "https://churn.example/", f"g{n}", f"Text number {n} is here.")
        for n in range(3)
    ]
    assert ingest(tmp_path, store, feed(*same_link)) == (3, 0, 0)
    assert ingest(tmp_path, store, feed(*same_link)) == (0, 0, 3)


def test_resolve_prefers_guid_confirmed_by_url_then_url_then_text() -> None:
    item = Item("s/new", "s", "S", "https://x.example/", "T", None, "en", "t")  # type: ignore[arg-type]
    keys = Keys("guid:s/g", "url:https://x.example/", "text:s/h")
    assert resolve(item, keys, {"guid:s/g": "s/1", "url:https://x.example/": "s/1"}) == "s/1"
    assert resolve(item, keys, {"url:https://x.example/": "s/2"}) == "s/2"
    assert resolve(item, keys, {"text:s/h": "s/3"}) == "s/3"
    assert resolve(item, keys, {}) == "s/new"
    reused = resolve(item, keys, {"guid:s/g": "s/1"})
    assert reused not in ("s/1", "s/new") and reused.startswith("s/")


def test_a_source_owns_its_items(store: Store) -> None:
    """Two sources with one link: an item each, and neither changes the other's."""
    from datetime import UTC, datetime

    def item(source: str, title: str) -> Item:
        return Item(f"{source}/x", source, source, "https://same.example/", title,
                    datetime(2021, 1, 1, tzinfo=UTC), "en", "text")  # fmt: skip

    entries = [
        Incoming(
            item("articles", "From the file"),
            Keys("file:articles/x", "url:https://same.example/", None),
        ),
        Incoming(
            item("feed", "From the feed"), Keys("guid:feed/x", "url:https://same.example/", None)
        ),
    ]
    assert store.put(entries).added == 2
    assert sorted((i.id, i.title) for i in store.all_items()) == [
        ("articles/x", "From the file"),
        ("feed/x", "From the feed"),
    ]
    assert store.put(entries).unchanged == 2


def test_a_feed_reusing_another_sources_link_cannot_take_its_item(
    tmp_path: Path, store: Store
) -> None:
    """The official item stays as published after its feed entry rolled off and another
    feed reuses its link; the other feed's entry is an item of its own."""
    official = ("Ministers meet on AI", "https://gov.example/ai", "g1", "The official text.")
    assert ingest(tmp_path, store, feed(official)) == (1, 0, 0)
    taker = ("Ministers resign", "https://gov.example/ai", "t1", "A text that replaces it.")
    path = tmp_path / "taker.xml"
    path.write_text(feed(taker), encoding="utf-8")
    problems: list[Problem] = []
    store.put(build_incoming(FeedSource("taker", str(path), timezone="UTC"), problems.append))
    items = {i.source_id: i for i in store.all_items()}
    assert items["churn"].title == "Ministers meet on AI"
    assert items["churn"].text == "The official text."
    assert items["taker"].title == "Ministers resign"
    assert items["taker"].id.startswith("taker/")
    # Read again, each stays itself.
    store.put(build_incoming(FeedSource("taker", str(path), timezone="UTC"), problems.append))
    assert ingest(tmp_path, store, feed(official)) == (0, 0, 1)
    assert {i.source_id: i.title for i in store.all_items()} == {
        "churn": "Ministers meet on AI",
        "taker": "Ministers resign",
    }


def test_large_feeds_with_state_in_one_sqlite_store(tmp_path: Path, store: Store) -> None:
    """Feed state is saved while feeds are read; items go in afterwards (one writer at a time)."""
    from digest.ingest import ingest

    entries = [
        (f"Story {n}", f"https://big.example/{n}", f"g{n}", f"Text {n} here.") for n in range(700)
    ]
    paths = []
    for name in ("one", "two"):
        path = tmp_path / f"{name}.xml"
        path.write_text(feed(*entries), encoding="utf-8")
        paths.append(path)
    sources = [FeedSource(p.stem, str(p), timezone="UTC", states=store) for p in paths]
    problems: list[Problem] = []
    counts = ingest(sources, store, problems.append)
    assert problems == []
    # The second feed carries the same links: its entries are items of its own.
    assert (counts.added, counts.updated, counts.unchanged) == (1400, 0, 0)
    assert [s.failures for s in store.feed_states()] == [0, 0]


def test_future_date_is_clamped_once_and_kept(tmp_path: Path, store: Store) -> None:
    from datetime import UTC, datetime

    future = feed(A).replace("Mon, 01 Mar 2021 10:00:00 GMT", "Mon, 01 Mar 2049 10:00:00 GMT")
    path = tmp_path / "feed.xml"
    path.write_text(future, encoding="utf-8")
    source = FeedSource("churn", str(path), timezone="UTC")
    first_read = datetime(2026, 1, 1, tzinfo=UTC)
    problems: list[Problem] = []
    store.put(build_incoming(source, problems.append, first_read))
    assert [f"{p.what}; {p.action}" for p in problems] == [
        "date 2049-03-01 10:00 UTC of 'Ministers meet on AI' is in the future; "
        "dated when first read"
    ]
    counts = store.put(build_incoming(source, [].append, datetime(2026, 2, 1, tzinfo=UTC)))
    assert (counts.added, counts.updated, counts.unchanged) == (0, 0, 1)
    (item,) = store.all_items()
    assert item.published == first_read
