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
from typing import TYPE_CHECKING, Protocol

from digest.errors import SourceError
from digest.model import Problem, RawEntry

if TYPE_CHECKING:
    from digest.config import Limits
    from digest.sources.feeds import FeedStates
    from digest.sources.http import HttpFetcher
    from digest.sources.unchanged import FileStates

Report = Callable[[Problem], None]


class SourceAdapter(Protocol):
    """One source of raw entries."""

    #: Id of the source; prefixes the ids of its items.
    id: str
    #: Where it reads from (a folder, a file or a URL), for messages.
    location: str

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


def read_feed_list(sources_dir: Path) -> list[dict[str, object]]:
    """The ``[[feeds]]`` tables of ``<sources>/feeds.toml`` (none when the file is absent).

    Raises:
        SourceError: the sources folder does not exist, or the feed list is unreadable.
    """
    if not sources_dir.is_dir():
        raise SourceError(str(sources_dir), "sources folder does not exist")
    feeds_file = sources_dir / "feeds.toml"
    return _feed_entries(feeds_file) if feeds_file.is_file() else []


def adapters_for(
    sources_dir: Path,
    timezone: str,
    feeds: list[dict[str, object]],
    states: FeedStates | None = None,
    fetcher: HttpFetcher | None = None,
    limits: Limits | None = None,
    files: FileStates | None = None,
) -> list[SourceAdapter]:
    """The adapters for a sources folder: its articles, then each feed of ``feeds``.

    Args:
        limits: what each source may cost (default: the defaults of ``[limits]``);
            ``fetcher`` should have been made with the same (``HttpFetcher.within``).
        files: what the last build saw of each local file; an unchanged file is not
            read again (None: every file is read).
    """
    # Imported here so that importing the protocol does not import every adapter.
    from digest.sources.feeds import FeedSource
    from digest.sources.files import ArticleFiles

    adapters: list[SourceAdapter] = []
    articles = sources_dir / "articles"
    if articles.is_dir():
        adapters.append(
            ArticleFiles(articles, timezone=timezone, limits=limits, root=sources_dir, files=files)
        )
    adapters.extend(
        FeedSource.from_config(
            entry,
            base=sources_dir,
            timezone=timezone,
            states=states,
            fetcher=fetcher,
            limits=limits,
            files=files,
        )
        for entry in feeds
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
