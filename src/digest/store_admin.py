"""What ``digest store`` does: a store's schema revision, its upgrade, and its move.

:func:`copy_store` moves a store to another database (SQLite to PostgreSQL, or
back): every table, row for row, into a target created at the package's head and
refused unless empty. The source is read in one snapshot and the target written in
one transaction, so a failed copy leaves the target as empty as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, create_engine, func, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from digest import migrations
from digest.errors import StoreError
from digest.schema import metadata
from digest.sqlite_file import reason
from digest.store import Store

#: Rows read and written at a time while copying.
_BATCH = 1000


@dataclass(frozen=True)
class StoreStatus:
    """What ``digest store status`` shows."""

    #: The store as messages name it.
    name: str
    schema: migrations.SchemaState
    #: False for a SQLite file that does not exist yet.
    exists: bool = True


@dataclass(frozen=True)
class CopyReport:
    """What :func:`copy_store` copied."""

    source: str
    target: str
    #: The revision both stores are at.
    revision: str
    #: ``(table, rows)`` in the order copied.
    tables: tuple[tuple[str, int], ...]


def store_status(url: str) -> StoreStatus:
    """The schema state of the store at ``url``, read without changing anything.

    Raises:
        StoreError: the URL is unusable or the database cannot be read.
    """
    parsed = _parsed(url)
    name = _name(url)
    file = _file(parsed)
    if file is not None and not file.exists():
        empty = migrations.SchemaState(None, migrations.head(), "empty")
        return StoreStatus(name, empty, exists=False)
    try:
        engine = create_engine(parsed)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot open store {name}: {exc}") from exc
    try:
        with engine.connect() as conn:
            return StoreStatus(name, migrations.state(conn))
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read store {name}: {reason(exc)}") from exc
    finally:
        engine.dispose()


def upgrade_store(url: str) -> StoreStatus:
    """Create the store at ``url`` or bring it to head; its state as it was found.

    Every command does this when it opens a store; this one only does that.

    Raises:
        StoreError: the store cannot be opened, or its schema is unknown to this digest.
    """
    before = store_status(url)
    store = Store(url)
    store.close()
    return before


def copy_store(source_url: str, target_url: str) -> CopyReport:
    """Copy every table of the store at ``source_url`` into the empty store at ``target_url``.

    The source is brought to head first, as any command that opens it would; the
    target is created at head. Tables other software keeps in the store (APScheduler's
    jobs) are copied too.

    Raises:
        StoreError: either store cannot be opened, the target is not empty, both are the
            same store, the source holds a table digest does not know, or a row cannot
            be written (PostgreSQL refuses the NUL character in text, SQLite accepts it).
    """
    if _name(source_url) == _name(target_url):
        raise StoreError(f"cannot copy store {_name(source_url)} onto itself")
    source = Store(source_url)
    try:
        target = Store(target_url)
        try:
            return _copy(source, target)
        finally:
            target.close()
    finally:
        source.close()


def _copy(source: Store, target: Store) -> CopyReport:
    tables = _tables(source)
    try:
        with _snapshot(source.engine) as reading, target.engine.begin() as writing:
            filled = [f"{t.name} ({n} rows)" for t in tables if (n := _rows(writing, t, True))]
            if filled:
                raise StoreError(
                    f"store {target.name} is not empty ({', '.join(filled[:3])}): "
                    "copy into a new, empty database"
                )
            copied = []
            for table in tables:
                table.create(writing, checkfirst=True)  # a companion table may be missing
                try:
                    count = _copy_table(reading, writing, table)
                except (SQLAlchemyError, ValueError) as exc:
                    why = reason(exc) if isinstance(exc, SQLAlchemyError) else str(exc)
                    raise StoreError(
                        f"cannot copy table {table.name} of {source.name} into {target.name}: "
                        f"{why}; nothing was written"
                    ) from exc
                if _rows(writing, table) != count or _rows(reading, table) != count:
                    raise StoreError(f"copy of table {table.name} into {target.name} is incomplete")
                copied.append((table.name, count))
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot copy store {source.name} into {target.name}: {reason(exc)}; "
            "nothing was written"
        ) from exc
    return CopyReport(source.name, target.name, migrations.head(), tuple(copied))


def _tables(source: Store) -> list[Table]:
    """The tables to copy: digest's, then the companions the source has."""
    present = set(inspect(source.engine).get_table_names())
    unknown = present - set(metadata.tables) - migrations.COMPANION_TABLES
    unknown.discard(migrations.VERSION_TABLE)
    if unknown:
        raise StoreError(
            f"store {source.name} holds tables digest does not know "
            f"({', '.join(sorted(unknown))}): they would not be copied"
        )
    tables = list(metadata.sorted_tables)
    if "apscheduler_jobs" in present:
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

        tables.append(SQLAlchemyJobStore(engine=source.engine).jobs_t)
    return tables


def _rows(conn: Connection, table: Table, if_present: bool = False) -> int:
    if if_present and not inspect(conn).has_table(table.name):
        return 0
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _copy_table(reading: Connection, writing: Connection, table: Table) -> int:
    """Copy ``table`` in primary-key order, a batch at a time; how many rows."""
    query = select(table).order_by(*table.primary_key.columns)
    count = 0
    result = reading.execution_options(yield_per=_BATCH).execute(query)
    for rows in result.partitions():
        writing.execute(table.insert(), [dict(row._mapping) for row in rows])
        count += len(rows)
    return count


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection that sees the store as it was at one moment, while others write."""
    if engine.dialect.name == "postgresql":
        snapshot = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        with snapshot as conn, conn.begin():
            yield conn
        return
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            yield conn
        return
    # pysqlite opens no transaction for reads: one by hand, so every table is read from
    # the same WAL snapshot.
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.rollback()


def _parsed(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"store_url {url!r} is not a database URL") from exc


def _file(parsed: URL) -> Path | None:
    """The SQLite file of a URL; None for another database or SQLite in memory."""
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(str(parsed.database))
    return None


def _name(url: str) -> str:
    parsed = _parsed(url)
    file = _file(parsed)
    return str(file.resolve()) if file else parsed.render_as_string(hide_password=True)
