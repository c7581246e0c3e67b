"""``digest worker``: take ingest, build and send jobs from the store's PostgreSQL queue."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from digest.cli._common import _fail, _library, _settings, config_option, out
from digest.errors import DigestError


@click.group("worker", invoke_without_command=True)
@config_option
@click.option(
    "--queue",
    "queues",
    multiple=True,
    type=click.Choice(["sources", "editions"]),
    help="Only these queues (default both): sources = ingest; editions = build and send, "
    "which need the outbox.",
)
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Jobs run at once by this process.",
)
@click.pass_context
def worker_group(
    ctx: click.Context, config: Path | None, queues: tuple[str, ...], concurrency: int
) -> None:
    """Run jobs from the queue in the store's PostgreSQL until SIGTERM or SIGINT.

    Start one on each machine; run `digest worker schedule` (one leads, others stand by)
    to queue each schedule's rounds. With SQLite there is no worker: digest build and
    digest schedule do all the work in one process.
    """
    ctx.obj = config
    _need_queue()
    if ctx.invoked_subcommand is not None:
        return
    from digest.worker.run import run_worker

    settings = _settings(config)
    _log_to_stderr()
    try:
        run_worker(settings, queues=queues or None, concurrency=concurrency)
    except DigestError as exc:
        _fail(exc.reason)


@worker_group.command("schema")
@config_option
@click.pass_obj
def schema_command(group_config: Path | None, config: Path | None) -> None:
    """Install the task queue's tables (procrastinate) in the store, or upgrade them."""
    from digest.store import Store
    from digest.worker.queue import conninfo, ensure_schema

    settings = _settings(config or group_config)
    _library(lambda: conninfo(settings.store_url))  # not PostgreSQL: one line saying so
    _library(lambda: Store(settings.store_url).close())  # digest's own schema first
    done = _library(lambda: ensure_schema(settings.store_url))
    out.print(f"task queue schema: {done or 'up to date: nothing to do'}", markup=False)


@worker_group.command("schedule")
@config_option
@click.pass_obj
def schedule_command(group_config: Path | None, config: Path | None) -> None:
    """Run the [[schedules]] for the workers until SIGTERM or SIGINT: lead, or stand by.

    One of these processes leads (a PostgreSQL advisory lock): each time a schedule fires,
    it queues one ingest job per source, then the build, which queues the sending. The
    others stand by, and one takes the lead when the leader dies.
    """
    from digest.schedule.daemon import serve
    from digest.worker.queue import conninfo

    settings = _settings(config or group_config)
    _library(lambda: conninfo(settings.store_url))  # not PostgreSQL: one line saying so
    _log_to_stderr()
    try:
        serve(settings, workers=True)
    except DigestError as exc:
        _fail(exc.reason)


def _need_queue() -> None:
    try:
        import procrastinate  # noqa: F401
    except ImportError:
        _fail("digest worker needs its task queue: pip install 'digest[workers]'")


def _log_to_stderr() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr, force=True
    )
    # procrastinate says at INFO every job it starts and ends, with its arguments: the
    # tasks' own lines say what was done.
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per feed request
