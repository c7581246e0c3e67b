"""One run of a schedule: the periods it is due for, then for each: lock, build, publish,
record; then, with ``send = true``, check and send what it built.

A scheduled edition is the period's edition, the one ``digest build`` makes
(``weekly-2024-W42``), unless the schedule narrows the digest to its own languages or
themes (``weekly-2024-W42.fr``): see :mod:`digest.schedule.ids`. Its manifest carries a
``version``: 1 when first published, one more each time new items change its content;
building it again from the same inputs changes no byte. Its ``schedule`` entry names the
schedule and its audience (the subscriber list it is for).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from apscheduler.triggers.cron import CronTrigger

from digest.config import ScheduleSettings, Settings
from digest.edition import GENERAL
from digest.errors import ConfigError, DigestError
from digest.locks import new_owner
from digest.model import Period, Problem, Theme
from digest.publisher import Publisher
from digest.reviewed_files import import_if_changed
from digest.schedule import cron
from digest.schedule.ids import edition_id_for
from digest.schedule.policy import ended_before, periods_to_build
from digest.schedule.sending import Sending, send_scheduled
from digest.schedule.state import (
    ScheduleState,
    last_done,
    load_state,
    period_done,
    record_done,
    release_lock,
    take_lock,
)
from digest.sources import Report
from digest.store import Store
from digest.translate import REVIEWED_FOLDER, import_reviewed


@dataclass(frozen=True)
class RunResult:
    """What a run did for one period."""

    schedule: str
    period: Period
    edition_id: str
    #: ``built`` (first version), ``rebuilt`` (new items changed it: next version),
    #: ``unchanged``, ``empty`` (no story: no edition), ``locked`` (another scheduler is
    #: building it) or ``done`` (another scheduler built it meanwhile).
    outcome: str
    #: The manifest's version, when an edition was published.
    version: int | None = None
    #: More about the outcome (who holds the lock).
    detail: str = ""
    #: With ``send = true``: what sending did (:class:`~digest.schedule.sending.Sending`).
    sending: Sending | None = None

    def line(self) -> str:
        """One log line: schedule, period, edition id, outcome."""
        text = (
            f"{self.schedule}: period {self.period.kind} {self.period.key}, "
            f"edition {self.edition_id}: {self.outcome}"
        )
        if self.version is not None:
            text += f" (version {self.version})"
        return f"{text} ({self.detail})" if self.detail else text

    def lines(self) -> list[str]:
        """:meth:`line`, then the sending's line when the schedule sends."""
        if self.sending is None:
            return [self.line()]
        return [self.line(), f"{self.schedule}: {self.sending.line}"]


@dataclass(frozen=True)
class RunReport:
    """The outcome of :func:`run_schedule`."""

    schedule: str
    #: One per period the run was due for, oldest first; empty when nothing was due.
    results: tuple[RunResult, ...]
    #: The schedule's record before the run.
    before: ScheduleState | None
    problems: tuple[Problem, ...] = ()

    def lines(self) -> list[str]:
        """The log lines of the run (one when nothing was due)."""
        if self.results:
            return [line for result in self.results for line in result.lines()]
        last = f"{self.before.period_kind} {self.before.period_key}" if self.before else "none"
        return [f"{self.schedule}: nothing due (last period done: {last})"]


@dataclass(frozen=True)
class ScheduleStatus:
    """A schedule as ``digest schedule list`` shows it."""

    schedule: ScheduleSettings
    #: The 5-field cron expression it fires at.
    expression: str
    #: Its next run, in its timezone (None: it never fires again).
    next_run: datetime | None
    last: ScheduleState | None


def scheduled_id(settings: Settings, schedule: str, period: Period) -> str:
    """``weekly-2024-W42``: the id of a schedule's edition of ``period`` (see
    :func:`digest.schedule.ids.edition_id_for`)."""
    return edition_id_for(period, settings, settings.schedule(schedule))


def trigger_of(schedule: ScheduleSettings) -> CronTrigger:
    """The APScheduler trigger of a schedule, in its timezone."""
    return cron.trigger(schedule.cron, schedule.zone)


def run_schedule(
    settings: Settings,
    name: str,
    *,
    now: datetime | None = None,
    force: bool = False,
    owner: str | None = None,
    report: Report | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    sources: bool = True,
    send: bool | None = None,
) -> RunReport:
    """Run the schedule ``name`` as at ``now``: build what its misfire policy says is due.

    Args:
        now: the moment of the run (default: the clock's).
        force: build the period that just ended, whatever was done before
            (``digest schedule run``); unchanged content stays unchanged.
        owner: who takes the edition locks (default: a new :func:`digest.locks.new_owner`).
        report: called once per input problem met while reading the sources.
        should_stop: asked between editions; True ends the run (the rest is due next time).
        sources: read the sources into the store first; False when ``digest worker``
            ingest jobs did (the reviewed translations are still imported).
        send: send what was built; default the schedule's ``send`` (``digest worker``
            queues the sending as jobs of their own).

    With ``send = true``, each edition built (or found unchanged) is then checked and sent
    to the subscribers who have not had it, or held (:mod:`digest.schedule.sending`); a
    delivery error is the result's sending line, and the run goes on.

    Raises:
        InputError: no schedule has that name.
        ConfigError: the schedule names a theme the taxonomy does not have.
        DigestError: the sources, store, themes or outbox are unusable.
    """
    schedule = settings.schedule(name)
    moment = now or datetime.now(UTC)
    owner = owner or new_owner()
    store = Store(settings.store_url)
    try:
        before = load_state(store, name)
    finally:
        store.close()
    if force:
        periods = [ended_before(schedule.period, moment, schedule.zone)]
    else:
        periods = periods_to_build(
            kind=schedule.period,
            trigger=trigger_of(schedule),
            zone=schedule.zone,
            misfire=schedule.misfire,
            now=moment,
            last_done=period_done(before, schedule.period),
        )
    if not periods:
        return RunReport(name, (), before)
    building = settings
    if schedule.languages:
        building = settings.model_copy(update={"languages": schedule.languages})
    results = []
    with Publisher(building, report, ids=settings) as publisher:
        _check_themes(schedule, publisher.themes)
        if sources:
            publisher.refresh()
        else:
            _import_reviewed(publisher, report)
        for period in periods:
            if should_stop():
                break
            edition = edition_id_for(period, settings, schedule)
            results.append(_run_one(publisher, schedule, period, edition, owner, force))
        publisher.finish()
    problems = list(publisher.problems)
    if schedule.send if send is None else send:
        results = [_send(settings, result, problems, report, moment) for result in results]
    return RunReport(name, tuple(results), before, tuple(problems))


def _import_reviewed(publisher: Publisher, report: Report | None) -> None:
    """The reviewed translations of :meth:`Publisher.refresh`, without reading the sources."""
    reviewed = publisher.settings.paths.sources / REVIEWED_FOLDER

    def collect(problem: Problem) -> None:
        publisher.problems.append(problem)
        if report is not None:
            report(problem)

    import_if_changed(
        publisher.store.engine,
        reviewed,
        lambda: import_reviewed(publisher.store, reviewed, collect),
        lambda: len(publisher.problems),
    )


def _send(
    settings: Settings,
    result: RunResult,
    problems: list[Problem],
    report: Report | None,
    now: datetime,
) -> RunResult:
    """``result`` with what sending its edition did (nothing for an edition not built)."""
    if result.outcome not in ("built", "rebuilt", "unchanged"):
        return result

    def collect(problem: Problem) -> None:
        problems.append(problem)
        if report is not None:
            report(problem)

    try:
        sending = send_scheduled(settings, result.edition_id, report=collect, now=now)
    except DigestError as exc:
        sending = Sending(result.edition_id, "failed", f"{result.edition_id}: not sent: {exc}")
    return replace(result, sending=sending)


def _run_one(
    publisher: Publisher,
    schedule: ScheduleSettings,
    period: Period,
    edition: str,
    owner: str,
    force: bool,
) -> RunResult:
    store = publisher.store
    holder = take_lock(store, edition, owner, datetime.now(UTC))
    if holder is not None:
        return RunResult(schedule.name, period, edition, "locked", detail=f"held by {holder}")
    try:
        done = last_done(store, schedule.name, schedule.period)
        if not force and done is not None and done >= period.start:
            return RunResult(schedule.name, period, edition, "done", detail="by another scheduler")
        built = publisher.edition(
            period, edition_id=edition, themes=schedule.themes, keep_empty=schedule.empty == "send"
        )
        if built is None:
            result = RunResult(schedule.name, period, edition, "empty", detail="no edition")
        else:
            published = publisher.publish(
                built,
                versioned=True,
                extra={"schedule": {"name": schedule.name, "audience": schedule.audience}},
            )
            outcome = "unchanged"
            if published.changed:
                outcome = "built" if published.version == 1 else "rebuilt"
            result = RunResult(schedule.name, period, edition, outcome, published.version)
        record_done(store, schedule.name, period, edition, result.outcome, datetime.now(UTC))
        return result
    finally:
        release_lock(store, edition, owner)


def _check_themes(schedule: ScheduleSettings, themes: Sequence[Theme]) -> None:
    known = {theme.id for theme in themes} | {GENERAL.id}
    unknown = [theme for theme in schedule.themes or () if theme not in known]
    if unknown:
        raise ConfigError(
            f"schedule {schedule.name!r}: unknown themes {', '.join(unknown)} "
            f"(themes.toml has {', '.join(sorted(known))})"
        )


def schedule_status(settings: Settings, *, now: datetime | None = None) -> list[ScheduleStatus]:
    """Every schedule with its next run (in its timezone) and its last period done."""
    moment = now or datetime.now(UTC)
    store = Store(settings.store_url)
    try:
        states = {s.name: load_state(store, s.name) for s in settings.schedules}
    finally:
        store.close()
    statuses = []
    for schedule in settings.schedules:
        fire = trigger_of(schedule).get_next_fire_time(None, moment.astimezone(schedule.zone))
        statuses.append(
            ScheduleStatus(
                schedule=schedule,
                expression=cron.expression(schedule.cron),
                next_run=fire.astimezone(schedule.zone) if fire is not None else None,
                last=states[schedule.name],
            )
        )
    return statuses
