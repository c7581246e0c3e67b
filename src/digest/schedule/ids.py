"""Edition ids: one per period and content, whoever builds it.

``digest build`` and a schedule that builds the whole digest give the same id, the
period's (``weekly-2026-W48``): they build the same edition, so the archive, the feeds
and the send log hold it once. A schedule that narrows the digest (its own
``languages``, or ``themes``) builds different content, so a different edition: the
period's id and the cut (``weekly-2026-W48.fr``, ``weekly-2026-W48.ethics-health``).
Sharing the id would make the two builds overwrite each other, and the send log say
that a reader of the cut had the whole week.

Versions before this one named every scheduled edition ``<schedule>-<period id>``
(``hebdo-weekly-2026-W48``); :func:`resolve` still understands those ids, and
:mod:`digest.schedule.merge` folds such an edition into the one of its period.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from digest.config import ScheduleSettings, Settings
from digest.errors import InputError
from digest.model import Period
from digest.periods import edition_id, period_of_edition

#: ``<schedule>-<period id>``: the id older versions gave a schedule's edition.
_LEGACY = re.compile(
    r"^(?P<schedule>[a-z0-9][a-z0-9-]{0,59})-"
    r"(?P<period>daily-\d{4}-\d{2}-\d{2}|weekly-\d{4}-W\d{2}|monthly-\d{4}-\d{2})$"
)
#: ``<period id>.<cut>``: a narrowed schedule's edition.
_CUT = re.compile(
    r"^(?P<period>daily-\d{4}-\d{2}-\d{2}|weekly-\d{4}-W\d{2}|monthly-\d{4}-\d{2})\.(?P<cut>.+)$"
)
#: Longer cuts are shortened to a hash (edition ids are at most 200 characters).
_MAX_CUT = 80


@dataclass(frozen=True)
class EditionRef:
    """What an edition id stands for."""

    #: The id as given.
    given: str
    #: The id the edition has now (the given one, or the new id of an old scheduled one).
    id: str
    period: Period
    #: The schedule whose cut it is (None: the whole digest).
    schedule: ScheduleSettings | None = None

    @property
    def legacy(self) -> bool:
        """Whether the given id is an older version's ``<schedule>-<period id>``."""
        return self.given != self.id


def narrows(schedule: ScheduleSettings | None, settings: Settings) -> bool:
    """Whether the schedule builds less than the whole digest (languages or themes)."""
    if schedule is None:
        return False
    own = schedule.languages is not None and tuple(schedule.languages) != settings.languages
    return own or schedule.themes is not None


def cut_of(schedule: ScheduleSettings | None, settings: Settings) -> str:
    """The cut part of a schedule's edition ids (``fr``, ``ethics-health``); "" for none."""
    if schedule is None or not narrows(schedule, settings):
        return ""
    parts = []
    if schedule.languages is not None and tuple(schedule.languages) != settings.languages:
        parts.append("-".join(schedule.languages))
    if schedule.themes is not None:
        parts.append("-".join(sorted(set(schedule.themes))))
    cut = ".".join(parts)
    if len(cut) > _MAX_CUT:
        cut = "cut-" + hashlib.sha256(cut.encode()).hexdigest()[:12]
    return cut


def edition_id_for(
    period: Period, settings: Settings, schedule: ScheduleSettings | None = None
) -> str:
    """The id of the edition of ``period`` that ``schedule`` (None: ``digest build``) builds."""
    cut = cut_of(schedule, settings)
    return f"{edition_id(period)}.{cut}" if cut else edition_id(period)


def legacy_parts(edition: str) -> tuple[str, str] | None:
    """``(schedule, period id)`` of an older version's scheduled id; None for any other id."""
    match = _LEGACY.match(edition)
    return (match["schedule"], match["period"]) if match else None


def resolve(settings: Settings, edition: str) -> EditionRef:
    """What ``edition`` stands for: every id ``digest build`` or ``digest schedule`` printed.

    An older version's ``<schedule>-<period id>`` stands for the edition of that period
    its schedule builds now (the whole digest's when the schedule is gone or narrows
    nothing).

    Raises:
        InputError: not an edition id, or a cut no schedule of the settings makes.
    """
    legacy = legacy_parts(edition)
    if legacy is not None:
        name, period_id = legacy
        period = period_of_edition(period_id)
        schedule = _named(settings.schedules, name)
        if not narrows(schedule, settings):
            schedule = None
        return EditionRef(edition, edition_id_for(period, settings, schedule), period, schedule)
    cut = _CUT.match(edition)
    if cut is None:
        return EditionRef(edition, edition, period_of_edition(edition))
    period = period_of_edition(cut["period"])
    for schedule in settings.schedules:
        if edition_id_for(period, settings, schedule) == edition:
            return EditionRef(edition, edition, period, schedule)
    raise InputError(
        f"{edition!r}: no schedule of the settings builds the cut {cut['cut']!r} "
        f"(the whole digest's edition is {cut['period']})"
    )


def _named(schedules: Sequence[ScheduleSettings], name: str) -> ScheduleSettings | None:
    return next((s for s in schedules if s.name == name), None)
