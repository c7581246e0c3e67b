"""``digest schedule``: run, list and trigger the [[schedules]] of the settings."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from digest.cli._common import (
    _fail,
    _library,
    _settings,
    _table,
    _warn,
    config_option,
    out,
)
from digest.errors import DigestError


@click.group("schedule", invoke_without_command=True)
@config_option
@click.pass_context
def schedule_group(ctx: click.Context, config: Path | None) -> None:
    """Run the [[schedules]] of the settings until SIGTERM or SIGINT; or list them, run one."""
    ctx.obj = config
    if ctx.invoked_subcommand is not None:
        return
    from digest.schedule.daemon import serve  # APScheduler only for this command

    settings = _settings(config)
    _log_to_stderr()
    try:
        serve(settings)
    except DigestError as exc:
        _fail(exc.reason)


@schedule_group.command("list")
@config_option
@click.pass_obj
def schedule_list_command(group_config: Path | None, config: Path | None) -> None:
    """Show each schedule, its next run (in its timezone) and the last period it did."""
    from digest.schedule.runner import schedule_status

    settings = _settings(config or group_config)
    statuses = _library(lambda: schedule_status(settings))
    if not statuses:
        out.print("no schedule in the settings: add a [[schedules]] entry", markup=False)
        return
    table = _table("schedules", "schedule", "cron", "period", "misfire", "next run", "last done")
    for status in statuses:
        schedule, last = status.schedule, status.last
        table.add_row(
            schedule.name,
            status.expression,
            schedule.period,
            schedule.misfire,
            f"{status.next_run:%Y-%m-%d %H:%M %Z}" if status.next_run else "never",
            f"{last.period_key} {last.outcome}" if last is not None else "-",
        )
    out.print(table)
    zones = sorted({status.schedule.timezone for status in statuses})
    out.print(f"next runs in local time ({', '.join(zones)})", markup=False)


@schedule_group.command("run")
@click.argument("name")
@config_option
@click.pass_obj
def schedule_run_command(group_config: Path | None, name: str, config: Path | None) -> None:
    """Run schedule NAME now: build the period that just ended (unchanged stays unchanged);
    with send = true, send it or say why it is held."""
    from digest.schedule.runner import run_schedule

    settings = _settings(config or group_config)
    report = _library(lambda: run_schedule(settings, name, force=True, report=_warn))
    for line in report.lines():
        out.print(line, markup=False, soft_wrap=True)


def _log_to_stderr() -> None:
    """Log lines of digest schedule on stderr, with their time; APScheduler's warnings only."""
    import logging

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr, force=True
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
