"""The minimal reproductions of ../shared/corpora/feeds-defects, read as files and over HTTP.

Each feed is read as a local source and from a local HTTP server (with and without a
charset in Content-Type); the stored title, date, text and link and the warning lines
are pinned by ``tests/data/feed-defects/expected.json``. The corpus folder is read in
place, never copied into the repository.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from digest.identity import Incoming
from digest.model import Problem
from digest.sources.feeds import FeedSource
from digest.sources.files import ArticleFiles
from digest.sources.formats import read_html
from digest.store import Store
from tests.feeds import build_incoming

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "feeds-defects"
EXPECTED: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "feed-defects" / "expected.json").read_text(encoding="utf-8")
)
FEEDS = sorted(EXPECTED["feeds"])
# Served with the charset in Content-Type, and without one (the XML declaration says it).
CONTENT_TYPES = ["application/rss+xml; charset=utf-8", "application/xml"]

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} is not there")


def read(source: FeedSource | ArticleFiles) -> tuple[list[Incoming], list[Problem]]:
    problems: list[Problem] = []
    incoming = build_incoming(source, problems.append)
    return incoming, problems


def check(name: str, incoming: list[Incoming], problems: list[Problem], location: str) -> None:
    expected = EXPECTED["feeds"][name]
    assert all(p.location == location for p in problems), problems
    assert [f"{p.what}; {p.action}" for p in problems] == expected["problems"]
    fields = [
        {
            "title": i.item.title,
            "published": i.item.published.isoformat(),
            "text": i.item.text,
            "url": i.item.url,
        }
        for i in incoming
    ]
    assert fields == expected["items"]
    for entry in incoming:
        assert entry.item.url == "" or entry.item.url.startswith(("http://", "https://"))


@pytest.mark.parametrize("name", FEEDS)
def test_each_feed_read_as_a_file(name: str) -> None:
    location = str(CORPUS / name)
    incoming, problems = read(FeedSource("defect", location, timezone="UTC"))
    check(name, incoming, problems, location)


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("name", FEEDS)
def test_each_feed_read_over_http(httpserver: HTTPServer, name: str, content_type: str) -> None:
    httpserver.expect_request(f"/{name}").respond_with_data(
        (CORPUS / name).read_bytes(), content_type=content_type
    )
    location = httpserver.url_for(f"/{name}")
    incoming, problems = read(FeedSource("defect", location, timezone="UTC"))
    check(name, incoming, problems, location)


def test_entries_sharing_a_guid_are_stored_apart_and_stay_so(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/store.sqlite3")
    try:
        source = FeedSource("podcast", str(CORPUS / "dup-guid.rss"), timezone="UTC")
        first = store.put(read(source)[0])
        again = store.put(read(source)[0])
        titles = sorted(item.title for item in store.all_items())
    finally:
        store.close()
    assert (first.added, again.added, again.unchanged) == (2, 0, 2)
    assert titles == ["First episode", "Second episode"]


def test_the_article_with_a_figure_is_dated_by_its_metadata(tmp_path: Path) -> None:
    name = "article-with-figure.html"
    text = (CORPUS / name).read_text(encoding="utf-8")
    (article,) = read_html(text, name, lambda what, done: pytest.fail(f"{what}; {done}"))
    assert article.published == "2024-03-12T09:30:00+01:00"

    # Read as an article file (copied into a temporary folder, which the reader walks).
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(CORPUS / name, folder / name)
    incoming, problems = read(ArticleFiles(folder, timezone="Europe/Brussels"))
    expected = EXPECTED["articles"][name]
    assert [str(p) for p in problems] == expected["problems"]
    (entry,) = incoming
    assert entry.item.title == expected["title"]
    assert entry.item.published.isoformat() == expected["published"]
    assert entry.item.text.startswith(expected["text_starts"])
    assert entry.item.url == expected["url"]


# --- What names an entry (digest.sources.entry_keys) -----------------------------------------


def test_a_feed_without_repeats_is_named_as_before() -> None:
    import hashlib

    from digest.sources.parsing import parse_feed

    path = Path(__file__).parent / "data" / "feeds" / "rss2.xml"
    parsed = parse_feed(path.read_bytes())
    raws = list(FeedSource("test", str(path), timezone="UTC").read(lambda p: pytest.fail(str(p))))
    assert len(raws) == len(parsed.entries)
    for raw, entry in zip(raws, parsed.entries, strict=True):
        named = entry.guid or raw.url or entry.title
        assert raw.key == hashlib.sha256(named.encode()).hexdigest()[:16]
        assert raw.guid == entry.guid


def test_entries_sharing_a_guid_are_told_apart_by_link_then_title_and_date_then_position() -> None:
    from digest.sources.entry_keys import name_entries
    from digest.sources.parsing import EntryData

    def entry(title: str, date: str | None = None, html: str = "") -> EntryData:
        return EntryData("g", title, None, date, None, None, html)

    by_link = name_entries([(entry("A"), "http://x/1"), (entry("A"), "http://x/2")])
    by_date = name_entries([(entry("A", "d1"), None), (entry("A", "d2"), None)])
    by_position = name_entries(
        [(entry("A"), None), (entry("B", html="1"), None), (entry("B", html="2"), None)]
    )
    assert [n.told_by for n in by_link + by_date + by_position] == [
        "link", "link", "title and date", "title and date", "title and date", "position",
        "position",
    ]  # fmt: skip
    for group in (by_link, by_date, by_position):
        assert len({n.guid for n in group}) == len(group)
        assert all(n.guid and n.guid.startswith("g#") for n in group)
    # Read again, named the same; an entry given twice is the same entry.
    again = name_entries([(entry("A", "d1"), None), (entry("A", "d2"), None)])
    assert [n.key for n in again] == [n.key for n in by_date]
    twice = name_entries([(entry("A", "d1"), None), (entry("A", "d1"), None)])
    assert [n.repeat for n in twice] == [False, True]
