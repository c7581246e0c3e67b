from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.errors import StoreError
from digest.identity import Incoming, Keys
from digest.model import Item
from digest.store import Store


def item(n: int, **changes: object) -> Item:
    base = Item(
        id=f"articles/a{n}",
        source_id="articles",
        source_name="Example",
        url=f"https://example.org/{n}",
        title=f"Title {n}",
        published=datetime(2021, 2, n, 12, tzinfo=UTC),
        language="fr",
        text="Texte.",
        html="<p>Texte.</p>",
        authors=("A. Author",),
        tags=("ia",),
        translation_of=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def incoming(*items: Item) -> list[Incoming]:
    return [Incoming(i, Keys(f"file:{i.id}", None, None)) for i in items]


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store(store_url)
    yield opened
    opened.close()


def test_storing_twice_does_not_duplicate(store: Store) -> None:
    items = [item(1), item(2)]
    first = store.put(incoming(*items))
    second = store.put(incoming(*items))
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 2)
    assert store.count() == 2


def test_changed_item_is_updated_in_place(store: Store) -> None:
    store.put(incoming(item(1)))
    counts = store.put(incoming(item(1, title="New title")))
    assert (counts.added, counts.updated) == (0, 1)
    assert [i.title for i in store.all_items()] == ["New title"]


def test_round_trip_keeps_every_field(store: Store) -> None:
    original = item(3, translation_of="articles/a1")
    store.put(incoming(original))
    assert store.all_items() == [original]


def test_items_between_is_half_open_and_ordered(store: Store) -> None:
    store.put(incoming(item(3), item(1), item(2)))
    found = store.items_between(
        datetime(2021, 2, 1, 12, tzinfo=UTC), datetime(2021, 2, 3, 12, tzinfo=UTC)
    )
    assert [i.id for i in found] == ["articles/a1", "articles/a2"]


def test_bad_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        Store("not a url")


def test_processes_opening_a_new_store_together_all_get_it(tmp_path: Path) -> None:
    """Schedulers and senders start side by side: creating the tables must not fail one."""
    for trial in range(5):
        url = f"sqlite:///{tmp_path}/together-{trial}.sqlite3"
        code = f"from digest.store import Store; Store({url!r}).close()"
        processes = [
            subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        errors = [p.communicate(timeout=60)[1] for p in processes]
        assert [p.returncode for p in processes] == [0, 0, 0, 0], errors
        store = Store(url)
        try:
            assert store.count() == 0
        finally:
            store.close()


def test_an_unreachable_postgresql_server_is_one_line_without_the_password(
    tmp_path: Path,
) -> None:
    from tests.conftest import run_digest
    from tests.test_send import free_port

    url = f"postgresql+psycopg://digest:s3cret@127.0.0.1:{free_port()}/digest"
    result = run_digest(
        tmp_path, "subscribers", "list", env={**os.environ, "DIGEST_STORE_URL": url}
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if not line.startswith("warning: ")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("digest: error: cannot open store postgresql+psycopg://digest:***@")
    assert "s3cret" not in result.stderr


def test_an_unknown_driver_says_which_one_digest_uses() -> None:
    with pytest.raises(StoreError, match=r"psycopg 3: use a postgresql\+psycopg://"):
        Store("postgresql+nosuchdriver://digest@127.0.0.1/digest")


def test_a_prepared_row_serves_only_the_item_it_was_made_from() -> None:
    import pickle

    from digest.store_rows import item_row, prepared_row

    made = prepared_row(item(1))
    entry = pickle.loads(pickle.dumps(Incoming(made.item, Keys(None, None, None), False, made)))
    assert entry.prepared is not None and entry.prepared.item is entry.item  # one object still
    assert entry.prepared.row_of(entry.item) == item_row(item(1))
    # An item given another id when stored (its keys named a stored item): made again.
    moved = replace(item(1), id="articles/other")
    assert entry.prepared.row_of(moved) == item_row(moved) != item_row(item(1))


def test_items_with_prepared_rows_are_stored_as_without(store_url: str, tmp_path: Path) -> None:
    from sqlalchemy import select

    from digest.schema import items_table
    from digest.store_rows import prepared_row

    items = [item(1), item(2, title="Deux")]
    plain, prepared = Store(store_url), Store(f"sqlite:///{tmp_path / 'prepared.sqlite3'}")
    try:
        plain.put(incoming(*items))
        prepared.put([replace(e, prepared=prepared_row(e.item)) for e in incoming(*items)])
        rows = []
        for opened in (plain, prepared):
            with opened.engine.connect() as conn:
                query = select(items_table).order_by(items_table.c.id)
                rows.append([tuple(row) for row in conn.execute(query)])
        assert rows[0] == rows[1] and len(rows[0]) == 2
    finally:
        plain.close()
        prepared.close()
