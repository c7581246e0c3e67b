"""A round: what the leading scheduler queues each time a schedule fires.

One ingest job per source (lock and queueing lock ``ingest:<source>``); a source whose job
is still waiting or running from before is not queued again: the round waits for that job
instead. When every source's job has ended, the schedule's build job is queued; it queues
the sending. Only the leader runs rounds (:mod:`digest.schedule.leader`), so one schedule
decides what is due; the schedule's record in the store (what period was done) decides
which editions the build makes, as in one process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from procrastinate import App
from procrastinate.exceptions import AlreadyEnqueued

from digest.config import Settings
from digest.worker.queue import opened
from digest.worker.tasks import build_task, ingest_task, source_ids

log = logging.getLogger("digest.schedule")

#: Statuses of a job that has ended (procrastinate's).
ENDED = frozenset({"succeeded", "failed", "cancelled", "aborted"})
#: Seconds between two looks at the status of the jobs a round waits for.
POLL = 0.25


@dataclass(frozen=True)
class Round:
    """What one round queued."""

    schedule: str
    #: ``(source, job id)`` of each source's ingest job, in the settings' order.
    ingests: tuple[tuple[str, int], ...]
    #: The ingest jobs that did not succeed, by source.
    failed: tuple[str, ...]
    #: The build job's id; None when the round stopped before queueing it, or a build of
    #: this schedule already waited in the queue.
    build: int | None

    def line(self) -> str:
        """One log line for the operator."""
        text = f"{self.schedule}: round: {len(self.ingests)} sources ingested"
        if self.failed:
            text += f" ({len(self.failed)} failed: {', '.join(self.failed)})"
        if self.build is None:
            return text + "; build not queued"
        return text + f"; build queued (job {self.build})"


def run_round(
    settings: Settings, schedule: str, *, should_stop: Callable[[], bool] = lambda: False
) -> Round:
    """Queue the round of ``schedule``: its sources' ingest jobs, then (once they ended) its
    build job.

    Args:
        should_stop: asked while waiting; True ends the round without queueing the build
            (the jobs queued stay queued; the next round waits for them).

    Raises:
        InputError: no schedule has that name.
        DigestError: the sources or the store are unusable.
    """
    settings.schedule(schedule)  # an unknown name is an InputError, before anything is queued
    sources = source_ids(settings)
    with opened(settings.store_url) as app:
        ingests = tuple((source, _ingest_job(app, source)) for source in sources)
        statuses = _wait(app, [job for _, job in ingests], should_stop)
        if statuses is None:
            return Round(schedule, ingests, (), None)
        failed = tuple(s for (s, job) in ingests if statuses[job] != "succeeded")
        key = f"build:{schedule}"
        try:
            build = build_task.configure(lock=key, queueing_lock=key).defer(schedule=schedule)
        except AlreadyEnqueued:
            build = None
    return Round(schedule, ingests, failed, build)


def _ingest_job(app: App, source: str) -> int:
    """The id of the ingest job of ``source`` this round waits for: one still waiting or
    running from before, else a new one."""
    key = f"ingest:{source}"
    manager = app.job_manager
    for status in ("doing", "todo"):
        found = manager.list_jobs(lock=key, status=status)
        if found and found[0].id is not None:
            return found[0].id
    try:
        return ingest_task.configure(lock=key, queueing_lock=key).defer(source=source)
    except AlreadyEnqueued:  # queued in between (by a round that just ended)
        found = manager.list_jobs(queueing_lock=key, status="todo")
        if found and found[0].id is not None:
            return found[0].id
        raise


def _wait(app: App, jobs: list[int], should_stop: Callable[[], bool]) -> dict[int, str] | None:
    """The end status of each job, once all have ended; None when ``should_stop`` said so.

    Procrastinate tells no one when a job ends: its status is read again every
    :data:`POLL` seconds. A job whose worker died is queued again by ``retry_stalled``.
    """
    manager = app.job_manager
    pause = threading.Event()
    ended: dict[int, str] = {}
    while True:
        for job in jobs:
            if job not in ended:
                status = manager.get_job_status(job).value
                if status in ENDED:
                    ended[job] = status
        if len(ended) == len(jobs):
            return ended
        if should_stop():
            return None
        pause.wait(POLL)
