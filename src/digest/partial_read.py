"""A source read in part gives the store what reading it whole would.

An article folder whose files did not change since the last build is read in part: only
its new and changed files are parsed (:mod:`digest.sources.unchanged`), the others are
passed over, their items already stored. Two rules of :mod:`digest.identity` look at the
whole source, though, and a partial reading must apply them as a whole reading would:

1. **A key two entries share names neither** (:func:`digest.identity.keys_for`): a new
   Dutch translation published at the French original's address, or a copied text, is an
   item of its own, never the original updated. The entries of the files read are counted
   among themselves when read; a key one of them shares with a passed-over file's entry is
   found here: it is bound to an item that the passed-over file holds (its own key,
   ``file:<id>``, is bound to it) and that the item's stored URL or text still proposes.
2. **The first entry of an item wins**: an entry that resolves to an item an earlier entry
   of the run was stored as is left out and reported (:mod:`digest.ingest`). When the
   earlier entry is a passed-over file's, that item was not written in this run, so it is
   found here: the entry is left out when the item is held by a passed-over file that a
   whole reading reads first (path order).

Without this, a build that read only the new file stored something else than a build that
read them all (after a code change, say), and the outbox followed. An item is found to be
held by a file through the id its file gave it (``<source>/<key>``, ``key`` the file's path
below the folder without extension, ``#n`` for the n-th object of a JSON list); an item a
file took over by its URL after a rename is held by no passed-over file here, and is
updated as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Connection, select

from digest.identity import Incoming, owns, resolve, text_key
from digest.schema import items_table

#: Looks up identity keys in the store: each key found, with the item id it is bound to.
KeyLookup = Callable[[Connection, Sequence[str]], dict[str, str]]


@dataclass(frozen=True)
class Passed:
    """The files of one source its adapter passed over, as a whole reading would meet them."""

    #: Each passed-over file's key stem (its path below the folder, without extension), with
    #: its place among the passed-over files in path order.
    stems: Mapping[str, int]
    #: For each entry read (in the batch's order): how many passed-over files come before
    #: its file in path order.
    ranks: tuple[int, ...]


class Walk:
    """What an adapter passed over and read, in path order, while reading a source."""

    def __init__(self) -> None:
        self._stems: dict[str, int] = {}
        self._before: dict[str, int] = {}

    def passed(self, stem: str) -> None:
        """The file of key stem ``stem`` was passed over (unchanged)."""
        self._stems[stem] = len(self._stems)

    def read(self, location: str) -> None:
        """The file ``location`` (its entries' :attr:`~digest.model.RawEntry.location`) was read."""
        self._before[location] = len(self._stems)

    def passed_for(self, locations: Sequence[str]) -> Passed | None:
        """What the entries read at ``locations`` (in the batch's order) need to be stored as
        a whole reading would store them; None when the source was read whole or gave none."""
        if not self._stems or not locations:
            return None
        last = len(self._stems)
        return Passed(dict(self._stems), tuple(self._before.get(at, last) for at in locations))


@dataclass(frozen=True)
class Verdict:
    """What a whole reading does with one entry of a file read."""

    #: The entry, without the keys it shares with a passed-over file's entry.
    entry: Incoming
    #: True: an earlier, passed-over file holds the item it resolves to; left out.
    left_out: bool


class WholeReading:
    """Applies the two rules above to the entries of a source read in part.

    Called by :meth:`digest.store.Store.put_in` for each entry, in order, inside its
    transaction, with the key bindings known so far.
    """

    def __init__(self, source_id: str, passed: Passed, lookup: KeyLookup) -> None:
        self._source = source_id
        self._passed = passed
        self._lookup = lookup
        #: The item each passed-over file's own key is bound to in the store (files' own
        #: keys are bound only when their file is read: not in this run).
        self._owners: dict[str, str | None] = {}

    def __call__(
        self, conn: Connection, index: int, entry: Incoming, known: dict[str, str]
    ) -> Verdict:
        keys = entry.keys
        own_item = known.get(keys.own) if keys.own else None
        shared = set()
        for key in (keys.url, keys.text):
            bound = known.get(key) if key else None
            if key is None or bound is None or bound == own_item or not owns(self._source, bound):
                continue
            if self._holder(conn, bound) is not None and key in self._proposed(conn, bound):
                shared.add(key)
        if shared:
            keys = replace(
                keys,
                url=None if keys.url in shared else keys.url,
                text=None if keys.text in shared else keys.text,
            )
            entry = replace(entry, keys=keys)
        item_id = resolve(entry.item, keys, known)
        holder = self._holder(conn, item_id) if owns(self._source, item_id) else None
        return Verdict(entry, holder is not None and holder < self._passed.ranks[index])

    def _holder(self, conn: Connection, item_id: str) -> int | None:
        """The place of the passed-over file holding ``item_id``, None if none does."""
        key = item_id[len(self._source) + 1 :]
        stems = self._passed.stems
        place = stems.get(key)
        if place is None and "#" in key:  # the n-th object of a JSON list file
            place = stems.get(key.rpartition("#")[0])
        if place is None:
            return None
        own = f"file:{item_id}"
        if own not in self._owners:
            self._owners[own] = self._lookup(conn, [own]).get(own)
        return place if self._owners[own] == item_id else None

    def _proposed(self, conn: Connection, item_id: str) -> set[str]:
        """The URL and text keys the stored item ``item_id`` proposes, as its file's entry
        did when read."""
        row = conn.execute(
            select(items_table.c.url, items_table.c.text, items_table.c.title).where(
                items_table.c.id == item_id
            )
        ).first()
        if row is None:
            return set()
        proposed = {text_key(self._source, row.text or row.title)}
        if row.url:
            proposed.add(f"url:{row.url}")
        return proposed
