"""Baseline: the store as the releases before versioned schemas made it.

Revision ID: 0001
Revises: (none)

The tables are a frozen copy of :mod:`digest.schema` as it was then, not an import
of it: later revisions change the schema from here. Those releases created the
missing tables at every start (``create_all``) and added the feeds' ``problems``
column to stores older than it; so a store they made may lack any table, or that
column. This revision does the same, idempotently: on an empty database it creates
everything; on a store of a previous release it adds only what is missing, then the
store is stamped at this revision like any other.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_meta = sa.MetaData()

_items = sa.Table(
    "items",
    _meta,
    sa.Column("id", sa.String(512), primary_key=True),
    sa.Column("source_id", sa.String(200), nullable=False, index=True),
    sa.Column("source_name", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("published", sa.DateTime(timezone=False), nullable=False, index=True),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("html", sa.Text, nullable=False),
    sa.Column("authors", sa.JSON, nullable=False),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("translation_of", sa.String(512), nullable=True),
)

_item_keys = sa.Table(
    "item_keys",
    _meta,
    sa.Column("key", sa.String(1024), primary_key=True),
    sa.Column("item_id", sa.String(512), nullable=False),
    sqlite_with_rowid=False,
)

_feeds = sa.Table(
    "feeds",
    _meta,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("etag", sa.Text, nullable=True),
    sa.Column("last_modified", sa.Text, nullable=True),
    sa.Column("last_success", sa.DateTime(timezone=False), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("last_error_at", sa.DateTime(timezone=False), nullable=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("problems", sa.JSON, nullable=True),
)

_translations = sa.Table(
    "translations",
    _meta,
    sa.Column("source_key", sa.String(64), primary_key=True),
    sa.Column("target_language", sa.String(8), primary_key=True),
    sa.Column("source_language", sa.String(8), nullable=False),
    sa.Column("source_text", sa.Text, nullable=False),
    sa.Column("target_text", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("origin", sa.Text, nullable=False),
)

_subscribers = sa.Table(
    "subscribers",
    _meta,
    sa.Column("email", sa.String(320), primary_key=True),
    sa.Column("languages", sa.String(32), nullable=False),
    sa.Column("themes", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("updated", sa.DateTime(timezone=False), nullable=False),
)

_deliveries = sa.Table(
    "deliveries",
    _meta,
    sa.Column("edition_id", sa.String(200), primary_key=True),
    sa.Column("email", sa.String(320), primary_key=True),
    sa.Column("variant", sa.String(32), nullable=False),
    sa.Column("state", sa.String(24), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("reply", sa.Text, nullable=True),
    sa.Column("updated", sa.DateTime(timezone=False), nullable=False),
    sa.Column("retry_at", sa.DateTime(timezone=False), nullable=True),
    sa.Column("owner", sa.String(200), nullable=True),
)

_schedule_state = sa.Table(
    "schedule_state",
    _meta,
    sa.Column("schedule", sa.String(100), primary_key=True),
    sa.Column("period_kind", sa.String(16), nullable=False),
    sa.Column("period_key", sa.String(32), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("edition_id", sa.String(200), nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("updated", sa.DateTime(timezone=False), nullable=False),
)

_holds = sa.Table(
    "holds",
    _meta,
    sa.Column("edition_id", sa.String(200), primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("held", sa.DateTime(timezone=False), nullable=False),
    sa.Column("released", sa.DateTime(timezone=False), nullable=True),
)

_locks = sa.Table(
    "locks",
    _meta,
    sa.Column("name", sa.String(300), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("renewed", sa.DateTime(timezone=False), nullable=False),
)

#: The columns added to a table after it first shipped (nullable, so rows stay as they were).
_ADDED_LATER = {"feeds": ("problems",)}


def upgrade() -> None:
    """Create the missing tables, and the columns older stores lack."""
    bind = op.get_bind()
    present = set(sa.inspect(bind).get_table_names())
    for table in _meta.sorted_tables:
        if table.name not in present:
            table.create(bind)
            continue
        columns = {column["name"] for column in sa.inspect(bind).get_columns(table.name)}
        for name in _ADDED_LATER.get(table.name, ()):
            if name not in columns:
                column = table.c[name]
                op.add_column(table.name, sa.Column(name, column.type, nullable=True))


def downgrade() -> None:
    """Drop every table of the baseline (the store's content with them)."""
    bind = op.get_bind()
    for table in reversed(_meta.sorted_tables):
        table.drop(bind, checkfirst=True)
