"""Each item's cleaning version and content key: items read without cleaning them again.

Revision ID: 0005
Revises: 0004

Two new columns of ``items`` (see :mod:`digest.schema`): ``cleaned``, the version of the
cleaning rules the row was cleaned by, indexed, and ``content_key``, what the item's parts
were made from. Both stay NULL here: a row without them is cleaned again when read, as
before, and :mod:`digest.recleaning` fills them at the next build (with the code of that
build, not a copy of it frozen here). Downgrading drops both.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``cleaned`` (indexed) and ``content_key``, NULL in every row."""
    op.add_column("items", sa.Column("cleaned", sa.Integer, nullable=True))
    op.add_column("items", sa.Column("content_key", sa.String(32), nullable=True))
    op.create_index("ix_items_cleaned", "items", ["cleaned"])


def downgrade() -> None:
    """Drop both columns and the index: items are cleaned again when read."""
    op.drop_index("ix_items_cleaned", table_name="items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("content_key")
        batch.drop_column("cleaned")
