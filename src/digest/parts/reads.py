"""The items of consecutive periods, read once: a backfill's next week reads the last days
of the week before again (the clustering window, :func:`digest.parts.span`); those items,
and the parts parsed of them, are taken from the last read, and only the rest is read from
the store. The same items, rows and parts as a read afresh (``tests/test_build_reads.py``).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from digest.model import Period
from digest.parts import span
from digest.parts.table import PeriodItems

if TYPE_CHECKING:
    from digest.parts.compute import ItemParts

#: Parses the stored parts of items, computing and storing those missing
#: (:func:`digest.parts.refresh.parse`).
Parse = Callable[[PeriodItems], dict[str, "ItemParts"]]
#: Reads the items published in ``[start, end)`` with their stored parts' rows
#: (:func:`digest.parts.table.with_parts`).
Read = Callable[[datetime, datetime], PeriodItems]


class RecentReads:
    """Reads the items of a period with their stored parts, reusing the last read."""

    def __init__(self, read: Read, zone: ZoneInfo) -> None:
        self._read = read
        self.zone = zone
        self._recent: _Read | None = None

    def forget(self) -> None:
        """Read everything from the store next time (its items changed)."""
        self._recent = None

    def items(self, period: Period) -> PeriodItems:
        """The items an edition of ``period`` is built from (the period's, and those of
        the clustering window before it), with their stored parts."""
        start, end = span(period, self.zone)
        recent = self._recent
        if recent is None or not recent.start <= start < recent.end <= end:
            found = self._read(start, end)
            self._recent = _Read(start, end, found)
            return found
        # Read by date then id: those from ``start`` on are a tail of the last read, and
        # all of them come before what is read now.
        first = bisect.bisect_left(recent.dates, start)
        kept = recent.found.items[first:]
        newer = self._read(recent.end, end)
        found = PeriodItems(kept + newer.items, recent.found.rows[first:] + newer.rows)
        parsed = {i.id: recent.parts[i.id] for i in kept if i.id in recent.parts}
        self._recent = _Read(start, end, found, parsed)
        return found

    def parts(self, found: PeriodItems, parse: Parse) -> dict[str, ItemParts]:
        """The parts of ``found``'s items by ``parse``; those of items :meth:`items` took
        from the last read are those parsed then."""
        recent = self._recent
        known = recent.parts if recent is not None and recent.found is found else {}
        # An item's row is the object read with it: one read again is parsed again.
        todo = [
            (item, row)
            for item, row in zip(found.items, found.rows, strict=True)
            if (kept := known.get(item.id)) is None or kept[0] is not row
        ]
        if todo:
            parsed = parse(PeriodItems(tuple(i for i, _ in todo), tuple(r for _, r in todo)))
            for item, row in todo:
                known[item.id] = (row, parsed[item.id])
        parts = {item.id: known[item.id][1] for item in found.items}
        # Parts computed here (the item had none stored) are read from the store next time.
        known = {i: each for i, each in known.items() if each[0] is not None}
        if recent is not None and recent.found is found:
            recent.parts = {i: known[i] for i in parts if i in known}
        return parts


@dataclass
class _Read:
    """Items read for a period: those published in ``[start, end)``, and the parts parsed
    of them, each with the row it was parsed from."""

    start: datetime
    end: datetime
    found: PeriodItems
    parts: dict[str, tuple[Any, ItemParts]] = field(default_factory=dict)

    @cached_property
    def dates(self) -> list[datetime]:
        return [item.published for item in self.found.items]
