"""Typography per language: French spacing, plural forms, one date style per medium.

Checked over every catalog (``digest`` and ``serve``, four languages) and over the
sample's French emails, chrome and text alike.
"""

from __future__ import annotations

import gettext
import re
from datetime import UTC, date, datetime
from pathlib import Path

import lxml.html
import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from digest.render.dates import format_day, format_range, format_weekday
from digest.render.i18n import Catalogs, long_date
from digest.render.typography import NBSP, NNBSP, bad_french_spacing, colon, french_spacing

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "templates" / "locale"
LANGUAGES = ("fr", "nl", "en", "de")
DOMAINS = ("digest", "serve")


def _catalog(lang: str, domain: str) -> Catalog:
    with (LOCALE / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        return read_po(handle, locale=lang, domain=domain)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sources :", f"Sources{NBSP}:"),
        ("Bienvenue !", f"Bienvenue{NNBSP}!"),
        ("Déjà abonné ? Oui ; non", f"Déjà abonné{NNBSP}? Oui{NNBSP}; non"),
        ("« Bonjour »", f"«{NBSP}Bonjour{NBSP}»"),
        # Only the kind of an existing space changes: nothing is added, no letter touched.
        ("https://digest.example/?a=1", "https://digest.example/?a=1"),
        ("à 10:30, vraiment?!", "à 10:30, vraiment?!"),
        (f"déjà{NNBSP}!", f"déjà{NNBSP}!"),
        ("", ""),
    ],
)
def test_french_spacing(text: str, expected: str) -> None:
    assert french_spacing(text) == expected
    assert french_spacing(expected) == expected


def test_a_colon_as_each_language_writes_it() -> None:
    assert colon("Sources", "fr") == f"Sources{NBSP}:"
    assert [colon("x", lang) for lang in ("nl", "en", "de")] == ["x:"] * 3


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_french_catalog_string_is_spaced(domain: str) -> None:
    for message in _catalog("fr", domain):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            assert not bad_french_spacing(string), (message.id, string)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_plural_forms_follow_each_language(lang: str, domain: str) -> None:
    catalog = _catalog(lang, domain)
    expected = Locale.parse(lang).plural_form
    assert catalog.num_plurals == 2
    # The catalog's rule gives what CLDR says for each number.
    rule = gettext.c2py(catalog.plural_expr)
    for n in (0, 1, 2, 5, 21, 1500):
        assert rule(n) == (0 if expected(n) == "one" else 1), (lang, n)
    for message in catalog:
        if not message.pluralizable or not message.id:
            continue
        strings = message.string
        assert isinstance(strings, tuple) and len(strings) == 2, message.id
        if lang == "en" or not any(strings):
            continue  # English shows the source; an untranslated message too
        assert all(strings), message.id
        if "%(n)s" in message.id[0]:
            assert all("%(n)s" in s for s in strings), message.id


@pytest.mark.parametrize(
    ("lang", "one", "many"),
    [
        ("fr", "1 sujet · 1 thème", "4 sujets · 2 thèmes"),
        ("nl", "1 onderwerp · 1 thema", "4 onderwerpen · 2 thema’s"),
        ("en", "1 story · 1 theme", "4 stories · 2 themes"),
        ("de", "1 Meldung · 1 Thema", "4 Meldungen · 2 Themen"),
    ],
)
def test_story_and_theme_counts_in_four_languages(lang: str, one: str, many: str) -> None:
    catalogs = Catalogs(LOCALE, LANGUAGES)

    def summary(stories: int, themes: int) -> str:
        return (
            catalogs.tn(lang, "%(n)s story", "%(n)s stories", stories)
            + " · "
            + catalogs.tn(lang, "%(n)s theme", "%(n)s themes", themes)
        )

    assert (summary(1, 1), summary(4, 2)) == (one, many)
    # French counts 0 and 1 alike; the others count 0 with the plural.
    zero = catalogs.tn(lang, "%(n)s story", "%(n)s stories", 0)
    assert zero == {"fr": "0 sujet", "nl": "0 onderwerpen", "en": "0 stories"}.get(
        lang, "0 Meldungen"
    )


@pytest.mark.parametrize(
    ("lang", "day", "week", "across", "weekday"),
    [
        ("fr", "17 novembre 2025", "17–23 novembre 2025", "29 décembre 2025 – 4 janvier 2026",
         "lundi 17 novembre 2025"),
        ("nl", "17 november 2025", "17–23 november 2025", "29 december 2025 – 4 januari 2026",
         "maandag 17 november 2025"),
        ("en", "November 17, 2025", "November 17–23, 2025",
         "December 29, 2025 – January 4, 2026", "Monday, November 17, 2025"),
        ("de", "17. November 2025", "17.–23. November 2025",
         "29. Dezember 2025 – 4. Januar 2026", "Montag, 17. November 2025"),
    ],
)  # fmt: skip
def test_one_date_style_per_language_in_the_email(
    lang: str, day: str, week: str, across: str, weekday: str
) -> None:
    start = date(2025, 11, 17)
    assert format_day(lang, start) == day
    # A datetime is the same style as a date: no second style in one email.
    assert long_date(lang, datetime(2025, 11, 17, 9, tzinfo=UTC)) == day
    assert format_range(lang, start, date(2025, 11, 23)) == week
    assert format_range(lang, date(2025, 12, 29), date(2026, 1, 4)) == across
    assert format_weekday(lang, start) == weekday


@pytest.mark.parametrize(
    ("lang", "day", "week"),
    [
        ("fr", "17 nov. 2025", "17–23 nov. 2025"),
        ("nl", "17 nov 2025", "17–23 nov 2025"),
        ("en", "Nov 17, 2025", "Nov 17–23, 2025"),
        ("de", "17. Nov. 2025", "17.–23. Nov. 2025"),
    ],
)
def test_one_date_style_per_language_on_the_web(lang: str, day: str, week: str) -> None:
    start = date(2025, 11, 17)
    assert format_day(lang, start, "web") == day
    assert format_range(lang, start, date(2025, 11, 23), "web") == week


def test_the_sample_french_emails_follow_french_spacing(built_sample_tree: Path) -> None:
    """Chrome and text alike: no ordinary space before ``: ; ! ?``, none missing."""
    editions = built_sample_tree / "outbox" / "editions"
    checked = 0
    for path in sorted(editions.glob("*/email.fr*.txt")):
        # The French part of the text (a two-language email's Dutch part is not French).
        text = path.read_text("utf-8")
        french = text.split("Benelux AI-nieuwsbrief")[0] if "fr-nl" in path.name else text
        words = [line for line in french.splitlines() if "http" not in line]
        assert not bad_french_spacing("\n".join(words)), (path, bad_french_spacing(french))
        checked += 1
    for path in sorted(editions.glob("*/email.fr.html")):
        page = lxml.html.fromstring(path.read_text("utf-8"))
        body = page.find("body")
        assert body is not None
        assert not re.search(r"\w [:;!?]", body.text_content()), path
    assert checked > 30


def test_the_text_part_writes_colons_the_french_way(built_sample_tree: Path) -> None:
    text = next((built_sample_tree / "outbox" / "editions").glob("*/email.fr-nl.txt"))
    lines = text.read_text("utf-8").splitlines()
    assert any(line.startswith(f"Voir dans le navigateur{NBSP}: https://") for line in lines)
    assert any(line.startswith("Bekijken in de browser: https://") for line in lines)
