"""Editions built by two processes (:mod:`digest.edition_pool`): the same outbox, records,
results and problems as a build in one process, also when the worker fails or dies."""

from __future__ import annotations

import os
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import digest.edition_pool as edition_pool
from digest.build import BuildReport, Publisher, build
from digest.config import Settings, load_settings
from digest.edition_pool import RUN
from digest.model import Edition
from digest.periods import periods_between
from digest.publish import EditionFiles
from tests.conftest import copy_sample_tree

#: Seventeen weekly periods of the sample, most with an edition: five runs.
SINCE, UNTIL = date(2025, 9, 1), date(2025, 12, 28)
#: The build's process, set by each test before it builds (the worker is another).
PARENT = os.getpid()


def _tree(tmp_path: Path, name: str, workers: int) -> Settings:
    tree = copy_sample_tree(tmp_path / name)
    settings = load_settings(tree / "digest.toml")
    return settings.model_copy(update={"ingest_workers": workers})


def _outbox(settings: Settings) -> dict[str, bytes]:
    root = settings.paths.outbox
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != ".lock"
    }


def _recorded(settings: Settings) -> list[tuple[str, str]]:
    """The editions recorded, with the hash of the manifest each left (their inputs' keys
    cover the settings, which name each tree's folder; the outbox's row, file times)."""
    path = settings.store_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("select edition_id, manifest from edition_inputs").fetchall()
    return sorted((e, m) for e, m in rows if not e.startswith(":"))


def _same(one: tuple[Settings, BuildReport], two: tuple[Settings, BuildReport]) -> None:
    (first, report), (second, other) = one, two
    assert _outbox(first) == _outbox(second)
    assert _recorded(first) == _recorded(second)
    assert report.editions == other.editions
    assert report.problems == other.problems


@pytest.fixture(scope="module")
def serial(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, BuildReport]:
    """The sample built in one process."""
    settings = _tree(tmp_path_factory.mktemp("serial"), "project", 1)
    return settings, build(settings, since=SINCE, until=UNTIL)


def test_enough_periods_for_the_worker() -> None:
    periods = periods_between("weekly", SINCE, UNTIL)
    assert len(periods) >= edition_pool.LEAST
    assert len(periods) > 2 * RUN


def test_two_processes_build_what_one_does(
    tmp_path: Path, serial: tuple[Settings, BuildReport], monkeypatch: pytest.MonkeyPatch
) -> None:
    made_by_worker: list[str] = []
    written = edition_pool._written

    def noting(publisher: Publisher, made: edition_pool.Made) -> edition_pool.Published:
        if made.rendered is not None:
            made_by_worker.append(made.rendered.files.edition.id)
        return written(publisher, made)

    monkeypatch.setattr(edition_pool, "_written", noting)
    settings = _tree(tmp_path, "pooled", 2)
    pooled = build(settings, since=SINCE, until=UNTIL)
    assert made_by_worker  # the worker did build some
    assert len(made_by_worker) < len(pooled.editions)  # and this process others
    _same(serial, (settings, pooled))
    # Built again, nothing changed: every edition is skipped, as in one process.
    again = build(settings, since=SINCE, until=UNTIL)
    assert not again.editions and again.skipped == len(periods_between("weekly", SINCE, UNTIL))


def _in_worker() -> bool:
    return os.getpid() != PARENT


def test_a_run_the_worker_could_not_make_is_made_here(
    tmp_path: Path, serial: tuple[Settings, BuildReport], monkeypatch: pytest.MonkeyPatch
) -> None:
    render = Publisher.render

    def failing(self: Publisher, edition: Edition) -> edition_pool.Rendered:
        if _in_worker() and edition.id == "weekly-2025-W42":
            raise RuntimeError("injected in the worker")
        return render(self, edition)

    monkeypatch.setattr(Publisher, "render", failing)
    settings = _tree(tmp_path, "failing", 2)
    _same(serial, (settings, build(settings, since=SINCE, until=UNTIL)))


def test_a_worker_that_dies_leaves_the_rest_to_this_process(
    tmp_path: Path, serial: tuple[Settings, BuildReport], monkeypatch: pytest.MonkeyPatch
) -> None:
    render = Publisher.render

    def dying(self: Publisher, edition: Edition) -> edition_pool.Rendered:
        if _in_worker():
            os._exit(9)  # as if killed
        return render(self, edition)

    monkeypatch.setattr(Publisher, "render", dying)
    settings = _tree(tmp_path, "dying", 2)
    _same(serial, (settings, build(settings, since=SINCE, until=UNTIL)))


def test_an_error_of_a_run_is_raised_as_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = Publisher._files

    def failing(self: Publisher, edition: Edition, *args: Any) -> EditionFiles:
        if edition.id == "weekly-2025-W42":  # in a run of the worker: made again here
            raise ValueError("injected everywhere")
        return files(self, edition, *args)

    monkeypatch.setattr(Publisher, "_files", failing)
    settings = _tree(tmp_path, "raising", 2)
    with pytest.raises(ValueError, match="injected everywhere"):
        build(settings, since=SINCE, until=UNTIL)
    # The editions before it were written and recorded, those after it were not.
    recorded = {edition for edition, _ in _recorded(settings)}
    assert "weekly-2025-W41" in recorded
    assert "weekly-2025-W42" not in recorded and "weekly-2025-W43" not in recorded
