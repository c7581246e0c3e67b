"""Each article file in tests/data/articles has its expectation beside it (NAME.expected.json)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from digest.model import Item, Problem
from digest.normalise import NormaliseError, normalise
from digest.sources.files import ArticleFiles

CASES = Path(__file__).parent / "data" / "articles"


def read_one(path: Path, tmp_path: Path) -> tuple[Item | None, list[str]]:
    """Read one file alone, as a build would: adapter, then normalisation."""
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(path, folder / path.name)
    problems: list[Problem] = []
    items = []
    for raw in ArticleFiles(folder, timezone="Europe/Brussels").read(problems.append):
        try:
            item, repaired = normalise(raw)
        except NormaliseError as exc:
            problems.append(Problem(raw.location, f"{exc} for {raw.title!r}", "skipped"))
            continue
        problems.extend(repaired)
        items.append(item)
    assert len(items) <= 1
    for problem in problems:
        assert problem.location == str(folder / path.name)
    return (items[0] if items else None), [f"{p.what}; {p.action}" for p in problems]


@pytest.mark.parametrize("path", sorted(CASES.glob("*.md")), ids=lambda p: p.stem)
def test_article_file(path: Path, tmp_path: Path) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    item, problems = read_one(path, tmp_path)
    assert problems == expected["problems"]
    if expected["item"] is None:
        assert item is None
        return
    assert item is not None
    for key, value in expected["item"].items():
        actual = getattr(item, key)
        if key == "published":
            assert actual.tzinfo is not None
            actual = actual.isoformat()
        assert actual == value, key
    for fragment in expected.get("html_excludes", []):
        assert fragment not in item.html


def test_every_case_has_an_expectation() -> None:
    for path in CASES.glob("*.md"):
        assert path.with_suffix(".expected.json").is_file(), path.name


def test_other_file_types_are_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "notes.docx").write_bytes(b"PK")
    (tmp_path / ".hidden.md").write_text("ignored", encoding="utf-8")
    problems: list[Problem] = []
    assert list(ArticleFiles(tmp_path, timezone="UTC").read(problems.append)) == []
    assert [str(p) for p in problems] == [
        f"{tmp_path}/notes.docx: unsupported file type '.docx'; skipped"
    ]
