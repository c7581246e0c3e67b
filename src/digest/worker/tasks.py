"""The tasks a ``digest worker`` runs, and the locks that keep two of one kind apart.

- ``digest:ingest``: read one source into the store. Deferred with the lock and queueing
  lock ``ingest:<source>``: one job per source waits in the queue at a time, and two never
  run at once, on any machine.
- ``digest:build``: build what a schedule is due (:func:`digest.schedule.runner.run_schedule`
  without reading the sources, which its round's ingest jobs did), then queue the sending of
  each edition. Lock ``build:<schedule>``; the edition locks and the schedule's record still
  apply, so a build queued twice builds once.
- ``digest:send``: send one edition (:func:`digest.schedule.sending.send_scheduled`). Lock
  ``send:<edition>``; the send log is what guarantees that nobody is mailed twice.
- ``digest:retry_stalled``: every minute, jobs of a worker that stopped beating (killed,
  machine lost) are queued again (procrastinate's heartbeats).

A task finds the settings its worker was started with through :func:`use_settings`: they
hold secrets, and a job's arguments are stored in the database, so only names travel.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from procrastinate import Blueprint, JobContext
from procrastinate.exceptions import AlreadyEnqueued

from digest.config import Settings
from digest.errors import DigestError
from digest.ingest import StateLog, ingest
from digest.model import Problem
from digest.source_state import file_states
from digest.sources import adapters_for, read_feed_list
from digest.sources.http import HttpFetcher
from digest.store import Store

log = logging.getLogger("digest.worker")

blueprint = Blueprint()

#: The queues: ``sources`` needs the sources (folder, network); ``editions`` needs the
#: outbox and the templates too (and the SMTP relay, to send). A machine without the shared
#: outbox works only the ``sources`` queue (``digest worker --queue sources``).
SOURCES_QUEUE = "sources"
EDITIONS_QUEUE = "editions"
QUEUES = (SOURCES_QUEUE, EDITIONS_QUEUE)
#: Outcomes of a schedule's run whose edition is then sent (when the schedule sends).
SENT_OUTCOMES = frozenset({"built", "rebuilt", "unchanged"})

_settings: Settings | None = None


def use_settings(settings: Settings | None) -> None:
    """The settings this process's tasks run with (None: forget them)."""
    global _settings
    _settings = settings


def _current() -> Settings:
    if _settings is None:
        raise DigestError("the worker's settings are not loaded in this process")
    return _settings


def _warn(problem: Problem) -> None:
    log.warning("warning: %s", problem)


def source_ids(settings: Settings) -> list[str]:
    """The ids of the sources a round ingests, in the settings' order.

    Raises:
        SourceError: the sources folder or the feed list is unusable.
    """
    feeds = read_feed_list(settings.paths.sources)
    adapters = adapters_for(settings.paths.sources, settings.timezone, feeds)
    return [adapter.id for adapter in adapters]


def ingest_source(settings: Settings, source: str) -> str:
    """Read the source ``source`` into the store; one line saying what it stored.

    A source no longer in the settings is one warning line, not an error.

    Raises:
        DigestError: the sources folder or the store is unusable.
    """
    feeds = read_feed_list(settings.paths.sources)
    store = Store(settings.store_url)
    fetcher = HttpFetcher.within(settings.limits)
    try:
        states = StateLog(store.feed_states(), file_states(store.engine))
        adapters = adapters_for(
            settings.paths.sources,
            settings.timezone,
            feeds,
            states,
            fetcher,
            limits=settings.limits,
            files=states,
        )
        chosen = [adapter for adapter in adapters if adapter.id == source]
        if not chosen:
            return f"ingest {source}: no such source in the settings any more: skipped"
        counts = ingest(
            chosen,
            store,
            _warn,
            states=states,
            workers=1,
            warnings_per_source=settings.limits.warnings_per_source,
        )
    finally:
        fetcher.close()
        store.close()
    return (
        f"ingest {source}: {counts.added} added, {counts.updated} updated, "
        f"{counts.unchanged} unchanged"
    )


@blueprint.task(name="ingest", queue=SOURCES_QUEUE)
def ingest_task(source: str) -> None:
    """Read one source into the store."""
    _logged(lambda: log.info("%s", ingest_source(_current(), source)), f"ingest {source}")


@blueprint.task(name="build", queue=EDITIONS_QUEUE)
def build_task(schedule: str) -> None:
    """Build what ``schedule`` is due, then queue the sending of what it built."""
    from digest.schedule.runner import run_schedule

    settings = _current()

    def run() -> None:
        report = run_schedule(settings, schedule, sources=False, send=False, report=_warn)
        for line in report.lines():
            log.info("%s", line)
        if not settings.schedule(schedule).send:
            return
        for result in report.results:
            if result.outcome in SENT_OUTCOMES:
                _queue_send(result.edition_id)

    _logged(run, f"build {schedule}")


@blueprint.task(name="send", queue=EDITIONS_QUEUE)
def send_task(edition: str) -> None:
    """Send one edition to the subscribers who have not had it (or hold it)."""
    from digest.schedule.sending import send_scheduled

    settings = _current()

    def run() -> None:
        sending = send_scheduled(settings, edition, report=_warn, now=datetime.now(UTC))
        log.info("send %s: %s", edition, sending.line)

    _logged(run, f"send {edition}")


@blueprint.periodic(cron="* * * * *")
@blueprint.task(
    name="retry_stalled", queue=SOURCES_QUEUE, queueing_lock="retry_stalled", pass_context=True
)
async def retry_stalled_task(context: JobContext, timestamp: int) -> None:
    """Queue again the jobs of workers that stopped sending their heartbeats."""
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs():
        log.warning("job %s (%s) of a stalled worker: queued again", job.id, job.task_name)
        await manager.retry_job(job)


def _queue_send(edition: str) -> None:
    """Queue the sending of ``edition``, unless it already waits in the queue."""
    key = f"send:{edition}"
    with contextlib.suppress(AlreadyEnqueued):
        send_task.configure(lock=key, queueing_lock=key).defer(edition=edition)


def _logged(run: Callable[[], None], what: str) -> None:
    """Run ``run``; a DigestError is one log line, and the job fails."""
    try:
        run()
    except DigestError as exc:
        log.error("%s: failed: %s", what, exc.reason)
        raise
