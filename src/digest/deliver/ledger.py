"""The send log, the subscribers' status and the per-edition send lock, in the store.

Each message is logged twice: ``sending`` just before the server is told it is complete
(in the same transaction that renews the lock, so only the lock's holder can log one),
then ``sent``, ``failed-temporary``, ``failed-permanent`` or ``unknown`` from the server's
answer. A ``sending`` row found when the lock is taken is a sender that died between the
two: it becomes ``unknown`` and is not sent again (see README, "Delivery").

The outbox keeps its own record of the editions whose sending began
(:meth:`digest.outbox.Outbox.mark_sent`), written in the transaction of an edition's
first ``sending`` row, before the message is completed. A store that was lost, emptied
or replaced by a new one has no send log for them: :meth:`Ledger.check_send_log` then
refuses, since sending again would mail every subscriber a second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from digest import locks
from digest.deliver.transport import DeliveryError
from digest.errors import StoreError
from digest.outbox import SENT, Outbox
from digest.schema import aware_utc, deliveries_table, naive_utc, subscribers_table
from digest.sqlite_file import reason

State = Literal["sending", "sent", "failed-temporary", "failed-permanent", "unknown"]
#: States after which a message is never sent again.
FINAL: frozenset[str] = frozenset({"sent", "failed-permanent", "unknown"})


@dataclass(frozen=True)
class Delivery:
    """One row of the send log: an edition to one address."""

    edition_id: str
    email: str
    variant: str
    state: State
    attempts: int
    #: The server's last answer (or the connection error).
    reply: str | None
    updated: datetime
    #: When a temporary failure may be tried again.
    retry_at: datetime | None


class Ledger:
    """Delivery state in the store's database (tables of :mod:`digest.store`).

    Args:
        outbox: where the editions whose sending began are also recorded; None records
            nothing (and :meth:`check_send_log` checks nothing).
    """

    def __init__(self, engine: Engine, outbox: Outbox | None = None) -> None:
        self.engine = engine
        self.outbox = outbox
        self._recorded: set[str] = set()

    def check_send_log(self) -> None:
        """Refuse a store without the send log of editions the outbox records as sent.

        Raises:
            StoreError: an edition of the outbox's ``.sent`` folder has no row in the
                store's send log (the store was replaced, emptied, or is not this
                outbox's).
        """
        if self.outbox is None:
            return
        recorded = self.outbox.sent_marks()
        if not recorded:
            return
        query = select(deliveries_table.c.edition_id).distinct()
        try:
            with self.engine.connect() as conn:
                logged = set(conn.execute(query).scalars())
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the send log: {reason(exc)}") from exc
        missing = [edition for edition in recorded if edition not in logged]
        if missing:
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            mark = (self.outbox.root / SENT / missing[0]).absolute()
            url = self.engine.url
            store = url.database if url.get_backend_name() == "sqlite" else None
            raise StoreError(
                f"store {store or url.render_as_string(hide_password=True)} has no send log "
                f"of {missing[0]}{more}, which the outbox records as sent ({mark}): the store "
                "was lost or replaced, and sending could mail every subscriber again; nothing "
                f"sent. Restore the store from a backup, or remove {mark} to send it again"
            )

    # Subscribers -------------------------------------------------------------------------

    def statuses(self, emails: Iterable[str]) -> dict[str, str]:
        """The stored status of these addresses (``active``, ``unsubscribed``, ``bounced``)."""
        wanted = set(emails)
        query = select(subscribers_table.c.email, subscribers_table.c.status)
        with self.engine.connect() as conn:
            return {email: status for email, status in conn.execute(query) if email in wanted}

    # Send log ----------------------------------------------------------------------------

    def deliveries(self, edition_id: str) -> dict[str, Delivery]:
        """The send log of one edition, by address."""
        query = select(deliveries_table).where(deliveries_table.c.edition_id == edition_id)
        with self.engine.connect() as conn:
            return {row.email: _delivery(row) for row in conn.execute(query)}

    def resolve_interrupted(self, edition_id: str, now: datetime) -> list[str]:
        """Turn the edition's ``sending`` rows into ``unknown``; their addresses.

        Call only while holding the edition's lock: no live sender is then between the
        two writes of a message, so each such row is a sender that died there.
        """
        table = deliveries_table
        key = (table.c.edition_id == edition_id) & (table.c.state == "sending")
        with self.engine.begin() as conn:
            emails = sorted(conn.execute(select(table.c.email).where(key)).scalars())
            if emails:
                reply = "the sender stopped after handing the message over; not sent again"
                conn.execute(
                    table.update()
                    .where(key)
                    .values(state="unknown", reply=reply, updated=naive_utc(now))
                )
        return emails

    def mark_sending(
        self, edition_id: str, email: str, variant: str, owner: str, now: datetime
    ) -> None:
        """Log ``sending`` (one more attempt) and renew the lock, in one transaction.

        Raises:
            DeliveryError: ``owner`` no longer holds the lock (another sender took it
                over); nothing is logged and the message must not be completed.
        """
        with self.engine.begin() as conn:
            if not locks.renew(conn, _lock(edition_id), owner, now):
                raise DeliveryError(f"{edition_id}: the send lock was taken over; stopped")
            self._upsert(conn, edition_id, email, variant, "sending", None, now, None, 1, owner)
            if self.outbox is not None and edition_id not in self._recorded:
                # Before the commit: a record that cannot be written rolls the row back.
                self.outbox.mark_sent(edition_id)
        if self.outbox is not None:
            self._recorded.add(edition_id)

    def mark(
        self,
        edition_id: str,
        email: str,
        variant: str,
        state: State,
        reply: str | None,
        now: datetime,
        *,
        retry_at: datetime | None = None,
        attempt: bool = False,
        bounce: bool = False,
    ) -> None:
        """Log the outcome of a message; ``attempt`` counts one more attempt (a failure
        before :meth:`mark_sending`); ``bounce`` marks the address bounced too."""
        with self.engine.begin() as conn:
            self._upsert(
                conn, edition_id, email, variant, state, reply, now, retry_at, int(attempt)
            )
            if bounce:
                conn.execute(
                    subscribers_table.update()
                    .where(subscribers_table.c.email == email)
                    .values(status="bounced", reason=reply, updated=naive_utc(now))
                )

    def _upsert(
        self,
        conn: Connection,
        edition_id: str,
        email: str,
        variant: str,
        state: State,
        reply: str | None,
        now: datetime,
        retry_at: datetime | None,
        more_attempts: int,
        owner: str | None = None,
    ) -> None:
        # Only the lock's holder writes an edition's rows: no race between select and write.
        table = deliveries_table
        key = (table.c.edition_id == edition_id) & (table.c.email == email)
        old = conn.execute(select(table.c.attempts).where(key)).scalar_one_or_none()
        values: dict[str, Any] = {
            "variant": variant,
            "state": state,
            "reply": reply,
            "updated": naive_utc(now),
            "retry_at": naive_utc(retry_at) if retry_at is not None else None,
        }
        if owner is not None:
            values["owner"] = owner
        if old is None:
            conn.execute(
                table.insert().values(
                    edition_id=edition_id, email=email, attempts=more_attempts, **values
                )
            )
        else:
            conn.execute(table.update().where(key).values(attempts=old + more_attempts, **values))

    # Lock --------------------------------------------------------------------------------

    def acquire(
        self, edition_id: str, owner: str, now: datetime, stale_before: datetime
    ) -> locks.Holder | None:
        """Take the edition's send lock for ``owner``; None when taken, else its holder.

        A lock not renewed since ``stale_before``, or held by a process of this machine
        that has died, is taken over (see :mod:`digest.locks`).
        """
        return locks.take(self.engine, _lock(edition_id), owner, now, stale_before)

    def release(self, edition_id: str, owner: str) -> None:
        """Give the lock back, if ``owner`` still holds it."""
        locks.release(self.engine, _lock(edition_id), owner)


def _lock(edition_id: str) -> str:
    return f"send:{edition_id}"


def _delivery(row: Any) -> Delivery:
    return Delivery(
        edition_id=row.edition_id,
        email=row.email,
        variant=row.variant,
        state=row.state,
        attempts=row.attempts,
        reply=row.reply,
        updated=row.updated.replace(tzinfo=UTC),
        retry_at=aware_utc(row.retry_at),
    )
