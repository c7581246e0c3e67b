"""Rows of the store's tables as the model's values, and back (for :mod:`digest.store`)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC
from typing import Any

from digest.model import FeedState, Item
from digest.schema import aware_utc, fields_hash, naive_utc


def item_row(item: Item) -> dict[str, Any]:
    """The row of ``items`` that stores ``item`` (its fields hash included)."""
    # Shallow on purpose: dataclasses.asdict deep-copies and was a fifth of ingest time.
    row = {f.name: getattr(item, f.name) for f in _ITEM_FIELDS}
    row["published"] = naive_utc(item.published)
    row["authors"] = list(item.authors)
    row["tags"] = list(item.tags)
    row["fields_hash"] = fields_hash(row)
    return row


_ITEM_FIELDS = fields(Item)


def item_from_row(row: Any) -> Item:
    """The item of a row of ``items``, cleaned again as it is read."""
    # Cleaned again as it is read: a store written before a cleaning rule existed holds
    # items that rule would have changed (a control character in a title). Imported
    # here: the normaliser's language model is not loaded by a build that reads no item.
    from digest.normalise import recleaned

    return recleaned(raw_item_from_row(row))


def raw_item_from_row(row: Any) -> Item:
    """The item of a row of ``items`` as stored."""
    return Item(
        id=row["id"],
        source_id=row["source_id"],
        source_name=row["source_name"],
        url=row["url"],
        title=row["title"],
        published=row["published"].replace(tzinfo=UTC),
        language=row["language"],
        text=row["text"],
        html=row["html"],
        authors=tuple(row["authors"]),
        tags=tuple(row["tags"]),
        translation_of=row["translation_of"],
    )


def feed_from_row(row: Any) -> FeedState:
    """The state of a feed from its row of ``feeds``."""
    return FeedState(
        id=row["id"],
        location=row["location"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_success=aware_utc(row["last_success"]),
        last_error=row["last_error"],
        last_error_at=aware_utc(row["last_error_at"]),
        failures=row["failures"],
        problems=tuple((str(kind), int(count)) for kind, count in row["problems"] or ()),
    )
