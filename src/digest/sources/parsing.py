"""Feed documents (RSS 0.9x/1.0/2.0, Atom 1.0, JSON Feed 1.1) to plain records.

The bytes are decoded first (:mod:`digest.sources.decoding`: BOM, HTTP charset, XML
declaration, detection), and both parsers get the same UTF-8 text. Two parsers sit
behind one function. ``feedparser-rs`` (a Rust parser with feedparser's API, about 17
times faster here) reads first; the pure-Python ``feedparser`` takes over for a document
the fast parser cannot read (not well-formed, no entries) or reads less well. The fast
parser is not trusted blindly: its reading is checked against cheap signals taken from
the document's bytes (how many ``<item>``/``<entry>`` tags, whether the document has
dates and texts where the reading has none, replacement characters it introduced), and
feedparser reads the document when they disagree. Signals that agree cost no second
parse.

Both are bounded: the fast parser stops after ``max_entries`` entries (its own
limit), and the slow one, which parses a whole document however many entries it
holds (about 6 s per MB of tiny entries), only takes documents up to
:data:`FALLBACK_MAX_BYTES`; past that, the fast parser's reading stands.
"""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

import feedparser
import feedparser_rs

from digest.sources.decoding import decode_document, repair

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
class Note:
    """Something wrong with a document's characters, and what was done about it."""

    what: str
    done: str


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
    #: What was wrong with the document's characters, one line each (an encoding
    #: label that did not hold, texts repaired or left with undecodable characters).
    notes: tuple[Note, ...] = ()


def parse_feed(
    body: bytes, max_entries: int = MAX_ENTRIES, content_type: str | None = None
) -> FeedData:
    """Parse a feed document, with the fast parser first and feedparser as the fallback.

    Args:
        max_entries: entries read at most; ``more_entries`` tells when there were more.
        content_type: the HTTP ``Content-Type`` the document came with (its charset
            overrides the XML declaration); None for a file.
    """
    decoded = decode_document(body, content_type)
    body = decoded.body
    notes: tuple[Note, ...] = (Note(*decoded.note),) if decoded.note else ()
    if decoded.repaired:
        what = "mis-decoded characters (mojibake or C1 controls) in the document"
        notes += (Note(what, "repaired"),)
    parsed = _parse(body, max_entries)
    if decoded.suspect:
        parsed, repaired = _repaired(parsed)
        notes += repaired
    return replace(parsed, notes=notes) if notes else parsed


def parse_with(parser: ParserName, body: bytes, max_entries: int = MAX_ENTRIES) -> FeedData:
    """Decode ``body`` (a file's bytes) and parse it with ``parser`` alone, no checks and no
    fallback: for tests and tools that compare the two parsers' readings."""
    body = decode_document(body).body
    if parser == "feedparser":
        return _convert(feedparser.parse(body, sanitize_html=False), parser, max_entries)
    limits = feedparser_rs.ParserLimits(
        max_feed_size_bytes=max(len(body), 1), max_entries=max_entries + 1
    )
    return _convert(feedparser_rs.parse_with_limits(body, limits=limits), parser, max_entries)


def _parse(body: bytes, max_entries: int) -> FeedData:
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
    if fast is not None and (_trustworthy(fast, body) or len(body) > FALLBACK_MAX_BYTES):
        return fast
    try:
        slow = feedparser.parse(body, sanitize_html=False)
    except Exception as exc:  # hostile bytes make feedparser raise (fuzzing: ValueError, ...)
        if fast is not None:
            return fast
        why = f"unreadable: {type(exc).__name__}: {str(exc)[:120]}"
        return FeedData("", "", None, None, (), why, "feedparser")
    return _better(fast, _convert(slow, "feedparser", max_entries))


# Cheap signals from the document's bytes, to check the fast parser's reading against.
_ENTRY_TAG = re.compile(rb"<(?:item|entry)[\s>]")
_DATE_TAG = re.compile(
    rb"<(?:[A-Za-z]+:)?(?:pubDate|published|updated|date|issued|modified|created)[\s>]"
)
_TEXT_TAG = re.compile(
    rb"<(?:content:encoded|description|summary|content)(?:\s[^>]*)?>(?!\s*</)(?!\s*$)"
)
_REPLACEMENT = ("\ufffd".encode(), b"&#65533;", b"&#xfffd;", b"&#xFFFD;")


def _trustworthy(parsed: FeedData, body: bytes) -> bool:
    """Whether the fast parser's reading agrees with what the document visibly holds."""
    if parsed.problem is not None or not parsed.entries:
        return False
    entries = parsed.entries
    # A date the fast parser saw but could not read: feedparser knows more date formats.
    if any(e.date_parsed is None and e.date_text is not None for e in entries):
        return False
    # Entries lost: fewer read than the document has entry tags (JSON Feed has none).
    counted = not parsed.more_entries and parsed.version.startswith(("rss", "atom"))
    if counted and len(_ENTRY_TAG.findall(body)) > len(entries):
        return False
    # Dates lost (an empty element before <pubDate> makes it skip the date).
    # Dates and texts are looked for from the first entry on, past the channel's own.
    undated = any(e.date_text is None for e in entries)
    textless = sum(not e.html for e in entries)
    if undated or textless:
        first = _ENTRY_TAG.search(body)
        start = first.start() if first else 0
        # Dates lost (an empty element before <pubDate> makes it skip the date).
        if undated and _DATE_TAG.search(body, start):
            return False
        # Texts lost (raw XHTML in <description> reads as empty): more non-empty text
        # elements in the entries than texts read.
        if textless and len(_TEXT_TAG.findall(body, start)) > len(entries) - textless:
            return False
    # Replacement characters the document does not hold: its own decoding went wrong.
    introduced = any("\ufffd" in e.title or "\ufffd" in e.html for e in entries)
    return not introduced or any(r in body for r in _REPLACEMENT)


def _better(fast: FeedData | None, slow: FeedData) -> FeedData:
    """feedparser's reading, unless the fast parser's is plainly more complete."""
    if fast is None or fast.problem is not None or not fast.entries:
        return slow
    if slow.problem is not None and len(slow.entries) < len(fast.entries):
        return fast

    def dated(data: FeedData) -> int:
        return sum(e.date_text is not None for e in data.entries)

    def texts(data: FeedData) -> int:
        return sum(bool(e.html) for e in data.entries)

    if len(slow.entries) < len(fast.entries) or (
        len(slow.entries) == len(fast.entries)
        and dated(slow) < dated(fast)
        and texts(slow) <= texts(fast)
    ):
        return fast
    return slow


def _repaired(parsed: FeedData) -> tuple[FeedData, tuple[Note, ...]]:
    """``parsed`` with mojibake and C1 controls fixed in its texts, and notes saying so."""
    fixed: list[EntryData] = []
    changed = unclean = 0
    for entry in parsed.entries:
        title, title_clean = repair(entry.title)
        text, text_clean = repair(entry.html)
        if title != entry.title or text != entry.html:
            changed += 1
            entry = replace(entry, title=title, html=text)
        unclean += not (title_clean and text_clean)
        fixed.append(entry)
    feed_title, _ = repair(parsed.title)
    notes = []
    if changed:
        what = f"{_count(changed)} with mis-decoded characters (mojibake or C1 controls)"
        notes.append(Note(what, "repaired"))
    if unclean:
        what = f"{_count(unclean)} with undecodable characters (U+FFFD or C1 controls)"
        notes.append(Note(what, "kept as they are"))
    return replace(parsed, title=feed_title, entries=tuple(fixed)), tuple(notes)


def _count(entries: int) -> str:
    return f"{entries} entr{'y' if entries == 1 else 'ies'}"


def _convert(parsed: Any, parser: ParserName, max_entries: int = MAX_ENTRIES) -> FeedData:
    feed = _get(parsed, "feed") or {}
    entries = _get(parsed, "entries") or ()
    more = len(entries) > max_entries
    bozo = bool(_get(parsed, "bozo"))
    problem = str(_get(parsed, "bozo_exception") or "not well-formed") if bozo else None
    if more and parser == "feedparser-rs":
        problem = None  # the parser stopped at its entry limit: the entries read are sound
    version = str(_get(parsed, "version") or "")
    # feedparser-rs returns Atom hrefs with their entities still in (``?b=1&amp;c=2``,
    # ``&#x27;``); feedparser decodes them, as XML says. Decoded once, here, for it alone.
    escaped = parser == "feedparser-rs" and version.startswith("atom")
    return FeedData(
        version=version,
        title=_text(_get(feed, "title")),
        link=_href(_get(feed, "link"), escaped),
        language=_get(feed, "language") or None,
        entries=tuple(
            _rs_entry(e, escaped) if parser == "feedparser-rs" else _entry(e)
            for e in entries[:max_entries]
        ),
        problem=problem,
        parser=parser,
        more_entries=more,
    )


def _entry(entry: Any) -> EntryData:
    content: Sequence[Any] = _get(entry, "content") or ()
    # An out-of-line <content src="..."/> has no text: the summary is the text then.
    html = (_text(_get(content[0], "value")) if content else "") or _text(_get(entry, "summary"))
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


def _rs_entry(entry: Any, escaped: bool) -> EntryData:
    """:func:`_entry` for a feedparser-rs object, whose fields are all attributes (None
    when absent): read directly, this is a third of the cost of the whole conversion."""
    content = entry.content
    html = (content[0].value if content else None) or entry.summary or ""
    detail = entry.summary_detail or entry.title_detail
    language = (content[0].language if content else None) or _get(detail, "language")
    date_text = entry.published or entry.updated or None
    parsed = entry.published_parsed or entry.updated_parsed
    authors, tags = entry.authors, entry.tags
    return EntryData(
        guid=entry.id or None,
        title=(entry.title or "").strip(),
        link=_href(entry.link, escaped),
        date_text=str(date_text) if date_text else None,
        date_parsed=datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC) if parsed else None,
        language=language or entry.language or None,
        html=html,
        authors=tuple(a.name for a in authors[:_MAX_AUTHORS] if a.name) if authors else (),
        tags=tuple(t.term for t in tags[:_MAX_TAGS] if t.term) if tags else (),
    )


def _href(value: Any, escaped: bool) -> str | None:
    if not value:
        return None
    link = str(value)
    return html.unescape(link) if escaped and "&" in link else link


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
