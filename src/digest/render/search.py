"""Full-text search of the web archive as static files, indexed by Pagefind.

`Pagefind <https://pagefind.app>`_ (the ``pagefind[extended]`` package ships its
binary) reads the pages under ``web/`` once they are written and writes its index,
one per language (from each page's ``<html lang>``), with its search interface,
into ``web/pagefind/``. Only what an edition page marks ``data-pagefind-body`` is
indexed: the editions' stories, not the navigation or the "how" pages. It runs
offline; ``PAGEFIND_BINARY_PATH`` names another binary. Pagefind writes the languages of
``pagefind-entry.json`` in no fixed order: the file is rewritten with them sorted, so the
same pages give the same index bytes.

The index is made in a temporary folder, then written file by file through the
outbox (unchanged files are left alone); files of an older index are removed.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Collection
from pathlib import Path

from pagefind.service import get_executable

from digest.errors import RenderError
from digest.outbox import Outbox
from digest.render.web import WEB

#: The index's folder under ``web/``.
BUNDLE = "pagefind"
#: The file naming the index of each language.
ENTRY = "pagefind-entry.json"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: Longest line of Pagefind's output a warning quotes.
_SAID = 200
#: How this module's errors begin.
SEARCH_ERROR = "search index: "
#: Longest a Pagefind run may take, in seconds (the sample takes about two).
TIMEOUT = 600


def index_archive(outbox: Outbox) -> int:
    """Index ``web/`` of ``outbox`` into ``web/pagefind/``; count the files changed.

    Raises:
        RenderError: no Pagefind binary, or Pagefind failed (its last line of output).
    """
    binary = get_executable()
    if binary is None:
        raise RenderError(f"{SEARCH_ERROR}no pagefind binary (pip install 'pagefind[extended]')")
    site = outbox.path(WEB)
    with tempfile.TemporaryDirectory(prefix="digest-pagefind-") as tmp:
        try:
            run = subprocess.run(
                [str(binary), "--site", str(site), "--output-path", tmp, "--silent"],
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise RenderError(f"{SEARCH_ERROR}pagefind did not run: {error}") from error
        if run.returncode != 0:
            said = (run.stderr or run.stdout).strip().splitlines() or ["no output"]
            raise RenderError(
                f"{SEARCH_ERROR}pagefind failed ({run.returncode}): {_printable(said[-1])}"
            )
        files = {
            path.relative_to(tmp).parts: path.read_bytes()
            for path in sorted(Path(tmp).rglob("*"))
            if path.is_file()
        }
    if (ENTRY,) in files:
        files[(ENTRY,)] = _sorted_entry(files[(ENTRY,)])
    changed = sum(outbox.write_file(data, WEB, BUNDLE, *parts) for parts, data in files.items())
    return changed + remove_index(outbox, keep=files.keys())


def remove_index(outbox: Outbox, keep: Collection[tuple[str, ...]] = ()) -> int:
    """Remove the files of ``web/pagefind/`` but those of ``keep`` (parts under it), and
    the folders left empty; count the files removed."""
    bundle = outbox.path(WEB, BUNDLE)
    if not bundle.is_dir():
        return 0
    removed = 0
    for old in sorted(bundle.rglob("*"), reverse=True):
        if old.is_file() and old.relative_to(bundle).parts not in keep:
            old.unlink()
            removed += 1
        elif old.is_dir() and not any(old.iterdir()):
            old.rmdir()
    if not any(bundle.iterdir()):
        bundle.rmdir()
    return removed


def _sorted_entry(data: bytes) -> bytes:
    """``pagefind-entry.json`` with its languages in a fixed order (else the bytes as they are)."""
    try:
        entry = json.loads(data)
        entry["languages"] = dict(sorted(entry["languages"].items()))
    except (ValueError, KeyError, TypeError, AttributeError):
        return data
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _printable(line: str) -> str:
    """Pagefind's line as one warning may show it: colour codes and controls out, short."""
    plain = "".join(c for c in _ANSI.sub("", line) if c.isprintable()).strip()
    return plain if len(plain) <= _SAID else plain[: _SAID - 1] + "…"
