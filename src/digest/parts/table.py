"""The ``item_parts`` table: which parts are stale, reading a period's items with their
parts, writing parts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, bindparam, func, select

from digest.model import Item
from digest.parts.versions import Versions
from digest.schema import ITEM_FIELDS, item_parts_table, items_table, naive_utc
from digest.store import batches, item_from_row
from digest.store_rows import is_clean, stored_content_key

#: The parts' names, as their columns are named.
PARTS = ("points", "themes", "traits")
_JOIN = items_table.c.id == item_parts_table.c.item_id


def _published_in(start: datetime, end: datetime) -> tuple[ColumnElement[bool], ...]:
    """The conditions of the items published in ``[start, end)``."""
    published = items_table.c.published
    return published >= naive_utc(start), published < naive_utc(end)


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
    #: The content key stored with the item (:func:`digest.store_rows.stored_content_key`;
    #: None: computed from the item when its parts are).
    content: str | None = None


def stale(engine: Engine, start: datetime, end: datetime, current: Versions) -> list[Stale]:
    """The items published in ``[start, end)`` with a part missing or of another version."""
    columns = [item_parts_table.c[f"{name}_version"] for name in PARTS]
    keys = [items_table.c.cleaned, items_table.c.content_key]
    query = (
        select(items_table.c.id, items_table.c.language, *keys, *columns)
        .select_from(items_table.outerjoin(item_parts_table, _JOIN))
        .where(*_published_in(start, end))
        .order_by(items_table.c.published, items_table.c.id)
    )
    found = []
    with engine.connect() as conn:
        for row in conn.execute(query):
            parts, changed = [], []
            for name, version in zip(PARTS, row[4:], strict=True):
                if version != getattr(current, name):
                    parts.append(name)
                    if version is not None:
                        changed.append(name)
            if parts:
                key = stored_content_key(row._mapping)
                found.append(Stale(row[0], tuple(parts), tuple(changed), row[1], key))
    return found


def items_by_id(engine: Engine, ids: Sequence[str]) -> list[Item]:
    """The stored items of ``ids``, in the order given (ids not stored left out)."""
    found: dict[str, Item] = {}
    with engine.connect() as conn:
        for chunk in batches(ids):
            query = select(items_table).where(items_table.c.id.in_(chunk))
            found.update((row.id, item_from_row(row._mapping)) for row in conn.execute(query))
    return [found[i] for i in ids if i in found]


#: The columns of ``items`` the parts are made from, with those an :class:`Item` needs and
#: the item's cleaning version: no HTML, authors or tags, which no part reads (an item read
#: whole cost ~47 us, this ~18 us, at 10,000 items; and half the bytes handed to a worker).
_TO_COMPUTE = [
    *(items_table.c[name] for name in ITEM_FIELDS if name not in ("html", "authors", "tags")),
    items_table.c.cleaned,
]


def to_compute(engine: Engine, ids: Sequence[str]) -> list[Item]:
    """The stored items of ``ids`` as their parts are computed from them, in the order
    given (ids not stored left out): without their HTML, authors and tags, which no part
    reads; an item cleaned by older rules is read whole and cleaned again
    (:func:`digest.store_rows.item_from_row`)."""
    found: dict[str, Item] = {}
    older: list[str] = []
    with engine.connect() as conn:
        for chunk in batches(ids):
            query = select(*_TO_COMPUTE).where(items_table.c.id.in_(chunk))
            for row in conn.execute(query):
                if not is_clean(row._mapping):
                    older.append(row.id)
                    continue
                found[row.id] = Item(
                    row.id,
                    row.source_id,
                    row.source_name,
                    row.url,
                    row.title,
                    row.published.replace(tzinfo=UTC),
                    row.language,
                    row.text,
                    translation_of=row.translation_of,
                )
    found.update((item.id, item) for item in items_by_id(engine, older))
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
        .where(*_published_in(start, end))
        .order_by(items_table.c.published, items_table.c.id)
    )
    with engine.connect() as conn:
        found = conn.execute(query).all()
    return PeriodItems(
        tuple(item_from_row(row._mapping) for row in found),
        tuple(row._mapping if row.item_id is not None else None for row in found),
    )


def count_between(engine: Engine, start: datetime, end: datetime) -> int:
    """How many items were published in ``[start, end)``."""
    query = select(func.count()).select_from(items_table).where(*_published_in(start, end))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


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
