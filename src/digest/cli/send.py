"""``digest send`` and ``digest release``: outbox editions to the subscribers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from digest.cli._common import (
    _fail,
    _library,
    _settings,
    _warn,
    config_option,
    out,
)
from digest.errors import DigestError

if TYPE_CHECKING:  # the delivery code is imported when the command runs
    from digest.deliver import EditionReport


def _show(result: EditionReport) -> None:
    out.print(result.summary(), markup=False, soft_wrap=True)


@click.command("send")
@click.argument("edition", required=False)
@click.option("--all", "every", is_flag=True, help="Every edition of the outbox, oldest first.")
@click.option("--dry-run", is_flag=True, help="Count what would be sent; send and write nothing.")
@config_option
def send_command(edition: str | None, every: bool, dry_run: bool, config: Path | None) -> None:
    """Send EDITION (default: the newest) to the subscribers who have not had it.

    A held edition is not sent (digest release EDITION sends it)."""
    from digest.schedule.sending import send_unheld

    settings = _settings(config)
    try:
        held = send_unheld(
            settings, edition, every=every, dry_run=dry_run, report=_warn, done=_show
        )
    except DigestError as exc:
        _fail(exc.reason)
    for line in held:
        out.print(line, markup=False, soft_wrap=True)


@click.command("release")
@click.argument("edition", required=False)
@config_option
def release_command(edition: str | None, config: Path | None) -> None:
    """Release EDITION, held by its schedule, and send it now; without EDITION, list the
    held editions and why."""
    from digest.schedule.sending import held_editions, release_and_send

    settings = _settings(config)
    if edition is None:
        holds = _library(lambda: held_editions(settings))
        for hold in holds:
            out.print(hold.line(), markup=False, soft_wrap=True)
        if not holds:
            out.print("no edition is held", markup=False)
        return
    try:
        release_and_send(settings, edition, report=_warn, done=_show)
    except DigestError as exc:
        _fail(exc.reason)
