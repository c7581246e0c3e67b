"""Test helper: read one source the way ``digest build`` does, up to the store."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.identity import Incoming
from digest.ingest import read_source
from digest.sources import Report, SourceAdapter


def build_incoming(
    source: SourceAdapter, report: Report, now: datetime | None = None
) -> list[Incoming]:
    """The items ``source`` gives, normalised and keyed, ready for :meth:`Store.put`."""
    batch = read_source(source, now or datetime(2026, 1, 1, tzinfo=UTC), None)
    for problem in batch.problems:
        report(problem)
    return list(batch.incoming)
