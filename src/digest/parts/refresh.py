"""Computing the items' parts: those missing or of another version, for the periods a
build rebuilds (:func:`prepare`, in worker processes when they are many) or for the items
an edition reads (:func:`parse`). See :mod:`digest.parts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from digest.cluster.signature import warm as warm_traits
from digest.model import Item, Period
from digest.parts import Refreshed, pool, span, table
from digest.parts.compute import Analyser, ItemParts, content_key
from digest.parts.table import PeriodItems, Stale
from digest.parts.versions import REASONS, Versions

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
    computed again and stored.
    """
    parts: dict[str, ItemParts] = {}
    todo: dict[str, tuple[str, ...]] = {}
    by_id = {}
    for item, row in zip(found.items, found.rows, strict=True):
        by_id[item.id] = item
        known, missing = _parsed(analyser, current, item, row)
        parts[item.id] = known
        if missing:
            todo[item.id] = missing
    if todo:
        made = [_compute(analyser, current, by_id[i], wanted) for i, wanted in todo.items()]
        table.write(engine, [row for row, _ in made])
        for (_row, computed), item_id in zip(made, todo, strict=True):
            parts[item_id] = _merged(parts[item_id], computed)
    return parts


def _parsed(
    analyser: Analyser, current: Versions, item: Item, row: Any
) -> tuple[ItemParts, tuple[str, ...]]:
    """The usable parts of a stored row, and the names of those to compute."""
    if row is None or row["content"] != content_key(item):
        return ItemParts(), table.PARTS
    point = matched = traits = None
    if row["points_version"] == current.points and row["points"] is not None:
        point = analyser.read_point(row["points"])
    if row["themes_version"] == current.themes and row["themes"] is not None:
        matched = analyser.read_matched(item.language, row["themes"])
    if row["traits_version"] == current.traits and row["traits"] is not None:
        traits = analyser.read_traits(row["traits"])
    found = ItemParts(point, matched, traits)
    missing = tuple(
        name
        for name, part in zip(table.PARTS, (point, matched, traits), strict=True)
        if part is None
    )
    return found, missing


def _merged(old: ItemParts, new: ItemParts) -> ItemParts:
    return ItemParts(new.point or old.point, new.matched or old.matched, new.traits or old.traits)


def _compute(
    analyser: Analyser, current: Versions, item: Item, wanted: Sequence[str]
) -> tuple[dict[str, Any], ItemParts]:
    """The ``wanted`` parts of ``item``, and its row of ``item_parts`` (other parts kept)."""
    row: dict[str, Any] = {"item_id": item.id, "content": content_key(item)}
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

    def compute(item: Item, wanted: tuple[str, ...]) -> dict[str, Any]:
        return _compute(analyser, current, item, wanted)[0]

    return pool.computed(
        lambda ids: table.items_by_id(engine, ids),
        [(entry.item_id, entry.parts) for entry in found],
        compute,
        count,
        warm=warm,
    )
