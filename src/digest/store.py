"""The item store: SQLAlchemy Core over SQLite (default) or PostgreSQL.

Items are keyed by their stable id: storing an item again updates it in place
and never duplicates it. Nothing is ever deleted by a build.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    func,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from digest.errors import StoreError
from digest.model import Item

metadata = MetaData()

items_table = Table(
    "items",
    metadata,
    Column("id", String(512), primary_key=True),
    Column("source_id", String(200), nullable=False, index=True),
    Column("source_name", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False),
    # Naive UTC: SQLite keeps no zone, so every dialect gets the same convention.
    Column("published", DateTime(timezone=False), nullable=False, index=True),
    Column("language", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("authors", JSON, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("translation_of", String(512), nullable=True),
)

_BATCH = 500


@dataclass(frozen=True)
class StoreCounts:
    """What one :meth:`Store.put` did."""

    added: int
    updated: int
    unchanged: int


class Store:
    """Items and their state in one database."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise StoreError(f"store_url {url!r} is not a database URL") from exc
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(parsed)
            metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open store {parsed.render_as_string()}: {exc}") from exc

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def put(self, items: Iterable[Item]) -> StoreCounts:
        """Insert new items and update changed ones, in one transaction."""
        added = updated = unchanged = 0
        try:
            with self.engine.begin() as conn:
                for batch in _batches(items):
                    ids = [item.id for item in batch]
                    existing = {
                        row.id: row
                        for row in conn.execute(
                            select(items_table).where(items_table.c.id.in_(ids))
                        )
                    }
                    for item in batch:
                        values = _to_row(item)
                        row = existing.get(item.id)
                        if row is None:
                            conn.execute(items_table.insert().values(**values))
                            added += 1
                        elif _from_row(row._mapping) != item:
                            conn.execute(
                                items_table.update()
                                .where(items_table.c.id == item.id)
                                .values(**values)
                            )
                            updated += 1
                        else:
                            unchanged += 1
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot write items: {exc}") from exc
        return StoreCounts(added, updated, unchanged)

    def items_between(self, start: datetime, end: datetime) -> list[Item]:
        """Items published in ``[start, end)``, by date then id."""
        query = (
            select(items_table)
            .where(items_table.c.published >= _naive_utc(start))
            .where(items_table.c.published < _naive_utc(end))
            .order_by(items_table.c.published, items_table.c.id)
        )
        with self.engine.connect() as conn:
            return [_from_row(row._mapping) for row in conn.execute(query)]

    def all_items(self) -> list[Item]:
        """Every stored item, by date then id."""
        query = select(items_table).order_by(items_table.c.published, items_table.c.id)
        with self.engine.connect() as conn:
            return [_from_row(row._mapping) for row in conn.execute(query)]

    def count(self) -> int:
        """How many items are stored."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(items_table)).scalar_one())


def _batches(items: Iterable[Item]) -> Iterator[Sequence[Item]]:
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _to_row(item: Item) -> dict[str, Any]:
    row = asdict(item)
    row["published"] = _naive_utc(item.published)
    row["authors"] = list(item.authors)
    row["tags"] = list(item.tags)
    return row


def _from_row(row: Any) -> Item:
    return Item(
        id=row["id"],
        source_id=row["source_id"],
        source_name=row["source_name"],
        url=row["url"],
        title=row["title"],
        published=row["published"].replace(tzinfo=UTC),
        language=row["language"],
        text=row["text"],
        html=row["html"],
        authors=tuple(row["authors"]),
        tags=tuple(row["tags"]),
        translation_of=row["translation_of"],
    )
