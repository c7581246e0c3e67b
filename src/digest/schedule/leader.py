"""One leading scheduler, the others standing by: a PostgreSQL advisory lock.

``digest schedule --workers`` holds a session-level advisory lock on a connection of its
own for as long as it leads. A standby asks for the same lock and waits inside PostgreSQL
(``pg_advisory_lock`` blocks): when the leader dies, however it dies (SIGKILL, a machine
lost), the server ends its session, which drops the lock, and one standby's wait returns.
The server's session is the lease: no heartbeat is written, no clock compared. TCP
keepalives end the session of a machine that vanished without closing it.
"""

from __future__ import annotations

import psycopg
from psycopg.conninfo import make_conninfo

from digest.errors import StoreError
from digest.worker.queue import conninfo

#: Key of the advisory lock the leading scheduler holds.
LEADER_KEY = 0x6469676573740002  # "digest" + 2
#: libpq keepalives: a peer that vanished is noticed in about a minute.
_KEEPALIVES = {
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
}


class Leadership:
    """The leader's lock on the store's database; :meth:`take` waits for it."""

    def __init__(self, url: str) -> None:
        try:
            self._conn = psycopg.connect(
                make_conninfo(conninfo(url), application_name="digest schedule", **_KEEPALIVES),
                autocommit=True,
            )
        except psycopg.Error as exc:
            raise StoreError(f"cannot reach the store to lead: {exc}".strip()) from exc

    def try_take(self) -> bool:
        """Take the lock if it is free; False when another scheduler leads."""
        row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_KEY,)).fetchone()
        return bool(row and row[0])

    def take(self) -> None:
        """Wait until the lock is ours (the leader died or stopped).

        A signal handler that raises ends the wait (the connection is then closed).
        """
        self._conn.execute("SELECT pg_advisory_lock(%s)", (LEADER_KEY,))

    def held(self) -> bool:
        """True while this connection is alive, and with it the lock."""
        try:
            self._conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def close(self) -> None:
        """Give up the lead (closing the session drops the lock)."""
        self._conn.close()
