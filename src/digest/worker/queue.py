"""The task queue: a procrastinate app whose jobs live in the store's PostgreSQL database.

Procrastinate's schema (its ``procrastinate_*`` tables, types and functions) is not one of
digest's Alembic revisions: it belongs to the procrastinate release pinned in
pyproject.toml, and :func:`ensure_schema` installs it when it is missing (``digest worker
schema``, and every worker or leading scheduler at start). The store check tolerates its
tables (:data:`digest.migrations.COMPANION_PREFIXES`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from procrastinate import App, PsycopgConnector, SyncPsycopgConnector
from procrastinate.schema import SchemaManager
from sqlalchemy.engine import make_url

from digest.errors import StoreError

#: Key of the PostgreSQL advisory lock held while the queue's schema is installed.
_SCHEMA_LOCK = 0x6469676573740003  # "digest" + 3
#: The table whose presence says the queue's schema is installed.
JOBS_TABLE = "procrastinate_jobs"


def is_postgresql(url: str) -> bool:
    """True when ``url`` names a PostgreSQL store (the only kind the queue runs on)."""
    try:
        return make_url(url).get_backend_name() == "postgresql"
    except Exception:  # a malformed URL is the store's to report
        return False


def conninfo(url: str) -> str:
    """The libpq URI of a SQLAlchemy PostgreSQL URL (``postgresql+psycopg://...``).

    Raises:
        StoreError: the store is not PostgreSQL.
    """
    if not is_postgresql(url):
        raise StoreError(
            "workers need a PostgreSQL store (store_url = postgresql+psycopg://...); "
            "with SQLite, digest build and digest schedule do all the work in one process"
        )
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def worker_app(url: str) -> App:
    """The app a ``digest worker`` runs (asynchronous connector), tasks registered."""
    from digest.worker.tasks import blueprint

    app = App(connector=PsycopgConnector(conninfo=conninfo(url)))
    app.add_tasks_from(blueprint, namespace="digest")
    return app


@contextmanager
def opened(url: str) -> Iterator[App]:
    """An open app for deferring jobs and reading their status from synchronous code."""
    from digest.worker.tasks import blueprint

    app = App(connector=SyncPsycopgConnector(conninfo=conninfo(url)))
    app.add_tasks_from(blueprint, namespace="digest")
    with app.open():
        yield app


def ensure_schema(url: str) -> bool:
    """Install procrastinate's schema in the store's database if it is missing.

    Several processes starting together install it once: the check and the install hold
    an advisory lock for their transaction. True when it was installed now.

    Raises:
        StoreError: the database cannot be reached or written.
    """
    try:
        with psycopg.connect(conninfo(url)) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            row = conn.execute("SELECT to_regclass(%s)", (JOBS_TABLE,)).fetchone()
            if row is not None and row[0] is not None:
                return False
            conn.execute(SchemaManager.get_schema())
            return True
    except psycopg.Error as exc:
        raise StoreError(f"cannot install the task queue's schema: {exc}".strip()) from exc
