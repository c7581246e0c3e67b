"""The ``digest`` command: a thin layer over the library.

Every command parses its options, makes one library call and shows the
result. A :class:`~digest.errors.DigestError` becomes one line on stderr and
exit status 1; input problems met during a run are one line each.
"""

from __future__ import annotations

import gc
import importlib
from typing import Any

import click

from digest import __version__

#: Every command, by name: the module that defines it and its name there. A command's
#: module (and what it imports: the store, the renderers, the scheduler...) is imported
#: when that command runs, or when ``--help`` lists them all: ``digest build`` loads no
#: other command's code.
COMMANDS = {
    "init": "init:init_command",
    "build": "editions:build_command",
    "explain": "editions:explain_command",
    "sources": "editions:sources_command",
    "preview": "editions:preview_command",
    "send": "send:send_command",
    "release": "send:release_command",
    "serve": "serve:serve_command",
    "subscribers": "subscribers:subscribers_group",
    "deliveries": "subscribers:deliveries_command",
    "schedule": "schedule:schedule_group",
    "themes": "themes:themes_group",
    "translate": "translate:translate_group",
    "keypoints": "keypoints:keypoints_command",
    "store": "store:store_group",
    "worker": "worker:worker_group",
}

#: Allocations between two collections of the youngest generation, in the program.
_YOUNGEST_COLLECTED = 20_000


def command(name: str) -> click.Command:
    """The command ``name`` of :data:`COMMANDS`, its module imported."""
    module, _, attribute = COMMANDS[name].partition(":")
    found = getattr(importlib.import_module(f"digest.cli.{module}"), attribute)
    assert isinstance(found, click.Command)
    return found


class _Commands(click.Group):
    """The command group, with a last net under the library's own errors.

    The library turns the failures it expects into a DigestError; a database or file
    system error that still slips through is one line too, not a traceback.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.add_command(command(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run as the ``digest`` program (its script, ``python -m digest``); tests call
        :meth:`main` and keep their process as it was."""
        # A build keeps many objects alive (items, parts, the themes' rules): with the
        # default threshold (700) the oldest generation was walked four times in an
        # incremental build, half a second of CPU, for little garbage. Collected every
        # 20,000 allocations instead, as a one-shot program can afford.
        gc.set_threshold(_YOUNGEST_COLLECTED, *gc.get_threshold()[1:])
        try:
            return self.main(*args, **kwargs)
        finally:
            # The process ends: the interpreter's last garbage collections, as it shuts
            # down, would walk every object still alive (the themes' rules, the lemma
            # dictionaries: half a second of CPU after an incremental build) only to
            # find nothing to free before exit. Frozen, they are skipped.
            gc.freeze()

    def invoke(self, ctx: click.Context) -> Any:
        # Imported when a command runs (the help needs none of it); every command that
        # can raise it has imported SQLAlchemy anyway.
        from sqlalchemy.exc import SQLAlchemyError

        from digest.cli._common import _fail

        try:
            return super().invoke(ctx)
        except SQLAlchemyError as exc:
            from digest.sqlite_file import reason

            _fail(f"store error: {reason(exc)}")
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"{where}{exc.strerror or exc}")


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="digest")
def main() -> None:
    """Bilingual newsletters and feeds from article files and RSS/Atom feeds."""
