"""The tables of the store, for every dialect (SQLAlchemy Core).

This is the schema at the head revision of :mod:`digest.migrations`, which creates
and upgrades it: a change here goes with a new revision there (a test compares a
store brought to head with this metadata). :mod:`digest.store` owns the items,
keys and feeds; the other tables belong to the modules named beside them, which
read and write them through the same engine. Datetimes are naive UTC: SQLite keeps no zone, so every
dialect gets the same convention.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from json.encoder import encode_basestring as _quoted
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()


def naive_utc(moment: datetime) -> datetime:
    """``moment`` as the store keeps it: in UTC, without a zone."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def aware_utc(moment: datetime | None) -> datetime | None:
    """A datetime read from the store, in UTC with its zone again; None stays None."""
    return moment.replace(tzinfo=UTC) if moment is not None else None


items_table = Table(
    "items",
    metadata,
    Column("id", String(512), primary_key=True),
    Column("source_id", String(200), nullable=False, index=True),
    Column("source_name", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False),
    # Naive UTC: SQLite keeps no zone, so every dialect gets the same convention.
    Column("published", DateTime(timezone=False), nullable=False),
    Column("language", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("authors", JSON, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("translation_of", String(512), nullable=True),
    # fields_hash() of the row's other columns, written with them: an item changed in place
    # changes it, so editions key their items without reading them (digest.incremental).
    # Added by revision 0004 (which fills it); NULL only in a row written by other means.
    Column("fields_hash", String(32), nullable=True),
    # The version of the cleaning rules the row's fields were cleaned by
    # (digest.clean.CLEANING_VERSION): a row of an older version (NULL: written before
    # revision 0005) is cleaned again when read, and rewritten by digest.recleaning.
    Column("cleaned", Integer, nullable=True),
    # content_key() of the row's fields, written with them (NULL: not known, computed when
    # needed): what the item's parts (item_parts.content) were made from. Revision 0005.
    Column("content_key", String(32), nullable=True),
    # By date, with what keys an edition's items: one index-only range scan.
    Index("ix_items_published_fields", "published", "id", "fields_hash"),
    # The rows of an older cleaning version, found without reading the table.
    Index("ix_items_cleaned", "cleaned"),
)

#: The columns of ``items`` that :func:`fields_hash` covers, in its order.
ITEM_FIELDS = (
    "id",
    "source_id",
    "source_name",
    "url",
    "title",
    "published",
    "language",
    "text",
    "html",
    "authors",
    "tags",
    "translation_of",
)


def fields_hash(row: Mapping[Any, Any]) -> str:
    """The ``fields_hash`` of a row of ``items`` (its :data:`ITEM_FIELDS` as stored:
    ``published`` a naive UTC datetime, ``authors`` and ``tags`` lists)."""
    values = [row[name] for name in ITEM_FIELDS]
    values[ITEM_FIELDS.index("published")] = row["published"].isoformat()
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def content_key(language: str, title: str, text: str) -> str:
    """Hash of what an item's parts are made from: its language, title and text (the
    ``content`` of its row of ``item_parts``, :func:`digest.parts.compute.content_key`)."""
    # json.dumps([language, title, text], ensure_ascii=False), the same characters without
    # the encoder's set-up per call: each string quoted by the encoder's own function.
    data = f"[{', '.join(map(_quoted, (language, title, text)))}]"
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]


keys_table = Table(
    "item_keys",
    metadata,
    Column("key", String(1024), primary_key=True),
    Column("item_id", String(512), nullable=False),
    # Only ever looked up by key: in SQLite, one B-tree keyed on it instead of a rowid
    # table plus an index (a third fewer writes per stored item).
    sqlite_with_rowid=False,
)

feeds_table = Table(
    "feeds",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("location", Text, nullable=False),
    Column("etag", Text, nullable=True),
    Column("last_modified", Text, nullable=True),
    Column("last_success", DateTime(timezone=False), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("last_error_at", DateTime(timezone=False), nullable=True),
    Column("failures", Integer, nullable=False, default=0),
    # The last run's problems by kind, [[kind, count], ...]; added to older stores by
    # revision 0001, so it must stay nullable.
    Column("problems", JSON, nullable=True),
)

translations_table = Table(
    "translations",
    metadata,
    # Hash of source language + source text (digest.translate.memory.unit_id): the key an
    # XLIFF trans-unit carries, so an unchanged sentence is never asked twice.
    Column("source_key", String(64), primary_key=True),
    Column("target_language", String(8), primary_key=True),
    Column("source_language", String(8), nullable=False),
    Column("source_text", Text, nullable=False),
    Column("target_text", Text, nullable=False),
    # "reviewed" (a translator's, from an XLIFF file) or "machine" (a backend's output).
    Column("status", String(16), nullable=False),
    # Where it came from: the XLIFF file name or the machine backend.
    Column("origin", Text, nullable=False),
)

# Delivery (digest.deliver.ledger reads and writes these two).
subscribers_table = Table(
    "subscribers",
    metadata,
    Column("email", String(320), primary_key=True),
    # "fr", "nl", "fr+nl": the languages the subscriber reads.
    Column("languages", String(32), nullable=False),
    Column("themes", JSON, nullable=False),
    # "active", "unsubscribed" (from the subscribers file) or "bounced" (kept by the store).
    Column("status", String(16), nullable=False),
    # The server's answer that bounced the address.
    Column("reason", Text, nullable=True),
    Column("updated", DateTime(timezone=False), nullable=False),
)

deliveries_table = Table(
    "deliveries",
    metadata,
    Column("edition_id", String(200), primary_key=True),
    Column("email", String(320), primary_key=True),
    Column("variant", String(32), nullable=False),
    # sending, sent, failed-temporary, failed-permanent, unknown (a crash while sending).
    Column("state", String(24), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("reply", Text, nullable=True),
    Column("updated", DateTime(timezone=False), nullable=False),
    Column("retry_at", DateTime(timezone=False), nullable=True),
    Column("owner", String(200), nullable=True),
)


# Schedules (digest.schedule.state reads and writes this one).
schedule_state_table = Table(
    "schedule_state",
    metadata,
    Column("schedule", String(100), primary_key=True),
    # The last period done: built, found empty, or done by another scheduler. It only
    # moves forward; misfire policies count the missed periods from it.
    Column("period_kind", String(16), nullable=False),
    Column("period_key", String(32), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("edition_id", String(200), nullable=False),
    Column("outcome", Text, nullable=False),
    Column("updated", DateTime(timezone=False), nullable=False),
)

# Held editions (digest.deliver.hold): an edition a schedule did not send, and why.
holds_table = Table(
    "holds",
    metadata,
    Column("edition_id", String(200), primary_key=True),
    # Why, one line per reason, as the schedule reported it.
    Column("reason", Text, nullable=False),
    Column("held", DateTime(timezone=False), nullable=False),
    # When the operator released it (digest release); a released edition is never held again.
    Column("released", DateTime(timezone=False), nullable=True),
)

# Named locks (digest.locks): a row per lock held; inserting it is taking the lock.
locks_table = Table(
    "locks",
    metadata,
    Column("name", String(300), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("renewed", DateTime(timezone=False), nullable=False),
)

# What the last build saw of each local source file (digest.source_state reads and writes
# it): a file whose size and modification time, else content hash, are unchanged is not
# read again, as HTTP feeds keep ETag and Last-Modified. Added by revision 0002.
source_files_table = Table(
    "source_files",
    metadata,
    # The source (an article folder, a feed of feeds.toml, "reviewed" translations).
    Column("source_id", String(200), primary_key=True),
    # The file's path as the adapter names it.
    Column("path", String(1024), primary_key=True),
    Column("size", Integer, nullable=False),
    # st_mtime_ns: beyond 32 bits, so a BigInteger on every dialect.
    Column("mtime_ns", BigInteger, nullable=False),
    # SHA-256 of the file's bytes.
    Column("sha256", String(64), nullable=False),
    # Hash of what else shaped the reading (code, limits, timezone...): another one re-reads.
    Column("reader", String(64), nullable=False),
    # The problems its last reading met, replayed when it is skipped: [[location, what,
    # action, kind, subject, count], ...].
    Column("problems", JSON, nullable=False),
)

# The inputs each published edition was built from (digest.source_state): an edition whose
# inputs hash to the same key, and whose manifest is still the one then written, is not
# built again. Added by revision 0002.
edition_inputs_table = Table(
    "edition_inputs",
    metadata,
    Column("edition_id", String(200), primary_key=True),
    Column("inputs", String(64), nullable=False),
    # SHA-256 of the manifest file the build left in the outbox.
    Column("manifest", String(64), nullable=False),
)

# What each item's text gives on its own, computed once and kept with it (digest.parts
# reads and writes it): its key point, what the taxonomy's rules found in it, its
# clustering traits. Each part carries the version of the code and settings that made it:
# another version recomputes that part only. Added by revision 0003.
item_parts_table = Table(
    "item_parts",
    metadata,
    Column("item_id", String(512), primary_key=True),
    # Hash of the item's language, title and text the parts were made from.
    Column("content", String(32), nullable=False),
    Column("points_version", String(16), nullable=True),
    # Compact JSON: [text, score, [whole sentences], [[lemma, count], ...]].
    Column("points", Text, nullable=True),
    Column("themes_version", String(16), nullable=True),
    # Compact JSON: [words, [[rule, part, count, cancelled], ...]].
    Column("themes", Text, nullable=True),
    Column("traits_version", String(16), nullable=True),
    # Compact JSON: [MinHash values packed little-endian in base64, [anchors]].
    Column("traits", Text, nullable=True),
)
