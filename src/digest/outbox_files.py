"""The outbox's files on disk: written and synced, compared, their writers' errors told
(:mod:`digest.outbox` uses them).

A file is synced to disk before it is renamed into place and a folder after its entries
change, so that what a crash leaves is the old file or the new one; an error is one
:class:`~digest.errors.OutboxError` naming the file and the cause.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from digest.errors import OutboxError

__all__ = ["failing", "holds", "running", "same_folder", "sync_folder", "write_synced"]


#: What an operator is told for the errors a full, read-only or foreign disk gives.
_CAUSES = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a file stands where a folder should be",
    errno.EEXIST: "a file stands where a folder should be",
}


@contextlib.contextmanager
def failing(what: str, where: Path | Callable[[], Path]) -> Iterator[None]:
    """Turn an OSError into one OutboxError: what failed, the path, the cause.

    ``where`` is the path, or a function giving it (the file being written when it failed).
    """
    try:
        yield
    except OSError as exc:
        path = (where() if callable(where) else where).absolute()
        cause = _CAUSES.get(exc.errno or 0, exc.strerror or str(exc))
        if exc.errno in (errno.EACCES, errno.EPERM):
            cause += f" (this process runs as uid {os.geteuid()})"
        raise OutboxError(
            str(path), f"{what}: {path}: {cause}; what was published before is unchanged"
        ) from exc


def running(pid: str | None) -> bool:
    """Whether the writer ``pid`` (of this machine) may still be writing."""
    if pid is None:
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True


def sync_folder(folder: Path) -> None:
    # The renames are durable only once the folder's entry list is on disk.
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def same_folder(folder: Path, contents: Mapping[str, bytes]) -> bool:
    if not folder.is_dir():
        return False
    present = {p.name for p in folder.iterdir()}
    if present != set(contents):
        return False
    return all(holds(folder / name, data) for name, data in contents.items())


def holds(path: Path, data: bytes) -> bool:
    """Whether the file at ``path`` holds ``data``; its size is looked at first, so that a
    file that grew (a feed with a new entry) is not read."""
    try:
        found = path.stat()
        return (
            stat.S_ISREG(found.st_mode) and found.st_size == len(data) and path.read_bytes() == data
        )
    except OSError:
        return False


def write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
