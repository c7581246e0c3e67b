"""Stored items cleaned by another version of the cleaning rules, cleaned again and stored.

Reading an item cleans it again unless its row says the current rules
(:data:`digest.clean.CLEANING_VERSION`) cleaned it (:func:`digest.store_rows.item_from_row`).
A store written before that version (before revision 0005, or before the rules last
changed) would pay that at every read of every item: a build first brings such rows to
the current version here, once. A row the rules leave as it is only gets the version
(and its content key); an item they change is stored as they make it, which the readers
already saw: its fields hash changes, so the editions that hold it are built again, and
its parts are computed again.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, or_, select

from digest.clean import CLEANING_VERSION
from digest.schema import item_parts_table, items_table
from digest.store import Store, batches
from digest.store_rows import item_row, raw_item_from_row

log = logging.getLogger("digest.store")

#: The rows of ``items`` another version of the rules cleaned (an index range each).
_OLDER = or_(
    items_table.c.cleaned.is_(None),
    items_table.c.cleaned < CLEANING_VERSION,
    items_table.c.cleaned > CLEANING_VERSION,
)


@dataclass(frozen=True)
class Recleaned:
    """What :func:`reclean_stored` did."""

    #: Rows found cleaned by another version of the rules (or by none known).
    found: int
    #: Items the current rules changed, stored changed.
    changed: tuple[str, ...]


def reclean_stored(store: Store) -> Recleaned:
    """Clean again the stored items another version of the rules cleaned, and store them
    with the current version, a transaction per batch (nothing to do: one index lookup)."""
    with store.engine.connect() as conn:
        ids = [row[0] for row in conn.execute(select(items_table.c.id).where(_OLDER))]
    changed: list[str] = []
    for chunk in batches(sorted(ids)):
        changed += store.transaction(functools.partial(_reclean, ids=chunk), "items cleaned")
    if ids:
        log.info(
            "%s: %d stored items cleaned again by cleaning rules version %d, %d changed",
            store.name,
            len(ids),
            CLEANING_VERSION,
            len(changed),
        )
    return Recleaned(len(ids), tuple(changed))


def _reclean(conn: Connection, ids: Sequence[str]) -> list[str]:
    """Bring the rows of ``ids`` still of another version to the current one; the ids of
    the items changed."""
    from digest.normalise import recleaned  # the normaliser: only when some row is old

    query = select(items_table).where(items_table.c.id.in_(ids)).where(_OLDER)
    changed, stamps = [], []
    for row in conn.execute(query).all():
        item = raw_item_from_row(row._mapping)
        clean = recleaned(item)
        values = item_row(clean)
        if clean == item:  # the same fields (and fields hash): only what this version adds
            stamps.append(
                {"key": item.id, "version": CLEANING_VERSION, "hash": values["content_key"]}
            )
            continue
        changed.append(item.id)
        conn.execute(items_table.update().where(items_table.c.id == item.id).values(**values))
        # Its parts were made from what it was: computed again.
        conn.execute(item_parts_table.delete().where(item_parts_table.c.item_id == item.id))
    if stamps:
        conn.execute(_STAMP, stamps)
    return changed


_STAMP = (
    items_table.update()
    .where(items_table.c.id == bindparam("key"))
    .values(cleaned=bindparam("version"), content_key=bindparam("hash"))
)
