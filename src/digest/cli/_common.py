"""What every command shares: consoles, the ``--config`` option, one-line errors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.table import Table

from digest.clean import terminal_safe
from digest.config import Settings, load_settings
from digest.errors import DigestError
from digest.examples import example_warnings
from digest.model import Problem

T = TypeVar("T")


class _SafeConsole(Console):
    """A console that shows control characters in text as escapes: a title read from a
    source (or a store written by an older version) cannot drive the terminal."""

    def print(self, *objects: Any, **options: Any) -> None:
        super().print(*(terminal_safe(o) if isinstance(o, str) else o for o in objects), **options)


out = _SafeConsole(highlight=False)
err = _SafeConsole(stderr=True, highlight=False)


#: ``--config FILE``, the same on every command.
config_option = click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Configuration file (default: ./digest.toml).",
)


def _fail(reason: str) -> NoReturn:
    err.print(f"digest: error: {reason}", markup=False, soft_wrap=True)
    sys.exit(1)


def _library(call: Callable[[], T]) -> T:
    """The result of a library call; a DigestError becomes one line and exit status 1."""
    try:
        return call()
    except DigestError as exc:
        _fail(exc.reason)


def _settings(config: Path | None) -> Settings:
    settings = _library(lambda: load_settings(config))
    _warn_examples(settings)
    return settings


def _warn_examples(settings: Settings) -> None:
    """One line per setting that still holds an example value, once per run of ``digest``."""
    context = click.get_current_context(silent=True)
    meta = context.find_root().meta if context is not None else {}
    if meta.get("digest.examples_warned"):
        return
    meta["digest.examples_warned"] = True
    for example in example_warnings(settings):
        err.print(f"warning: {example}", markup=False, soft_wrap=True)


def _when(moment: datetime | None, settings: Settings) -> str:
    return f"{moment.astimezone(settings.zone):%Y-%m-%d %H:%M}" if moment else ""


def _warn(problem: Problem) -> None:
    err.print(f"warning: {problem}", markup=False, soft_wrap=True)


def _table(title: str | None, *columns: str) -> Table:
    """A table with these columns; a name starting with ">" is right-aligned (numbers)."""
    table = Table(title=title, show_edge=False)
    for column in columns:
        right = column.startswith(">")
        table.add_column(column.lstrip(">"), justify="right" if right else "left")
    return table


def _num(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"
