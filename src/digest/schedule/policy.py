"""Which periods a run of a schedule builds: the misfire policies, from the last period done.

A run at ``now`` is *due* for the latest period whose run time has come: the first
time the schedule fires at or after the period's end (a weekly schedule firing on
Monday 07:00 is due for last week from Monday 07:00 on). The periods after the last
one done, up to that one, were missed when there is more than one, or when their
run time is long past. Then:

- ``skip``: only the due period, and only when the run is on time (within
  :data:`SKIP_GRACE` of its run time); missed periods are never built.
- ``run-once``: the due period, however late; older missed periods are not built.
- ``backfill``: every period after the last one done, oldest first.

A schedule that never ran has nothing missed: it starts with the due period.
These rules use only the schedule, the clock and the store's record, never
APScheduler's own memory of missed runs, so they hold after any downtime, with a
fresh job store, or with several schedulers on one store.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

from digest.model import Period, PeriodKind
from digest.periods import period_of, periods_between

#: How late a ``skip`` run may be and still build (APScheduler's misfire grace time too).
SKIP_GRACE = timedelta(hours=1)
# A cron firing less often than its period (monthly cron, daily period) looks this far back.
_LOOKBACK = 400


def ended_before(kind: PeriodKind, moment: datetime, zone: tzinfo) -> Period:
    """The period of kind ``kind`` that ended last at or before ``moment`` (local midnights)."""
    current = period_of(kind, moment.astimezone(zone).date())
    return period_of(kind, current.start - timedelta(days=1))


def run_time(period: Period, trigger: CronTrigger, zone: tzinfo) -> datetime | None:
    """When a run for ``period`` is due: the first fire time at or after the period's end."""
    end = datetime.combine(period.end, time(0), tzinfo=zone)
    fire: datetime | None = trigger.get_next_fire_time(None, end)
    return fire


def due_period(
    kind: PeriodKind, trigger: CronTrigger, zone: tzinfo, now: datetime
) -> Period | None:
    """The latest period whose run time is at or before ``now`` (None: none within reach)."""
    period = ended_before(kind, now, zone)
    for _ in range(_LOOKBACK):
        fire = run_time(period, trigger, zone)
        if fire is not None and fire <= now:
            return period
        period = period_of(kind, period.start - timedelta(days=1))
    return None


def periods_to_build(
    *,
    kind: PeriodKind,
    trigger: CronTrigger,
    zone: tzinfo,
    misfire: str,
    now: datetime,
    last_done: date | None,
) -> list[Period]:
    """The periods a run at ``now`` builds, oldest first (see the module's rules).

    Args:
        last_done: first day of the last period done, None when the schedule never ran.
        misfire: ``skip``, ``run-once`` or ``backfill``.
    """
    due = due_period(kind, trigger, zone, now)
    if due is None or (last_done is not None and due.start <= last_done):
        return []
    if misfire == "skip":
        fire = run_time(due, trigger, zone)
        return [due] if fire is not None and now - fire <= SKIP_GRACE else []
    if misfire == "backfill" and last_done is not None:
        after = period_of(kind, last_done).end
        return periods_between(kind, after, due.start)
    return [due]
