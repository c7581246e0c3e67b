"""What the store remembers for schedules: the last period done, and edition locks.

Locks (:mod:`digest.locks`) make sure two schedulers started on one store never
build the same edition at once; a lock older than :data:`LOCK_STALE` belongs to a
scheduler that died or hangs, and another one may take it over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from digest import locks
from digest.errors import StoreError
from digest.model import Period
from digest.schema import naive_utc, schedule_state_table
from digest.sqlite_file import reason
from digest.store import Store

#: A lock not released after this long is considered abandoned and may be taken over.
#: Building one edition takes seconds; an hour leaves room for slow translation servers.
LOCK_STALE = timedelta(hours=1)


@dataclass(frozen=True)
class ScheduleState:
    """The last period a schedule has done (built, found empty, or done elsewhere)."""

    schedule: str
    #: ``daily``, ``weekly`` or ``monthly``.
    period_kind: str
    #: ``2024-W42``.
    period_key: str
    #: First day of that period.
    period_start: date
    edition_id: str
    #: What the run did: ``built``, ``unchanged``, ``empty``...
    outcome: str
    #: When it was recorded (UTC).
    updated: datetime


def load_state(store: Store, schedule: str) -> ScheduleState | None:
    """The schedule's record, None when it never ran."""
    table = schedule_state_table
    try:
        with store.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.schedule == schedule)).first()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the state of schedule {schedule}: {reason(exc)}") from exc
    if row is None:
        return None
    values = dict(row._mapping)
    values["updated"] = values["updated"].replace(tzinfo=UTC)
    return ScheduleState(**values)


def last_done(store: Store, schedule: str, kind: str) -> date | None:
    """First day of the last period of kind ``kind`` the schedule did (None: none yet).

    A record of another kind (the schedule's period was changed) counts as none.
    """
    return period_done(load_state(store, schedule), kind)


def period_done(state: ScheduleState | None, kind: str) -> date | None:
    """First day of the last period of kind ``kind`` in ``state`` (see :func:`last_done`)."""
    return state.period_start if state is not None and state.period_kind == kind else None


def record_done(
    store: Store, schedule: str, period: Period, edition_id: str, outcome: str, now: datetime
) -> None:
    """Remember ``period`` as done, unless a later period of its kind is already recorded.

    The record only moves forward, even when two schedulers finish periods out of order.
    """
    table = schedule_state_table
    values = {
        "period_kind": period.kind,
        "period_key": period.key,
        "period_start": period.start,
        "edition_id": edition_id,
        "outcome": outcome,
        "updated": naive_utc(now),
    }
    later_or_other = (table.c.period_kind != period.kind) | (table.c.period_start < period.start)
    try:
        for _ in range(2):
            with store.engine.begin() as conn:
                moved = conn.execute(
                    table.update()
                    .where(table.c.schedule == schedule)
                    .where(later_or_other)
                    .values(**values)
                )
                if moved.rowcount:
                    return
                exists = conn.execute(
                    select(table.c.schedule).where(table.c.schedule == schedule)
                ).first()
                if exists is not None:
                    return
            try:
                with store.engine.begin() as conn:
                    conn.execute(table.insert().values(schedule=schedule, **values))
                return
            except IntegrityError:
                continue  # another scheduler inserted it first: update it instead
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot record schedule {schedule}: {reason(exc)}") from exc


def take_lock(
    store: Store, edition_id: str, owner: str, now: datetime, stale: timedelta = LOCK_STALE
) -> str | None:
    """Take the build lock of ``edition_id`` for ``owner``; None when taken, else the holder.

    The owner already holding it takes it again (its time is renewed); see :mod:`digest.locks`.
    """
    holder = locks.take(store.engine, f"build:{edition_id}", owner, now, now - stale)
    return None if holder is None else holder.owner


def release_lock(store: Store, edition_id: str, owner: str) -> None:
    """Release the build lock of ``edition_id`` if ``owner`` still holds it."""
    locks.release(store.engine, f"build:{edition_id}", owner)
