"""An operator's bad day: each failure is one ``digest: error:`` line, and nothing half written.

Every case goes through the real ``digest`` command in a subprocess, on a copy of the
sample tree: a full disk (an ENOSPC injected at a chosen write), a read-only outbox, an
outbox owned by another user, an outbox that is a file, a store with damaged pages, a
store of zero bytes or that is not SQLite, a store that lost the send log of editions
the outbox records as sent, a build killed while its ingest workers run, two builds on
one outbox, and two schedulers creating APScheduler's table at once.

As root, a permission can only be refused to a process without ``CAP_DAC_OVERRIDE``:
the command is then run with that capability dropped from its bounding set, as a
non-root operator's process would be refused.
"""

from __future__ import annotations

import ctypes
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from digest.config import load_settings
from digest.deliver import send_editions
from digest.deliver.transport import Reply
from digest.locks import FileLock
from digest.outbox import LOCK, SENT
from digest.render.feed_cache import CACHE
from digest.render.page_cache import CACHE as PAGE_CACHE
from digest.schedule.daemon import create_job_table
from digest.sqlite_file import HEADER
from digest.store import Store
from tests.conftest import copy_sample_tree

WEEK = ["--since", "2024-10-14", "--until", "2024-10-20"]
EDITION = "weekly-2024-W42"
#: ``digest`` whose outbox writer fails with ENOSPC when it writes the file named
#: ``FAIL_AT`` (or its temporary file), after writing half of it, as a full disk does.
FULL_DISK = """
import errno, os, sys
import digest.outbox
from digest.cli import main

name = os.environ["FAIL_AT"]
original = digest.outbox._write_synced

def write(path, data):
    if path.name == name or path.name.startswith(f".{name}."):
        with path.open("wb") as handle:
            handle.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
    original(path, data)

digest.outbox._write_synced = write
sys.exit(main())
"""
#: ``digest`` whose ingest workers write their pids to ``PIDS`` and then block for ever;
#: one of them, once every worker has written its pid (a barrier the forked workers
#: share, no polling), kills the build (SIGKILL, the build alone). Whatever the workers
#: are given first: the sources' reading, or the chunks of the article folder's files.
KILLED_PARENT = """
import multiprocessing, os, signal, sys
import digest.ingest_pool
from digest.cli import main

pids, workers = os.environ["PIDS"], int(os.environ["DIGEST_INGEST_WORKERS"])
ready = multiprocessing.get_context("fork").Barrier(workers)

def read(*job):
    with open(pids, "a") as handle:
        handle.write(f"{os.getpid()}\\n")
    # wait() gives each party its own number: one worker, whichever, is number 0.
    if ready.wait(timeout=60) == 0:
        os.kill(os.getppid(), signal.SIGKILL)
    signal.pause()  # a source that never ends

digest.ingest_pool._read_in_worker = read
digest.ingest_pool._parse_in_worker = read
sys.exit(main())
"""
_PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE = 24, 1


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the sample tree, built for one week."""
    tree = copy_sample_tree(tmp_path / "project")
    built = digest(tree, "build", *WEEK)
    assert built.returncode == 0, built.stderr
    return tree


def digest(
    tree: Path,
    *args: str,
    script: str | None = None,
    env: Mapping[str, str] | None = None,
    unprivileged: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``digest ARGS`` in ``tree`` (or ``python -c SCRIPT ARGS``), one ingest worker."""
    command = [sys.executable, *(["-c", script] if script else ["-m", "digest"]), *args]
    return subprocess.run(
        command,
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "DIGEST_INGEST_WORKERS": "1", **(env or {})},
        preexec_fn=_without_dac_override if unprivileged and os.geteuid() == 0 else None,
    )


def _without_dac_override() -> None:
    # Root keeps its other powers; only file permissions start to apply to it.
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def one_error(result: subprocess.CompletedProcess[str], *parts: str) -> str:
    """The single ``digest: error:`` line of a failed command, containing every part."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert len(lines) == 1 and lines[0].startswith("digest: error: "), result.stderr
    for part in parts:
        assert part in lines[0], (part, lines[0])
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    """The outbox's files (its writers' lock aside: it names the last writer)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != LOCK
    }


def hidden(outbox: Path) -> list[str]:
    """Names under the outbox that start with a dot, besides the writers' lock and records
    and the feeds' and web pages' caches."""
    return sorted(
        str(p.relative_to(outbox))
        for p in outbox.rglob(".*")
        if p.relative_to(outbox).parts[0] not in (LOCK, SENT, CACHE, PAGE_CACHE)
    )


def retitle(tree: Path) -> None:
    """Change the French title: the next build rewrites every edition, page and feed."""
    config = tree / "digest.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("Benelux IA : la lettre", "Benelux IA, la lettre"), "utf-8")


# -- the outbox ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("email.fr-nl.html", f"editions/{EDITION}/email.fr-nl.html"),
        ("editions.fr.xml", "feeds/editions.fr.xml"),
    ],
    ids=["edition", "feed"],
)
def test_a_full_disk_is_one_line_and_leaves_whole_files(tree: Path, name: str, path: str) -> None:
    outbox = tree / "outbox"
    before = snapshot(outbox)
    retitle(tree)
    failed = digest(tree, "build", *WEEK, script=FULL_DISK, env={"FAIL_AT": name})
    one_error(failed, str(outbox / path), "the disk is full", "published before is unchanged")
    assert hidden(outbox) == []
    after = snapshot(outbox)
    # The file being written is as it was, not cut short; so is its whole edition.
    assert after[path] == before[path]
    if path.startswith("editions/"):
        assert {k: v for k, v in after.items() if k.startswith(f"editions/{EDITION}/")} == {
            k: v for k, v in before.items() if k.startswith(f"editions/{EDITION}/")
        }
    again = digest(tree, "build", *WEEK)
    assert again.returncode == 0, again.stderr
    assert hidden(outbox) == []
    assert snapshot(outbox)[path] != before[path]  # the new title


def _make_read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)


def test_a_read_only_outbox_is_one_line_before_anything_is_read(tree: Path) -> None:
    outbox = tree / "outbox"
    before = snapshot(outbox)
    _make_read_only(outbox)
    try:
        retitle(tree)
        failed = digest(tree, "build", *WEEK, unprivileged=True)
    finally:
        for path in [outbox, *outbox.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)
    one_error(failed, "cannot write to the outbox", str(outbox), "permission denied")
    assert snapshot(outbox) == before


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_an_outbox_owned_by_another_user_is_one_line(tree: Path) -> None:
    outbox = tree / "outbox"
    before = snapshot(outbox)
    for path in [outbox, *outbox.rglob("*")]:
        os.chown(path, 65534, 65534)  # nobody, as a container's volume may be
    retitle(tree)
    failed = digest(tree, "build", *WEEK, unprivileged=True)
    one_error(failed, "cannot write to the outbox", str(outbox), "permission denied", "uid 0")
    assert snapshot(outbox) == before


def test_an_outbox_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    tree = copy_sample_tree(tmp_path / "project")
    (tree / "outbox").write_text("not a folder\n", encoding="utf-8")
    failed = digest(tree, "build", *WEEK)
    one_error(failed, "outbox", "is a file, not a folder")
    assert (tree / "outbox").read_text(encoding="utf-8") == "not a folder\n"


def test_a_second_build_on_a_locked_outbox_says_so_after_its_wait(tree: Path) -> None:
    outbox = tree / "outbox"
    before = snapshot(outbox)
    lock = FileLock(outbox / LOCK)
    assert lock.acquire(0)
    try:
        retitle(tree)
        failed = digest(tree, "build", *WEEK, env={"DIGEST_OUTBOX_WAIT": "0"})
    finally:
        lock.release()
    one_error(failed, f"outbox {outbox} is locked by another digest process (pid {os.getpid()}")
    assert snapshot(outbox) == before


def test_a_second_build_waits_for_the_first_then_runs(tree: Path) -> None:
    outbox = tree / "outbox"
    page = f"editions/{EDITION}/email.fr-nl.html"
    before = snapshot(outbox)
    lock = FileLock(outbox / LOCK)
    assert lock.acquire(0)
    retitle(tree)
    process = subprocess.Popen(
        [sys.executable, "-m", "digest", "build", *WEEK],
        cwd=tree,
        env={**os.environ, "DIGEST_INGEST_WORKERS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(process, lines), daemon=True)
    reader.start()
    try:
        waiting = lines.get(timeout=120)
        assert f"pid {os.getpid()}" in waiting and "waiting for it" in waiting, waiting
        assert snapshot(outbox) == before  # while it waits, it writes nothing
        lock.release()
        assert process.wait(timeout=300) == 0
    finally:
        lock.release()
        if process.poll() is None:
            process.kill()
        process.wait()
        reader.join(timeout=10)
        assert process.stderr is not None
        process.stderr.close()
    assert snapshot(outbox)[page] != before[page]  # built with the new title
    assert hidden(outbox) == []


def _read_lines(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        lines.put(line.rstrip("\n"))


# -- the store -------------------------------------------------------------------------------


def _store_file(tree: Path) -> Path:
    return tree / "digest.sqlite3"


def _subscribers(tree: Path) -> None:
    (tree / "subscribers.csv").write_text(
        "email,languages,themes,status\na@example.org,fr,,active\nb@example.org,nl,,active\n",
        encoding="utf-8",
    )


STORE_COMMANDS = [
    ["build", *WEEK],
    ["sources"],
    ["send", "--dry-run"],
    ["explain", EDITION],
]


def test_a_store_with_damaged_pages_is_one_line_for_every_command(tree: Path) -> None:
    _subscribers(tree)
    store = _store_file(tree)
    size = store.stat().st_size
    assert not Path(f"{store}-wal").exists()  # all of it is in the file
    with store.open("r+b") as handle:
        handle.seek((size // 2) // 4096 * 4096)  # two pages in the middle
        handle.write(b"\xa5" * 8192)
    damaged = store.read_bytes()
    for command in STORE_COMMANDS:
        failed = digest(tree, *command)
        one_error(failed, f"store {store.name} is damaged", "restore it from a backup")
    assert store.read_bytes() == damaged


@pytest.mark.parametrize(
    ("content", "says"),
    [(b"", "is empty: it is not a digest store"), (b"hello\n" * 50, "is not a SQLite database")],
    ids=["zero-bytes", "not-sqlite"],
)
def test_a_store_that_is_not_one_is_never_taken_as_new(
    tree: Path, content: bytes, says: str
) -> None:
    _subscribers(tree)
    store = _store_file(tree)
    store.write_bytes(content)
    for command in STORE_COMMANDS:
        one_error(digest(tree, *command), f"store file {store.name} {says}")
    assert store.read_bytes() == content


def test_a_new_store_file_is_created_whole(tmp_path: Path) -> None:
    path = tmp_path / "new" / "store.sqlite3"
    path.parent.mkdir()
    # What a process killed while creating a store left (pid 2**22 + 1 is above pid_max).
    (path.parent / f".store.sqlite3.{2**22 + 1}.new").write_bytes(HEADER)
    store = Store(f"sqlite:///{path}")
    store.close()
    assert path.read_bytes().startswith(HEADER)
    # The store, and the stamp saying it was found sound (digest.sqlite_file.known_sound).
    assert sorted(p.name for p in path.parent.iterdir()) == [
        ".store.sqlite3.sound",
        "store.sqlite3",
    ]


class Accepting:
    """A mail server double that accepts every message."""

    def send(
        self, sender: str, recipient: str, message: bytes, committing: Callable[[], None]
    ) -> Reply:
        committing()
        return Reply("accepted", 250, "ok", "data")

    def close(self) -> None:
        pass


@pytest.mark.parametrize("loss", ["new-store", "emptied-log"])
def test_send_refuses_a_store_that_lost_the_send_log(tree: Path, loss: str) -> None:
    _subscribers(tree)
    settings = load_settings(tree / "digest.toml")
    (sent,) = send_editions(settings, EDITION, transport=Accepting())
    assert sent.sent == 2
    assert (tree / "outbox" / SENT / EDITION).is_file()
    store = _store_file(tree)
    backup = tree / "backup.sqlite3"
    shutil.copy(store, backup)
    if loss == "new-store":
        store.unlink()
    else:
        emptied = Store(settings.store_url)
        with emptied.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM deliveries")
        emptied.close()
    smtp = {"DIGEST_SMTP__HOST": "127.0.0.1", "DIGEST_SMTP__PORT": "9"}  # never reached
    for command in (["send", "--dry-run"], ["send", EDITION], ["send", "--all"]):
        failed = digest(tree, *command, env=smtp)
        one_error(
            failed,
            f"has no send log of {EDITION}",
            str(tree / "outbox" / SENT / EDITION),
            "nothing sent",
        )
    shutil.copy(backup, store)
    restored = digest(tree, "send", "--dry-run")
    assert restored.returncode == 0, restored.stderr
    assert f"{EDITION}: " in restored.stdout and "already sent" in restored.stdout


# -- processes -------------------------------------------------------------------------------


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")  # dead, waiting for its new parent to reap it


def _ends(pid: int) -> bool:
    """Whether ``pid`` ends: the kernel tells through a pidfd (no polling); a generous
    bound only keeps a broken build from hanging the test run."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([handle], [], [], 60)
    finally:
        os.close(handle)
    return bool(readable) or _gone(pid)


@pytest.mark.skipif(sys.platform != "linux", reason="ingest workers fork only on Linux")
def test_ingest_workers_die_with_a_killed_build(tmp_path: Path) -> None:
    tree = copy_sample_tree(tmp_path / "project")
    pids = tmp_path / "pids"
    pids.touch()
    env = {**os.environ, "DIGEST_INGEST_WORKERS": "2", "PIDS": str(pids)}
    # As under `digest build | tee`: the output pipes end only when every process
    # holding them has ended, workers included.
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_PARENT, "build", *WEEK],
        cwd=tree,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        process.communicate(timeout=120)
        assert process.returncode == -signal.SIGKILL
        workers = {int(pid) for pid in pids.read_text().split()}
        assert len(workers) == 2
        for pid in workers:
            assert _ends(pid), f"worker {pid} outlived the build"
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        for pid in {int(p) for p in pids.read_text().split()}:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)


def test_the_scheduler_table_is_created_when_another_scheduler_raced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(f"sqlite:///{tmp_path}/store.sqlite3")
    try:
        create_job_table(store)  # the first scheduler
        dialect = store.engine.dialect
        real = dialect.has_table
        looked: list[str] = []

        def stale(connection: Any, name: str, *args: Any, **kwargs: Any) -> bool:
            # The second scheduler looked just before the first one created the table.
            looked.append(name)
            return False if len(looked) == 1 else bool(real(connection, name, *args, **kwargs))

        monkeypatch.setattr(dialect, "has_table", stale)
        table = SQLAlchemyJobStore(engine=store.engine).jobs_t
        with pytest.raises(OperationalError, match="table apscheduler_jobs already exists"):
            table.create(store.engine, checkfirst=True)  # what the second one used to do
        looked.clear()
        create_job_table(store)
        assert looked == ["apscheduler_jobs", "apscheduler_jobs"]  # refused once, then found
        assert inspect(store.engine).has_table("apscheduler_jobs")
    finally:
        store.close()
