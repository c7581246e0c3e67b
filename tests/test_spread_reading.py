"""An article folder read with the ingest workers' help (digest.sources.spread: its files
parsed by the workers a chunk at a time, the rest in the reading process) gives what
reading it in one process gives: the same entries, problems, file states and files
passed over, in the same order, at a first reading and at a partial one."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from digest.ingest import SourceBatch, StateLog, read_source
from digest.ingest_pool import IngestWorkerError, read_all
from digest.sources import SourceAdapter, adapters_for
from digest.sources import spread as spread_module
from digest.sources.files import ArticleFiles
from tests.conftest import ROOT

NOW = datetime(2026, 1, 5, tzinfo=UTC)
#: Files per chunk in these tests: the sample's articles make a score of chunks.
CHUNK = 7


def _front(title: str, day: str, extra: str = "") -> str:
    return f'---\ntitle: "{title}"\ndate: {day}T09:00:00+01:00\nlang: fr\n{extra}---\n'


def _folder(tmp_path: Path) -> Path:
    """A sources folder: the sample's articles, and files that each make reading them
    report something, skip something or read twice."""
    sources = tmp_path / "sources"
    articles = sources / "articles"
    shutil.copytree(ROOT / "sources" / "articles", articles)
    body = "Le gouvernement a présenté un plan sur l'IA dans les services publics. " * 8
    # Not UTF-8 (decoded as a Western code page, noted), and mojibake (repaired, noted).
    (articles / "zz-cp1252.md").write_bytes(
        (_front("Été numérique", "2025-06-02") + body).encode("cp1252")
    )
    mojibake = (_front("RÃ©seau", "2025-06-03") + body).encode("utf-8")
    (articles / "zz-mojibake.md").write_bytes(mojibake)
    # A JSON list whose second title is cut (limits.title_chars), and a file whose key is
    # that list's first object's: read twice, the second one skipped.
    listed = [
        {"title": "Premier", "date": "2025-06-04", "lang": "fr", "body": body},
        {"title": "T" * 1500, "date": "2025-06-05", "lang": "fr", "body": body},
    ]
    (articles / "zz-list.json").write_text(json.dumps(listed), encoding="utf-8")
    (articles / "zz-list#0.md").write_text(_front("Clé répétée", "2025-06-06") + body, "utf-8")
    # Two files sharing a stem, an empty one, one of no known type, one with no date.
    (articles / "zz-twice.md").write_text(_front("Deux fois", "2025-06-07") + body, "utf-8")
    (articles / "zz-twice.txt").write_text(_front("Deux fois", "2025-06-07") + body, "utf-8")
    (articles / "zz-empty.md").write_text("", "utf-8")
    (articles / "zz-image.png").write_bytes(b"\x89PNG\r\n")
    (articles / "zz-undated.md").write_text('---\ntitle: "Sans date"\n---\n' + body, "utf-8")
    # A symlink out of the sources folder: left out, never read.
    secret = tmp_path / "secret.md"
    secret.write_text(_front("Secret", "2025-06-08") + body, "utf-8")
    os.symlink(secret, articles / "zz-outside.md")
    (sources / "feeds").mkdir()
    feed = ROOT / "sources" / "feeds"
    first = sorted(p for p in feed.iterdir() if p.is_file())[0]
    shutil.copy(first, sources / "feeds" / first.name)
    return sources


def _adapters(sources: Path, states: StateLog) -> list[SourceAdapter]:
    feed = next((sources / "feeds").iterdir())
    feeds: list[dict[str, object]] = [{"id": "one", "location": f"feeds/{feed.name}"}]
    return adapters_for(sources, "Europe/Brussels", feeds, states, None, None, states)


def _read(sources: Path, states: StateLog, workers: int) -> list[SourceBatch]:
    adapters = _adapters(sources, states)
    assert isinstance(adapters[0], ArticleFiles)
    read = partial(read_source, now=NOW, states=states)

    def spread(adapter: SourceAdapter, parse: spread_module.ParseChunks) -> SourceBatch:
        return read_source(adapter, NOW, states, parse)

    # The feed's state says when it was read: the clock's, not the reading's.
    return [
        replace(batch, states=tuple(replace(s, last_success=None) for s in batch.states))
        for batch in read_all(adapters, read, workers, spread=spread)
    ]


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spread_module, "CHUNK_FILES", CHUNK)


def test_a_first_reading_spread_over_workers_gives_what_one_process_reads(tmp_path: Path) -> None:
    sources = _folder(tmp_path)
    alone = _read(sources, StateLog(), 1)
    spread = _read(sources, StateLog(), 2)
    assert spread == alone
    articles = alone[0]
    assert len(articles.incoming) > 100
    said = [f"{Path(p.location).name}: {p.what}" for p in articles.problems]
    for expected in (
        "zz-cp1252.md: not UTF-8",
        "zz-mojibake.md: mojibake in text",
        "zz-list.json: object #1",
        "zz-list.json: key 'zz-list#0' already read from zz-list#0.md",
        "zz-empty.md: empty file",
        "zz-image.png: unsupported file type",
        "zz-outside.md: symlink to outside the sources folder",
    ):
        assert any(line.startswith(expected) for line in said), (expected, said)
    # Every file's state but the symlink's and those of the two sharing a stem (read always).
    assert len(articles.files) == len(list((sources / "articles").iterdir())) - 3
    assert articles.passed is None


def test_a_partial_reading_spread_over_workers_gives_what_one_process_reads(
    tmp_path: Path,
) -> None:
    sources = _folder(tmp_path)
    first = _read(sources, StateLog(), 1)
    recorded = [state for batch in first for state in batch.files]
    # Some files changed since: every fifth of them, in path order.
    articles = sorted(p for p in (sources / "articles").iterdir() if p.suffix == ".md")
    for path in articles[::5]:
        if not path.is_symlink() and path.stat().st_size:
            path.write_bytes(path.read_bytes().replace(b"IA", b"I.A.", 1) + b"\nAjout.\n")
    alone = _read(sources, StateLog((), recorded), 1)
    spread = _read(sources, StateLog((), recorded), 2)
    assert spread == alone
    assert alone[0].passed is not None
    assert 0 < len(alone[0].incoming) < len(first[0].incoming)
    # The problems met reading the files passed over are told again.
    met = {p.what for state in first[0].files for p in state.problems}
    assert "mojibake in text" in met
    assert met <= {p.what for p in alone[0].problems}


def test_files_are_handed_out_a_chunk_at_a_time_in_order(tmp_path: Path) -> None:
    sources = _folder(tmp_path)
    # No file states: each reading reads every file.
    adapter = ArticleFiles(sources / "articles", timezone="Europe/Brussels", root=sources)
    chunks: list[list[str]] = []

    def parse(found: object) -> object:
        for chunk in found:  # type: ignore[attr-defined]
            chunks.append([task.where for task in chunk])
            yield adapter.parse_files(chunk)

    entries = list(adapter.read_spread(lambda problem: None, parse))  # type: ignore[arg-type]
    assert entries == list(adapter.read(lambda problem: None))
    walked = [where for chunk in chunks for where in chunk]
    assert walked == sorted(walked, key=lambda where: Path(where).parts)
    assert all(len(chunk) == CHUNK for chunk in chunks[:-1])
    assert len(chunks) > 20


def test_a_worker_that_dies_parsing_files_is_an_ingest_worker_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = _folder(tmp_path)
    parent = os.getpid()
    real = ArticleFiles.parse_files

    def dying(self: ArticleFiles, tasks: Any) -> Any:
        if os.getpid() != parent:
            os._exit(3)  # killed, or out of memory
        return real(self, tasks)

    monkeypatch.setattr(ArticleFiles, "parse_files", dying)
    with pytest.raises(IngestWorkerError, match="a process reading sources died"):
        _read(sources, StateLog(), 2)
    assert not multiprocessing.active_children()
