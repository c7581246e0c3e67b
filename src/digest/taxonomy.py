"""Reading and checking the taxonomy file, ``themes.toml``.

The rule format is described in :mod:`digest.themes`, which classifies with it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from digest.config import SUPPORTED_LANGUAGES
from digest.errors import ConfigError
from digest.model import Theme

#: A word of a rule: letters and digits, with an optional ``*`` (prefix match).
RULE_WORD = re.compile(r"\w+\*?")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_RULE_KEYS = {"term", "weight", "support"}
_EXCLUDE_KEYS = {"term", "penalty"}


def load_themes(path: Path) -> tuple[Theme, ...]:
    """Read and check the taxonomy.

    Raises:
        ConfigError: missing file, bad TOML, a theme without id, labels or keywords, or
            a malformed rule.
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
    where = f"{where} ({theme_id})"
    labels = _per_language(entry.get("label"), f"{where}: label")
    descriptions = _per_language(entry.get("description", {}), f"{where}: description")
    keywords_raw = entry.get("keywords")
    if not isinstance(keywords_raw, dict) or not keywords_raw:
        raise ConfigError(f"{where}: 'keywords' must map languages to lists")
    keywords: dict[str, tuple[str, ...]] = {}
    weights: dict[str, dict[str, float]] = {}
    support: dict[str, tuple[str, ...]] = {}
    for lang, rules in _lists(keywords_raw, f"{where}: keywords"):
        terms, supporting = [], []
        for rule in rules:
            term, options = _entry(rule, _RULE_KEYS, f"{where}: keywords.{lang}")
            weight = _number(options.get("weight", 1.0), f"{where}: keywords.{lang} {term!r}")
            if weight <= 0:
                raise ConfigError(f"{where}: keywords.{lang} {term!r}: weight must be above 0")
            if not isinstance(options.get("support", False), bool):
                raise ConfigError(f"{where}: keywords.{lang} {term!r}: support must be true/false")
            terms.append(term)
            if weight != 1:
                weights.setdefault(lang, {})[term] = weight
            if options.get("support"):
                supporting.append(term)
        keywords[lang] = tuple(terms)
        if supporting:
            support[lang] = tuple(supporting)
    exclusions: dict[str, dict[str, float]] = {}
    for lang, rules in _lists(entry.get("exclude", {}), f"{where}: exclude"):
        for rule in rules:
            term, options = _entry(rule, _EXCLUDE_KEYS, f"{where}: exclude.{lang}")
            penalty = _number(options.get("penalty", 0.0), f"{where}: exclude.{lang} {term!r}")
            if penalty < 0:
                raise ConfigError(f"{where}: exclude.{lang} {term!r}: penalty must be 0 or more")
            exclusions.setdefault(lang, {})[term] = penalty
    return Theme(
        id=theme_id,
        labels=labels,
        descriptions=descriptions,
        keywords=keywords,
        weights=weights,
        support=support,
        exclusions=exclusions,
    )


def _lists(value: Any, where: str) -> Iterable[tuple[str, list[Any]]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must map languages to lists")
    for lang, rules in value.items():
        if lang not in SUPPORTED_LANGUAGES or not isinstance(rules, list):
            raise ConfigError(f"{where}.{lang} must be a list")
        yield lang, rules


def _entry(rule: Any, allowed: set[str], where: str) -> tuple[str, dict[str, Any]]:
    """A rule's term (lower-case) and its options; a plain string has none."""
    options: dict[str, Any] = {}
    if isinstance(rule, dict):
        unknown = sorted(set(rule) - allowed)
        if unknown:
            raise ConfigError(f"{where}: unknown key {', '.join(unknown)} in {rule!r}")
        options, rule = rule, rule.get("term")
    if not isinstance(rule, str) or not RULE_WORD.search(rule):
        raise ConfigError(f"{where}: {rule!r} is not a term (text, or a table with 'term')")
    return " ".join(rule.casefold().split()), options


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: {value!r} is not a number")
    return float(value)


def _per_language(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f"{where} must map language codes to text")
    unknown = sorted(set(value) - set(SUPPORTED_LANGUAGES))
    if unknown:
        raise ConfigError(f"{where}: unknown language {', '.join(unknown)}")
    return dict(value)
