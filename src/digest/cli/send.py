"""``digest send``: outbox editions to the subscribers."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli._common import (
    _fail,
    _settings,
    _warn,
    config_option,
    out,
)
from digest.deliver import EditionReport, send_editions
from digest.errors import DigestError


@click.command("send")
@click.argument("edition", required=False)
@click.option("--all", "every", is_flag=True, help="Every edition of the outbox, oldest first.")
@click.option("--dry-run", is_flag=True, help="Count what would be sent; send and write nothing.")
@config_option
def send_command(edition: str | None, every: bool, dry_run: bool, config: Path | None) -> None:
    """Send EDITION (default: the newest) to the subscribers who have not had it."""
    settings = _settings(config)

    def show(result: EditionReport) -> None:
        out.print(result.summary(), markup=False, soft_wrap=True)

    try:
        send_editions(settings, edition, every=every, dry_run=dry_run, report=_warn, done=show)
    except DigestError as exc:
        _fail(exc.reason)
