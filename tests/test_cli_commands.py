"""The command table: every command loaded only when it runs, under the name it has."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from digest.cli import COMMANDS, command, main


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_is_found_under_its_own_name(name: str) -> None:
    found = command(name)
    assert isinstance(found, click.Command)
    assert found.name == name


def test_help_lists_every_command() -> None:
    shown = CliRunner().invoke(main, ["--help"]).output
    listed = shown.split("Commands:", 1)[1]
    assert [line.split()[0] for line in listed.strip().splitlines()] == sorted(COMMANDS)


def test_loading_the_command_group_loads_no_command() -> None:
    """``digest build`` loads the build's code, not the scheduler's or the server's."""
    code = (
        "import sys, digest.cli; "
        "print(sorted(m for m in sys.modules if m.startswith(('digest.cli.', 'sqlalchemy'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


def test_the_program_collects_garbage_less_often_and_not_as_it_ends() -> None:
    """Run as the program, the command collects the youngest generation less often, and
    freezes what is alive as it ends: the shutdown's garbage collections skip it (each
    half a second of CPU in an incremental build). Tests call ``main.main`` (as CliRunner
    does) and keep their collections as they were."""
    code = (
        "import gc, sys\n"
        "from digest.cli import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit as exc:\n"
        "    print(exc.code, gc.get_freeze_count() > 0, gc.get_threshold()[0])\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert shown.split()[-3:] == ["0", "True", "20000"]
    import gc

    threshold = gc.get_threshold()
    assert CliRunner().invoke(main, ["--version"]).exit_code == 0
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == threshold
