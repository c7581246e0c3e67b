"""Alembic's environment for the store: run by :mod:`digest.migrations` on its connection.

Only online migrations on a connection that :mod:`digest.migrations` opened (and
locked) are supported; ``alembic`` on the command line and offline SQL scripts are
not, so every upgrade goes through the same checks (``digest store upgrade``).
"""

from __future__ import annotations

from alembic import context

from digest.schema import metadata


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "digest's migrations run through digest.migrations (digest store upgrade)"
        )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite alters a table by copying it: later revisions use op.batch_alter_table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


_run()
