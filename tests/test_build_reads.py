"""A build's editions take the items the last period read that theirs reads too (the
clustering window) from that read: the same items, rows and parts as read afresh."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digest.build import Publisher
from digest.config import load_settings
from digest.model import PeriodKind
from digest.parts import read
from digest.parts.refresh import parse
from digest.periods import periods_between


@pytest.mark.parametrize(
    ("kind", "since", "until"),
    [
        ("weekly", date(2025, 9, 1), date(2025, 12, 31)),
        ("daily", date(2025, 11, 1), date(2025, 11, 30)),
        ("monthly", date(2025, 1, 1), date(2025, 12, 31)),
    ],
)
def test_periods_in_turn_read_what_a_fresh_read_gives(
    built_sample_tree: Path, kind: PeriodKind, since: date, until: date
) -> None:
    settings = load_settings(built_sample_tree / "digest.toml")
    periods = periods_between(kind, since, until)
    # In turn, then backwards (nothing to take), then one again after a refresh.
    order = [*periods, *reversed(periods[:-1])]
    with Publisher(settings) as publisher:
        engine = publisher.store.engine
        seen = taken = 0
        last: set[int] = set()
        for number, period in enumerate(order):
            if number == len(periods) + 2:
                publisher.refresh()
            found = publisher.items(period)
            parts = publisher.parts(found)
            fresh = read(engine, period, settings.zone)
            assert found.items == fresh.items
            assert [r and dict(r) for r in found.rows] == [r and dict(r) for r in fresh.rows]
            assert parts == parse(engine, publisher.analyser, publisher.part_versions, fresh)
            seen += len(found.items)
            taken += sum(id(item) in last for item in found.items)
            last = {id(item) for item in found.items}
        assert seen > 0 and taken > 0  # some were taken from the last read
