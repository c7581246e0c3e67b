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
