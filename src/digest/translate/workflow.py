"""The translator's round trip: export what lacks a reviewed translation, import it back.

``export_missing`` rebuilds every edition the store's items make (as ``digest
build`` does) and writes, as XLIFF 1.2, the title and key point of each story that
has no version in the target language and no reviewed translation into it yet.
``import_xliff`` loads a translated file back as reviewed. The reviewed files in
``<sources>/translations/`` are imported at the start of every build (and export),
which changes nothing when they did not change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from digest.config import SUPPORTED_LANGUAGES, Settings
from digest.errors import InputError
from digest.model import Problem
from digest.sources.folder_walk import visible_files
from digest.store import Store
from digest.translate.base import TranslationError
from digest.translate.memory import TranslationMemory, normalise, unit_id
from digest.translate.xliff import Unit, read_xliff, write_xliff

#: Subfolder of the sources folder holding reviewed XLIFF files.
REVIEWED_FOLDER = "translations"
_SUFFIXES = (".xlf", ".xliff")


@dataclass(frozen=True)
class ImportCounts:
    """What importing XLIFF files did."""

    #: Units with a non-empty target.
    translated: int
    #: Units left untranslated (empty target): ignored.
    empty: int
    added: int
    updated: int
    unchanged: int
    files: int = 1

    def __add__(self, other: ImportCounts) -> ImportCounts:
        return ImportCounts(
            self.translated + other.translated,
            self.empty + other.empty,
            self.added + other.added,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.files + other.files,
        )


NO_IMPORT = ImportCounts(0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class Export:
    """An XLIFF document for a translator and what it asks."""

    data: bytes
    #: Trans-units in it (each title or key point once).
    units: int
    #: Of those, how many carry a machine suggestion.
    suggested: int


def import_xliff(store: Store, path: Path) -> ImportCounts:
    """Load the translated units of one XLIFF 1.2 file into the memory as reviewed.

    Units with an empty target are ignored; the file's name is kept as their origin.

    Raises:
        TranslationError: the file cannot be read or is not usable XLIFF 1.2.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TranslationError(str(path), f"cannot read: {exc.strerror or exc}") from None
    units = read_xliff(data, str(path))
    translated = [unit for unit in units if unit.target]
    pairs: dict[tuple[str, str], dict[str, str]] = {}
    for unit in translated:
        pairs.setdefault((unit.source_language, unit.target_language), {})[unit.source] = (
            unit.target
        )
    memory = TranslationMemory(store)
    added = updated = unchanged = 0
    for (source, target), texts in sorted(pairs.items()):
        counts = memory.remember(source, target, texts, status="reviewed", origin=path.name)
        added, updated = added + counts.added, updated + counts.updated
        unchanged += counts.unchanged
    return ImportCounts(len(translated), len(units) - len(translated), added, updated, unchanged)


def import_file(settings: Settings, path: Path) -> ImportCounts:
    """:func:`import_xliff` into the store of ``settings`` (``digest translate import``).

    Raises:
        TranslationError: the file cannot be read or is not usable XLIFF 1.2.
        StoreError: the store cannot be opened or written.
    """
    store = Store(settings.store_url)
    try:
        return import_xliff(store, path)
    finally:
        store.close()


#: Largest XLIFF file imported: thousands of units fit in a few megabytes.
MAX_XLIFF_BYTES = 20_000_000


def import_reviewed(
    store: Store, folder: Path, report: Callable[[Problem], None] | None = None
) -> ImportCounts:
    """Import every ``.xlf``/``.xliff`` file below ``folder`` (none: nothing to do).

    A bad file is reported and skipped; the others are imported.
    """
    if not folder.is_dir():
        return NO_IMPORT

    def note(path: Path, what: str) -> None:
        if report is not None:
            report(Problem(str(path), what, "skipped"))

    def outside(path: Path) -> None:
        note(path, "symlink to outside the sources folder")

    total = NO_IMPORT
    # The translators' folder is a source like the others: a jail, and bounded.
    for path in visible_files(folder, outside, root=folder.parent):
        if path.suffix.lower() not in _SUFFIXES:
            continue
        if path.stat().st_size > MAX_XLIFF_BYTES:
            note(path, f"file is over {MAX_XLIFF_BYTES:,} bytes")
            continue
        try:
            total += import_xliff(store, path)
        except TranslationError as exc:
            if report is not None:
                report(Problem(exc.location, exc.args[0], "skipped"))
    return total


def export_missing(
    settings: Settings, target: str, report: Callable[[Problem], None] | None = None
) -> Export:
    """What the store's editions show without a reviewed translation into ``target``.

    Every edition of the configured period from the oldest stored item to today is
    rebuilt; each story with no key point written in ``target`` asks for the title
    and key point of its original. A remembered machine translation is offered as a
    suggestion (``<alt-trans>``), never as the target.

    Raises:
        InputError: ``target`` is not a supported language.
        DigestError: the store or the themes are unusable.
    """
    # Imported here: digest.build imports this package for the build stage.
    from digest.build import edition_for
    from digest.periods import periods_between
    from digest.taxonomy import load_taxonomy
    from digest.themes import Classifier

    if target not in SUPPORTED_LANGUAGES:
        raise InputError(f"--to {target!r}: not one of {', '.join(SUPPORTED_LANGUAGES)}")
    classifier = Classifier(load_taxonomy(settings.paths.themes))
    store = Store(settings.store_url)
    try:
        import_reviewed(store, settings.paths.sources / REVIEWED_FOLDER, report)
        oldest = store.earliest()
        units: dict[str, Unit] = {}
        if oldest is not None:
            first = oldest.astimezone(settings.zone).date()
            last = datetime.now(settings.zone).date()
            for period in periods_between(settings.period, first, last):
                edition = edition_for(settings, store, classifier, period)
                stories = (
                    [s for section in edition.sections for s in section.stories]
                    if (edition is not None)
                    else []
                )
                for story in stories:
                    if story.point_in(target) is not None:
                        continue
                    original = story.original
                    for text, what in ((original.title, "title"), (original.text, "key point")):
                        key = unit_id(original.language, text)
                        note = f"{what} of {original.item_id} ({original.url})"
                        units.setdefault(
                            key,
                            Unit(key, original.language, target, normalise(text), note=note),
                        )
        pending = _without_reviewed(TranslationMemory(store), units, target)
    finally:
        store.close()
    return Export(write_xliff(pending), len(pending), sum(1 for unit in pending if unit.suggestion))


def _without_reviewed(memory: TranslationMemory, units: dict[str, Unit], target: str) -> list[Unit]:
    by_language: dict[str, list[Unit]] = {}
    for unit in units.values():
        by_language.setdefault(unit.source_language, []).append(unit)
    pending = []
    for language, group in by_language.items():
        known = memory.lookup(language, target, [unit.source for unit in group])
        for unit in group:
            found = known.get(unit.source)
            if found is not None and found.status == "reviewed":
                continue
            if found is not None:
                unit = replace(unit, suggestion=found.text, suggestion_origin=found.origin)
            pending.append(unit)
    return pending
