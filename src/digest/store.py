"""The item store: SQLAlchemy Core over SQLite (default) or PostgreSQL.

Items are keyed by their stable id, found through the identity keys of
:mod:`digest.identity`: storing an item again updates it in place and never
duplicates it. Nothing is ever deleted by a build. The store also keeps each
feed's state: HTTP validators, last success, last error, failures in a row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import (
    Engine,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import (
    ArgumentError,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)

from digest import migrations, sqlite_file
from digest.errors import StoreError
from digest.identity import Incoming, owns, resolve
from digest.model import FeedState, Item
from digest.partial_read import WholeReading
from digest.schema import (
    aware_utc,
    feeds_table,
    items_table,
    keys_table,
    naive_utc,
)
from digest.schema import (
    item_parts_table as parts_table,
)
from digest.store_rows import feed_from_row, item_row
from digest.store_rows import item_from_row as item_from_row

T = TypeVar("T")
R = TypeVar("R")

_BATCH = 500


@dataclass(frozen=True)
class StoreCounts:
    """What one :meth:`Store.put` did."""

    added: int
    updated: int
    unchanged: int

    def __add__(self, other: StoreCounts) -> StoreCounts:
        return StoreCounts(
            self.added + other.added,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )


class Store:
    """Items and their state in one database."""

    def __init__(self, url: str) -> None:
        """Open the store at ``url``, creating it, or upgrading its schema, when needed.

        Raises:
            StoreError: the URL is not a database URL, its driver is not installed, the
                database cannot be opened, or its schema is one this digest does not know
                (see :mod:`digest.migrations`).
        """
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise StoreError(f"store_url {url!r} is not a database URL") from exc
        #: The store as messages name it: the SQLite file, or the URL without password.
        self.name = parsed.render_as_string(hide_password=True)
        file = None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            file = Path(parsed.database)
            self.name = str(file)
            sqlite_file.prepare(file, self._create)
        try:
            self.engine: Engine = create_engine(parsed)
        except (ArgumentError, ImportError) as exc:
            raise StoreError(f"cannot open store {self.name}: {_driver_hint(parsed, exc)}") from exc
        #: The SQLite file, and whether it was found sound (then its stamp is kept at close).
        self._file, self._sound = file, False
        self._damage = sqlite_file.DamageReport(self.name)
        try:
            event.listen(self.engine, "handle_error", self._damage)
            if parsed.get_backend_name() == "sqlite":
                event.listen(self.engine, "connect", sqlite_file.sqlite_pragmas)
            if file is not None:
                if not sqlite_file.known_sound(file):
                    sqlite_file.forget_sound(file)
                    sqlite_file.quick_check(self.engine, self.name)
                self._sound = True
            #: The schema as found when opened (then brought to head if it was behind).
            self.schema = migrations.check(self.engine, self.name)
        except SQLAlchemyError as exc:
            self.close()
            raise StoreError(f"cannot open store {self.name}: {sqlite_file.reason(exc)}") from exc
        except StoreError:
            self.close()
            raise

    def _create(self, engine: Engine) -> None:
        """Create a new store's schema, at head (``engine``: the new file)."""
        migrations.upgrade(engine, self.name)

    def close(self) -> None:
        """Release the connections; a SQLite file found sound and still so is stamped so."""
        self.engine.dispose()
        if self._file is not None and self._sound and not self._damage.found_damage:
            sqlite_file.record_sound(self._file)

    def put(
        self,
        entries: Iterable[Incoming],
        *,
        written: set[str] | None = None,
        left_out: Callable[[Incoming, str], None] | None = None,
    ) -> StoreCounts:
        """Store items under the ids their keys resolve to, in one transaction.

        New items are inserted, changed ones updated in place; an item that
        resolves to an id already in ``written`` (ids written earlier in the same
        run; this call adds to it) is left out, so the first source read wins.
        Every key is bound to its item. ``left_out`` is told of each entry left out
        that way, with the id it resolved to, once the transaction has committed.
        Items are taken as cleaned by the current cleaning rules (normalised now): they
        are stored with that version, and read back without being cleaned again.

        Another process storing the same items at the same moment (two schedulers
        on one store) can bind a key between this transaction's read and its write;
        the transaction then rolls back and is done again from a fresh read.
        """
        entries = list(entries)
        written = set() if written is None else written
        skipped: list[tuple[Incoming, str]] = []

        def attempt(conn: Connection) -> tuple[StoreCounts, set[str]]:
            # Ids count as written only once their transaction commits.
            taken = set(written)
            skipped.clear()
            return self.put_in(conn, entries, taken, skipped), taken

        counts, taken = self.transaction(attempt, "items")
        written.update(taken)
        if left_out is not None:
            for entry, item_id in skipped:
                left_out(entry, item_id)
        return counts

    def transaction(self, work: Callable[[Connection], R], what: str) -> R:
        """``work`` done in one transaction, done again from a fresh read when another
        process raced it (:func:`raced`): ``work`` must only write through its connection
        and keep nothing of an attempt that rolled back.

        Raises:
            StoreError: it cannot be written (``what`` names what, in the message).
        """

        def attempt() -> R:
            with self.engine.begin() as conn:
                return work(conn)

        try:
            return raced(attempt)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot write {what}: {sqlite_file.reason(exc)}") from exc

    def put_in(
        self,
        conn: Connection,
        entries: Sequence[Incoming],
        written: set[str],
        skipped: list[tuple[Incoming, str]],
        whole: WholeReading | None = None,
    ) -> StoreCounts:
        """:meth:`put` within the transaction of ``conn``: ``written`` gets the ids
        written, ``skipped`` the entries left out with the ids they resolved to.
        ``whole``: the entries are those of a source read in part; what a whole reading
        would do with each (:mod:`digest.partial_read`)."""
        total = StoreCounts(0, 0, 0)
        index = 0
        for batch in batches(entries):
            keys = [k for entry in batch for k in entry.keys.present()]
            known = self.known_keys(conn, keys)
            stored_keys = set(known)
            resolved: list[Incoming] = []
            bindings: dict[str, str] = {}
            for entry in batch:
                held = False
                if whole is not None:
                    verdict = whole(conn, index, entry, known)
                    entry, held = verdict.entry, verdict.left_out
                index += 1
                item_id = resolve(entry.item, entry.keys, known)
                for key in entry.keys.present():
                    bound = known.get(key)
                    if bound is not None and not owns(entry.item.source_id, bound):
                        continue  # another source's URL stays theirs
                    if bound != item_id:
                        bindings[key] = item_id
                        known[key] = item_id
                if held or item_id in written:
                    skipped.append((entry, item_id))
                    continue
                written.add(item_id)
                if item_id != entry.item.id:
                    entry = replace(entry, item=replace(entry.item, id=item_id))
                resolved.append(entry)
            self._bind(conn, bindings, stored_keys)
            total += self._write(conn, resolved)
        return total

    def known_keys(self, conn: Connection, keys: Sequence[str]) -> dict[str, str]:
        """Each of ``keys`` bound to an item, with that item's id."""
        known: dict[str, str] = {}
        for chunk in batches(sorted(set(keys))):
            query = select(keys_table).where(keys_table.c.key.in_(chunk))
            known.update({row.key: row.item_id for row in conn.execute(query)})
        return known

    def _bind(self, conn: Connection, bindings: Mapping[str, str], known: set[str]) -> None:
        rebound = [key for key in bindings if key in known]
        if rebound:
            conn.execute(keys_table.delete().where(keys_table.c.key.in_(rebound)))
        if bindings:
            rows = [{"key": k, "item_id": v} for k, v in bindings.items()]
            conn.execute(keys_table.insert(), rows)

    def _write(self, conn: Connection, entries: Sequence[Incoming]) -> StoreCounts:
        ids = [entry.item.id for entry in entries]
        existing = {
            row.id: item_from_row(row._mapping)
            for row in conn.execute(select(items_table).where(items_table.c.id.in_(ids)))
        }
        new, changed = [], []
        for entry in entries:
            item, old = entry.item, existing.get(entry.item.id)
            if old is None:
                prepared = entry.prepared
                new.append(prepared.row_of(item) if prepared is not None else item_row(item))
                continue
            if entry.provisional_date:
                item = replace(item, published=old.published)
            if item != old:
                changed.append(item)
        if new:
            conn.execute(items_table.insert(), new)
        for item in changed:
            conn.execute(
                items_table.update().where(items_table.c.id == item.id).values(**item_row(item))
            )
            # Its parts (digest.parts) were made from what it was: computed again.
            conn.execute(parts_table.delete().where(parts_table.c.item_id == item.id))
        return StoreCounts(len(new), len(changed), len(entries) - len(new) - len(changed))

    def feed_state(self, feed_id: str) -> FeedState | None:
        """The remembered state of a feed, if it was ever read."""
        with self.engine.connect() as conn:
            row = conn.execute(select(feeds_table).where(feeds_table.c.id == feed_id)).first()
        return feed_from_row(row._mapping) if row is not None else None

    def save_feed_state(self, state: FeedState) -> None:
        """Insert or replace a feed's state."""
        self.transaction(lambda conn: write_feed_state(conn, state), f"feed state of {state.id}")

    def save_feed_problems(self, feed_id: str, problems: Sequence[tuple[str, int]]) -> None:
        """Keep ``problems`` (kind, count) as the last run's of feed ``feed_id``.

        Nothing is kept for a source that has no feed state (the article folder).
        """
        self.transaction(
            lambda conn: write_feed_problems(conn, feed_id, problems), f"feed state of {feed_id}"
        )

    def feed_states(self) -> list[FeedState]:
        """Every remembered feed state, by feed id."""
        query = select(feeds_table).order_by(feeds_table.c.id)
        with self.engine.connect() as conn:
            return [feed_from_row(row._mapping) for row in conn.execute(query)]

    def counts_by_source(self) -> dict[str, int]:
        """How many stored items came from each source."""
        query = select(items_table.c.source_id, func.count()).group_by(items_table.c.source_id)
        with self.engine.connect() as conn:
            return {source: int(n) for source, n in conn.execute(query)}

    def earliest(self) -> datetime | None:
        """Publication date of the oldest stored item (UTC), None for an empty store."""
        with self.engine.connect() as conn:
            oldest = conn.execute(select(func.min(items_table.c.published))).scalar_one()
        return aware_utc(oldest)

    def items_between(self, start: datetime, end: datetime) -> list[Item]:
        """Items published in ``[start, end)``, by date then id."""
        query = (
            select(items_table)
            .where(items_table.c.published >= naive_utc(start))
            .where(items_table.c.published < naive_utc(end))
            .order_by(items_table.c.published, items_table.c.id)
        )
        with self.engine.connect() as conn:
            return [item_from_row(row._mapping) for row in conn.execute(query)]

    def all_items(self) -> list[Item]:
        """Every stored item, by date then id."""
        query = select(items_table).order_by(items_table.c.published, items_table.c.id)
        with self.engine.connect() as conn:
            return [item_from_row(row._mapping) for row in conn.execute(query)]

    def count(self) -> int:
        """How many items are stored."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(items_table)).scalar_one())


def write_feed_state(conn: Connection, state: FeedState) -> None:
    """Insert or replace a feed's state, in the transaction of ``conn``."""
    values = asdict(state)
    for name in ("last_success", "last_error_at"):
        if values[name] is not None:
            values[name] = naive_utc(values[name])
    values["problems"] = [list(kind) for kind in state.problems]
    conn.execute(feeds_table.delete().where(feeds_table.c.id == state.id))
    conn.execute(feeds_table.insert().values(**values))


def write_feed_problems(
    conn: Connection, feed_id: str, problems: Sequence[tuple[str, int]]
) -> None:
    """:meth:`Store.save_feed_problems` in the transaction of ``conn``."""
    problems_now = [[kind, count] for kind, count in problems]
    conn.execute(
        feeds_table.update().where(feeds_table.c.id == feed_id).values(problems=problems_now)
    )


#: How many times a transaction is tried when other processes race it.
_OPEN_ATTEMPTS = 8


def raced(call: Callable[[], R]) -> R:
    """``call`` (one transaction), done again when another process raced it.

    Processes sharing a store (schedulers, senders) can read the same state and then
    write the same row: the loser's transaction fails ("UNIQUE constraint", "database
    is locked", PostgreSQL's duplicate keys while creating tables) and rolls back;
    done again, it reads what the winner wrote.
    """
    for attempt in range(_OPEN_ATTEMPTS):
        try:
            return call()
        except (OperationalError, IntegrityError, ProgrammingError):
            if attempt == _OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # the loop returns or raises


def _driver_hint(url: URL, exc: Exception) -> str:
    """Why ``create_engine`` refused ``url``, with what to install for PostgreSQL."""
    if url.get_backend_name() == "postgresql":
        return (
            f"{exc}; digest talks to PostgreSQL through psycopg 3: use a "
            "postgresql+psycopg://... URL and install digest[postgresql]"
        )
    return str(exc)


def batches(items: Iterable[T]) -> Iterator[Sequence[T]]:
    """``items`` in lists of at most 500 (bound parameters per query stay few)."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
