"""Fold the editions older versions gave their own scheduled id into one per period.

Before edition ids were unified (:mod:`digest.schedule.ids`), a schedule built
``hebdo-weekly-2026-W48`` while ``digest build`` built ``weekly-2026-W48``: the same week
twice in the archive and the feeds, and a second mail for everyone. When two such
editions of one period meet (in the outbox, the send log or the outbox's ``.sent``
records), one is kept, the *survivor*: the period's current id when the outbox has it,
else the newest of the old ones. Each other one is merged into it:

1. its ``.sent`` record is copied to the survivor's (before the send log moves, so a
   crash in between leaves a record with rows under the other id: the next merge ends
   the job, and ``digest send`` merges before it checks);
2. its send-log rows move to the survivor's id in one transaction; an address with a
   row under both keeps the one that ends sending it (``sent`` over ``unknown`` over
   ``failed-permanent`` over ``failed-temporary``), so nobody gets the week twice; the
   moved row's reply says which id it was sent as;
3. its ``.sent`` record and its folder of ``editions/`` go. Its web pages stay, so the
   links of mails sent under the old id still work; no index or feed lists them.

Both editions' send locks are held meanwhile; an edition being sent is merged next time.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from digest.config import Settings
from digest.deliver.ledger import Ledger
from digest.errors import DigestError, StoreError
from digest.locks import new_owner
from digest.model import Problem
from digest.outbox import SENT, Outbox
from digest.schedule.ids import legacy_parts, resolve
from digest.schema import deliveries_table
from digest.sqlite_file import reason
from digest.store import Store

#: Which row of an address to keep when it has one under both ids: the higher.
_RANK = {"sent": 4, "unknown": 3, "sending": 3, "failed-permanent": 2, "failed-temporary": 0}


@dataclass(frozen=True)
class Merge:
    """One edition merged into the survivor of its period."""

    merged: str
    into: str
    #: Send-log rows moved to the survivor's id (an address it already had is not counted).
    rows: int

    def line(self) -> str:
        """``hebdo-weekly-2026-W48 merged into weekly-2026-W48 (3 send-log rows moved)``."""
        return f"{self.merged} merged into {self.into} ({self.rows} send-log rows moved)"


def plan(settings: Settings, outbox: Outbox, engine: Engine) -> dict[str, list[str]]:
    """The merges due: survivor -> the ids to merge into it (none: {})."""
    folder = outbox.root / "editions"
    folders = (
        {p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")}
        if folder.is_dir()
        else set()
    )
    try:
        with engine.connect() as conn:
            logged = set(conn.execute(select(deliveries_table.c.edition_id).distinct()).scalars())
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the send log: {reason(exc)}") from exc
    groups: dict[str, set[str]] = {}
    for edition in folders | logged | set(outbox.sent_marks()):
        try:
            target = resolve(settings, edition).id
        except DigestError:
            continue  # not an id this version makes: left alone
        groups.setdefault(target, set()).add(edition)
    due = {}
    for target, members in sorted(groups.items()):
        if len(members) < 2:
            continue  # one edition for the period (an old id alone stays as it is)
        survivor = _survivor(outbox, target, members, folders)
        due[survivor] = sorted(members - {survivor})
    return due


def merge_editions(
    settings: Settings,
    outbox: Outbox,
    engine: Engine,
    report: Callable[[Problem], None] = lambda problem: None,
    *,
    now: datetime | None = None,
) -> list[Merge]:
    """Merge every old-id edition that shares its period's edition; the caller holds the
    outbox's writer lock (:meth:`Outbox.open`).

    Args:
        report: told of an edition left for next time (being sent).

    Raises:
        StoreError, OutboxError: the store or the outbox cannot be written.
    """
    done = []
    moment = now or datetime.now(UTC)
    ledger = Ledger(engine, outbox)
    owner = new_owner()
    stale = moment - timedelta(minutes=settings.smtp.lock_timeout)
    for survivor, others in plan(settings, outbox, engine).items():
        for other in others:
            held = []
            for edition in (survivor, other):
                holder = ledger.acquire(edition, owner, moment, stale)
                if holder is not None:
                    report(
                        Problem(other, f"{edition} is being sent by {holder.owner}", "merged later")
                    )
                    break
                held.append(edition)
            try:
                if len(held) == 2:
                    ledger.resolve_interrupted(other, moment)
                    done.append(_merge(outbox, engine, other, survivor))
            finally:
                for edition in held:
                    ledger.release(edition, owner)
    return done


def merge_before_send(
    settings: Settings, report: Callable[[Problem], None] = lambda problem: None
) -> list[Merge]:
    """:func:`merge_editions` for a command that does not write the outbox (``digest send``):
    the outbox's writer lock is taken only when something is due."""
    outbox = Outbox(settings.paths.outbox)
    if not (outbox.root / "editions").is_dir():
        return []
    store = Store(settings.store_url)
    try:
        if not plan(settings, outbox, store.engine):
            return []
        outbox.open(wait=settings.outbox_wait)
        try:
            merged = merge_editions(settings, outbox, store.engine, report)
        finally:
            outbox.close()
    finally:
        store.close()
    for merge in merged:
        report(Problem(merge.merged, "an edition of an older version", merge.line()))
    return merged


def _survivor(outbox: Outbox, target: str, members: set[str], folders: set[str]) -> str:
    if target in folders:
        return target
    published = [
        (str((outbox.manifest(m) or {}).get("published", "")), m)
        for m in members
        if m in folders and legacy_parts(m) is not None
    ]
    return max(published)[1] if published else target


def _merge(outbox: Outbox, engine: Engine, other: str, survivor: str) -> Merge:
    marks = set(outbox.sent_marks())
    if other in marks and survivor not in marks:
        outbox.mark_sent(survivor)
    table = deliveries_table
    moved = 0
    try:
        with engine.begin() as conn:
            rows = {
                r.email: r for r in conn.execute(select(table).where(table.c.edition_id == other))
            }
            kept = {
                r.email: r
                for r in conn.execute(select(table).where(table.c.edition_id == survivor))
            }
            for email, row in sorted(rows.items()):
                mine = (table.c.edition_id == other) & (table.c.email == email)
                theirs = kept.get(email)
                if theirs is not None and _RANK.get(theirs.state, 0) >= _RANK.get(row.state, 0):
                    conn.execute(table.delete().where(mine))
                    continue
                if theirs is not None:
                    conn.execute(
                        table.delete().where(
                            (table.c.edition_id == survivor) & (table.c.email == email)
                        )
                    )
                else:
                    moved += 1
                reply = f"as {other}: {row.reply}" if row.reply else f"as {other}"
                conn.execute(table.update().where(mine).values(edition_id=survivor, reply=reply))
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot merge the send log of {other}: {reason(exc)}") from exc
    (outbox.root / SENT / other).unlink(missing_ok=True)
    folder = outbox.root / "editions" / other
    if folder.is_dir():
        # A hidden temporary name first: a folder half removed is never read as an edition,
        # and one left by a killed process goes with the outbox's leftovers.
        aside = folder.with_name(f".{other}.{os.getpid()}.tmp")
        folder.rename(aside)
        shutil.rmtree(aside, ignore_errors=True)
    return Merge(other, survivor, moved)
