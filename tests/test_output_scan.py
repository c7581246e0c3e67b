"""XSS vectors in every field a source controls never reach a reader as markup or links.

A copy of the sample tree gets hostile sources (:mod:`tests.hostile_sources`): the
vectors of ``tests/data/hostile/xss-vectors.txt`` in the titles, source names, links,
authors, tags, GUIDs and bodies of article files (JSON, Markdown, HTML) and of a local
RSS and Atom feed. The real ``digest build`` runs on it and on an untouched copy, and
every output file is scanned (:mod:`tests.output_scan`) as its reader would parse it.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import copy_sample_tree, run_digest
from tests.hostile_sources import (
    ARTICLES,
    ATOM,
    GROUPS,
    RANGE,
    RSS,
    hostile_items,
    load_vectors,
    write_hostile_sources,
)
from tests.output_scan import scan_html, scan_outbox

#: Item ids of each hostile source, by the prefix they start with.
HOSTILE_IDS = {
    "json": f"articles/{ARTICLES.relative_to('sources/articles').as_posix()}/vectors#",
    "markdown": f"articles/{ARTICLES.relative_to('sources/articles').as_posix()}/markdown-",
    "html": f"articles/{ARTICLES.relative_to('sources/articles').as_posix()}/page-",
    "rss": "hostile-rss/",
    "atom": "hostile-atom/",
}


@dataclass(frozen=True)
class Build:
    tree: Path
    result: subprocess.CompletedProcess[str]

    @property
    def outbox(self) -> Path:
        return self.tree / "outbox"

    def manifests(self) -> dict[str, dict[str, object]]:
        return {
            path.parent.name: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted((self.outbox / "editions").glob("*/manifest.json"))
        }


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Build:
    tree = copy_sample_tree(tmp_path_factory.mktemp("clean") / "project")
    return Build(tree, run_digest(tree, "build", *RANGE))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Build:
    tree = copy_sample_tree(tmp_path_factory.mktemp("hostile") / "project")
    write_hostile_sources(tree, hostile_items(load_vectors()))
    return Build(tree, run_digest(tree, "build", *RANGE))


def test_the_vectors_file_holds_at_least_100_vectors_in_every_category() -> None:
    vectors = load_vectors()
    categories = {v.category for v in vectors}
    assert len(vectors) >= 100
    assert {"links", "script tags", "event handlers", "encoded markup"} <= categories
    assert all(sum(v.category == c for v in vectors) >= 2 for c in categories)


def test_the_scan_sees_the_vectors_themselves() -> None:
    """The scanner is not blind: the bodies written into the hostile sources fail it."""
    for item in hostile_items(load_vectors())[:GROUPS]:
        assert scan_html(item.body, item.kind), item.body


def test_the_hostile_build_succeeds(clean: Build, hostile: Build) -> None:
    assert clean.result.returncode == 0, clean.result.stderr
    assert hostile.result.returncode == 0, hostile.result.stderr[-3000:]
    assert "Traceback" not in hostile.result.stderr


def test_the_clean_output_passes_the_scan(clean: Build) -> None:
    """The scan flags nothing of the digest's own templates."""
    assert list(scan_outbox(clean.outbox)) == []


def test_no_output_file_carries_a_vector(hostile: Build) -> None:
    for pattern in ("editions/*/*.html", "editions/*/*.eml", "web/*/*.html", "feeds/**/*.xml"):
        assert any(hostile.outbox.glob(pattern)), f"nothing to scan: no {pattern}"
    problems = list(scan_outbox(hostile.outbox))
    shown = "\n".join(p[:400] for p in problems[:60])
    assert not problems, f"{len(problems)} problems in the output, the first:\n{shown}"


def test_every_hostile_item_reaches_an_edition(hostile: Build) -> None:
    """Every hostile item is a story of an edition: the scan saw what it carried."""
    shown = [
        item
        for manifest in hostile.manifests().values()
        for story in manifest["stories"]  # type: ignore[attr-defined]
        for item in story["items"]
    ]
    for kind, prefix in HOSTILE_IDS.items():
        assert sum(i.startswith(prefix) for i in shown) == GROUPS, (kind, sorted(shown))


def test_the_other_editions_are_byte_identical(clean: Build, hostile: Build) -> None:
    hostile_editions = {
        edition
        for edition, manifest in hostile.manifests().items()
        if any(
            item.startswith(tuple(HOSTILE_IDS.values()))
            for item in manifest["items"]  # type: ignore[attr-defined]
        )
    }
    others = sorted(set(clean.manifests()) - hostile_editions)
    assert others, "no sample edition in the range"
    for edition in others:
        paths = sorted((clean.outbox / "editions" / edition).iterdir())
        paths += sorted(clean.outbox.glob(f"web/*/{edition}.*html"))
        for path in paths:
            twin = hostile.outbox / path.relative_to(clean.outbox)
            assert twin.read_bytes() == path.read_bytes(), twin


def test_the_hostile_sources_are_reported_in_one_line_each(hostile: Build) -> None:
    lines = hostile.result.stderr.splitlines()
    for location in (ARTICLES, RSS, ATOM):
        assert any(line.startswith("warning: ") and str(location) in line for line in lines), (
            location
        )
