"""The outbox is atomic: builds killed with SIGKILL never leave half an edition.

A copy of the sample tree is built into a fresh outbox once, for reference, counting the
files the build writes. Another copy is built again and again, each build killed (the
whole process group, ingest workers included) at a chosen point: half-way through writing
its n-th file, or just before writing it, for n spread evenly over the whole build. The
points are injected by the build itself (:data:`INJECTED`), never guessed with a timer,
so the test kills in the same places on a quiet machine and on a busy one. The digest's
French title changes between builds, so every edition, page and feed is replaced each
time, not only created. After each kill the outbox holds only complete editions, and
files that are complete; the final, uninterrupted build gives exactly the reference's
bytes and leaves no temporary file behind.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from digest.outbox import LOCK, MANIFEST, Outbox
from digest.render.feed_cache import CACHE
from digest.render.page_cache import CACHE as PAGE_CACHE
from tests.conftest import copy_sample_tree

KILLS = 20
RANGE = ["--since", "2023-06-01", "--until", "2025-09-28"]  # thirteen weekly editions
#: ``digest build`` that counts the files it writes (in ``WRITE_LOG``) and kills its whole
#: process group at write number ``KILL_AT``: half-way through it (``KILL_MID=1``), or
#: just before it.
INJECTED = """
import os, signal, sys
import digest.outbox
from digest.cli import main

kill_at = int(os.environ.get("KILL_AT", "0"))
mid = os.environ.get("KILL_MID") == "1"
log = os.environ.get("WRITE_LOG")
original = digest.outbox._write_synced
written = 0

def write(path, data):
    global written
    written += 1
    if log:
        with open(log, "a") as handle:
            handle.write(str(path) + "\\n")
    if written == kill_at:
        if mid:
            with path.open("wb") as handle:
                handle.write(data[: len(data) // 2])
                handle.flush()
                os.fsync(handle.fileno())
        os.killpg(os.getpgrp(), signal.SIGKILL)
    original(path, data)

digest.outbox._write_synced = write
sys.exit(main())
"""
BUILD = [sys.executable, "-m", "digest", "build", *RANGE]
INJECTED_BUILD = [sys.executable, "-c", INJECTED, "build", *RANGE]
# The French title is in every email, page and feed: changing it rewrites them all.
TITLE = 'fr = "Benelux IA : la lettre"'


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def hidden(folder: Path) -> list[str]:
    """Paths of the outbox under a hidden name (temporary files and folders).

    The writers' lock file (:data:`digest.outbox.LOCK`), the feeds' entry cache
    (:data:`digest.render.feed_cache.CACHE`) and the web pages' cache
    (:data:`digest.render.page_cache.CACHE`) are no leftovers: they stay.
    """
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if any(part.startswith(".") for part in p.relative_to(folder).parts)
        and p.relative_to(folder).parts not in ((LOCK,), (CACHE,), (PAGE_CACHE,))
    )


def check_outbox(outbox: Path) -> None:
    """Only complete editions (every file listed, with its hash), and only whole files."""
    editions = outbox / "editions"
    for folder in sorted(editions.iterdir()) if editions.is_dir() else []:
        if folder.name.startswith("."):
            continue  # a writer's temporary folder: not published
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        listed = manifest["files"]
        assert sorted(p.name for p in folder.iterdir()) == sorted([*listed, MANIFEST]), folder
        for name, digest in listed.items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    for path in sorted(outbox.rglob("*")):
        relative = path.relative_to(outbox)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        data = path.read_bytes()
        key = str(relative)
        if relative.parts[0] == "feeds":
            ElementTree.fromstring(data)  # whole: a cut file is not well-formed
        elif relative.parts[:2] == ("web", "pagefind"):
            _check_search_file(relative, data)
        elif relative.suffix == ".html":  # the archive's pages and the start page
            assert data.rstrip().endswith(b"</html>"), key
        elif relative == Path("web", "search.js"):
            assert data.strip(), key
        else:
            assert relative.parts[0] == "editions" and len(relative.parts) == 3, key


def _check_search_file(relative: Path, data: bytes) -> None:
    """A file of the search index is whole: its gzip stream ends with a matching CRC, its
    JSON parses; Pagefind's own scripts and styles are not empty."""
    if data[:2] == b"\x1f\x8b":
        gzip.decompress(data)
    elif relative.suffix == ".json":
        json.loads(data)
    else:
        assert data.strip(), str(relative)


def counted_build(tree: Path, name: str) -> int:
    """Build ``tree`` uninterrupted: how many files it wrote."""
    log = tree.parent / f"{tree.name}.{name}.writes"
    env = {**os.environ, "WRITE_LOG": str(log)}
    subprocess.run(INJECTED_BUILD, cwd=tree, check=True, capture_output=True, env=env, timeout=300)
    return len(log.read_text(encoding="utf-8").splitlines())


def clean_build(tree: Path, changed: str) -> tuple[dict[str, bytes], int]:
    """The outbox of an uninterrupted build of ``tree``, and how many files a build writes
    when the title changed since the last one: what each killed build does. (It writes
    fewer than the first: the archives of the feeds and the older years of the theme
    pages that do not name the title are kept.)"""
    counted_build(tree, "first")
    reference = snapshot(tree / "outbox")
    (tree / "digest.toml").write_text(changed, encoding="utf-8")
    return reference, counted_build(tree, "changed")


def test_killed_builds_leave_only_complete_editions(tmp_path: Path) -> None:
    tree = copy_sample_tree(tmp_path / "crashed")
    config = tree / "digest.toml"
    original = config.read_text(encoding="utf-8")
    changed = original.replace(TITLE, TITLE[:-1] + ' (bis)"', 1)
    assert changed != original
    reference, writes = clean_build(copy_sample_tree(tmp_path / "clean"), changed)
    assert writes > KILLS
    # Spread over the build's writes, from the first to the last; half of them mid-write.
    points = [1 + (writes - 1) * n // (KILLS - 1) for n in range(KILLS)]
    left_over = killed = 0
    for number, point in enumerate(points):
        config.write_text(original if number % 2 else changed, encoding="utf-8")
        env = {**os.environ, "KILL_AT": str(point), "KILL_MID": str(number % 2)}
        process = subprocess.run(
            INJECTED_BUILD,
            cwd=tree,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its own process group: the ingest workers die too
            timeout=300,
            check=False,
        )
        killed += process.returncode == -signal.SIGKILL
        if (tree / "outbox").is_dir():
            left_over += bool(hidden(tree / "outbox"))
            check_outbox(tree / "outbox")

    config.write_text(original, encoding="utf-8")
    subprocess.run(BUILD, cwd=tree, check=True, capture_output=True, timeout=300)
    assert hidden(tree / "outbox") == []
    final = snapshot(tree / "outbox")
    assert sorted(final) == sorted(reference)
    assert final == reference
    # The kills came where they were meant to, and the mid-write ones left their
    # half-written temporary files behind for the next build to clean. (A build that
    # finds some files already as they should be writes fewer of them, so the latest
    # points may come after its last write: it then simply finishes.)
    assert killed >= KILLS * 3 // 4
    assert left_over >= KILLS // 4


# -- what the next run does with a killed writer's leftovers -----------------------------------


@pytest.fixture
def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    process = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert process.returncode == 0
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return finished.pid


def write(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


def test_an_edition_killed_between_its_renames_is_put_back(tmp_path: Path, dead_pid: int) -> None:
    editions = tmp_path / "editions"
    write(editions / f".weekly-2024-W42.{dead_pid}.new", {"email.fr.html": b"new"})
    write(editions / f".weekly-2024-W42.{dead_pid}.old", {"email.fr.html": b"old"})
    assert Outbox(tmp_path).clean_leftovers() == 2
    assert sorted(p.name for p in editions.iterdir()) == ["weekly-2024-W42"]
    assert (editions / "weekly-2024-W42" / "email.fr.html").read_bytes() == b"new"


def test_half_written_leftovers_are_removed(tmp_path: Path, dead_pid: int) -> None:
    editions = tmp_path / "editions"
    write(editions / "weekly-2024-W41", {"email.fr.html": b"published"})
    write(editions / f".weekly-2024-W41.{dead_pid}.new", {"email.fr.html": b"half"})
    write(editions / ".weekly-2024-W40.new", {"email.fr.html": b"half, older naming"})
    write(
        tmp_path / "feeds",
        {f".editions.fr.xml.{dead_pid}.tmp": b"<rss", "editions.fr.xml": b"<rss/>"},
    )
    assert Outbox(tmp_path).clean_leftovers() == 3
    assert hidden(tmp_path) == []
    assert (editions / "weekly-2024-W41" / "email.fr.html").read_bytes() == b"published"
    assert (tmp_path / "feeds" / "editions.fr.xml").read_bytes() == b"<rss/>"


def test_what_a_running_writer_writes_is_left_alone(tmp_path: Path) -> None:
    editions = tmp_path / "editions"
    write(editions / f".weekly-2024-W42.{os.getpid()}.new", {"email.fr.html": b"in progress"})
    assert Outbox(tmp_path).clean_leftovers() == 0
    assert hidden(tmp_path) == [
        f"editions/.weekly-2024-W42.{os.getpid()}.new",
        f"editions/.weekly-2024-W42.{os.getpid()}.new/email.fr.html",
    ]
