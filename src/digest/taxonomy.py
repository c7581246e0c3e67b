"""Reading and checking the taxonomy file, ``themes.toml``: themes, scope, term groups.

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
from digest.model import Condition, Scope, Taxonomy, Theme

#: A word of a rule: letters and digits, with an optional ``*`` (prefix match).
RULE_WORD = re.compile(r"\w+\*?")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_RULE_KEYS = {"term", "weight", "support", "near", "unless", "within", "except", "grouped"}
_RULE_TABLES = {"keywords", "exclude"}
_TOP_KEYS = {"themes", "scope", "terms", "learned"}
#: The scope's rules are matched under this id, which no theme may take.
SCOPE_ID = "scope"
Groups = dict[str, dict[str, tuple[str, ...]]]
_EXCLUDE_KEYS = {"term", "penalty"}


def load_themes(path: Path) -> tuple[Theme, ...]:
    """The themes of the taxonomy at ``path`` (see :func:`load_taxonomy`)."""
    return load_taxonomy(path).themes


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and check the taxonomy: its themes, its scope and its learned weights file.

    Raises:
        ConfigError: missing file, bad TOML, a theme without id, labels or keywords, a
            malformed rule or scope, or an unknown ``@group``.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"themes file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read themes: {exc}") from exc
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown key {', '.join(unknown)}")
    groups = _groups(data.get("terms", {}), f"{path}: terms")
    entries = data.get("themes")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[themes]] tables")
    themes = [_theme(entry, path, number, groups) for number, entry in enumerate(entries, 1)]
    ids = [t.id for t in themes]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ConfigError(f"{path}: theme ids repeat: {', '.join(duplicated)}")
    if SCOPE_ID in ids:
        raise ConfigError(f"{path}: {SCOPE_ID!r} is the scope's id, not a theme's")
    scope = _scope(data["scope"], f"{path}: scope", groups) if "scope" in data else None
    learned = data.get("learned")
    if learned is not None and not isinstance(learned, str):
        raise ConfigError(f"{path}: 'learned' must be a file name")
    return Taxonomy(tuple(themes), scope, path.parent / learned if learned else None)


def _groups(value: Any, where: str) -> dict[str, dict[str, tuple[str, ...]]]:
    """``[terms.<name>]`` tables: named lists of terms per language, used as ``@name``."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be tables of terms per language")
    groups: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, lists in value.items():
        groups[name] = {
            lang: tuple(_entry(t, set(), f"{where}.{name}.{lang}")[0] for t in terms)
            for lang, terms in _lists(lists, f"{where}.{name}")
        }
    return groups


def _scope(value: Any, where: str, groups: Groups) -> Scope:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table")
    known = {"threshold", "length", "require_theme", "description", *_RULE_TABLES}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key {', '.join(unknown)}")
    threshold = _number(value.get("threshold"), f"{where}: threshold")
    if threshold <= 0:
        raise ConfigError(f"{where}: threshold must be above 0")
    length = value.get("length", Scope.length)
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ConfigError(f"{where}: length must be a whole number of words above 0")
    require = value.get("require_theme", False)
    if not isinstance(require, bool):
        raise ConfigError(f"{where}: require_theme must be true/false")
    descriptions = _per_language(value.get("description", {}), f"{where}: description")
    rules = _ruled(SCOPE_ID, {}, descriptions, value, where, groups)
    return Scope(rules, threshold, length, require)


def _theme(entry: Any, path: Path, number: int, groups: Groups) -> Theme:
    where = f"{path}: theme #{number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} is not a table")
    theme_id = entry.get("id")
    if not isinstance(theme_id, str) or not _ID.match(theme_id):
        raise ConfigError(f"{where}: 'id' must be lower-case letters, digits and '-'")
    where = f"{where} ({theme_id})"
    labels = _per_language(entry.get("label"), f"{where}: label")
    descriptions = _per_language(entry.get("description", {}), f"{where}: description")
    return _ruled(theme_id, labels, descriptions, entry, where, groups)


def _ruled(
    theme_id: str,
    labels: dict[str, str],
    descriptions: dict[str, str],
    entry: dict[str, Any],
    where: str,
    groups: Groups,
) -> Theme:
    """A theme (or the scope) with the rules of its ``keywords`` and ``exclude`` tables."""
    keywords_raw = entry.get("keywords")
    if not isinstance(keywords_raw, dict) or not keywords_raw:
        raise ConfigError(f"{where}: 'keywords' must map languages to lists")
    keywords: dict[str, tuple[str, ...]] = {}
    weights: dict[str, dict[str, float]] = {}
    support: dict[str, tuple[str, ...]] = {}
    conditions: dict[str, dict[str, Condition]] = {}
    origins: dict[str, dict[str, str]] = {}
    for lang, rules in _lists(keywords_raw, f"{where}: keywords"):
        terms, supporting = [], []
        at = f"{where}: keywords.{lang}"
        for term, options, origin in _expanded(rules, lang, at, groups):
            if not isinstance(options.get("grouped", False), bool):
                raise ConfigError(f"{at} {term!r}: grouped must be true/false")
            if origin and options.get("grouped"):
                origins.setdefault(lang, {})[term] = origin
            weight = _number(options.get("weight", 1.0), f"{at} {term!r}")
            if weight <= 0:
                raise ConfigError(f"{at} {term!r}: weight must be above 0")
            if not isinstance(options.get("support", False), bool):
                raise ConfigError(f"{at} {term!r}: support must be true/false")
            terms.append(term)
            if weight != 1:
                weights.setdefault(lang, {})[term] = weight
            if options.get("support"):
                supporting.append(term)
            condition = _condition(options, lang, f"{at} {term!r}", groups)
            if condition != Condition():
                conditions.setdefault(lang, {})[term] = condition
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
        conditions=conditions,
        groups=origins,
    )


def _expanded(
    rules: list[Any], lang: str, where: str, groups: Groups
) -> Iterable[tuple[str, dict[str, Any], str]]:
    """Each rule's term, options and ``@group`` (``""`` for a term written out); a group
    gives one rule per term it holds."""
    for rule in rules:
        term, options = _entry(rule, _RULE_KEYS, where)
        if term.startswith("@"):
            for each in _group(term, lang, where, groups):
                yield each, options, term
        else:
            yield term, options, ""


def _group(name: str, lang: str, where: str, groups: Groups) -> tuple[str, ...]:
    group = groups.get(name[1:])
    if group is None:
        raise ConfigError(f"{where}: no [terms.{name[1:]}] table for {name!r}")
    return group.get(lang, ())


def _condition(options: dict[str, Any], lang: str, where: str, groups: Groups) -> Condition:
    lists = {}
    for key in ("near", "unless", "except"):
        value = options.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key} must be a term or a list of terms")
        terms: list[str] = []
        for each in value:
            each = " ".join(each.casefold().split())
            terms.extend(_group(each, lang, where, groups) if each.startswith("@") else [each])
        lists[key] = tuple(terms)
    within = options.get("within", Condition.within)
    if isinstance(within, bool) or not isinstance(within, int) or not 0 <= within <= 100:
        raise ConfigError(f"{where}: within must be a whole number of words from 0 to 100")
    return Condition(lists["near"], lists["unless"], within, lists["except"])


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
