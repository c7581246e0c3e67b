"""Walking a folder of source files: its visible files in path order, inside its jail.

Shared by the article files (:mod:`digest.sources.files`), the reviewed translations,
labels and the incremental build's view of the sources.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from pathlib import Path

from digest.sources.bounds import is_inside


def visible_files(
    folder: Path,
    outside: Callable[[Path], None] | None = None,
    *,
    root: Path | None = None,
    leaving_out: Collection[Path] = (),
) -> list[Path]:
    """The files below ``folder`` in path order, leaving out hidden ones and those in
    hidden folders (an editor's backups, ``.git``).

    Symlinks are followed while they stay inside ``root`` (default ``folder``; its real
    path); one that leads out of it, to a file or a folder, is left out and handed to
    ``outside``. ``leaving_out``: files, and folders with all they hold, left out too
    (compared by absolute path, symlinks not followed), and not walked.
    """
    return [Path(where) for where, _ in visible_entries(folder, outside, root, leaving_out)]


def visible_entries(
    folder: Path,
    outside: Callable[[Path], None] | None,
    root: Path | None,
    leaving_out: Collection[Path] = (),
) -> list[tuple[str, os.DirEntry[str]]]:
    """:func:`visible_files`, each file as its path (``str`` of its :class:`Path`) and
    the directory entry it was listed by (whose ``stat`` follows a symlink, as
    ``os.stat`` does)."""
    jail = root or folder
    left = {os.path.abspath(path) for path in leaving_out}
    # A walk of our own rather than Path.rglob: rglob neither says which symlinks it
    # passed over nor follows the symlinked folders that stay inside. Strings rather
    # than Paths: a folder of thousands of files is listed at every build.
    found: list[tuple[str, os.DirEntry[str]]] = []

    def walk(directory: str, ancestors: frozenset[str]) -> None:
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=_name)
        except OSError:
            return  # an unreadable folder holds nothing we can read
        # What str(Path(entry.path)) gives: no "./" in front.
        inside = "" if directory == "." else directory.rstrip(os.sep) + os.sep
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            where = inside + name
            if left and os.path.abspath(where) in left:
                continue
            if entry.is_symlink() and not is_inside(Path(where), jail):
                if outside is not None:
                    outside(Path(where))
                continue
            if entry.is_dir():
                real = os.path.realpath(where)
                if real not in ancestors:  # a symlink to a folder above: a loop
                    walk(where, ancestors | {real})
            elif entry.is_file():
                found.append((where, entry))

    walk(str(folder), frozenset({os.path.realpath(folder)}))
    # Each folder's names sorted, each folder walked where its name sorts: path order
    # (as sorted Paths compare, part by part) without sorting again.
    return found


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def without_suffix(relative: str) -> str:
    """``Path(relative).with_suffix("").as_posix()``, with strings."""
    folders, _, name = relative.rpartition(os.sep)
    dot = name.rfind(".")
    if 0 < dot < len(name) - 1:  # Path.suffix: not a leading dot, nor a trailing one
        name = name[:dot]
    return f"{folders.replace(os.sep, '/')}/{name}" if folders else name
