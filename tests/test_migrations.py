"""The store's versioned schema: new stores at head, previous releases' stores upgraded,
unknown schemas refused in one line, and ``digest store copy`` from SQLite to PostgreSQL.

The store of the previous release is made from a frozen SQL text (tests/data/stores/),
written once from the schema of the last release before versioned schemas: it keeps
meaning whatever revisions come after.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text

from digest import migrations
from digest.clean import CLEANING_VERSION
from digest.errors import StoreError
from digest.model import FeedState
from digest.parts.compute import content_key
from digest.recleaning import Recleaned, reclean_stored
from digest.schema import items_table, metadata
from digest.store import Store
from digest.store_admin import copy_store, store_status
from digest.store_rows import item_row, raw_item_from_row
from tests.conftest import run_digest
from tests.postgres import fresh_database

STORES = Path(__file__).resolve().parent / "data" / "stores"

#: The tables and columns of the previous release's store, as the fixture has them.
PREVIOUS_TABLES = {
    "items": "id source_id source_name url title published language text html authors tags translation_of",
    "item_keys": "key item_id",
    "feeds": "id location etag last_modified last_success last_error last_error_at failures problems",
    "translations": "source_key target_language source_language source_text target_text status origin",
    "subscribers": "email languages themes status reason updated",
    "deliveries": "edition_id email variant state attempts reply updated retry_at owner",
    "schedule_state": "schedule period_kind period_key period_start edition_id outcome updated",
    "holds": "edition_id reason held released",
    "locks": "name owner renewed",
}


def load_previous_release(url: str) -> None:
    """Make the store a previous release made: its tables and rows, no version table."""
    engine = create_engine(url)
    sql = (STORES / f"previous-release.{engine.dialect.name}.sql").read_text("utf-8")
    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    try:
        with engine.begin() as conn:
            for statement in body.split(";\n"):
                if statement.strip():
                    conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def rows(url: str, tables: dict[str, str] = PREVIOUS_TABLES) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of ``tables`` (only the columns named), in primary-key order."""
    engine = create_engine(url)
    found = {}
    try:
        with engine.connect() as conn:
            for table, names in tables.items():
                columns = [metadata.tables[table].c[name] for name in names.split()]
                key = list(metadata.tables[table].primary_key.columns)
                query = metadata.tables[table].select().with_only_columns(*columns).order_by(*key)
                found[table] = [tuple(row) for row in conn.execute(query)]
    finally:
        engine.dispose()
    return found


def revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def schema_differences(url: str) -> list[Any]:
    """What Alembic finds between the store's tables and digest.schema.metadata."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return [d for d in compare_metadata(context, metadata) if not _companion(d)]
    finally:
        engine.dispose()


def _companion(difference: Any) -> bool:
    """A difference that is APScheduler's table or its index (not digest's schema)."""
    if isinstance(difference, list):  # column changes come as a list of tuples
        return False
    kind, thing = difference[0], difference[1]
    table = thing if kind == "remove_table" else getattr(thing, "table", None)
    return kind.startswith("remove_") and getattr(table, "name", "") in migrations.COMPANION_TABLES


def test_the_package_has_one_head_and_a_store_at_head_matches_the_schema(store_url: str) -> None:
    assert migrations.head() in migrations.known_revisions()
    assert migrations.head() == migrations.HEAD  # what opening a store at head trusts
    store = Store(store_url)
    store.close()
    assert store.schema.status in ("current", "empty")
    assert revision(store_url) == migrations.head()
    assert schema_differences(store_url) == []


def test_a_store_of_the_previous_release_is_upgraded_and_keeps_every_row(
    store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    load_previous_release(store_url)
    before = rows(store_url)
    assert sum(len(r) for r in before.values()) == 17
    assert store_status(store_url).schema.status == "previous"

    store = Store(store_url)
    try:
        assert store.schema.status == "previous"
        assert store.count() == 3
        [translated] = [i for i in store.all_items() if i.translation_of]
        assert translated.title == "Colloquium ‘AI en recht’ in Luxemburg"
        assert translated.published == datetime(2024, 10, 14, 8, 30, tzinfo=UTC)
        assert store.feed_state("ai-observatory") == FeedState(
            "ai-observatory",
            "https://observatory.example/feed.atom",
            etag='W/"5e1-abc"',
            last_modified="Wed, 01 Mar 2023 23:59:59 GMT",
            last_success=datetime(2024, 10, 15, 6, 0, tzinfo=UTC),
            problems=(("entries without a date", 4),),
        )
    finally:
        store.close()
    assert revision(store_url) == migrations.head()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("alembic")] == []
    [said] = [r.getMessage() for r in caplog.records if r.name == "digest.store"]
    assert said.endswith(f": schema upgraded from a previous release to {migrations.head()}")
    assert rows(store_url) == before
    assert before["schedule_state"][0][3] == date(2024, 10, 14)
    assert schema_differences(store_url) == []
    # The previous release's APScheduler table stays: digest schedule uses it.
    engine = create_engine(store_url)
    assert inspect(engine).has_table("apscheduler_jobs")
    engine.dispose()

    again = Store(store_url)
    again.close()
    assert again.schema.status == "current"


def test_the_upgrade_hashes_each_stored_item_as_storing_it_does(store_url: str) -> None:
    load_previous_release(store_url)
    Store(store_url).close()
    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(select(items_table)).all()
    finally:
        engine.dispose()
    assert len(found) == 3
    for row in found:
        # The row as digest.store writes the item it reads back (without cleaning it).
        assert row.fields_hash == item_row(raw_item_from_row(row._mapping))["fields_hash"]


def test_the_items_of_an_upgraded_store_are_cleaned_again_once(store_url: str) -> None:
    """Rows from before revision 0005 carry no cleaning version: read, they are cleaned
    again; the next build's :func:`reclean_stored` stores them with the version (and the
    one the rules change, changed), after which they are read as stored."""
    load_previous_release(store_url)
    store = Store(store_url)
    try:
        read = {item.id: item for item in store.all_items()}
        with store.engine.begin() as conn:
            dirty = items_table.c.id == "ai-observatory/7f3a"
            conn.execute(items_table.update().where(dirty).values(title="Old\x1b title\x01"))
            assert conn.execute(select(items_table.c.cleaned)).scalars().all() == [None] * 3
        read["ai-observatory/7f3a"] = replace(read["ai-observatory/7f3a"], title="Old title")
        assert {item.id: item for item in store.all_items()} == read
        assert reclean_stored(store) == Recleaned(3, ("ai-observatory/7f3a",))
        assert reclean_stored(store) == Recleaned(0, ())
        with store.engine.connect() as conn:
            found = conn.execute(select(items_table).order_by(items_table.c.id)).all()
        assert [row.id for row in found] == sorted(read)
        for row in found:
            item = raw_item_from_row(row._mapping)
            assert item == read[row.id]
            assert row.cleaned == CLEANING_VERSION
            assert row.content_key == content_key(item)  # the parts' key of the item
            assert row.fields_hash == item_row(item)["fields_hash"]
        # Read as stored from now on: a row of the current version is not cleaned again.
        with store.engine.begin() as conn:
            conn.execute(items_table.update().where(dirty).values(title="Kept\x01"))
        assert {i.id: i.title for i in store.all_items()}["ai-observatory/7f3a"] == "Kept\x01"
    finally:
        store.close()


def test_a_store_from_before_the_problems_column_is_brought_to_head(store_url: str) -> None:
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE feeds (id VARCHAR(200) NOT NULL PRIMARY KEY, location TEXT NOT NULL, "
                "etag TEXT, last_modified TEXT, last_success TIMESTAMP, last_error TEXT, "
                "last_error_at TIMESTAMP, failures INTEGER NOT NULL)"
            )
        )
        conn.execute(
            text("INSERT INTO feeds VALUES ('old', 'x.rss', NULL, NULL, NULL, NULL, NULL, 2)")
        )
    engine.dispose()
    Store(store_url).close()
    assert revision(store_url) == migrations.head()
    engine = create_engine(store_url)
    found = inspect(engine)
    assert set(found.get_table_names()) == {*metadata.tables, "alembic_version"}
    assert "problems" in {c["name"] for c in found.get_columns("feeds")}
    engine.dispose()
    assert rows(store_url, {"feeds": "id failures problems"})["feeds"] == [("old", 2, None)]


def test_a_revision_this_digest_does_not_know_is_refused_in_one_line(
    store_url: str, tmp_path: Path
) -> None:
    Store(store_url).close()
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"9999_from_the_future.*upgrade digest"):
        Store(store_url)

    env = {**os.environ, "DIGEST_STORE_URL": store_url}
    for command in (("subscribers", "list"), ("store", "upgrade")):
        result = run_digest(tmp_path, *command, env=env)
        assert result.returncode == 1
        errors = [line for line in result.stderr.splitlines() if not line.startswith("warning: ")]
        assert len(errors) == 1, result.stderr
        assert errors[0].startswith("digest: error: store ")
        assert "this digest does not know" in errors[0]
    assert revision(store_url) == "9999_from_the_future"  # left as it was


def test_tables_that_are_not_digests_are_refused_and_left_alone(store_url: str) -> None:
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE orders (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"not digest's \(orders\): point store_url"):
        Store(store_url)
    engine = create_engine(store_url)
    assert inspect(engine).get_table_names() == ["orders"]
    engine.dispose()


def test_processes_opening_a_previous_release_store_together_upgrade_it_once(
    store_url: str,
) -> None:
    load_previous_release(store_url)
    before = rows(store_url)
    code = f"from digest.store import Store; Store({store_url!r}).close()"
    processes = [
        subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=120)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], errors
    assert revision(store_url) == migrations.head()
    assert rows(store_url) == before


def test_processes_creating_a_postgresql_store_together_all_get_it(postgres_url: str) -> None:
    url = fresh_database(postgres_url)
    code = f"from digest.store import Store; Store({url!r}).close()"
    processes = [
        subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=120)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], errors
    assert revision(url) == migrations.head()


def test_digest_store_upgrade_and_status(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.sqlite3"
    load_previous_release(url)
    env = {**os.environ, "DIGEST_STORE_URL": url}
    status = run_digest(tmp_path, "store", "status", env=env)
    assert status.returncode == 0, status.stderr
    assert "revision: none" in status.stdout and "made before versioned schemas" in status.stdout
    assert revision(url) is None  # status changes nothing
    upgraded = run_digest(tmp_path, "store", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert (
        f"upgraded from a store made before versioned schemas to revision {migrations.head()}"
        in (upgraded.stdout)
    )
    again = run_digest(tmp_path, "store", "upgrade", env=env)
    assert "nothing to do" in again.stdout
    status = run_digest(tmp_path, "store", "status", env=env)
    assert "schema: up to date" in status.stdout


# --- digest store copy ----------------------------------------------------------------------


def all_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    everything = {t.name: " ".join(c.name for c in t.columns) for t in metadata.sorted_tables}
    found = rows(url, everything)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found["apscheduler_jobs"] = [
                tuple(r) for r in conn.execute(text("SELECT * FROM apscheduler_jobs ORDER BY id"))
            ]
    finally:
        engine.dispose()
    return found


def test_copy_moves_a_sqlite_store_to_postgresql_row_for_row(
    tmp_path: Path, postgres_url: str
) -> None:
    source = f"sqlite:///{tmp_path}/old.sqlite3"
    load_previous_release(source)
    engine = create_engine(source)
    with engine.begin() as conn:  # a job as APScheduler keeps it: pickled bytes
        conn.execute(
            text("INSERT INTO apscheduler_jobs VALUES ('digest:weekly', 1729490400.5, :state)"),
            {"state": bytes(range(256))},
        )
    engine.dispose()
    target = fresh_database(postgres_url)

    result = run_digest(tmp_path, "store", "copy", source, target)
    assert result.returncode == 0, result.stderr
    assert "copied: 18 rows" in result.stdout

    assert revision(target) == migrations.head()
    assert all_rows(target) == all_rows(source)
    assert schema_differences(target) == []
    store = Store(target)
    try:
        assert store.count() == 3 and store.schema.status == "current"
    finally:
        store.close()

    again = run_digest(tmp_path, "store", "copy", source, target)
    assert again.returncode == 1
    assert again.stderr.count("\n") == 1
    assert "is not empty (" in again.stderr and "copy into a new, empty database" in again.stderr


def test_copy_refuses_a_source_that_is_not_a_store_and_writes_nothing(
    tmp_path: Path, postgres_url: str
) -> None:
    source = tmp_path / "notes.sqlite3"
    source.write_text("not a database", encoding="utf-8")
    target = fresh_database(postgres_url)
    with pytest.raises(StoreError, match="is not a SQLite database"):
        copy_store(f"sqlite:///{source}", target)
    engine = create_engine(target)
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_copy_refuses_the_same_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.sqlite3"
    with pytest.raises(StoreError, match="onto itself"):
        copy_store(url, f"sqlite:///{tmp_path}/./s.sqlite3")


def test_a_row_postgresql_cannot_hold_stops_the_copy_in_one_line(
    tmp_path: Path, postgres_url: str
) -> None:
    source = f"sqlite:///{tmp_path}/old.sqlite3"
    load_previous_release(source)
    engine = create_engine(source)
    with engine.begin() as conn:  # SQLite keeps a NUL in text; PostgreSQL refuses it
        conn.execute(
            text("UPDATE items SET title = :title WHERE id = 'ai-observatory/7f3a'"),
            {"title": "A\x00B"},
        )
    engine.dispose()
    target = fresh_database(postgres_url)
    result = run_digest(tmp_path, "store", "copy", source, target)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if not line.startswith("warning: ")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("digest: error: cannot copy table items of ")
    assert errors[0].endswith("; nothing was written")
    assert rows(target, {"items": "id", "feeds": "id"}) == {"items": [], "feeds": []}


@pytest.mark.parametrize("start", sorted(migrations.known_revisions()))
def test_a_store_at_any_known_revision_is_brought_to_head(store_url: str, start: str) -> None:
    """Each revision this digest ships, as a store a release made at it, opens at head."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "digest:migrations")
    engine = create_engine(store_url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, start)
    engine.dispose()
    assert revision(store_url) == start
    store = Store(store_url)
    store.close()
    assert store.schema.status == ("current" if start == migrations.head() else "older")
    assert revision(store_url) == migrations.head()
    assert schema_differences(store_url) == []
