"""The email as an inbox shows it: headline-led subject and preview text, an editor's
note, the publisher's footer, translation marks, no story printed twice, the brand.

Most tests read the sample built once (``built_sample_tree``); the subject and preview
text of the richest edition are pinned per language variant.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from digest.build import build
from digest.config import load_settings
from digest.errors import ConfigError
from digest.render.email import EmailRenderer
from digest.render.notes import render_note
from digest.render.personal import recut, view_from_json
from digest.render.subject import SUBJECT_CHARS, shorten
from digest.settings_tables import contrast_ratio
from tests.conftest import copy_sample_tree, run_digest

#: The richest edition of the sample (it needs the size budget).
RICHEST = "weekly-2025-W47"
NBSP, NNBSP = "\u00a0", "\u202f"

PINNED = {
    "fr-nl": (
        "À La Haye, les trois pays du Benelux signent une… · Benelux IA",
        f"Omnibus numérique{NBSP}: les administrations du Benelux face à un report des… | "
        "Benelux-verklaring over AI: 'Niet drie keer betalen voor dezelfde les'",
    ),
    "fr": (
        "À La Haye, les trois pays du Benelux signent une… · Benelux IA",
        f"Omnibus numérique{NBSP}: les administrations du Benelux face à un report des règles "
        f"sur l'IA à haut risque · Pays-Bas{NBSP}: l'AP et la RDI désignées pour…",
    ),
    "nl": (
        "Benelux-verklaring over AI: 'Niet drie keer betalen voor… · Benelux AI",
        "Digitale omnibus: regels voor AI met hoog risico mogelijk pas in december 2027 · "
        "Kabinet legt uitvoeringswet AI-verordening voor: AP en RDI worden de…",
    ),
}


def _views(outbox: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(edition, variant, view) of every email of the outbox."""
    found = []
    for path in sorted((outbox / "editions").glob("*/view.*.json")):
        variant = path.name.split(".")[1]
        found.append((path.parent.name, variant, json.loads(path.read_text("utf-8"))))
    return found


@pytest.mark.parametrize("variant", sorted(PINNED))
def test_subject_and_preview_name_the_headlines(built_sample_tree: Path, variant: str) -> None:
    folder = built_sample_tree / "outbox" / "editions" / RICHEST
    view = json.loads((folder / f"view.{variant}.json").read_text("utf-8"))
    assert (view["subject"], view["preheader"]) == PINNED[variant]
    message = (folder / f"message.{variant}.eml").read_bytes()
    assert b"Subject:" in message
    html = (folder / f"email.{variant}.html").read_text("utf-8")
    assert "Benelux IA" in view["subject"] or "Benelux AI" in view["subject"]
    # The preview text is the first thing of the body, hidden.
    assert PINNED[variant][1].split(" ")[0] in html


def test_every_subject_fits_and_leads_with_the_top_story(built_sample_tree: Path) -> None:
    views = _views(built_sample_tree / "outbox")
    assert len(views) > 30
    for edition, variant, view in views:
        where = f"{edition} {variant}"
        assert 0 < len(view["subject"]) <= SUBJECT_CHARS, where
        first = view["blocks"][0]
        if first["headlines"]:
            top = first["headlines"][0]["title"]
            assert view["subject"].startswith(shorten(top, 20).rstrip("…")), where
            assert top not in view["preheader"], where


def _stories(view: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (point["title"], point["text"])
        for block in view["blocks"]
        for section in block["sections"]
        for point in section["points"]
    ]


def test_no_story_is_printed_twice_in_any_email(built_sample_tree: Path) -> None:
    outbox = built_sample_tree / "outbox"
    elsewhere = 0
    for edition, variant, view in _views(outbox):
        stories = _stories(view)
        assert len(stories) == len(set(stories)), f"{edition} {variant}"
        html = (outbox / "editions" / edition / f"email.{variant}.html").read_text("utf-8")
        text = (outbox / "editions" / edition / f"email.{variant}.txt").read_text("utf-8")
        body = " ".join(lxml.html.fromstring(html).text_content().split())
        for _title, point in stories:
            # A key point's text appears once in the HTML and once in the text part.
            snippet = " ".join(point.split())[:60]
            assert body.count(snippet) == 1, f"{edition} {variant}: {snippet}"
            assert " ".join(text.split()).count(snippet) == 1, f"{edition} {variant}: {snippet}"
        elsewhere += sum(bool(block["elsewhere_note"]) for block in view["blocks"])
    # Stories in one language only: tests/test_render.py (the sample translates its own).
    assert elsewhere >= 0


def test_translations_say_so_and_links_say_the_article_language(built_sample_tree: Path) -> None:
    outbox = built_sample_tree / "outbox"
    notes: dict[str, set[str]] = {"fr": set(), "nl": set()}
    links: dict[str, set[str]] = {"fr": set(), "nl": set()}
    for _edition, _variant, view in _views(outbox):
        for block in view["blocks"]:
            for section in block["sections"]:
                for point in section["points"]:
                    if point["translation_note"]:
                        notes[block["lang"]].add(point["translation_note"])
                    links[block["lang"]].add(point["read_more"])
                    if point["lang"] == block["lang"] and point["url_lang"] != block["lang"]:
                        assert point["translation_note"], point["title"]
    assert {"Traduit du néerlandais", "Traduit de l’anglais"} <= notes["fr"]
    assert {"Vertaald uit het Frans", "Vertaald uit het Engels"} <= notes["nl"]
    assert {"Lire la suite", "Lire la suite (en néerlandais)"} <= links["fr"]
    assert {"Verder lezen", "Verder lezen (in het Frans)"} <= links["nl"]
    html = (outbox / "editions" / RICHEST / "email.fr.html").read_text("utf-8")
    linked = lxml.html.fromstring(html).xpath('//a[@hreflang="nl"]/text()')
    assert "Lire la suite (en néerlandais)" in linked


def test_the_footer_names_the_publisher_and_why_per_language(built_sample_tree: Path) -> None:
    folder = built_sample_tree / "outbox" / "editions" / RICHEST
    html = lxml.html.fromstring((folder / "email.fr-nl.html").read_text("utf-8")).text_content()
    text = " ".join((folder / "email.fr-nl.txt").read_text("utf-8").split(" "))
    html = " ".join(html.split(" "))
    address = "Rue de la Loi 16, 1000 Bruxelles, Belgique"
    for line in (
        f"Publié par Benelux AI digest (sample), {address}",
        f"Uitgegeven door Benelux AI digest (sample), {address}",
        f"Vous recevez cet e-mail parce que vous êtes abonné·e à «{NBSP}Benelux IA{NBSP}",
        "U ontvangt deze e-mail omdat u zich hebt ingeschreven op ‘Benelux AI-nieuwsbrief’.",
    ):
        assert _words(line) in _words(html) and _words(line) in _words(text), line


def _words(text: str) -> str:
    return " ".join(text.replace(NBSP, " ").replace(NNBSP, " ").split())


def test_an_editors_note_opens_the_email_sanitised(tmp_path: Path) -> None:
    tree = copy_sample_tree(tmp_path / "project")
    notes = tree / "sources" / "notes"
    notes.mkdir(exist_ok=True)
    (notes / f"{RICHEST}.fr.md").write_text(
        "Une semaine **chargée** : la déclaration de La Haye !\n\n"
        "<script>alert(1)</script> [lire](https://digest.example/x) [non](javascript:alert(1))\n",
        "utf-8",
    )
    (notes / f"{RICHEST}.nl.md").write_bytes(b"Een drukke week\xff.\n")
    report = build(
        load_settings(tree / "digest.toml"), since=date(2025, 11, 17), until=date(2025, 11, 23)
    )
    assert not report.problems
    folder = tree / "outbox" / "editions" / RICHEST
    html = (folder / "email.fr-nl.html").read_text("utf-8")
    tree_html = lxml.html.fromstring(html)
    note = tree_html.find_class("digest-editor")
    assert [n.get("lang") for n in note] == ["fr", "nl"]
    assert "<strong>chargée</strong>" in lxml.html.tostring(note[0], encoding="unicode")
    assert not tree_html.xpath("//script")
    assert not [href for href in tree_html.xpath("//a/@href") if "javascript" in href]
    assert note[0].xpath(".//a/@href") == ["https://digest.example/x"]
    assert f"chargée{NBSP}: la déclaration de La Haye{NNBSP}!" in note[0].text_content()
    assert "Een drukke week\ufffd." in note[1].text_content()
    # Before the first theme: the note opens the block.
    assert html.index("digest-editor") < html.index("<h3")
    text = (folder / "email.fr.txt").read_text("utf-8")
    assert "chargée" in text and "<script>" in text  # shown as text, never as markup
    view = json.loads((folder / "view.fr.json").read_text("utf-8"))
    assert view["blocks"][0]["note_html"].startswith("<p>Une semaine")  # for the web page
    assert render_note("   \n", "fr") is None


def test_a_subscribers_cut_keeps_subject_preview_and_counts_true(
    built_sample_tree: Path,
) -> None:
    settings = load_settings(built_sample_tree / "digest.toml")
    renderer = EmailRenderer(settings)
    folder = built_sample_tree / "outbox" / "editions" / RICHEST
    view = view_from_json((folder / "view.fr-nl.json").read_bytes())
    swapped = recut(renderer, view, ["nl", "fr"])
    assert swapped is not None and swapped.subject == PINNED["nl"][0]
    theme = view.blocks[1].sections[-1].theme_id
    cut = recut(renderer, view, ["fr", "nl"], {theme})
    assert cut is not None
    assert all(h.theme_id == theme for b in cut.blocks for h in b.headlines)
    top = cut.blocks[0].headlines[0].title if cut.blocks[0].headlines else ""
    assert not top or cut.subject.startswith(top[:15])
    html, text = renderer.html(cut), renderer.text(cut)
    body = lxml.html.fromstring(html).text_content()
    assert cut.preheader.split(" ")[0] in body and text


def test_the_accent_colour_and_the_logo(tmp_path: Path) -> None:
    tree = copy_sample_tree(tmp_path / "project")
    toml = tree / "digest.toml"
    base = toml.read_text("utf-8")
    toml.write_text(
        base.replace(
            'accent = "#12355b"', 'accent = "#7A1F5C"\nlogo_url = "https://digest.example/logo.png"'
        ),
        "utf-8",
    )
    settings = load_settings(toml)
    assert settings.brand.accent == "#7a1f5c"
    build(settings, since=date(2025, 11, 17), until=date(2025, 11, 23))
    html = (tree / "outbox" / "editions" / RICHEST / "email.fr.html").read_text("utf-8")
    page = lxml.html.fromstring(html)
    assert page.xpath('//img[@src="https://digest.example/logo.png"]/@alt') == [
        "Benelux IA : la lettre"
    ]
    assert all("color: #7a1f5c" in h3.get("style", "") for h3 in page.iter("h3"))
    assert 'background-color="#7a1f5c"' in html or "#7a1f5c" in html

    toml.write_text(base.replace('accent = "#12355b"', 'accent = "#ffcc00"'), "utf-8")
    with pytest.raises(ConfigError, match=r"brand\.accent: .*#ffcc00 has a contrast of 1\.\d:1"):
        load_settings(toml)
    result = run_digest(tree, "build")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("digest: error:")]
    assert len(errors) == 1 and "4.5:1" in errors[0], result.stderr
    toml.write_text(base.replace('accent = "#12355b"', 'accent = "navy"'), "utf-8")
    with pytest.raises(ConfigError, match="#rrggbb"):
        load_settings(toml)


def test_contrast_ratio() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#12355b", "#ffffff") > 4.5
    assert re.fullmatch(r"\d+\.\d", f"{contrast_ratio('#767676', '#ffffff'):.1f}")


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Un titre court", 70, "Un titre court"),
        ("Un titre bien trop long pour tenir", 20, "Un titre bien trop…"),
        ("Anticonstitutionnellement", 10, "Anticonst…"),
        (f"Pays-Bas{NBSP}: l'AP et la RDI", 12, "Pays-Bas…"),
    ],
)
def test_shorten_cuts_at_a_word(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit
