"""The store's SQLite file: created whole, checked when opened, its failures in one line.

A new store file is made under a temporary name, its tables created, and only
then linked into place: no process ever sees a store file of zero bytes that is
being created, so a file of zero bytes, or one that does not start like a SQLite
database, is always a damaged store and is reported, never silently taken as a
new one (which would forget every item and the send log). An existing file is
checked with ``PRAGMA quick_check`` when opened, unless it is known sound: unchanged
since a process closed it cleanly after such a check (:func:`known_sound`). Errors
SQLite gives later (damaged pages, a full disk, a read-only file) become one
:class:`StoreError`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from digest.errors import StoreError

#: The first 16 bytes of every SQLite 3 database file.
HEADER = b"SQLite format 3\x00"
#: Tries at switching a new connection to WAL while another process opens the file.
_WAL_ATTEMPTS = 8
#: Each connection's page cache at most, in KiB (``PRAGMA cache_size``), and the pages of WAL
#: written between two automatic checkpoints (``PRAGMA wal_autocheckpoint``).
_CACHE_KIB = 65536
_CHECKPOINT_PAGES = 10_000
#: Problems ``PRAGMA quick_check`` lists at most.
_CHECK_LIMIT = 3

_DAMAGED_HINT = "restore it from a backup, or move it away to start a new store"
#: A store file changed this close before its soundness stamp was written may carry the
#: same modification time as before the change (coarse file system clocks): as git does
#: for its index ("racy" entries), such a stamp is not trusted and the file is checked.
_RACY_NS = 2_000_000_000
#: The same on a file system whose times have digits below the millisecond (ext4, XFS,
#: Btrfs, tmpfs: the kernel's clock tick, 1 to 10 ms): the window it needs is a few ticks.
_FINE_RACY_NS = 100_000_000
#: Times a closing process waits out the window before writing its stamp (each wait is
#: the rest of the window: once is enough unless the clock is stepped).
_STAMP_TRIES = 3
#: Store files from this size on are worth that wait: the check it spares reads about a
#: gigabyte a second, so a smaller file is checked in less time than the wait takes.
WAIT_FROM_BYTES = 64 * 1024 * 1024


def reason(exc: BaseException) -> str:
    """One line for a database error: the driver's message, without SQLAlchemy's SQL dump."""
    text = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
    return (text.strip().splitlines() or [type(exc).__name__])[0]


def damaged(name: str, why: str) -> StoreError:
    """The error for a store file that is not a usable database."""
    return StoreError(f"store {name} is damaged ({why}): {_DAMAGED_HINT}")


def prepare(path: Path, create_tables: Callable[[Engine], None]) -> None:
    """Check an existing store file, or create a new one whole (tables included).

    Raises:
        StoreError: the file is empty, is not a SQLite database, cannot be read, or
            the new one cannot be written.
    """
    try:
        with path.open("rb") as handle:
            start = handle.read(len(HEADER))
    except FileNotFoundError:
        _create(path, create_tables)
        return
    except OSError as exc:
        raise StoreError(f"cannot read store file {path}: {exc.strerror}") from exc
    if not start:
        raise StoreError(
            f"store file {path} is empty: it is not a digest store (a new store is never "
            "an empty file); restore it from a backup, or remove it to start a new store"
        )
    if start != HEADER:
        raise StoreError(
            f"store file {path} is not a SQLite database: restore it from a backup, "
            "or move it away to start a new store"
        )


def _create(path: Path, create_tables: Callable[[Engine], None]) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.unlink(missing_ok=True)
        engine = create_engine(f"sqlite:///{temporary}")
        event.listen(engine, "connect", sqlite_pragmas)
        try:
            create_tables(engine)
        finally:
            engine.dispose()  # the last connection closing checkpoints and removes the WAL
        # Another process may have created it at the same moment: theirs is as good.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    except OSError as exc:
        raise StoreError(f"cannot create store file {path}: {exc.strerror}") from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot create store file {path}: {reason(exc)}") from exc
    finally:
        _remove_temporary(path)


def _remove_temporary(path: Path) -> None:
    """Remove the temporary files of store creations that ended (this one, or killed ones)."""
    for leftover in path.parent.glob(f".{path.name}.*.new*"):
        pid = leftover.name[len(path.name) + 2 :].partition(".")[0]
        if pid.isdigit() and (int(pid) == os.getpid() or not _running(int(pid))):
            leftover.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True


def quick_check(engine: Engine, name: str) -> None:
    """Raise :class:`StoreError` when SQLite finds damaged pages in the store.

    ``quick_check`` reads every page once (linear in the file's size, about a second
    per gigabyte), without comparing indexes to their tables as ``integrity_check`` does.
    """
    with engine.connect() as conn:
        found = [str(row[0]) for row in conn.exec_driver_sql(f"PRAGMA quick_check({_CHECK_LIMIT})")]
    if found != ["ok"]:
        raise damaged(name, "; ".join(found))


def _stamp(path: Path) -> Path:
    """The file beside the store that records the store file as last found sound."""
    return path.with_name(f".{path.name}.sound")


def _signature(path: Path) -> tuple[str, int]:
    """The store file's identity, size and modification time, and that time alone."""
    found = path.stat()
    return f"{found.st_dev} {found.st_ino} {found.st_size} {found.st_mtime_ns}\n", found.st_mtime_ns


def _wal_in_use(path: Path) -> bool:
    """Whether the store has commits in its write-ahead log (not in the file itself)."""
    try:
        return path.with_name(f"{path.name}-wal").stat().st_size > 0
    except FileNotFoundError:
        return False


def known_sound(path: Path) -> bool:
    """Whether the store file is, byte for byte as far as its metadata tells, the file a
    digest process closed cleanly after finding it sound (``quick_check`` at open, no
    damage reported while in use).

    ``quick_check`` reads every page: about 3.5 s for a store of 100,000 items, at every
    command. Skipping it for an unchanged file loses nothing: a change to the file by
    anything else (a copy, a restore, a disk write) moves its size or modification time,
    and damage SQLite meets later while reading is reported as a damaged store all the
    same (:class:`DamageReport`). A write-ahead log with commits in it means the file is
    not the whole store: it is checked.
    """
    try:
        if _wal_in_use(path):
            return False
        stamp = _stamp(path)
        written = stamp.stat().st_mtime_ns
        recorded = stamp.read_text(encoding="ascii")
        signature, modified = _signature(path)
    except (OSError, UnicodeDecodeError):
        return False
    return recorded == signature and written - modified >= _racy_window(written, modified)


def _racy_window(*times_ns: int) -> int:
    """How long after a change of the store file its stamp must be written to be trusted:
    short when the file system's times tell milliseconds apart (none of them a whole
    millisecond), else the coarsest clock's two seconds."""
    return _FINE_RACY_NS if all(t % 1_000_000 for t in times_ns) else _RACY_NS


def record_sound(path: Path) -> None:
    """Note that the store file, just closed by a process that found it sound, is so.

    Not written when the stamp already says so, so that a run that changed nothing writes
    nothing. A stamp that cannot be written is no error: the next open checks the file.

    A process that wrote the store changed the file a moment ago (closing it checkpoints
    the write-ahead log): a stamp written at once would be "racy", not trusted, and the
    next command would check every page (about a second per gigabyte). On a file system
    with fine times the window is short (:data:`_FINE_RACY_NS`): for a file large enough
    (:data:`WAIT_FROM_BYTES`) it is waited out here, then the file is looked at again and
    the stamp written, so that a build leaves the check done. The file's signature is
    taken after the wait, as when no wait was needed: a change after it moves the file's
    time past the one stamped.
    """
    if _wal_in_use(path) or known_sound(path):
        return
    stamp = _stamp(path)
    temporary = stamp.with_name(f"{stamp.name}.{os.getpid()}.new")
    try:
        for _ in range(_STAMP_TRIES):
            signature, modified = _signature(path)
            temporary.write_text(signature, encoding="ascii")
            written = temporary.stat().st_mtime_ns
            window = _racy_window(written, modified)
            if window != _FINE_RACY_NS or written - modified >= window:
                break  # trusted as it is, or a coarse clock's window: not waited for
            if int(signature.split()[2]) < WAIT_FROM_BYTES:
                break  # checked at the next open in less time than the wait
            time.sleep(min(window, window - (written - modified)) / 1e9 + 0.002)
        os.replace(temporary, stamp)
    except OSError:
        temporary.unlink(missing_ok=True)


def forget_sound(path: Path) -> None:
    """Remove the stamp of a store found damaged, so that nothing trusts it again."""
    with contextlib.suppress(OSError):
        _stamp(path).unlink(missing_ok=True)


class DamageReport:
    """A ``handle_error`` listener: SQLite errors about the file itself become StoreError.

    Errors about concurrency (a busy or locked database, a constraint) are left as they
    are, for the callers that retry them.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        #: Whether SQLite reported the file damaged while in use.
        self.found_damage = False

    def __call__(self, context: ExceptionContext) -> BaseException | None:
        error = context.original_exception
        code = getattr(error, "sqlite_errorcode", None)
        if not isinstance(error, sqlite3.Error) or code is None:
            return None
        why = str(error)
        # SQLite's primary result codes (https://sqlite.org/rescode.html) that mean the
        # file itself is the problem.
        match code & 0xFF:
            case 11 | 26:  # SQLITE_CORRUPT, SQLITE_NOTADB
                self.found_damage = True
                return damaged(self.name, why)
            case 13:  # SQLITE_FULL
                return StoreError(
                    f"store {self.name}: the disk is full ({why}); nothing was written"
                )
            case 8:  # SQLITE_READONLY
                return StoreError(f"store {self.name} cannot be written ({why})")
            case 14:  # SQLITE_CANTOPEN
                return StoreError(f"cannot open store {self.name} ({why})")
            case 10:  # SQLITE_IOERR
                return StoreError(f"store {self.name}: disk I/O error ({why})")
        return None


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Settings of every SQLite connection (a ``connect`` listener)."""
    # Wait for another process's write instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 30000")
    # WAL lets readers work during a write and, with synchronous=NORMAL, commits without
    # an fsync each: a crash of the program loses nothing; a power cut may lose the last
    # commits, which the next run reads again from the sources. Switching to WAL needs
    # the database to itself and does not wait (no busy handler): retry while another
    # process opens it; once in WAL it stays so and later opens skip this.
    mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    for attempt in range(_WAL_ATTEMPTS):
        if str(mode).lower() == "wal":
            break
        try:
            mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        except sqlite3.OperationalError:
            if attempt == _WAL_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    cursor.execute("PRAGMA synchronous=NORMAL")
    # SQLite's defaults (a 2 MB page cache, a checkpoint every 1,000 pages of WAL) are for
    # small databases: storing 100,000 items spent its time evicting and re-reading the
    # pages of the indexes and copying the same pages back at each checkpoint (670,000
    # page writes for a 425 MB store). A 64 MiB cache per connection (allocated only as
    # pages are read) and a checkpoint every 10,000 pages (about 40 MB of WAL, which is
    # reused, and removed when the last connection closes) took the backfill's ingest from
    # 25 to 22 s (``bench/README.md``). What a commit guarantees is unchanged.
    cursor.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
    cursor.execute(f"PRAGMA wal_autocheckpoint={_CHECKPOINT_PAGES}")
    cursor.close()
