"""``digest keypoints``: the key points a build would choose, for outside checks."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli._common import _warn


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
@click.option(
    "--compress/--no-compress",
    "compression",
    default=True,
    show_default=True,
    help="Shorten key points as a build does (compress_points); --no-compress keeps them whole.",
)
def keypoints_command(
    paths: tuple[Path, ...], sentences: int, language: str | None, compression: bool
) -> None:
    """Print the key point of each article file, folder of them, or JSON Lines file of
    {"id", "lang", "title", "text"} objects: one JSON object per line with the id, the
    key point as a build shows it, the whole sentences it came from and what compression
    removed. Nothing is written to the store; a file or line that cannot be read is one
    warning line and the run goes on."""
    # Imported when the command runs: `digest build` starts without it.
    from digest.keypoints import dumps, key_points

    results = key_points(
        paths, _warn, sentences=sentences, language=language, compression=compression
    )
    for result in results:
        click.echo(dumps(result))
