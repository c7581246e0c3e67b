"""Feeds in tests/data/feeds, each with NAME.expected.json beside it; and feeds over real HTTP."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

import pytest

from digest.model import Item, Problem
from digest.sources.feeds import FeedSource
from digest.sources.parsing import parse_feed
from tests.feeds import build_incoming

CASES = Path(__file__).parent / "data" / "feeds"


def read(source: FeedSource) -> tuple[list[Item], list[str]]:
    """Read a feed as a build would: adapter, then normalisation; every problem names it."""
    problems: list[Problem] = []
    incoming = build_incoming(source, problems.append)
    for problem in problems:
        assert problem.location == source.location
    return [entry.item for entry in incoming], [f"{p.what}; {p.action}" for p in problems]


@pytest.mark.parametrize("path", sorted(CASES.glob("*.xml")), ids=lambda p: p.stem)
def test_feed_file(path: Path) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    items, problems = read(FeedSource("test", str(path), timezone="Europe/Brussels"))
    assert len(problems) == len(expected["problems"])
    for actual, pattern in zip(problems, expected["problems"], strict=True):
        assert fnmatch.fnmatchcase(actual, pattern), actual
    assert len(items) == len(expected["items"])
    for item, fields in zip(items, expected["items"], strict=True):
        assert item.id.startswith("test/")
        for key, value in fields.items():
            actual = item.published.isoformat() if key == "published" else getattr(item, key)
            assert actual == value, key
        assert "<script" not in item.html


def test_ids_are_stable_and_distinct() -> None:
    source = FeedSource("test", str(CASES / "rss2.xml"), timezone="UTC")
    first, _ = read(source)
    second, _ = read(source)
    assert [i.id for i in first] == [i.id for i in second]
    assert len({i.id for i in first}) == len(first)


def test_missing_file_is_reported() -> None:
    source = FeedSource("gone", "/nonexistent/feed.xml", timezone="UTC")
    items, problems = read(source)
    assert items == []
    assert problems == ["cannot read: No such file or directory; feed skipped"]


def test_not_a_feed_from_the_fast_parser_falls_back() -> None:
    parsed = parse_feed((CASES / "truncated.xml").read_bytes())
    assert parsed.parser == "feedparser"
    assert parsed.problem is not None
    assert parse_feed((CASES / "rss2.xml").read_bytes()).parser == "feedparser-rs"


def empty_items(count: int) -> bytes:
    """An RSS document of ``count`` empty items."""
    head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Many</title>'
    return head + b"<item></item>" * count + b"</channel></rss>"


def test_a_feed_gives_at_most_its_entry_limit_and_says_so(tmp_path: Path) -> None:
    from digest.config import Limits

    path = tmp_path / "many.xml"
    path.write_bytes(empty_items(5000))
    source = FeedSource("many", str(path), timezone="UTC", limits=Limits(feed_entries=10))
    items, problems = read(source)
    assert items == []
    assert (
        problems[0]
        == "more than 10 entries (limits.feed_entries); read the first 10, skipped the rest"
    )
    assert problems[1:] == [
        "10 entries without a title, link or text (entry #1, entry #2, entry #3, …); skipped"
    ]


def test_a_gzip_feed_file_is_read_and_a_gzip_bomb_is_cut(tmp_path: Path) -> None:
    import gzip

    from digest.config import Limits

    path = tmp_path / "feed.xml.gz"
    path.write_bytes(gzip.compress((CASES / "rss2.xml").read_bytes()))
    items, problems = read(FeedSource("gz", str(path), timezone="UTC"))
    assert (len(items), problems) == (2, [])
    path.write_bytes(gzip.compress(gzip.compress(b"\0" * 3_000_000)))
    source = FeedSource("gz", str(path), timezone="UTC", limits=Limits(feed_bytes=1_000_000))
    items, problems = read(source)
    assert items == []
    assert problems == ["body is over the 1000000-byte cap once decompressed; feed skipped"]


def test_a_local_feed_must_stay_in_the_sources_folder(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    (sources / "feeds").mkdir(parents=True)
    (tmp_path / "outside.xml").write_bytes((CASES / "rss2.xml").read_bytes())
    (sources / "feeds" / "link.xml").symlink_to(tmp_path / "outside.xml")
    (sources / "feeds" / "fine.xml").symlink_to(CASES / "rss2.xml")
    (sources / "feeds" / "real.xml").write_bytes((CASES / "rss2.xml").read_bytes())
    (sources / "feeds" / "alias.xml").symlink_to(sources / "feeds" / "real.xml")

    def read_entry(location: str) -> list[str]:
        entry = {"id": "f", "location": location}
        return read(FeedSource.from_config(entry, base=sources, timezone="UTC"))[1]

    assert read_entry("feeds/link.xml") == ["symlink to outside the sources folder; feed skipped"]
    assert read_entry("feeds/fine.xml") == ["symlink to outside the sources folder; feed skipped"]
    assert read_entry("../outside.xml") == ["path leads outside the sources folder; feed skipped"]
    assert read_entry("/etc/passwd") == ["path leads outside the sources folder; feed skipped"]
    assert read_entry("feeds/alias.xml") == []


def test_long_titles_and_texts_are_cut_with_one_line(tmp_path: Path) -> None:
    from digest.config import Limits

    path = tmp_path / "long.xml"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>L</title><item>'
        f"<title>{'T' * 500}</title><link>https://example.org/1</link>"
        f"<pubDate>Mon, 01 Mar 2021 10:00:00 GMT</pubDate><description>{'word ' * 2000}"
        "</description></item></channel></rss>",
        encoding="utf-8",
    )
    limits = Limits(title_chars=100, item_chars=1000)
    items, problems = read(FeedSource("long", str(path), timezone="UTC", limits=limits))
    (item,) = items
    assert len(item.title) <= 100 and len(item.html) <= 1100
    assert problems == [
        "title longer than 100 characters and text longer than 1000 characters in "
        f"'{'T' * 59}…'; cut there"
    ]
