"""Work once, at ingest: what each item gives on its own, kept in the store.

An edition used to split, lemmatise, rank and classify every item of its period again,
and sign each for clustering. These parts depend on one item alone (its language, title
and text) and on the code and settings named by their version
(:mod:`digest.parts.versions`), so they are computed once, after the item is stored or
changed, and kept in ``item_parts`` (:mod:`digest.parts.table`). An edition reads its
period's items with their parts (:func:`read`) and repeats only the work that depends on
several items: stories, ranking, picking. A part missing or of another version is
computed again (:mod:`digest.parts.refresh`, which says why in one line); an edition
never uses a part that was not made from the item as it is now, so its content is the
same with or without them.

This module is what a build needs before it knows that some edition is to be built
(which items an edition reads, the parts' versions); computing parts, and the code that
computes them, are imported from :mod:`digest.parts.refresh` only when one is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from digest.cluster import WINDOW
from digest.model import Period
from digest.parts.table import PeriodItems, with_parts
from digest.parts.versions import Versions, versions
from digest.periods import utc_bounds

__all__ = ["PeriodItems", "Refreshed", "Versions", "read", "span", "versions"]


@dataclass(frozen=True)
class Refreshed:
    """What :func:`refresh` computed."""

    #: Items some part of which was computed.
    computed: int
    #: Items some part of which was computed again because its version changed.
    recomputed: int
    #: Why, one reason per part whose version changed, in a fixed order.
    reasons: tuple[str, ...]

    def line(self) -> str | None:
        """``recomputing 5,000 items' parts: key point model changed`` (None: nothing was)."""
        if not self.recomputed:
            return None
        return f"recomputing {self.recomputed:,} items' parts: {', '.join(self.reasons)}"


def span(period: Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """When the items an edition of ``period`` is built from were published (UTC, end
    excluded): the period's, and those of the clustering window before it."""
    start, end = utc_bounds(period, zone)
    return start - WINDOW, end


def read(engine: Engine, period: Period, zone: ZoneInfo) -> PeriodItems:
    """The items an edition of ``period`` is built from, with their stored parts."""
    return with_parts(engine, *span(period, zone))
