"""A build's editions made ahead in a forked process while this one translates and
publishes them (:func:`built_ahead`).

Making an edition has two parts: building it from its period's items (their stored parts
read back, the stories clustered, the themes, the key points, the picking; about 40 % of
the time at 100,000 items) and publishing it (translated, its email and pages rendered
and written). A second process builds the next editions while this one publishes the
last: on two cores, a backfill's editions took 33 s instead of 51 s at 100,000 items
(``bench/README.md``). Each edition is the one this process would have built: the same
code, forked, on the same items.

The building process reads the store through connections of its own: the store's pooled
connections are closed before it forks (a SQLite connection must not be carried across a
fork), and it opens new ones. It reads each period's items as a build in one process
does (:class:`digest.parts.reads.RecentReads`: only what the last read did not hold), so
this one only translates and publishes (at 100,000 items it was the busier of the two,
reading the items for both: 3.8 s of its 33 s). The rows of parts it had to compute
(none after :meth:`digest.publisher.Publisher.prepare`) come back with the edition and
are written here, before the edition is given: the store has one writer.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from digest.config import Settings
from digest.errors import DigestError
from digest.from_store import edition_of
from digest.ingest_pool import can_fork, die_with_parent
from digest.model import Edition, Period
from digest.parts import span, table
from digest.parts.compute import Analyser
from digest.parts.reads import RecentReads
from digest.parts.refresh import parse_apart
from digest.parts.table import PeriodItems
from digest.parts.versions import Versions
from digest.themes import Classifier

__all__ = ["AHEAD", "AT_LEAST", "Builder", "EditionsWorkerError", "built_ahead", "worth_it"]

#: Fewest items in the periods' span worth a second process for: with fewer, each
#: edition is cheap to build and forking costs more than it saves (the sample tree's 258
#: items over 38 weeks: 0.3 s more; 10,000 items over 262 weeks: 1-1.7 s less).
AT_LEAST = 2_000
#: Periods handed to the building process beyond the edition being published: what it
#: goes on with meanwhile.
AHEAD = 2
#: An edition built (None: no story), and the rows of the parts computed for it.
Built = tuple[Edition | None, list[dict[str, Any]]]


class EditionsWorkerError(DigestError):
    """The process building editions ahead died (killed, or out of memory)."""

    message = "the process building editions died"


class Builder:
    """Builds editions from the store's items, in the building process.

    Made here before the fork, with the classifier and analyser already set up, so the
    building process shares them instead of setting them up again.
    """

    def __init__(
        self,
        settings: Settings,
        classifier: Classifier,
        analyser: Analyser,
        versions: Versions,
        engine: Engine,
    ) -> None:
        self.settings = settings
        self.classifier = classifier
        self.analyser = analyser
        self.versions = versions
        self.engine = engine
        self._reads = RecentReads(partial(table.with_parts, engine), settings.zone)

    def build(self, period: Period) -> Built:
        """The edition of ``period`` (None: no story), and the rows of the parts computed
        for it, to be stored."""
        found = self._reads.items(period)
        written: list[dict[str, Any]] = []

        def parse(some: PeriodItems) -> dict[str, Any]:
            rows, parts = parse_apart(self.analyser, self.versions, some)
            written.extend(rows)
            return parts

        parts = self._reads.parts(found, parse)
        edition = edition_of(self.settings, self.classifier, period, found.items, parts)
        return edition, written


def worth_it(engine: Engine, zone: ZoneInfo, periods: Sequence[Period]) -> bool:
    """Whether building the editions of ``periods`` ahead saves time: the process can
    fork, and there are two periods or more with :data:`AT_LEAST` items in their span."""
    if len(periods) < 2 or not can_fork():
        return False
    first, _ = span(min(periods, key=lambda p: p.start), zone)
    _, end = span(max(periods, key=lambda p: p.start), zone)
    return table.count_between(engine, first, end) >= AT_LEAST


def built_ahead(
    builder: Builder, periods: Sequence[Period]
) -> Generator[Edition | None, None, None]:
    """The untranslated editions of ``periods`` in order (None: no story), built by a
    forked process (Linux), up to :data:`AHEAD` ahead of the one the caller is on.

    The rows of the parts computed for an edition are stored before it is given. An
    exception raised building an edition is raised here, in its turn; a building process
    that dies raises :class:`EditionsWorkerError`. Closing the iterator early stops the
    building process.
    """
    if not periods:
        return
    global _BUILDER
    _BUILDER = builder
    engine = builder.engine
    # No connection of this process crosses the fork: the building process opens its own,
    # and this one opens new ones when it next uses the store.
    engine.dispose()
    # Everything made so far is shared with the building process: its collections skip it.
    gc.freeze()
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=die_with_parent, initargs=(os.getpid(),)
    )
    window: deque[Future[Built]] = deque()
    following = 0
    try:
        for _ in periods:
            try:
                while following < len(periods) and len(window) <= AHEAD:
                    window.append(pool.submit(_build, periods[following]))
                    following += 1
                edition, rows = window.popleft().result()
            except BrokenProcessPool as exc:
                raise EditionsWorkerError() from exc
            if rows:
                table.write(engine, rows)
            yield edition
    finally:
        _BUILDER = None
        pool.shutdown(cancel_futures=True)
        gc.unfreeze()


# What the building process builds with, set just before it forks.
_BUILDER: Builder | None = None


def _build(period: Period) -> Built:
    assert _BUILDER is not None, "the building process forked before its builder was set"
    return _BUILDER.build(period)
