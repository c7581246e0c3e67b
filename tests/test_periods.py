from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from digest.periods import edition_id, period_of, periods_between, utc_bounds


def test_iso_weeks_across_the_new_year() -> None:
    period = period_of("weekly", date(2021, 1, 1))
    assert (period.key, period.start, period.end) == (
        "2020-W53",
        date(2020, 12, 28),
        date(2021, 1, 4),
    )
    assert edition_id(period) == "weekly-2020-W53"


def test_months_and_days() -> None:
    assert period_of("monthly", date(2024, 2, 29)).key == "2024-02"
    assert period_of("monthly", date(2024, 12, 5)).end == date(2025, 1, 1)
    assert period_of("daily", date(2021, 2, 10)).key == "2021-02-10"


def test_periods_between_cover_both_ends() -> None:
    keys = [p.key for p in periods_between("weekly", date(2021, 2, 10), date(2021, 2, 22))]
    assert keys == ["2021-W06", "2021-W07", "2021-W08"]


def test_utc_bounds_follow_daylight_saving() -> None:
    start, end = utc_bounds(period_of("weekly", date(2021, 3, 24)), ZoneInfo("Europe/Brussels"))
    assert start.isoformat() == "2021-03-21T23:00:00+00:00"
    assert end.isoformat() == "2021-03-28T22:00:00+00:00"
