"""Calendar periods (daily, weekly as ISO weeks, monthly) in the configured timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from digest.model import Period, PeriodKind


def period_of(kind: PeriodKind, day: date) -> Period:
    """The period of kind ``kind`` that contains ``day``."""
    if kind == "daily":
        return Period(kind, day, day + timedelta(days=1), day.isoformat())
    if kind == "weekly":
        start = day - timedelta(days=day.weekday())
        year, week, _ = day.isocalendar()
        return Period(kind, start, start + timedelta(days=7), f"{year}-W{week:02d}")
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return Period(kind, start, end, f"{start:%Y-%m}")


def periods_between(kind: PeriodKind, since: date, until: date) -> list[Period]:
    """Every period that overlaps the days ``since`` to ``until`` (both included), in order."""
    periods = []
    day = since
    while day <= until:
        period = period_of(kind, day)
        periods.append(period)
        day = period.end
    return periods


def utc_bounds(period: Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The period as a ``[start, end)`` pair of UTC datetimes (local midnights)."""
    return (
        datetime.combine(period.start, time(0), tzinfo=zone).astimezone(UTC),
        datetime.combine(period.end, time(0), tzinfo=zone).astimezone(UTC),
    )


def edition_id(period: Period) -> str:
    """``weekly-2021-W06``: the id of the edition covering ``period``."""
    return f"{period.kind}-{period.key}"
