"""Which sources the ingest pool reads (:func:`digest.ingest_pool.read_all`): those not
settled, in worker processes, and every one in the sources' order; no pool at all when
fewer than two sources need reading (a build where nothing changed starts none)."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from digest import ingest_pool
from digest.ingest_pool import read_all
from digest.model import RawEntry
from digest.sources import Report


@dataclass
class _Source:
    id: str
    location: str
    quiet: bool  # a settled source: reading it yields nothing

    def read(self, report: Report) -> Iterator[RawEntry]:
        return iter(())


def _read(source: _Source) -> tuple[str, int]:
    """The source's id and the process that read it."""
    return source.id, os.getpid()


def _sources(quiet: str) -> list[_Source]:
    return [_Source(f"s{i}", f"/s{i}", flag == "q") for i, flag in enumerate(quiet)]


def _settled(source: object) -> bool:
    assert isinstance(source, _Source)
    return source.quiet


pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or os.uname().sysname != "Linux", reason="the pool forks on Linux"
)


def test_settled_sources_are_read_here_and_the_others_in_workers_in_order() -> None:
    sources = _sources("qrqrrqr")
    read = list(read_all(sources, _read, 2, _settled))
    assert [name for name, _ in read] == [s.id for s in sources]
    here = os.getpid()
    for source, (_, pid) in zip(sources, read, strict=True):
        assert (pid == here) == source.quiet


@pytest.mark.parametrize("quiet", ["qqqq", "qqrq", ""])
def test_no_pool_when_fewer_than_two_sources_need_reading(quiet: str) -> None:
    sources = _sources(quiet)
    read = list(read_all(sources, _read, 2, _settled))
    assert read == [(s.id, os.getpid()) for s in sources]


def test_without_a_settled_test_every_source_goes_to_the_pool() -> None:
    sources = _sources("qqq")
    read = list(read_all(sources, _read, 2))
    assert [name for name, _ in read] == ["s0", "s1", "s2"]
    assert all(pid != os.getpid() for _, pid in read)


def test_a_local_feed_is_settled_while_its_file_is_as_last_read(tmp_path: Path) -> None:
    from digest.ingest import StateLog
    from digest.sources.feeds import FeedSource

    feed_file = tmp_path / "feed.xml"
    feed_file.write_text(
        "<rss version='2.0'><channel><title>t</title><item><title>One</title>"
        "<link>https://example.org/1</link><pubDate>Mon, 06 Jan 2025 10:00:00 GMT</pubDate>"
        "</item></channel></rss>",
        encoding="utf-8",
    )
    states = StateLog()
    feed = FeedSource(
        "f", str(feed_file), timezone="UTC", states=states, root=tmp_path, files=states
    )
    assert not feed.settled()  # never read
    assert len(list(feed.read(lambda problem: None))) == 1
    assert feed.settled()
    assert list(feed.read(lambda problem: None)) == []
    feed_file.write_text(feed_file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not feed.settled()  # changed: read again


@pytest.mark.parametrize(("quiet", "forks"), [("rqr", 1), ("qrq", 0), ("qqq", 0)])
def test_what_workers_share_is_loaded_once_when_the_pool_starts(quiet: str, forks: int) -> None:
    loaded: list[int] = []
    list(read_all(_sources(quiet), _read, 2, _settled, lambda: loaded.append(os.getpid())))
    assert loaded == [os.getpid()] * forks


def _read_first_last(others: int) -> object:
    """A reading whose first source is done only once every other source is: each other
    source read releases a semaphore the first one takes ``others`` times (the workers
    fork with it)."""
    read_one = multiprocessing.get_context("fork").Semaphore(0)

    def read(source: _Source) -> tuple[str, int]:
        if source.id != "s0":
            read_one.release()
            return _read(source)
        # A deadline, not a measure: a pool that stops reading while the first source is
        # read never releases them all, and the test fails instead of hanging.
        deadline = time.monotonic() + 60
        taken = sum(
            read_one.acquire(timeout=max(0.0, deadline - time.monotonic())) for _ in range(others)
        )
        return ("s0 after the others" if taken == others else "s0"), 0

    return read


def test_workers_read_on_while_the_first_source_is_long() -> None:
    # An article folder of thousands of files, first of the sources: the other worker
    # reads the feeds after it meanwhile, instead of stopping after a few.
    sources = _sources("r" * 13)
    read = list(read_all(sources, _read_first_last(12), 2))  # type: ignore[arg-type]
    assert read[0][0] == "s0 after the others"
    assert [name for name, _ in read[1:]] == [s.id for s in sources[1:]]


def test_batches_held_are_bounded_and_still_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest_pool, "HELD_BYTES", 1)
    sources = _sources("rrqrrrrrqrr")
    read = list(read_all(sources, _read, 2, _settled))
    assert [name for name, _ in read] == [s.id for s in sources]


def _dying(source: _Source) -> tuple[str, int]:
    if source.id == "s2":
        os._exit(3)  # killed, or out of memory
    return _read(source)


def test_a_worker_that_dies_is_an_ingest_worker_error() -> None:
    sources = _sources("rrrr")
    with pytest.raises(ingest_pool.IngestWorkerError, match="a process reading sources died"):
        list(read_all(sources, _dying, 2))
    assert not multiprocessing.active_children()
