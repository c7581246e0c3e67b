"""``digest schedule``: an APScheduler 3.x BlockingScheduler running every schedule.

Jobs live in a persistent ``SQLAlchemyJobStore`` (table ``apscheduler_jobs``) in the
store's database, one per schedule (id ``digest-schedule:<name>``), coalesced, at
most one instance at a time, run one after the other by a single worker thread.
Each job is re-registered at start with a first run right away: that run applies
the schedule's misfire policy from the store's record (:mod:`digest.schedule.policy`),
which is what catches up after downtime. APScheduler's ``misfire_grace_time``
agrees with it: :data:`~digest.schedule.policy.SKIP_GRACE` for ``skip``, unlimited
for ``run-once`` and ``backfill``.

SIGTERM or SIGINT stops the scheduler: no new job starts, the job in hand ends
after the edition it is building, and the process exits.

With ``workers`` (``digest worker schedule``, PostgreSQL only), the scheduler first takes the lead
(:mod:`digest.schedule.leader`): a second one stands by until the leader dies, then
leads. A job then runs the schedule's round (:mod:`digest.worker.rounds`): ``digest
worker`` processes ingest, build and send; the scheduler only decides what is due.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.exc import SQLAlchemyError

from digest.config import ScheduleSettings, Settings
from digest.errors import DigestError, StoreError
from digest.locks import new_owner
from digest.schedule.policy import SKIP_GRACE
from digest.schedule.runner import run_schedule, trigger_of
from digest.sqlite_file import reason
from digest.store import Store, raced

if TYPE_CHECKING:
    from digest.schedule.leader import Leadership

log = logging.getLogger("digest.schedule")

JOB_PREFIX = "digest-schedule:"


@dataclass
class _Service:
    settings: Settings
    owner: str
    #: With workers: the lead held; rounds are queued for ``digest worker`` processes
    #: instead of run here.
    leadership: Leadership | None = None
    stopping: threading.Event = field(default_factory=threading.Event)
    busy: threading.Lock = field(default_factory=threading.Lock)


# Jobs in a persistent store are pickled with a textual reference to a function and its
# arguments; the settings (with secrets) must not go into the database, so the running
# service is found here.
_service: _Service | None = None


def fire(name: str) -> None:
    """The job of schedule ``name``: run it now (called by APScheduler in its worker thread)."""
    service = _service
    if service is None:
        raise RuntimeError("digest schedule is not running in this process")
    if service.stopping.is_set():
        log.info("%s: not started (stopping)", name)
        return
    with service.busy:
        if service.leadership is not None:
            _queue_round(service, service.leadership, name)
            return
        try:
            report = run_schedule(
                service.settings,
                name,
                owner=service.owner,
                report=lambda problem: log.warning("warning: %s", problem),
                should_stop=service.stopping.is_set,
            )
        except DigestError as exc:
            log.error("%s: failed: %s", name, exc.reason)
            return
        for line in report.lines():
            log.info("%s", line)


def _queue_round(service: _Service, leadership: Leadership, name: str) -> None:
    from digest.worker.rounds import run_round

    if not leadership.held():
        # The session that held the lead is gone: another scheduler may lead by now.
        log.error("%s: not run: the lead was lost (the store's connection ended); stopping", name)
        service.stopping.set()
        os.kill(os.getpid(), signal.SIGTERM)
        return
    try:
        done = run_round(service.settings, name, should_stop=service.stopping.is_set)
    except DigestError as exc:
        log.error("%s: round failed: %s", name, exc.reason)
        return
    log.info("%s", done.line())


def job_options(schedule: ScheduleSettings) -> dict[str, object]:
    """The APScheduler job of a schedule: trigger, id, coalescing and grace time."""
    grace = int(SKIP_GRACE.total_seconds()) if schedule.misfire == "skip" else None
    return {
        "trigger": trigger_of(schedule),
        "args": (schedule.name,),
        "id": JOB_PREFIX + schedule.name,
        "name": schedule.name,
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": grace,
        "replace_existing": True,
    }


def serve(settings: Settings, *, workers: bool = False) -> None:
    """Run every schedule until SIGTERM or SIGINT.

    Args:
        workers: lead (or stand by until leading), and queue each schedule's rounds for
            ``digest worker`` processes (PostgreSQL only).

    Raises:
        DigestError: no schedule is configured, or the store is unusable.
    """
    if not settings.schedules:
        raise DigestError("no schedule in the settings: add a [[schedules]] entry")
    if not workers:
        _serve(settings, _Service(settings, new_owner()))
        return
    from digest.schedule.leader import Leadership
    from digest.worker.queue import ensure_schema

    leadership = Leadership(settings.store_url)
    try:
        if not _lead(leadership):
            return
        Store(settings.store_url).close()  # the store's schema, created or checked
        done = ensure_schema(settings.store_url)
        if done:
            log.info("digest schedule: task queue schema %s", done)
        _serve(settings, _Service(settings, new_owner(), leadership=leadership))
    finally:
        leadership.close()


class _Stopped(SystemExit):
    """A signal came while standing by.

    A SystemExit, so that nothing on the way swallows it (a log handler that was writing),
    and psycopg cancels the wait for the lock in the server.
    """


def _lead(leadership: Leadership) -> bool:
    """Take the lead, standing by while another scheduler has it; False when a signal
    came first."""
    if leadership.try_take():
        log.info("digest schedule: leading")
        return True

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise _Stopped(signal.strsignal(signum))

    previous: dict[signal.Signals, Any] = {}
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, stop)
        # Said once the signals are handled: whoever reads it may stop it at once.
        log.info("digest schedule: standing by (another scheduler leads)")
        leadership.take()
    except _Stopped as exc:
        log.info("digest schedule: %s while standing by: stopped", exc)
        return False
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    log.info("digest schedule: leading (the previous leader stopped)")
    return True


def _serve(settings: Settings, service: _Service) -> None:
    global _service
    _remove_unknown_jobs(settings)
    _service = service
    scheduler = BlockingScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=settings.store_url)},
        executors={"default": ThreadPoolExecutor(1)},
        timezone=UTC,
    )
    now = datetime.now(UTC)
    for schedule in settings.schedules:
        scheduler.add_job(fire, next_run_time=now, **job_options(schedule))

    def stop(signum: int, _frame: FrameType | None) -> None:
        if not service.stopping.is_set():
            log.info(
                "digest schedule: %s, stopping after the job in hand", signal.strsignal(signum)
            )
        service.stopping.set()
        if scheduler.running:
            scheduler.shutdown(wait=False)

    def started(_event: SchedulerEvent) -> None:
        names = ", ".join(s.name for s in settings.schedules)
        log.info("digest schedule: started (%s)", names)
        # A signal may have come while the scheduler was starting.
        if service.stopping.is_set():
            scheduler.shutdown(wait=False)

    scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        scheduler.start()
        with service.busy:  # the job in hand ends first
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _service = None
    log.info("digest schedule: stopped")


def _remove_unknown_jobs(settings: Settings) -> None:
    """Drop the stored jobs of schedules no longer in the settings (creating the tables)."""
    known = {JOB_PREFIX + s.name for s in settings.schedules}
    store = Store(settings.store_url)
    try:
        jobs = create_job_table(store)
        with store.engine.begin() as conn:
            conn.execute(
                jobs.jobs_t.delete()
                .where(jobs.jobs_t.c.id.like(JOB_PREFIX + "%"))
                .where(jobs.jobs_t.c.id.not_in(known))
            )
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot prepare the scheduler's jobs: {reason(exc)}") from exc
    finally:
        store.close()


def create_job_table(store: Store) -> SQLAlchemyJobStore:
    """APScheduler's job store on ``store``, its table created if missing.

    Two schedulers starting at the same moment both find the table missing, and the
    second ``CREATE TABLE`` fails (``table apscheduler_jobs already exists``): it is
    tried again, and then finds the table in place. The scheduler's own start finds it
    in place too, so it never races.

    Raises:
        SQLAlchemyError: the table cannot be created.
    """
    jobs = SQLAlchemyJobStore(engine=store.engine)
    raced(lambda: jobs.jobs_t.create(store.engine, checkfirst=True))
    return jobs
