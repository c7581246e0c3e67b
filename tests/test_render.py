from __future__ import annotations

import email
import email.policy
import random
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import feedparser
import lxml.html
import pytest
from babel.messages.pofile import read_po

from digest.config import Settings
from digest.edition import build_edition
from digest.model import Edition, Item, Theme
from digest.periods import period_of
from digest.publish import variants
from digest.render.email import EmailRenderer
from digest.render.eml import build_message
from digest.render.feeds import Format, editions_feed, render
from digest.render.i18n import Catalogs, period_label

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "templates" / "locale"
THEME = Theme(
    "health", {"fr": "Santé", "nl": "Gezondheid"}, {}, {"fr": ("hôpital",), "nl": ("ziekenhuis",)}
)


@pytest.mark.parametrize("lang", ["fr", "nl", "de"])
def test_every_catalog_translates_every_message(lang: str) -> None:
    with (LOCALE / "digest.pot").open("rb") as handle:
        template = read_po(handle)
    with (LOCALE / lang / "LC_MESSAGES" / "digest.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        assert translated is not None, message.id
        assert not translated.fuzzy, message.id
        strings = (
            translated.string if isinstance(translated.string, tuple) else (translated.string,)
        )
        assert all(strings), message.id


@pytest.mark.parametrize(
    ("lang", "kind", "day", "expected"),
    [
        ("fr", "weekly", date(2021, 2, 10), "Semaine 6 · 8–14 février 2021"),
        ("nl", "weekly", date(2021, 2, 10), "Week 6 · 8–14 februari 2021"),
        ("en", "weekly", date(2020, 12, 30), "Week 53 · December 28, 2020 – January 3, 2021"),
        ("de", "weekly", date(2021, 2, 10), "Woche 6 · 8.–14. Februar 2021"),
        ("fr", "monthly", date(2021, 2, 10), "Février 2021"),
        ("nl", "daily", date(2021, 2, 10), "woensdag 10 februari 2021"),
    ],
)
def test_period_labels(lang: str, kind: str, day: date, expected: str) -> None:
    catalogs = Catalogs(LOCALE, ["fr", "nl", "en", "de"])
    assert period_label(catalogs, lang, period_of(kind, day)) == expected  # type: ignore[arg-type]


def test_plurals_follow_the_locale() -> None:
    catalogs = Catalogs(LOCALE, ["fr", "nl"])
    assert catalogs.tn("fr", "%(n)s story", "%(n)s stories", 1) == "1 sujet"
    assert catalogs.tn("fr", "%(n)s story", "%(n)s stories", 0) == "0 sujet"
    assert catalogs.tn("nl", "%(n)s story", "%(n)s stories", 0) == "0 onderwerpen"
    assert catalogs.tn("fr", "%(n)s story", "%(n)s stories", 1500) == "1\u202f500 sujets"


def sample_edition():  # type: ignore[no-untyped-def]
    items = [
        Item("a/fr", "a", "Source", "https://example.org/fr", "Un hôpital", datetime(2021, 2, 10, tzinfo=UTC),
             "fr", "Un hôpital teste un outil. Il aide les médecins à trier."),
        Item("a/en", "a", "Source", "https://example.org/en", "A ziekenhuis", datetime(2021, 2, 11, tzinfo=UTC),
             "en", "Only English here. Nothing more to say about it."),
    ]  # fmt: skip
    edition = build_edition(
        period_of("weekly", date(2021, 2, 10)), items, [THEME],
        languages=("fr", "nl"), stories_per_theme=3, sentences_per_point=1,
    )  # fmt: skip
    assert edition is not None
    return edition


def settings_for(tmp_path: Path) -> Settings:
    return Settings(paths={"templates": ROOT / "templates", "outbox": tmp_path})  # type: ignore[arg-type]


def test_untranslated_story_shows_a_badge_and_its_language(tmp_path: Path) -> None:
    renderer = EmailRenderer(settings_for(tmp_path))
    view = renderer.view(sample_edition(), ("fr", "nl"))
    french = view.blocks[0]
    point = french.sections[0].points[0]
    assert (point.lang, point.badge, point.badge_note) == ("fr", "", "")
    # In the two-language email the story is printed once, in the French part; the Dutch
    # part says where it is. The Dutch email shows it with a badge.
    dutch = view.blocks[1]
    assert dutch.sections == ()
    assert (
        dutch.elsewhere_note == "1 ander onderwerp staat in het deel in het Frans van deze e-mail"
    )
    assert dutch.elsewhere_url == "#fr"
    html = renderer.html(view)
    assert '<div lang="fr">' in html and 'href="#fr"' in html
    alone = renderer.view(sample_edition(), ("nl",)).blocks[0]
    fallback = alone.sections[0].points[0]
    assert (fallback.lang, fallback.badge) == ("fr", "FR")
    assert fallback.badge_note == "Nog niet vertaald: origineel in het Frans"
    assert fallback.read_more == "Verder lezen (in het Frans)"
    assert "Nog niet vertaald" in renderer.html(renderer.view(sample_edition(), ("nl",)))
    assert "<mj-" not in html


def test_variants() -> None:
    assert variants(("fr", "nl")) == [("fr", "nl"), ("fr",), ("nl",)]
    assert variants(("de",)) == [("de",)]


def test_eml_headers_encode_non_ascii_and_are_stable(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    kwargs = {
        "message_key": "weekly-2021-W06.fr-nl",
        "subject": "Benelux IA : la lettre · Semaine 6 | Benelux AI-nieuwsbrief · Week 6 — één",
        "date": datetime(2021, 2, 12, 8, tzinfo=UTC),
        "languages": ("fr", "nl"),
        "text": "Texte à lire.\n",
        "html": "<p>Texte à lire.</p>\n",
    }
    raw = build_message(settings, **kwargs)  # type: ignore[arg-type]
    assert raw == build_message(settings, **kwargs)  # type: ignore[arg-type]
    assert raw.isascii()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == kwargs["subject"]
    assert message["Date"] == "Fri, 12 Feb 2021 09:00:00 +0100"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"] == (
        "<mailto:unsubscribe@digest.example?subject=unsubscribe>, <https://digest.example/unsubscribe>"
    )


def test_feed_is_valid_rss_with_stable_dates(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    renderer = EmailRenderer(settings)
    manifest = {
        "edition": "weekly-2021-W06",
        "published": "2021-02-11T00:00:00+00:00",
        "views": {
            "fr": {
                "title": "Lettre",
                "period_label": "Semaine 6",
                "summary": "1 sujet",
                "sections": [
                    {"theme": "health", "label": "Santé", "points": [
                        {"lang": "fr", "title": "T < b", "url": "https://example.org/", "text": "A & B"}
                    ]}
                ],
            }
        },
    }  # fmt: skip

    def feed(lang: str, fmt: Format) -> bytes:
        built = editions_feed(settings, renderer.catalogs, renderer.env, lang, [manifest])
        return render(settings, built, fmt)

    data = feed("fr", "rss")
    assert data == feed("fr", "rss")
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0
    assert parsed.version == "rss20"
    assert parsed.feed.language == "fr"
    assert parsed.feed.link == "https://digest.example/web/fr/index.html"
    selves = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert selves == ["https://digest.example/feeds/editions.fr.xml"]
    assert parsed.feed.updated == "Thu, 11 Feb 2021 00:00:00 +0000"
    (entry,) = parsed.entries
    assert entry.title == "Lettre · Semaine 6"
    assert entry.link == "https://digest.example/web/fr/weekly-2021-W06.html"
    assert "T &lt; b" in entry.summary and "A &amp; B" in entry.summary
    atom = feedparser.parse(feed("fr", "atom"))
    assert atom.bozo == 0
    assert atom.version == "atom10"
    assert atom.feed.updated == "2021-02-11T00:00:00+00:00"
    selves = [link.href for link in atom.feed.links if link.rel == "self"]
    assert selves == ["https://digest.example/feeds/editions.fr.atom"]
    (entry,) = atom.entries
    assert entry.id == parsed.entries[0].id
    assert entry.content[0].type == "text/html"
    assert "T &lt; b" in entry.content[0].value and "A &amp; B" in entry.content[0].value
    assert feed("nl", "rss").count(b"<item>") == 0
    assert feed("nl", "atom").count(b"<entry>") == 0


def test_english_catalog_keeps_the_source_text() -> None:
    with (LOCALE / "en" / "LC_MESSAGES" / "digest.po").open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert not message.id or not any(strings), message.id


def test_a_story_lists_its_sources_once_it_has_several(tmp_path: Path) -> None:
    when = datetime(2021, 2, 10, 9, tzinfo=UTC)
    text = "Un hôpital teste un outil de tri. Il aide les médecins à trier."
    items = [
        Item("a/fr", "a", "Le Quotidien", "https://a.example/fr", "Un hôpital", when, "fr", text),
        Item("a/nl", "a", "Le Quotidien", "https://a.example/nl", "Een ziekenhuis", when, "nl",
             "Een ziekenhuis test een triage-instrument. Het helpt artsen.", translation_of="a/fr"),
        Item("b/1", "b", "Agence", "https://b.example/1", "Un hôpital", when, "fr", text),
        Item("c/1", "c", "Seul", "https://c.example/1", "Un autre hôpital", when, "fr",
             "Un autre hôpital ouvre. Rien de plus."),
    ]  # fmt: skip
    edition = build_edition(
        period_of("weekly", date(2021, 2, 10)), items, [THEME],
        languages=("fr", "nl"), stories_per_theme=3, sentences_per_point=1,
    )  # fmt: skip
    assert edition is not None
    renderer = EmailRenderer(settings_for(tmp_path))
    view = renderer.view(edition, ("fr", "nl"))
    french, dutch = view.blocks
    listed = {p.url: [(s.name, s.lang) for s in p.sources] for p in french.sections[0].points}
    assert listed["https://c.example/1"] == []
    shared = next(sources for sources in listed.values() if sources)
    assert shared == [("Le Quotidien", "FR"), ("Agence", "FR"), ("Le Quotidien", "NL")]
    assert dutch.sections[0].points[0].url == "https://a.example/nl"
    html, plain = renderer.html(view), renderer.text(view)
    assert ("Sources\u00a0:" in html or "Sources&nbsp;:" in html) and "Bronnen:" in html
    assert html.count('href="https://b.example/1"') == 2  # once per language block
    assert "  - Agence (FR) https://b.example/1" in plain


def many_stories(count: int) -> Edition:
    """An edition of ``count`` distinct French stories about hospitals, one per item."""
    rng = random.Random(7)
    syllables = ["ba", "lo", "mi", "ru", "ke", "sa", "to", "ni", "pe", "vu", "da", "gi"]

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(3))

    items = []
    for n in range(count):
        sentences = [
            " ".join(["un", "hôpital", *(word() for _ in range(14))]).capitalize() + "."
            for _ in range(3)
        ]
        items.append(
            Item(f"s/{n:03d}", "s", "Source", f"https://example.org/{n}", f"Hôpital {word()} {word()}",
                 datetime(2021, 2, 10, 9, n % 60, tzinfo=UTC), "fr", " ".join(sentences))
        )  # fmt: skip
    edition = build_edition(
        period_of("weekly", date(2021, 2, 10)), items, [THEME],
        languages=("fr", "nl"), stories_per_theme=count, sentences_per_point=2,
    )  # fmt: skip
    assert edition is not None and edition.story_count == count
    return edition


def test_a_large_edition_is_trimmed_to_the_size_budget_and_says_so(tmp_path: Path) -> None:
    renderer = EmailRenderer(settings_for(tmp_path))
    edition = many_stories(110)
    whole = renderer.html(renderer.view(edition, ("fr", "nl")))
    assert len(whole.encode()) > 100_000  # the budget is worth having
    view, html, left_out = renderer.fit(edition, ("fr", "nl"))
    assert len(html.encode()) <= 100_000
    assert 0 < left_out < 110
    # Only just enough was cut: one story more would not have fitted.
    shown = [p.url for p in view.blocks[0].sections[0].points]
    assert len(shown) == 110 - left_out
    ranked = sorted(edition.sections[0].stories, key=lambda s: (s.score, s.id))
    assert {s.original.url for s in ranked[left_out:]} == set(shown)  # the best stayed
    french, dutch = view.blocks
    assert french.more_note == f"{left_out} autres sujets dans l’édition en ligne"
    assert dutch.more_note == f"Nog {left_out} onderwerpen in de webeditie"
    assert dutch.sections == ()  # French stories are printed once, in the French part
    assert f'href="https://digest.example/web/fr/{edition.id}.html"' in html
    assert (
        f"{french.more_note}\u00a0: https://digest.example/web/fr/{edition.id}.html"
        in renderer.text(view)
    )


def test_a_small_edition_is_not_trimmed(tmp_path: Path) -> None:
    renderer = EmailRenderer(settings_for(tmp_path))
    view, html, left_out = renderer.fit(sample_edition(), ("fr", "nl"))
    assert left_out == 0 and all(not block.more_note for block in view.blocks)
    assert html == renderer.html(renderer.view(sample_edition(), ("fr", "nl")))


def test_key_styles_sit_on_the_elements(tmp_path: Path) -> None:
    """Clients that drop <style> blocks still get colours, sizes and margins."""
    renderer = EmailRenderer(settings_for(tmp_path))
    html = renderer.html(renderer.view(sample_edition(), ("nl",)))
    tree = lxml.html.fromstring(html)
    for link in tree.iter("a"):
        assert "color:" in link.get("style", ""), lxml.html.tostring(link)
    for tag, needed in (
        ("h2", "font-size: 22px"),
        ("h3", "color: #12355b"),
        ("h4", "font-size: 16px"),
    ):
        for element in tree.iter(tag):
            assert needed in element.get("style", ""), lxml.html.tostring(element)
    badge = tree.find_class("digest-badge")
    assert badge and "background-color: #fde68a" in badge[0].get("style", "")
    for name in ("digest-meta", "digest-kicker", "digest-footer"):
        for element in tree.find_class(name):
            assert "color: #4a5563" in element.get("style", ""), name
    # MJML's responsive rules stay in <style>: they cannot be inlined.
    assert "@media" in "".join(tree.xpath("//style/text()"))


def test_links_to_the_web_edition_and_how_it_was_made(tmp_path: Path) -> None:
    renderer = EmailRenderer(settings_for(tmp_path))
    edition = sample_edition()
    view = renderer.view(edition, ("fr", "nl"))
    html, text = renderer.html(view), renderer.text(view)
    for lang in ("fr", "nl"):
        assert f'href="https://digest.example/web/{lang}/{edition.id}.html"' in html
        assert f'href="https://digest.example/web/{lang}/{edition.id}.how.html"' in html
        assert f"https://digest.example/web/{lang}/{edition.id}.how.html" in text
    assert "Voir dans le navigateur" in html and "Hoe deze editie tot stand kwam" in html


def test_a_machine_translation_says_so(tmp_path: Path) -> None:
    renderer = EmailRenderer(settings_for(tmp_path))
    edition = sample_edition()
    section = edition.sections[0]
    story = section.stories[0]
    original = story.original
    machine = replace(original, language="nl", title="Een ziekenhuis", text="Een ziekenhuis test.",
                      translation="machine", original_language=original.language)  # fmt: skip
    edition = replace(
        edition,
        sections=(
            replace(
                section,
                stories=(replace(story, points=(*story.points, machine)), *section.stories[1:]),
            ),
        ),
    )
    view = renderer.view(edition, ("fr", "nl"))
    point = next(p for p in view.blocks[1].sections[0].points if p.title == "Een ziekenhuis")
    assert (point.lang, point.badge) == ("nl", "")
    assert point.translation_note == "Machinevertaling (origineel in het Frans)"
    assert "NL" not in {s.lang for s in point.sources}  # a translation is not another source
    assert "Machinevertaling (origineel in het Frans)" in renderer.html(view)
