"""Computing the items' parts in worker processes (digest.parts.pool): the same rows, in
the same order, with any number of processes; a failure in a worker is raised in the
build, and the workers stop with it."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select, update

from digest.build import Publisher
from digest.clean import CLEANING_VERSION as CLEANING
from digest.config import load_settings
from digest.model import Item
from digest.parts import pool, refresh, table
from digest.parts.compute import Analyser, ItemParts, content_key
from digest.parts.versions import Versions
from digest.schema import item_parts_table, items_table
from tests.conftest import copy_sample_tree

EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Publisher]:
    """The sample tree's items in a store, no part computed."""
    tree = copy_sample_tree(tmp_path_factory.mktemp("pool") / "project")
    with Publisher(load_settings(tree / "digest.toml")) as publisher:
        publisher.refresh()
        yield publisher


def _ids(engine: Engine) -> list[str]:
    """The ids of some 150 items of the store (computing more adds nothing)."""
    with engine.connect() as conn:
        found = conn.execute(select(items_table.c.id).order_by(items_table.c.id)).scalars()
        return list(found)[:150]


def _recent(engine: Engine) -> tuple[datetime, datetime]:
    """When the last 150 items of the store were published."""
    column = items_table.c.published
    with engine.connect() as conn:
        found = conn.execute(select(column).order_by(column.desc()).limit(150)).scalars().all()
    return found[-1].replace(tzinfo=UTC), EVER[1]


def _rows(engine: Engine) -> dict[str, tuple[Any, ...]]:
    with engine.connect() as conn:
        return {row[0]: tuple(row) for row in conn.execute(select(item_parts_table))}


def _compute(publisher: Publisher) -> pool.Compute:
    analyser, current = publisher.analyser, publisher.part_versions
    return lambda item, wanted: refresh._compute(analyser, current, item, wanted)[0]


def _read(engine: Engine) -> pool.Read:
    return lambda ids: table.items_by_id(engine, ids)


def test_a_refresh_stores_the_same_rows_with_one_two_and_three_processes(
    store: Publisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = store.store.engine
    monkeypatch.setattr(refresh, "_POOL_AT_LEAST", 1)  # the sample's items are fewer
    found = {}
    for workers in (1, 2, 3):
        with engine.begin() as conn:
            conn.execute(delete(item_parts_table))
        done = refresh.refresh(
            engine, lambda: store.analyser, store.part_versions, *_recent(engine), workers
        )
        assert done.computed == 150
        found[workers] = _rows(engine)
    assert found[1] == found[2] == found[3]
    assert len(found[1]) == 150


@pytest.mark.parametrize("compute_here", [True, False])
def test_rows_come_in_the_order_asked_with_any_processes(
    store: Publisher, compute_here: bool
) -> None:
    engine = store.store.engine
    ids = _ids(engine)
    # Not in the store's order, some parts only, and an id not stored (left out).
    todo = [(i, ("themes", "traits") if n % 3 else table.PARTS) for n, i in enumerate(ids)]
    todo = [*todo[1::2], ("nowhere/1", table.PARTS), *todo[::2]]
    alone = list(pool.computed(_read(engine), todo, _compute(store), 1, chunk=7, batch=20))
    expected = [row for batch in alone for row in batch]
    assert [row["item_id"] for row in expected] == [i for i, _ in todo if i != "nowhere/1"]
    for count in (2, 3):
        batches = list(
            pool.computed(
                _read(engine),
                todo,
                _compute(store),
                count,
                compute_here=compute_here,
                chunk=7,
                batch=20,
            )
        )
        assert [row for batch in batches for row in batch] == expected
        assert all(len(batch) >= 20 for batch in batches[:-1])
    assert not multiprocessing.active_children()


class _Failing(Analyser):
    """Raises computing the parts of one item."""

    def __init__(self, analyser: Analyser, item_id: str) -> None:
        super().__init__(analyser.classifier, analyser.sentences, analyser.compression)
        self.item_id = item_id

    def item_parts(self, item: Item, wanted: Any = table.PARTS) -> ItemParts:
        if item.id == self.item_id:
            raise ValueError(f"cannot compute {item.id}")
        return super().item_parts(item, wanted)


def test_an_error_in_a_worker_is_raised_by_the_refresh_and_the_rows_before_it_are_kept(
    store: Publisher, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = store.store.engine
    monkeypatch.setattr(refresh, "_POOL_AT_LEAST", 1)
    monkeypatch.setattr(pool, "BATCH", 20)
    with engine.begin() as conn:
        conn.execute(delete(item_parts_table))
    order = [entry.item_id for entry in table.stale(engine, *EVER, store.part_versions)]
    bad = len(order) * 3 // 4
    failing = _Failing(store.analyser, order[bad])
    with pytest.raises(ValueError, match=f"cannot compute {order[bad]}"):
        refresh.refresh(engine, lambda: failing, store.part_versions, *EVER, 2)
    assert not multiprocessing.active_children()
    # Rows are written in order (those computed before the failure, or some of them).
    written = set(_rows(engine))
    assert written == set(order[: len(written)])
    assert len(written) < bad


def test_an_error_in_a_worker_stops_the_others(store: Publisher) -> None:
    engine = store.store.engine
    ids = _ids(engine)
    compute = _compute(store)

    def failing(item: Item, wanted: tuple[str, ...]) -> dict[str, Any]:
        if item.id == ids[5]:
            raise ValueError(f"cannot compute {item.id}")
        return compute(item, wanted)

    todo = [(i, table.PARTS) for i in ids]
    rows = pool.computed(_read(engine), todo, failing, 2, compute_here=False, chunk=3)
    with pytest.raises(ValueError, match=f"cannot compute {ids[5]}"):
        list(rows)
    assert not multiprocessing.active_children()


def test_a_worker_that_dies_is_a_parts_worker_error(store: Publisher) -> None:
    engine = store.store.engine
    ids = _ids(engine)
    compute = _compute(store)
    parent = os.getpid()

    def dying(item: Item, wanted: tuple[str, ...]) -> dict[str, Any]:
        if item.id == ids[4] and os.getpid() != parent:
            os._exit(3)  # killed, or out of memory
        return compute(item, wanted)

    todo = [(i, table.PARTS) for i in ids]
    with pytest.raises(pool.PartsWorkerError, match="computing the items' parts died"):
        list(pool.computed(_read(engine), todo, dying, 2, compute_here=False, chunk=3))
    assert not multiprocessing.active_children()


def test_stopping_early_stops_the_workers(store: Publisher) -> None:
    engine = store.store.engine
    todo = [(i, table.PARTS) for i in _ids(engine)]
    rows = pool.computed(_read(engine), todo, _compute(store), 3, chunk=2, batch=4)
    first = next(rows)
    assert [row["item_id"] for row in first] == [i for i, _ in todo[:4]]
    assert multiprocessing.active_children()
    rows.close()
    assert not multiprocessing.active_children()


def test_chunks_are_smaller_for_fewer_items() -> None:
    assert pool.chunk_size(100_000, 2) == pool.CHUNK
    assert pool.chunk_size(1_000, 2) == 63
    assert pool.chunk_size(50, 4) == 10


def test_the_items_to_compute_are_the_stored_ones_without_what_no_part_reads(
    store: Publisher,
) -> None:
    """Parts are computed from the items without their HTML, authors and tags, with the
    content key stored with them; an item cleaned by older rules is read whole and cleaned
    again, and its key computed."""
    engine = store.store.engine
    ids = _ids(engine)
    asked = [*reversed(ids[:40]), "nowhere/1"]
    whole = table.items_by_id(engine, asked)
    assert any(item.html for item in whole)
    expected = [replace(item, html="", authors=(), tags=()) for item in whole]
    assert table.to_compute(engine, asked) == expected
    some = Versions("none", "none", "none")
    by_id = {entry.item_id: entry for entry in table.stale(engine, *EVER, some)}
    assert all(by_id[item.id].content == content_key(item) for item in whole)
    older = ids[3]
    cleaned = items_table.c.cleaned
    with engine.begin() as conn:
        conn.execute(update(items_table).where(items_table.c.id == older).values(cleaned=0))
    try:
        assert table.to_compute(engine, [older]) == table.items_by_id(engine, [older])
        by_id = {entry.item_id: entry for entry in table.stale(engine, *EVER, some)}
        assert by_id[older].content is None
    finally:
        with engine.begin() as conn:
            conn.execute(
                update(items_table).where(items_table.c.id == older).values(cleaned=CLEANING)
            )
    with engine.connect() as conn:
        assert conn.execute(select(cleaned).where(items_table.c.id == older)).scalar() == CLEANING
