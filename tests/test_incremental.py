"""Incremental builds: unchanged source files are not read, unchanged editions not rebuilt.

Every test builds a copy of the sample over November 2025 (five weekly periods), changes
one input, and builds again. Which files a build opens is seen through a Python audit
hook (the interpreter's own "open" events), and modification times are set with
``os.utime`` to chosen values: nothing here depends on timing.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from digest.build import BuildReport, build
from digest.config import Settings, load_settings
from digest.incremental import _listed_files
from digest.outbox import manifest_bytes
from digest.schema import feeds_table, items_table
from digest.source_state import file_states
from digest.store import Store

SINCE, UNTIL = date(2025, 11, 1), date(2025, 11, 30)
#: The weekly periods of SINCE..UNTIL.
PERIODS = ("weekly-2025-W44", "weekly-2025-W45", "weekly-2025-W46")
PERIODS += ("weekly-2025-W47", "weekly-2025-W48")
#: The folders of the sample's item sources (articles, local feeds, reviewed translations).
ITEM_SOURCES = ("articles", "feeds", "translations")
#: A chosen modification time (2030-01-01), far from any real one.
CHOSEN_NS = 1_893_456_000_000_000_000


class _Opened:
    """The files below some folders that this process opens while they are set."""

    def __init__(self) -> None:
        self.folders: tuple[str, ...] = ()
        self.paths: list[str] = []

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and self.folders and isinstance(args[0], str | Path):
            path = os.path.abspath(args[0])
            if path.startswith(self.folders):
                self.paths.append(path)


_OPENED = _Opened()
sys.addaudithook(_OPENED)  # audit hooks cannot be removed: it watches only when told


@pytest.fixture
def opened() -> Iterator[_Opened]:
    """The item sources opened, once ``_watch`` names them."""
    _OPENED.paths = []
    yield _OPENED
    _OPENED.folders = ()


def _watch(opened: _Opened, settings: Settings) -> None:
    """Watch the files items and reviewed translations are read from (the other files of
    the sources folder, editors' notes, are inputs of editions: hashed at every build)."""
    sources = settings.paths.sources.resolve()
    opened.folders = tuple(str(sources / name) + os.sep for name in ITEM_SOURCES)
    opened.paths = []


def _build(settings: Settings) -> BuildReport:
    return build(settings, since=SINCE, until=UNTIL)


def _built(report: BuildReport) -> set[str]:
    return {result.id for result in report.editions}


@pytest.fixture
def settings(sample_tree: Path) -> Settings:
    """The sample copy, built once over November 2025."""
    # Sources read in this process, where the audit hook sees them.
    settings = load_settings(sample_tree / "digest.toml").model_copy(update={"ingest_workers": 1})
    first = _build(settings)
    assert not first.problems, first.problems
    assert first.skipped == 0 and _built(first) == set(PERIODS)
    return settings


def _files(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Each file's inode, modification time and size: an outbox write replaces a file by
    renaming a new one over it, so a written file has another inode, whatever the clock."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            found[str(path)] = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    return found


def _store_content(settings: Settings) -> list[str]:
    """Every row of the store, as SQL (the file's bytes move when SQLite checkpoints)."""
    path = settings.store_url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return list(connection.iterdump())


def test_a_run_with_nothing_new_reads_no_source_and_writes_nothing(
    settings: Settings, opened: _Opened
) -> None:
    outbox = settings.paths.outbox
    before = _files(outbox)
    content = _store_content(settings)
    _watch(opened, settings)

    again = _build(settings)

    assert opened.paths == []
    assert not again.problems
    assert (again.stored.added, again.stored.updated, again.stored.unchanged) == (0, 0, 0)
    assert again.skipped == len(PERIODS) and again.editions == ()
    assert again.feeds_changed == 0
    assert _files(outbox) == before
    assert _store_content(settings) == content


def test_a_touched_file_is_hashed_not_parsed_then_skipped_by_its_time(
    settings: Settings, opened: _Opened
) -> None:
    article = sorted((settings.paths.sources / "articles").glob("2025-11-*"))[0]
    os.utime(article, ns=(CHOSEN_NS, CHOSEN_NS))
    _watch(opened, settings)

    touched = _build(settings)

    assert opened.paths == [str(article.resolve())]  # read once, for its hash
    assert (touched.stored.added, touched.stored.updated, touched.stored.unchanged) == (0, 0, 0)
    assert touched.skipped == len(PERIODS)
    recorded = {s.path: s for s in file_states(Store(settings.store_url).engine)}
    assert recorded[str(article)].mtime_ns == CHOSEN_NS

    _watch(opened, settings)
    _build(settings)
    assert opened.paths == []


def test_a_new_item_rebuilds_exactly_its_period(settings: Settings, opened: _Opened) -> None:
    new = settings.paths.sources / "articles" / "2025-11-zz-incremental-test.md"
    new.write_text(
        "---\n"
        'title: "Les bibliothèques de Namur prêtent des capteurs de qualité de l’air"\n'
        "date: 2025-11-12T10:00:00+01:00\n"
        "url: https://www.example.org/fr/2025/11/namur-capteurs\n"
        "lang: fr\nsource: Test\n---\n"
        "Les bibliothèques publiques de Namur prêtent depuis lundi des capteurs qui mesurent "
        "la qualité de l’air dans les logements. Les emprunteurs gardent le boîtier deux "
        "semaines, puis les mesures anonymisées alimentent une carte ouverte de la ville.\n\n"
        "Le service de l’environnement veut ainsi repérer les quartiers où l’aération pose "
        "problème, avant de lancer une campagne de conseils l’hiver prochain.\n",
        encoding="utf-8",
    )
    _watch(opened, settings)

    report = _build(settings)

    assert opened.paths == [str(new.resolve())]
    assert report.stored.added == 1
    # 2025-11-12 is in W46; W47's clustering window starts on 2025-11-14.
    assert _built(report) == {"weekly-2025-W46"}
    assert report.skipped == len(PERIODS) - 1


def test_a_changed_file_is_read_again_and_a_removed_one_keeps_its_items(
    settings: Settings,
) -> None:
    article = sorted((settings.paths.sources / "articles").glob("2025-11-*"))[0]
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("\n---\n", "\n---\nUne phrase de plus. ", 1), encoding="utf-8")
    changed = _build(settings)
    assert changed.stored.updated == 1
    assert changed.skipped < len(PERIODS)

    store = Store(settings.store_url)
    count = store.count()
    article.unlink()
    removed = _build(settings)
    assert not removed.problems
    assert store.count() == count  # a build never deletes items
    assert str(article) not in {s.path for s in file_states(store.engine)}
    assert removed.skipped == len(PERIODS)


def test_an_item_changed_in_place_without_its_fields_hash_rebuilds_its_period(
    sample_tree: Path, store_url: str
) -> None:
    """Editions key their items by the hash of their fields kept in the store (SQLite and
    PostgreSQL); an item written by other means, without it, is hashed as it is read."""
    settings = load_settings(sample_tree / "digest.toml")
    settings = settings.model_copy(update={"store_url": store_url, "ingest_workers": 1})
    assert _built(_build(settings)) == set(PERIODS)
    assert _build(settings).skipped == len(PERIODS)
    table = items_table
    # 2025-11-10..13: in W46 only (W47's clustering window starts on 2025-11-14).
    in_w46 = (table.c.published >= datetime(2025, 11, 10)) & (
        table.c.published < datetime(2025, 11, 13)
    )
    store = Store(store_url)
    with store.engine.begin() as conn:
        item_id, title = conn.execute(
            select(table.c.id, table.c.title).where(in_w46).order_by(table.c.id).limit(1)
        ).one()
        conn.execute(
            table.update()
            .where(table.c.id == item_id)
            .values(title=title + " (corrigé)", fields_hash=None)
        )
    store.close()

    report = _build(settings)

    assert _built(report) == {"weekly-2025-W46"}
    assert report.skipped == len(PERIODS) - 1
    assert _build(settings).skipped == len(PERIODS)


def test_a_file_that_failed_is_named_at_every_run_and_read_again_once_changed(
    settings: Settings, opened: _Opened
) -> None:
    bad = settings.paths.sources / "articles" / "2025-11-zz-empty.md"
    bad.write_text("   \n", encoding="utf-8")
    first = _build(settings)
    assert [(p.location, p.what) for p in first.problems] == [(str(bad), "empty file")]

    _watch(opened, settings)
    second = _build(settings)
    assert opened.paths == []
    assert [(p.location, p.what) for p in second.problems] == [(str(bad), "empty file")]

    bad.write_text(
        "---\ntitle: Enfin un texte\ndate: 2025-11-19T09:00:00+01:00\n"
        "url: https://www.example.org/fr/enfin\nlang: fr\nsource: Test\n---\n"
        "Un texte court, mais un texte tout de même, sur les algorithmes publics.\n",
        encoding="utf-8",
    )
    third = _build(settings)
    assert not third.problems
    assert third.stored.added == 1


def test_an_unchanged_local_feed_keeps_its_state_untouched(settings: Settings) -> None:
    def states() -> list[Any]:
        with Store(settings.store_url).engine.connect() as conn:
            return [tuple(row) for row in conn.execute(select(feeds_table))]

    before = states()
    _build(settings)
    assert states() == before


def test_a_changed_template_rebuilds_every_edition(settings: Settings) -> None:
    template = settings.paths.templates / "email" / "digest.txt.j2"
    template.write_text(template.read_text(encoding="utf-8") + "{# changed #}", encoding="utf-8")
    report = _build(settings)
    assert report.skipped == 0 and _built(report) == set(PERIODS)


def test_an_editors_file_in_the_sources_folder_rebuilds_every_edition(
    settings: Settings,
) -> None:
    """A file of the sources folder that no adapter reads (an editor's file) is an input of
    every edition; the article folder beside it is keyed through its items, not walked."""
    (settings.paths.sources / "README.txt").write_text("Check the W46 lead.", "utf-8")
    report = _build(settings)
    assert report.skipped == 0 and _built(report) == set(PERIODS)
    again = _build(settings)
    assert again.skipped == len(PERIODS) and not again.editions


@pytest.mark.parametrize(
    "manifest",
    [
        {"edition": "e", "files": {"a.html": "1", "b.txt": "2"}, "views": {"x": {"y": 1}}},
        {"edition": "e", "files": {}, "period": {"start": "2025-11-03"}},
        {"edition": "e"},
    ],
    ids=["files", "no-files", "none"],
)
def test_a_manifests_files_are_read_without_parsing_the_rest(manifest: dict[str, Any]) -> None:
    data = manifest_bytes(manifest)
    assert _listed_files(data) == manifest.get("files", {})
    # Written otherwise (not by digest): parsed whole.
    assert _listed_files(json.dumps(manifest).encode()) == manifest.get("files", {})


@pytest.mark.parametrize(
    "update", [{"stories_per_theme": 2}, {"languages": ("fr",)}], ids=["stories", "languages"]
)
def test_a_changed_setting_rebuilds_every_edition(
    settings: Settings, update: dict[str, Any]
) -> None:
    report = _build(settings.model_copy(update=update))
    assert report.skipped == 0 and _built(report) == set(PERIODS)


@pytest.mark.parametrize(
    "update", [{"ingest_workers": 2}, {"outbox_wait": 5.0}], ids=["workers", "outbox-wait"]
)
def test_a_setting_of_how_a_build_runs_rebuilds_nothing(
    settings: Settings, update: dict[str, Any]
) -> None:
    report = _build(settings.model_copy(update=update))
    assert report.skipped == len(PERIODS) and not report.editions


def test_a_changed_reviewed_translation_rebuilds_the_editions(settings: Settings) -> None:
    xliff = settings.paths.sources / "translations" / "nl-fr.xlf"
    text = xliff.read_text(encoding="utf-8")
    assert "<target>Le chatbot qu'utilise" in text
    xliff.write_text(
        text.replace("<target>Le chatbot qu'utilise", "<target>Le robot qu'utilise"),
        encoding="utf-8",
    )
    report = _build(settings)
    assert not report.problems
    # Which editions show a translation is known only once built: every one is rebuilt.
    assert report.skipped == 0 and _built(report) == set(PERIODS)
    assert _build(settings).skipped == len(PERIODS)


def test_a_changed_local_feed_is_read_again_and_the_same_items_rebuild_nothing(
    settings: Settings, opened: _Opened
) -> None:
    feed = settings.paths.sources / "feeds" / "benelux-ai-nieuws.rss"
    feed.write_bytes(feed.read_bytes() + b"\n")
    _watch(opened, settings)

    report = _build(settings)

    assert opened.paths == [str(feed.resolve())]
    assert report.stored.added == report.stored.updated == 0 and report.stored.unchanged > 0
    assert report.skipped == len(PERIODS)


def test_a_file_with_an_entry_dated_in_the_future_is_read_at_every_run(
    settings: Settings, opened: _Opened
) -> None:
    # Dated when read until the clock reaches its date: the next run may date it otherwise.
    later = settings.paths.sources / "articles" / "2099-01-later.md"
    later.write_text(
        "---\ntitle: Plus tard\ndate: 2099-01-05T09:00:00+01:00\n"
        "url: https://www.example.org/fr/plus-tard\nlang: fr\nsource: Test\n---\n"
        "Un article daté d'un lointain avenir, sur les registres d'algorithmes.\n",
        encoding="utf-8",
    )
    _build(settings)
    _watch(opened, settings)
    _build(settings)
    assert opened.paths == [str(later.resolve())]
