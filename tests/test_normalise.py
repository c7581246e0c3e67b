from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from digest.normalise import (
    NormaliseError,
    canonical_url,
    detect_language,
    html_to_text,
    parse_date,
    sanitise_html,
)

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2021, 2, 10, 9, 0, tzinfo=UTC), "2021-02-10T09:00:00+00:00"),
        (datetime(2021, 7, 1, 12, 0), "2021-07-01T10:00:00+00:00"),  # naive: Brussels summer time
        (date(2021, 1, 1), "2020-12-31T23:00:00+00:00"),  # a bare date is local midnight
        ("2021-10-31T02:30:00+01:00", "2021-10-31T01:30:00+00:00"),
        ("2021-02-10T09:00:00Z", "2021-02-10T09:00:00+00:00"),
        ("Tue, 16 Feb 2021 10:00:00 +0100", "2021-02-16T09:00:00+00:00"),
        ("2021-02-10", "2021-02-09T23:00:00+00:00"),
    ],
)
def test_dates_become_aware_utc(value: object, expected: str) -> None:
    assert parse_date(value, BRUSSELS).isoformat() == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "no date"),
        ("", "no date"),
        ("next tuesday", "is not ISO 8601 or RFC 822"),
        ("1989-12-31T12:00:00Z", "before 1990"),
        (20210210, "is not a date"),
    ],
)
def test_unusable_dates(value: object, message: str) -> None:
    with pytest.raises(NormaliseError, match=message):
        parse_date(value, BRUSSELS)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.ORG/a/b?x=1&utm_source=rss&fbclid=9#top", "https://example.org/a/b?x=1"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/p?gclid=1", "https://example.org/p"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_sanitise_removes_scripts_handlers_and_bad_links() -> None:
    dirty = (
        '<p onclick="x()">Hi <a href="javascript:alert(1)">x</a> <a href="https://ok.example/">ok</a>'
        "<script>alert(1)</script><iframe src='https://evil.example'></iframe>"
        '<img src="https://tracker.example/p.gif"><style>p{}</style></p>'
    )
    clean = sanitise_html(dirty)
    for bad in ("onclick", "javascript", "<script", "<iframe", "<img", "<style"):
        assert bad not in clean
    assert '<a href="https://ok.example/" rel="noopener noreferrer">ok</a>' in clean


def test_html_to_text_keeps_paragraphs_and_decodes_entities() -> None:
    html = (
        "<h2>Titre</h2><p>Un&nbsp;texte &amp; un <b>mot</b>.</p><ul><li>un</li><li>deux</li></ul>"
    )
    assert html_to_text(html) == "Titre\n\nUn texte & un mot.\n\nun\n\ndeux"


def test_html_to_text_drops_script_text() -> None:
    assert html_to_text(sanitise_html("<p>a</p><script>var x = 1;</script><p>b</p>")) == "a\n\nb"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Les pays du Benelux coopèrent dans le domaine de l'intelligence artificielle.", "fr"),
        ("De Benelux-landen werken samen aan kunstmatige intelligentie voor de overheid.", "nl"),
        ("The Benelux countries cooperate on artificial intelligence in government.", "en"),
        ("Die Benelux-Staaten arbeiten bei der künstlichen Intelligenz zusammen.", "de"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language
