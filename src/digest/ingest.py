"""Ingestion: read every source, normalise, identify, store.

Reading a source (fetching, parsing, sanitising, detecting languages, working
out identity keys) is independent from one source to the next and costs CPU;
storing is one writer at a time. So, with ``workers`` above 1, sources are
read in a pool of worker processes while this process stores each source's
batch as soon as it and every source before it are read. The result is the
same as a serial run, byte for byte: batches are stored in source order, the
problems are reported in that order, and the first source to bring an item
still wins.

Workers never touch the store. Feed states (HTTP validators, failures) go
through a :class:`StateLog`: a snapshot of the stored states taken before
the pool starts, whose saves travel back with each batch and are written
here. The pool (:mod:`digest.ingest_pool`) forks (Linux only), so adapters,
their HTTP client and the language model are inherited, not pickled; elsewhere
reading is serial. It reads only a few sources ahead of the one being stored,
so that read batches do not pile up in this process.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import Connection

from digest.config import Limits, Settings
from digest.identity import Incoming, keys_for
from digest.ingest_pool import read_all
from digest.model import FeedState, Problem, RawEntry
from digest.partial_read import Passed, WholeReading
from digest.problem_log import ProblemLog
from digest.recleaning import reclean_stored
from digest.source_state import FileState, file_states, write_file_states
from digest.sources import Report, SourceAdapter, adapters_for
from digest.store import Store, StoreCounts, write_feed_problems, write_feed_state
from digest.store_rows import prepared_row

# The normaliser (its language model, a good part of a second) is imported when an entry
# is read: a build whose sources are all unchanged never loads it.
if TYPE_CHECKING:
    from digest.normalise import Normalised
    from digest.sources.spread import ParseChunks

#: Most worker processes ``workers=0`` (automatic) starts.
MAX_AUTO_WORKERS = 8
#: Problems of one source shown by default (``limits.warnings_per_source``); the others
#: are counted in one line.
WARNINGS_PER_SOURCE: int = Limits().warnings_per_source
#: The kind of problem :func:`digest.normalise.normalise_entry` gives an entry dated in
#: the future (dated when read, until the clock reaches its date).
FUTURE_KIND = "entries dated in the future"


@dataclass(frozen=True)
class SourceBatch:
    """One source, read and normalised, ready for the store."""

    incoming: tuple[Incoming, ...]
    #: The problems met, one line per kind and location (the first
    #: :data:`~digest.problem_log.KEPT_PROBLEMS`).
    problems: tuple[Problem, ...]
    #: Feed states saved while the source was read, oldest first.
    states: tuple[FeedState, ...]
    #: Problems met beyond :data:`~digest.problem_log.KEPT_PROBLEMS` lines, counted only.
    more_problems: int = 0
    #: Local file states recorded while the source was read (:mod:`digest.sources.unchanged`).
    files: tuple[FileState, ...] = ()
    #: The source was read in part: the files passed over (:mod:`digest.partial_read`).
    passed: Passed | None = None


class StateLog:
    """Feed and file states for adapters (see ``FeedStates`` and ``FileStates``): the
    stored ones, and the saves since.

    Adapters read and save states here; :func:`ingest` writes the saves to the
    store with the batch they belong to.
    """

    def __init__(self, states: Iterable[FeedState] = (), files: Iterable[FileState] = ()) -> None:
        self._known = {state.id: state for state in states}
        self._saved: list[FeedState] = []
        self._files = {(state.source_id, state.path): state for state in files}
        self._saved_files: list[FileState] = []

    def file_state(self, source_id: str, path: str) -> FileState | None:
        """The latest state of file ``path`` of ``source_id``, None if never recorded."""
        return self._files.get((source_id, path))

    def known_files(self, source_id: str) -> list[str]:
        """The paths recorded for ``source_id``, sorted."""
        return sorted(path for source, path in self._files if source == source_id)

    def save_file_state(self, state: FileState) -> None:
        """Remember ``state`` (or forget the file) until :meth:`take_files` hands it on."""
        if state.forget:
            self._files.pop((state.source_id, state.path), None)
        else:
            self._files[(state.source_id, state.path)] = state
        self._saved_files.append(state)

    def take_files(self) -> tuple[FileState, ...]:
        """The file states saved since the last call, oldest first."""
        saved = tuple(self._saved_files)
        self._saved_files.clear()
        return saved

    def feed_state(self, feed_id: str) -> FeedState | None:
        """The latest state of ``feed_id``, None if it was never read."""
        return self._known.get(feed_id)

    def save_feed_state(self, state: FeedState) -> None:
        """Remember ``state`` until :meth:`take` hands it on."""
        self._known[state.id] = state
        self._saved.append(state)

    def take(self) -> tuple[FeedState, ...]:
        """The states saved since the last call, oldest first."""
        saved = tuple(self._saved)
        self._saved.clear()
        return saved


def ingest(
    adapters: Sequence[SourceAdapter],
    store: Store,
    report: Report,
    *,
    states: StateLog | None = None,
    workers: int = 1,
    warnings_per_source: int = WARNINGS_PER_SOURCE,
) -> StoreCounts:
    """Read every source, normalise, identify and store; problems go to ``report``.

    Each source is read whole before its items are identified, so that keys
    repeated within one source (a feed giving every entry the same link) are
    recognised and not trusted. Each source is stored in its own transaction.

    Args:
        states: the log the adapters keep their feed states in; its saves are
            written to ``store``.
        workers: processes reading sources at once; 1 reads in this process,
            0 picks one per CPU core (at most :data:`MAX_AUTO_WORKERS`).
        warnings_per_source: lines of problems of one source given to ``report``
            (problems of one kind in one feed are one line with their count); the
            others are counted in one more line, "N more problems in source ...".
            A feed's problems by kind are also kept in its state (``digest sources``).
    """
    now = datetime.now(UTC)
    written: set[str] = set()
    total = StoreCounts(0, 0, 0)
    read = functools.partial(read_source, now=now, states=states)
    count = worker_count(workers, len(adapters))
    batches = read_all(
        adapters,
        read,
        count,
        _settled,
        functools.partial(_before_fork, adapters),
        spread=functools.partial(_read_spread, now=now, states=states),
    )
    for adapter, batch in zip(adapters, batches, strict=True):
        _report_some(adapter, batch, report, warnings_per_source)
        if batch.incoming or batch.states or batch.files or batch.problems or batch.more_problems:
            counts, left_out = _store_batch(store, adapter, batch, written)
            total += counts
            for problem in left_out:
                report(problem)
    return total


def _store_batch(
    store: Store, adapter: SourceAdapter, batch: SourceBatch, written: set[str]
) -> tuple[StoreCounts, tuple[Problem, ...]]:
    """Write what reading one source gave, in one transaction: its feed states, its items
    (``written``: the ids written earlier in the run, added to once it commits), its
    files' states (a file is skipped next time only if its items are stored) and its
    problems by kind; the entries left out as the same item as an earlier one are the
    problems returned."""

    def write(conn: Connection) -> tuple[StoreCounts, set[str], tuple[Problem, ...]]:
        for state in batch.states:
            write_feed_state(conn, state)
        taken = set(written)
        skipped: list[tuple[Incoming, str]] = []
        counts = StoreCounts(0, 0, 0)
        if batch.incoming:
            passed = batch.passed
            whole = WholeReading(adapter.id, passed, store.known_keys) if passed else None
            counts = store.put_in(conn, batch.incoming, taken, skipped, whole)
        left_out = ProblemLog()
        for entry, item_id in skipped:
            _left_out(left_out, adapter.location, entry, item_id)
        write_file_states(conn, batch.files)
        if batch.incoming or batch.problems or batch.more_problems:
            # A feed that gave nothing at all (not modified since the last read) keeps the
            # problems of the run that last read it.
            kinds = problem_kinds(batch) + problem_kinds(SourceBatch((), left_out.lines(), ()))
            write_feed_problems(conn, adapter.id, kinds)
        return counts, taken, left_out.lines()

    counts, taken, left_out = store.transaction(
        write, f"the items and state of source {adapter.id!r}"
    )
    written.update(taken)
    return counts, left_out


def _before_fork(adapters: Sequence[SourceAdapter]) -> None:
    """Import here, before the pool forks, what its workers would each import for
    themselves: the normaliser (this process reads stored items through it later) and
    what reading the sources to be read needs (``preload``: feedparser, markdown-it...).
    The normaliser's language model is not loaded: most entries declare their language,
    and a worker that meets one that does not loads it then."""
    import digest.normalise  # noqa: F401

    for adapter in adapters:
        preload = getattr(adapter, "preload", None)
        if callable(preload) and not _settled(adapter):
            preload()


def _settled(adapter: SourceAdapter) -> bool:
    """Whether ``adapter`` says reading it now yields nothing (a local feed file unchanged
    since the last build: ``FeedSource.settled``); adapters that cannot tell, no."""
    check = getattr(adapter, "settled", None)
    return bool(check()) if callable(check) else False


def ingest_sources(
    settings: Settings,
    store: Store,
    feeds: list[dict[str, object]],
    report: Report,
) -> StoreCounts:
    """:func:`ingest` every source of the settings' sources folder: its articles, then
    each of ``feeds`` (the feed list), those over HTTP with one client. A local file
    unchanged since the last build is not read again (:mod:`digest.sources.unchanged`).
    Stored items an older version of the cleaning rules cleaned are first cleaned again
    (:mod:`digest.recleaning`); those it changed are reported."""
    recleaned = reclean_stored(store)
    if recleaned.changed:
        report(
            Problem(
                store.name,
                f"{len(recleaned.changed)} stored items held what the cleaning rules now "
                f"remove (first: {recleaned.changed[0]})",
                "stored cleaned; their editions are built again",
            )
        )
    states = StateLog(store.feed_states(), file_states(store.engine))
    limits = settings.limits
    fetcher = None
    if any(_over_http(str(feed["location"])) for feed in feeds):
        from digest.sources.http import HttpFetcher  # httpx: for feeds over HTTP only

        fetcher = HttpFetcher.within(limits)
    adapters = adapters_for(
        settings.paths.sources, settings.timezone, feeds, states, fetcher, limits, states
    )
    try:
        return ingest(
            adapters,
            store,
            report,
            states=states,
            workers=settings.ingest_workers,
            warnings_per_source=limits.warnings_per_source,
        )
    finally:
        if fetcher is not None:
            fetcher.close()


def _over_http(location: str) -> bool:
    try:
        return urlsplit(location).scheme in ("http", "https")
    except ValueError:  # not a URL at all: the feed says so when read
        return False


def _report_some(adapter: SourceAdapter, batch: SourceBatch, report: Report, shown: int) -> None:
    for problem in batch.problems[:shown]:
        report(problem)
    hidden = sum(p.count for p in batch.problems[shown:]) + batch.more_problems
    if hidden:
        what = f"{hidden} more problem{'s' if hidden > 1 else ''} in source {adapter.id!r}"
        report(Problem(adapter.location, what, "not shown", count=hidden))


def _left_out(log: ProblemLog, location: str, entry: Incoming, item_id: str) -> None:
    # An entry whose keys lead to the item an earlier entry of the run was stored as (by
    # its URL, another by its text): storing both would overwrite one with the other.
    title = repr(entry.item.title[:60])
    log(
        Problem(
            location,
            f"entry {title} is the same stored item as an earlier entry ({item_id})",
            "left out, the earlier entry kept",
            kind="entries found to be the same item as an earlier entry",
            subject=title,
        )
    )


def problem_kinds(batch: SourceBatch) -> tuple[tuple[str, int], ...]:
    """The problems of ``batch`` by kind, in the order met: what a feed state keeps."""
    kinds = [(p.kind or f"{p.what}; {p.action}", p.count) for p in batch.problems]
    if batch.more_problems:
        kinds.append(("other problems", batch.more_problems))
    return tuple(kinds)


def read_source(
    adapter: SourceAdapter,
    now: datetime,
    states: StateLog | None,
    parse: ParseChunks | None = None,
) -> SourceBatch:
    """Read one source whole: its items with their identity keys, and what went wrong.

    ``parse``: parses an adapter's files elsewhere (:mod:`digest.sources.spread`), for an
    adapter that can spread its reading (others are read here, as without it)."""
    problems = ProblemLog()
    batch: list[tuple[RawEntry, Normalised]] = []
    # Files with an entry dated in the future: read again at the next run, whose clock may
    # have passed the date (the entry then gets it), so their state is not recorded.
    unsettled: set[str] = set()
    spread = getattr(adapter, "read_spread", None) if parse is not None else None
    entries = spread(problems, parse) if spread is not None else adapter.read(problems)
    for raw in entries:
        # Imported at the first entry read: an unchanged source yields none.
        from digest.normalise import NormaliseError, normalise_entry

        try:
            done = normalise_entry(raw, now=now)
        except NormaliseError as exc:
            problems(Problem(raw.location, f"{exc} for {raw.title!r}", "skipped"))
            continue
        problems.extend(done.problems)
        if any(problem.kind == FUTURE_KIND for problem in done.problems):
            unsettled.add(raw.location)
        batch.append((raw, done))
    keys = keys_for([(raw, done.item) for raw, done in batch])
    walk = getattr(adapter, "walk", None)
    passed = walk.passed_for([raw.location for raw, _ in batch]) if walk is not None else None
    # Each item's row made here, in the worker process when there are some: the process
    # that writes the store only checks it was made from the item it stores.
    incoming = tuple(
        Incoming(done.item, key, done.provisional_date, prepared_row(done.item))
        for (_, done), key in zip(batch, keys, strict=True)
    )
    return SourceBatch(
        incoming,
        problems.lines(),
        states.take() if states else (),
        problems.more,
        tuple(f for f in states.take_files() if f.path not in unsettled) if states else (),
        passed,
    )


def _read_spread(
    adapter: SourceAdapter, parse: ParseChunks, now: datetime, states: StateLog | None
) -> SourceBatch:
    return read_source(adapter, now, states, parse)


def worker_count(workers: int, sources: int) -> int:
    """How many processes read ``sources`` sources when ``workers`` were asked for."""
    if workers == 0:
        workers = min(os.cpu_count() or 1, MAX_AUTO_WORKERS)
    return max(1, min(workers, sources))
