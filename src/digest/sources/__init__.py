"""Source adapters: where raw entries come from.

An adapter reads one source (a folder of article files, one feed) and yields
:class:`~digest.model.RawEntry` records. It never raises for bad input: each
problem is handed to ``report`` as a :class:`~digest.model.Problem` and the
adapter goes on with the next entry or file.

:func:`adapters_for` wires the adapters a configuration asks for: the article
folder ``<sources>/articles`` and each feed of ``<sources>/feeds.toml``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from digest.errors import SourceError
from digest.model import Problem, RawEntry

Report = Callable[[Problem], None]


class SourceAdapter(Protocol):
    """One source of raw entries."""

    #: Id of the source; prefixes the ids of its items.
    id: str

    def read(self, report: Report) -> Iterator[RawEntry]:
        """Yield the source's entries.

        Args:
            report: called once per problem met (a file skipped, a field repaired).

        Returns:
            An iterator of raw entries, in a stable order.

        Raises:
            Nothing for bad content; :class:`~digest.errors.SourceError` only
            when the source as a whole cannot be reached, and then after
            reporting it.
        """
        ...


def adapters_for(sources_dir: Path, timezone: str) -> list[SourceAdapter]:
    """The adapters for a sources folder: its articles, then its feeds.

    Raises:
        SourceError: the folder does not exist, or ``feeds.toml`` is unreadable.
    """
    # Imported here so that importing the protocol does not import every adapter.
    from digest.sources.feeds import FeedSource
    from digest.sources.files import ArticleFiles

    if not sources_dir.is_dir():
        raise SourceError(str(sources_dir), "sources folder does not exist")
    adapters: list[SourceAdapter] = []
    articles = sources_dir / "articles"
    if articles.is_dir():
        adapters.append(ArticleFiles(articles, timezone=timezone))
    feeds_file = sources_dir / "feeds.toml"
    if feeds_file.is_file():
        adapters.extend(
            FeedSource.from_config(entry, base=sources_dir, timezone=timezone)
            for entry in _feed_entries(feeds_file)
        )
    return adapters


def _feed_entries(path: Path) -> list[dict[str, object]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SourceError(str(path), f"cannot read feed list: {exc}") from exc
    feeds = data.get("feeds", [])
    if not isinstance(feeds, list) or not all(isinstance(f, dict) for f in feeds):
        raise SourceError(str(path), "'feeds' must be a list of tables ([[feeds]])")
    for number, feed in enumerate(feeds, start=1):
        for key in ("id", "location"):
            if not isinstance(feed.get(key), str) or not feed[key]:
                raise SourceError(str(path), f"feed #{number} needs a text '{key}'")
    ids = [f["id"] for f in feeds]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise SourceError(str(path), f"feed ids repeat: {', '.join(duplicated)}")
    return feeds
