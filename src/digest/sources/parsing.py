"""Feed documents (RSS 0.9x/1.0/2.0, Atom 1.0, JSON Feed 1.1) to plain records.

Two parsers sit behind one function. ``feedparser-rs`` (a Rust parser with
feedparser's API, about 17 times faster here) reads first; the pure-Python
``feedparser`` takes over for a document the fast parser cannot read (not
well-formed, no entries) or reads less well (a date it found but could not
parse). Both give the same records on the shared corpus; the tests check it.

Both are bounded: the fast parser stops after ``max_entries`` entries (its own
limit), and the slow one, which parses a whole document however many entries it
holds (about 6 s per MB of tiny entries), only takes documents up to
:data:`FALLBACK_MAX_BYTES`; past that, the fast parser's reading stands.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import feedparser
import feedparser_rs

ParserName = Literal["feedparser-rs", "feedparser"]

#: Entries read from one document when the caller sets no limit.
MAX_ENTRIES = 2_000
#: Largest document handed to the pure-Python parser when the fast one fails.
FALLBACK_MAX_BYTES = 2 * 1024 * 1024
# Authors and tags kept per entry (the fast parser's own limits are 20 and 100).
_MAX_AUTHORS, _MAX_TAGS = 20, 100


@dataclass(frozen=True)
class EntryData:
    """One entry as the document gave it."""

    #: ``<guid>`` / ``<id>``, if any.
    guid: str | None
    title: str
    link: str | None
    #: The date as written (published, else updated), for zone-aware parsing downstream.
    date_text: str | None
    #: The parser's reading of that date, in UTC (used when ``date_text`` is not standard).
    date_parsed: datetime | None
    #: ``xml:lang`` of the entry's content, if any.
    language: str | None
    html: str
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedData:
    """A parsed feed document."""

    #: ``rss20``, ``atom10``, ``json11``, ...; empty when nothing recognisable was found.
    version: str
    title: str
    link: str | None
    language: str | None
    entries: tuple[EntryData, ...]
    #: Why the document is not well-formed, when it is not.
    problem: str | None
    parser: ParserName
    #: True when the document holds more entries than were read (the limit).
    more_entries: bool = False


def parse_feed(body: bytes, max_entries: int = MAX_ENTRIES) -> FeedData:
    """Parse a feed document, with the fast parser first and feedparser as the fallback.

    Args:
        max_entries: entries read at most; ``more_entries`` tells when there were more.
    """
    # One entry more than asked tells a document at the limit from one over it.
    limits = feedparser_rs.ParserLimits(
        max_feed_size_bytes=max(len(body), 1), max_entries=max_entries + 1
    )
    try:
        fast = _convert(
            feedparser_rs.parse_with_limits(body, limits=limits), "feedparser-rs", max_entries
        )
    except Exception:
        fast = None
    if fast is not None and (_trustworthy(fast) or len(body) > FALLBACK_MAX_BYTES):
        return fast
    try:
        slow = feedparser.parse(body, sanitize_html=False)
    except Exception as exc:  # hostile bytes make feedparser raise (fuzzing: ValueError, ...)
        if fast is not None:
            return fast
        why = f"unreadable: {type(exc).__name__}: {str(exc)[:120]}"
        return FeedData("", "", None, None, (), why, "feedparser")
    return _convert(slow, "feedparser", max_entries)


def _trustworthy(parsed: FeedData) -> bool:
    if parsed.problem is not None or not parsed.entries:
        return False
    # A date the fast parser saw but could not read: feedparser knows more date formats.
    return all(e.date_parsed is not None or e.date_text is None for e in parsed.entries)


def _convert(parsed: Any, parser: ParserName, max_entries: int = MAX_ENTRIES) -> FeedData:
    feed = _get(parsed, "feed") or {}
    entries = _get(parsed, "entries") or ()
    more = len(entries) > max_entries
    bozo = bool(_get(parsed, "bozo"))
    problem = str(_get(parsed, "bozo_exception") or "not well-formed") if bozo else None
    if more and parser == "feedparser-rs":
        problem = None  # the parser stopped at its entry limit: the entries read are sound
    return FeedData(
        version=str(_get(parsed, "version") or ""),
        title=_text(_get(feed, "title")),
        link=_get(feed, "link") or None,
        language=_get(feed, "language") or None,
        entries=tuple(_entry(e) for e in entries[:max_entries]),
        problem=problem,
        parser=parser,
        more_entries=more,
    )


def _entry(entry: Any) -> EntryData:
    content: Sequence[Any] = _get(entry, "content") or ()
    html = _text(_get(content[0], "value")) if content else _text(_get(entry, "summary"))
    detail = _get(entry, "summary_detail") or _get(entry, "title_detail")
    language = (_get(content[0], "language") if content else None) or _get(detail, "language")
    date_text = _get(entry, "published") or _get(entry, "updated") or None
    parsed = _get(entry, "published_parsed") or _get(entry, "updated_parsed")
    return EntryData(
        guid=_get(entry, "id") or None,
        title=_text(_get(entry, "title")).strip(),
        link=_get(entry, "link") or None,
        date_text=str(date_text) if date_text else None,
        date_parsed=datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC) if parsed else None,
        language=language or _get(entry, "language") or None,
        html=html,
        authors=tuple(
            n for n in (_get(a, "name") for a in (_get(entry, "authors") or ())[:_MAX_AUTHORS]) if n
        ),
        tags=tuple(
            t for t in (_get(tag, "term") for tag in (_get(entry, "tags") or ())[:_MAX_TAGS]) if t
        ),
    )


def _get(obj: Any, name: str) -> Any:
    """A field of a feedparser dict or of a feedparser-rs object, None when absent."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        # dict.get, not FeedParserDict.get: its aliases (updated_parsed -> published_parsed)
        # warn, and would blur which date the document gave.
        return dict.get(obj, name)
    return getattr(obj, name, None)  # feedparser-rs objects expose fields as attributes


def _text(value: Any) -> str:
    return "" if value is None else str(value)
