"""Stored parts are read back when first asked for (digest.parts.refresh.StoredParts):
the same values as reading them all at once; an unreadable one is computed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine

from digest.build import Publisher
from digest.cluster import traits
from digest.config import load_settings
from digest.model import Item
from digest.parts import read
from digest.parts.compute import Analyser, ItemParts, content_key
from digest.parts.refresh import StoredParts, parse
from digest.parts.table import PeriodItems
from digest.parts.versions import Versions
from digest.periods import periods_between
from digest.themes import Classifier


def test_stored_parts_are_read_when_asked_as_all_at_once(built_sample_tree: Path) -> None:
    settings = load_settings(built_sample_tree / "digest.toml")
    with Publisher(settings) as publisher:
        engine, analyser = publisher.store.engine, publisher.analyser
        checked = 0
        for period in periods_between("weekly", date(2025, 10, 6), date(2025, 11, 2)):
            found = read(engine, period, settings.zone)
            parts = parse(engine, analyser, publisher.part_versions, found)
            for item, row in zip(found.items, found.rows, strict=True):
                known = parts[item.id]
                assert isinstance(known, StoredParts)
                assert not {"point", "matched", "traits"} & set(vars(known))  # none read yet
                at_once = ItemParts(
                    analyser.read_point(row["points"]),
                    analyser.read_matched(item.language, row["themes"]),
                    analyser.read_traits(row["traits"]),
                )
                assert (known.point, known.matched, known.traits) == (
                    at_once.point,
                    at_once.matched,
                    at_once.traits,
                )
                assert known == at_once == known  # compared field by field, either way
                assert known.point is known.point  # read once
                checked += 1
        assert checked > 50


def _item() -> Item:
    return Item(
        id="s/1",
        source_id="s",
        source_name="S",
        url="https://s.example/1",
        title="Le Parlement adopte la loi",
        published=datetime(2025, 10, 1, 8, tzinfo=UTC),
        language="fr",
        text="Le Parlement flamand a adopté la loi, 14 000 votes à Gand. La loi, la loi.",
    )


def test_a_stored_part_that_cannot_be_read_is_computed_when_asked() -> None:
    analyser = Analyser(Classifier([]), 2, True)
    item = _item()
    whole = analyser.item_parts(item)
    assert whole.point is not None and whole.matched is not None
    current = Versions(points="p1", themes="t1", traits="c1")
    row = {
        "item_id": item.id,
        "content": content_key(item),
        "points": analyser.write_point(whole.point),
        "points_version": "p1",
        "themes": analyser.write_matched(item.language, whole.matched),
        "themes_version": "t1",
        # Of the current version, but not of the form this code writes.
        "traits": "[1, 2]",
        "traits_version": "c1",
    }
    engine = create_engine("sqlite://")  # nothing is missing: nothing is written
    parts = parse(engine, analyser, current, PeriodItems((item,), (row,)))[item.id]
    assert parts.traits == traits([item])[0] == whole.traits
    assert (parts.point, parts.matched) == (whole.point, whole.matched)


def test_a_part_of_another_version_is_none_until_computed() -> None:
    analyser = Analyser(Classifier([]), 2, True)
    item = _item()
    whole = analyser.item_parts(item)
    assert whole.point is not None and whole.matched is not None and whole.traits
    row = {
        "item_id": item.id,
        "content": content_key(item),
        "points": analyser.write_point(whole.point),
        "points_version": "old",
        "themes": analyser.write_matched(item.language, whole.matched),
        "themes_version": "t1",
        "traits": analyser.write_traits(whole.traits),
        "traits_version": "c1",
    }
    stored = StoredParts(analyser, item, row, (False, True, True))
    assert stored.point is None
    assert (stored.matched, stored.traits) == (whole.matched, whole.traits)
