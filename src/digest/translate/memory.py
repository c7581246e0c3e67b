"""The translation memory: translations kept in the store, keyed by their source.

A source sentence is known by :func:`unit_id`, a hash of its language and its
text (whitespace normalised). The same id keys the trans-units of the XLIFF
files a translator receives, so a sentence that did not change is never asked
twice, whichever item or edition it comes from.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from digest import sqlite_file
from digest.errors import StoreError
from digest.schema import translations_table
from digest.store import Store, StoreCounts, batches, raced
from digest.translate.base import Status, Translation


@dataclass(frozen=True)
class StoredTranslation:
    """One entry of the translation memory, as the store keeps it."""

    source_key: str
    source_language: str
    target_language: str
    source_text: str
    target_text: str
    #: ``reviewed`` or ``machine``.
    status: str
    #: The XLIFF file or the machine backend it came from.
    origin: str


def normalise(text: str) -> str:
    """``text`` with runs of whitespace as one space, trimmed: what the memory keys on."""
    return " ".join(text.split())


_BREAKING_SPACE = re.compile(r"[ \t\n\r\f\v\u2028\u2029]+")


def normalise_target(text: str) -> str:
    """A translation with runs of breaking whitespace as one space, trimmed, its no-break
    spaces kept: French puts one before ``: ; ! ?`` and inside « », and a translator who
    typed them means them."""
    return _BREAKING_SPACE.sub(" ", text).strip(" ")


def unit_id(language: str, text: str) -> str:
    """The stable id of a source sentence: a hash of its language and normalised text."""
    digest = hashlib.sha256(f"{language}\n{normalise(text)}".encode()).hexdigest()
    return f"{language}-{digest[:32]}"


class TranslationMemory:
    """Reviewed and machine translations in one :class:`~digest.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def lookup(self, source: str, target: str, texts: Iterable[str]) -> dict[str, Translation]:
        """The remembered translations of ``texts`` (in ``source``) into ``target``, by text."""
        by_key = {unit_id(source, text): text for text in texts}
        found = self._stored(target, by_key)
        return {
            by_key[key]: Translation(entry.target_text, _status(entry.status), entry.origin)
            for key, entry in found.items()
            if entry.source_language == source
        }

    def reviewed(self, source: str, target: str, texts: Iterable[str]) -> set[str]:
        """Which of ``texts`` have a reviewed translation into ``target``."""
        found = self.lookup(source, target, texts)
        return {text for text, translation in found.items() if translation.status == "reviewed"}

    def remember(
        self,
        source: str,
        target: str,
        translations: Mapping[str, str],
        *,
        status: Status,
        origin: str,
    ) -> StoreCounts:
        """Keep ``translations`` (source text -> target text); reviewed ones are never
        replaced by machine ones."""
        return self._put(
            StoredTranslation(
                source_key=unit_id(source, text),
                source_language=source,
                target_language=target,
                source_text=normalise(text),
                target_text=normalise_target(translated),
                status=status,
                origin=origin,
            )
            for text, translated in translations.items()
        )

    def _stored(self, target: str, source_keys: Iterable[str]) -> dict[str, StoredTranslation]:
        """The memory's translations into ``target`` of these sources, by key."""
        table = translations_table
        found: dict[str, StoredTranslation] = {}
        with self.store.engine.connect() as conn:
            for chunk in batches(sorted(set(source_keys))):
                query = (
                    select(table)
                    .where(table.c.target_language == target)
                    .where(table.c.source_key.in_(chunk))
                )
                for row in conn.execute(query):
                    found[row.source_key] = StoredTranslation(**row._mapping)
        return found

    def _put(self, entries: Iterable[StoredTranslation]) -> StoreCounts:
        """Insert or update translations, in one transaction.

        A reviewed translation is never replaced by a machine one: machine output only
        fills gaps and refreshes earlier machine output.
        """
        entries = list(entries)
        try:
            return raced(lambda: self._write(entries))
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot write translations: {sqlite_file.reason(exc)}") from exc

    def _write(self, entries: Sequence[StoredTranslation]) -> StoreCounts:
        table = translations_table
        added = updated = unchanged = 0
        with self.store.engine.begin() as conn:
            for entry in entries:
                key = (table.c.source_key == entry.source_key) & (
                    table.c.target_language == entry.target_language
                )
                row = conn.execute(select(table).where(key)).first()
                if row is None:
                    conn.execute(table.insert().values(**asdict(entry)))
                    added += 1
                elif StoredTranslation(**row._mapping) == entry or (
                    row.status == "reviewed" and entry.status != "reviewed"
                ):
                    unchanged += 1
                else:
                    conn.execute(table.update().where(key).values(**asdict(entry)))
                    updated += 1
        return StoreCounts(added, updated, unchanged)


def _status(value: str) -> Status:
    return "reviewed" if value == "reviewed" else "machine"
