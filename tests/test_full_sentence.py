"""A shortened key point in a build: the email links to its full sentences on the how page,
which shows them with what was left out struck through (no script anywhere)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import lxml.html

from digest.config import Settings
from digest.edition import build_edition
from digest.model import Edition, Item, Theme
from digest.periods import period_of
from digest.render.email import EmailRenderer
from digest.render.full import anchor
from digest.render.web import WebRenderer

ROOT = Path(__file__).resolve().parent.parent
HEALTH = Theme("health", {"fr": "Santé", "nl": "Gezondheid"}, {}, {"fr": ("hôpital",)})
WHEN = datetime(2021, 2, 10, 9, tzinfo=UTC)
TEXT = (
    "Par ailleurs, l'hôpital de Liège (le plus grand de Wallonie) teste un outil de tri pour "
    "les urgences, a indiqué la direction. Les médecins le jugent prometteur."
)
SHORT = "L'hôpital de Liège teste un outil de tri pour les urgences."
HOW = "https://digest.example/web/{lang}/weekly-2021-W06.how.html"


def settings_for(tmp_path: Path) -> Settings:
    return Settings(paths={"templates": ROOT / "templates", "outbox": tmp_path})  # type: ignore[arg-type]


def edition(compress_points: bool = True) -> Edition:
    """One French story, shortened; its Dutch version a machine translation of the short text."""
    items = [
        Item("a/fr", "a", "Le Quotidien", "https://a.example/fr", "Un hôpital trie", WHEN, "fr", TEXT),
        Item("b/fr", "b", "Agence", "https://b.example/fr", "Un autre hôpital", WHEN, "fr",
             "Un autre hôpital ouvre ses portes à Namur. Les médecins arrivent lundi."),
    ]  # fmt: skip
    built = build_edition(
        period_of("weekly", date(2021, 2, 10)), items, [HEALTH], languages=("fr", "nl"),
        stories_per_theme=3, sentences_per_point=1, compress_points=compress_points,
    )  # fmt: skip
    assert built is not None
    section = built.sections[0]
    stories = []
    for story in section.stories:
        dutch = replace(
            story.original, language="nl", text="[nl] " + story.original.text,
            translation="machine", original_language="fr",
        )  # fmt: skip
        stories.append(replace(story, points=(*story.points, dutch)))
    return replace(built, sections=(replace(section, stories=tuple(stories)),))


def test_the_key_point_carries_the_short_text_and_the_full_sentence() -> None:
    point = edition().sections[0].stories[0].original
    assert point.item_id == "a/fr" and point.text == SHORT
    assert point.full_sentences == (TEXT.split(" Les médecins")[0],)
    other = edition().sections[0].stories[1].original
    assert other.full_sentences == ()  # shown whole: nothing to link to


def test_email_links_a_shortened_point_to_its_full_sentence(tmp_path: Path) -> None:
    shown = edition()
    story = shown.sections[0].stories[0]
    renderer = EmailRenderer(settings_for(tmp_path))
    view = renderer.view(shown, ("fr", "nl"))
    french, dutch = (block.sections[0].points for block in view.blocks)
    assert (french[0].text, french[0].full_label) == (SHORT, "Phrase complète")
    assert french[0].full_url == HOW.format(lang="fr") + "#" + anchor(story)
    # The Dutch translation was made from the short text: the link leads to the French.
    assert (dutch[0].full_label, dutch[0].full_url) == (
        "Volledige zin",
        HOW.format(lang="nl") + "#" + anchor(story),
    )
    assert french[1].full_url == french[1].full_label == ""
    html = renderer.html(view)
    links = lxml.html.fromstring(html).xpath("//a[contains(@href, '#full-')]")
    assert [(a.text, a.get("href")) for a in links] == [
        ("Phrase complète", french[0].full_url),
        ("Volledige zin", dutch[0].full_url),
    ]
    text = renderer.text(view)
    assert f"  Phrase complète\u00a0: {french[0].full_url}\n" in text
    assert f"  Volledige zin: {dutch[0].full_url}\n" in text


def test_how_page_shows_what_was_left_out(tmp_path: Path) -> None:
    shown = edition()
    story = shown.sections[0].stories[0]
    pages = WebRenderer(EmailRenderer(settings_for(tmp_path)), [HEALTH]).edition_pages(shown)
    for lang, heading, left_out in (
        ("fr", "Phrase complète", "omis"),
        ("nl", "Volledige zin", "weggelaten"),
    ):
        html = pages[("web", lang, "weekly-2021-W06.how.html")].decode()
        tree = lxml.html.fromstring(html)
        (section,) = tree.xpath(f"//section[@id='{anchor(story)}']")
        assert section.xpath("string(.//h4)") == heading
        (quote,) = section.xpath(".//blockquote")
        assert quote.get("lang") == "fr"  # the original's words, in the Dutch page too
        shown_text = re.sub(r"\s+", " ", quote.text_content())
        assert "[" + left_out in shown_text  # said in words, not only struck through
        removed = [re.sub(r"\[[^:]+: |\]", "", d.text_content()) for d in quote.xpath(".//del")]
        assert removed == [
            "Par ailleurs,",
            "(le plus grand de Wallonie)",
            ", a indiqué la direction",
        ]
        kept = "".join(quote.xpath(".//p/text()"))
        assert (
            re.sub(r"\s+", " ", kept)
            == " l'hôpital de Liège teste un outil de tri pour les urgences."
        )
        assert "<script" not in html
    again = WebRenderer(EmailRenderer(settings_for(tmp_path)), [HEALTH]).edition_pages(shown)
    assert again == pages


def test_without_compression_nothing_is_shortened_or_linked(tmp_path: Path) -> None:
    whole = edition(compress_points=False)
    point = whole.sections[0].stories[0].original
    assert point.text == TEXT.split(" Les médecins")[0] and point.full_sentences == ()
    renderer = EmailRenderer(settings_for(tmp_path))
    html = renderer.html(renderer.view(whole, ("fr", "nl")))
    assert "#full-" not in html
    pages = WebRenderer(renderer, [HEALTH]).edition_pages(whole)
    assert b"<del>" not in pages[("web", "fr", "weekly-2021-W06.how.html")]
