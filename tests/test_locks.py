"""Named locks in the store (digest.locks): exclusive, renewed, taken over when abandoned."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from digest import locks
from digest.store import Store

NOW = datetime(2024, 10, 21, 5, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(hours=1)


def test_a_lock_has_one_holder_and_is_renewed_only_by_it(store_url: str) -> None:
    store = Store(store_url)
    try:
        assert locks.take(store.engine, "send:e", "a", NOW, LONG_AGO) is None
        holder = locks.take(store.engine, "send:e", "b", NOW, LONG_AGO)
        assert holder is not None and holder.owner == "a"
        with store.engine.begin() as conn:
            assert locks.renew(conn, "send:e", "a", NOW + timedelta(minutes=1))
            assert not locks.renew(conn, "send:e", "b", NOW + timedelta(minutes=1))
        # Another name is another lock.
        assert locks.take(store.engine, "build:e", "b", NOW, LONG_AGO) is None
        locks.release(store.engine, "send:e", "b")  # not b's: stays
        assert locks.take(store.engine, "send:e", "c", NOW, LONG_AGO) is not None
        locks.release(store.engine, "send:e", "a")
        assert locks.take(store.engine, "send:e", "c", NOW, LONG_AGO) is None
    finally:
        store.close()


def test_a_lock_left_by_a_dead_process_of_this_machine_is_taken_over(store_url: str) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
    dead = f"{socket.gethostname()}:{finished.stdout.strip()}:gone"
    store = Store(store_url)
    try:
        assert locks.take(store.engine, "build:e", dead, NOW, LONG_AGO) is None
        # Recently renewed, but its process is gone: no need to wait for it to go stale.
        assert locks.take(store.engine, "build:e", "me", NOW, LONG_AGO) is None
        # A live holder elsewhere is respected until it goes stale.
        assert locks.take(store.engine, "build:f", "other-host:1:x", NOW, LONG_AGO) is None
        assert locks.take(store.engine, "build:f", "me", NOW, LONG_AGO) is not None
        later = NOW + timedelta(hours=2)
        assert locks.take(store.engine, "build:f", "me", later, later - timedelta(hours=1)) is None
    finally:
        store.close()
