"""Running Pagefind (:mod:`digest.render.search`): what its binary is, and one run over
some pages in a temporary folder, with a time bound, its failure as one line."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from digest.errors import RenderError

#: How the search index's errors begin.
SEARCH_ERROR = "search index: "
#: Longest a Pagefind run may take, in seconds (the sample takes about two).
TIMEOUT = 600
#: The file naming the index of each language.
ENTRY = "pagefind-entry.json"
#: The distributions that ship a Pagefind binary (``pagefind[extended]``, ``pagefind[bin]``).
_BINARY_PACKAGES = ("pagefind_bin_extended", "pagefind_bin")
#: Longest line of Pagefind's output a warning quotes.
_SAID = 200
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def binary_version(binary: Path | str) -> bytes:
    """What makes a Pagefind binary's output: the name and version of the installed
    package that ships it (its RECORD lists it), else its bytes (a binary named by
    ``PAGEFIND_BINARY_PATH`` or found on the ``PATH``).

    Raises:
        OSError: a binary of no package cannot be read.
    """
    where = os.path.realpath(binary)
    for name in _BINARY_PACKAGES:
        try:
            shipped = distribution(name)
        except PackageNotFoundError:
            continue
        for file in shipped.files or ():
            if os.path.realpath(str(shipped.locate_file(file))) == where:
                return f"{name} {shipped.version}\n".encode()
    return hashlib.sha256(Path(binary).read_bytes()).digest()


def run_pagefind(
    binary: Path | str, pages: Mapping[tuple[str, ...], bytes]
) -> dict[tuple[str, ...], bytes]:
    """Pagefind over ``pages`` (outbox parts under ``web/``): the bundle's files by parts.

    Raises:
        RenderError: Pagefind did not run or failed (its last line of output).
    """
    with tempfile.TemporaryDirectory(prefix="digest-pagefind-") as tmp:
        site, out = Path(tmp, "site"), Path(tmp, "bundle")
        for parts, data in pages.items():
            # As under web/: the results link the pages where they are published.
            path = site.joinpath(*parts[1:])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        try:
            run = subprocess.run(
                [str(binary), "--site", str(site), "--output-path", str(out), "--silent"],
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
            path.relative_to(out).parts: path.read_bytes()
            for path in sorted(out.rglob("*"))
            if path.is_file()
        }
    if (ENTRY,) in files:
        files[(ENTRY,)] = _sorted_entry(files[(ENTRY,)])
    return files


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
