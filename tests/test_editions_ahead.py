"""A build's editions made ahead in a forked process (digest.editions_ahead): the same
outbox as one process makes, parts computed there stored here, a failure raised in its
turn, the building process stopped with the build."""

from __future__ import annotations

import io
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from digest import editions_ahead
from digest.build import Publisher, build
from digest.config import load_settings
from digest.editions_ahead import Builder, EditionsWorkerError
from digest.model import Edition, Period
from digest.parts import span, table
from digest.periods import periods_between
from digest.schema import item_parts_table
from tests.conftest import copy_sample_tree

SINCE, UNTIL = date(2021, 1, 1), date(2025, 12, 31)
#: Weeks of the sample with items, and some without.
WEEKS = periods_between("weekly", date(2025, 9, 1), date(2025, 12, 31))


def _files(outbox: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(outbox)): path.read_bytes()
        for path in sorted(outbox.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def ahead(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Editions built ahead whatever the items' count; how many periods each time."""
    monkeypatch.setattr(editions_ahead, "AT_LEAST", 0)
    calls: list[int] = []
    real = editions_ahead.built_ahead

    def counted(builder: Builder, periods: Sequence[Period]) -> Any:
        calls.append(len(periods))
        return real(builder, periods)

    monkeypatch.setattr(editions_ahead, "built_ahead", counted)
    return calls


@pytest.fixture
def publisher(sample_tree: Path) -> Iterator[Publisher]:
    """The sample's items stored, no part computed, two processes."""
    settings = load_settings(sample_tree / "digest.toml", ingest_workers=2)
    with Publisher(settings) as opened:
        opened.refresh()
        with opened.store.engine.begin() as conn:
            conn.execute(delete(item_parts_table))
        yield opened


def test_the_outbox_is_the_one_a_single_process_makes(
    tmp_path: Path, store_url: str, ahead: list[int]
) -> None:
    outboxes = []
    for workers in (1, 2):
        tree = copy_sample_tree(tmp_path / f"w{workers}")
        url = store_url if workers == 2 else f"sqlite:///{tree}/store.sqlite3"
        settings = load_settings(tree / "digest.toml", ingest_workers=workers, store_url=url)
        report = build(settings, since=SINCE, until=UNTIL)
        assert not report.problems
        assert len(report.editions) > 30
        outboxes.append(_files(tree / "outbox"))
    assert ahead == [len(periods_between("weekly", SINCE, UNTIL))]  # the second build only
    assert outboxes[0] == outboxes[1]


def test_the_editions_are_those_built_in_this_process(
    publisher: Publisher, ahead: list[int]
) -> None:
    built = list(publisher.editions(WEEKS))
    assert ahead == [len(WEEKS)]
    assert sum(edition is not None for edition in built) > 5
    assert built == [publisher.edition(week) for week in WEEKS]


def test_parts_computed_ahead_are_stored(publisher: Publisher, ahead: list[int]) -> None:
    engine = publisher.store.engine
    count = select(func.count()).select_from(item_parts_table)
    list(publisher.editions(WEEKS))  # no prepare: the building process computes them
    assert ahead
    with engine.connect() as conn:
        stored = conn.execute(count).scalar_one()
    assert stored > 0
    # Read back as stored: nothing is computed again, the same editions.
    again = list(publisher.editions(WEEKS))
    with engine.connect() as conn:
        assert conn.execute(count).scalar_one() == stored
    assert again == [publisher.edition(week) for week in WEEKS]


def _failing(monkeypatch: pytest.MonkeyPatch, at: Period, fail: Any) -> None:
    real = Builder.build
    parent = os.getpid()

    def build_or_fail(self: Builder, period: Period) -> Any:
        if period == at and os.getpid() != parent:
            fail()
        return real(self, period)

    monkeypatch.setattr(Builder, "build", build_or_fail)


def test_an_error_building_an_edition_is_raised_in_its_turn(
    publisher: Publisher, ahead: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail() -> None:
        raise ValueError("cannot build this week")

    _failing(monkeypatch, WEEKS[5], fail)
    editions = publisher.editions(WEEKS)
    given: list[Edition | None] = []
    with pytest.raises(ValueError, match="cannot build this week"):
        for edition in editions:
            given.append(edition)
    assert given == [publisher.edition(week) for week in WEEKS[:5]]
    assert not multiprocessing.active_children()


def test_a_building_process_that_dies_is_an_editions_worker_error(
    publisher: Publisher, ahead: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _failing(monkeypatch, WEEKS[3], lambda: os._exit(3))  # killed, or out of memory
    with pytest.raises(EditionsWorkerError, match="building editions died"):
        list(publisher.editions(WEEKS))
    assert not multiprocessing.active_children()


def test_a_build_whose_building_process_dies_says_so_in_one_line(
    sample_tree: Path, ahead: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from digest.cli import _common, main

    _failing(monkeypatch, periods_between("weekly", SINCE, UNTIL)[7], lambda: os._exit(9))
    monkeypatch.chdir(sample_tree)
    monkeypatch.setenv("DIGEST_INGEST_WORKERS", "2")
    said = io.StringIO()
    # The error console, writing where this test reads (CliRunner does not see it).
    monkeypatch.setattr(_common, "err", _common._SafeConsole(file=said, highlight=False))
    done = CliRunner().invoke(main, ["build", "--since", str(SINCE), "--until", str(UNTIL)])
    assert done.exit_code == 1
    assert said.getvalue() == "digest: error: the process building editions died\n"
    assert not multiprocessing.active_children()


def test_stopping_early_stops_the_building_process(publisher: Publisher, ahead: list[int]) -> None:
    editions = publisher.editions(WEEKS)
    next(editions)
    assert multiprocessing.active_children()
    editions.close()
    assert not multiprocessing.active_children()


def test_editions_are_built_ahead_from_enough_items(
    publisher: Publisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, zone = publisher.store.engine, publisher.settings.zone
    assert not editions_ahead.worth_it(engine, zone, WEEKS)  # the sample has 258 items
    first, _ = span(WEEKS[0], zone)
    _, end = span(WEEKS[-1], zone)
    found = table.count_between(engine, first, end)
    assert 0 < found < publisher.store.count()
    monkeypatch.setattr(editions_ahead, "AT_LEAST", found)
    assert editions_ahead.worth_it(engine, zone, WEEKS)
    assert not editions_ahead.worth_it(engine, zone, WEEKS[:1])  # one period
    monkeypatch.setattr(editions_ahead, "AT_LEAST", found + 1)
    assert not editions_ahead.worth_it(engine, zone, WEEKS)
