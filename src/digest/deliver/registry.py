"""The subscribers in the store: add, remove, reactivate, list, import.

Nothing is ever deleted: removing an address marks it ``unsubscribed``, a permanent
failure marks it ``bounced`` with the server's answer (:meth:`Ledger.mark`), and the
date of each change is kept. An import never overrides an address that unsubscribed or
bounced: only ``digest subscribers add`` or ``reactivate`` (an operator's decision) can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from digest.deliver.subscribers import Status, Subscriber
from digest.errors import InputError, StoreError
from digest.schema import naive_utc, subscribers_table

_TABLE = subscribers_table


@dataclass(frozen=True)
class ImportResult:
    """What an import did, by address."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    #: Known as unsubscribed or bounced: languages and themes updated, status kept.
    kept: tuple[tuple[str, str], ...] = field(default=())


class Registry:
    """The ``subscribers`` table of the store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def count(self) -> int:
        """How many addresses the store knows, whatever their status."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(_TABLE)).scalar_one())

    def newest_change(self) -> datetime | None:
        """When a subscriber last changed (UTC), None for no subscriber."""
        with self.engine.connect() as conn:
            moment = conn.execute(select(func.max(_TABLE.c.updated))).scalar_one_or_none()
        return moment.replace(tzinfo=UTC) if moment is not None else None

    def get(self, email: str) -> Subscriber | None:
        """The subscriber of ``email`` (in its stored IDNA form), if any."""
        with self.engine.connect() as conn:
            row = conn.execute(select(_TABLE).where(_TABLE.c.email == email)).first()
        return _subscriber(row) if row is not None else None

    def list(self, status: Status | None = None) -> list[Subscriber]:
        """Every subscriber (of ``status``), by address."""
        query = select(_TABLE).order_by(_TABLE.c.email)
        if status is not None:
            query = query.where(_TABLE.c.status == status)
        with self.engine.connect() as conn:
            return [_subscriber(row) for row in conn.execute(query)]

    def add(self, sub: Subscriber, now: datetime) -> str:
        """Add ``sub`` or update the known address; what was done, in a few words.

        Raises:
            InputError: the address bounced (``reactivate`` it first).
        """
        with self.engine.begin() as conn:
            old = conn.execute(select(_TABLE).where(_TABLE.c.email == sub.email)).first()
            if old is None:
                conn.execute(_TABLE.insert().values(**_values(sub, now)))
                return "added"
            if old.status == "bounced" and sub.status != "bounced":
                raise InputError(
                    f"{sub.email} bounced on {old.updated:%Y-%m-%d} ({old.reason}); "
                    f"digest subscribers reactivate {sub.email} first"
                )
            values = _values(sub, now)
            if _same(old, values):
                return "unchanged"
            if old.status == values["status"]:
                values.pop("updated")
            conn.execute(_TABLE.update().where(_TABLE.c.email == sub.email).values(**values))
            return "updated"

    def set_status(
        self, email: str, status: Status, now: datetime, *, only_from: Status | None = None
    ) -> Subscriber:
        """Give ``email`` the ``status`` (dated ``now``); the subscriber as it is now.

        Raises:
            InputError: no such address, or its status is not ``only_from``.
        """
        with self.engine.begin() as conn:
            old = conn.execute(select(_TABLE).where(_TABLE.c.email == email)).first()
            if old is None:
                raise InputError(f"{email}: no such subscriber")
            if only_from is not None and old.status != only_from:
                raise InputError(f"{email} is {old.status}, not {only_from}; nothing changed")
            if old.status != status:
                conn.execute(
                    _TABLE.update()
                    .where(_TABLE.c.email == email)
                    .values(status=status, reason=None, updated=naive_utc(now))
                )
            row = conn.execute(select(_TABLE).where(_TABLE.c.email == email)).one()
        return _subscriber(row)

    def confirm(self, sub: Subscriber, now: datetime) -> str:
        """Make ``sub`` active with its languages and themes, whatever it was before.

        The subscriber's own confirmation (a signed link opened from that mailbox): it
        may bring back an address that unsubscribed or bounced. ``added``, ``updated``
        or ``unchanged``.
        """
        values = _values(replace(sub, status="active", reason=None), now)
        for attempt in range(2):
            try:
                with self.engine.begin() as conn:
                    old = conn.execute(select(_TABLE).where(_TABLE.c.email == sub.email)).first()
                    if old is None:
                        conn.execute(_TABLE.insert().values(**values))
                        return "added"
                    if _same(old, values):
                        return "unchanged"
                    if old.status == "active":
                        values.pop("updated")
                    conn.execute(
                        _TABLE.update().where(_TABLE.c.email == sub.email).values(**values)
                    )
                    return "updated"
            except IntegrityError:
                # The same address confirmed twice at once: the second finds the first.
                if attempt:
                    raise StoreError(f"cannot confirm {sub.email}: concurrent change") from None
        raise AssertionError("unreachable")

    def set_choices(
        self,
        email: str,
        languages: Sequence[str],
        themes: Sequence[str],
        now: datetime,
        *,
        resubscribe: bool = False,
    ) -> Subscriber:
        """Give the known ``email`` these languages and themes (and make it active again
        after an unsubscribe when ``resubscribe``); the subscriber as it is now.

        A bounced address keeps its status: only an operator reactivates it.

        Raises:
            InputError: no such address.
        """
        with self.engine.begin() as conn:
            old = conn.execute(select(_TABLE).where(_TABLE.c.email == email)).first()
            if old is None:
                raise InputError(f"{email}: no such subscriber")
            values: dict[str, Any] = {"languages": "+".join(languages), "themes": list(themes)}
            if resubscribe and old.status == "unsubscribed":
                values.update(status="active", reason=None, updated=naive_utc(now))
            conn.execute(_TABLE.update().where(_TABLE.c.email == email).values(**values))
            row = conn.execute(select(_TABLE).where(_TABLE.c.email == email)).one()
        return _subscriber(row)

    def import_subscribers(self, subscribers: Sequence[Subscriber], now: datetime) -> ImportResult:
        """Add the new addresses, update the known ones, in one transaction.

        A known ``unsubscribed`` or ``bounced`` address keeps its status: an old file
        must not subscribe again someone who left.
        """
        for attempt in range(2):
            try:
                with self.engine.begin() as conn:
                    return self._import(conn, subscribers, now)
            except IntegrityError:
                # Another process added one of the new addresses at the same moment.
                if attempt:
                    raise StoreError("cannot import subscribers: concurrent import") from None
        raise AssertionError("unreachable")

    def _import(
        self, conn: Connection, subscribers: Sequence[Subscriber], now: datetime
    ) -> ImportResult:
        known = {row.email: row for row in conn.execute(select(_TABLE))}
        new: list[dict[str, Any]] = []
        added: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        kept: list[tuple[str, str]] = []
        for sub in subscribers:
            values = _values(sub, now)
            old = known.get(sub.email)
            if old is None:
                new.append(values)
                added.append(sub.email)
                continue
            if old.status in ("unsubscribed", "bounced") and sub.status != old.status:
                values["status"] = old.status
                values["reason"] = old.reason
                kept.append((sub.email, old.status))
            if _same(old, values):
                unchanged.append(sub.email)
                continue
            if old.status == values["status"]:
                values.pop("updated")
                values.pop("reason")
            conn.execute(_TABLE.update().where(_TABLE.c.email == sub.email).values(**values))
            updated.append(sub.email)
        if new:
            conn.execute(_TABLE.insert(), new)
        return ImportResult(tuple(added), tuple(updated), tuple(unchanged), tuple(kept))


def _values(sub: Subscriber, now: datetime) -> dict[str, Any]:
    return {
        "email": sub.email,
        "languages": sub.language_key,
        "themes": list(sub.themes),
        "status": sub.status,
        "reason": sub.reason,
        "updated": naive_utc(now),
    }


def _same(old: Any, values: dict[str, Any]) -> bool:
    return (old.languages, list(old.themes), old.status) == (
        values["languages"],
        values["themes"],
        values["status"],
    )


def _subscriber(row: Any) -> Subscriber:
    return Subscriber(
        email=row.email,
        languages=tuple(row.languages.split("+")),
        themes=tuple(row.themes),
        status=row.status,
        reason=row.reason,
        updated=row.updated.replace(tzinfo=UTC),
    )
