"""Numbers as the how page and the web pages write them: at most two decimals, in the
page's language (``1,5``)."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from babel import Locale
from babel.numbers import parse_pattern


def number(lang: str, value: float) -> str:
    """``value`` with at most two decimals, as ``lang`` writes numbers (``1,5``)."""
    # A how page writes thousands of numbers (each rule's weight and points), few of
    # them different: each is formatted once. Keyed by its type too (1 and 1.0 are one
    # key, not one string); zero is not kept (0.0 and -0.0 are one key).
    key = (lang, value.__class__, value)
    found = _NUMBERS.get(key)
    if found is None:
        # Babel's format_decimal(rounded, format=..., locale=lang) reads a float as the
        # Decimal of its str(): keyed by that string, the same text comes back.
        found = _number(lang, str(round(value, 2)))
        if value and len(_NUMBERS) < _NUMBERS_KEPT:
            _NUMBERS[key] = found
    return found


#: The numbers :func:`number` wrote, and how many it keeps at most.
_NUMBERS: dict[tuple[str, type, float], str] = {}
_NUMBERS_KEPT = 65536


#: The pattern of :func:`number`, parsed once.
_PATTERN = parse_pattern("#,##0.##")


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


@lru_cache(maxsize=8192)
def _number(lang: str, value: str) -> str:
    """``value`` (a float's ``str()``, rounded) as :data:`_PATTERN` writes it in ``lang``."""
    decimal = _decimal(lang)
    if decimal is not None and _PLAIN.fullmatch(value):
        return _plain(value, decimal)
    return str(_PATTERN.apply(value, _locale(lang)))


#: The numbers :func:`_number` writes without Babel: from 0 to 999.99, no sign, no
#: exponent, at most two decimals (no digit is grouped).
_PLAIN = re.compile(r"(?:0|[1-9][0-9]{0,2})(?:\.[0-9]{1,2})?")


def _plain(value: str, decimal: str) -> str:
    """A :data:`_PLAIN` number: its digits, its fraction's trailing zeros left out."""
    whole, _, fraction = value.partition(".")
    fraction = fraction.rstrip("0")
    return f"{whole}{decimal}{fraction}" if fraction else whole


@cache
def _decimal(lang: str) -> str | None:
    """The decimal sign of ``lang`` when Babel writes :data:`_PLAIN` numbers as
    :func:`_plain` does (checked on a few), else None: every number is Babel's."""
    locale = _locale(lang)
    written = str(_PATTERN.apply("1.5", locale))
    decimal = written[1:-1]
    if not decimal or written != f"1{decimal}5":
        return None
    probes = ("0", "0.0", "0.5", "0.05", "7.1", "10.0", "99.99", "100", "999.9", "999.25")
    if any(str(_PATTERN.apply(p, locale)) != _plain(p, decimal) for p in probes):
        return None
    return decimal
