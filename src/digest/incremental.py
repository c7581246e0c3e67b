"""Skipping what did not change: editions whose inputs are those they were built from
(the reviewed translation files: :mod:`digest.reviewed_files`).

An edition's inputs are keyed (SHA-256) before anything of it is built:

- what shapes every edition (:class:`InputKeys`): the package's files (code, models,
  packaged templates) and the installed distributions, the settings, the configured
  templates folder, the themes file and its learned weights, every translation the
  store keeps (reviewed and machine), and every file of the sources folder that is not
  an item source (editors' notes, the feed list, whatever comes next: only the article
  folder, the local feed files and the reviewed translations, keyed through the store,
  are left out);
- what shapes this one: its id, and every item of its period and of the clustering
  window before it, by its id and the hash of all its stored fields
  (:func:`digest.schema.fields_hash`: an item changed in place changes the key). These
  come from one index-only query for a build's whole range (:class:`ItemRevisions`):
  an unchanged edition reads none of its items.

A build records the key and the hash of the manifest it left (:mod:`digest.source_state`);
the next build skips the edition when both still match (and the manifest's files are
there). The feeds and web indexes of the whole outbox are rewritten only when the
outbox (every file's path, size and time) or the common inputs changed since they
last were (:meth:`InputKeys.outbox_unchanged`).

Conservative by design: anything not keyed here is left to rebuild, and an edition
whose building met any problem (a machine translator that failed, an unrenderable
part) is not recorded, so it is built again next time.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import json
import os
import re
from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, select

from digest.config import Settings
from digest.model import Period, Problem
from digest.outbox import LOCK, MANIFEST, Outbox
from digest.parts import span
from digest.periods import edition_id as period_edition_id
from digest.render.packaged import PACKAGED_TEMPLATES
from digest.schema import fields_hash, items_table, naive_utc, translations_table
from digest.source_state import (
    code_fingerprint,
    edition_inputs,
    forget_edition_inputs,
    save_edition_inputs,
)
from digest.sources.folder_walk import visible_files
from digest.store import batches

#: Settings that change how a build runs, never what it writes: changing them rebuilds no
#: edition.
NOT_IN_OUTPUT = {"ingest_workers", "outbox_wait", "smtp", "warn_example_values"}
#: The manifest hash recorded for a period that had nothing to publish.
NOTHING = "-"
#: An edition id whose folder needs no more checks than being no symlink.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,200}")
#: The row of ``edition_inputs`` that records the outbox as the feeds and indexes left it
#: (":" is in no edition id).
OUTBOX_ROW = ":outbox"


def folder_digest(folder: Path, *, leaving_out: Collection[Path] = ()) -> str:
    """SHA-256 of the visible files below ``folder`` (their paths and bytes), but those
    in ``leaving_out`` (files, or folders and all they hold); "" if absent."""
    if not folder.is_dir():
        return ""
    digest = hashlib.sha256()
    # The folders left out (the articles) are not walked: a build keys this at every run.
    for path in visible_files(folder, leaving_out=leaving_out):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def file_digest(path: Path | None) -> str:
    """SHA-256 of a file's bytes; "" when there is none."""
    if path is None or not path.is_file():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class InputKeys:
    """The keys of editions' inputs, and what the last build recorded of each edition.

    Made once per build (it reads the templates, the themes and the translations once).
    """

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        outbox: Outbox,
        learned: Path | None,
        item_sources: Collection[Path] = (),
    ) -> None:
        """``item_sources``: the files and folders of the sources folder that items are
        read from (keyed through the items); every other file there is an input."""
        self.engine = engine
        self.outbox = outbox
        self.zone = settings.zone
        parts = [
            code_fingerprint(),
            settings.model_dump_json(exclude=NOT_IN_OUTPUT),
            folder_digest(settings.paths.templates),
            folder_digest(PACKAGED_TEMPLATES),
            file_digest(settings.paths.themes),
            file_digest(learned),
            _translations_digest(engine),
            folder_digest(settings.paths.sources, leaving_out=item_sources),
        ]
        self._common = hashlib.sha256("\0".join(parts).encode()).digest()
        self._recorded = edition_inputs(engine)
        #: The outbox's editions folder, once checked (:meth:`_edition_folder`).
        self._editions: str | None = None

    def key(self, edition_id: str, items: bytes) -> str:
        """The key of an edition's inputs: ``items`` are those it is built from, as
        :meth:`ItemRevisions.between` gives them."""
        digest = hashlib.sha256(self._common)
        digest.update(edition_id.encode() + b"\0")
        digest.update(items)
        return digest.hexdigest()

    def periods(self, periods: Sequence[Period]) -> list[tuple[Period, str, str]]:
        """Each period with its edition's id and the key of that edition's inputs, its
        items keyed from one query over the whole range (none of them read)."""
        if not periods:
            return []
        revisions = ItemRevisions(
            self.engine, span(periods[0], self.zone)[0], span(periods[-1], self.zone)[1]
        )
        found = []
        for period in periods:
            edition_id = period_edition_id(period)
            items = revisions.between(*span(period, self.zone))
            found.append((period, edition_id, self.key(edition_id, items)))
        return found

    def unchanged(self, edition_id: str, key: str) -> bool:
        """Whether ``edition_id`` was built from inputs with this key, and the outbox
        still holds what that build left."""
        recorded = self._recorded.get(edition_id)
        if recorded is None or recorded[0] != key:
            return False
        return recorded[1] == NOTHING or recorded[1] == self._manifest_digest(edition_id)

    def record(
        self, edition_id: str, key: str, published: bool, problems: Sequence[Problem]
    ) -> None:
        """Record what ``edition_id`` was just built from (``published``: it was written
        to the outbox; False: the period had nothing to publish). An edition whose
        building met ``problems`` is forgotten instead: it is built again next time."""
        if problems:
            if edition_id in self._recorded:
                forget_edition_inputs(self.engine, edition_id)
                del self._recorded[edition_id]
            return
        manifest = self._manifest_digest(edition_id) if published else NOTHING
        if manifest is None:
            return
        if self._recorded.get(edition_id) == (key, manifest):
            return  # nothing new to write
        save_edition_inputs(self.engine, edition_id, key, manifest)
        self._recorded[edition_id] = (key, manifest)

    def outbox_unchanged(self) -> bool:
        """Whether the outbox and the common inputs are as :meth:`record_outbox` left them."""
        recorded = self._recorded.get(OUTBOX_ROW)
        return recorded == (self._common.hex(), self._outbox_listing())

    def record_outbox(self) -> None:
        """Record the outbox as the feeds and the web indexes were just written into it."""
        now = (self._common.hex(), self._outbox_listing())
        if self._recorded.get(OUTBOX_ROW) != now:
            save_edition_inputs(self.engine, OUTBOX_ROW, *now)
            self._recorded[OUTBOX_ROW] = now

    def _outbox_listing(self) -> str:
        """SHA-256 of the path, size and modification time of every file of the outbox."""
        # Strings and scandir rather than pathlib: a few thousand files, at every build.
        lines: list[str] = []
        root = str(self.outbox.root)

        def walk(folder: str, inside: str) -> None:
            try:
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=_name)
            except OSError:
                return  # as os.walk: an unreadable folder lists nothing
            for entry in entries:
                relative = inside + entry.name
                if entry.is_dir():
                    if not entry.is_symlink():  # as os.walk: a symlinked folder is not walked
                        walk(entry.path, relative + "/")
                    continue
                if relative == LOCK:
                    continue  # taken by every writer, changes nothing
                with contextlib.suppress(OSError):
                    stat = entry.stat()
                    lines.append(f"{relative}\0{stat.st_size}\0{stat.st_mtime_ns}\0")

        walk(root, "")
        return hashlib.sha256("".join(lines).encode()).hexdigest()

    def _manifest_digest(self, edition_id: str) -> str | None:
        """SHA-256 of the edition's manifest (None: no manifest, or a file it lists is gone)."""
        try:
            folder = self._edition_folder(edition_id)
            with open(os.path.join(folder, MANIFEST), "rb") as file:
                data = file.read()
            files = _listed_files(data)
            with os.scandir(folder) as listing:
                present = {entry.name for entry in listing if entry.is_file()}
        except (OSError, ValueError):
            return None
        if not isinstance(files, dict):
            return None
        for name in map(str, files):
            # One listing of the folder rather than a stat per file; a name that is not
            # one of its files (a path below it) is looked at on its own.
            if name not in present and not os.path.isfile(os.path.join(folder, name)):
                return None
        return hashlib.sha256(data).hexdigest()

    def _edition_folder(self, edition_id: str) -> str:
        """The folder of ``edition_id`` in the outbox, checked as :meth:`Outbox.path` does.

        Raises:
            RenderError: the name, or where its folder leads, would leave the outbox.
        """
        if self._editions is None:
            self._editions = str(self.outbox.path("editions"))
        where = os.path.join(self._editions, edition_id)
        # A plain name whose folder is no symlink, in the editions folder checked once,
        # stays inside; anything else gets the outbox's own checks.
        if _PLAIN_NAME.fullmatch(edition_id) and not os.path.islink(where):
            return where
        return str(self.outbox.path("editions", edition_id))


class ItemRevisions:
    """The id and fields hash of every item published in a range of dates, by date then
    id: what keys an edition's items (:meth:`InputKeys.key`), read without the items."""

    def __init__(self, engine: Engine, start: datetime, end: datetime) -> None:
        """Read the items published in ``[start, end)`` (one query, on the index of
        ``items`` by date, id and hash)."""
        table = items_table
        # A row per item of the whole archive: the database joins its fields hash (32 hex
        # digits) and id into one string, so that a row is two values and no Python work.
        query = (
            select(table.c.published, table.c.fields_hash + table.c.id)
            .where(table.c.published >= naive_utc(start))
            .where(table.c.published < naive_utc(end))
            .order_by(table.c.published, table.c.id)
        )
        with engine.connect() as conn:
            result = conn.execute(query)
            # The driver's own rows (no Row objects, no dates made): published as the
            # database keeps it, which orders as the query did.
            found: Sequence[tuple[Any, str | None]] = result.cursor.fetchall()
            result.close()
            lines = [line for _, line in found]
            if None in lines:
                found = _with_hashes(conn, start, end)
                lines = [line for _, line in found]
        self._dates = [published for published, _ in found]
        self._lines = cast(list[str], lines)
        # How the query's bounds were sent: a date as the database keeps it (SQLite: text).
        dialect = engine.dialect
        self._stored = table.c.published.type.dialect_impl(dialect).bind_processor(dialect)

    def between(self, start: datetime, end: datetime) -> bytes:
        """The items published in ``[start, end)`` (within the range read), as keyed:
        each one's fields hash and id, ``\\0`` between two."""
        first = bisect.bisect_left(self._dates, self._bound(start))
        last = bisect.bisect_left(self._dates, self._bound(end))
        return "\0".join(self._lines[first:last]).encode()

    def _bound(self, when: datetime) -> Any:
        value = naive_utc(when)
        return value if self._stored is None else self._stored(value)


def _with_hashes(conn: Connection, start: datetime, end: datetime) -> list[tuple[Any, str | None]]:
    """:class:`ItemRevisions`' rows when some items were stored without a fields hash
    (by other means than digest's): theirs computed from their fields."""
    table = items_table
    query = (
        select(table.c.published, table.c.id, table.c.fields_hash)
        .where(table.c.published >= naive_utc(start))
        .where(table.c.published < naive_utc(end))
        .order_by(table.c.published, table.c.id)
    )
    result = conn.execute(query)
    found: Sequence[tuple[Any, str, str | None]] = result.cursor.fetchall()  # as above
    result.close()
    hashes = _hashed(conn, [item_id for _, item_id, hashed in found if hashed is None])
    return [
        (published, (hashed or hashes[item_id]) + item_id) for published, item_id, hashed in found
    ]


def _hashed(conn: Connection, ids: Sequence[str]) -> dict[str, str]:
    """The fields hashes of items stored without one (by other means than digest's)."""
    found: dict[str, str] = {}
    for chunk in batches(ids):
        query = select(items_table).where(items_table.c.id.in_(chunk))
        found.update((row.id, fields_hash(row._mapping)) for row in conn.execute(query))
    return found


def _translations_digest(engine: Engine) -> str:
    """SHA-256 of every translation the store keeps, in key order."""
    table = translations_table
    query = select(table).order_by(table.c.source_key, table.c.target_language)
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for row in conn.execute(query):
            digest.update(repr(tuple(row)).encode() + b"\0")
    return digest.hexdigest()


def _listed_files(manifest: bytes) -> Any:
    """The ``files`` of a manifest's JSON.

    A manifest as :func:`digest.outbox.manifest_bytes` writes it (sorted keys, two-space
    indent) holds them between the line ``"files": {`` and the next line ``}`` at that
    indent: only that part is parsed, not the stories and views (most of its bytes, at
    every build). Its hash, compared with the recorded one, vouches for the rest.

    Raises:
        ValueError: not JSON.
    """
    start = manifest.find(_FILES)
    if start != -1:
        end = manifest.find(b"\n  }", start)
        if end != -1:
            return json.loads(manifest[start + len(_FILES) - 2 : end + 4])
    whole = json.loads(manifest)
    return whole.get("files", {}) if isinstance(whole, dict) else {}


#: Where a manifest's files begin (:func:`_listed_files`).
_FILES = b'\n  "files": {\n'


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name
