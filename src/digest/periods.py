"""Calendar periods (daily, weekly as ISO weeks, monthly) in the configured timezone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from digest.errors import InputError
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


_EDITION_ID = re.compile(
    r"^(?:daily-(?P<day>\d{4}-\d{2}-\d{2})|weekly-(?P<year>\d{4})-W(?P<week>\d{2})"
    r"|monthly-(?P<month>\d{4}-\d{2}))$"
)


def period_of_edition(edition: str) -> Period:
    """The period an edition id (``weekly-2021-W06``) covers.

    Raises:
        InputError: not an edition id, or no such day, week or month.
    """
    match = _EDITION_ID.match(edition)
    try:
        if match and match["day"]:
            return period_of("daily", date.fromisoformat(match["day"]))
        if match and match["year"]:
            return period_of(
                "weekly", date.fromisocalendar(int(match["year"]), int(match["week"]), 1)
            )
        if match and match["month"]:
            return period_of("monthly", date.fromisoformat(f"{match['month']}-01"))
    except ValueError:
        pass
    raise InputError(
        f"{edition!r} is not an edition id (daily-2024-10-14, weekly-2024-W42 or monthly-2024-10)"
    )
