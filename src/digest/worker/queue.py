"""The task queue: a procrastinate app whose jobs live in the store's PostgreSQL database.

Procrastinate's schema (its ``procrastinate_*`` tables, types and functions) is not one of
digest's Alembic revisions: it belongs to the procrastinate release pinned in
pyproject.toml. :func:`ensure_schema` (``digest worker schema``, and every worker or leading
scheduler at start) installs it when it is missing, and brings one installed by an older
procrastinate to this one with procrastinate's own migration files, in order. The release
whose schema is installed is kept as the comment of the ``procrastinate_jobs`` table. The
store check tolerates its tables (:data:`digest.migrations.COMPANION_PREFIXES`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib.metadata import version
from pathlib import Path

import psycopg
from procrastinate import App, PsycopgConnector, SyncPsycopgConnector
from procrastinate.schema import SchemaManager
from psycopg import sql
from sqlalchemy.engine import make_url

from digest.errors import StoreError

#: Key of the PostgreSQL advisory lock held while the queue's schema is installed.
_SCHEMA_LOCK = 0x6469676573740003  # "digest" + 3
#: The table whose presence says the queue's schema is installed (its comment: the release).
JOBS_TABLE = "procrastinate_jobs"
_STAMP = "procrastinate "

Version = tuple[int, ...]


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


@cache
def _app() -> App:
    """This process's one app, digest's tasks registered in it once.

    procrastinate's ``add_tasks_from`` renames the blueprint's tasks in place: a second app
    made in one process (a leader's second round) would queue ``digest:digest:ingest``,
    which no worker knows. So each use replaces this app's connector instead.
    """
    from digest.worker.tasks import blueprint

    app = App(connector=SyncPsycopgConnector())  # never opened: replaced at each use
    app.add_tasks_from(blueprint, namespace="digest")
    return app


@contextmanager
def worker_app(url: str) -> Iterator[App]:
    """The app a ``digest worker`` runs (asynchronous connector), tasks registered."""
    with _app().replace_connector(PsycopgConnector(conninfo=conninfo(url))) as app:
        yield app


@contextmanager
def opened(url: str) -> Iterator[App]:
    """An open app for deferring jobs and reading their status from synchronous code."""
    connector = SyncPsycopgConnector(conninfo=conninfo(url))
    with _app().replace_connector(connector) as app, app.open():
        yield app


def release() -> Version:
    """The installed procrastinate's release, e.g. ``(3, 10, 0)``."""
    return _parse(version("procrastinate"))


def _parse(text: str) -> Version:
    return tuple(int(part) for part in text.split("."))


def _shown(found: Version) -> str:
    return ".".join(str(part) for part in found)


def migrations(after: Version, upto: Version) -> list[Path]:
    """Procrastinate's migration files from release ``after`` (excluded) to ``upto``, in the
    order they apply (``03.04.00_01_pre_...sql`` before ``03.04.00_50_post_...sql``)."""
    folder = Path(SchemaManager.get_migrations_path())
    chosen = []
    for path in sorted(folder.glob("*.sql")):
        of = _parse(path.name.split("_", 1)[0])
        if after < of <= upto:
            chosen.append(path)
    return chosen


def ensure_schema(url: str) -> str | None:
    """Install procrastinate's schema in the store's database, or upgrade it to this
    release's; None when it was already this release's, else what was done.

    Several processes starting together do it once: the check and the change hold an
    advisory lock for their transaction, which a failed upgrade rolls back whole.

    Raises:
        StoreError: the database cannot be reached or written, or its queue's schema is a
            newer procrastinate's.
    """
    current = release()
    try:
        with psycopg.connect(conninfo(url)) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            row = conn.execute(
                "SELECT to_regclass(%s) IS NOT NULL, obj_description(to_regclass(%s), 'pg_class')",
                (JOBS_TABLE, JOBS_TABLE),
            ).fetchone()
            present, stamp = (bool(row[0]), row[1]) if row else (False, None)
            if not present:
                conn.execute(SchemaManager.get_schema())
                done = "installed"
            else:
                # Unstamped: installed by procrastinate's own command, taken as this release's.
                found = _parse(stamp[len(_STAMP) :]) if stamp else current
                if found > current:
                    raise StoreError(
                        f"the task queue's schema is procrastinate {_shown(found)}'s, newer "
                        f"than this digest's {_shown(current)}: upgrade digest"
                    )
                if found == current and stamp:
                    return None
                for path in migrations(found, current):
                    conn.execute(path.read_text(encoding="utf-8"))
                done = f"upgraded from procrastinate {_shown(found)}" if found < current else ""
            stamped = sql.Literal(_STAMP + _shown(current))
            conn.execute(
                sql.SQL("COMMENT ON TABLE {} IS {}").format(sql.Identifier(JOBS_TABLE), stamped)
            )
            return f"{done} (procrastinate {_shown(current)})".lstrip() if done else None
    except psycopg.Error as exc:
        raise StoreError(f"cannot install the task queue's schema: {exc}".strip()) from exc
