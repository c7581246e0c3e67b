"""RSS and Atom feeds, from a local file or over HTTP, parsed by feedparser."""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx

from digest.errors import SourceError
from digest.model import Problem, RawEntry
from digest.sources import Report

#: Largest feed body accepted, in bytes.
MAX_FEED_BYTES = 10 * 1024 * 1024
#: Seconds to connect and between bytes read.
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "digest/0.1 (+https://digest.example/about)"


class FeedSource:
    """One feed of ``feeds.toml``: a local path (relative to that file) or an http(s) URL."""

    def __init__(self, feed_id: str, location: str, *, title: str = "", timezone: str):
        self.id = feed_id
        self.location = location
        self.title = title
        self.timezone = timezone

    @classmethod
    def from_config(cls, entry: Mapping[str, Any], *, base: Path, timezone: str) -> FeedSource:
        """Build from a ``[[feeds]]`` table; local paths are taken relative to ``base``."""
        location = str(entry["location"])
        if not location.startswith(("http://", "https://")):
            location = str(base / location)
        return cls(
            str(entry["id"]),
            location,
            title=str(entry.get("title", "")),
            timezone=str(entry.get("timezone", timezone)),
        )

    def read(self, report: Report) -> Iterator[RawEntry]:
        """Yield the feed's entries; a feed that cannot be read is reported and yields none."""
        try:
            body = self._fetch()
        except SourceError as exc:
            report(Problem(self.location, str(exc.args[0]), "feed skipped"))
            return
        parsed = feedparser.parse(body, sanitize_html=True, resolve_relative_uris=True)
        if not parsed.entries:
            # A well-formed feed with no entries is no problem; anything else that yields none is.
            if parsed.bozo:
                report(
                    Problem(self.location, f"not a feed ({parsed.bozo_exception})", "feed skipped")
                )
            elif not parsed.get("version"):
                what = "not a feed (no RSS, Atom or RDF document found)"
                report(Problem(self.location, what, "feed skipped"))
            return
        if parsed.bozo:
            report(
                Problem(
                    self.location,
                    f"feed is not well-formed ({parsed.bozo_exception})",
                    f"read {len(parsed.entries)} entries anyway",
                )
            )
        feed = parsed.feed
        source_name = self.title or feed.get("title", "") or self.id
        feed_language = feed.get("language")
        for entry in parsed.entries:
            raw = self._entry(entry, source_name, feed_language)
            if raw is None:
                report(Problem(self.location, "entry has neither title nor link", "skipped"))
                continue
            yield raw

    def _fetch(self) -> bytes:
        if not self.location.startswith(("http://", "https://")):
            path = Path(self.location)
            try:
                if path.stat().st_size > MAX_FEED_BYTES:
                    raise SourceError(self.location, f"larger than {MAX_FEED_BYTES} bytes")
                return path.read_bytes()
            except OSError as exc:
                raise SourceError(self.location, f"cannot read: {exc.strerror}") from exc
        try:
            with (
                httpx.Client(
                    timeout=HTTP_TIMEOUT,
                    follow_redirects=True,
                    max_redirects=5,
                    headers={"User-Agent": USER_AGENT},
                ) as client,
                client.stream("GET", self.location) as response,
            ):
                response.raise_for_status()
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_FEED_BYTES:
                        raise SourceError(self.location, f"larger than {MAX_FEED_BYTES} bytes")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as exc:
            raise SourceError(self.location, f"download failed: {exc}") from exc

    def _entry(self, entry: Any, source_name: str, feed_language: str | None) -> RawEntry | None:
        title = (entry.get("title") or "").strip()
        link = entry.get("link")
        if not title and not link:
            return None
        guid = entry.get("id") or link or title
        content = entry.get("content") or []
        html = content[0].get("value", "") if content else entry.get("summary", "")
        detail = entry.get("summary_detail") or entry.get("title_detail") or {}
        language = (content[0].get("language") if content else None) or detail.get("language")
        return RawEntry(
            source_id=self.id,
            source_name=source_name,
            location=self.location,
            key=hashlib.sha256(guid.encode("utf-8")).hexdigest()[:16],
            title=title or link,
            published=_entry_date(entry),
            url=link,
            language=language or feed_language,
            html=html,
            authors=tuple(a["name"] for a in entry.get("authors", []) if a.get("name")),
            tags=tuple(t["term"] for t in entry.get("tags", []) if t.get("term")),
            default_timezone=self.timezone,
        )


def _entry_date(entry: Any) -> datetime | str | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            # feedparser gives the time in UTC as a struct_time.
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    text: str | None = entry.get("published") or entry.get("updated")
    return text
