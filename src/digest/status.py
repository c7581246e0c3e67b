"""What ``digest sources`` shows: each source with its last success, last error and items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from digest.config import Settings
from digest.sources import read_feed_list
from digest.sources.files import ARTICLES_SOURCE_ID
from digest.store import Store


@dataclass(frozen=True)
class SourceStatus:
    """One line of ``digest sources``."""

    id: str
    location: str
    #: Stored items that came from the source.
    items: int
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    #: Failed reads since the last success.
    failures: int = 0
    #: The last run's problems by kind, ``(kind, count)``, in the order met.
    problems: tuple[tuple[str, int], ...] = ()


def source_status(settings: Settings) -> list[SourceStatus]:
    """The article folder and every feed of ``feeds.toml``, with what the store knows of them.

    Feeds that were never read show no dates and no items.
    """
    feeds = read_feed_list(settings.paths.sources)
    store = Store(settings.store_url)
    try:
        states = {state.id: state for state in store.feed_states()}
        counts = store.counts_by_source()
    finally:
        store.close()
    articles = str(settings.paths.sources / "articles")
    rows = [SourceStatus(ARTICLES_SOURCE_ID, articles, counts.get(ARTICLES_SOURCE_ID, 0))]
    for feed in feeds:
        feed_id = str(feed["id"])
        state = states.get(feed_id)
        if state is None:
            rows.append(SourceStatus(feed_id, str(feed["location"]), 0))
            continue
        rows.append(
            SourceStatus(
                feed_id,
                state.location,
                counts.get(feed_id, 0),
                state.last_success,
                state.last_error,
                state.last_error_at,
                state.failures,
                state.problems,
            )
        )
    return rows
