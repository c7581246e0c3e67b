from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from digest.cluster import story_groups
from digest.edition import GENERAL, build_edition
from digest.model import Item, Theme
from digest.periods import period_of

HEALTH = Theme(
    "health", {"fr": "Santé", "nl": "Gezondheid"}, {}, {"fr": ("hôpital",), "nl": ("ziekenhuis",)}
)
ENERGY = Theme(
    "energy", {"fr": "Énergie", "nl": "Energie"}, {}, {"fr": ("énergie",), "nl": ("energie",)}
)
WEEK = period_of("weekly", date(2021, 2, 10))


def item(key: str, language: str, title: str, text: str, day: int = 10, **extra: object) -> Item:
    base = Item(
        id=f"articles/{key}",
        source_id="articles",
        source_name="Exemple",
        url=f"https://example.org/{key}",
        title=title,
        published=datetime(2021, 2, day, 9, tzinfo=UTC),
        language=language,
        text=text,
    )
    return replace(base, **extra)  # type: ignore[arg-type]


ITEMS = [
    item(
        "h-fr",
        "fr",
        "Un hôpital teste l'IA",
        "L'hôpital de Liège teste un outil de tri. Il aide les médecins.",
    ),
    item(
        "h-nl",
        "nl",
        "Een ziekenhuis test AI",
        "Het ziekenhuis van Luik test een triage-instrument. Het helpt artsen.",
        translation_of="articles/h-fr",
    ),
    item(
        "e-nl",
        "nl",
        "Energie en AI",
        "Netbeheerders gebruiken AI voor energie. De energie vloeit beter.",
        day=11,
    ),
    item(
        "x-fr",
        "fr",
        "Un sujet sans thème",
        "Ce texte ne parle de rien de précis. Vraiment de rien.",
        day=12,
    ),
]


def test_translations_form_one_group() -> None:
    groups = story_groups(ITEMS)
    assert [[i.id for i in g] for g in groups] == [
        ["articles/h-fr", "articles/h-nl"],
        ["articles/e-nl"],
        ["articles/x-fr"],
    ]


def test_link_to_an_item_outside_the_period_is_ignored() -> None:
    lonely = replace(ITEMS[1], translation_of="articles/elsewhere", url="https://example.org/other")
    assert len(story_groups([ITEMS[0], lonely])) == 2


def test_edition_sections_follow_the_taxonomy_then_general() -> None:
    edition = build_edition(
        WEEK,
        ITEMS,
        [ENERGY, HEALTH],
        languages=("fr", "nl"),
        stories_per_theme=4,
        sentences_per_point=1,
    )
    assert edition is not None
    assert edition.id == "weekly-2021-W06"
    assert [s.theme.id for s in edition.sections] == ["energy", "health", GENERAL.id]
    health = edition.sections[1].stories[0]
    assert health.id == "articles/h-fr"
    assert [p.language for p in health.points] == ["fr", "nl"]
    assert health.point_in("nl") is not None and health.point_in("en") is None
    assert health.original.item_id == "articles/h-fr"
    assert edition.published == datetime(2021, 2, 12, 9, tzinfo=UTC)
    assert edition.item_ids == tuple(sorted(i.id for i in ITEMS))


def test_a_translated_story_outranks_a_single_language_one() -> None:
    both = [ITEMS[0], ITEMS[1], item("h2", "fr", "Hôpital", "Un autre hôpital. Encore un hôpital.")]
    edition = build_edition(
        WEEK, both, [HEALTH], languages=("fr", "nl"), stories_per_theme=4, sentences_per_point=1
    )
    assert edition is not None
    assert [s.id for s in edition.sections[0].stories] == ["articles/h-fr", "articles/h2"]


def test_stories_per_theme_is_a_cap() -> None:
    many = [
        item(f"h{n}", "fr", f"Hôpital {n}", "Un hôpital. Un autre.", day=10 + n % 3)
        for n in range(6)
    ]
    edition = build_edition(
        WEEK, many, [HEALTH], languages=("fr",), stories_per_theme=2, sentences_per_point=1
    )
    assert edition is not None
    assert len(edition.sections[0].stories) == 2


def test_no_items_no_edition() -> None:
    assert (
        build_edition(
            WEEK, [], [HEALTH], languages=("fr",), stories_per_theme=2, sentences_per_point=1
        )
        is None
    )


def test_order_of_input_does_not_matter() -> None:
    kwargs = {"languages": ("fr", "nl"), "stories_per_theme": 4, "sentences_per_point": 2}
    first = build_edition(WEEK, ITEMS, [ENERGY, HEALTH], **kwargs)  # type: ignore[arg-type]
    second = build_edition(WEEK, list(reversed(ITEMS)), [ENERGY, HEALTH], **kwargs)  # type: ignore[arg-type]
    assert first == second
