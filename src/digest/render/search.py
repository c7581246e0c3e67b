"""Full-text search of the web archive as static files, indexed by Pagefind in bundles.

`Pagefind <https://pagefind.app>`_ (the ``pagefind[extended]`` package ships its
binary) indexes the editions' pages once they are written, one index per language (from
each page's ``<html lang>``). Only what an edition page marks ``data-pagefind-body`` is
indexed: the editions' stories, not the navigation or the "how" pages. It runs offline;
``PAGEFIND_BINARY_PATH`` names another binary.

The archive is indexed in bundles, one per year of the editions' periods (the year their
period starts), and one per month in the newest year, so that a build that changed this
week's edition indexes this month's pages, not the whole archive or year again; the search
pages merge the bundles in the browser (Pagefind's ``mergeIndex``). When a new year begins,
the months of the one before become a single bundle, once::

    web/pagefind/pagefind-ui.js, pagefind-ui.css   the search interface, once
    web/pagefind/<year>/                            a year's bundle: pagefind.js, its
                                                    WebAssembly, index and fragments
    web/pagefind/<year>-<month>/                    a month's bundle, in the newest year
    web/pagefind/<bundle>/pages.key                 what the bundle was made from

``pages.key`` holds the SHA-256 of the Pagefind version (the name and version of the
package that ships the binary; the binary's bytes for another one) and of every page of the
bundle (path and bytes), then the SHA-256 and name of each file of the bundle: a bundle whose
pages are the same and whose files are all there, unchanged, is not made again. As for local
sources (:mod:`digest.sources.unchanged`), a page or bundle file whose size and modification
time are those recorded in the store (:class:`FileStates`) is not read again: its hash is
the one recorded. Pagefind writes the
languages of ``pagefind-entry.json`` in no fixed order: the file is rewritten with them
sorted, so the same pages give the same bundle bytes. A bundle is made in a temporary
folder, then written file by file through the outbox (unchanged files are left alone);
files of older bundles, or of the single index older versions made, are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pagefind.service import get_executable

from digest.errors import RenderError
from digest.outbox import Outbox
from digest.render.pagefind_run import SEARCH_ERROR, binary_version, run_pagefind
from digest.render.web import WEB, page_path
from digest.source_state import FileState

#: The folder of the bundles under ``web/``.
BUNDLE = "pagefind"
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
#: How many Pagefind runs go on at once (at most one per core).
_AT_ONCE = 2
#: Changes when bundles must be made again whatever their pages (a new layout).
_LAYOUT = b"digest bundles 1\n"
#: The source id the states of the pages and bundle files are recorded under (with a
#: ":", unlike the adapters' ids; their paths, under ``web/``, are no source file's either).
FILES_SOURCE = ":search-index"
#: The ``reader`` of those states: a page's hash depends on nothing but its bytes.
_READER = "bytes"


class FileStates(Protocol):
    """Where the states of the pages and bundle files are kept between builds
    (:class:`digest.source_state.FileLog`)."""

    def file_state(self, source_id: str, path: str) -> FileState | None:
        """The recorded state of ``path``, None if never recorded."""
        ...

    def known_files(self, source_id: str) -> list[str]:
        """The paths recorded, sorted."""
        ...

    def save_file_state(self, state: FileState) -> None:
        """Record ``state`` (replacing the file's previous one, or forgetting it)."""
        ...


@dataclass(frozen=True)
class Bundle:
    """The pages of one year, or one month, of the archive, indexed together."""

    #: The year, or the month (``2025-12``), the bundle's folder name under ``web/pagefind/``.
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
    """The archive's bundles, newest first: the edition pages of ``pages`` (those that exist,
    see :func:`web_pages`) of each year, or of each month of the newest year (named
    ``YYYY-MM``), by the day their period starts."""
    months: dict[str, set[tuple[str, str, str]]] = {}
    for manifest in manifests:
        month = str(manifest["period"]["start"])[:7]
        for lang in manifest.get("views", {}):
            parts = page_path(lang, str(manifest["edition"]))
            if parts in pages:
                months.setdefault(month, set()).add(parts)
    newest = max(months)[:4] if months else ""
    chosen: dict[str, set[tuple[str, str, str]]] = {}
    for month, found in months.items():
        chosen.setdefault(month if month[:4] == newest else month[:4], set()).update(found)
    return tuple(
        Bundle(name, tuple(sorted(found)), frozenset(parts[1] for parts in found))
        for name, found in sorted(chosen.items(), reverse=True)
    )


def bundle_paths(found: Sequence[Bundle], lang: str) -> tuple[str, ...]:
    """The bundles a search page in ``lang`` merges, relative to it, newest first."""
    return tuple(f"../{BUNDLE}/{b.name}/" for b in found if lang in b.languages)


def index_archive(outbox: Outbox, found: Sequence[Bundle], states: FileStates | None = None) -> int:
    """Make the bundles of ``found`` whose pages changed; count the files changed.

    ``states``: what the last build recorded of each page and bundle file (None: every
    one is read); the states of this run are saved there.

    Raises:
        RenderError: no Pagefind binary, or Pagefind failed (its last line of output).
    """
    binary = get_executable()
    if binary is None:
        raise RenderError(f"{SEARCH_ERROR}no pagefind binary (pip install 'pagefind[extended]')")
    try:
        tool = hashlib.sha256(_LAYOUT + binary_version(binary)).digest()
    except OSError as error:
        raise RenderError(f"{SEARCH_ERROR}pagefind did not run: {error}") from error
    bundle = outbox.path(WEB, BUNDLE)
    keep: set[tuple[str, ...]] = {(name,) for name in UI_FILES if (bundle / name).is_file()}
    # Without its interface files the search pages show nothing: one bundle gives them.
    ui_missing = len(keep) < len(UI_FILES)
    if not found:
        return remove_index(outbox)
    hashes = _Hashes(outbox.root, states)
    changed = 0
    # The bundles to make, then each one's files as Pagefind made them, in order.
    todo: list[Bundle] = []
    for each in found:
        # Listed by web_pages: no part can leave the outbox.
        key = _key(tool, {parts: hashes.of(parts) for parts in each.pages})
        folder = (WEB, BUNDLE, each.name)
        # The first bundle made gives the interface files: made anyway when they are missing.
        made = None if ui_missing and not todo else _made(hashes, folder, key)
        if made is not None:
            keep.update((each.name, *parts) for parts in made)
        else:
            todo.append(each)
    for each, (key, files) in zip(todo, _bundles(binary, tool, outbox.root, todo), strict=True):
        folder = (WEB, BUNDLE, each.name)
        listed = []
        for parts, data in files.items():
            if len(parts) == 1 and parts[0] in UI_FILES:
                # The same in every bundle a binary makes: once, beside them.
                changed += outbox.write_file(data, WEB, BUNDLE, *parts)
                keep.add(parts)
                continue
            changed += outbox.write_file(data, *folder, *parts)
            hashes.written((*folder, *parts), data)
            keep.add((each.name, *parts))
            listed.append(f"{hashlib.sha256(data).hexdigest()} {'/'.join(parts)}\n")
        # Last: a bundle cut short is made again at the next build.
        record = key + "".join(sorted(listed, key=lambda line: line[65:])).encode()
        changed += outbox.write_file(record, *folder, KEY)
        keep.add((each.name, KEY))
    hashes.forget_others()
    return changed + remove_index(outbox, keep=keep)


class _Hashes:
    """The SHA-256 of outbox files (pages, bundle files), from their recorded state when
    their size and modification time are those recorded, else from their bytes."""

    def __init__(self, root: Path, states: FileStates | None) -> None:
        self._root = str(root)
        self._states = states
        self._seen: set[str] = set()

    def of(self, parts: tuple[str, ...]) -> bytes:
        """The SHA-256 of the file at ``parts`` (under the outbox).

        Raises:
            OSError: it cannot be read.
        """
        name = "/".join(parts)
        path = os.path.join(self._root, *parts)
        self._seen.add(name)
        # stat before reading: a file changed in between is recorded as older than it is,
        # so it is read again next time.
        stat = os.stat(path)
        known = self._states.file_state(FILES_SOURCE, name) if self._states else None
        if known is not None and known.seen_as(_READER, stat):
            return bytes.fromhex(known.sha256)
        with open(path, "rb") as file:
            digest = hashlib.sha256(file.read()).digest()
        self._save(name, stat, digest)
        return digest

    def read(self, *parts: str) -> bytes:
        """The bytes of the file at ``parts`` (under the outbox)."""
        with open(os.path.join(self._root, *parts), "rb") as file:
            return file.read()

    def written(self, parts: tuple[str, ...], data: bytes) -> None:
        """Record the file at ``parts`` as just written with ``data``."""
        name = "/".join(parts)
        self._seen.add(name)
        with contextlib.suppress(OSError):
            stat = os.stat(os.path.join(self._root, *parts))
            if stat.st_size == len(data):
                self._save(name, stat, hashlib.sha256(data).digest())

    def forget_others(self) -> None:
        """Forget the recorded files not looked at in this run (gone, or no longer used)."""
        if self._states is None:
            return
        for name in self._states.known_files(FILES_SOURCE):
            if name not in self._seen:
                self._states.save_file_state(
                    FileState(FILES_SOURCE, name, 0, 0, "", "", forget=True)
                )

    def _save(self, name: str, stat: os.stat_result, digest: bytes) -> None:
        if self._states is None:
            return
        known = self._states.file_state(FILES_SOURCE, name)
        state = FileState(FILES_SOURCE, name, stat.st_size, stat.st_mtime_ns, digest.hex(), _READER)
        if known != state:
            self._states.save_file_state(state)


def remove_index(outbox: Outbox, keep: Collection[tuple[str, ...]] = ()) -> int:
    """Remove the files of ``web/pagefind/`` but those of ``keep`` (parts under it), and
    the folders left empty; count the files removed."""
    bundle = outbox.path(WEB, BUNDLE)
    if not bundle.is_dir():
        return 0
    removed = 0
    root = str(bundle)
    # One walk of plain names (a bundle is thousands of files): the deepest folders first.
    for folder, _, files in os.walk(root, topdown=False):
        under = os.path.relpath(folder, root)
        prefix = () if under == "." else tuple(under.split(os.sep))
        for name in files:
            if (*prefix, name) not in keep:
                os.unlink(os.path.join(folder, name))
                removed += 1
        if prefix and not os.listdir(folder):
            os.rmdir(folder)
    if not os.listdir(root):
        os.rmdir(root)
    return removed


def _bundles(
    binary: Path | str, tool: bytes, root: Path, todo: Sequence[Bundle]
) -> Iterator[tuple[bytes, dict[tuple[str, ...], bytes]]]:
    """Each bundle of ``todo`` made by Pagefind (its key, its files), in order.

    Pagefind runs for :data:`_AT_ONCE` bundles at a time: a program of its own, it runs on
    another core while this process waits for it or writes the bundle before. A bundle
    that fails stops the rest: those not started are not.
    """
    if not todo:
        return

    def make(each: Bundle) -> tuple[bytes, dict[tuple[str, ...], bytes]]:
        pages = {parts: root.joinpath(*parts).read_bytes() for parts in each.pages}
        # Keyed by the bytes indexed (a page rewritten since it was hashed).
        key = _key(tool, {parts: hashlib.sha256(data).digest() for parts, data in pages.items()})
        return key, run_pagefind(binary, pages)

    at_once = max(1, min(_AT_ONCE, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="digest-pagefind") as pool:
        running = [pool.submit(make, each) for each in todo[:at_once]]
        waiting = iter(todo[at_once:])
        try:
            while running:
                done = running.pop(0).result()
                if (following := next(waiting, None)) is not None:
                    running.append(pool.submit(make, following))
                yield done
        finally:
            for future in running:
                future.cancel()


def _key(tool: bytes, pages: Mapping[tuple[str, ...], bytes]) -> bytes:
    """What a bundle is made from: the Pagefind version and every page, by path and the
    SHA-256 of its bytes (``pages``)."""
    digest = hashlib.sha256(tool)
    for parts, hashed in sorted(pages.items()):
        digest.update("/".join(parts).encode() + b"\0")
        digest.update(hashed)
    return (digest.hexdigest() + "\n").encode()


def _made(hashes: _Hashes, folder: tuple[str, ...], key: bytes) -> list[tuple[str, ...]] | None:
    """The files of the bundle in ``folder`` (outbox parts; its key file included) when it
    was made from what ``key`` says and each file it listed is there with its bytes; else
    None."""
    try:
        record = hashes.read(*folder, KEY)
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
            hashed = hashes.of((*folder, *parts))
        except (OSError, ValueError):
            return None
        if hashed.hex() != digest:
            return None
        files.append(parts)
    return files if len(files) > 1 else None
