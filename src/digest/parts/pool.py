"""Computing many items' parts in forked worker processes while this process reads the
next items from the store and writes the rows computed (:func:`computed`).

The items are read a chunk at a time and each chunk is handed to the workers as soon as
it is read; the rows come back in the order of the items, a batch at a time, and are
written while the workers go on with the next chunks. This process computes chunks too
when the workers already have enough queued: a pool of two processes is one worker
process and this one, so two cores compute, not two plus a third that waits.

What the workers compute with (``compute`` and what it uses: the compiled rules, lemma
dictionaries, learned weights) is set up here before they fork (``warm``), and shared
with them instead of being set up again in each; so is every object of this process,
frozen out of the workers' garbage collections (:func:`gc.freeze`), which would
otherwise walk them all and copy the memory they share.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from digest.errors import DigestError
from digest.ingest_pool import can_fork
from digest.model import Item

#: What is handed with each item to the computation: the names of the parts wanted, with
#: whatever else the caller knows of the item (picklable, as the item).
W = TypeVar("W")
#: An item's row of ``item_parts``, computed from it and what was handed with it.
Compute = Callable[[Item, W], dict[str, Any]]
#: The stored items of some ids, in the order given (ids not stored left out).
Read = Callable[[Sequence[str]], list[Item]]

#: Most items computed per task of a worker process.
CHUNK = 100
#: Fewest items per task (smaller tasks cost more to hand over than they save).
_LEAST_CHUNK = 10
#: Tasks per process at least, when there are enough items: the last ones to finish
#: leave the other processes idle for less than one task's time.
_TASKS_PER_PROCESS = 8
#: Rows given back at a time (written in one transaction).
BATCH = 2000
#: Tasks queued for each worker process beyond the one it computes: what it goes on
#: with while this process reads, writes or computes a task of its own.
_QUEUED = 2
#: Most processes when their number is left to the machine.
_MAX_AUTO_PROCESSES = 4


class PartsWorkerError(DigestError):
    """A worker process computing the items' parts died (killed, or out of memory)."""

    message = "a process computing the items' parts died"


def processes(workers: int) -> int:
    """The processes that compute parts for ``workers`` (0: one per core, at most four);
    one where processes cannot be forked."""
    if not can_fork():
        return 1
    if workers == 0:
        return min(os.cpu_count() or 1, _MAX_AUTO_PROCESSES)
    return max(1, workers)


def chunk_size(items: int, processes: int) -> int:
    """Items per task for ``items`` computed by ``processes``."""
    each = -(-items // (processes * _TASKS_PER_PROCESS))
    return max(_LEAST_CHUNK, min(CHUNK, each))


def computed(
    read: Read,
    todo: Sequence[tuple[str, W]],
    compute: Compute[W],
    count: int,
    *,
    warm: Callable[[Sequence[Item]], None] = lambda items: None,
    compute_here: bool = True,
    chunk: int | None = None,
    batch: int | None = None,
) -> Generator[list[dict[str, Any]], None, None]:
    """The rows of ``todo`` (item ids, and what to hand with each to ``compute``: the
    names of the parts to compute of it...), in its order, computed by ``count``
    processes: whole chunks at a time, ``batch`` rows or more (but the last; :data:`BATCH`
    by default).

    ``count`` 1 computes them here, without forking. Otherwise ``warm`` is called once
    before the workers fork, with the items of the first chunk; ``compute_here``: this process
    is one of the ``count`` (else ``count`` workers are forked and this one only reads
    and writes). An exception raised computing an item is raised here; a worker that
    dies raises :class:`PartsWorkerError`. Closing the iterator early stops the workers.
    """
    size = chunk or chunk_size(len(todo), count)
    batch = batch or BATCH
    chunks = _chunks(read, todo, size)
    if count <= 1:
        yield from _batches((_run(compute, each) for each in chunks), batch)
        return
    workers = count - 1 if compute_here else count
    rows = _pooled(chunks, compute, workers, warm, compute_here)
    try:
        yield from _batches(rows, batch)
    finally:
        rows.close()  # stops the workers now when the caller stops early


def _chunks(read: Read, todo: Sequence[tuple[str, W]], size: int) -> Iterator[list[tuple[Item, W]]]:
    """The items of ``todo`` with what is handed with each, read ``size`` at a time."""
    wanted = dict(todo)
    for start in range(0, len(todo), size):
        items = read([item_id for item_id, _ in todo[start : start + size]])
        if items:
            yield [(item, wanted[item.id]) for item in items]


def _batches(rows: Iterator[list[dict[str, Any]]], size: int) -> Iterator[list[dict[str, Any]]]:
    found: list[dict[str, Any]] = []
    for each in rows:
        found.extend(each)
        if len(found) >= size:
            yield found
            found = []
    if found:
        yield found


def _pooled(
    chunks: Iterator[list[tuple[Item, W]]],
    compute: Compute[W],
    workers: int,
    warm: Callable[[Sequence[Item]], None],
    compute_here: bool,
) -> Generator[list[dict[str, Any]], None, None]:
    """The rows of each chunk in order, computed by ``workers`` forked processes (and
    by this one, ``compute_here``), the next chunks read while they compute."""
    first = next(chunks, None)
    if first is None:
        return
    global _JOB
    warm([item for item, _ in first])
    _JOB = compute
    # Everything made so far is shared with the workers: their collections skip it.
    gc.freeze()
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    # In order: a task's rows (computed here) or the worker's future of them.
    window: deque[Future[list[dict[str, Any]]] | list[dict[str, Any]]] = deque()
    ahead = workers * (1 + _QUEUED)
    pending: list[tuple[Item, W]] | None = first
    try:
        while True:
            while window and (isinstance(window[0], list) or window[0].done()):
                yield _rows(window.popleft())
            if pending is None:
                pending = next(chunks, None)
            in_flight = sum(1 for each in window if isinstance(each, Future) and not each.done())
            if pending is not None and in_flight < ahead:
                window.append(pool.submit(_job, pending))
                pending = None
            elif pending is not None and compute_here and len(window) < 2 * ahead:
                window.append(_run(compute, pending))
                pending = None
            elif window:
                yield _rows(window.popleft())
            else:
                break
    finally:
        _JOB = None
        pool.shutdown(cancel_futures=True)
        gc.unfreeze()


def _rows(
    found: Future[list[dict[str, Any]]] | list[dict[str, Any]],
) -> list[dict[str, Any]]:
    if isinstance(found, list):
        return found
    try:
        return found.result()
    except BrokenProcessPool as exc:
        raise PartsWorkerError() from exc


def _run(compute: Compute[W], chunk: Sequence[tuple[Item, W]]) -> list[dict[str, Any]]:
    return [compute(item, wanted) for item, wanted in chunk]


# What the forked workers compute with, set just before they fork.
_JOB: Compute[Any] | None = None


def _job(chunk: Sequence[tuple[Item, Any]]) -> list[dict[str, Any]]:
    assert _JOB is not None, "the workers forked before their job was set"
    return _run(_JOB, chunk)
