"""A build's editions made by two processes: this one and a forked worker.

A backfill builds hundreds of editions one after the other, each from its own items
(its period's and the clustering window's before it): no edition reads what another
one made. The periods are taken in runs of :data:`RUN` consecutive ones (a run reads
each period's clustering window from the period before it, :mod:`digest.parts.reads`);
the worker builds and renders every other run, this process the others, and this
process alone writes: the outbox, the store and the problems, period by period in the
periods' order, as a build in one process does. So the outbox, the recorded inputs and
the problems reported are those of a build in one process.

A run the worker could not make (it raised, whatever the error) is made again here,
where an error is raised as it would be in one process; once the worker died (killed,
out of memory), this process makes every run left. The worker dies with this process
(as :mod:`digest.ingest_pool`'s workers do). Machine translation backends keep the
build in one process: they write the store's translation memory as they translate.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING

from digest.ingest_pool import can_fork
from digest.model import Edition, Period, Problem

if TYPE_CHECKING:
    from digest.build import Publisher
    from digest.publish import EditionFiles, EditionResult

#: Consecutive periods one process builds in turn.
RUN = 4
#: Fewest periods built by two processes: forking and warming the worker costs more
#: than it saves for a few (an incremental build's one or two editions).
LEAST = 4 * RUN
#: Runs handed to the worker ahead of the one this process is writing.
_AHEAD = 2


@dataclass(frozen=True)
class Rendered:
    """An edition made and rendered, not written yet (:meth:`Publisher.render`)."""

    files: EditionFiles
    pages: Mapping[tuple[str, ...], bytes]


@dataclass(frozen=True)
class Made:
    """A period's edition as the worker made it: None when the period has nothing to
    publish; the problems its building met, in order."""

    rendered: Rendered | None
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Published:
    """What publishing one period did: its result (None: nothing to publish) and the
    problems its building met."""

    result: EditionResult | None
    problems: tuple[Problem, ...]


def published(
    publisher: Publisher, periods: Sequence[Period], processes: int
) -> Iterator[Published]:
    """Build and publish the edition of each period, in order; yield what each did.

    ``processes``: 2 or more builds every other run of periods in a forked worker when
    there are :data:`LEAST` periods or more and processes can be forked; else all are
    built here.
    """
    serial = processes < 2 or len(periods) < LEAST or not can_fork()
    if serial or publisher.settings.translation.backends:
        for period in periods:
            yield _here(publisher, period)
        return
    runs = [periods[start : start + RUN] for start in range(0, len(periods), RUN)]
    yield from _pooled(publisher, runs)


def _here(publisher: Publisher, period: Period) -> Published:
    before = len(publisher.problems)
    edition = publisher.edition(period)
    result = publisher.publish(edition) if edition is not None else None
    return Published(result, tuple(publisher.problems[before:]))


def _pooled(publisher: Publisher, runs: Sequence[Sequence[Period]]) -> Iterator[Published]:
    global _PUBLISHER
    # What every edition needs, made once here and shared with the worker.
    publisher.warm()
    _PUBLISHER = publisher
    gc.freeze()  # the worker's collections skip what it shares with this process
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_started,
        initargs=(os.getpid(),),
    )
    waiting: deque[tuple[int, Future[list[Made] | None]]] = deque()
    broken = False
    try:
        for index, run in enumerate(runs):
            made = None
            try:
                if not broken:
                    _submit(pool, runs, index, waiting)
                if waiting and waiting[0][0] == index:
                    made = waiting.popleft()[1].result()
            except BrokenProcessPool:
                broken = True  # this run and every one left are made here
                waiting.clear()
            if made is None:
                for period in run:
                    yield _here(publisher, period)
                continue
            for each in made:
                yield _written(publisher, each)
    finally:
        _PUBLISHER = None
        pool.shutdown(cancel_futures=True)
        gc.unfreeze()


def _submit(
    pool: ProcessPoolExecutor,
    runs: Sequence[Sequence[Period]],
    index: int,
    waiting: deque[tuple[int, Future[list[Made] | None]]],
) -> None:
    """Hand the worker its runs (the odd ones) up to :data:`_AHEAD` ahead of ``index``.

    Raises:
        BrokenProcessPool: the worker died.
    """
    following = waiting[-1][0] + 2 if waiting else 1
    while following < len(runs) and following <= index + 2 * _AHEAD:
        waiting.append((following, pool.submit(_made_in_worker, runs[following])))
        following += 2


def _written(publisher: Publisher, made: Made) -> Published:
    """Write what the worker made, and report its problems, as :func:`_here` would have."""
    for problem in made.problems:
        publisher.collect(problem)
    if made.rendered is None:
        return Published(None, made.problems)
    return Published(publisher.write(made.rendered), made.problems)


# The open build the forked worker makes editions with, set just before it forks.
_PUBLISHER: Publisher | None = None


def _started(parent: int) -> None:
    """In the worker: die with the build, and open the store's connections of its own."""
    from digest.ingest_pool import _worker_started

    _worker_started(parent)
    assert _PUBLISHER is not None, "the worker forked before its build was set"
    _PUBLISHER.forked()


def _made_in_worker(run: Sequence[Period]) -> list[Made] | None:
    """The editions of ``run``, made and rendered; None when any raised (the build's
    process makes the run again, and raises the error itself)."""
    publisher = _PUBLISHER
    assert publisher is not None, "the worker forked before its build was set"
    made = []
    try:
        for period in run:
            before = len(publisher.problems)
            edition: Edition | None = publisher.edition(period)
            rendered = publisher.render(edition) if edition is not None else None
            made.append(Made(rendered, tuple(publisher.problems[before:])))
    except BaseException:  # made again by the build's process, which raises it
        return None
    return made
