"""``digest keypoints``: real article files and JSON Lines in, one JSON line per document out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from digest.cli import main
from digest.model import Problem
from digest.normalise import normalise_entry
from digest.sources.files import ArticleFiles
from digest.summarise import key_point, key_point_text, split_sentences

DATA = Path(__file__).parent / "data"
ARTICLE = """---
title: Le Sénat adopte la réforme des retraites
date: 2023-03-16T10:00:00+01:00
lang: fr
---
Le Sénat a adopté jeudi la réforme des retraites par 193 voix contre 114. Le texte repousse
l'âge légal de départ de 62 à 64 ans d'ici à 2030.

Les syndicats appellent à une nouvelle journée de grève et de manifestations la semaine
prochaine. « Nous ne lâcherons rien », a déclaré la secrétaire générale de la CGT.

Le gouvernement doit encore décider s'il recourt au 49.3 à l'Assemblée nationale.
"""


def _run(*args: str) -> tuple[list[dict[str, Any]], list[str], int]:
    result = CliRunner().invoke(main, ["keypoints", *args])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    return rows, result.stderr.splitlines(), result.exit_code


def test_jsonl_documents_and_bad_lines(tmp_path: Path) -> None:
    source = tmp_path / "docs.jsonl"
    texts = (DATA / "keypoints/en.jsonl").read_text(encoding="utf-8").splitlines()
    good = [json.loads(line) for line in texts]
    lines = [json.dumps(good[0]), "not json", json.dumps({"id": "x", "title": "t"})]
    lines += ["[1, 2]", json.dumps(good[1])]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows, warnings, code = _run(str(source))
    assert code == 0
    assert [r["id"] for r in rows] == ["en-01", "en-02"]
    assert warnings == [
        f"warning: {source}:2: not JSON (Expecting value); skipped",
        f"warning: {source}:3: no text; skipped",
        f"warning: {source}:4: not a JSON object; skipped",
    ]
    for row, doc in zip(rows, (good[0], good[1]), strict=True):
        assert row["lang"] == "en" and row["title"] == doc["title"]
        expected, score = key_point_text(doc["title"], _as_item_text(doc["text"]), "en", 2)
        assert (row["key_point"], row["score"]) == (expected, score)
        split = split_sentences(_as_item_text(doc["text"]), "en")
        assert [s["text"] for s in row["sentences"]] == [
            split[s["index"]] for s in row["sentences"]
        ]
        # The whole sentences, and the key point shown: compressed as a build compresses it.
        assert " ".join(s["text"] for s in row["sentences"]) == row["full"]
        point = key_point(doc["title"], _as_item_text(doc["text"]), "en", 2)
        assert row["removed"] == list(point.removed)
        assert (row["key_point"] == row["full"]) == (not point.removed)
    # en-01 starts with a dateline ("LONDON - "), which the key point shown leaves out.
    assert rows[0]["full"].startswith("LONDON - The Bank")
    assert rows[0]["key_point"].startswith("The Bank") and rows[0]["removed"][0] == "LONDON -"


def _as_item_text(text: str) -> str:
    """A JSON line's text as an item holds it: paragraphs on one line each, blank between."""
    return "\n\n".join(" ".join(p.split()) for p in text.split("\n\n") if p.strip())


def test_article_folder_gives_the_builds_key_points(tmp_path: Path) -> None:
    """The same key point as a build: the build's own adapter and normalisation, then
    the call edition.py makes."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "retraites.md").write_text(ARTICLE, encoding="utf-8")
    for name in ("json-list.json", "news-page.html", "plain-front-matter.txt", "no-lang.md"):
        shutil.copy(DATA / "articles" / name, folder / name)
    problems: list[Problem] = []
    expected = {}
    for entry in ArticleFiles(folder, timezone="Europe/Brussels").read(problems.append):
        item = normalise_entry(entry).item
        expected[entry.key] = key_point_text(item.title, item.text, item.language, 1)
    rows, warnings, code = _run(str(folder), "--sentences", "1")
    assert code == 0
    assert warnings == [f"warning: {p}" for p in problems]  # json-list.json's bad object
    assert {r["id"]: (r["key_point"], r["score"]) for r in rows} == expected
    assert all(len(r["sentences"]) <= 1 for r in rows)
    retraites = next(r for r in rows if r["id"] == "retraites")
    assert retraites["sentences"][0]["index"] == 0
    assert retraites["key_point"].startswith("Le Sénat a adopté jeudi la réforme")


def test_single_files_lang_and_nothing_written(tmp_path: Path) -> None:
    undeclared = tmp_path / "2024-01-02-brief.txt"
    undeclared.write_text(
        "Nieuwe brug over het IJ\n\nDe gemeenteraad van Amsterdam stemde woensdag in met "
        "een brug voor fietsers en voetgangers over het IJ. De brug kost ongeveer 350 miljoen "
        "euro en moet in 2030 klaar zijn.\n",
        encoding="utf-8",
    )
    article = tmp_path / "retraites.md"
    article.write_text(ARTICLE, encoding="utf-8")
    before = sorted(tmp_path.rglob("*"))
    rows, warnings, code = _run(
        str(undeclared), str(article), str(tmp_path / "missing.md"), "--lang", "nl"
    )
    assert code == 0
    assert warnings == [f"warning: {tmp_path / 'missing.md'}: no such file or folder; skipped"]
    assert [(r["id"], r["lang"]) for r in rows] == [
        ("2024-01-02-brief", "nl"),  # --lang for the file that declares none
        ("retraites", "fr"),  # the declared language wins
    ]
    assert rows[0]["sentences"][0]["index"] == 0  # the vote, then maybe its cost
    assert sorted(tmp_path.rglob("*")) == before


def test_bad_file_is_one_warning(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("no front matter here\n", encoding="utf-8")
    odd = tmp_path / "notes.docx"
    odd.write_bytes(b"PK\x03\x04")
    rows, warnings, code = _run(str(bad), str(odd))
    assert code == 0 and rows == []
    assert len(warnings) == 2
    assert warnings[0].startswith(f"warning: {bad}: no YAML front matter")
    assert warnings[1] == f"warning: {odd}: unsupported file type '.docx'; skipped"


def test_options_are_checked() -> None:
    result = CliRunner().invoke(main, ["keypoints", "--sentences", "3", "x.jsonl"])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, ["keypoints"])
    assert result.exit_code == 2


def test_no_compress_prints_the_whole_sentences(tmp_path: Path) -> None:
    source = tmp_path / "docs.jsonl"
    first = (DATA / "keypoints/en.jsonl").read_text(encoding="utf-8").splitlines()[0]
    source.write_text(first + "\n", encoding="utf-8")
    (shortened,), _, _ = _run(str(source))
    (whole,), warnings, code = _run(str(source), "--no-compress")
    assert code == 0 and warnings == []
    assert whole["key_point"] == whole["full"] == shortened["full"]
    assert whole["removed"] == [] and shortened["removed"][0] == "LONDON -"
    assert whole["sentences"] == shortened["sentences"]
