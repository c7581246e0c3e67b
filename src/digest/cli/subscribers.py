"""``digest subscribers``: the subscribers in the store; ``digest deliveries``: a send log."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from digest.clean import terminal_safe
from digest.cli._common import _library, _settings, _warn, config_option, out

# The delivery code (its SMTP, rendering and validation libraries) is imported when a
# command of these runs: `digest build` starts without it.
if TYPE_CHECKING:
    from digest.deliver.subscribers import Status, Subscriber

#: digest.deliver.subscribers.STATUSES, spelled here so that listing the commands does
#: not import the delivery code (a test checks that they are the same).
STATUSES = ("pending", "active", "unsubscribed", "bounced")
_status_choice = click.Choice(STATUSES)


@click.group("subscribers")
def subscribers_group() -> None:
    """The subscribers in the store: add, remove, list, import, export, reactivate."""


def _echo(line: str) -> None:
    """One line of tab-separated fields (for cut and spreadsheets: rich would expand the
    tabs), with the control characters a stored answer may hold made harmless."""
    click.echo(terminal_safe(line))


def _line(sub: Subscriber) -> str:
    since = f"{sub.updated:%Y-%m-%d}" if sub.updated else ""
    why = f"\t{sub.reason}" if sub.reason else ""
    return f"{sub.email}\t{sub.language_key}\t{','.join(sub.themes)}\t{sub.status}\t{since}{why}"


@subscribers_group.command("add")
@click.argument("address")
@click.option("--languages", default="fr", show_default=True, help="e.g. fr,nl (in order).")
@click.option("--themes", default="", help="Theme ids of themes.toml, e.g. ethics,energy.")
@click.option("--status", type=click.Choice(["active", "pending"]), default="active")
@config_option
def add_command(
    address: str, languages: str, themes: str, status: str, config: Path | None
) -> None:
    """Add ADDRESS (or change its languages, themes and status)."""
    settings = _settings(config)
    from digest.deliver.manage import add_subscriber  # when the command runs

    done, sub = _library(
        lambda: add_subscriber(settings, address, languages, themes, cast("Status", status))
    )
    _echo(f"{done}: {_line(sub)}")


@subscribers_group.command("remove")
@click.argument("address")
@config_option
def remove_command(address: str, config: Path | None) -> None:
    """Mark ADDRESS unsubscribed (it is kept, and never sent to again)."""
    settings = _settings(config)
    from digest.deliver.manage import set_status  # when the command runs

    sub = _library(lambda: set_status(settings, address, "unsubscribed"))
    _echo(f"unsubscribed: {_line(sub)}")


@subscribers_group.command("reactivate")
@click.argument("address")
@config_option
def reactivate_command(address: str, config: Path | None) -> None:
    """Make the bounced ADDRESS active again (after the mailbox was fixed)."""
    settings = _settings(config)
    from digest.deliver.manage import set_status  # when the command runs

    sub = _library(lambda: set_status(settings, address, "active", only_from="bounced"))
    _echo(f"reactivated: {_line(sub)}")


@subscribers_group.command("list")
@click.option("--status", type=_status_choice, help="Only the subscribers of this status.")
@config_option
def list_command(status: str | None, config: Path | None) -> None:
    """One line per subscriber: address, languages, themes, status, since, server's answer."""
    settings = _settings(config)
    from digest.deliver.manage import list_subscribers  # when the command runs

    for sub in _library(lambda: list_subscribers(settings, cast("Status | None", status))):
        _echo(_line(sub))


@subscribers_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@config_option
def import_command(file: Path, config: Path | None) -> None:
    """Add and update the subscribers of FILE (CSV, , or ; separated; one line per refused
    row). Addresses that unsubscribed or bounced keep their status."""
    settings = _settings(config)
    from digest.deliver.manage import import_file  # when the command runs

    result = _library(lambda: import_file(settings, file, _warn))
    for email, status in result.kept:
        _echo(f"kept {status}: {email}")
    out.print(
        f"{file}: added {len(result.added)}, updated {len(result.updated)}, "
        f"unchanged {len(result.unchanged)}",
        markup=False,
        soft_wrap=True,
    )


@subscribers_group.command("export")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False), required=False)
@click.option("--status", type=_status_choice, help="Only the subscribers of this status.")
@config_option
def export_command(file: Path | None, status: str | None, config: Path | None) -> None:
    """Write the subscribers as CSV to FILE (default: standard output)."""
    settings = _settings(config)
    from digest.deliver.manage import export_file  # when the command runs

    wanted = cast("Status | None", status)
    if file is None:
        _library(lambda: export_file(settings, sys.stdout, wanted))
        return
    with file.open("w", encoding="utf-8", newline="") as handle:
        count = _library(lambda: export_file(settings, handle, wanted))
    click.echo(f"{file}: {count} subscribers", err=True)


@click.command("deliveries")
@click.argument("edition")
@config_option
def deliveries_command(edition: str, config: Path | None) -> None:
    """The send log of EDITION: counts per state, then every bounced, given-up and
    unknown address with the server's answer."""
    settings = _settings(config)
    from digest.deliver.manage import edition_deliveries  # when the command runs

    listing = _library(lambda: edition_deliveries(settings, edition))
    for line in listing.lines(settings.zone):
        _echo(line)
