"""The reviewed translation files are imported again only when one of them was added,
removed or changed since the last import that met no problem (their sizes and
modification times are kept in the store, as the sources' are)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from digest.source_state import FileState, file_states, reader_key, save_file_states
from digest.sources.folder_walk import visible_files

#: The source id the reviewed translation files are recorded under.
REVIEWED_SOURCE = "reviewed-translations"


def import_if_changed(
    engine: Engine,
    folder: Path,
    run: Callable[[], object],
    problems: Callable[[], int],
) -> bool:
    """Run ``run`` (the import of the reviewed translations folder) only when a file of
    ``folder`` was added, removed or changed (size, modification time) since the last
    import that met no problem; ``problems`` counts the problems reported so far.

    Returns:
        Whether the import ran.
    """
    reader = reader_key("reviewed")
    paths = visible_files(folder) if folder.is_dir() else []
    now: dict[str, tuple[int, int]] = {}
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            now[str(path)] = (-1, -1)  # unreadable: the import reports it
            continue
        now[str(path)] = (stat.st_size, stat.st_mtime_ns)
    known = {s.path: s for s in file_states(engine, [REVIEWED_SOURCE])}
    seen = {path: (s.size, s.mtime_ns) for path, s in known.items() if s.reader == reader}
    if seen == now:
        return False
    before = problems()
    run()
    if problems() != before:
        # A bad file is named again at every run, as before: nothing recorded.
        save_file_states(engine, [_gone(path) for path in known])
        return True
    states = [_gone(path) for path in known if path not in now]
    states += [
        FileState(REVIEWED_SOURCE, path, size, mtime_ns, "", reader)
        for path, (size, mtime_ns) in now.items()
        if seen.get(path) != (size, mtime_ns)
    ]
    save_file_states(engine, states)
    return True


def _gone(path: str) -> FileState:
    return FileState(REVIEWED_SOURCE, path, 0, 0, "", "", forget=True)
