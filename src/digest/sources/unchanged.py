"""Local source files that did not change since the last build are not read again.

As an HTTP feed is asked "modified since?" with its ETag and Last-Modified, a local
file is looked at in two steps, against what the last build recorded of it
(:class:`~digest.source_state.FileState`):

1. ``stat``: the same size and modification time (nanoseconds) -> skipped unread;
2. else its bytes, read once and hashed: the same SHA-256 -> not parsed again (only its
   new time is recorded); different -> parsed, and the new state recorded after.

A state records the ``reader`` key too (the code and the adapter's settings): a file
read under other limits or another timezone is read again.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from digest.model import Problem
from digest.source_state import FileState


class FileStates(Protocol):
    """Where file states are kept for adapters (:class:`digest.ingest.StateLog`)."""

    def file_state(self, source_id: str, path: str) -> FileState | None:
        """The recorded state of ``path`` of ``source_id``, None if never recorded."""
        ...

    def known_files(self, source_id: str) -> list[str]:
        """The paths recorded for ``source_id``, sorted."""
        ...

    def save_file_state(self, state: FileState) -> None:
        """Record ``state`` (replacing the file's previous one, or forgetting it)."""
        ...


@dataclass(frozen=True)
class Look:
    """What :func:`look` found of one file."""

    #: True: unchanged (by time and size, or by hash); do not parse it.
    unchanged: bool
    #: The file's bytes, when they were read (None: skipped unread, or unreadable).
    data: bytes | None
    #: The state to record once the file is parsed (None: cannot stat it; record nothing).
    state: FileState | None


def look(
    states: FileStates | None, source_id: str, path: Path, reader: str, max_bytes: int
) -> Look:
    """Whether ``path`` changed since it was recorded, reading as little as can tell.

    At most ``max_bytes + 1`` bytes are read (what the adapter's cap would read); a
    file that cannot be stat'ed or read is "changed", so the adapter reads it as
    before and reports why it cannot.
    """
    try:
        stat = os.stat(path)
    except OSError:
        return Look(False, None, None)
    known = states.file_state(source_id, str(path)) if states is not None else None
    if known is not None and known.reader != reader:
        known = None
    if known is not None and (known.size, known.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
        return Look(True, None, known)
    try:
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError:
        return Look(False, None, None)
    digest = hashlib.sha256(data).hexdigest()
    state = FileState(source_id, str(path), stat.st_size, stat.st_mtime_ns, digest, reader)
    if known is not None and known.sha256 == digest:
        state = replace(state, problems=known.problems)
        if states is not None:
            states.save_file_state(state)
        return Look(True, data, state)
    return Look(False, data, state)


def record(states: FileStates | None, state: FileState | None, problems: list[Problem]) -> None:
    """Record ``state`` with the problems its reading met (nothing without a state)."""
    if states is not None and state is not None:
        states.save_file_state(replace(state, problems=tuple(problems)))


def forget_missing(states: FileStates | None, source_id: str, present: set[str]) -> None:
    """Forget the recorded files of ``source_id`` not in ``present`` (removed files).

    Their items stay in the store: a build never deletes items.
    """
    if states is None:
        return
    for path in states.known_files(source_id):
        if path not in present:
            states.save_file_state(FileState(source_id, path, 0, 0, "", "", forget=True))
