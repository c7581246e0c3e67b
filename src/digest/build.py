"""The build: ingest every source into the store, then one edition per period.

This is the library call behind ``digest build``; the CLI only parses
arguments and shows what :func:`build` reports.
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from digest.config import Settings
from digest.errors import InputError
from digest.from_store import edition_for, explain
from digest.model import PeriodKind, Problem
from digest.periods import periods_between
from digest.publisher import Publisher
from digest.sources import Report
from digest.store import StoreCounts

if TYPE_CHECKING:
    from digest.publish import EditionResult

# Publisher (digest.publisher) and edition_for, explain (digest.from_store) are named
# here too: the build's library calls, as callers have imported them.
__all__ = ["BuildReport", "Progress", "Publisher", "build", "edition_for", "explain", "parse_day"]


class Progress(Protocol):
    """Told how far a build has gone (the CLI draws a bar with it)."""

    def start(self, total: int, what: str) -> None:
        """A stage of ``total`` steps begins."""

    def advance(self) -> None:
        """One step of the current stage is done."""


class _Silent:
    def start(self, total: int, what: str) -> None:
        pass

    def advance(self) -> None:
        pass


@dataclass(frozen=True)
class BuildReport:
    """The outcome of :func:`build`."""

    stored: StoreCounts
    editions: tuple[EditionResult, ...]
    feeds_changed: int
    problems: tuple[Problem, ...] = field(default=())
    #: Periods not built again: their inputs are those their published edition (or
    #: their finding that there was nothing to publish) was built from.
    skipped: int = 0
    #: Items' parts computed again because their code or settings changed, and why
    #: (``recomputing 5,000 items' parts: taxonomy changed``); None when none was.
    recomputed: str | None = None


def parse_day(value: str, option: str) -> date:
    """A ``YYYY-MM-DD`` date given on the command line.

    Raises:
        InputError: naming the option and the expected format.
    """
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: {value!r} is not a date (expected YYYY-MM-DD)") from None


def build(
    settings: Settings,
    *,
    since: date | None = None,
    until: date | None = None,
    period: PeriodKind | None = None,
    report: Report | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Ingest the sources, then build and publish every edition between two days.

    Each period that overlaps ``since``..``until`` (both included) and has items
    gets one edition covering the whole period, so an edition's content never
    depends on where the range was cut. A period whose inputs did not change since
    its edition was published is skipped before anything of it is built
    (:mod:`digest.incremental`).

    Args:
        since: first day; default the day of the oldest stored item.
        until: last day; default today in the configured timezone.
        period: ``daily``, ``weekly`` or ``monthly``; default from the settings.
        report: called once per input problem.
        progress: told how far the build has gone.

    Raises:
        InputError: ``since`` is after ``until``.
        DigestError: the sources folder, the store, the themes or a template is unusable.
    """
    progress = progress or _Silent()
    kind: PeriodKind = period or settings.period
    if since is not None and until is not None and since > until:
        raise InputError(f"--since {since} is after --until {until}")
    with Publisher(settings, report) as publisher:
        stored = publisher.refresh()
        oldest = publisher.store.earliest()
        first = since or (oldest.astimezone(settings.zone).date() if oldest else None)
        last = until or datetime.now(settings.zone).date()
        if first is not None and first > last:
            raise InputError(f"--since {first} is after --until {last}")
        periods = periods_between(kind, first, last) if first is not None else []
        progress.start(len(periods), "editions")
        keys = publisher.input_keys()
        todo = []
        for each, edition_id, key in keys.periods(periods):
            if keys.unchanged(edition_id, key):
                progress.advance()
            else:
                todo.append((each, edition_id, key))
        refreshed = publisher.prepare([each for each, _, _ in todo])
        results = []
        editions = publisher.editions([each for each, _, _ in todo])
        with closing(editions):
            for _, edition_id, key in todo:
                before = len(publisher.problems)
                edition = next(editions)
                if edition is not None:
                    results.append(publisher.publish(edition))
                keys.record(edition_id, key, edition is not None, publisher.problems[before:])
                progress.advance()
        feeds_changed = 0
        if not keys.outbox_unchanged():
            before = len(publisher.problems)
            feeds_changed = publisher.finish()
            # A search index that could not be made is tried again by the next build.
            if len(publisher.problems) == before:
                keys.record_outbox()
    return BuildReport(
        stored,
        tuple(results),
        feeds_changed,
        tuple(publisher.problems),
        skipped=len(periods) - len(todo),
        recomputed=refreshed.line(),
    )
