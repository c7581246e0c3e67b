"""What the last build saw: each local source file's size, time and hash, each edition's inputs.

A build skips what did not change, as HTTP feeds do with ETag and Last-Modified:

- a local source file (an article file, a local feed, a reviewed translation file) is
  not read again while its size and modification time are those recorded, and not
  parsed again when only its time changed and its bytes hash the same
  (:class:`FileCheck`, :mod:`digest.sources.unchanged`);
- an edition whose inputs hash to the key recorded when it was published, and whose
  manifest in the outbox is still the one then written, is not built again
  (:mod:`digest.incremental`).

The tables are :data:`digest.schema.source_files_table` and
:data:`digest.schema.edition_inputs_table`; this module holds their queries, on the
store's engine. What may be kept here is only ever a way to skip work: a lost row
costs one more read or build, never a wrong result.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sysconfig
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Text, bindparam, cast, select
from sqlalchemy.exc import SQLAlchemyError

from digest import sqlite_file
from digest.errors import StoreError
from digest.model import Problem
from digest.schema import edition_inputs_table, source_files_table

#: The package's own folder: its code, models and templates shape every result.
PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class FileState:
    """What a build saw of one local source file."""

    #: The source it belongs to (an adapter's id).
    source_id: str
    #: The file, as the adapter names it.
    path: str
    size: int
    mtime_ns: int
    #: SHA-256 of its bytes.
    sha256: str
    #: Hash of what else shaped its reading (code, limits, timezone): see :func:`reader_key`.
    reader: str
    #: The problems its reading met, replayed when it is skipped.
    problems: tuple[Problem, ...] = ()
    #: True: the file is gone, forget its state (its items stay in the store).
    forget: bool = field(default=False, compare=False)

    def seen_as(self, reader: str, stat: os.stat_result) -> bool:
        """Whether the file, as ``stat`` shows it now, is the one recorded, read by
        ``reader``: the same size and modification time (nanoseconds), so not read again."""
        return (
            self.mtime_ns == stat.st_mtime_ns
            and self.size == stat.st_size
            and self.reader == reader
        )


@cache
def code_fingerprint() -> str:
    """SHA-256 of every file of the installed package (code, models, packaged templates),
    and of the names and versions of the installed distributions (Jinja2, Pagefind...).

    The version number does not change with every edit of a working copy; the files do.
    Read once per process (a few hundred small files).
    """
    digest = hashlib.sha256()
    for folder in sorted({sysconfig.get_paths()[name] for name in ("purelib", "platlib")}):
        with contextlib.suppress(OSError):
            # "Jinja2-3.1.4.dist-info": a name and a version, without reading any file.
            found = sorted(n for n in os.listdir(folder) if n.endswith(".dist-info"))
            digest.update("\0".join(found).encode() + b"\0")
    for path in sorted(PACKAGE.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def reader_key(*parts: object) -> str:
    """The key of what shapes the reading of a file besides its bytes: the code, and
    ``parts`` (an adapter's limits, timezone, title...), by their ``repr``."""
    text = "\0".join([code_fingerprint(), *map(repr, parts)])
    return hashlib.sha256(text.encode()).hexdigest()


def file_states(engine: Engine, source_ids: Iterable[str] | None = None) -> list[FileState]:
    """The recorded states of the files of ``source_ids`` (None: of every source)."""
    table = source_files_table
    # Read at every build, a row per local file: plain columns, and the problems as their
    # JSON text, decoded here only when there are any (most files have none).
    query = select(
        table.c.source_id,
        table.c.path,
        table.c.size,
        table.c.mtime_ns,
        table.c.sha256,
        table.c.reader,
        cast(table.c.problems, Text),
    ).order_by(table.c.source_id, table.c.path)
    if source_ids is not None:
        query = query.where(table.c.source_id.in_(list(source_ids)))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        FileState(source_id, path, size, mtime_ns, sha256, reader, _problems(problems))
        for source_id, path, size, mtime_ns, sha256, reader, problems in rows
    ]


class FileLog:
    """The recorded states of one source's files, read in one query, and the saves since,
    written together by :meth:`write` (the search index's files: :mod:`digest.render.search`).
    """

    def __init__(self, engine: Engine, source_id: str) -> None:
        self._engine = engine
        self._known = {state.path: state for state in file_states(engine, [source_id])}
        self._saved: list[FileState] = []

    def file_state(self, source_id: str, path: str) -> FileState | None:
        """The latest state of ``path``, None if never recorded."""
        state = self._known.get(path)
        return state if state is not None and state.source_id == source_id else None

    def known_files(self, source_id: str) -> list[str]:
        """The paths recorded, sorted."""
        return sorted(path for path, state in self._known.items() if state.source_id == source_id)

    def save_file_state(self, state: FileState) -> None:
        """Remember ``state`` (or forget the file) until :meth:`write`."""
        if state.forget:
            self._known.pop(state.path, None)
        else:
            self._known[state.path] = state
        self._saved.append(state)

    def write(self) -> None:
        """Record the states saved since the last call (one transaction).

        Raises:
            StoreError: they cannot be written.
        """
        saved, self._saved = self._saved, []
        save_file_states(self._engine, saved)


def save_file_states(engine: Engine, states: Sequence[FileState]) -> None:
    """Record ``states`` (one transaction), replacing those of the same files; a state
    with ``forget`` removes its file's row."""
    if not states:
        return
    try:
        with engine.begin() as conn:
            write_file_states(conn, states)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot record source files: {sqlite_file.reason(exc)}") from exc


def write_file_states(conn: Connection, states: Sequence[FileState]) -> None:
    """:func:`save_file_states` in the transaction of ``conn``."""
    if not states:
        return
    table = source_files_table
    # The last state of each file wins, as if each were written in turn: one statement
    # for all the deletions, one for all the rows (a search index remade saves hundreds).
    last = {(state.source_id, state.path): state for state in states}
    rows = [_state_to_row(state) for state in last.values() if not state.forget]
    conn.execute(
        table.delete()
        .where(table.c.source_id == bindparam("old_source"))
        .where(table.c.path == bindparam("old_path")),
        [{"old_source": source, "old_path": path} for source, path in last],
    )
    if rows:
        conn.execute(table.insert(), rows)


def edition_inputs(engine: Engine) -> dict[str, tuple[str, str]]:
    """For each edition built: the key of its inputs and the hash of its manifest."""
    table = edition_inputs_table
    with engine.connect() as conn:
        rows = conn.execute(select(table.c.edition_id, table.c.inputs, table.c.manifest))
        return {row.edition_id: (row.inputs, row.manifest) for row in rows}


def save_edition_inputs(engine: Engine, edition_id: str, inputs: str, manifest: str) -> None:
    """Record what ``edition_id`` was built from and the manifest it left."""
    table = edition_inputs_table
    try:
        with engine.begin() as conn:
            conn.execute(table.delete().where(table.c.edition_id == edition_id))
            conn.execute(
                table.insert().values(edition_id=edition_id, inputs=inputs, manifest=manifest)
            )
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot record the inputs of {edition_id}: {sqlite_file.reason(exc)}"
        ) from exc


def forget_edition_inputs(engine: Engine, edition_id: str) -> None:
    """Forget what ``edition_id`` was built from: the next build builds it again."""
    table = edition_inputs_table
    try:
        with engine.begin() as conn:
            conn.execute(table.delete().where(table.c.edition_id == edition_id))
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot record the inputs of {edition_id}: {sqlite_file.reason(exc)}"
        ) from exc


def _state_to_row(state: FileState) -> dict[str, Any]:
    return {
        "source_id": state.source_id,
        "path": state.path,
        "size": state.size,
        "mtime_ns": state.mtime_ns,
        "sha256": state.sha256,
        "reader": state.reader,
        "problems": [
            [p.location, p.what, p.action, p.kind, p.subject, p.count] for p in state.problems
        ],
    }


def _problems(text: str | None) -> tuple[Problem, ...]:
    """The problems of a row of ``source_files``, from their JSON text."""
    if not text or text == "[]":
        return ()
    return tuple(
        Problem(location, what, action, kind=kind, subject=subject, count=count)
        for location, what, action, kind, subject, count in json.loads(text) or ()
    )
