"""The taxonomy (``themes.toml``) and keyword classification.

A keyword matches case-insensitively on word boundaries; a keyword word of four
letters or more also matches the longer words it starts ("algorithme" matches
"algorithmes"), shorter ones (acronyms) only match whole words. A hit in a
title counts :data:`TITLE_WEIGHT` times.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from digest.config import SUPPORTED_LANGUAGES
from digest.errors import ConfigError
from digest.model import Theme

TITLE_WEIGHT = 3.0
#: Smallest score for a theme to be assigned.
MIN_SCORE = 2.0
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def load_themes(path: Path) -> tuple[Theme, ...]:
    """Read and check the taxonomy.

    Raises:
        ConfigError: missing file, bad TOML, or a theme without id, labels or keywords.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"themes file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read themes: {exc}") from exc
    entries = data.get("themes")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[themes]] tables")
    themes = [_theme(entry, path, number) for number, entry in enumerate(entries, start=1)]
    ids = [t.id for t in themes]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ConfigError(f"{path}: theme ids repeat: {', '.join(duplicated)}")
    return tuple(themes)


def _theme(entry: Any, path: Path, number: int) -> Theme:
    where = f"{path}: theme #{number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} is not a table")
    theme_id = entry.get("id")
    if not isinstance(theme_id, str) or not _ID.match(theme_id):
        raise ConfigError(f"{where}: 'id' must be lower-case letters, digits and '-'")
    labels = _per_language(entry.get("label"), f"{where} ({theme_id}): label")
    descriptions = _per_language(entry.get("description", {}), f"{where} ({theme_id}): description")
    keywords_raw = entry.get("keywords")
    if not isinstance(keywords_raw, dict) or not keywords_raw:
        raise ConfigError(f"{where} ({theme_id}): 'keywords' must map languages to lists")
    keywords: dict[str, tuple[str, ...]] = {}
    for lang, words in keywords_raw.items():
        if lang not in SUPPORTED_LANGUAGES or not isinstance(words, list):
            raise ConfigError(f"{where} ({theme_id}): keywords.{lang} must be a list")
        keywords[lang] = tuple(str(w).casefold().strip() for w in words if str(w).strip())
    return Theme(id=theme_id, labels=labels, descriptions=descriptions, keywords=keywords)


def _per_language(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{where} must map language codes to text")
    unknown = sorted(set(value) - set(SUPPORTED_LANGUAGES))
    if unknown:
        raise ConfigError(f"{where}: unknown language {', '.join(unknown)}")
    return dict(value)


@dataclass(frozen=True)
class Text:
    """A piece of text to classify: its language, title and body."""

    language: str
    title: str
    body: str


class Classifier:
    """Scores texts against every theme of a taxonomy."""

    def __init__(self, themes: Sequence[Theme]) -> None:
        self.themes = tuple(themes)

    @cached_property
    def _patterns(self) -> dict[tuple[str, str], re.Pattern[str]]:
        patterns: dict[tuple[str, str], re.Pattern[str]] = {}
        for theme in self.themes:
            for lang, words in theme.keywords.items():
                if words:
                    alternatives = sorted((_keyword_regex(w) for w in words), key=len, reverse=True)
                    patterns[(theme.id, lang)] = re.compile("|".join(alternatives))
        return patterns

    def scores(self, texts: Iterable[Text]) -> dict[str, float]:
        """Score of each theme over all ``texts`` (versions of one story), zeros left out."""
        totals: dict[str, float] = {}
        for text in texts:
            title, body = text.title.casefold(), text.body.casefold()
            for theme in self.themes:
                pattern = self._patterns.get((theme.id, text.language))
                if pattern is None:
                    continue
                score = TITLE_WEIGHT * len(pattern.findall(title)) + len(pattern.findall(body))
                if score:
                    totals[theme.id] = totals.get(theme.id, 0.0) + score
        return totals

    def assign(self, texts: Iterable[Text]) -> tuple[str, ...]:
        """Themes whose score reaches :data:`MIN_SCORE`, best first (ties by id)."""
        scores = self.scores(texts)
        chosen = [(score, theme_id) for theme_id, score in scores.items() if score >= MIN_SCORE]
        return tuple(theme_id for _score, theme_id in sorted(chosen, key=lambda s: (-s[0], s[1])))


def _keyword_regex(keyword: str) -> str:
    parts = []
    for word in keyword.split():
        tail = r"\w*" if len(word) >= 4 else ""
        parts.append(re.escape(word) + tail)
    return r"(?<!\w)" + r"[\s'’-]+".join(parts) + r"(?!\w)"


def theme_map(themes: Iterable[Theme]) -> Mapping[str, Theme]:
    """Themes by id."""
    return {theme.id: theme for theme in themes}
