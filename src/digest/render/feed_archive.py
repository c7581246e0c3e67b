"""Each feed as RFC 5005 "archived feeds": a subscription document and monthly archives.

A feed reader polls the **subscription document** (the feed's usual URL,
``feeds/editions.<lang>.xml`` ...): it holds the entries of the editions published in the
:data:`WINDOW` before the language's newest edition, and never fewer than the feed's newest
:data:`AT_LEAST` entries (a quiet theme's feed is never empty). Its
``<link rel="prev-archive">`` leads to the newest **archive document**.

Every calendar month (UTC, of the entries' ``published``) before the month of the
language's newest edition is an archive document, at a URL that stays:
``feeds/archive/editions.<lang>.<YYYY-MM>.xml``,
``feeds/archive/themes/<theme>.<lang>.<YYYY-MM>.atom``. It holds every entry of that month
(some are in the subscription document too, as its window reaches back past the month's
end), is marked ``<fh:archive/>`` and links to the subscription document (``current``)
and to the archives of the months before and after it that have entries
(``prev-archive``, ``next-archive``). A month with no entry has no document.

The month of the newest edition has no archive yet: its entries are all in the
subscription document (the window is longer than a month), and its archive is written once
an edition of a later month is. So a new edition of the same month changes no archive; the
first edition of a month adds the archive of the month before and the ``next-archive``
link of the archive before that; an edition published again changes only its month's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from digest.render.feed_doc import Feed, Pending

#: How far back from the newest edition the subscription document reaches.
WINDOW = timedelta(weeks=8)
#: The fewest entries a subscription document holds (all of them, when it has fewer).
AT_LEAST = 10
#: The folder of the archive documents, under the feeds' own.
FOLDER = "archive"

#: A feed document and the entries it holds, newest first.
Document = tuple[Feed, tuple[Pending, ...]]


def documents(found: Sequence[Document]) -> list[list[Document]]:
    """Each feed of ``found`` (its entries newest first, :func:`digest.render.feeds.plans`)
    as its documents: the subscription document first, then its archives, newest first.

    The window and the current month are the same for every feed of a language: those of
    its newest entry in any feed (the newest edition shown in that language).
    """
    newest: dict[str, datetime] = {}
    for feed, pending in found:
        for entry in pending[:1]:
            if feed.lang not in newest or entry.published > newest[feed.lang]:
                newest[feed.lang] = entry.published
    return [split(feed, pending, newest.get(feed.lang)) for feed, pending in found]


def split(feed: Feed, pending: tuple[Pending, ...], newest: datetime | None) -> list[Document]:
    """``feed``'s subscription document and archives (see the module's text); ``newest``:
    the date of the language's newest edition (None: the feed has no entry)."""
    if newest is None or not pending:
        return [(feed, pending)]
    since = newest - WINDOW
    window = tuple(
        entry for at, entry in enumerate(pending) if at < AT_LEAST or entry.published >= since
    )
    current = month(newest)
    months: dict[str, list[Pending]] = {}
    of: dict[datetime, str] = {}  # an edition's entries share its date
    for entry in pending:
        key = of.get(entry.published)
        if key is None:
            key = of[entry.published] = month(entry.published)
        if key < current:
            months.setdefault(key, []).append(entry)
    keys = sorted(months, reverse=True)
    stems = [archive_stem(feed.stem, key) for key in keys]
    head = (("prev-archive", stems[0]),) if stems else ()
    found: list[Document] = [(replace(feed, links=head), window)]
    for at, key in enumerate(keys):
        links = [("current", feed.stem)]
        if at + 1 < len(keys):
            links.append(("prev-archive", stems[at + 1]))
        if at > 0:
            links.append(("next-archive", stems[at - 1]))
        archive = replace(feed, stem=stems[at], links=tuple(links), archive=True)
        found.append((archive, tuple(months[key])))
    return found


def month(published: datetime) -> str:
    """The archive period of an entry: its ``published`` month (UTC), ``YYYY-MM``."""
    return f"{published.year:04d}-{published.month:02d}"


def archive_stem(stem: tuple[str, ...], key: str) -> tuple[str, ...]:
    """Where the archive of month ``key`` of the feed at ``stem`` is: ``feeds/archive/``,
    then the feed's path with the month before the extension."""
    first, *folders, last = stem
    return (first, FOLDER, *folders, f"{last}.{key}")
