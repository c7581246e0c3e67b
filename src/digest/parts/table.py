"""The ``item_parts`` table: which parts are stale, reading a period's items with their
parts, writing parts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, select

from digest.model import Item
from digest.parts.versions import Versions
from digest.schema import item_parts_table, items_table, naive_utc
from digest.store import batches, item_from_row

#: The parts' names, as their columns are named.
PARTS = ("points", "themes", "traits")
_JOIN = items_table.c.id == item_parts_table.c.item_id


@dataclass(frozen=True)
class Stale:
    """An item some of whose parts must be computed again."""

    item_id: str
    #: The parts to compute again.
    parts: tuple[str, ...]
    #: Parts computed before under another version (not only missing).
    changed: tuple[str, ...]
    #: The item's language.
    language: str = ""


def stale(engine: Engine, start: datetime, end: datetime, current: Versions) -> list[Stale]:
    """The items published in ``[start, end)`` with a part missing or of another version."""
    columns = [item_parts_table.c[f"{name}_version"] for name in PARTS]
    query = (
        select(items_table.c.id, items_table.c.language, *columns)
        .select_from(items_table.outerjoin(item_parts_table, _JOIN))
        .where(items_table.c.published >= naive_utc(start))
        .where(items_table.c.published < naive_utc(end))
        .order_by(items_table.c.published, items_table.c.id)
    )
    found = []
    with engine.connect() as conn:
        for row in conn.execute(query):
            parts, changed = [], []
            for name, version in zip(PARTS, row[2:], strict=True):
                if version != getattr(current, name):
                    parts.append(name)
                    if version is not None:
                        changed.append(name)
            if parts:
                found.append(Stale(row[0], tuple(parts), tuple(changed), row[1]))
    return found


def items_by_id(engine: Engine, ids: Sequence[str]) -> list[Item]:
    """The stored items of ``ids``, in the order given (ids not stored left out)."""
    found: dict[str, Item] = {}
    with engine.connect() as conn:
        for chunk in batches(ids):
            query = select(items_table).where(items_table.c.id.in_(chunk))
            found.update((row.id, item_from_row(row._mapping)) for row in conn.execute(query))
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True)
class PeriodItems:
    """Items read together with their stored parts (:func:`with_parts`)."""

    #: By date then id.
    items: tuple[Item, ...]
    #: Each item's row of ``item_parts``, in the same order (None: it has none).
    rows: tuple[Any, ...]


def with_parts(engine: Engine, start: datetime, end: datetime) -> PeriodItems:
    """Items published in ``[start, end)``, by date then id, each with its parts' row."""
    query = (
        select(items_table, item_parts_table)
        .select_from(items_table.outerjoin(item_parts_table, _JOIN))
        .where(items_table.c.published >= naive_utc(start))
        .where(items_table.c.published < naive_utc(end))
        .order_by(items_table.c.published, items_table.c.id)
    )
    with engine.connect() as conn:
        found = conn.execute(query).all()
    return PeriodItems(
        tuple(item_from_row(row._mapping) for row in found),
        tuple(row._mapping if row.item_id is not None else None for row in found),
    )


def write(engine: Engine, rows: Iterable[Mapping[str, Any]]) -> None:
    """Store these rows of ``item_parts``: a whole row replaces the item's row, if any;
    a row with only some parts updates those."""
    whole: list[Mapping[str, Any]] = []
    partial: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        if len(row) == len(item_parts_table.c):
            whole.append(row)
        else:
            names = tuple(sorted(k for k in row if k != "item_id"))
            values = {f"new_{k}": v for k, v in row.items() if k != "item_id"}
            partial.setdefault(names, []).append({"key": row["item_id"], **values})
    with engine.begin() as conn:
        for chunk in batches(whole):
            ids = [row["item_id"] for row in chunk]
            conn.execute(item_parts_table.delete().where(item_parts_table.c.item_id.in_(ids)))
            conn.execute(item_parts_table.insert(), list(chunk))
        for names, found in partial.items():
            update = (
                item_parts_table.update()
                .where(item_parts_table.c.item_id == bindparam("key"))
                .values({name: bindparam(f"new_{name}") for name in names})
            )
            for chunk in batches(found):
                conn.execute(update, list(chunk))
