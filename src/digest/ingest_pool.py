"""Reading sources in worker processes for :mod:`digest.ingest`, in the sources' order.

The pool forks (Linux only), so the adapters, their HTTP client and the language model
are inherited, not pickled; elsewhere, or with one worker, reading is serial here.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar, cast

from digest.errors import DigestError
from digest.sources import SourceAdapter

if TYPE_CHECKING:
    from digest.sources.spread import FileTask, ParseChunks, ParsedFile, SpreadReading

B = TypeVar("B")

#: Sources being read or queued ahead of the one being stored, per worker process.
_AHEAD = 2
#: Chunks of a spread source's files handed to each worker ahead of the one taken.
_CHUNKS_AHEAD = 2
#: Pickled batches read ahead and held in the reading process until their turn, at most
#: (about 3.6 KB an item: some 35,000 items; a batch is taken whatever its size).
HELD_BYTES = 128 * 2**20


class IngestWorkerError(DigestError):
    """A worker process reading sources died (killed, or out of memory)."""

    message = "a process reading sources died"


# What the forked workers read, set by the parent just before the pool starts.
_JOB: tuple[Sequence[SourceAdapter], Callable[[SourceAdapter], Any]] | None = None


def read_all(
    adapters: Sequence[SourceAdapter],
    read: Callable[[SourceAdapter], B],
    workers: int,
    settled: Callable[[SourceAdapter], bool] | None = None,
    before_fork: Callable[[], object] | None = None,
    spread: Callable[[SourceAdapter, ParseChunks], B] | None = None,
) -> Iterator[B]:
    """``read`` of each adapter, in their order, by ``workers`` processes at once.

    ``settled``: whether an adapter is cheap to read here (a local file unchanged since
    the last build yields nothing). Those are read in this process, in their turn; the
    pool reads the others, and is not started for fewer than two (starting it costs more
    than reading one source here: a build with nothing changed starts none).
    ``before_fork``: called when the pool is about to start, to load here once what every
    worker would load for itself. ``spread``: reads an adapter that can spread its reading
    (:class:`digest.sources.spread.SpreadReading`: an article folder) here, in its turn,
    its files parsed by the workers a chunk at a time, instead of by one worker alone.
    """
    to_read = [i for i, adapter in enumerate(adapters) if settled is None or not settled(adapter)]
    spreading = {i for i in to_read if spread is not None and _spreads(adapters[i])}
    pooled = [i for i in to_read if i not in spreading]
    workers = min(workers, len(to_read))
    if workers <= 1 or not can_fork():
        for adapter in adapters:
            yield read(adapter)
        return
    if before_fork is not None:
        before_fork()
    global _JOB
    _JOB = (adapters, read)
    try:
        yield from _pooled(adapters, read, workers, pooled, spreading, spread)
    except BrokenProcessPool as exc:
        raise IngestWorkerError() from exc
    finally:
        _JOB = None


def _pooled(
    adapters: Sequence[SourceAdapter],
    read: Callable[[SourceAdapter], B],
    workers: int,
    pooled: Sequence[int],
    spreading: set[int],
    spread: Callable[[SourceAdapter, ParseChunks], B] | None,
) -> Iterator[B]:
    """:func:`read_all` by a pool of ``workers`` forked processes: ``pooled`` read by them,
    ``spreading`` here with their help, the others here."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        # In the sources' order, whatever order the workers finish in, and a bounded
        # amount ahead of the one the caller is storing: pool.map would queue every
        # read batch in this process meanwhile (at 100,000 items, most of the store's
        # text at once). The workers keep reading while a long source (an article
        # folder of thousands of files) holds the head, up to HELD_BYTES read and
        # waiting here: bounded by a few sources instead, the other workers stopped
        # after them and idled until the head was read.
        ahead = _Ahead(workers)
        following = 0  # the next of ``pooled`` to submit
        for index, adapter in enumerate(adapters):
            while True:
                while following < len(pooled) and ahead.room():
                    ahead.add(pooled[following], pool.submit(_read_in_worker, pooled[following]))
                    following += 1
                if ahead.head_index() != index or ahead.head_done():
                    break
                ahead.wait()
            if ahead.head_index() == index:
                batch: B = pickle.loads(ahead.take())
                yield batch
            elif spread is not None and index in spreading:
                yield spread(adapter, partial(_parse_by_workers, pool, index, workers))
            else:
                yield read(adapter)


class _Ahead:
    """The sources given to the workers and not yet taken, in their order, and the bytes
    their finished readings hold here."""

    def __init__(self, workers: int) -> None:
        self._queue: deque[tuple[int, Future[bytes]]] = deque()
        self._reading: set[Future[bytes]] = set()  # not seen finished yet
        self._held = 0
        self._most_reading = workers * _AHEAD

    def add(self, index: int, future: Future[bytes]) -> None:
        self._queue.append((index, future))
        self._reading.add(future)

    def _settle(self) -> None:
        for future in [future for future in self._reading if future.done()]:
            self._reading.discard(future)
            if future.exception() is None:  # a failed reading raises in its turn, not here
                self._held += len(future.result())

    def room(self) -> bool:
        """Whether another source may be given to the workers: at most ``workers *
        _AHEAD`` being read or queued, and less than :data:`HELD_BYTES` held here."""
        self._settle()
        return len(self._reading) <= self._most_reading and self._held < HELD_BYTES

    def head_index(self) -> int | None:
        return self._queue[0][0] if self._queue else None

    def head_done(self) -> bool:
        return self._queue[0][1].done()

    def wait(self) -> None:
        """Until a reading finishes."""
        wait(self._reading, return_when=FIRST_COMPLETED)

    def take(self) -> bytes:
        """The first source's batch, pickled (its reading's error raised)."""
        _, future = self._queue.popleft()
        self._settle()
        data = future.result()
        self._held -= len(data)
        return data


def die_with_parent(parent: int) -> None:
    """Make this worker die with the process that started it, however that one ends.

    A build killed (SIGKILL) while its workers wait on their pipes would otherwise leave
    them waiting forever, holding its output (``digest build | tee`` never ends) and its
    files open: the kernel sends them SIGKILL when their parent dies (Linux's
    ``PR_SET_PDEATHSIG``; workers fork only on Linux). SIGKILL, not SIGTERM: a fork keeps
    the parent's handlers, and the scheduler's SIGTERM handler does not exit. Workers
    hold nothing to clean up: they never write the store or the outbox.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl(PR_SET_PDEATHSIG): {os.strerror(error)}")
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the line above could take effect


#: ``prctl`` option: the signal this process gets when its parent dies (linux/prctl.h).
_PR_SET_PDEATHSIG = 1


def _read_in_worker(index: int) -> bytes:
    assert _JOB is not None, "the pool forked before the job was set"
    adapters, read = _JOB
    # Pickled here rather than by the pool: the reading process holds the bytes until the
    # batch's turn, half the memory of the objects, and unpickles it then.
    return pickle.dumps(read(adapters[index]), pickle.HIGHEST_PROTOCOL)


def _spreads(adapter: SourceAdapter) -> bool:
    return callable(getattr(adapter, "read_spread", None)) and callable(
        getattr(adapter, "parse_files", None)
    )


def _parse_by_workers(
    pool: ProcessPoolExecutor, index: int, workers: int, chunks: Iterator[list[FileTask]]
) -> Iterator[list[ParsedFile]]:
    """Each chunk of adapter ``index``'s files parsed by the workers, in order, with
    :data:`_CHUNKS_AHEAD` chunks per worker handed out ahead of the one taken."""
    window: deque[Future[list[ParsedFile]]] = deque()
    for chunk in chunks:
        window.append(pool.submit(_parse_in_worker, index, chunk))
        if len(window) > workers * _CHUNKS_AHEAD:
            yield window.popleft().result()
    while window:
        yield window.popleft().result()


def _parse_in_worker(index: int, chunk: list[FileTask]) -> list[ParsedFile]:
    assert _JOB is not None, "the pool forked before the job was set"
    adapter = _JOB[0][index]
    return cast("SpreadReading", adapter).parse_files(chunk)


def can_fork() -> bool:
    """Whether worker processes can be forked here (Linux)."""
    # fork shares the adapters and the loaded models without pickling them; on macOS
    # forking a process that has threads is unsafe, and Windows has no fork.
    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
