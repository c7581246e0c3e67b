"""An RSS 2.0 or Atom 1.0 document, written with feedgen from a :class:`Feed` and its entries.

What a feed is (:class:`Feed`, :class:`Entry`) and how it is written, byte for byte the
same for the same feed: :mod:`digest.render.feeds` plans the feeds from the outbox's
manifests, :mod:`digest.render.feed_cache` writes them making only their new entries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache, partial
from typing import Any, Literal
from urllib.parse import quote

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from digest.config import Settings

Format = Literal["rss", "atom"]
#: File extension of each format (RSS keeps ``.xml``, its historical name).
EXTENSIONS: dict[Format, str] = {"rss": "xml", "atom": "atom"}
_MEDIA_TYPES: dict[Format, str] = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
#: RFC 5005's namespace (``fh:archive``) and Atom's, whose ``link`` RSS documents borrow.
FH = "http://purl.org/syndication/history/1.0"
_ATOM = "http://www.w3.org/2005/Atom"
#: The date of a feed with no item: any fixed date keeps an empty feed byte-stable.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Characters XML 1.0 cannot carry at all: lxml would refuse the whole feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Entry:
    """One item (RSS) or entry (Atom) of a feed."""

    #: Stable id: the RSS ``guid`` and the Atom ``id``.
    id: str
    title: str
    #: Absolute http(s) URL of what the item is about.
    link: str
    #: The edition's publication date (timezone-aware).
    published: datetime
    #: Sanitised HTML: the RSS ``description`` and the Atom ``content``.
    html: str
    #: ``(term, label)`` pairs: theme id and its label in the feed's language.
    categories: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Pending:
    """An entry still to make: what it is made from (``key``), its date, and how."""

    key: str
    published: datetime
    make: Callable[[], Entry]


@dataclass(frozen=True)
class Feed:
    """One feed in one language, before it is written in a format."""

    #: Outbox path without the format's extension, e.g. ``("feeds", "editions.fr")``.
    stem: tuple[str, ...]
    lang: str
    title: str
    #: The Atom author: the digest's name in ``lang``.
    author: str
    #: The channel description / Atom subtitle, in ``lang``.
    subtitle: str
    #: The web page the feed stands for (the language's archive index).
    home: str
    #: Newest first.
    entries: tuple[Entry, ...] = field(default=())
    #: RFC 5005 links to the feed's other documents: ``(rel, stem)``, rel being
    #: ``current``, ``prev-archive`` or ``next-archive`` (:mod:`digest.render.feed_archive`).
    links: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: An archive document (``<fh:archive/>``): its entries are those of one past period.
    archive: bool = False


@dataclass(frozen=True)
class FeedFile:
    """A feed written in one format, ready for :meth:`digest.outbox.Outbox.write_file`."""

    #: Path parts inside the outbox, e.g. ``("feeds", "themes", "ethics.fr.atom")``.
    parts: tuple[str, ...]
    data: bytes


def public_url(settings: Settings, *parts: str) -> str:
    """The public URL of an outbox path (``base_url`` + the parts joined by ``/``)."""
    return settings.base_url + "/".join(map(_quoted, parts))


@lru_cache(maxsize=4096)
def _quoted(part: str) -> str:
    """``part`` quoted for a URL path: the few names of the outbox's folders and feeds
    are quoted once, not at each of the 30,000 links a backfill's feeds hold."""
    return quote(part)


def feed_url(settings: Settings, feed: Feed, fmt: Format) -> str:
    """The public URL of ``feed`` written in ``fmt``."""
    return public_url(settings, *parts_of(feed, fmt))


def render(
    settings: Settings, feed: Feed, fmt: Format, *, updated: datetime | None = None
) -> bytes:
    """``feed`` as an RSS 2.0 or Atom 1.0 document (UTF-8, with its declaration).

    ``updated``: the feed's date (default: its newest entry's, or :data:`EPOCH`).
    """
    self_url = feed_url(settings, feed, fmt)
    generator = FeedGenerator()
    generator.id(self_url)
    generator.title(text(feed.title))
    # feedgen writes the last link it was given as RSS's channel <link>: the site goes last.
    generator.link(href=self_url, rel="self", type=_MEDIA_TYPES[fmt])
    generator.link(href=feed.home, rel="alternate", type="text/html")
    generator.description(text(feed.subtitle))
    generator.language(feed.lang)
    generator.author(name=text(feed.author), uri=feed.home)
    generator.generator("digest")
    # Without these feedgen would stamp the current time; the newest item keeps bytes stable.
    if updated is None:
        updated = max((entry.published for entry in feed.entries), default=EPOCH)
    generator.updated(updated)
    generator.pubDate(updated)
    if feed.links or feed.archive:
        history = partial(_History, [(rel, _url(settings, stem, fmt)) for rel, stem in feed.links])
        generator.register_extension("history", history, BaseEntryExtension)
        generator.history.archive = feed.archive
    for entry in feed.entries:
        item = generator.add_entry(order="append")
        # Ids are URL-shaped but no page answers at them: never a permalink.
        item.guid(entry.id, permalink=False)
        # Items always have a title (normalisation names an untitled one by its first
        # words); the link stands in should a manifest lack one, as feedgen needs one.
        item.title(text(entry.title).strip() or entry.link)
        item.link(href=entry.link, rel="alternate", type="text/html")
        item.published(entry.published)
        item.updated(entry.published)
        item.pubDate(entry.published)
        if fmt == "rss":
            item.description(text(entry.html))
        else:
            item.content(text(entry.html), type="html")
        for term, label in entry.categories:
            item.category(term=term, label=text(label))
    if fmt == "rss":
        return bytes(generator.rss_str(pretty=True))
    return bytes(generator.atom_str(pretty=True))


def parts_of(feed: Feed, fmt: Format) -> tuple[str, ...]:
    """The outbox path parts of ``feed`` written in ``fmt``."""
    *folders, stem = feed.stem
    return (*folders, f"{stem}.{EXTENSIONS[fmt]}")


def _url(settings: Settings, stem: tuple[str, ...], fmt: Format) -> str:
    *folders, last = stem
    return public_url(settings, *folders, f"{last}.{EXTENSIONS[fmt]}")


class _History(BaseExtension):  # type: ignore[misc]
    """feedgen extension writing RFC 5005's links and ``<fh:archive/>`` after a feed's head:
    Atom links in an Atom feed, ``atom:link`` in an RSS channel (RFC 5005, appendix B)."""

    def __init__(self, links: list[tuple[str, str]]) -> None:
        self.links = links
        self.archive = False

    def extend_ns(self) -> dict[str, str]:
        return {"fh": FH}

    def extend_atom(self, feed: Any) -> Any:
        # feedgen's Atom elements have no namespace of their own (the root's xmlns gives it).
        self._extend(feed, "link", "application/atom+xml")
        return feed

    def extend_rss(self, feed: Any) -> Any:
        self._extend(feed[0], f"{{{_ATOM}}}link", "application/rss+xml")
        return feed

    def _extend(self, parent: Any, link: str, media_type: str) -> None:
        if self.archive:
            xml_elem(f"{{{FH}}}archive", parent)
        for rel, href in self.links:
            xml_elem(link, parent, href=href, rel=rel, type=media_type)


def text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", value)
