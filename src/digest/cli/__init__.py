"""The ``digest`` command: a thin layer over the library.

Every command parses its options, makes one library call and shows the
result. A :class:`~digest.errors.DigestError` becomes one line on stderr and
exit status 1; input problems met during a run are one line each.
"""

from __future__ import annotations

import click

from digest import __version__
from digest.cli.editions import build_command, explain_command, preview_command, sources_command
from digest.cli.schedule import schedule_group
from digest.cli.send import send_command
from digest.cli.themes import themes_group
from digest.cli.translate import translate_group


@click.group()
@click.version_option(__version__, prog_name="digest")
def main() -> None:
    """Bilingual newsletters and feeds from article files and RSS/Atom feeds."""


for command in (
    build_command,
    explain_command,
    sources_command,
    preview_command,
    send_command,
    schedule_group,
    themes_group,
    translate_group,
):
    main.add_command(command)
