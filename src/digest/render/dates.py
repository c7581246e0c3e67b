"""Dates as each language writes them: one style per language and medium.

The email writes dates in full (``17 novembre 2025``, ``November 17, 2025``); the web
archive, where many dates stand side by side, shortens the month (``17 nov. 2025``).
A period of days keeps the same style (``17–23 novembre 2025``): Babel's own intervals
abbreviate months whatever the skeleton, so they are built here from the same patterns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Literal

from babel.dates import format_date

Medium = Literal["email", "web"]


@dataclass(frozen=True)
class DateStyle:
    """The CLDR patterns of one language and medium."""

    #: A whole date.
    full: str
    #: The first day of a range within one month (``17`` of ``17–23 novembre``), and the
    #: last (``23 novembre 2025``; English: ``23, 2025``).
    month_start: str
    month_end: str
    #: The first day of a range within one year (``27 octobre``).
    year_start: str
    #: A date with its weekday (daily editions).
    weekday: str


def _style(day: str, month: str, year_sep: str = " ") -> DateStyle:
    """The day-first style: ``d MMMM y`` (German ``d. MMMM y``)."""
    return DateStyle(
        full=f"{day} {month}{year_sep}y",
        month_start=day,
        month_end=f"{day} {month}{year_sep}y",
        year_start=f"{day} {month}",
        weekday=f"EEEE{',' if day == 'd.' else ''} {day} {month}{year_sep}y",
    )


#: One style per medium and language.
STYLES: dict[Medium, dict[str, DateStyle]] = {
    "email": {
        "fr": _style("d", "MMMM"),
        "nl": _style("d", "MMMM"),
        "de": _style("d.", "MMMM"),
        "en": DateStyle("MMMM d, y", "MMMM d", "d, y", "MMMM d", "EEEE, MMMM d, y"),
    },
    "web": {
        "fr": _style("d", "MMM"),
        "nl": _style("d", "MMM"),
        "de": _style("d.", "MMM"),
        "en": DateStyle("MMM d, y", "MMM d", "d, y", "MMM d", "EEEE, MMM d, y"),
    },
}


def style(lang: str, medium: Medium = "email") -> DateStyle:
    """The style of ``lang`` in ``medium`` (English's for a language without one)."""
    styles = STYLES[medium]
    return styles.get(lang, styles["en"])


def format_day(lang: str, moment: date | datetime, medium: Medium = "email") -> str:
    """``17 novembre 2025``: a date (a datetime's own date, in its zone)."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return _format_day(lang, day, medium)


@lru_cache(maxsize=4096)
def _format_day(lang: str, day: date, medium: Medium) -> str:
    # Each key point shows its day: an edition's few days, written once each.
    return format_date(day, style(lang, medium).full, locale=lang)


def format_weekday(lang: str, day: date, medium: Medium = "email") -> str:
    """``lundi 17 novembre 2025``."""
    return format_date(day, style(lang, medium).weekday, locale=lang)


def format_range(lang: str, start: date, end: date, medium: Medium = "email") -> str:
    """``17–23 novembre 2025``, ``27 octobre – 2 novembre 2025``, across years in full."""
    s = style(lang, medium)
    if (start.year, start.month) == (end.year, end.month):
        first = format_date(start, s.month_start, locale=lang)
        return f"{first}–{format_date(end, s.month_end, locale=lang)}"
    first_pattern = s.year_start if start.year == end.year else s.full
    first = format_date(start, first_pattern, locale=lang)
    return f"{first} – {format_date(end, s.full, locale=lang)}"


def format_month(lang: str, day: date) -> str:
    """``Novembre 2025``: a month, capitalised as a heading."""
    month = format_date(day, "LLLL y", locale=lang)
    return month[:1].upper() + month[1:]
