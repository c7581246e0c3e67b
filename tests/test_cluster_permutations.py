"""datasketch's MinHash permutations kept in digest's cache folder
(:func:`digest.cluster.signature._permutations`): the same values as datasketch's, read
back by a later process without importing datasketch (and scipy), made again when the file
is damaged, and no error when the folder cannot be written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from digest.caches import CACHE_DIR_VARIABLE
from digest.cluster import signature

_PROBE = (
    "import sys\n"
    "from digest.cluster.signature import _permutations\n"
    "a, b = _permutations()\n"
    "print(int(a.sum()), int(b.sum()), 'datasketch' in sys.modules)\n"
)


def _datasketch() -> tuple[list[int], list[int]]:
    from datasketch import MinHash

    sketch = MinHash(num_perm=signature.PERMUTATIONS)
    a, b = sketch.permutations
    return [int(v) for v in a], [int(v) for v in b]


def _fresh(monkeypatch: pytest.MonkeyPatch, folder: Path) -> tuple[list[int], list[int]]:
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(folder))
    signature._permutations.cache_clear()
    try:
        found = signature._permutations()
    finally:
        signature._permutations.cache_clear()
    assert found is not None
    return found[0].tolist(), found[1].tolist()


def test_a_later_process_reads_them_without_datasketch(tmp_path: Path) -> None:
    env = {**os.environ, CACHE_DIR_VARIABLE: str(tmp_path)}

    def probe() -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
        )
        return done.stdout.split()

    first = probe()
    assert first[2] == "True"  # made by datasketch, then kept
    (kept,) = tmp_path.glob("datasketch-*/affine32-*.json")
    second = probe()
    assert second[:2] == first[:2]
    assert second[2] == "False"
    a, b = _datasketch()
    assert [str(sum(a)), str(sum(b))] == first[:2]
    assert kept.is_file()


def test_the_kept_values_are_datasketchs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _datasketch()
    assert _fresh(monkeypatch, tmp_path) == expected  # made
    assert _fresh(monkeypatch, tmp_path) == expected  # read back


@pytest.mark.parametrize("damage", [b"", b"{", b'{"a": [1], "b": [2]}', b'{"a": "x"}', b"\xff\xfe"])
def test_a_damaged_file_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes
) -> None:
    expected = _datasketch()
    _fresh(monkeypatch, tmp_path)
    (kept,) = tmp_path.glob("datasketch-*/affine32-*.json")
    kept.write_bytes(damage)
    assert _fresh(monkeypatch, tmp_path) == expected
    assert _fresh(monkeypatch, tmp_path) == expected  # and written whole again


def test_a_folder_that_cannot_be_made_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert _fresh(monkeypatch, blocker / "cache") == _datasketch()
