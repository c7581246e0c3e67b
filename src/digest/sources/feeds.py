"""Feeds (RSS, Atom, JSON Feed), from a local file or over HTTP.

Each read is remembered in the feed's state (when a state store is given):
HTTP validators for the next conditional request, the last success, the last
error and how many reads in a row failed. ``digest sources`` shows them.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin, urlsplit

from digest.clean import safe_web_link, terminal_safe
from digest.config import Limits
from digest.errors import SourceError
from digest.model import FeedState, Problem, RawEntry
from digest.source_state import reader_key
from digest.sources import Report
from digest.sources.bounds import cut_text, is_inside, unwrap_gzip
from digest.sources.unchanged import FileStates, Look, look, record

# The parsers (feedparser, feedparser-rs), the HTTP client and the normaliser are
# imported when a feed is read: a build whose local feeds are all unchanged reads none.
if TYPE_CHECKING:
    from digest.sources.entry_keys import Named
    from digest.sources.http import HttpFetcher
    from digest.sources.parsing import EntryData, FeedData


class FeedStates(Protocol):
    """Where feed states are kept (the store)."""

    def feed_state(self, feed_id: str) -> FeedState | None:
        """The state of ``feed_id``, None if it was never read."""
        ...

    def save_feed_state(self, state: FeedState) -> None:
        """Remember ``state``, replacing the feed's previous one."""
        ...


class FeedSource:
    """One feed of ``feeds.toml``: a local path (relative to that file) or an http(s) URL.

    A local feed is read only when its real path is inside ``root`` (the sources
    folder, for a feed of ``feeds.toml``), and may be gzip. What one feed may cost
    (bytes, entries, characters per item, download time) is bounded by ``limits``.
    """

    def __init__(
        self,
        feed_id: str,
        location: str,
        *,
        title: str = "",
        timezone: str,
        states: FeedStates | None = None,
        fetcher: HttpFetcher | None = None,
        root: Path | None = None,
        limits: Limits | None = None,
        files: FileStates | None = None,
    ) -> None:
        self.id = feed_id
        self.location = location
        self.title = title
        self.timezone = timezone
        self.states = states
        self.fetcher = fetcher
        #: The folder a local feed must stay in (None: anywhere, for tests and tools).
        self.root = root
        self.limits = limits or Limits()
        #: What the last build saw of a local feed's file (None: read it every time).
        self.files = files
        #: What shapes the reading of the file besides its bytes.
        self.reader = reader_key(
            "feed", feed_id, location, title, timezone, self.limits.model_dump_json()
        )

    @classmethod
    def from_config(
        cls,
        entry: Mapping[str, Any],
        *,
        base: Path,
        timezone: str,
        states: FeedStates | None = None,
        fetcher: HttpFetcher | None = None,
        limits: Limits | None = None,
        files: FileStates | None = None,
    ) -> FeedSource:
        """Build from a ``[[feeds]]`` table; local paths are taken relative to ``base``,
        and must stay inside it."""
        location = str(entry["location"])
        if not _is_http(location):
            location = str(base / location)
        return cls(
            str(entry["id"]),
            location,
            title=str(entry.get("title", "")),
            timezone=str(entry.get("timezone", timezone)),
            states=states,
            fetcher=fetcher,
            root=base,
            limits=limits,
            files=files,
        )

    def read(self, report: Report) -> Iterator[RawEntry]:
        """Yield the feed's entries; a feed that cannot be read is reported and yields none.

        A local feed whose file did not change since it was last read well
        (:mod:`digest.sources.unchanged`) yields none and changes no state, as a feed
        over HTTP "not modified"; its problems of then stay in its state. A feed that
        failed is read again at every run.
        """
        seen_now = self._look()
        if seen_now is not None and seen_now.unchanged:
            return
        state = (self.states.feed_state(self.id) if self.states else None) or FeedState(
            self.id, self.location
        )
        try:
            body, base, state, content_type = self._fetch(
                state, seen_now.data if seen_now is not None else None
            )
        except SourceError as exc:
            self._failed(state, str(exc.args[0]), report)
            return
        if body is None:  # not modified since the last read
            self._succeeded(state)
            return
        from digest.sources.parsing import parse_feed

        parsed = parse_feed(body, self.limits.feed_entries, content_type)
        parsed = replace(parsed, problem=_placed(parsed.problem))
        if not parsed.entries:
            if parsed.problem is not None:
                self._failed(state, f"not a feed ({parsed.problem})", report)
            elif not parsed.version:
                self._failed(state, "not a feed (no RSS, Atom, RDF or JSON Feed found)", report)
            else:
                self._succeeded(state)  # a well-formed feed with no entries is no problem
                self._record(seen_now)
            return
        for note in parsed.notes:  # how the document's characters were read
            report(Problem(self.location, note.what, note.done))
        if parsed.problem is not None:
            what = f"feed is not well-formed ({parsed.problem})"
            report(Problem(self.location, what, f"read {len(parsed.entries)} entries anyway"))
        if parsed.more_entries:
            cap = self.limits.feed_entries
            what = f"more than {cap} entries (limits.feed_entries)"
            report(Problem(self.location, what, f"read the first {cap}, skipped the rest"))
        self._succeeded(state, note=parsed.problem)
        self._record(seen_now)
        yield from self._entries(parsed, base, report)

    def preload(self) -> None:
        """Import what reading a feed needs (feedparser): called before worker processes
        are forked to read sources (:mod:`digest.ingest`), so that they inherit it."""
        import digest.sources.entry_keys
        import digest.sources.parsing  # noqa: F401

    def settled(self) -> bool:
        """Whether :meth:`read` would, as things are now, yield nothing: a local feed
        file of the size and modification time recorded when it was last read well (one
        ``stat``, nothing read). Only a hint for where to read it (:mod:`digest.ingest`):
        :meth:`read` looks at the file again itself."""
        if self.files is None or _is_http(self.location):
            return False
        known = self.files.file_state(self.id, self.location)
        if known is None:
            return False
        try:
            return known.seen_as(self.reader, os.stat(self.location))
        except OSError:
            return False

    def _look(self) -> Look | None:
        """A local feed file, looked at (None: over HTTP, not recorded, or outside the
        sources folder, which :meth:`_read_file` refuses)."""
        if self.files is None or _is_http(self.location):
            return None
        path = Path(self.location)
        if self.root is not None and not is_inside(path, self.root):
            return None
        return look(self.files, self.id, path, self.reader, self.limits.feed_bytes)

    def _record(self, seen_now: Look | None) -> None:
        if seen_now is not None:
            record(self.files, seen_now.state, [])

    def _fetch(
        self, state: FeedState, data: bytes | None = None
    ) -> tuple[bytes | None, str | None, FeedState, str | None]:
        """The body (None: not modified), the URL after redirects, the new state, and
        the Content-Type (None for a file); ``data``: a local file's bytes, already read."""
        if not _is_http(self.location):
            return self._read_file(data), None, state, None
        from digest.sources.http import HttpFetcher

        fetcher = self.fetcher or HttpFetcher.within(self.limits)
        try:
            result = fetcher.fetch(
                self.location, etag=state.etag, last_modified=state.last_modified
            )
        finally:
            if self.fetcher is None:
                fetcher.close()
        state = replace(state, etag=result.etag, last_modified=result.last_modified)
        body = result.body if result.modified else None
        return body, result.url, state, result.content_type

    def _read_file(self, data: bytes | None = None) -> bytes:
        path, cap = Path(self.location), self.limits.feed_bytes
        if self.root is not None and not is_inside(path, self.root):
            # Which message: the path as written leaves the folder, or a symlink does.
            written, root = (os.path.normpath(p.absolute()) for p in (path, self.root))
            what = "symlink to" if written.startswith(root + os.sep) else "path leads"
            raise SourceError(self.location, f"{what} outside the sources folder")
        body = data
        if body is None:
            try:
                with path.open("rb") as file:
                    # Read one byte more than the cap, whatever the size says (a file may grow).
                    body = file.read(cap + 1)
            except OSError as exc:
                raise SourceError(self.location, f"cannot read: {exc.strerror}") from exc
        if len(body) > cap:
            raise SourceError(self.location, f"file is over the {cap}-byte cap (limits.feed_bytes)")
        return unwrap_gzip(body, location=self.location, max_bytes=cap)

    def _entries(self, parsed: FeedData, base: str | None, report: Report) -> Iterator[RawEntry]:
        source_name = self.title or parsed.title or self.id
        # Relative links resolve against xml:base (done by the parser), then the feed's URL,
        # then the site link the feed declares.
        bases = [b for b in (base, parsed.link) if b and _is_http(b)]
        kept: list[tuple[EntryData, str | None]] = []
        for position, entry in enumerate(parsed.entries, start=1):
            link = self._web_link(entry, _absolute(entry.link, bases), report)
            title, html, cut = cut_text(
                entry.title,
                entry.html,
                max_title=self.limits.title_chars,
                max_html=self.limits.item_chars,
            )
            if cut is not None:
                named = repr(_short(title)) if title else (link or f"entry #{position}")
                report(
                    Problem(
                        self.location,
                        f"{cut} in {named}",
                        "cut there",
                        kind="entries over the length limits",
                        subject=named,
                    )
                )
                entry = replace(entry, title=title, html=html)
            if not entry.title:
                # RSS 0.92 allows an item with only a description: its text names it.
                title = _title_from(entry.html)
                if not title and not link:
                    named = f"entry #{position}" + (f" (GUID {entry.guid!r})" if entry.guid else "")
                    report(
                        Problem(
                            self.location,
                            f"{named} has no title, link or text",
                            "skipped",
                            kind="entries without a title, link or text",
                            subject=named,
                        )
                    )
                    continue
                entry = replace(entry, title=title or link or "")
            kept.append((entry, link))
        from digest.sources.entry_keys import name_entries

        for each in name_entries(kept):
            if each.shared is not None:
                self._shared(each, report)
            if not each.repeat:
                yield self._raw(each, source_name, parsed.language)

    def _web_link(self, entry: EntryData, link: str | None, report: Report) -> str | None:
        """``link`` when it is a web (http or https) address; else None, reported."""
        if not link or safe_web_link(link) is not None:
            return link
        # An Atom entry may have no link but its id (a tag: URI), which parsers give as
        # its link: it names the entry, it is no address to publish.
        shown = repr(terminal_safe(_short(link, 80)))
        title = repr(_short(entry.title)) if entry.title else "an untitled entry"
        what = f"link {shown} is not an http(s) address (entry {title})"
        kind = "entries with a link that is not http(s)"
        report(Problem(self.location, what, "kept without a link", kind=kind, subject=shown))
        return None

    def _shared(self, named: Named, report: Report) -> None:
        title = repr(_short(named.entry.title))
        shared = named.shared
        if named.repeat:
            what = f"entry {title} is given twice (same {shared} and content)"
            kind = "entries given twice"
            report(Problem(self.location, what, "kept once", kind=kind, subject=title))
            return
        what = f"entry {title} shares its {shared} with another entry"
        what += f" (told apart by its {named.told_by})"
        kind = f"entries sharing their {shared} with another entry"
        action = "each kept as an item of its own"
        report(Problem(self.location, what, action, kind=kind, subject=title))

    def _raw(self, named: Named, source_name: str, language: str | None) -> RawEntry:
        entry = named.entry
        return RawEntry(
            source_id=self.id,
            source_name=source_name,
            location=self.location,
            key=_digest_key(named.key),
            title=entry.title,
            published=entry.date_text or entry.date_parsed,
            published_fallback=entry.date_parsed,
            url=named.link,
            language=entry.language or language,
            html=entry.html,
            authors=entry.authors,
            tags=entry.tags,
            default_timezone=self.timezone,
            guid=named.guid,
        )

    def _succeeded(self, state: FeedState, note: str | None = None) -> None:
        if self.states is None:
            return
        now = datetime.now(UTC)
        last_error = state.last_error if note is None else f"not well-formed: {note}"
        last_error_at = state.last_error_at if note is None else now
        self.states.save_feed_state(
            replace(
                state,
                location=self.location,
                last_success=now,
                failures=0,
                last_error=last_error,
                last_error_at=last_error_at,
            )
        )

    def _failed(self, state: FeedState, what: str, report: Report) -> None:
        report(Problem(self.location, what, "feed skipped"))
        if self.states is None:
            return
        self.states.save_feed_state(
            replace(
                state,
                location=self.location,
                last_error=what,
                last_error_at=datetime.now(UTC),
                failures=state.failures + 1,
            )
        )


def _is_http(location: str) -> bool:
    try:
        return urlsplit(location).scheme in ("http", "https")
    except ValueError:  # "https://a.]example/": not a URL at all
        return False


def _absolute(link: str | None, bases: list[str]) -> str | None:
    if not link or _is_http(link) or not bases:
        return link
    return urljoin(bases[0], link)


# xml.sax names the document it parsed from bytes "<unknown>"; the line names the feed.
_UNKNOWN_PLACE = re.compile(r"<unknown>:(\d+):(\d+):\s*")


def _placed(problem: str | None) -> str | None:
    """A parser's problem with "<unknown>:3:0:" written "line 3, column 0:"."""
    if problem is None:
        return None
    return _UNKNOWN_PLACE.sub(lambda m: f"line {m[1]}, column {m[2]}: ", problem)


def _title_from(html: str) -> str:
    """The first words of an entry's text, for an entry that has no title."""
    from digest.normalise import first_words, html_to_text, sanitise_html

    return first_words(html_to_text(sanitise_html(html)))


def _short(text: str, chars: int = 60) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _digest_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
