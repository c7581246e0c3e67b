"""A build that reads only the new and changed article files stores what reading every
file would (digest.partial_read): the same items, so the same outbox, byte for byte."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from digest.build import BuildReport, build
from digest.config import Settings, load_settings
from digest.store import Store
from tests.conftest import copy_sample_tree
from tests.postgres import fresh_database

SINCE, UNTIL = date(2025, 11, 1), date(2025, 11, 30)
#: Two sample articles of November 2025 the new files are made from.
ORIGINAL = "2025-11-actiris-vdab-matching-offres-fr.md"
COPIED = "2025-11-apd-avis-reconnaissance-faciale-fr.md"


#: The store of each tree (a SQLite file in it, or a PostgreSQL database), by its folder.
_STORES: dict[Path, str] = {}


def _settings(tree: Path) -> Settings:
    settings = load_settings(tree / "digest.toml").model_copy(update={"ingest_workers": 1})
    if tree in _STORES:
        settings = settings.model_copy(update={"store_url": _STORES[tree]})
    return settings


def _build(tree: Path) -> BuildReport:
    return build(_settings(tree), since=SINCE, until=UNTIL)


def _front(path: Path) -> tuple[dict[str, str], str]:
    """The front matter's lines as a dict (the sample's simple ``key: value`` lines) and the body."""
    _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
    fields = dict(line.split(": ", 1) for line in head.splitlines())
    return fields, body


def _article(path: Path, fields: dict[str, str], body: str) -> None:
    head = "".join(f"{key}: {value}\n" for key, value in fields.items())
    path.write_text(f"---\n{head}---\n{body}", encoding="utf-8")


def _add_sharing_files(articles: Path) -> None:
    """Two new files, each sharing a key with an unchanged file: a Dutch version at the
    French original's address (after it in path order), and a copy of another article's
    text under a new title and address (before it)."""
    fields, _ = _front(articles / ORIGINAL)
    _article(
        articles / "2025-11-zz-actiris-vdab-nl.md",
        {
            "title": '"Actiris en VDAB koppelen hun vacatures met een algoritme"',
            "date": "2025-11-20T11:00:00+01:00",
            "url": fields["url"],
            "lang": "nl",
            "source": "Bruxelles Emploi",
        },
        "Werkzoekenden die bij Actiris ingeschreven zijn, zien voortaan ook vacatures van de "
        "VDAB in hun persoonlijke ruimte. Een gemeenschappelijk algoritme vergelijkt hun "
        "vaardigheden, talenkennis en reistijd met wat de werkgever vraagt.\n",
    )
    copied, body = _front(articles / COPIED)
    copied.update(
        title="\"Reconnaissance faciale : l'avis de l'autorité, repris par un autre site\"",
        url="https://www.autre-site.example/fr/2025/11/reprise-avis",
    )
    _article(articles / "2025-11-aa-reprise-avis.md", copied, body)


def _outbox(tree: Path) -> dict[str, bytes]:
    outbox = _settings(tree).paths.outbox
    return {
        str(path.relative_to(outbox)): path.read_bytes()
        for path in sorted(outbox.rglob("*"))
        if path.is_file()
    }


@contextlib.contextmanager
def _connected(tree: Path) -> Iterator[Connection]:
    """A transaction on the store of ``tree``, its connections closed after."""
    engine = Store(_settings(tree).store_url).engine
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def _items(tree: Path) -> list[tuple[str, ...]]:
    with _connected(tree) as connection:
        query = text("SELECT id, url, title, text FROM items ORDER BY id")
        return [tuple(row) for row in connection.execute(query)]


def _read_whole_next_time(tree: Path) -> None:
    """Forget what the builds saw of the source files: the next one reads every file."""
    with _connected(tree) as connection:
        connection.execute(text("DELETE FROM source_files"))


@pytest.fixture(params=["sqlite", "postgresql"])
def trees(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Path]:
    """Two copies of the sample tree, the first built over November 2025, each with a
    store of the kind of the parameter."""
    first = copy_sample_tree(tmp_path / "incremental")
    second = copy_sample_tree(tmp_path / "whole")
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_url")
        _STORES.update({first: fresh_database(server), second: fresh_database(server)})
    report = _build(first)
    assert not report.problems, report.problems
    return first, second


def test_new_files_sharing_keys_give_what_a_first_build_gives(trees: tuple[Path, Path]) -> None:
    incremental, whole = trees
    for tree in trees:
        _add_sharing_files(tree / "sources" / "articles")

    report = _build(incremental)
    assert report.stored.added == 2 and report.stored.updated == 0
    _build(whole)

    assert _items(incremental) == _items(whole)
    assert _outbox(incremental) == _outbox(whole)


@pytest.mark.parametrize("new_name", ["2025-11-aa-takes-the-old-address.md", "2025-11-zz-old.md"])
def test_an_entry_meeting_an_item_a_passed_over_file_holds_is_stored_as_a_whole_reading_would(
    trees: tuple[Path, Path], new_name: str
) -> None:
    """An original's address changed, then a new file takes the old one: its URL key still
    names the original's item. Read whole, the file first in path order keeps that item
    and the other entry is left out; a build reading only the new file does the same."""
    tree, _ = trees
    articles = tree / "sources" / "articles"
    fields, body = _front(articles / ORIGINAL)
    old_url = fields["url"]
    fields["url"] = old_url.replace("/fr/", "/fr/nouveau/")
    _article(articles / ORIGINAL, fields, body)
    assert _build(tree).stored.updated == 1
    fields.update(url=old_url, title='"Une autre page à l\'ancienne adresse"')
    _article(articles / new_name, fields, "Une page sans rapport, publiée plus tard.\n")

    partly = _build(tree)
    items, outbox = _items(tree), _outbox(tree)
    _read_whole_next_time(tree)
    again = _build(tree)

    assert (again.stored.added, again.stored.updated) == (0, 0)
    assert again.editions == ()
    assert _items(tree) == items and _outbox(tree) == outbox
    left_out = [p for p in partly.problems if "same stored item as an earlier entry" in p.what]
    assert len(left_out) == (1 if new_name > ORIGINAL else 0)
