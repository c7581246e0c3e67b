"""Incremental builds: what each local source file and each edition were last built from.

Revision ID: 0002
Revises: 0001

Two new tables (see :mod:`digest.schema`): ``source_files`` (size, modification time
and hash of each local source file read) and ``edition_inputs`` (the key of the inputs
of each published edition). Both only let a build skip work: dropping them (downgrade)
loses nothing but time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``source_files`` and ``edition_inputs``."""
    op.create_table(
        "source_files",
        sa.Column("source_id", sa.String(200), primary_key=True),
        sa.Column("path", sa.String(1024), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("reader", sa.String(64), nullable=False),
        sa.Column("problems", sa.JSON, nullable=False),
    )
    op.create_table(
        "edition_inputs",
        sa.Column("edition_id", sa.String(200), primary_key=True),
        sa.Column("inputs", sa.String(64), nullable=False),
        sa.Column("manifest", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    """Drop both tables: the next build reads and builds everything again."""
    op.drop_table("edition_inputs")
    op.drop_table("source_files")
