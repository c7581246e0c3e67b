"""The translation memory: translations kept in the store, keyed by their source.

A source sentence is known by :func:`unit_id`, a hash of its language and its
text (whitespace normalised). The same id keys the trans-units of the XLIFF
files a translator receives, so a sentence that did not change is never asked
twice, whichever item or edition it comes from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from digest.store import Store, StoreCounts, StoredTranslation
from digest.translate.base import Status, Translation


def normalise(text: str) -> str:
    """``text`` with runs of whitespace as one space, trimmed: what the memory keys on."""
    return " ".join(text.split())


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
        found = self.store.translations(target, by_key)
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
        return self.store.put_translations(
            StoredTranslation(
                source_key=unit_id(source, text),
                source_language=source,
                target_language=target,
                source_text=normalise(text),
                target_text=normalise(translated),
                status=status,
                origin=origin,
            )
            for text, translated in translations.items()
        )


def _status(value: str) -> Status:
    return "reviewed" if value == "reviewed" else "machine"
