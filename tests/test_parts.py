"""Per-item parts (digest.parts): computed once, kept in the store, versioned, and the
editions built from them the same as without them."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, select

from digest.build import Publisher, build, edition_for
from digest.cluster import Traits, traits
from digest.config import Settings, load_settings
from digest.parts import read, span
from digest.parts.compute import Analyser, content_key
from digest.parts.refresh import parse
from digest.parts.table import with_parts
from digest.periods import periods_between
from digest.schema import item_parts_table
from digest.themes import Classifier
from tests.test_parts_stored import _item as _stored_item

SINCE, UNTIL = date(2025, 9, 1), date(2025, 11, 30)


def _settings(tree: Path, store_url: str, **changes: object) -> Settings:
    settings = load_settings(tree / "digest.toml")
    return settings.model_copy(update={"store_url": store_url, **changes})


def _parts_rows(url: str) -> dict[str, tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {row[0]: tuple(row) for row in conn.execute(select(item_parts_table))}
    finally:
        engine.dispose()


def test_editions_from_stored_parts_are_those_computed_from_the_items(
    sample_tree: Path, store_url: str
) -> None:
    settings = _settings(sample_tree, store_url)
    report = build(settings, since=SINCE, until=UNTIL)
    assert not report.problems
    assert report.recomputed is None  # a first build computes, it recomputes nothing
    stored = _parts_rows(store_url)
    with Publisher(settings) as publisher:
        periods = periods_between(settings.period, SINCE, UNTIL)
        first = span(periods[0], settings.zone)[0]
        last = span(periods[-1], settings.zone)[1]
        in_range = with_parts(publisher.store.engine, first, last)
        # Every item the editions are built from has every part, of the current version.
        assert {item.id for item in in_range.items} <= set(stored)
        versions = publisher.part_versions
        assert all(
            (row["points_version"], row["themes_version"], row["traits_version"])
            == (versions.points, versions.themes, versions.traits)
            for row in in_range.rows
        )
        built = 0
        for period in periods:
            found = read(publisher.store.engine, period, settings.zone)
            parts = parse(publisher.store.engine, publisher.analyser, versions, found)
            assert all(p.point and p.matched and p.traits for p in parts.values())
            with_stored = edition_for(
                settings, publisher.store, publisher.classifier, period, found.items, parts
            )
            without = edition_for(
                settings, publisher.store, publisher.classifier, period, found.items
            )
            assert with_stored == without
            built += with_stored is not None
        assert built >= 5


def test_a_new_key_point_setting_recomputes_the_key_points_only(sample_tree: Path) -> None:
    url = f"sqlite:///{sample_tree}/parts.sqlite3"
    build(_settings(sample_tree, url), since=SINCE, until=UNTIL)
    before = _parts_rows(url)
    again = build(_settings(sample_tree, url), since=SINCE, until=UNTIL)
    assert again.recomputed is None
    assert _parts_rows(url) == before

    report = build(_settings(sample_tree, url, sentences_per_point=1), since=SINCE, until=UNTIL)
    assert report.recomputed == f"recomputing {len(before):,} items' parts: key point model changed"
    after = _parts_rows(url)
    assert set(after) == set(before)
    columns = [c.name for c in item_parts_table.c]
    points, themes, traits = (columns.index(n) for n in ("points_version", "themes", "traits"))
    for item_id, row in after.items():
        old = before[item_id]
        assert row[points] != old[points]
        assert (row[themes], row[traits]) == (old[themes], old[traits])


def test_a_changed_item_has_its_parts_computed_again(sample_tree: Path) -> None:
    url = f"sqlite:///{sample_tree}/parts.sqlite3"
    settings = _settings(sample_tree, url)
    build(settings, since=SINCE, until=UNTIL)
    before = _parts_rows(url)
    article = next(p for p in sorted((sample_tree / "sources" / "articles").rglob("*.md")))
    text = article.read_text("utf-8")
    article.write_text(text.rstrip("\n") + "\n\nUne phrase ajoutée à la fin de l'article.\n")
    report = build(settings, since=date(2021, 1, 1), until=UNTIL)
    assert report.stored.updated == 1
    after = _parts_rows(url)
    changed = [i for i in after if i in before and after[i] != before[i]]
    assert len(changed) <= 1


# The item of the stored-parts tests.
_ITEM = _stored_item()


def test_traits_are_read_back_as_written() -> None:
    """The signature (32-bit values packed as such, wider ones as 64-bit), anchors and
    lemma counts (one byte each, wider when one is above 255); a row written before the
    lemma counts were kept, or damaged, is computed again."""
    analyser = Analyser(Classifier([]), 2, True)
    found = traits([_ITEM])[0]
    assert found.words and max(found.counts) > 1
    assert found.anchors
    written = analyser.write_traits(found)
    assert not written.startswith("[")  # fields, not JSON
    assert analyser.read_traits(written) == found
    wide = replace(found, signature=(1 << 40, *found.signature[1:]))
    assert analyser.read_traits(analyser.write_traits(wide)) == wide
    others = [
        ((), (), frozenset()),
        (("",), (2,), frozenset({"x"})),
        (("a", "", "b"), (1, 300, 2), found.anchors),
        # Words and anchors a line cannot hold: written as JSON.
        (("a\nb", "c"), (1, 2), found.anchors),
        (("a\tb",), (1,), found.anchors),
        (("a",), (1,), frozenset({"x\ty"})),
        (("a",), (1,), frozenset({"x\ny", "z"})),
        (("a",), (1,), frozenset({""})),
    ]
    for words, counts, anchors in others:
        other = replace(found, words=words, counts=counts, anchors=anchors)
        assert analyser.read_traits(analyser.write_traits(other)) == other
    signature = analyser.write_traits(found).split("\t")[0]
    old = json.dumps([signature, sorted(found.anchors)])
    assert analyser.read_traits(old) is None
    fields = written.split("\t")
    damaged = [
        "[1, 2]",
        "",
        "\t".join(fields[:3]),
        "\t".join(["AAAA", *fields[1:]]),  # a signature of the wrong length
        "\t".join([fields[0], "!", *fields[2:]]),
        "\t".join([*fields[:3], "one\ntoo many\n" + fields[3]]),
    ]
    for text in damaged:
        assert analyser.read_traits(text) is None, text


def test_traits_of_the_version_before_are_read() -> None:
    """As the version before wrote them: JSON, the lemma counts compressed."""
    analyser = Analyser(Classifier([]), 2, True)
    signature = base64.b64encode(struct.pack("<64I", *range(7, 71))).decode()
    old = json.dumps([signature, ["14000", "gand"], "eNpjYmBgYAZiRiDOyc/kKkgsyknNTc0rAQAi/AUd"])
    assert analyser.read_traits(old) == Traits(
        tuple(range(7, 71)), frozenset({"gand", "14000"}), ("loi", "parlement"), (3, 1)
    )


def test_the_content_key_hashes_the_json_of_the_language_title_and_text() -> None:
    texts = [
        "",
        'quotes " and \\ back',
        "line\nbreak\ttab\x01\x7f",
        "é ß 中文 \u2028 😀",
        "a" * 3000,
    ]
    for text in texts:
        item = replace(_ITEM, title=text[::-1], text=text)
        data = json.dumps([item.language, item.title, item.text], ensure_ascii=False)
        assert content_key(item) == hashlib.sha256(data.encode()).hexdigest()[:32]
