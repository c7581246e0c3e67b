"""The publication date an HTML page declares in its metadata.

Pages say when they were published in a few standard places; these are read
before any heuristic (``htmldate``), which is kept for pages that say nothing.
In order:

1. ``<meta property="article:published_time">`` (Open Graph);
2. ``datePublished`` in JSON-LD (``<script type="application/ld+json">``), or
   an element with ``itemprop="datePublished"`` (microdata);
3. ``<time datetime>``: one marked ``itemprop="datePublished"`` or ``pubdate``,
   else the first inside ``<article>``, else the page's only one;
4. Dublin Core: ``DC.date``, ``DC.date.issued``, ``DC.date.created``,
   ``dcterms.issued``, ``dcterms.created``, ``dcterms.date``.

A value that is not a date (ISO 8601 or RFC 822) is passed over for the next.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from digest.normalise import NormaliseError, parse_date

_OPEN_GRAPH = ("article:published_time", "og:article:published_time")
_DUBLIN_CORE = (
    "dc.date",
    "dc.date.issued",
    "dc.date.created",
    "dcterms.issued",
    "dcterms.created",
    "dcterms.date",
)
# Deeper JSON-LD than this is not metadata anyone writes; it is not walked.
_JSON_DEPTH = 12


def declared_date(page: str) -> str | None:
    """The publication date the page's metadata gives, as written; None when it gives none."""
    found = _DateTags()
    found.feed(page)
    found.close()
    for value in found.candidates():
        if _is_date(value):
            return value.strip()
    return None


def _is_date(value: str) -> bool:
    try:
        parse_date(value.strip(), ZoneInfo("UTC"))
    except NormaliseError:
        return False
    return True


class _DateTags(HTMLParser):
    """Collects the elements that can carry a page's date, with the standard parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.itemprop: list[str] = []
        self.ld_json: list[str] = []
        self.marked_times: list[str] = []
        self.article_times: list[str] = []
        self.times: list[str] = []
        self._articles = 0
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v for k, v in attrs if v is not None}
        prop = values.get("itemprop", "").strip().lower()
        if tag == "meta":
            key = (values.get("property") or values.get("name") or "").strip().lower()
            content = values.get("content")
            if key and content:
                self.meta.setdefault(key, content)
        if prop == "datepublished":
            value = values.get("content") or values.get("datetime")
            if value:
                self.itemprop.append(value)
        if tag == "article":
            self._articles += 1
        elif tag == "time" and values.get("datetime"):
            value = values["datetime"]
            self.times.append(value)
            if prop == "datepublished" or "pubdate" in {k.lower() for k, _ in attrs}:
                self.marked_times.append(value)
            if self._articles:
                self.article_times.append(value)
        elif tag == "script" and values.get("type", "").strip().lower() == "application/ld+json":
            self._script = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self._articles:
            self._articles -= 1
        elif tag == "script" and self._script is not None:
            self.ld_json.append("".join(self._script))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def candidates(self) -> Iterator[str]:
        """The dates found, best first."""
        yield from (self.meta[key] for key in _OPEN_GRAPH if key in self.meta)
        for text in self.ld_json:
            try:
                data = json.loads(text)
            except (ValueError, RecursionError):
                continue  # a broken block says nothing; the page's other metadata may
            yield from _published_in(data, _JSON_DEPTH)
        yield from self.itemprop
        yield from self.marked_times
        yield from self.article_times[:1]
        if len(self.times) == 1:
            yield self.times[0]
        yield from (self.meta[key] for key in _DUBLIN_CORE if key in self.meta)


def _published_in(data: object, depth: int) -> Iterator[str]:
    """Every ``datePublished`` text in a JSON-LD document, outermost first."""
    if depth <= 0:
        return
    if isinstance(data, dict):
        value = data.get("datePublished")
        if isinstance(value, str):
            yield value
        for child in data.values():
            if isinstance(child, dict | list):
                yield from _published_in(child, depth - 1)
    elif isinstance(data, list):
        for child in data:
            yield from _published_in(child, depth - 1)
