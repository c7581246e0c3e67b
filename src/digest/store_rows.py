"""Rows of the store's tables as the model's values, and back (for :mod:`digest.store`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC
from typing import Any

from digest.clean import CLEANING_VERSION
from digest.model import FeedState, Item
from digest.schema import aware_utc, content_key, fields_hash, naive_utc


@dataclass(frozen=True)
class PreparedRow:
    """:func:`item_row` of ``item``, worked out ahead: where a source is read (a worker
    process), so that the one process writing the store only writes it."""

    item: Item
    row: Mapping[str, Any]

    def row_of(self, item: Item) -> dict[str, Any]:
        """The row of ``item``: this one if ``item`` is the very item it was made from
        (pickling keeps the two references one object), else made now (an item given
        another id, or any other copy)."""
        return dict(self.row) if item is self.item else item_row(item)


def prepared_row(item: Item) -> PreparedRow:
    """``item`` with its row, made now."""
    return PreparedRow(item, item_row(item))


def item_row(item: Item) -> dict[str, Any]:
    """The row of ``items`` that stores ``item`` (its fields hash and content key included),
    an item cleaned by the current rules (:data:`~digest.clean.CLEANING_VERSION`): one
    normalised now, or read back (:func:`item_from_row` cleans it again if need be)."""
    # Shallow on purpose: dataclasses.asdict deep-copies and was a fifth of ingest time.
    row = {f.name: getattr(item, f.name) for f in _ITEM_FIELDS}
    row["published"] = naive_utc(item.published)
    row["authors"] = list(item.authors)
    row["tags"] = list(item.tags)
    row["fields_hash"] = fields_hash(row)
    row["cleaned"] = CLEANING_VERSION
    row["content_key"] = content_key(item.language, item.title, item.text)
    return row


_ITEM_FIELDS = fields(Item)


def item_from_row(row: Any) -> Item:
    """The item of a row of ``items``, cleaned again if an older version of the cleaning
    rules cleaned it."""
    item = raw_item_from_row(row)
    if is_clean(row):
        return item
    # A store written before a cleaning rule existed holds items that rule would have
    # changed (a control character in a title). Imported here: the normaliser's language
    # model is not loaded by a build that reads no such item.
    from digest.normalise import recleaned

    return recleaned(item)


def is_clean(row: Any) -> bool:
    """Whether a row of ``items`` was cleaned by the current cleaning rules (a row of
    another version, or read without the ``cleaned`` column, is not known to be)."""
    return bool(row.get("cleaned") == CLEANING_VERSION)


def stored_content_key(row: Any) -> str | None:
    """The content key stored with a row of ``items`` cleaned by the current rules (that of
    the item :func:`item_from_row` gives), else None: computed when needed."""
    key = row.get("content_key") if is_clean(row) else None
    return str(key) if key is not None else None


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
