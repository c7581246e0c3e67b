"""Cron expressions (5 fields, classic weekday numbers) and shorthands as APScheduler triggers.

APScheduler 3.x numbers weekdays from Monday = 0, while cron numbers them from
Sunday = 0 (7 is Sunday too). Numeric weekdays are therefore translated to names
before APScheduler sees them, so ``0 7 * * 1`` is Monday 07:00 as everywhere else.
"""

from __future__ import annotations

from datetime import tzinfo

from apscheduler.triggers.cron import CronTrigger

#: What the shorthands mean: daily 07:00, weekly Monday 07:00, monthly the 1st at 07:00.
SHORTHANDS: dict[str, str] = {
    "daily": "0 7 * * *",
    "weekly": "0 7 * * 1",
    "monthly": "0 7 1 * *",
}

_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# APScheduler's order, for a stable rendering of a translated weekday field.
_APS_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def expression(text: str) -> str:
    """The 5-field expression of ``text``: itself, or what a shorthand stands for.

    Raises:
        ValueError: not 5 fields, nor ``daily``/``weekly``/``monthly`` (``@weekly`` too).
    """
    words = text.split()
    if len(words) == 1 and words[0].lower().lstrip("@") in SHORTHANDS:
        return SHORTHANDS[words[0].lower().lstrip("@")]
    if len(words) != 5:
        raise ValueError(
            f"{text!r} is not a cron expression: give 5 fields (minute hour day month weekday) "
            "or daily, weekly, monthly"
        )
    return " ".join(words)


def trigger(text: str, zone: tzinfo) -> CronTrigger:
    """An APScheduler trigger firing at ``text`` (expression or shorthand) in ``zone``.

    Raises:
        ValueError: an unusable expression, with the reason.
    """
    minute, hour, day, month, weekday = expression(text).split()
    if day != "*" and weekday not in ("*", "?"):
        # Cron fires when either field matches, APScheduler only when both do: refuse
        # rather than pick one meaning silently.
        raise ValueError(f"{text!r}: restrict the day of the month or the weekday, not both")
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_weekdays(weekday),
            timezone=zone,
        )
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid cron expression: {exc}") from None


def _weekdays(field: str) -> str:
    """A cron weekday field (0 or 7 Sunday, names allowed) in APScheduler's words."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.lower().split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(f"weekday step {step_text!r} is not a positive number")
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            low, high = base.split("-", 1)
            first, last = _day(low), _day(high)
            if last == 0 and first > 0:
                last = 7  # fri-sun: Sunday closes the week
        else:
            first = _day(base)
            last = first if step is None else 6
        if first > last:
            raise ValueError(f"weekday range {base!r} runs backwards")
        days.update(n % 7 for n in range(first, last + 1, step or 1))
    names = {_DAY_NAMES[n] for n in days}
    return ",".join(name for name in _APS_ORDER if name in names)


def _day(token: str) -> int:
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token)
    if token in _DAY_NAMES:
        return _DAY_NAMES.index(token)
    raise ValueError(f"weekday {token!r} is not 0-7 nor a day name (sun, mon, ...)")
