"""Full-text search of the web archive as static files, indexed by Pagefind, one bundle a year.

`Pagefind <https://pagefind.app>`_ (the ``pagefind[extended]`` package ships its
binary) indexes the editions' pages once they are written, one index per language (from
each page's ``<html lang>``). Only what an edition page marks ``data-pagefind-body`` is
indexed: the editions' stories, not the navigation or the "how" pages. It runs offline;
``PAGEFIND_BINARY_PATH`` names another binary.

The archive is indexed in bundles, one per year of the editions' periods (the year their
period starts), so that a build that changed this week's edition indexes this year's
pages, not the whole archive again; the search pages merge the bundles in the browser
(Pagefind's ``mergeIndex``)::

    web/pagefind/pagefind-ui.js, pagefind-ui.css   the search interface, once
    web/pagefind/<year>/                            a year's bundle: pagefind.js, its
                                                    WebAssembly, index and fragments
    web/pagefind/<year>/pages.key                   what the bundle was made from

``pages.key`` holds the SHA-256 of the Pagefind binary and of every page of the year (path
and bytes), then the SHA-256 and name of each file of the bundle: a bundle whose pages are
the same and whose files are all there, unchanged, is not made again. Pagefind writes the
languages of ``pagefind-entry.json`` in no fixed order: the file is rewritten with them
sorted, so the same pages give the same bundle bytes. A bundle is made in a temporary
folder, then written file by file through the outbox (unchanged files are left alone);
files of older bundles, or of the single index older versions made, are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pagefind.service import get_executable

from digest.errors import RenderError
from digest.outbox import Outbox
from digest.render.web import WEB, page_path

#: The folder of the bundles under ``web/``.
BUNDLE = "pagefind"
#: The file naming the index of each language.
ENTRY = "pagefind-entry.json"
#: The file of a bundle saying what it was made from.
KEY = "pages.key"
#: Pagefind's interface files: kept once, in ``web/pagefind/``, not in every bundle.
UI_FILES = frozenset(
    {
        "pagefind-ui.js",
        "pagefind-ui.css",
        "pagefind-component-ui.js",
        "pagefind-component-ui.css",
        "pagefind-modular-ui.js",
        "pagefind-modular-ui.css",
        "pagefind-highlight.js",
    }
)
#: Changes when bundles must be made again whatever their pages (a new layout).
_LAYOUT = b"digest bundles 1\n"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: Longest line of Pagefind's output a warning quotes.
_SAID = 200
#: How this module's errors begin.
SEARCH_ERROR = "search index: "
#: Longest a Pagefind run may take, in seconds (the sample takes about two).
TIMEOUT = 600


@dataclass(frozen=True)
class Bundle:
    """The pages of one year of the archive, indexed together."""

    #: The year, the bundle's folder name under ``web/pagefind/``.
    name: str
    #: Outbox path parts of its pages, sorted.
    pages: tuple[tuple[str, ...], ...]
    #: The languages it has pages in.
    languages: frozenset[str]


def web_pages(outbox: Outbox, languages: Collection[str]) -> frozenset[tuple[str, ...]]:
    """The pages of ``web/<lang>/`` for each of ``languages``: their outbox path parts.

    One listing a language: a regular file each, no symlink (see :meth:`Outbox.path`).
    """
    found: set[tuple[str, ...]] = set()
    for lang in languages:
        try:
            with os.scandir(outbox.path(WEB, lang)) as listing:
                found.update(
                    (WEB, lang, entry.name)
                    for entry in listing
                    if entry.name.endswith(".html") and entry.is_file(follow_symlinks=False)
                )
        except (FileNotFoundError, NotADirectoryError):
            continue
    return frozenset(found)


def bundles(
    manifests: Sequence[Mapping[str, Any]], pages: Collection[tuple[str, ...]]
) -> tuple[Bundle, ...]:
    """The archive's bundles, newest first: each year's edition pages of ``pages`` (those
    that exist, see :func:`web_pages`)."""
    years: dict[str, set[tuple[str, str, str]]] = {}
    for manifest in manifests:
        year = str(manifest["period"]["start"])[:4]
        for lang in manifest.get("views", {}):
            parts = page_path(lang, str(manifest["edition"]))
            if parts in pages:
                years.setdefault(year, set()).add(parts)
    return tuple(
        Bundle(year, tuple(sorted(chosen)), frozenset(parts[1] for parts in chosen))
        for year, chosen in sorted(years.items(), reverse=True)
    )


def bundle_paths(found: Sequence[Bundle], lang: str) -> tuple[str, ...]:
    """The bundles a search page in ``lang`` merges, relative to it, newest first."""
    return tuple(f"../{BUNDLE}/{b.name}/" for b in found if lang in b.languages)


def index_archive(outbox: Outbox, found: Sequence[Bundle]) -> int:
    """Make the bundles of ``found`` whose pages changed; count the files changed.

    Raises:
        RenderError: no Pagefind binary, or Pagefind failed (its last line of output).
    """
    binary = get_executable()
    if binary is None:
        raise RenderError(f"{SEARCH_ERROR}no pagefind binary (pip install 'pagefind[extended]')")
    try:
        tool = hashlib.sha256(_LAYOUT + Path(binary).read_bytes()).digest()
    except OSError as error:
        raise RenderError(f"{SEARCH_ERROR}pagefind did not run: {error}") from error
    bundle = outbox.path(WEB, BUNDLE)
    keep: set[tuple[str, ...]] = {(name,) for name in UI_FILES if (bundle / name).is_file()}
    # Without its interface files the search pages show nothing: one bundle gives them.
    ui_missing = len(keep) < len(UI_FILES)
    if not found:
        return remove_index(outbox)
    changed = 0
    for each in found:
        # Listed by web_pages: no part can leave the outbox.
        pages = {parts: outbox.root.joinpath(*parts).read_bytes() for parts in each.pages}
        key = _key(tool, pages)
        folder = bundle / each.name
        made = None if ui_missing else _made(folder, key)
        if made is not None:
            keep.update((each.name, *parts) for parts in made)
            continue
        files = _pagefind(binary, pages)
        listed = []
        for parts, data in files.items():
            if len(parts) == 1 and parts[0] in UI_FILES:
                # The same in every bundle a binary makes: once, beside them.
                changed += outbox.write_file(data, WEB, BUNDLE, *parts)
                keep.add(parts)
                continue
            changed += outbox.write_file(data, WEB, BUNDLE, each.name, *parts)
            keep.add((each.name, *parts))
            listed.append(f"{hashlib.sha256(data).hexdigest()} {'/'.join(parts)}\n")
        # Last: a bundle cut short is made again at the next build.
        record = key + "".join(sorted(listed, key=lambda line: line[65:])).encode()
        changed += outbox.write_file(record, WEB, BUNDLE, each.name, KEY)
        keep.add((each.name, KEY))
        ui_missing = False
    return changed + remove_index(outbox, keep=keep)


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


def _key(tool: bytes, pages: Mapping[tuple[str, ...], bytes]) -> bytes:
    """What a bundle is made from: the binary and every page, path and bytes."""
    digest = hashlib.sha256(tool)
    for parts, data in sorted(pages.items()):
        digest.update("/".join(parts).encode() + b"\0")
        digest.update(hashlib.sha256(data).digest())
    return (digest.hexdigest() + "\n").encode()


def _made(folder: Path, key: bytes) -> list[tuple[str, ...]] | None:
    """The files of the bundle in ``folder`` (its key file included) when it was made from
    what ``key`` says and each file it listed is there with its bytes; else None."""
    try:
        record = (folder / KEY).read_bytes()
    except OSError:
        return None
    if not record.startswith(key):
        return None
    files: list[tuple[str, ...]] = [(KEY,)]
    for line in record[len(key) :].decode("utf-8", "replace").splitlines():
        digest, _, name = line.partition(" ")
        parts = tuple(name.split("/"))
        if any(part in ("", ".", "..") for part in parts):
            return None
        try:
            data = folder.joinpath(*parts).read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(data).hexdigest() != digest:
            return None
        files.append(parts)
    return files if len(files) > 1 else None


def _pagefind(
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
