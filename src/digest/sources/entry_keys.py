"""What names each entry of a feed, even when entries share a GUID, a link or a title.

An entry is named by its GUID, else its link, else its title (its *base*). When a
base repeats within one feed (a podcast feed that reuses an enclosure URL as every
episode's GUID), the entries sharing it are different entries: each is told apart
by the first of these that no other entry of the group has: its link, its title and
date, else its position among them. The name stays the same from one read of the
feed to the next as long as the entries do. An entry identical to an earlier one
(every field) is the same entry given twice, not another one.

A feed whose bases are all distinct is named exactly as before: its items keep their ids.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the parsers are imported when a feed is parsed
    from digest.sources.parsing import EntryData


@dataclass(frozen=True)
class Named:
    """One entry of a feed with what names it."""

    entry: EntryData
    #: Its link, absolute (None when it has no web link).
    link: str | None
    #: The text the adapter's key is made from.
    key: str
    #: The GUID identity uses: the feed's own, with what told the entry apart when the
    #: GUID repeats in the feed; None when the entry has none.
    guid: str | None
    #: What the entry shares with another one (``GUID``, ``link``, ``title``), if anything.
    shared: str | None = None
    #: How it was told apart (``link``, ``title and date``, ``position``).
    told_by: str | None = None
    #: Identical to an earlier entry of the feed: the same entry given twice.
    repeat: bool = False


def name_entries(entries: Sequence[tuple[EntryData, str | None]]) -> list[Named]:
    """Name each ``(entry, link)`` of one feed, in the feed's order."""
    bases = [_base(entry, link) for entry, link in entries]
    groups: dict[str, list[int]] = defaultdict(list)
    for index, (base, _) in enumerate(bases):
        groups[base].append(index)
    named = []
    for index, ((entry, link), (base, shared)) in enumerate(zip(entries, bases, strict=True)):
        group = groups[base]
        if len(group) == 1:
            named.append(Named(entry, link, base, entry.guid))
            continue
        earlier = [entries[other] for other in group if other < index]
        if (entry, link) in earlier:
            named.append(Named(entry, link, base, entry.guid, shared, repeat=True))
            continue
        others = [entries[other] for other in group if other != index]
        told_by, mark = _told_apart(entry, link, others, position=group.index(index) + 1)
        guid = f"{entry.guid}#{_sha(mark)[:12]}" if entry.guid else None
        named.append(Named(entry, link, f"{base}\n{mark}", guid, shared, told_by))
    return named


def _base(entry: EntryData, link: str | None) -> tuple[str, str]:
    if entry.guid:
        return entry.guid, "GUID"
    if link:
        return link, "link"
    return entry.title, "title"


def _told_apart(
    entry: EntryData,
    link: str | None,
    others: Sequence[tuple[EntryData, str | None]],
    *,
    position: int,
) -> tuple[str, str]:
    """How ``entry`` differs from the ``others`` sharing its base, and the mark that says so."""
    if link and all(link != other_link for _, other_link in others):
        return "link", f"link {link}"
    dated = _title_and_date(entry)
    if dated and all(dated != _title_and_date(other) for other, _ in others):
        return "title and date", f"title and date {dated}"
    return "position", f"position {position}"


def _title_and_date(entry: EntryData) -> str:
    date = entry.date_text or (entry.date_parsed.isoformat() if entry.date_parsed else "")
    return f"{entry.title}\n{date}" if entry.title or date else ""


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
