"""Test helper: read one source the way ``digest build`` does, up to the store."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.build import _incoming
from digest.identity import Incoming
from digest.sources import Report, SourceAdapter


def build_incoming(
    source: SourceAdapter, report: Report, now: datetime | None = None
) -> list[Incoming]:
    """The items ``source`` gives, normalised and keyed, ready for :meth:`Store.put`."""
    return _incoming(source, report, now or datetime(2026, 1, 1, tzinfo=UTC))
