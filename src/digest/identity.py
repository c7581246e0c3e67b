"""Which stored item an incoming entry is: ids that survive GUID churn.

The policy, in order:

1. An entry's own key: ``file:<source>/<path>`` for an article file, else
   ``guid:<source>/<guid>`` for a feed entry whose GUID is unique in its feed (the
   feed adapter gives entries sharing a GUID one each, see
   :mod:`digest.sources.entry_keys`).
2. Its canonical URL, ``url:<url>``, when unique in its source's batch (a feed
   that gives every entry the same link does not get them merged).
3. A hash of its clean text (of its title when it has no text),
   ``text:<source>/<sha>``, when unique in the batch.

A known GUID is trusted when the URL or the text also matches the item it
names, or when the entry has no URL: then it is that item, updated in place
(an edited title changes nothing else). A known GUID with another URL *and*
other text is a GUID reused for a new article: a new item. Failing the GUID,
a known URL, then a known text, names the item: a feed that re-issues every
GUID adds nothing. Every key seen is bound to the item it resolved to.

A source owns its items: only its own items can be found by its entries. A URL
key is the one key two sources can share; it stays bound to the first source's
item, and another source's entry with that URL is an item of its own source (the
two are one story, see :mod:`digest.cluster`). So no feed can change, replace or
take over an item another source published.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from digest.model import Item, RawEntry

if TYPE_CHECKING:
    from digest.store_rows import PreparedRow


@dataclass(frozen=True)
class Keys:
    """The identity keys of one incoming item (any may be missing)."""

    own: str | None
    url: str | None
    text: str | None

    def present(self) -> tuple[str, ...]:
        """The keys that are set."""
        return tuple(k for k in (self.own, self.url, self.text) if k)


@dataclass(frozen=True)
class Incoming:
    """An item on its way into the store."""

    item: Item
    keys: Keys
    #: The date was set to the time of reading: keep the stored one if there is one.
    provisional_date: bool = False
    #: The row that stores ``item`` if it is new, made where the source was read (None:
    #: made when stored).
    prepared: PreparedRow | None = None


def keys_for(batch: Sequence[tuple[RawEntry, Item]]) -> list[Keys]:
    """Keys for a batch of entries from one source, leaving out those repeated in the batch."""
    proposed = [_proposed(raw, item) for raw, item in batch]
    counts = Counter(key for keys in proposed for key in keys if key)
    return [Keys(*(key if key and counts[key] == 1 else None for key in keys)) for keys in proposed]


def _proposed(raw: RawEntry, item: Item) -> tuple[str | None, str | None, str | None]:
    if raw.guid is None:
        own = f"file:{raw.source_id}/{raw.key}" if raw.is_file else None
    else:
        own = f"guid:{raw.source_id}/{raw.guid}"
    url = f"url:{item.url}" if item.url else None
    text = text_key(item.source_id, item.text or item.title)
    return own, url, text


def text_key(source_id: str, text: str) -> str:
    """The key of an entry of ``source_id`` by its clean ``text`` (its title without one)."""
    return f"text:{source_id}/{_sha(text)}"


def owns(source_id: str, item_id: str) -> bool:
    """Whether ``item_id`` names an item of source ``source_id`` (ids are ``<source>/<key>``)."""
    return item_id.startswith(f"{source_id}/")


def resolve(item: Item, keys: Keys, known: Mapping[str, str]) -> str:
    """The id ``item`` is stored under, given the ``known`` key -> item id bindings.

    Only bindings to items of ``item``'s own source count: a URL bound to another
    source's item is as if unknown, so no source can change another's item.
    """

    def mine(key: str | None) -> str | None:
        found = known.get(key) if key else None
        return found if found is not None and owns(item.source_id, found) else None

    # A URL another source holds says nothing about this source's items.
    url = keys.url if keys.url is None or keys.url not in known or mine(keys.url) else None
    by_own, by_url, by_text = mine(keys.own), mine(url), mine(keys.text)
    if by_own is not None and (url is None or by_own in (by_url, by_text)):
        return by_own
    if by_url is not None:
        return by_url
    if by_text is not None:
        return by_text
    if by_own is not None and keys.own and keys.own.startswith("guid:"):
        # A reused GUID: the proposed id derives from it, so derive a fresh one.
        return f"{item.source_id}/{_sha(keys.url or keys.text or item.title)[:16]}"
    return item.id


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
