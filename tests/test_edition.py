from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from digest.cluster import story_groups
from digest.edition import GENERAL, build_edition, pick
from digest.model import Item, KeyPoint, Story, StoryScore, Theme
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


def test_independent_sources_count_translations_do_not() -> None:
    wire = item(
        "wire", "fr", "Un hôpital teste l'IA", "L'hôpital de Liège teste un outil de tri.",
        source_id="wire", id="wire/1", url="https://wire.example/1",
    )  # fmt: skip
    edition = build_edition(
        WEEK, [*ITEMS[:2], wire], [HEALTH], languages=("fr", "nl"), stories_per_theme=4,
        sentences_per_point=1,
    )  # fmt: skip
    assert edition is not None
    (story,) = edition.sections[0].stories
    assert len(story.points) == 3
    assert story.parts is not None and story.parts.sources == 2
    alone = build_edition(
        WEEK, ITEMS[:2], [HEALTH], languages=("fr", "nl"), stories_per_theme=4,
        sentences_per_point=1,
    )  # fmt: skip
    assert alone is not None and alone.sections[0].stories[0].parts.sources == 1  # type: ignore[union-attr]
    assert story.score > alone.sections[0].stories[0].score


def test_recency_breaks_an_even_match() -> None:
    early = item("early", "fr", "Hôpital", "Un hôpital ouvre un service.", day=8)
    late = item("late", "fr", "Hôpital", "Un hôpital ferme un service.", day=14)
    edition = build_edition(
        WEEK, [early, late], [HEALTH], languages=("fr",), stories_per_theme=4,
        sentences_per_point=1,
    )  # fmt: skip
    assert edition is not None
    stories = edition.sections[0].stories
    assert [s.id for s in stories] == ["articles/late", "articles/early"]
    assert [s.parts.recency for s in stories if s.parts] == [1.0, 0.0]


def story(key: str, score: float, title: str, text: str) -> Story:
    point = KeyPoint(f"x/{key}", "fr", title, text, f"https://x.example/{key}", "X",
                     datetime(2021, 2, 10, tzinfo=UTC), 1.0)  # fmt: skip
    return Story(f"x/{key}", (point,), score, ("health",), StoryScore(score, 1, 0.0))


def test_a_theme_does_not_say_the_same_thing_twice() -> None:
    said = "L'hôpital de Liège teste un outil de tri des urgences pour ses médecins."
    first = story("a", 3.0, "Liège : un outil de tri aux urgences", said)
    again = story("b", 2.9, "Un outil de tri aux urgences à Liège", said)
    other = story("c", 2.0, "Anvers recrute des infirmiers", "Un hôpital d'Anvers recrute.")
    chosen = pick([again, other, first], 2)
    # The near-copy scores above the other story but says what the first one said.
    assert [s.id for s in chosen] == ["x/a", "x/c"]
    assert chosen[0].parts is not None and chosen[0].parts.redundancy == 0.0
    assert chosen[1].parts is not None and chosen[1].parts.redundancy < 0.2
    everything = pick([again, other, first], 3)
    assert [s.id for s in everything] == ["x/a", "x/c", "x/b"]
    assert everything[2].parts is not None and everything[2].parts.redundancy > 0.8


def test_each_language_shows_its_best_key_point() -> None:
    short = item("s", "fr", "Hôpital", "Un hôpital.")
    rich = item(
        "r", "fr", "Un hôpital de Liège teste un outil de tri",
        "Un hôpital de Liège teste un outil de tri pour les urgences et les médecins.",
        source_id="wire", id="wire/r", url="https://wire.example/r",
    )  # fmt: skip
    edition = build_edition(
        WEEK, [short, rich], [HEALTH], languages=("fr",), stories_per_theme=2,
        sentences_per_point=1,
    )  # fmt: skip
    assert edition is not None
    for story in edition.sections[0].stories:
        best = story.point_in("fr")
        assert best is not None and best.score == max(p.score for p in story.points)
