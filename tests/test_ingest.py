"""Ingestion in worker processes gives what one process gives, feed states included."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from digest.errors import SourceError, StoreError
from digest.ingest import StateLog, ingest, worker_count
from digest.model import FeedState, Item, Problem
from digest.sources import SourceAdapter, adapters_for, read_feed_list
from digest.sources.feeds import FeedSource
from digest.sources.http import HttpFetcher
from digest.store import Store, StoreCounts

DATA = Path(__file__).parent / "data" / "feeds"


def mixed_sources(sample_tree: Path) -> Path:
    """The sample sources plus broken feeds and a feed repeating another one."""
    sources = sample_tree / "sources"
    extra = ""
    for name in ("truncated", "html-page", "empty", "rss2", "atom"):
        shutil.copy(DATA / f"{name}.xml", sources / "feeds" / f"{name}.xml")
        extra += f'\n[[feeds]]\nid = "{name}"\nlocation = "feeds/{name}.xml"\n'
    # The same entries under a second id: a source owns its items, so each has its own.
    extra += '\n[[feeds]]\nid = "rss2-again"\nlocation = "feeds/rss2.xml"\n'
    with (sources / "feeds.toml").open("a", encoding="utf-8") as feeds:
        feeds.write(extra)
    return sources


def undated(items: list[Item], since: datetime) -> list[Item]:
    """``items`` without the dates set to the time of reading (each run has its own)."""
    return [replace(i, published=since) if i.published >= since else i for i in items]


def run(
    sources: Path, store: Store, workers: int
) -> tuple[StoreCounts, list[Problem], list[FeedState]]:
    states = StateLog(store.feed_states())
    adapters = adapters_for(sources, "Europe/Brussels", read_feed_list(sources), states)
    problems: list[Problem] = []
    counts = ingest(adapters, store, problems.append, states=states, workers=workers)
    kept = [replace(s, last_success=None, last_error_at=None) for s in store.feed_states()]
    return counts, problems, kept


def test_workers_store_and_report_exactly_what_one_process_does(
    sample_tree: Path, tmp_path: Path
) -> None:
    sources = mixed_sources(sample_tree)
    start = datetime.now(UTC).replace(microsecond=0)
    alone = Store(f"sqlite:///{tmp_path}/alone.sqlite3")
    pooled = Store(f"sqlite:///{tmp_path}/pooled.sqlite3")
    try:
        expected = run(sources, alone, workers=1)
        got = run(sources, pooled, workers=3)
        assert got == expected
        assert undated(alone.all_items(), start) == undated(pooled.all_items(), start)
        # The run did meet broken feeds, and the repeated feed kept items of its own.
        counts, problems, states = got
        assert {p.location.rsplit("/", 1)[-1] for p in problems} >= {
            "truncated.xml",
            "html-page.xml",
        }
        by_source = pooled.counts_by_source()
        assert by_source["rss2-again"] == by_source["rss2"]
        assert {s.id for s in states if s.failures} == {"empty", "html-page"}  # not feeds
        # A second pooled run finds everything already there.
        again = run(sources, pooled, workers=3)[0]
        assert again.added == 0 and again.unchanged == counts.added + counts.unchanged
    finally:
        alone.close()
        pooled.close()


def test_a_feed_state_saved_in_a_worker_reaches_the_store(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    body = (DATA / "rss2.xml").read_bytes()

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(body, headers={"ETag": '"v1"'})

    httpserver.expect_request("/a.xml").respond_with_handler(handler)
    httpserver.expect_request("/b.xml").respond_with_data("down", status=404)
    store = Store(f"sqlite:///{tmp_path}/store.sqlite3")
    fetcher = HttpFetcher(sleep=lambda _: None)
    try:

        def once() -> StoreCounts:
            states = StateLog(store.feed_states())
            adapters: list[SourceAdapter] = [
                FeedSource(
                    name,
                    httpserver.url_for(f"/{name}.xml"),
                    timezone="UTC",
                    states=states,
                    fetcher=fetcher,
                )
                for name in ("a", "b")
            ]
            return ingest(adapters, store, lambda _: None, states=states, workers=2)

        first = once()
        second = once()
        state = {s.id: s for s in store.feed_states()}
    finally:
        fetcher.close()
        store.close()
    assert first.added > 0
    assert second == StoreCounts(0, 0, 0)  # a 304: nothing parsed
    # The workers ask at the same time: find the feed's own last request.
    last = [request for request, _ in httpserver.log if request.path == "/a.xml"][-1]
    assert last.headers.get("If-None-Match") == '"v1"'
    assert state["a"].etag == '"v1"' and state["a"].failures == 0
    assert state["b"].failures == 2 and "404" in (state["b"].last_error or "")


def test_state_log_hands_on_each_save_once() -> None:
    log = StateLog([FeedState("a", "a.xml", etag='"old"')])
    assert log.feed_state("a") == FeedState("a", "a.xml", etag='"old"')
    log.save_feed_state(FeedState("a", "a.xml", etag='"new"'))
    assert log.feed_state("a") == FeedState("a", "a.xml", etag='"new"')
    assert log.take() == (FeedState("a", "a.xml", etag='"new"'),)
    assert log.take() == ()


@pytest.mark.parametrize(
    ("asked", "sources", "expected"), [(1, 10, 1), (4, 2, 2), (3, 0, 1), (2, 10, 2)]
)
def test_worker_count(asked: int, sources: int, expected: int) -> None:
    assert worker_count(asked, sources) == expected


def test_automatic_worker_count_is_one_per_core_at_most(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 32)
    assert worker_count(0, 100) == 8
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert worker_count(0, 100) == 1


def test_source_error_crosses_a_process_boundary_whole() -> None:
    error = pickle.loads(pickle.dumps(SourceError("feeds/a.xml", "cannot read")))
    assert (error.location, str(error)) == ("feeds/a.xml", "feeds/a.xml: cannot read")


class _FailingOnce(Store):
    """A store whose first write of items fails (a fault injected at that point)."""

    failed = False

    def put_in(self, *args: Any, **kwargs: Any) -> StoreCounts:
        if not self.failed:
            self.failed = True
            raise StoreError("injected: cannot write items")
        return super().put_in(*args, **kwargs)


def test_a_feed_state_is_kept_only_with_the_items_read_with_it(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    """A source's feed state, items, problems and file states are one transaction: when
    its items cannot be stored, the new ETag is not kept either, so the next run reads
    the feed whole again (not "not modified" and its items lost)."""
    body = (DATA / "rss2.xml").read_bytes()

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(body, headers={"ETag": '"v1"'})

    httpserver.expect_request("/a.xml").respond_with_handler(handler)
    store = _FailingOnce(f"sqlite:///{tmp_path}/store.sqlite3")
    fetcher = HttpFetcher(sleep=lambda _: None)
    try:

        def once() -> StoreCounts:
            states = StateLog(store.feed_states())
            source = FeedSource(
                "a", httpserver.url_for("/a.xml"), timezone="UTC", states=states, fetcher=fetcher
            )
            return ingest([source], store, lambda _: None, states=states)

        with pytest.raises(StoreError, match="injected"):
            once()
        assert store.feed_states() == [] and store.count() == 0
        again = once()
        state = {s.id: s for s in store.feed_states()}
        stored = store.count()
    finally:
        fetcher.close()
        store.close()
    assert again.added > 0 and stored == again.added
    assert state["a"].etag == '"v1"'
    assert [request.headers.get("If-None-Match") for request, _ in httpserver.log] == [None, None]


def test_what_reading_needs_is_imported_before_the_workers_fork(tmp_path: Path) -> None:
    """The pool's workers inherit the parsers instead of each importing them."""
    code = f"""
import sys
from pathlib import Path
from digest.ingest import _before_fork
from digest.sources.feeds import FeedSource
from digest.sources.files import ArticleFiles
before = {{"feedparser", "markdown_it", "ftfy", "yaml"}} & set(sys.modules)
_before_fork([FeedSource("a", "a.xml", timezone="UTC"), ArticleFiles(Path({str(tmp_path)!r}),
    timezone="UTC")])
print(sorted(before), sorted({{"feedparser", "markdown_it", "ftfy", "yaml"}} & set(sys.modules)))
"""
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert shown.split() == ["[]", "['feedparser',", "'ftfy',", "'markdown_it',", "'yaml']"]
