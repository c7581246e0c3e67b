"""Translations of key points: a memory of reviewed ones, optional machine backends.

When a story has no version in one of an edition's languages, :func:`translate_edition`
asks a :class:`Chain` for its original's title and key point:

1. the translation memory (:mod:`digest.translate.memory`, a table of the store):
   reviewed translations, loaded from XLIFF 1.2 files (:mod:`digest.translate.xliff`)
   that a translator filled in (``digest translate export`` / ``import``);
2. the configured machine backends (:class:`Translator`), in order: LibreTranslate
   (:mod:`digest.translate.libre`) and Argos Translate packages
   (:mod:`digest.translate.argos`); their output is remembered as ``machine``;
3. nothing: the renderer shows the original with a language badge.
"""

from __future__ import annotations

from digest.translate.base import Status, Translation, TranslationError, Translator
from digest.translate.chain import Chain, open_chain, translate_edition
from digest.translate.memory import TranslationMemory, normalise, unit_id
from digest.translate.workflow import (
    REVIEWED_FOLDER,
    Export,
    ImportCounts,
    export_missing,
    import_file,
    import_reviewed,
    import_xliff,
)

__all__ = [
    "REVIEWED_FOLDER",
    "Chain",
    "Export",
    "ImportCounts",
    "Status",
    "Translation",
    "TranslationError",
    "TranslationMemory",
    "Translator",
    "export_missing",
    "import_file",
    "import_reviewed",
    "import_xliff",
    "normalise",
    "open_chain",
    "translate_edition",
    "unit_id",
]
