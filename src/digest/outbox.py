"""The outbox: where editions and feeds are published, atomically.

Layout (a contract with feed readers and senders)::

    editions/<edition-id>/manifest.json
    editions/<edition-id>/email.<langs>.html, email.<langs>.txt, message.<langs>.eml
    feeds/editions.<lang>.xml, feeds/editions.<lang>.atom       RSS 2.0 / Atom 1.0
    feeds/themes/<theme-id>.<lang>.xml, .atom                  one feed per theme
    web/<lang>/index.html, web/<lang>/<edition-id>.html, web/<lang>/<edition-id>.how.html

An edition is written into a hidden folder beside its target and renamed into
place; a single file goes through a temporary file and :func:`os.replace`.
Nothing is rewritten when its bytes did not change, and no name can lead
outside the outbox.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from digest.errors import RenderError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
MANIFEST = "manifest.json"


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


class Outbox:
    """An outbox folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, *parts: str) -> Path:
        """``root/part/...``, refusing any part that could leave the outbox.

        Raises:
            RenderError: a part is empty, hidden, has a separator or ``..``.
        """
        for part in parts:
            if not _SAFE_NAME.match(part) or ".." in part:
                raise RenderError(f"unsafe outbox name {part!r}")
        target = self.root.joinpath(*parts)
        root = self.root.resolve()
        if root != target.resolve() and root not in target.resolve().parents:
            raise RenderError(f"{target} is outside the outbox {root}")
        return target

    def write_edition(
        self, edition_id: str, files: Mapping[str, bytes], manifest: dict[str, Any]
    ) -> bool:
        """Publish an edition's files and manifest; False when it was already identical.

        The manifest records the SHA-256 of every file.
        """
        manifest = {
            **manifest,
            "files": {name: sha256(data) for name, data in sorted(files.items())},
        }
        contents = {name: data for name, data in files.items()}
        contents[MANIFEST] = manifest_bytes(manifest)
        target = self.path("editions", edition_id)
        if _same_folder(target, contents):
            return False
        staging = target.with_name(f".{edition_id}.new")
        retired = target.with_name(f".{edition_id}.old")
        for leftover in (staging, retired):
            shutil.rmtree(leftover, ignore_errors=True)
        staging.mkdir(parents=True)
        for name, data in sorted(contents.items()):
            self.path("editions", edition_id, name)  # validates the name
            _write_synced(staging / name, data)
        if target.exists():
            target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
        return True

    def write_file(self, data: bytes, *parts: str) -> bool:
        """Replace one file atomically; False when it already held ``data``."""
        target = self.path(*parts)
        if target.is_file() and target.read_bytes() == data:
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        _write_synced(temporary, data)
        os.replace(temporary, target)
        return True

    def manifests(self) -> list[dict[str, Any]]:
        """The manifests of every published edition, by edition id."""
        folder = self.root / "editions"
        if not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.glob(f"*/{MANIFEST}")):
            try:
                found.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                raise RenderError(f"{path}: unreadable manifest: {exc}") from exc
        return found


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """Canonical JSON: sorted keys, two-space indent, UTF-8, final newline."""
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _same_folder(folder: Path, contents: Mapping[str, bytes]) -> bool:
    if not folder.is_dir():
        return False
    present = {p.name for p in folder.iterdir()}
    if present != set(contents):
        return False
    return all((folder / name).read_bytes() == data for name, data in contents.items())


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
