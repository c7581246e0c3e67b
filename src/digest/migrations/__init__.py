"""The store's versioned schema: Alembic revisions shipped inside the package.

Every store carries its revision in the ``alembic_version`` table. Opening a store
(:class:`digest.store.Store`) brings it to the package's head on its own when it is
at a revision this package knows, or was made by a release before versioned schemas
(digest's tables, no version table: revision ``0001`` adds what such a store may
lack and stamps it); a new, empty database is created at head the same way. A
store this package cannot vouch for is refused with a :class:`StoreError` saying
what to do: a revision it does not know (made by a newer digest), or tables that
are not digest's.

Upgrades hold a lock for their whole transaction (PostgreSQL: an advisory lock;
SQLite: ``BEGIN IMMEDIATE``) and read the revision again under it, so processes
that open a store together upgrade it once and the others find it done.

Adding a revision: a new file in ``versions/`` whose ``down_revision`` is the
current head (``digest store status`` names it), with ``upgrade`` and ``downgrade``;
:mod:`digest.schema` changes with it, and ``tests/test_migrations.py`` checks that a
store brought to head matches :data:`digest.schema.metadata` on every dialect.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.pool import NullPool

from digest.errors import StoreError
from digest.schema import metadata
from digest.sqlite_file import sqlite_pragmas

# Alembic (a second or so to import, and its scripts to load) is imported only when a
# store is not at HEAD: opening a store at head reads its version table alone.
if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger("digest.store")
# Alembic's own INFO lines ("Context impl ...", "Running upgrade ...") would reach the
# schedulers' log, which is at INFO: this module says what was done in one line instead.
logging.getLogger("alembic").setLevel(logging.WARNING)

#: Alembic's bookkeeping table: the store's revision.
VERSION_TABLE = "alembic_version"
#: Tables other software keeps in the store on digest's behalf: APScheduler's jobs
#: (``digest schedule``). Not digest's schema, never refused.
COMPANION_TABLES = frozenset({"apscheduler_jobs"})
#: Prefixes of the tables of a task queue that keeps its jobs in the same PostgreSQL
#: database (procrastinate), which may be installed there before digest's tables.
COMPANION_PREFIXES = ("procrastinate_",)
#: The revision of stores made before versioned schemas, once stamped.
BASELINE = "0001"
#: The head revision, known without loading the revisions (a test checks that it is
#: :func:`head`): a store whose version table names it is opened without Alembic.
HEAD = "0005"
#: Key of the PostgreSQL advisory lock held while a store is created or upgraded.
_LOCK_KEY = 0x6469676573740001  # "digest" + 1

_UPGRADE_HINT = "run `digest store upgrade`"
_NEWER_HINT = "upgrade digest to the release that wrote it"


@dataclass(frozen=True)
class SchemaState:
    """Where a store's schema stands against this package's revisions."""

    #: The store's revision; None when it has no version table.
    revision: str | None
    #: This package's head revision.
    head: str
    #: ``current`` (at head), ``older`` (a known revision before head), ``previous``
    #: (made by a release before versioned schemas), ``empty`` (no table of digest's),
    #: ``unknown`` (a revision this package does not know) or ``foreign`` (tables
    #: that are not digest's, and no version table).
    status: str
    #: The tables that made it ``foreign``, sorted.
    foreign: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        """True when opening the store may go on (upgrading it first if needed)."""
        return self.status not in ("unknown", "foreign")


@dataclass(frozen=True)
class Upgrade:
    """What :func:`upgrade` did."""

    #: The revision before (None: a new store, or one made before versioned schemas).
    before: str | None
    #: The revision now: always the head.
    after: str
    #: The state found before upgrading (under the lock).
    found: SchemaState

    @property
    def changed(self) -> bool:
        """True when the store was created or upgraded, False when it was at head."""
        return self.found.status != "current"


@cache
def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "digest:migrations")
    return config


@cache
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def head() -> str:
    """This package's head revision."""
    found = _script().get_heads()
    if len(found) != 1:  # a packaging mistake: two revisions on the same parent
        raise StoreError(f"digest's schema revisions have {len(found)} heads: {found}")
    return found[0]


def known_revisions() -> frozenset[str]:
    """Every revision this package ships."""
    return frozenset(script.revision for script in _script().walk_revisions())


def state(conn: Connection) -> SchemaState:
    """The schema state of the store on ``conn`` (reads only)."""
    from alembic.runtime.migration import MigrationContext

    top = head()
    tables = set(inspect(conn).get_table_names())
    if VERSION_TABLE in tables:
        revisions = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE}
        ).get_current_heads()
        revision = revisions[0] if len(revisions) == 1 else None
        if revision == top:
            return SchemaState(revision, top, "current")
        if revision is not None and revision in known_revisions():
            return SchemaState(revision, top, "older")
        return SchemaState(",".join(revisions) or None, top, "unknown")
    ours = tables & set(metadata.tables)
    foreign = {t for t in tables - set(metadata.tables) if not is_companion(t)}
    if foreign:
        return SchemaState(None, top, "foreign", tuple(sorted(foreign)))
    return SchemaState(None, top, "previous" if ours else "empty")


def is_companion(table: str) -> bool:
    """True for a table other software keeps in the store on digest's behalf."""
    return table in COMPANION_TABLES or table.startswith(COMPANION_PREFIXES)


def refusal(found: SchemaState, name: str) -> StoreError:
    """The one-line error for a store this package will not open."""
    if found.status == "foreign":
        shown = ", ".join(found.foreign[:3]) + (", ..." if len(found.foreign) > 3 else "")
        return StoreError(
            f"store {name} holds tables that are not digest's ({shown}): point store_url "
            "at an empty database or at a digest store"
        )
    return StoreError(
        f"store {name} is at schema revision {found.revision}, which this digest does not "
        f"know (its newest is {found.head}): {_NEWER_HINT}"
    )


def check(engine: Engine, name: str) -> SchemaState:
    """Bring the store to head when it is behind; refuse one this package does not know.

    Raises:
        StoreError: the store is at an unknown revision or holds foreign tables.
        SQLAlchemyError: the database could not be read or written.
    """
    with engine.connect() as conn:
        if _at_head(conn):
            return SchemaState(HEAD, HEAD, "current")
        found = state(conn)
    if found.status == "current":
        return found
    if not found.usable:
        raise refusal(found, name)
    return upgrade(engine, name).found


def _at_head(conn: Connection) -> bool:
    """True when the store's version table names :data:`HEAD` alone (one query)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return False
    found = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return found == [HEAD]


def upgrade(engine: Engine, name: str) -> Upgrade:
    """Bring the store to head under the upgrade lock; nothing to do when it is there.

    Raises:
        StoreError: the store is at an unknown revision or holds foreign tables.
        SQLAlchemyError: the database could not be read or written.
    """
    with _locked(engine) as conn:
        found = state(conn)  # again, under the lock: another process may have done it
        if not found.usable:
            raise refusal(found, name)
        if found.status != "current":
            from alembic import command

            config = _config()
            config.attributes["connection"] = conn
            try:
                command.upgrade(config, "head")
            finally:
                del config.attributes["connection"]
    if found.status not in ("current", "empty"):
        log.info(
            "store %s: schema upgraded from %s to %s",
            name,
            found.revision or "a previous release",
            found.head,
        )
    return Upgrade(found.revision, found.head, found)


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the store's upgrade lock until it ends."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            yield conn
        return
    # pysqlite begins transactions only before DML on its own, leaving DDL outside
    # them: a connection of its own, whose transactions take the write lock up front
    # and hold the DDL too.
    locking = create_engine(engine.url, poolclass=NullPool)
    event.listen(locking, "connect", sqlite_pragmas)
    event.listen(locking, "connect", _driver_transactions)
    event.listen(locking, "begin", _begin_immediate)
    try:
        with locking.begin() as conn:
            yield conn
    finally:
        locking.dispose()


def _driver_transactions(dbapi_connection: object, _record: object) -> None:
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")
