"""Shared fixtures: a private copy of the project's sample tree for each test that needs one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from digest.config import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DIGEST_* variable of the developer's shell leaks into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("DIGEST_"):
            monkeypatch.delenv(name)


@pytest.fixture
def sample_tree(tmp_path: Path) -> Path:
    """A copy of digest.toml, themes.toml, templates/ and sources/ in a temporary folder."""
    tree = tmp_path / "project"
    tree.mkdir()
    for name in ("digest.toml", "themes.toml"):
        shutil.copy(ROOT / name, tree / name)
    for name in ("templates", "sources"):
        shutil.copytree(ROOT / name, tree / name)
    return tree


@pytest.fixture
def sample_settings(sample_tree: Path) -> Settings:
    """Settings of the sample tree copy."""
    return load_settings(sample_tree / "digest.toml")
