"""``digest store``: the store's schema revision, its upgrade, and moving it elsewhere."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli._common import _library, _settings, _table, config_option, out
from digest.store_admin import StoreStatus, copy_store, store_status, upgrade_store

_SAYS = {
    "current": "up to date",
    "older": "behind: the next command that opens it upgrades it (or digest store upgrade)",
    "previous": "made before versioned schemas: the next command that opens it upgrades it",
    "empty": "no tables yet: the first command that opens it creates them",
    "unknown": "a revision this digest does not know: upgrade digest",
    "foreign": "tables that are not digest's",
}


@click.group("store")
def store_group() -> None:
    """The store's schema (status, upgrade) and moving it to another database (copy)."""


def _show(status: StoreStatus) -> None:
    schema = status.schema
    out.print(f"store: {status.name}", markup=False, soft_wrap=True)
    out.print(f"revision: {schema.revision or 'none'} (this digest's newest: {schema.head})")
    shown = "no such file yet: the first command that opens it creates it"
    if status.exists:
        shown = _SAYS.get(schema.status, schema.status)
    if schema.foreign:
        shown += f" ({', '.join(schema.foreign)})"
    out.print(f"schema: {shown}", markup=False, soft_wrap=True)


@store_group.command("status")
@config_option
def status_command(config: Path | None) -> None:
    """Show the store's schema revision against this digest's, changing nothing."""
    settings = _settings(config)
    _show(_library(lambda: store_status(settings.store_url)))


@store_group.command("upgrade")
@config_option
def upgrade_command(config: Path | None) -> None:
    """Create the store, or bring its schema to this digest's newest revision.

    Every command does it on its own when it opens a store; this one does only that,
    for an operator who upgrades before starting the schedulers again.
    """
    settings = _settings(config)
    before = _library(lambda: upgrade_store(settings.store_url))
    after = _library(lambda: store_status(settings.store_url))
    if not before.exists or before.schema.status == "empty":
        done = f"created at revision {after.schema.revision}"
    elif before.schema.status == "current":
        done = f"already at revision {after.schema.revision}: nothing to do"
    else:
        found = before.schema.revision or "a store made before versioned schemas"
        done = f"upgraded from {found} to revision {after.schema.revision}"
    out.print(f"store {after.name}: {done}", markup=False, soft_wrap=True)


@store_group.command("copy")
@click.argument("source")
@click.argument("target")
def copy_command(source: str, target: str) -> None:
    """Copy the store at SOURCE into the new, empty store at TARGET (database URLs).

    For instance, from SQLite to PostgreSQL:
    digest store copy sqlite:///digest.sqlite3 postgresql+psycopg://digest@db/digest
    then set store_url to TARGET. Stop the schedulers first: what they write to SOURCE
    during the copy is not copied.
    """
    report = _library(lambda: copy_store(source, target))
    table = _table(f"{report.source} -> {report.target}", "table", ">rows")
    for name, rows in report.tables:
        table.add_row(name, str(rows))
    out.print(table)
    rows = sum(n for _, n in report.tables)
    out.print(f"copied: {rows} rows; {report.target} is at revision {report.revision}")
