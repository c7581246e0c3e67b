"""Each item's fields hash: editions keyed without reading their items.

Revision ID: 0004
Revises: 0003

One new column of ``items`` (see :mod:`digest.schema`): ``fields_hash``, the hash of the
item's stored fields, filled here for the items already stored; and the index of ``items``
by date now also holds each item's id and hash, so that the keys of every edition of a
build (:mod:`digest.incremental`) come from one index-only range scan. Downgrading drops
both and restores the index by date alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from digest.schema import fields_hash

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

#: Items hashed per statement.
_BATCH = 500

# The table as this revision finds it (not digest.schema's, which later revisions change).
_items = sa.table(
    "items",
    sa.column("id", sa.String),
    sa.column("source_id", sa.String),
    sa.column("source_name", sa.Text),
    sa.column("url", sa.Text),
    sa.column("title", sa.Text),
    sa.column("published", sa.DateTime),
    sa.column("language", sa.String),
    sa.column("text", sa.Text),
    sa.column("html", sa.Text),
    sa.column("authors", sa.JSON),
    sa.column("tags", sa.JSON),
    sa.column("translation_of", sa.String),
    sa.column("fields_hash", sa.String),
)


def upgrade() -> None:
    """Add ``fields_hash``, fill it, and index it with the date and the id."""
    op.add_column("items", sa.Column("fields_hash", sa.String(32), nullable=True))
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.select(_items.c.id).order_by(_items.c.id))]
    update = (
        _items.update()
        .where(_items.c.id == sa.bindparam("key"))
        .values(fields_hash=sa.bindparam("hash"))
    )
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        query = sa.select(_items).where(_items.c.id.in_(chunk))
        found = [{"key": row.id, "hash": fields_hash(row._mapping)} for row in conn.execute(query)]
        if found:
            conn.execute(update, found)
    op.drop_index("ix_items_published", table_name="items")
    op.create_index("ix_items_published_fields", "items", ["published", "id", "fields_hash"])


def downgrade() -> None:
    """Drop the column and its index; index the items by date alone again."""
    op.drop_index("ix_items_published_fields", table_name="items")
    op.create_index("ix_items_published", "items", ["published"])
    with op.batch_alter_table("items") as batch:
        batch.drop_column("fields_hash")
