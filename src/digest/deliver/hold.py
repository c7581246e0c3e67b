"""Holding an edition back before a schedule sends it, and releasing it.

A schedule with ``send = true`` checks an edition before its first message
(:func:`reasons_to_hold`); it holds it when

- an active subscriber would get a language block with no story in that language (a
  French reader whose edition holds only a Dutch story, shown untranslated), or
- the edition has nothing new: no story, or no item that an edition sent before did not
  already carry.

A held edition is a row of the store's ``holds`` table with its reasons. ``digest send``
refuses it (:func:`refuse_held`), ``digest release EDITION`` releases it and sends it; a
released edition is never held again, and an edition whose sending began is never
checked again (the check is about the first message, not about resuming).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from digest.deliver.message import choose_variant
from digest.deliver.subscribers import Subscriber
from digest.errors import DigestError, InputError, StoreError
from digest.schema import aware_utc, deliveries_table, holds_table, naive_utc
from digest.sqlite_file import reason


class EditionHeld(DigestError):
    """``digest send`` of an edition a schedule held; names the release command."""

    def __init__(self, hold: Hold) -> None:
        super().__init__(
            f"{hold.edition_id} is held ({'; '.join(hold.reasons)}); nothing sent. "
            f"digest release {hold.edition_id} sends it"
        )
        self.hold = hold


@dataclass(frozen=True)
class Hold:
    """An edition held back from sending."""

    edition_id: str
    #: Why, one short sentence each.
    reasons: tuple[str, ...]
    #: When it was held (UTC).
    held: datetime
    #: When the operator released it (None: still held).
    released: datetime | None = None

    def line(self) -> str:
        """``weekly-2026-W48: held (why; why): digest release weekly-2026-W48 sends it``."""
        return (
            f"{self.edition_id}: held ({'; '.join(self.reasons)}): "
            f"digest release {self.edition_id} sends it"
        )


def reasons_to_hold(
    manifest: Mapping[str, Any],
    subscribers: Sequence[Subscriber],
    variants: Mapping[str, tuple[str, ...]],
    earlier: Sequence[Mapping[str, Any]],
) -> list[str]:
    """Why the edition of ``manifest`` should not be sent as it is (empty: send it).

    Args:
        subscribers: who it would go to (only the active ones count).
        variants: its message variants and their languages (``{"fr-nl": ("fr", "nl")}``).
        earlier: the manifests of the editions sent before it.
    """
    reasons = []
    if not manifest.get("stories"):
        reasons.append("no story")
    else:
        items = set(manifest.get("items", ()))
        seen = {item for other in earlier for item in other.get("items", ())}
        if items <= seen:
            names = sorted(str(other.get("edition")) for other in earlier)
            reasons.append(f"nothing new: every item was in an edition sent before ({names[-1]})")
    views = manifest.get("views", {})
    readers: dict[tuple[str, tuple[str, ...]], int] = {}
    for sub in subscribers:
        variant = choose_variant(sub.languages, variants) if sub.status == "active" else None
        if variant is None:
            continue
        for lang in variants[variant]:
            shown = [
                point.get("lang")
                for section in views.get(lang, {}).get("sections", ())
                if not sub.themes or section.get("theme") in sub.themes
                for point in section.get("points", ())
            ]
            if shown and lang not in shown:
                key = (lang, tuple(sorted(set(map(str, shown)))))
                readers[key] = readers.get(key, 0) + 1
    for (lang, others), count in sorted(readers.items()):
        who = "subscriber" if count == 1 else "subscribers"
        reasons.append(
            f"{count} {who} would get a {lang} block with no story in {lang} "
            f"(only {', '.join(others)})"
        )
    return reasons


def sent_editions(engine: Engine) -> set[str]:
    """The editions that reached at least one subscriber."""
    table = deliveries_table
    query = select(table.c.edition_id).where(table.c.state == "sent").distinct()
    return set(_read(engine, lambda conn: list(conn.execute(query).scalars())))


def began(engine: Engine, edition_id: str) -> bool:
    """Whether the send log has any row of ``edition_id`` (its sending began)."""
    table = deliveries_table
    query = select(table.c.email).where(table.c.edition_id == edition_id).limit(1)
    return bool(_read(engine, lambda conn: list(conn.execute(query))))


def get_hold(engine: Engine, edition_id: str) -> Hold | None:
    """The hold of ``edition_id``, released or not; None when it was never held."""
    query = select(holds_table).where(holds_table.c.edition_id == edition_id)
    rows = _read(engine, lambda conn: list(conn.execute(query)))
    return _hold(rows[0]) if rows else None


def holds(engine: Engine) -> list[Hold]:
    """The editions held and not released, by id."""
    query = (
        select(holds_table)
        .where(holds_table.c.released.is_(None))
        .order_by(holds_table.c.edition_id)
    )
    return [_hold(row) for row in _read(engine, lambda conn: list(conn.execute(query)))]


def hold(engine: Engine, edition_id: str, reasons: Sequence[str], now: datetime) -> Hold:
    """Hold ``edition_id`` for ``reasons`` (a hold already there gets the new reasons).

    A released edition stays released: the hold is returned as it is.
    """
    table = holds_table
    values = {"reason": "\n".join(reasons), "held": naive_utc(now)}
    try:
        existing = get_hold(engine, edition_id)
        if existing is not None and existing.released is not None:
            return existing
        if existing is None:
            # Another scheduler may hold it at the same moment: same edition, same check.
            with contextlib.suppress(IntegrityError), engine.begin() as conn:
                conn.execute(table.insert().values(edition_id=edition_id, **values))
        else:
            key = (table.c.edition_id == edition_id) & table.c.released.is_(None)
            with engine.begin() as conn:
                conn.execute(table.update().where(key).values(**values))
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot hold {edition_id}: {reason(exc)}") from exc
    found = get_hold(engine, edition_id)
    assert found is not None
    return found


def drop_hold(engine: Engine, edition_id: str) -> None:
    """Forget an unreleased hold (a new check found nothing to hold it for)."""
    table = holds_table
    key = (table.c.edition_id == edition_id) & table.c.released.is_(None)
    try:
        with engine.begin() as conn:
            conn.execute(table.delete().where(key))
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot update the hold of {edition_id}: {reason(exc)}") from exc


def release(engine: Engine, edition_id: str, now: datetime | None = None) -> Hold:
    """Release a held edition: it may be sent, and is never held again.

    Raises:
        InputError: ``edition_id`` is not held.
    """
    table = holds_table
    key = (table.c.edition_id == edition_id) & table.c.released.is_(None)
    moment = naive_utc(now or datetime.now(UTC))
    try:
        with engine.begin() as conn:
            done = conn.execute(table.update().where(key).values(released=moment)).rowcount
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot release {edition_id}: {reason(exc)}") from exc
    if not done:
        raise InputError(f"{edition_id} is not held (digest send {edition_id} sends it)")
    found = get_hold(engine, edition_id)
    assert found is not None
    return found


def refuse_held(engine: Engine, edition_id: str) -> None:
    """Raise :class:`EditionHeld` when ``edition_id`` is held and not released."""
    found = get_hold(engine, edition_id)
    if found is not None and found.released is None:
        raise EditionHeld(found)


def _read(engine: Engine, query: Any) -> Any:
    try:
        with engine.connect() as conn:
            return query(conn)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the holds and the send log: {reason(exc)}") from exc


def _hold(row: Any) -> Hold:
    return Hold(
        edition_id=row.edition_id,
        reasons=tuple(row.reason.splitlines()),
        held=row.held.replace(tzinfo=UTC),
        released=aware_utc(row.released),
    )
