"""Computing the items' parts: those missing or of another version, for the periods a
build rebuilds (:func:`prepare`, in worker processes when they are many) or for the items
an edition reads (:func:`parse`). See :mod:`digest.parts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from digest.cluster.signature import Traits, traits
from digest.cluster.signature import warm as warm_traits
from digest.model import Item, Period
from digest.parts import Refreshed, pool, span, table
from digest.parts.compute import Analyser, ItemParts, Point, content_key
from digest.parts.table import PeriodItems, Stale
from digest.parts.versions import REASONS, Versions
from digest.store_rows import stored_content_key
from digest.themes import Matched

#: Fewest stale items worth starting worker processes for.
_POOL_AT_LEAST = 400


def refresh(
    engine: Engine,
    analyser: Callable[[], Analyser],
    current: Versions,
    start: datetime,
    end: datetime,
    workers: int = 1,
) -> Refreshed:
    """Compute the parts missing or of another version of the items published in
    ``[start, end)``, and store them.

    ``analyser``: makes the analyser, when some part is to be computed. ``workers``:
    processes computing them (0: one per core, at most four; this one is one of them);
    one computes them in this process alone.
    """
    found = table.stale(engine, start, end, current)
    changed = {name for entry in found for name in entry.changed}
    reasons = tuple(REASONS[name] for name in table.PARTS if name in changed)
    recomputed = sum(1 for entry in found if entry.changed)
    if found:
        for rows in _computed(engine, analyser(), current, found, workers):
            table.write(engine, rows)
    return Refreshed(len(found), recomputed, reasons)


def prepare(
    engine: Engine,
    analyser: Callable[[], Analyser],
    current: Versions,
    periods: Sequence[Period],
    zone: ZoneInfo,
    workers: int = 1,
) -> Refreshed:
    """:func:`refresh` the items the editions of ``periods`` are built from (one pass
    over each run of periods whose items follow on; none for no period)."""
    ranges: list[tuple[datetime, datetime]] = []
    for start, end in sorted(span(period, zone) for period in periods):
        if ranges and start <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(end, ranges[-1][1]))
        else:
            ranges.append((start, end))
    done = [refresh(engine, analyser, current, start, end, workers) for start, end in ranges]
    changed = {reason for each in done for reason in each.reasons}
    return Refreshed(
        sum(each.computed for each in done),
        sum(each.recomputed for each in done),
        tuple(REASONS[name] for name in table.PARTS if REASONS[name] in changed),
    )


def parse(
    engine: Engine,
    analyser: Analyser,
    current: Versions,
    found: PeriodItems,
) -> dict[str, ItemParts]:
    """The parts of the items read with their parts (:func:`digest.parts.read`), by item id.

    A part stored for another version, or for the item as it was before a change, is
    computed again and stored. A part stored for the current version is read back when
    first asked for (:class:`StoredParts`): an edition asks for the key points of the
    stories it shows, and for the theme matches of its own period's items only.
    """
    rows, parts = parse_apart(analyser, current, found)
    if rows:
        table.write(engine, rows)
    return parts


def parse_apart(
    analyser: Analyser, current: Versions, found: PeriodItems
) -> tuple[list[dict[str, Any]], dict[str, ItemParts]]:
    """:func:`parse` without the store: the rows of ``item_parts`` to write (those computed
    again), and the parts by item id."""
    parts: dict[str, ItemParts] = {}
    todo: dict[str, tuple[str, ...]] = {}
    by_id = {}
    for item, row in zip(found.items, found.rows, strict=True):
        by_id[item.id] = item
        known, missing = _parsed(analyser, current, item, row)
        parts[item.id] = known
        if missing:
            todo[item.id] = missing
    rows = []
    if todo:
        made = [_compute(analyser, current, by_id[i], wanted) for i, wanted in todo.items()]
        rows = [row for row, _ in made]
        for (_row, computed), item_id in zip(made, todo, strict=True):
            parts[item_id] = _merged(parts[item_id], computed)
    return rows, parts


class StoredParts(ItemParts):
    """An item's parts as stored for the current versions, each read back (decoded) when
    first asked for; a part stored for another version is None. The same values as
    :class:`ItemParts` read at once; a stored part that cannot be read (written by other
    code under the same version) is computed when asked for, and not stored."""

    _analyser: Analyser
    _item: Item
    _row: Any
    _usable: tuple[bool, bool, bool]

    def __init__(
        self, analyser: Analyser, item: Item, row: Any, usable: tuple[bool, bool, bool]
    ) -> None:
        # Not ItemParts.__init__: its fields are the properties below.
        object.__setattr__(self, "_analyser", analyser)
        object.__setattr__(self, "_item", item)
        object.__setattr__(self, "_row", row)
        object.__setattr__(self, "_usable", usable)

    def __eq__(self, other: object) -> bool:
        # Equal to the ItemParts of the same values, as those read at once.
        if not isinstance(other, ItemParts):
            return NotImplemented
        return (self.point, self.matched, self.traits) == (
            other.point,
            other.matched,
            other.traits,
        )

    def __hash__(self) -> int:
        return hash((self.point, self.matched, self.traits))

    @cached_property
    def point(self) -> Point | None:
        if not self._usable[0]:
            return None
        return self._analyser.read_point(self._row["points"])

    @cached_property
    def matched(self) -> Matched | None:
        if not self._usable[1]:
            return None
        found = self._analyser.read_matched(self._item.language, self._row["themes"])
        return found if found is not None else self._analyser.matched(self._item)

    @cached_property
    def traits(self) -> Traits | None:
        if not self._usable[2]:
            return None
        found = self._analyser.read_traits(self._row["traits"])
        return found if found is not None else traits([self._item])[0]


def _parsed(
    analyser: Analyser, current: Versions, item: Item, row: Any
) -> tuple[ItemParts, tuple[str, ...]]:
    """The usable parts of a stored row (read when asked for), and the names of those to
    compute."""
    # The key stored with the item's own row, if it was cleaned by the current rules (the
    # row read here joins it): computed only for an item read from an older row.
    if row is None or row["content"] != (stored_content_key(row) or content_key(item)):
        return ItemParts(), table.PARTS
    usable = (
        row["points_version"] == current.points and row["points"] is not None,
        row["themes_version"] == current.themes and row["themes"] is not None,
        row["traits_version"] == current.traits and row["traits"] is not None,
    )
    missing = tuple(name for name, ok in zip(table.PARTS, usable, strict=True) if not ok)
    return StoredParts(analyser, item, row, usable), missing


def _merged(old: ItemParts, new: ItemParts) -> ItemParts:
    return ItemParts(new.point or old.point, new.matched or old.matched, new.traits or old.traits)


def _compute(
    analyser: Analyser,
    current: Versions,
    item: Item,
    wanted: Sequence[str],
    content: str | None = None,
) -> tuple[dict[str, Any], ItemParts]:
    """The ``wanted`` parts of ``item``, and its row of ``item_parts`` (other parts kept).
    ``content``: the item's content key, when known (else computed)."""
    key = content if content is not None else content_key(item)
    row: dict[str, Any] = {"item_id": item.id, "content": key}
    # One pass over the item's words serves its theme matches and traits.
    found = analyser.item_parts(item, wanted)
    if found.point is not None:
        row["points"] = analyser.write_point(found.point)
    if found.matched is not None:
        row["themes"] = analyser.write_matched(item.language, found.matched)
    if found.traits is not None:
        row["traits"] = analyser.write_traits(found.traits)
    for name in wanted:
        row[f"{name}_version"] = getattr(current, name) if row[name] is not None else None
    return row, found


def _computed(
    engine: Engine,
    analyser: Analyser,
    current: Versions,
    found: Sequence[Stale],
    workers: int,
) -> Iterator[list[dict[str, Any]]]:
    """Rows of the stale items' parts, in order, a batch at a time (:mod:`digest.parts.pool`)."""
    count = pool.processes(workers) if len(found) >= _POOL_AT_LEAST else 1
    languages = {entry.language for entry in found}

    def warm(first: Sequence[Item]) -> None:
        # Before the workers fork: the languages' rules and lemma dictionaries, and what
        # the traits are computed with, are made once here and shared; so is whatever
        # else computing an item's parts sets up on first use (an item of each language
        # of the first ones is computed for it, and left).
        analyser.classifier.warm(languages)
        warm_traits()
        for item in {item.language: item for item in reversed(first)}.values():
            analyser.item_parts(item)

    def compute(item: Item, todo: tuple[tuple[str, ...], str | None]) -> dict[str, Any]:
        return _compute(analyser, current, item, *todo)[0]

    # Each item's content key as found stale, when it was stored with it: not computed
    # again. Were the item changed in between, its parts would be stored with the key of
    # its text before, and computed again when next read (as for any changed item), never
    # used for the text now.
    return pool.computed(
        lambda ids: table.to_compute(engine, ids),
        [(entry.item_id, (entry.parts, entry.content)) for entry in found],
        compute,
        count,
        warm=warm,
    )
