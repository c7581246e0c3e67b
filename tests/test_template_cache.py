"""Compiled templates are kept in digest's cache folder (:mod:`digest.render.templating`):
a later process loads them, a changed template is compiled again, and a cache that cannot
be written or read changes nothing but the time."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from digest.caches import CACHE_DIR_VARIABLE
from digest.render.templating import template_environment


def _tree(folder: Path, body: str) -> Path:
    templates = folder / "templates"
    (templates / "email").mkdir(parents=True, exist_ok=True)
    (templates / "email" / "hello.txt.j2").write_text(body, encoding="utf-8")
    return templates


def _cached(cache: Path) -> list[Path]:
    return sorted(cache.glob("jinja2-*/__jinja2_*.cache"))


def test_a_second_environment_loads_the_compiled_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(cache))
    templates = _tree(tmp_path, "Hello {{ name }}!")
    first = template_environment(templates).get_template("email/hello.txt.j2")
    assert first.render(name="Anna") == "Hello Anna!"
    (written,) = _cached(cache)
    stamp = written.stat().st_mtime_ns

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled again")

    env = template_environment(templates)
    monkeypatch.setattr(env, "compile", refuse)
    assert env.get_template("email/hello.txt.j2").render(name="Jan") == "Hello Jan!"
    assert written.stat().st_mtime_ns == stamp


def test_a_changed_template_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(tmp_path / "cache"))
    templates = _tree(tmp_path, "Hello {{ name }}!")
    template_environment(templates).get_template("email/hello.txt.j2").render(name="x")
    _tree(tmp_path, "Goodbye {{ name }}.")
    again = template_environment(templates).get_template("email/hello.txt.j2")
    assert again.render(name="Anna") == "Goodbye Anna."


def test_a_damaged_cache_file_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(cache))
    templates = _tree(tmp_path, "Hello {{ name }}!")
    template_environment(templates).get_template("email/hello.txt.j2")
    (written,) = _cached(cache)
    whole = written.read_bytes()
    for damage in (b"", whole[: len(whole) // 2], whole[:-7] + b"garbage"):
        written.write_bytes(damage)
        env = template_environment(templates)
        assert env.get_template("email/hello.txt.j2").render(name="Anna") == "Hello Anna!"


def test_a_cache_folder_that_cannot_be_made_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(blocker / "cache"))
    templates = _tree(tmp_path, "Hello {{ name }}!")
    env = template_environment(templates)
    assert env.bytecode_cache is None
    assert env.get_template("email/hello.txt.j2").render(name="Anna") == "Hello Anna!"


def test_a_cache_file_that_cannot_be_written_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(cache))
    templates = _tree(tmp_path, "Hello {{ name }}!")
    env = template_environment(templates)
    assert isinstance(env.bytecode_cache, jinja2.FileSystemBytecodeCache)
    # The folder vanishes after the environment is made: the write fails.
    for folder in cache.iterdir():
        folder.rmdir()
    assert env.get_template("email/hello.txt.j2").render(name="Anna") == "Hello Anna!"
