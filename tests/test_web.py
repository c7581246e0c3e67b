"""The web archive: edition pages, "how this edition was made", indexes, and ``digest preview``."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from urllib.parse import urljoin, urlparse

import httpx
import pytest

from digest.config import Settings, load_settings
from digest.edition import build_edition
from digest.errors import InputError, RenderError
from digest.model import Edition, Item, Theme
from digest.outbox import Outbox
from digest.periods import period_of
from digest.preview import preview_page
from digest.render.email import EmailRenderer
from digest.render.web import WebRenderer, page_path, web_url
from tests.conftest import run_digest

ROOT = Path(__file__).resolve().parent.parent
HEALTH = Theme(
    "health",
    {"fr": "Santé", "nl": "Gezondheid"},
    {},
    {"fr": ("hôpital", "médecin", "outil"), "nl": ("ziekenhuis", "arts")},
    support={"fr": ("outil",)},
)
WHEN = datetime(2021, 2, 10, 9, tzinfo=UTC)


class Page(HTMLParser):
    """What the checks below need from a page: tags, headings, links, lang attributes."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.headings: list[int] = []
        self.html_lang = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append((tag, values))
        if tag == "html":
            self.html_lang = values.get("lang", "")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))

    def hrefs(self) -> list[str]:
        return [a["href"] for tag, a in self.tags if tag == "a" and "href" in a]

    def first(self, tag: str, **match: str) -> dict[str, str]:
        for name, attrs in self.tags:
            if name == tag and all(attrs.get(k) == v for k, v in match.items()):
                return attrs
        raise AssertionError(f"no <{tag} {match}>")


def settings_for(tmp_path: Path) -> Settings:
    return Settings(paths={"templates": ROOT / "templates", "outbox": tmp_path})  # type: ignore[arg-type]


def small_edition() -> Edition:
    """Two stories: one in French and Dutch (the Dutch a machine translation), one French only."""
    text = "Un hôpital teste un outil de tri. Il aide les médecins à trier les patients."
    items = [
        Item("a/fr", "a", "Le Quotidien", "https://a.example/fr", "Un hôpital trie", WHEN, "fr", text),
        Item("a/nl", "a", "Le Quotidien", "https://a.example/nl", "Een ziekenhuis sorteert", WHEN, "nl",
             "Een ziekenhuis test een triage-instrument. Het helpt artsen.", translation_of="a/fr"),
        Item("b/1", "b", "Agence", "https://b.example/1", "Un hôpital trie", WHEN, "fr", text),
        Item("c/1", "c", "Seul", "https://c.example/1", "Un autre hôpital", WHEN, "fr",
             "Un autre hôpital ouvre ses portes. Les médecins arrivent."),
    ]  # fmt: skip
    edition = build_edition(
        period_of("weekly", date(2021, 2, 10)), items, [HEALTH],
        languages=("fr", "nl"), stories_per_theme=3, sentences_per_point=1,
    )  # fmt: skip
    assert edition is not None
    # The Dutch version of the first story is a machine translation of the French.
    section = edition.sections[0]
    stories = []
    for story in section.stories:
        points = tuple(
            replace(p, translation="machine", original_language="fr") if p.language == "nl" else p
            for p in story.points
        )
        stories.append(replace(story, points=points))
    return replace(edition, sections=(replace(section, stories=tuple(stories)),))


def test_every_language_gets_a_page_and_a_how_page(tmp_path: Path) -> None:
    edition = small_edition()
    pages = WebRenderer(EmailRenderer(settings_for(tmp_path)), [HEALTH]).edition_pages(edition)
    assert sorted(pages) == [
        ("web", "fr", "weekly-2021-W06.how.html"),
        ("web", "fr", "weekly-2021-W06.html"),
        ("web", "nl", "weekly-2021-W06.how.html"),
        ("web", "nl", "weekly-2021-W06.html"),
    ]
    again = WebRenderer(EmailRenderer(settings_for(tmp_path)), [HEALTH]).edition_pages(edition)
    assert again == pages  # deterministic, byte for byte


def test_edition_page_is_the_email_in_one_language(tmp_path: Path) -> None:
    edition = small_edition()
    renderer = EmailRenderer(settings_for(tmp_path))
    pages = WebRenderer(renderer, [HEALTH]).edition_pages(edition)
    html = pages[("web", "fr", "weekly-2021-W06.html")].decode()
    page = Page(html)
    assert page.html_lang == "fr"
    block = renderer.view(edition, ("fr",)).blocks[0]
    for section in block.sections:
        assert f">{section.label}</h2>" in html
        for point in section.points:
            assert point.title in html and point.text.replace("'", "&#39;") in html
    assert block.automated_note.replace("’", "’") in html
    # Landmarks, a skip link to main, headings in order from h1.
    assert page.first("a", href="#main")
    assert page.first("main", id="main")
    assert page.first("header") is not None and page.first("footer") is not None
    assert page.first("nav")["aria-label"] == "Langues et archives"
    assert page.headings[0] == 1
    assert all(b - a <= 1 for a, b in pairwise(page.headings))
    # The other language, the index and the how page; the public address is canonical.
    other = page.first("a", href="../nl/weekly-2021-W06.html")
    assert (other["lang"], other["hreflang"]) == ("nl", "nl")
    assert "index.html" in page.hrefs() and "weekly-2021-W06.how.html" in page.hrefs()
    assert page.first("link", rel="canonical")["href"] == (
        "https://digest.example/web/fr/weekly-2021-W06.html"
    )
    assert page.first("link", rel="alternate", hreflang="nl")["href"] == (
        "https://digest.example/web/nl/weekly-2021-W06.html"
    )
    # Nothing to fetch, nothing to run.
    assert "<script" not in html and "<img" not in html and "@import" not in html
    assert not [a for tag, a in page.tags if tag == "link" and a.get("rel") == "stylesheet"]
    assert "prefers-color-scheme: dark" in html and ":focus-visible" in html


def test_edition_page_opens_with_the_editors_note_in_its_language(tmp_path: Path) -> None:
    notes = tmp_path / "sources" / "notes"
    notes.mkdir(parents=True)
    (notes / "weekly-2021-W06.nl.md").write_text("Een **drukke** week.\n", "utf-8")
    settings = Settings(
        paths={"templates": ROOT / "templates", "outbox": tmp_path, "sources": notes.parent}  # type: ignore[arg-type]
    )
    pages = WebRenderer(EmailRenderer(settings), [HEALTH]).edition_pages(small_edition())
    dutch = pages[("web", "nl", "weekly-2021-W06.html")].decode()
    french = pages[("web", "fr", "weekly-2021-W06.html")].decode()
    note = '<div lang="nl" class="editor"><p>Een <strong>drukke</strong> week.</p></div>'
    assert note in dutch
    # It opens the page: after the heading and the lead, before the first theme.
    assert dutch.index("<h1>") < dutch.index(note) < dutch.index("<section")
    assert 'class="editor"' not in french  # no French note, no empty box


def test_read_more_links_say_the_articles_language(tmp_path: Path) -> None:
    edition = small_edition()
    renderer = EmailRenderer(settings_for(tmp_path))
    pages = WebRenderer(renderer, [HEALTH]).edition_pages(edition)
    dutch = pages[("web", "nl", "weekly-2021-W06.html")].decode()
    block = renderer.view(edition, ("nl",)).blocks[0]
    points = [point for section in block.sections for point in section.points]
    # The French-only story is shown in French: its link says the article is French.
    assert any(point.url_lang == "fr" and point.read_more for point in points)
    for point in points:
        label = point.read_more or block.read_more
        link = f'<a href="{point.url}" hreflang="{point.url_lang}">{label}<span'
        assert link in dutch, link
        assert f'<a href="{point.url}" hreflang="{point.url_lang}">{point.title}</a>' in dutch
    assert "Verder lezen (in het Frans)" in dutch


def test_how_page_explains_ranks_scores_rules_sources_and_translations(tmp_path: Path) -> None:
    edition = small_edition()
    pages = WebRenderer(EmailRenderer(settings_for(tmp_path)), [HEALTH]).edition_pages(edition)
    french = pages[("web", "fr", "weekly-2021-W06.how.html")].decode()
    dutch = pages[("web", "nl", "weekly-2021-W06.how.html")].decode()
    story = edition.sections[0].stories[0]
    assert story.parts is not None and story.parts.sources == 2
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", french))
    assert "Cette édition a été composée automatiquement" in text
    assert "score = pertinence × (1 + 0,5 × (sources − 1)) × (1 + 0,2 × fraîcheur)" in text
    # Rank, score and its parts, worked out.
    assert "1. Un hôpital trie" in text
    score = f"{story.score:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    assert f"Score {score}" in text and "Sources indépendantes 2" in text
    assert f"Calcul : {score} = " in text.replace("\u00a0", " ")
    # Themes with the rules that fired, where, how often, weight and points.
    assert "Santé" in text and "attribué" in text
    assert "hôpital (FR) dans le titre 2 1 2,83" in text, text
    assert "outil (FR) dans le texte, règle d’appui 2 1 1,41" in text, text
    assert "Score qu’un thème devait atteindre : " in text.replace("\u00a0", " ")
    # Every source merged into the story, with its language; the translation is labelled.
    for point in story.points:
        assert f'href="{point.url}"' in french
    assert "Agence (français)" in text and "Le Quotidien (néerlandais)" in text
    assert "Traduction automatique" in text
    # In Dutch the story shows its machine translation, and says so.
    assert "Een machinevertaling uit het Frans, niet nagelezen door een mens." in dutch
    # The French-only story, in Dutch, shows the French original and says so.
    assert "Nog geen versie in deze taal: het origineel (in het Frans) wordt getoond." in dutch
    headings = Page(french).headings
    assert headings[0] == 1
    assert all(b - a <= 1 for a, b in pairwise(headings))


def test_index_lists_editions_newest_first_with_links(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    web = WebRenderer(EmailRenderer(settings))
    manifests = [
        {
            "edition": edition_id,
            "published": published,
            "views": {
                lang: {"title": "Lettre", "period_label": f"P {edition_id}", "summary": "1 sujet"}
                for lang in ("fr", "nl")
            },
        }
        for edition_id, published in [
            ("weekly-2021-W06", "2021-02-11T00:00:00+00:00"),
            ("weekly-2021-W11", "2021-03-16T00:00:00+00:00"),
            ("weekly-2021-W08", "2021-02-25T00:00:00+00:00"),
        ]
    ]
    pages = web.index_pages(manifests, lambda lang, edition: edition != "weekly-2021-W08")
    html = pages[("web", "fr", "index.html")].decode()
    page = Page(html)
    editions = [href for href in page.hrefs() if href.startswith("weekly-")]
    assert editions == ["weekly-2021-W11.html", "weekly-2021-W06.html"]
    assert "P weekly-2021-W11" in html and "2 éditions" in html
    # Each edition is its period, headlines and counts: the digest's name is not repeated.
    editions_list = html.split('<ol class="editions">', 1)[1].split("</ol>", 1)[0]
    assert "Lettre" not in editions_list and "1 sujet" in editions_list
    assert page.first("a", href="../nl/index.html")["lang"] == "nl"
    assert page.first("link", rel="canonical")["href"] == web_url(settings, "fr")
    assert sorted(pages) == [("web", "fr", "index.html"), ("web", "nl", "index.html")]


def test_outbox_writes_web_pages_in_subfolders_and_refuses_escapes(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    assert outbox.write_file(b"<p>ok</p>", *page_path("fr", "weekly-2021-W06")) is True
    assert outbox.write_file(b"<p>ok</p>", *page_path("fr", "weekly-2021-W06")) is False
    assert (tmp_path / "web" / "fr" / "weekly-2021-W06.html").read_bytes() == b"<p>ok</p>"
    for parts in [("web", "..", "x.html"), ("web", "fr/../..", "x.html"), ("web", ".fr", "x")]:
        with pytest.raises(RenderError):
            outbox.write_file(b"no", *parts)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value and not (tag == "link" and name == "href"):
                self.found.append(value)


@pytest.fixture(scope="module")
def built_tree(built_sample_tree: Path) -> Path:
    """One build of a copy of the sample tree."""
    return built_sample_tree


def test_build_writes_the_archive_and_every_local_link_resolves(built_tree: Path) -> None:
    outbox = built_tree / "outbox"
    editions = sorted(p.name for p in (outbox / "editions").iterdir() if p.is_dir())
    for lang in ("fr", "nl"):
        folder = outbox / "web" / lang
        names = {p.name for p in folder.iterdir()}
        assert names == {"index.html", "search.html", "themes"} | {
            f"{e}.html" for e in editions
        } | {f"{e}.how.html" for e in editions}
        listed = [
            h
            for h in Page((folder / "index.html").read_text()).hrefs()
            if "W" in h and "#" not in h
        ]
        assert sorted(listed, reverse=True) == listed == [f"{e}.html" for e in reversed(editions)]
    for page in [outbox / "index.html", *sorted((outbox / "web").rglob("*.html"))]:
        links = Links()
        links.feed(page.read_text("utf-8"))
        for href in links.found:
            target = urlparse(urljoin(page.as_uri(), href))
            if target.scheme != "file":
                continue
            assert Path(target.path).is_file(), f"{page.relative_to(outbox)}: {href}"


#: Safety bound (seconds) on each wait of the preview test: waits end on events; this only
#: keeps a hung server from hanging the suite, and a loaded CI machine needs room.
SAFETY = 120


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def test_preview_serves_the_newest_edition(built_tree: Path) -> None:
    command = [sys.executable, "-m", "digest", "preview", "--port", "0"]
    with subprocess.Popen(
        command,
        cwd=built_tree,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        # A SIGINT ignored by the test process (another test's signal handling) would be
        # inherited, and Ctrl-C would then not reach the server: give it the default.
        preexec_fn=_default_sigint,
    ) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+/web/fr/weekly-2025-W52\.html", url), url
            response = httpx.get(url, timeout=SAFETY)
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/html")
            assert '<html lang="fr">' in response.text
            other = httpx.get(urljoin(url, "../nl/index.html"), timeout=SAFETY)
            assert other.status_code == 200 and "weekly-2025-W52.html" in other.text
            # The outbox is the root: nothing beside it is served.
            assert httpx.get(urljoin(url, "/digest.toml"), timeout=SAFETY).status_code == 404
            process.send_signal(signal.SIGINT)  # Ctrl-C
            assert process.wait(timeout=SAFETY) == 0
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=SAFETY)


def test_preview_names_an_edition_and_refuses_unknown_ones(built_tree: Path) -> None:
    settings = load_settings(built_tree / "digest.toml")
    assert preview_page(settings, "weekly-2021-W06") == "web/fr/weekly-2021-W06.html"
    for wrong in ("weekly-2019-W01", "../digest"):
        with pytest.raises(InputError, match="no web page"):
            preview_page(settings, wrong)
    result = run_digest(built_tree, "preview", "weekly-2019-W01", "--port", "0", timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("digest: error: weekly-2019-W01: no web page")
