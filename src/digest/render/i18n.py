"""Localised chrome: gettext catalogs and Babel formatting, per language.

Catalogs are the ``.po`` files under ``<templates>/locale/<lang>/LC_MESSAGES/digest.po``
(``serve.po``: the subscription service's pages and mails, a domain of their own).
They are compiled in memory when loaded, so a build never reads a stale ``.mo``.
Templates call ``t(lang, "message")`` and ``tn(lang, "one", "many", n)``, which
``make i18n`` extracts with Babel (keywords ``t:2`` and ``tn:2,3``). French strings
get French spacing (:mod:`digest.render.typography`) before their values are filled in,
and dates follow one style per language and medium (:mod:`digest.render.dates`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from digest.errors import RenderError
from digest.model import Period
from digest.render.dates import Medium, format_day, format_month, format_range, format_weekday
from digest.render.typography import spaced

DOMAIN = "digest"


class Catalogs:
    """The message catalogs of a set of languages."""

    def __init__(self, locale_dir: Path, languages: Iterable[str], domain: str = DOMAIN) -> None:
        self._translations: dict[str, NullTranslations] = {}
        #: The texts :meth:`t` and :meth:`tn` made, before their values are filled in.
        self._texts: dict[tuple[Any, ...], str] = {}
        for lang in languages:
            po = locale_dir / lang / "LC_MESSAGES" / f"{domain}.po"
            if not po.is_file():
                # English is the source language: no catalog means the msgids as written.
                if lang == "en":
                    self._translations[lang] = NullTranslations()
                    continue
                raise RenderError(f"no message catalog for {lang!r} at {po}")
            try:
                with po.open("rb") as handle:
                    catalog = read_po(handle, locale=lang, domain=domain)
            except Exception as exc:
                raise RenderError(f"{po}: unreadable catalog: {exc}") from exc
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            self._translations[lang] = Translations(buffer, domain=domain)

    def t(self, lang: str, message: str, **values: Any) -> str:
        """``message`` translated into ``lang``, with ``%(name)s`` values filled in."""
        # Each message is translated and spaced once: a page asks for some thousands.
        key = (lang, message)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = spaced(lang, self._translations[lang].gettext(message))
        return text % values if values else text

    def tn(self, lang: str, singular: str, plural: str, n: int, **values: Any) -> str:
        """The plural form for ``n`` in ``lang``; ``%(n)s`` is available."""
        key = (lang, singular, plural, n)
        text = self._texts.get(key)
        if text is None:
            found = self._translations[lang].ngettext(singular, plural, n)
            text = self._texts[key] = spaced(lang, found)
        return text % {"n": format_number(lang, n), **values}


@lru_cache(maxsize=4096, typed=True)
def format_number(lang: str, n: int) -> str:
    """``n`` written as the locale writes numbers."""
    from babel.numbers import format_decimal

    return format_decimal(n, locale=lang)


@lru_cache(maxsize=256)
def language_name(lang: str, in_lang: str | None = None, *, capitalise: bool = True) -> str:
    """Name of ``lang`` in ``in_lang`` (default: itself), capitalised or as the locale has it."""
    name = Locale.parse(lang).get_display_name(in_lang or lang) or lang
    return name[:1].upper() + name[1:] if capitalise else name


def long_date(lang: str, moment: date | datetime, medium: Medium = "email") -> str:
    """``17 novembre 2025``: the one date style of ``lang`` in ``medium``."""
    return format_day(lang, moment, medium)


def period_label(catalogs: Catalogs, lang: str, period: Period, medium: Medium = "email") -> str:
    """The period in words: ``Semaine 47 · 17–23 novembre 2025``, ``Novembre 2025``, a day."""
    if period.kind == "daily":
        return format_weekday(lang, period.start, medium)
    if period.kind == "monthly":
        return format_month(lang, period.start)
    last = date.fromordinal(period.start.toordinal() + 6)
    days = format_range(lang, period.start, last, medium)
    week = int(period.key.rsplit("W", 1)[1])
    return catalogs.t(lang, "Week %(week)s · %(days)s", week=week, days=days)
