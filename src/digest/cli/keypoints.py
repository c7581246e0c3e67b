"""``digest keypoints``: the key points a build would choose, for outside checks."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli._common import _warn
from digest.keypoints import dumps, key_points


@click.command("keypoints")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--sentences",
    type=click.IntRange(1, 2),
    default=2,
    show_default=True,
    help="Sentences per key point.",
)
@click.option(
    "--lang",
    "language",
    metavar="L",
    help="Language of documents that declare none (default: detected, as a build does).",
)
def keypoints_command(paths: tuple[Path, ...], sentences: int, language: str | None) -> None:
    """Print the key point of each article file, folder of them, or JSON Lines file of
    {"id", "lang", "title", "text"} objects: one JSON object per line with the id, the
    key point and the sentences it came from. Nothing is written to the store; a file
    or line that cannot be read is one warning line and the run goes on."""
    for result in key_points(paths, _warn, sentences=sentences, language=language):
        click.echo(dumps(result))
