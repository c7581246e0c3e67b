"""The ``digest`` command: a thin layer over the library.

Every command parses its options, makes one library call and shows the
result. A :class:`~digest.errors.DigestError` becomes one line on stderr and
exit status 1; input problems met during a run are one line each.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from digest import __version__
from digest.build import BuildReport, build, parse_day
from digest.config import Settings, load_settings
from digest.errors import DigestError
from digest.model import Problem
from digest.status import source_status

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _fail(reason: str) -> None:
    err.print(f"digest: error: {reason}", markup=False, soft_wrap=True)
    sys.exit(1)


def _settings(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except DigestError as exc:
        _fail(exc.reason)
        raise  # unreachable: _fail exits


@click.group()
@click.version_option(__version__, prog_name="digest")
def main() -> None:
    """Bilingual newsletters and feeds from article files and RSS/Atom feeds."""


@main.command("build")
@click.option("--since", metavar="YYYY-MM-DD", help="First day (default: oldest item).")
@click.option("--until", metavar="YYYY-MM-DD", help="Last day, included (default: today).")
@click.option(
    "--period",
    type=click.Choice(["daily", "weekly", "monthly"]),
    help="Edition period (default: from the configuration).",
)
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Configuration file (default: ./digest.toml).",
)
def build_command(
    since: str | None, until: str | None, period: str | None, config: Path | None
) -> None:
    """Ingest the sources and build one edition per period that has items."""
    settings = _settings(config)
    try:
        first = parse_day(since, "--since") if since else None
        last = parse_day(until, "--until") if until else None
        with _ProgressBar() as progress:
            report = build(
                settings,
                since=first,
                until=last,
                period=period,  # type: ignore[arg-type]
                report=_warn,
                progress=progress,
            )
    except DigestError as exc:
        _fail(exc.reason)
        return
    _show(report, settings)
    if (
        report.problems
        and not report.stored.added + report.stored.updated + report.stored.unchanged
    ):
        sys.exit(1)


@main.command("sources")
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Configuration file (default: ./digest.toml).",
)
def sources_command(config: Path | None) -> None:
    """Show each source: last success, last error, failures in a row, items stored."""
    settings = _settings(config)
    try:
        rows = source_status(settings)
    except DigestError as exc:
        _fail(exc.reason)
        return
    table = Table(show_edge=False)
    for name, justify in (("source", "left"), ("last success", "left"), ("last error", "left"),
                          ("failures", "right"), ("items", "right")):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        error = ""
        if row.last_error:
            error = f"{_when(row.last_error_at, settings)}: {row.last_error}"
        table.add_row(
            f"{row.id}\n[dim]{row.location}[/dim]",
            _when(row.last_success, settings) or ("-" if row.id != "articles" else ""),
            error,
            str(row.failures),
            str(row.items),
        )
    out.print(table)


def _when(moment: datetime | None, settings: Settings) -> str:
    return f"{moment.astimezone(settings.zone):%Y-%m-%d %H:%M}" if moment else ""


def _warn(problem: Problem) -> None:
    err.print(f"warning: {problem}", markup=False, soft_wrap=True)


def _show(report: BuildReport, settings: Settings) -> None:
    table = Table(title=None, show_edge=False)
    table.add_column("edition")
    table.add_column("items", justify="right")
    table.add_column("stories", justify="right")
    table.add_column("themes", justify="right")
    table.add_column("files written", justify="right")
    for result in report.editions:
        table.add_row(
            result.id,
            str(result.items),
            str(result.stories),
            str(result.themes),
            str(result.files) if result.changed else "0 (unchanged)",
        )
    out.print(table)
    stored = report.stored
    out.print(
        f"items: {stored.added} new, {stored.updated} updated, {stored.unchanged} unchanged; "
        f"editions: {len(report.editions)}; feeds rewritten: {report.feeds_changed}; "
        f"problems: {len(report.problems)}",
        markup=False,
        soft_wrap=True,
    )
    out.print(f"outbox: {settings.paths.outbox.resolve()}", markup=False, soft_wrap=True)


class _ProgressBar:
    """A rich progress bar on stderr, drawn only on a terminal."""

    def __init__(self) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        )
        self._task: Any = None

    def __enter__(self) -> _ProgressBar:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def start(self, total: int, what: str) -> None:
        self._task = self._bar.add_task(what, total=total)

    def advance(self) -> None:
        if self._task is not None:
            self._bar.advance(self._task)
