"""Per-item parts: what each item gives on its own, computed once and kept with it.

Revision ID: 0003
Revises: 0002

One new table (see :mod:`digest.schema`): ``item_parts`` (each item's key point,
theme rule matches and clustering traits, each with the version that made it). It only
lets a build skip work: dropping it (downgrade) loses nothing but time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``item_parts``."""
    op.create_table(
        "item_parts",
        sa.Column("item_id", sa.String(512), primary_key=True),
        sa.Column("content", sa.String(32), nullable=False),
        sa.Column("points_version", sa.String(16), nullable=True),
        sa.Column("points", sa.Text, nullable=True),
        sa.Column("themes_version", sa.String(16), nullable=True),
        sa.Column("themes", sa.Text, nullable=True),
        sa.Column("traits_version", sa.String(16), nullable=True),
        sa.Column("traits", sa.Text, nullable=True),
    )


def downgrade() -> None:
    """Drop it: the next build computes every item's parts again."""
    op.drop_table("item_parts")
