"""The versions of the parts: fingerprints of the code and settings that make each one.

A part whose stored version differs from the current one is computed again, and only
that part: a new summariser recomputes the key points, not the theme matches.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from digest.model import Taxonomy

_PACKAGE = Path(__file__).resolve().parent.parent
#: Files whose code makes each part (folders: every ``.py`` and ``.json`` in them).
#: What every part is made with: text cleaning, lemmas (``lemmata.py``) and the parts' code.
_COMMON_CODE = ("lemmata.py", "clean.py", "normalise.py", "parts")
_POINTS_CODE = ("summarise.py", "rank", "compress", *_COMMON_CODE)
_THEMES_CODE = ("themes", "rank/text.py", "taxonomy.py", *_COMMON_CODE)
_TRAITS_CODE = ("cluster/signature.py", "rank/text.py", *_COMMON_CODE)
#: Libraries whose version changes what a part holds.
_POINTS_LIBRARIES = ("simplemma",)
_THEMES_LIBRARIES = ("simplemma",)
_TRAITS_LIBRARIES = ("datasketch", "numpy", "simplemma")

#: Why each part is computed again, as ``digest build`` says it.
REASONS = {
    "points": "key point model changed",
    "themes": "taxonomy changed",
    "traits": "clustering changed",
}


@dataclass(frozen=True)
class Versions:
    """The current version of each part."""

    points: str
    themes: str
    traits: str


def versions(taxonomy: Taxonomy, sentences: int, compression: bool) -> Versions:
    """The versions of the parts made with this taxonomy and these key point settings."""
    rules = repr((taxonomy.themes, taxonomy.scope))
    return Versions(
        points=_fingerprint(_POINTS_CODE, _POINTS_LIBRARIES, f"{sentences} {compression}"),
        themes=_fingerprint(_THEMES_CODE, _THEMES_LIBRARIES, rules),
        traits=_fingerprint(_TRAITS_CODE, _TRAITS_LIBRARIES, ""),
    )


def _fingerprint(code: tuple[str, ...], libraries: tuple[str, ...], settings: str) -> str:
    digest = hashlib.sha256()
    for name in code:
        path = _PACKAGE / name
        files = (
            sorted(path.rglob("*.py")) + sorted(path.rglob("*.json")) if path.is_dir() else [path]
        )
        for file in files:
            digest.update(str(file.relative_to(_PACKAGE)).encode())
            digest.update(file.read_bytes())
    for library in libraries:
        try:
            digest.update(f"{library} {version(library)}".encode())
        except PackageNotFoundError:
            digest.update(library.encode())
    digest.update(settings.encode("utf-8"))
    return digest.hexdigest()[:16]
