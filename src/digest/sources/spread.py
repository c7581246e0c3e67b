"""Reading one source with other processes' help: its files parsed elsewhere, a chunk at a
time, while everything that depends on their order is done here, in order.

An article folder of thousands of files is one source, stored in one transaction before
the feeds after it (:mod:`digest.ingest`): read by one process, it held up every other
source's storing for as long as its files took to parse (about 8 s of 100,000 items'
backfill, ``bench/scale.py``). An adapter that can spread its reading
(:class:`SpreadReading`) walks its files here, hands the parsing of those to read to
``parse`` (the ingest pool's workers, :mod:`digest.ingest_pool`), and replays what each
file gave in the files' order: the same entries, problems and file states, in the same
order, as reading it in one process.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Protocol, TypeVar

from digest.model import Problem, RawEntry
from digest.sources import Report
from digest.sources.formats import Article

#: Most files, and bytes, of one chunk handed to ``parse``.
CHUNK_FILES = 100
CHUNK_BYTES = 4 * 2**20


@dataclass(frozen=True)
class FileTask:
    """One file to parse: its path (as walked), its key stem and its bytes when already
    read (None: the parser reads it)."""

    where: str
    stem: str
    data: bytes | None


@dataclass(frozen=True)
class ParsedFile:
    """What parsing one file gave, in the order met: each problem noted, and each
    article with its key."""

    events: tuple[Problem | tuple[str, Article], ...]


#: Parses chunks of files, giving each chunk's files parsed, in order (a chunk at a time:
#: in other processes, or here with ``map``).
ParseChunks = Callable[[Iterator[list[FileTask]]], Iterator[list[ParsedFile]]]


class SpreadReading(Protocol):
    """A source adapter whose files can be parsed in other processes."""

    id: str
    location: str

    def read_spread(self, report: Report, parse: ParseChunks) -> Iterator[RawEntry]:
        """What ``read(report)`` yields, its files parsed by ``parse``."""
        ...

    def parse_files(self, tasks: Sequence[FileTask]) -> list[ParsedFile]:
        """Each file of ``tasks`` parsed (what ``parse`` runs elsewhere); uses nothing the
        walk of :meth:`read_spread` changes."""
        ...


S = TypeVar("S")


def in_order(
    steps: Iterable[S], task_of: Callable[[S], FileTask | None], parse: ParseChunks
) -> Iterator[tuple[S, ParsedFile | None]]:
    """Each of ``steps`` (taken lazily: a walk that reads files as it goes), with its
    file parsed when ``task_of`` gives it one to parse (else None).

    The files go to ``parse`` a chunk at a time (:data:`CHUNK_FILES`, :data:`CHUNK_BYTES`),
    as far ahead of the step given as ``parse`` asks for chunks: the steps it walked past
    wait here, in order.
    """
    pending: deque[S] = deque()

    def chunks() -> Iterator[list[FileTask]]:
        chunk: list[FileTask] = []
        size = 0
        for step in steps:
            pending.append(step)
            task = task_of(step)
            if task is None:
                continue
            chunk.append(task)
            size += len(task.data or b"")
            if len(chunk) >= CHUNK_FILES or size >= CHUNK_BYTES:
                yield chunk
                chunk, size = [], 0
        if chunk:
            yield chunk

    # Each result comes after the step of its file was walked (its chunk was made then):
    # one taken to walk on belongs to the first step to parse now waiting.
    results = chain.from_iterable(parse(chunks()))
    early: ParsedFile | None = None
    while True:
        if not pending:
            # Walk on: to the next file parsed, or to the end of the walk.
            early = next(results, None)
            if not pending:
                return
        step = pending.popleft()
        if task_of(step) is None:
            yield step, None
        elif early is not None:
            yield step, early
            early = None
        else:
            yield step, next(results)
