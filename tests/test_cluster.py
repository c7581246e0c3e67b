"""Stories: which items are joined, and which are not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from digest.cluster import anchors, story_groups
from digest.model import Item

BASE = datetime(2024, 10, 15, 9, tzinfo=UTC)


def item(key: str, language: str, title: str, text: str, url: str = "", days: float = 0) -> Item:
    return Item(
        id=f"s/{key}",
        source_id="s",
        source_name="S",
        url=url or f"https://site.example/{key}",
        title=title,
        published=BASE + timedelta(days=days),
        language=language,
        text=text,
    )


def ids(groups: list[list[Item]]) -> list[list[str]]:
    return [[i.id for i in g] for g in groups]


PRESS = (
    "The Benelux ministers for digital affairs signed a joint statement on public sector "
    "algorithms in Brussels on Tuesday, promising a shared register by the end of 2025."
)


def test_the_same_press_release_on_three_sites_is_one_story() -> None:
    items = [
        item("a", "en", "Joint statement on algorithms", PRESS, "https://one.example/news/1"),
        item(
            "b",
            "en",
            "Ministers sign statement",
            PRESS + " More soon.",
            "https://two.example/x",
            0.2,
        ),
        item("c", "en", "Benelux statement", "Breaking: " + PRESS, "https://three.example/y", 0.5),
        item(
            "d",
            "en",
            "Unrelated",
            "Rail freight volumes rose in the port of Antwerp this month.",
            days=0.1,
        ),
    ]
    assert ids(story_groups(items)) == [["s/a", "s/b", "s/c"], ["s/d"]]


def test_near_duplicates_far_apart_in_time_stay_apart() -> None:
    items = [
        item("a", "en", "T", PRESS),
        item("b", "en", "T", PRESS, "https://x.example/b", days=10),
    ]
    assert len(story_groups(items)) == 2


def test_language_variants_of_one_url_are_one_story() -> None:
    items = [
        item("fr", "fr", "Un titre", "Texte en français.", "https://gov.example/fr/news/42"),
        item(
            "nl",
            "nl",
            "Een titel",
            "Tekst in het Nederlands.",
            "https://gov.example/nl/news/42",
            0.1,
        ),
        item("other", "nl", "Iets anders", "Ander nieuws.", "https://gov.example/nl/news/43"),
    ]
    assert ids(story_groups(items)) == [["s/fr", "s/nl"], ["s/other"]]


def test_same_event_in_other_languages_shares_rare_names() -> None:
    fr = item(
        "fr", "fr", "Colloque à Luxembourg",
        "Le ministre Serge Wilmes a accueilli le colloque au Cercle Cité. Emilia Tantar a parlé d'éthique.",
    )  # fmt: skip
    en = item(
        "en", "en", "Civil servants meet",
        "Minister Serge Wilmes hosted the meeting. Emilia Tantar spoke about ethical risks.", days=1,
    )  # fmt: skip
    other = item(
        "x", "en", "Other news", "Rail freight rose in Antwerp, said Jan Peeters of Port Authority."
    )
    assert ids(story_groups([fr, en, other])) == [["s/fr", "s/en"], ["s/x"]]


def test_common_names_alone_do_not_join_stories() -> None:
    texts = [
        ("a", "fr", "Benelux et IA", "Le Benelux, la Belgique et le Luxembourg parlent d'IA."),
        ("b", "en", "Benelux and AI", "The Benelux, Belgium and Luxembourg discuss AI rules."),
    ]
    filler = [
        item(f"f{n}", "nl", f"Nieuws {n}", f"Benelux Luxemburg België bericht {n}.")
        for n in range(10)
    ]
    assert len(story_groups([item(*t) for t in texts] + filler)) == 12


def test_explicit_translation_joins_whatever_the_dates() -> None:
    original = item("o", "fr", "Original", "Texte.")
    late = replace(item("t", "nl", "Vertaling", "Tekst.", days=30), translation_of="s/o")
    assert ids(story_groups([original, late])) == [["s/o", "s/t"]]


def test_anchors_skip_capitalised_ordinary_words() -> None:
    found = anchors(
        item(
            "a",
            "fr",
            "Les ministres",
            "Les ministres et les experts, avec Emilia Tantar. Puis 1 800 euros.",
        )
    )
    assert found == {"emilia", "tantar", "1800"}


def test_one_event_in_three_languages_within_a_small_week() -> None:
    """The names shared by every version are rare enough even among a week's handful of items."""
    names = "Serge Wilmes, Emilia Tantar et le Cercle Cité"
    versions = [
        item(
            "fr", "fr", "Colloque", f"Avec {names}, le colloque a eu lieu.", "https://a.example/1"
        ),
        item(
            "nl",
            "nl",
            "Colloquium",
            f"Met {names} vond het colloquium plaats.",
            "https://b.example/2",
            0.1,
        ),
        item(
            "en",
            "en",
            "Meeting",
            f"With {names}, the meeting took place.",
            "https://c.example/3",
            0.5,
        ),
    ]
    others = [
        item("x", "en", "Rail", "Rail freight rose in Antwerp, said Jan Peeters.", days=0.2),
        item(
            "y",
            "nl",
            "Haven",
            "De haven van Rotterdam meldde een record, aldus Piet Smit.",
            days=0.3,
        ),
    ]
    assert ids(story_groups(versions + others)) == [["s/fr", "s/nl", "s/en"], ["s/x"], ["s/y"]]


def test_numbers_end_at_a_list_comma_and_keep_their_marks() -> None:
    text = (
        "Le budget 2026, 14 millions d'euros, couvre 5.000 agents, 3,5 % de hausse et "
        "12\u202f500 postes ; 2026 140 bornes."
    )
    found = anchors(item("a", "fr", "Budget", text))
    assert found == {"2026", "14", "5000", "35", "12500", "140"}


UWV_PILOT = (
    "Het UWV laat een AI-systeem samenvattingen maken van medische dossiers voor "
    "verzekeringsartsen. De proef in Zwolle moet de wachttijden voor keuringen verkorten; "
    "artsen controleren elke samenvatting voordat ze een beslissing nemen."
)
UWV_PILOT_RETOLD = (
    "Verzekeringsartsen van het UWV krijgen voortaan een samenvatting van het medische dossier "
    "die door AI is gemaakt. Volgens het UWV verkort dat de wachttijden voor keuringen, en "
    "de artsen blijven elke samenvatting controleren."
)
UWV_OTHER = (
    "Het UWV opent in Zwolle een nieuw kantoor voor werkzoekenden met een servicebalie en "
    "vacatureborden; de gemeente verhuist er haar loket voor bijstand naartoe."
)


def test_one_event_told_in_one_language_by_two_sources_is_one_story() -> None:
    told = item("a", "nl", "UWV test AI-samenvattingen", UWV_PILOT)
    retold = replace(
        item("b", "nl", "Artsen krijgen AI-samenvatting", UWV_PILOT_RETOLD, days=1), source_id="t"
    )
    # Another event sharing the rare names, from a third source: not the same story.
    other = replace(item("c", "nl", "Nieuw UWV-kantoor", UWV_OTHER, days=0.5), source_id="u")
    filler = [
        replace(
            item(f"f{n}", "nl", f"Bericht {n}", f"Gemeente {n} plant wegwerken."), source_id="v"
        )
        for n in range(6)
    ]
    groups = ids(story_groups([told, retold, other, *filler]))
    assert ["s/a", "s/b"] in groups and ["s/c"] in groups


def test_a_sources_follow_up_in_its_language_stays_a_story_of_its_own() -> None:
    told = item("a", "nl", "UWV test AI-samenvattingen", UWV_PILOT)
    follow_up = item("b", "nl", "Artsen krijgen AI-samenvatting", UWV_PILOT_RETOLD, days=1)
    assert ids(story_groups([told, follow_up])) == [["s/a"], ["s/b"]]


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example/fr/article-1",
        "https://news.example/article-fr",
        "https://news.example/news/fr?id=3",
        "https://news.example/news/nl#top",
        "https://news.example/news/de;v=1",
        "https://news.example/a.en",
        "https://news.example/a/f\tr/b",
        "https://news.example/a/fr\n",
        "https://fr.news.example/",
        "https://news.example/?lang=fr",
        "https://news.example/french/",
    ],
)
def test_a_link_split_for_its_language_segment_is_one_the_quick_check_keeps(url: str) -> None:
    """Links are split (urlsplit) only when the quick check on the whole link allows a
    language segment in their path: every link whose path holds one passes it."""
    from urllib.parse import urlsplit

    from digest.cluster import _LANGUAGE_SEGMENT, _MAY_NAME_LANGUAGE

    path = urlsplit(url).path
    if _LANGUAGE_SEGMENT.search(path):
        assert _MAY_NAME_LANGUAGE.search(url)
