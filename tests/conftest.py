"""Shared fixtures: a private copy of the project's sample tree for each test that needs one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path

import pytest

from digest.build import build
from digest.config import Settings, load_settings
from tests.postgres import fresh_database, postgres_server

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, _lemma_cache: str) -> None:
    """No DIGEST_* variable of the developer's shell leaks into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("DIGEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv(*_QUIET_EXAMPLES)
    monkeypatch.setenv("DIGEST_CACHE_DIR", _lemma_cache)


# simplemma's dictionaries as tries (digest.lemmata): built once per session, in one folder
# that every test and every digest process a test starts share, not the user's cache folder.
@pytest.fixture(autouse=True, scope="session")
def _lemma_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = str(tmp_path_factory.mktemp("digest-cache", numbered=False))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIGEST_CACHE_DIR", folder)
        yield folder


# The sample and most test settings use example addresses (digest.example): the warning
# about them (README "Start your own digest") is tested in tests/test_init.py, and off
# elsewhere, also for the module and session fixtures that run before _clean_environment.
_QUIET_EXAMPLES = ("DIGEST_WARN_EXAMPLE_VALUES", "false")


@pytest.fixture(autouse=True, scope="session")
def _quiet_example_values() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(*_QUIET_EXAMPLES)
        yield


def run_digest(
    cwd: Path, *args: str, timeout: float = 300, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the ``digest`` command in ``cwd`` as an operator would; its output as text."""
    return subprocess.run(
        [sys.executable, "-m", "digest", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )


def copy_sample_tree(tree: Path) -> Path:
    """Copy digest.toml, themes.toml, templates/ and sources/ into the new folder ``tree``."""
    tree.mkdir(parents=True)
    for name in ("digest.toml", "themes.toml"):
        shutil.copy(ROOT / name, tree / name)
    for name in ("templates", "sources"):
        shutil.copytree(ROOT / name, tree / name)
    return tree


@pytest.fixture
def sample_tree(tmp_path: Path) -> Path:
    """A copy of the sample tree in a temporary folder, for a test that changes it."""
    return copy_sample_tree(tmp_path / "project")


@pytest.fixture(scope="session")
def built_sample_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample tree built once (2021 to 2025) for every test that only reads it."""
    tree = copy_sample_tree(tmp_path_factory.mktemp("built") / "project")
    report = build(
        load_settings(tree / "digest.toml"), since=date(2021, 1, 1), until=date(2025, 12, 31)
    )
    assert not report.problems, report.problems
    return tree


@pytest.fixture
def sample_settings(sample_tree: Path) -> Settings:
    """Settings of the sample tree copy."""
    return load_settings(sample_tree / "digest.toml")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for the session (Debian's package, started on a free port)."""
    with postgres_server() as url:
        if url is None:
            pytest.skip("no PostgreSQL server here (make test installs one with apt as root)")
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store of each kind: a SQLite file, a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store.sqlite3"
    return fresh_database(request.getfixturevalue("postgres_url"))
