"""Named locks in the store: one holder at a time, taken over when abandoned.

Schedulers lock the edition they build (``build:<edition>``), senders the edition
they send (``send:<edition>``), so two processes on one store never do the same
work at once. Taking a free lock inserts its row, which the primary key makes
atomic on every database. A lock whose holder has not renewed it since
``stale_before`` (or at it), or whose holder is a process of this machine that no longer
runs, is taken over with a compare-and-set on the owner and time that were read:
two contenders cannot both take over the same lock. The holder taking its own
lock again renews it.

:class:`FileLock` is the other kind: a lock file of one machine, which the outbox's
writers take (see :meth:`digest.outbox.Outbox.open`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from digest.errors import StoreError
from digest.schema import locks_table, naive_utc
from digest.sqlite_file import reason

#: Tries at taking a lock when the row changes under our feet.
_ATTEMPTS = 5


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, and when they last took or renewed it."""

    owner: str
    renewed: datetime


def new_owner() -> str:
    """A lock owner name for this process: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def take(
    engine: Engine, name: str, owner: str, now: datetime, stale_before: datetime
) -> Holder | None:
    """Take the lock ``name`` for ``owner``: None when taken, else who holds it.

    Raises:
        StoreError: the store cannot be read or written.
    """
    try:
        for attempt in range(_ATTEMPTS):
            try:
                outcome = _try_take(engine, name, owner, now, stale_before)
            except OperationalError:
                # SQLite refuses a write at once, busy timeout or not, when another
                # process committed since this transaction began: look again.
                if attempt == _ATTEMPTS - 1:
                    raise
                time.sleep(0.02 * (attempt + 1))
                continue
            if outcome is not _GONE:
                return outcome
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot take lock {name}: {reason(exc)}") from exc
    return Holder("another process", now)


#: What :func:`_try_take` says when the lock was released while it looked.
_GONE = Holder("", datetime.min)


def _try_take(
    engine: Engine, name: str, owner: str, now: datetime, stale_before: datetime
) -> Holder | None:
    table = locks_table
    key = table.c.name == name
    try:
        with engine.begin() as conn:
            conn.execute(table.insert().values(name=name, owner=owner, renewed=naive_utc(now)))
        return None
    except IntegrityError:
        pass  # held, or abandoned: look at it
    with engine.begin() as conn:
        row = conn.execute(select(table).where(key)).first()
        if row is None:
            return _GONE  # released in between: try inserting again
        holder = Holder(row.owner, row.renewed.replace(tzinfo=UTC))
        abandoned = holder.renewed <= stale_before or _dead_here(holder.owner)
        if row.owner != owner and not abandoned:
            return holder
        swapped = conn.execute(
            update(table)
            .where(key)
            .where(table.c.owner == row.owner)
            .where(table.c.renewed == row.renewed)
            .values(owner=owner, renewed=naive_utc(now))
        )
        return None if swapped.rowcount == 1 else holder


def renew(conn: Connection, name: str, owner: str, now: datetime) -> bool:
    """Renew ``owner``'s lock within the caller's transaction; False if it was taken over."""
    renewed = conn.execute(
        update(locks_table)
        .where(locks_table.c.name == name)
        .where(locks_table.c.owner == owner)
        .values(renewed=naive_utc(now))
    )
    return renewed.rowcount == 1


def release(engine: Engine, name: str, owner: str) -> None:
    """Give the lock back, if ``owner`` still holds it.

    Raises:
        StoreError: the store cannot be written.
    """
    table = locks_table
    try:
        with engine.begin() as conn:
            conn.execute(table.delete().where(table.c.name == name).where(table.c.owner == owner))
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot release lock {name}: {reason(exc)}") from exc


def _dead_here(owner: str) -> bool:
    """True when ``owner`` names a process of this machine that no longer runs."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, but not ours to signal
        return False
    return False


# -- A lock file for one machine -------------------------------------------------------------


class FileLock:
    """An exclusive ``flock`` on a file, held by this process.

    Written by hand rather than with the ``filelock`` package: the waiting process
    names the holder (its pid, from the kernel's table of locks), and forked children (ingest
    workers) close their copy at once, so the lock never outlives the process that
    took it. The kernel drops a ``flock`` when its holder dies, however it dies.
    """

    #: Seconds between two looks while waiting.
    POLL = 0.2

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor: int | None = None

    @property
    def held(self) -> bool:
        """Whether this process holds the lock."""
        return self._descriptor is not None

    def acquire(self, wait: float, waiting: Callable[[str], None] = lambda holder: None) -> bool:
        """Take the lock, waiting at most ``wait`` seconds; False when it stayed taken.

        Args:
            waiting: called once with the holder's pid (or ``"?"``) when the lock is taken
                and this call starts waiting.

        Raises:
            OSError: the lock file cannot be created or opened.
        """
        if self._descriptor is not None:
            return True
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + wait
        told = False
        try:
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        os.close(descriptor)
                        return False
                    if not told:
                        waiting(self.holder())
                        told = True
                    time.sleep(self.POLL)
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(descriptor)
            raise
        self._descriptor = descriptor
        _HELD[descriptor] = os.getpid()
        return True

    def holder(self) -> str:
        """The pid of the process holding the lock, from ``/proc/locks``; ``"?"`` if unknown.

        The file itself stays empty, so that an outbox built twice is the same bytes.
        """
        try:
            inode = os.stat(self.path).st_ino
            table = Path("/proc/locks").read_text(encoding="ascii")
        except (OSError, ValueError):
            return "?"
        for line in table.splitlines():
            # "1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF"; waiters have "->".
            fields = line.split()
            if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].endswith(f":{inode}"):
                return fields[4]
        return "?"

    def release(self) -> None:
        """Give the lock back (closing the file drops it)."""
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is not None and _HELD.pop(descriptor, None) == os.getpid():
            os.close(descriptor)


#: Descriptors of the file locks held, with the pid that took each.
_HELD: dict[int, int] = {}


def _forget_in_child() -> None:
    # A forked child shares its parent's lock through the inherited descriptor: close it,
    # so that the lock goes with the parent (the parent's descriptor keeps it held).
    for descriptor in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(descriptor)
    _HELD.clear()


os.register_at_fork(after_in_child=_forget_in_child)
