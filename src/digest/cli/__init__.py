"""The ``digest`` command: a thin layer over the library.

Every command parses its options, makes one library call and shows the
result. A :class:`~digest.errors.DigestError` becomes one line on stderr and
exit status 1; input problems met during a run are one line each.
"""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from digest import __version__
from digest.cli._common import _fail
from digest.cli.editions import build_command, explain_command, preview_command, sources_command
from digest.cli.init import init_command
from digest.cli.keypoints import keypoints_command
from digest.cli.schedule import schedule_group
from digest.cli.send import release_command, send_command
from digest.cli.serve import serve_command
from digest.cli.store import store_group
from digest.cli.subscribers import deliveries_command, subscribers_group
from digest.cli.themes import themes_group
from digest.cli.translate import translate_group
from digest.cli.worker import worker_group
from digest.sqlite_file import reason


class _Commands(click.Group):
    """The command group, with a last net under the library's own errors.

    The library turns the failures it expects into a DigestError; a database or file
    system error that still slips through is one line too, not a traceback.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SQLAlchemyError as exc:
            _fail(f"store error: {reason(exc)}")
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"{where}{exc.strerror or exc}")


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="digest")
def main() -> None:
    """Bilingual newsletters and feeds from article files and RSS/Atom feeds."""


for command in (
    init_command,
    build_command,
    explain_command,
    sources_command,
    preview_command,
    send_command,
    release_command,
    serve_command,
    subscribers_group,
    deliveries_command,
    schedule_group,
    themes_group,
    translate_group,
    keypoints_command,
    store_group,
    worker_group,
):
    main.add_command(command)
