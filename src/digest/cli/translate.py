"""``digest translate``: XLIFF out for translators, reviewed translations in."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from digest.cli._common import (
    _fail,
    _library,
    _settings,
    _warn,
    config_option,
    err,
    out,
)
from digest.config import SUPPORTED_LANGUAGES
from digest.errors import DigestError


@click.group("translate")
def translate_group() -> None:
    """Reviewed translations: export what lacks one as XLIFF, import the translated file."""


@translate_group.command("export")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Choice(SUPPORTED_LANGUAGES),
    help="Language to translate into.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="XLIFF 1.2 file to write (default: standard output).",
)
@config_option
def translate_export_command(target: str, out: Path | None, config: Path | None) -> None:
    """Write the titles and key points the editions show without a reviewed translation."""
    settings = _settings(config)
    try:
        from digest.translate import export_missing  # when the command runs

        export = export_missing(settings, target, report=_warn)
        if out is None:
            sys.stdout.buffer.write(export.data)
            sys.stdout.flush()
        else:
            out.write_bytes(export.data)
    except DigestError as exc:
        _fail(exc.reason)
    except OSError as exc:
        _fail(f"{out}: cannot write: {exc.strerror or exc}")
    where = f" to {out}" if out is not None else ""
    suggested = f" ({export.suggested} with a machine suggestion)" if export.suggested else ""
    err.print(
        f"{export.units} texts to translate into {target}{suggested} written{where}",
        markup=False,
        soft_wrap=True,
    )


@translate_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@config_option
def translate_import_command(file: Path, config: Path | None) -> None:
    """Load the translated units of an XLIFF 1.2 FILE as reviewed translations."""
    settings = _settings(config)
    from digest.translate import import_file  # when the command runs

    counts = _library(lambda: import_file(settings, file))
    out.print(
        f"{file}: {counts.translated} translated ({counts.added} new, {counts.updated} updated, "
        f"{counts.unchanged} unchanged), {counts.empty} left untranslated",
        markup=False,
        soft_wrap=True,
    )
