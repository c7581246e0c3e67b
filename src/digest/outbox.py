"""The outbox: where editions and feeds are published, atomically.

Layout (a contract with feed readers and senders)::

    editions/<edition-id>/manifest.json
    editions/<edition-id>/email.<langs>.html, email.<langs>.txt, message.<langs>.eml
    feeds/editions.<lang>.xml, feeds/editions.<lang>.atom       RSS 2.0 / Atom 1.0
    feeds/themes/<theme-id>.<lang>.xml, .atom                  one feed per theme
    web/<lang>/index.html, web/<lang>/<edition-id>.html, web/<lang>/<edition-id>.how.html
    web/pagefind/<year>/, <year>-<month>/                       search index of a year, or of a
                                                                month of the newest year
    .feeds-cache.json       the feeds' entry keys: a build renders only new entries

An edition is written into a hidden folder beside its target and renamed into
place; a single file goes through a temporary file and :func:`os.replace`.
Nothing is rewritten when its bytes did not change, and no name can lead
outside the outbox. Temporary names carry the writer's process id
(``.weekly-2021-W06.4242.new``, ``.editions.fr.xml.4242.tmp``), so what a killed
writer left can be told from what a running one is writing, and removed by
:meth:`Outbox.clean_leftovers` (one machine per outbox: ids are this machine's).

A writer first takes the outbox's lock file, ``.lock`` (:meth:`Outbox.open`): a
second build on the same outbox waits for the first to finish, then goes on, or
gives up with one line after ``outbox_wait`` seconds. A write that fails (a full
disk, a read-only or foreign-owned folder) is one :class:`OutboxError` naming the
file and the cause; what was published before stays as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from digest.errors import OutboxError, RenderError
from digest.locks import FileLock
from digest.outbox_files import failing as _failing
from digest.outbox_files import holds as _holds
from digest.outbox_files import running as _running
from digest.outbox_files import same_folder as _same_folder
from digest.outbox_files import sync_folder as _sync_folder

# Looked up here at each write (the crash tests replace it).
from digest.outbox_files import write_synced as _write_synced

log = logging.getLogger("digest.outbox")

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
# A temporary name: the target's name, the writer's process id (absent in older
# versions), and what it is: a new edition folder, a replaced one, a file.
_LEFTOVER = re.compile(r"^\.(?P<name>.+?)(?:\.(?P<pid>\d+))?\.(?P<kind>new|old|tmp)$")
MANIFEST = "manifest.json"
#: The writers' lock file, in the outbox's root.
LOCK = ".lock"
#: Seconds a writer waits for another one by default.
WAIT = 600.0
#: How many files of an edition are written at once.
_WRITERS = 4
#: The folder of the editions whose sending began, one empty file each (see :meth:`mark_sent`).
SENT = ".sent"


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


class Outbox:
    """An outbox folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = FileLock(root / LOCK)
        # The root's real path, once this writer made it (:meth:`open`): every path it
        # writes is checked against it, and resolving it again for each file was a fifth
        # of what writing an edition's files cost.
        self._real_root: Path | None = None
        # What the last manifests() read: each edition's manifest, and its file's SHA-256.
        self._read: dict[str, tuple[dict[str, Any], str]] = {}

    def open(self, *, wait: float = WAIT) -> None:
        """Become the outbox's writer: create it, take its lock, remove what killed writers left.

        Another process writing the outbox (a build, a scheduled run) is waited for, at
        most ``wait`` seconds; a line is logged when waiting starts. The lock is held
        until :meth:`close` or the end of the process.

        Raises:
            OutboxError: the outbox cannot be created or written, or stayed locked.
        """
        with _failing("cannot write to the outbox", self.root):
            if self.root.exists() and not self.root.is_dir():
                root = self.root.absolute()
                raise OutboxError(str(root), f"outbox {root} is a file, not a folder")
            self.root.mkdir(parents=True, exist_ok=True)
            self._real_root = self.root.resolve()
            taken = self._lock.acquire(wait, self._waiting(wait))
        if not taken:
            raise OutboxError(
                str(self._lock.path),
                f"outbox {self.root.absolute()} is locked by another digest process (pid "
                f"{self._lock.holder()}, lock file {self._lock.path.absolute()}) after waiting "
                f"{wait:g} s;"
                " try again when it has finished",
            )
        try:
            for folder in (self.root, *(self.root / n for n in ("editions", "feeds", "web"))):
                if folder.is_dir():
                    self._probe(folder)
            self.clean_leftovers()
        except BaseException:
            self.close()
            raise

    def _waiting(self, wait: float) -> Callable[[str], None]:
        def tell(holder: str) -> None:
            log.warning(
                "digest: outbox %s is being written by another digest process (pid %s); "
                "waiting for it, at most %g s",
                self.root.absolute(),
                holder,
                wait,
            )

        return tell

    def _probe(self, folder: Path) -> None:
        # Fail before the sources are read, not half-way through the editions.
        probe = folder / f".probe.{os.getpid()}.tmp"
        with _failing("cannot write to the outbox", folder):
            probe.write_bytes(b"")
            probe.unlink()

    def close(self) -> None:
        """Give the writers' lock back (see :meth:`open`)."""
        self._lock.release()

    def path(self, *parts: str) -> Path:
        """``root/part/...``, refusing any part that could leave the outbox.

        Raises:
            RenderError: a part is empty, hidden, has a separator or ``..``.
        """
        for part in parts:
            if not _SAFE_NAME.match(part) or ".." in part:
                raise RenderError(f"unsafe outbox name {part!r}")
        target = self.root.joinpath(*parts)
        root = self._real_root or self.root.resolve()
        real = target.resolve()
        if root != real and root not in real.parents:
            raise RenderError(f"{target} is outside the outbox {root}")
        return target

    def write_edition(
        self, edition_id: str, files: Mapping[str, bytes], manifest: dict[str, Any]
    ) -> bool:
        """Publish an edition's files and manifest; False when it was already identical.

        The manifest records the SHA-256 of every file.
        """
        contents = {name: data for name, data in files.items()}
        contents[MANIFEST] = manifest_bytes(_with_hashes(files, manifest))
        target = self.path("editions", edition_id)
        self._read.pop(edition_id, None)
        if _same_folder(target, contents):
            return False
        self.clean_leftovers(target.parent, prefix=f".{edition_id}.")
        staging = target.with_name(f".{edition_id}.{os.getpid()}.new")
        retired = target.with_name(f".{edition_id}.{os.getpid()}.old")
        writing = staging
        try:
            with _failing(f"cannot write edition {edition_id}", lambda: writing):
                staging.mkdir(parents=True)
                names = sorted(contents)
                for name in names:
                    self.path("editions", edition_id, name)  # validates the name
                # Written at once: each file's sync to disk overlaps the others'.
                with ThreadPoolExecutor(_WRITERS, thread_name_prefix="digest-outbox") as pool:
                    writes = [pool.submit(_write_synced, staging / n, contents[n]) for n in names]
                    try:
                        for name, write in zip(names, writes, strict=True):
                            writing = target / name  # named as it will be published
                            write.result()
                    finally:
                        for write in writes:
                            write.cancel()  # those not started, after a failure
                writing = staging
                _sync_folder(staging)
                if target.exists():
                    writing = target
                    target.rename(retired)
                staging.rename(target)
                _sync_folder(target.parent)
        except BaseException:
            with contextlib.suppress(OSError):
                if retired.exists() and not target.exists():
                    retired.rename(target)
            shutil.rmtree(staging, ignore_errors=True)
            raise
        shutil.rmtree(retired, ignore_errors=True)
        return True

    def manifest(self, edition_id: str) -> dict[str, Any] | None:
        """The published manifest of ``edition_id``; None when there is none or it is unreadable."""
        try:
            data = json.loads(self.path("editions", edition_id, MANIFEST).read_bytes())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def holds(self, edition_id: str, files: Mapping[str, bytes], manifest: dict[str, Any]) -> bool:
        """Whether the published manifest of ``edition_id`` is the one these would write."""
        path = self.path("editions", edition_id, MANIFEST)
        try:
            return path.read_bytes() == manifest_bytes(_with_hashes(files, manifest))
        except OSError:
            return False

    def clean_leftovers(self, folder: Path | None = None, *, prefix: str = ".") -> int:
        """Remove what killed writers left: hidden ``.new``/``.old`` folders, ``.tmp`` files.

        Looks through ``folder`` (default: the whole outbox) for names starting with
        ``prefix``; what a process still running here is writing is left alone. An
        edition killed between its two renames is put back first: its new folder (always
        complete once the old one was moved aside), else the old one.

        Returns:
            How many leftovers were removed or put back.
        """
        top = folder or self.root
        if not top.is_dir():
            return 0
        found: list[tuple[Path, re.Match[str]]] = []
        for where, dirs, names in os.walk(top):
            for name in sorted(dirs + names):
                match = _LEFTOVER.match(name)
                if name.startswith(prefix) and match and not _running(match["pid"]):
                    found.append((Path(where, name), match))
            dirs[:] = [d for d in dirs if not d.startswith(".")] if folder is None else []
        for path, match in found:
            target = path.with_name(match["name"])
            if match["kind"] == "old" and path.is_dir() and not target.exists():
                newer = path.with_name(path.name[: -len("old")] + "new")
                (newer if newer.is_dir() else path).rename(target)
        for path, _ in found:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                path.unlink(missing_ok=True)
        return len(found)

    def write_file(self, data: bytes, *parts: str) -> bool:
        """Replace one file atomically; False when it already held ``data``."""
        target = self.path(*parts)
        if _holds(target, data):
            return False
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with _failing("cannot write", target):
                target.parent.mkdir(parents=True, exist_ok=True)
                _write_synced(temporary, data)
                os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            raise
        return True

    def remove_file(self, *parts: str) -> bool:
        """Remove a file no longer made (named by a cache of this outbox); False when it was
        not there or its name is not one of the outbox's."""
        with contextlib.suppress(FileNotFoundError, RenderError):
            self.path(*parts).unlink()
            return True
        return False

    def mark_sent(self, edition_id: str) -> None:
        """Record, durably, that sending ``edition_id`` began (``.sent/<edition-id>``).

        The outbox outlives a store that is lost or replaced: ``digest send`` compares
        these records with the store's send log (:meth:`digest.deliver.Ledger.check_send_log`).

        Raises:
            OutboxError: the record cannot be written.
        """
        self.path("editions", edition_id)  # validates the name
        folder = self.root / SENT
        with _failing("cannot record the sending", folder / edition_id):
            folder.mkdir(exist_ok=True)
            descriptor = os.open(folder / edition_id, os.O_WRONLY | os.O_CREAT, 0o644)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            _sync_folder(folder)

    def sent_marks(self) -> list[str]:
        """The editions whose sending began (see :meth:`mark_sent`), sorted."""
        folder = self.root / SENT
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if _SAFE_NAME.match(p.name))

    def manifests(self) -> list[dict[str, Any]]:
        """The manifests of every published edition, by edition id."""
        folder = self.root / "editions"
        if not folder.is_dir():
            return []
        found = []
        self._read = {}
        for path in sorted(folder.glob(f"*/{MANIFEST}")):
            try:
                data = path.read_bytes()
                manifest = json.loads(data.decode("utf-8"))
            except (OSError, ValueError) as exc:
                raise RenderError(f"{path}: unreadable manifest: {exc}") from exc
            found.append(manifest)
            self._read[path.parent.name] = (manifest, sha256(data))
        return found

    def read_from(self, manifest: Mapping[str, Any]) -> str | None:
        """The SHA-256 of the manifest file ``manifest`` was read from, when it is one of
        the objects the last :meth:`manifests` returned (not a copy, and taken as not
        changed since) and its edition was not written since; else None."""
        read = self._read.get(str(manifest.get("edition")))
        return read[1] if read is not None and read[0] is manifest else None


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """Canonical JSON: sorted keys, two-space indent, UTF-8, final newline."""
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _with_hashes(files: Mapping[str, bytes], manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest as published: with the SHA-256 of every file."""
    return {**manifest, "files": {name: sha256(data) for name, data in sorted(files.items())}}
