"""A SQLite store is checked page by page (``PRAGMA quick_check``) when opened, unless the
file is as a digest process left it after finding it sound: then the check, which reads
the whole file, is skipped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from digest import sqlite_file
from digest.errors import StoreError
from digest.store import Store

#: Far enough back that the stamp written after it is not "racy" (see sqlite_file._RACY_NS).
_LONG_AGO_NS = 60 * 1_000_000_000


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stores whose pages were checked, in order (the real check still runs)."""
    seen: list[str] = []
    real = sqlite_file.quick_check

    def counted(engine: object, name: str) -> None:
        seen.append(name)
        real(engine, name)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlite_file, "quick_check", counted)
    return seen


def _settled(path: Path) -> Path:
    """Open and close the store once its file is old, so that its stamp can be trusted."""
    Store(f"sqlite:///{path}").close()
    found = path.stat()
    os.utime(path, ns=(found.st_atime_ns, found.st_mtime_ns - _LONG_AGO_NS))
    Store(f"sqlite:///{path}").close()  # checked again (the file changed), stamped
    return path


def test_an_unchanged_store_is_not_checked_again(tmp_path: Path, checks: list[str]) -> None:
    path = _settled(tmp_path / "digest.sqlite3")
    checks.clear()
    before = path.read_bytes(), path.stat().st_mtime_ns
    Store(f"sqlite:///{path}").close()
    Store(f"sqlite:///{path}").close()
    assert checks == []
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_a_store_changed_since_its_stamp_is_checked(tmp_path: Path, checks: list[str]) -> None:
    path = _settled(tmp_path / "digest.sqlite3")
    checks.clear()
    size = path.stat().st_size
    with path.open("r+b") as handle:  # the last page, overwritten: same size, new mtime
        handle.seek(size - 4096)
        handle.write(b"\xa5" * 4096)
    with pytest.raises(StoreError, match="is damaged"):
        Store(f"sqlite:///{path}")
    assert checks == [str(path)]
    assert not (tmp_path / ".digest.sqlite3.sound").exists()  # never trusted again
    with pytest.raises(StoreError, match="is damaged"):
        Store(f"sqlite:///{path}")


def test_a_stamp_written_in_the_same_moment_as_the_file_is_not_trusted(
    tmp_path: Path, checks: list[str]
) -> None:
    path = tmp_path / "digest.sqlite3"
    Store(f"sqlite:///{path}").close()
    stamp = tmp_path / ".digest.sqlite3.sound"
    assert stamp.exists()
    # A change the file system clock cannot tell from the state stamped: same time.
    modified = path.stat().st_mtime_ns
    os.utime(stamp, ns=(modified, modified + 1))
    checks.clear()
    Store(f"sqlite:///{path}").close()
    assert checks == [str(path)]


@pytest.mark.parametrize("stamp", ["", "garbage\n", "\xff"])
def test_a_stamp_that_does_not_match_means_a_check(
    tmp_path: Path, checks: list[str], stamp: str
) -> None:
    path = _settled(tmp_path / "digest.sqlite3")
    (tmp_path / ".digest.sqlite3.sound").write_text(stamp, encoding="latin-1")
    checks.clear()
    Store(f"sqlite:///{path}").close()
    assert checks == [str(path)]


def test_a_store_written_just_before_closing_is_trusted_at_the_next_open(
    tmp_path: Path, checks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The closing process waits out the short "racy" window of a file system with fine
    # times, so that the command after a build does not read every page again (for
    # files of any size here: only large ones are worth the wait).
    monkeypatch.setattr(sqlite_file, "WAIT_FROM_BYTES", 0)
    path = tmp_path / "digest.sqlite3"
    Store(f"sqlite:///{path}").close()
    if path.stat().st_mtime_ns % 1_000_000 == 0:
        pytest.skip("this file system's times are coarse: its stamps wait two seconds")
    store = Store(f"sqlite:///{path}")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE scratch (x)")
    store.close()
    checks.clear()
    Store(f"sqlite:///{path}").close()
    assert checks == []
