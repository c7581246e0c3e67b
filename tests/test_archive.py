"""The web archive a reader browses: start page, headlines, theme pages, feed links, search.

The sample tree is built once (``built_sample_tree``: French and Dutch); an English
digest of the same sources is built for November 2025 to search in English too. The
search runs in Debian's Chromium (``tests/browser/search.mjs``) on the pages as ``digest
serve`` serves them (real uvicorn, with the archive's Content-Security-Policy), since
Pagefind fetches its index.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlparse

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from digest.build import build
from digest.config import load_settings
from digest.outbox import Outbox
from digest.render.chart import Bar, bar_chart
from digest.render.search import BUNDLE, FILES_SOURCE, KEY, bundles, index_archive, web_pages
from digest.render.web import headlines, theme_list
from digest.serve.app import create_app
from digest.source_state import FileLog
from digest.store import Store
from tests.conftest import copy_sample_tree, run_digest
from tests.serve.harness import _Server
from tests.test_web import Page

ROOT = Path(__file__).resolve().parent.parent
SEARCH = ROOT / "tests" / "browser" / "search.mjs"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
FEED_TYPES = {"application/rss+xml", "application/atom+xml"}


def _pages(outbox: Path) -> list[Path]:
    return [outbox / "index.html", *sorted((outbox / "web").glob("*/**/*.html"))]


def _manifests(outbox: Path) -> list[dict[str, Any]]:
    return [
        json.loads(path.read_text("utf-8"))
        for path in sorted((outbox / "editions").glob("*/manifest.json"))
    ]


def _resolve(page: Path, href: str) -> Path:
    return Path(urlparse(urljoin(page.as_uri(), href)).path)


def test_every_page_links_its_feeds(built_sample_tree: Path) -> None:
    """Autodiscovery in the head and visible links, to feeds that exist, on every page."""
    outbox = built_sample_tree / "outbox"
    pages = _pages(outbox)
    names = {p.name for p in pages} | {p.parent.name for p in pages}
    assert {"index.html", "search.html", "themes", "weekly-2025-W47.how.html"} <= names
    for page in pages:
        parsed = Page(page.read_text("utf-8"))
        where = page.relative_to(outbox)
        alternates = {
            (attrs["type"], _resolve(page, attrs["href"]))
            for tag, attrs in parsed.tags
            if tag == "link" and attrs.get("rel") == "alternate" and attrs.get("type") in FEED_TYPES
        }
        visible = {
            (attrs["type"], _resolve(page, attrs["href"]))
            for tag, attrs in parsed.tags
            if tag == "a" and attrs.get("type") in FEED_TYPES
        }
        langs = (
            ["fr", "nl"] if page == outbox / "index.html" else [page.relative_to(outbox).parts[1]]
        )
        wanted = {
            (media, outbox / "feeds" / f"editions.{lang}.{ext}")
            for lang in langs
            for media, ext in (("application/rss+xml", "xml"), ("application/atom+xml", "atom"))
        }
        if page.parent.name == "themes":
            lang = page.parent.parent.name
            wanted |= {
                (media, outbox / "feeds" / "themes" / f"{page.stem}.{lang}.{ext}")
                for media, ext in (("application/rss+xml", "xml"), ("application/atom+xml", "atom"))
            }
        assert wanted <= alternates, f"{where}: autodiscovery {sorted(wanted - alternates)}"
        assert wanted <= visible, f"{where}: visible links {sorted(wanted - visible)}"
        for _, target in alternates | visible:
            assert target.is_file(), f"{where}: {target} is missing"


def test_start_page_offers_each_language_in_its_own_words(built_sample_tree: Path) -> None:
    outbox = built_sample_tree / "outbox"
    html = (outbox / "index.html").read_text("utf-8")
    page = Page(html)
    assert "<script" not in html and "http-equiv" not in html
    sections = {attrs["lang"] for tag, attrs in page.tags if tag == "section"}
    assert sections == {"fr", "nl"}
    for lang, title, words in (
        ("fr", "Benelux IA : la lettre", "Toutes les éditions"),
        ("nl", "Benelux AI-nieuwsbrief", "Alle edities"),
    ):
        assert title in html and words in html
        assert page.first("a", href=f"web/{lang}/index.html")["hreflang"] == lang
        assert (outbox / "web" / lang / "index.html").is_file()


def test_index_shows_each_editions_top_headlines(built_sample_tree: Path) -> None:
    outbox = built_sample_tree / "outbox"
    html = (outbox / "web" / "fr" / "index.html").read_text("utf-8")
    busy = next(m for m in _manifests(outbox) if m["edition"] == "weekly-2025-W47")
    best = max(busy["stories"], key=lambda s: s["score"])
    top = headlines(busy, "fr")
    assert len(top) == 3
    section = next(s for s in busy["views"]["fr"]["sections"] if s["theme"] == best["section"])
    ids = [s["id"] for s in busy["stories"] if s["section"] == best["section"]]
    rank = ids.index(best["id"])
    assert top[0].title == section["points"][rank]["title"]
    assert top[0].anchor == f"{best['section']}-{rank + 1}"
    block = html.split('href="weekly-2025-W47.html"', 1)[1].split("</li>\n      <li>", 1)[0]
    page = (outbox / "web" / "fr" / "weekly-2025-W47.html").read_text("utf-8")
    for headline in top:
        escaped = headline.title.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;")
        link = f'<a href="weekly-2025-W47.html#{headline.anchor}" lang="{headline.lang}">'
        assert f"<li>{link}{escaped}</a></li>" in block
        assert f'id="{headline.anchor}"' in page


def test_theme_page_lists_stories_newest_first_with_an_accessible_chart(
    built_sample_tree: Path,
) -> None:
    outbox = built_sample_tree / "outbox"
    manifests = _manifests(outbox)
    themes = theme_list(manifests, "nl")
    assert len(themes) >= 5
    for link in themes:
        page = outbox / "web" / "nl" / link.href
        html = page.read_text("utf-8")
        parsed = Page(html)
        assert "<script" not in html
        svg = parsed.first("svg", role="img")
        ids = svg["aria-labelledby"].split()
        parsed.first("title", id=ids[0])
        parsed.first("desc", id=ids[1])
        assert "viewbox" in svg  # HTMLParser lowers attribute names
        editions = [h for h in parsed.hrefs() if h.startswith("../weekly-")]
        assert editions and editions == sorted(editions, reverse=True)
        for href in editions:
            assert _resolve(page, href).is_file()
        # The table gives the chart's figures: they add up to the stories shown per week.
        figures = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', html)]
        assert len(figures) == 26
        newest = max(date.fromisoformat(m["period"]["start"]) for m in manifests)
        first = newest - timedelta(weeks=25)
        shown = sum(
            s["section"] == link.theme_id
            for m in manifests
            if "nl" in m["views"] and date.fromisoformat(m["period"]["start"]) >= first
            for s in m["stories"]
        )
        assert sum(figures) == shown


def test_chart_is_the_same_text_for_the_same_figures_and_escapes_labels() -> None:
    bars = [Bar("1 <sept>", 0), Bar("8 sept", 3), Bar("15 sept", 1)]
    one = bar_chart(bars, chart_id="c", title="A & B", description="3 <stories>")
    two = bar_chart(list(bars), chart_id="c", title="A & B", description="3 <stories>")
    assert one == two
    assert '<title id="c-title">A &amp; B</title>' in one and "&lt;stories&gt;" in one
    assert one.count("<rect") == 2 and "1 &lt;sept&gt;" in one
    assert bar_chart([], chart_id="e", title="t", description="d").count("<rect") == 0


# The search, in a browser ------------------------------------------------------------


@contextmanager
def _served(tree: Path) -> Iterator[str]:
    """The built ``tree``'s archive as ``digest serve`` serves it (its app under real uvicorn
    on a free port of 127.0.0.1, with its Content-Security-Policy); the base URL."""
    settings = load_settings(tree / "digest.toml")
    # No mail is sent here: the SMTP server is only named, as digest serve requires.
    smtp = settings.smtp.model_copy(update={"host": "127.0.0.1"})
    settings = settings.model_copy(update={"secret": SecretStr("s" * 32), "smtp": smtp})
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    server = _Server(uvicorn.Config(create_app(settings), log_level="warning", access_log=False))
    thread = threading.Thread(target=server.serve_on, args=(listener,), daemon=True)
    thread.start()
    try:
        server.ready.wait(timeout=120)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


def _word_of_a_key_point(
    outbox: Path, lang: str, since: str = "", until: str = "9999"
) -> tuple[str, str]:
    """A long word of a key point written in ``lang`` that only one edition's view has,
    an edition whose period starts between ``since`` and ``until``; the word and its id."""
    manifests = [m for m in _manifests(outbox) if lang in m["views"]]
    views = {m["edition"]: m["views"][lang] for m in manifests}
    chosen = {m["edition"] for m in manifests if since <= m["period"]["start"] < until}
    words: dict[str, set[str]] = {}
    for edition, view in views.items():
        for section in view["sections"]:
            for point in section["points"]:
                text = f"{point['title']} {point['text']}".lower()
                for word in re.findall(r"[^\W\d_]{9,}", text):
                    words.setdefault(word, set()).add(edition)
    for edition, view in sorted(views.items(), reverse=True):
        if edition not in chosen:
            continue
        for section in view["sections"]:
            for point in section["points"]:
                if point["lang"] != lang:
                    continue
                for word in sorted(set(re.findall(r"[^\W\d_]{9,}", point["text"].lower()))):
                    if words[word] == {edition}:
                        return word, edition
    raise AssertionError(f"no word of a {lang} key point is in one edition only")


@pytest.fixture(scope="module")
def english_outbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's sources as an English digest, November 2025."""
    tree = copy_sample_tree(tmp_path_factory.mktemp("english") / "project")
    env = {**os.environ, "DIGEST_LANGUAGES": '["en"]'}
    done = run_digest(tree, "build", "--since", "2025-11-01", "--until", "2025-11-30", env=env)
    assert done.returncode == 0, done.stderr
    return tree / "outbox"


#: The sample's search bundles: its years, then the months of 2025 that have editions.
SAMPLE_BUNDLES = (
    "2021",
    "2022",
    "2023",
    "2024",
    *(f"2025-{m}" for m in "02 05 06 08 09 10 11 12".split()),
)
#: Where the second build of ``two_step_tree`` begins.
SECOND = "2025-11-17"


@pytest.fixture(scope="module")
def two_step_tree(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample built up to ``SECOND``, then from it to the end of 2025: the second build
    makes the search bundles of November and December 2025 (months of the newest year)
    again and leaves the others (the years 2021 to 2024, the months before) untouched."""
    tree = copy_sample_tree(tmp_path_factory.mktemp("two-step") / "project")
    settings = load_settings(tree / "digest.toml")
    first = build(settings, since=date(2021, 1, 1), until=date.fromisoformat(SECOND) - timedelta(1))
    assert not first.problems, first.problems
    index = tree / "outbox" / "web" / BUNDLE

    def files(*names: str) -> dict[Path, tuple[int, bytes]]:
        found = (p for name in names for p in index.glob(f"{name}/**/*") if p.is_file())
        return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in found}

    older, newest = files("202[1-4]", "2025-0?", "2025-10"), files("2025-11")
    second = build(settings, since=date.fromisoformat(SECOND), until=date(2025, 12, 31))
    assert not second.problems, second.problems
    after = files("202[1-4]", "2025-0?", "2025-10")
    return {"tree": tree, "older": older, "older_after": after, "newest": newest}


def test_a_build_makes_only_the_search_bundles_of_its_months_again(
    two_step_tree: dict[str, Any],
) -> None:
    """A year a bundle, a month a bundle in the newest year: a build of the last weeks
    makes only their months' bundles again."""
    index = two_step_tree["tree"] / "outbox" / "web" / BUNDLE
    assert two_step_tree["older"], "no bundle before November 2025"
    assert two_step_tree["older_after"] == two_step_tree["older"]  # same bytes, not rewritten
    newest = two_step_tree["newest"]
    assert newest[index / "2025-11" / KEY][1] != (index / "2025-11" / KEY).read_bytes()
    assert (index / "2025-12" / KEY).is_file()
    html = (index.parent / "fr" / "search.html").read_text("utf-8")
    paths = " ".join(f"../{BUNDLE}/{name}/" for name in reversed(SAMPLE_BUNDLES))
    assert f'data-bundles="{paths}"' in html


@pytest.fixture(scope="module")
def searches(
    tmp_path_factory: pytest.TempPathFactory,
    two_step_tree: dict[str, Any],
    english_outbox: Path,
) -> dict[str, Any]:
    """Each language's search page asked for a word of one of its key points; in French,
    one of an edition the second build of ``two_step_tree`` made (its month's bundle made
    again) and one of an edition before 2025 (a bundle that build did not touch)."""
    if not CHROMIUM.is_file() or shutil.which("node") is None:
        pytest.skip("no Chromium or node: make test installs them")
    if not (ROOT / "node_modules" / "playwright-core").is_dir():
        pytest.skip("no node_modules/playwright-core (run npm ci)")
    shots = tmp_path_factory.mktemp("search-screenshots")
    tree = two_step_tree["tree"]
    sample = tree / "outbox"
    asked = {
        "fr": (sample, *_word_of_a_key_point(sample, "fr", since=SECOND)),
        "nl": (sample, *_word_of_a_key_point(sample, "nl")),
        "en": (english_outbox, *_word_of_a_key_point(english_outbox, "en")),
        "fr-older": (sample, *_word_of_a_key_point(sample, "fr", until="2025")),
    }
    with _served(tree) as sample_url, _served(english_outbox.parent) as english_url:
        urls = {
            lang: f"{english_url if lang == 'en' else sample_url}web/{lang[:2]}/search.html"
            f"?q={quote(word)}"
            for lang, (_, word, _) in asked.items()
        }
        done = subprocess.run(
            ["node", str(SEARCH), "--out", str(shots), "--widths", "375,1280", *urls.values()],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env={**os.environ, "CHROMIUM": str(CHROMIUM)},
        )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)["searches"]
    return {
        lang: {"word": word, "edition": edition, **entry}
        for (lang, (_, word, edition)), entry in zip(asked.items(), report, strict=True)
    }


@pytest.mark.parametrize("lang", ["fr", "nl", "en", "fr-older"])
def test_search_finds_a_story_by_a_word_of_its_key_point(
    searches: dict[str, Any], lang: str
) -> None:
    """In every bundle: fr finds an edition of the bundle made again, fr-older one of a
    bundle of an earlier year, merged by the search page."""
    found = searches[lang]
    assert not found["errors"], found["errors"]
    hrefs = [result["href"].split("#")[0] for result in found["results"]]
    page = f"/web/{lang[:2]}/{found['edition']}.html"
    assert page in hrefs, (found["word"], found["results"])
    for width, seen in found["widths"].items():
        assert seen["scrollWidth"] <= seen["innerWidth"], f"{lang} at {width} px"
        assert Path(seen["screenshot"]).stat().st_size > 1000


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_search_results_have_no_wcag_21_aa_violation(searches: dict[str, Any], lang: str) -> None:
    for scheme, found in searches[lang]["axe"].items():
        assert not found, f"{lang} ({scheme}): {found}"


def test_search_pages_say_what_to_do_without_javascript(built_sample_tree: Path) -> None:
    outbox = built_sample_tree / "outbox"
    for lang in ("fr", "nl"):
        html = (outbox / "web" / lang / "search.html").read_text("utf-8")
        noscript = html.split("<noscript>", 1)[1].split("</noscript>", 1)[0]
        hrefs = Page(noscript).hrefs()
        assert "index.html" in hrefs and any(h.startswith("themes/") for h in hrefs)
        assert (outbox / "web" / "pagefind" / "pagefind-ui.js").is_file()


def test_search_index_is_made_again_byte_for_byte(built_sample_tree: Path, tmp_path: Path) -> None:
    """Pagefind again over the same pages: no file changes; an old index's files go; a
    bundle that lost a file is made again, the same bytes."""
    copy = tmp_path / "outbox"
    shutil.copytree(built_sample_tree / "outbox", copy)
    index = copy / "web" / BUNDLE
    assert sorted(p.name for p in index.iterdir() if p.is_dir()) == list(SAMPLE_BUNDLES)
    before = {p: p.read_bytes() for p in index.rglob("*") if p.is_file()}
    stale = index / "2025-12" / "fragment" / "fr_stale.pf_fragment"
    stale.write_bytes(b"old")
    older = index / "pagefind-entry.json"  # the single index of older versions
    older.write_bytes(b"{}")
    outbox = Outbox(copy)
    outbox.open()
    try:
        found = bundles(_manifests(copy), web_pages(outbox, ("fr", "nl")))
        assert index_archive(outbox, found) == 2  # the stale fragment and old entry, removed
        assert not stale.exists() and not older.exists()
        assert index_archive(outbox, found) == 0
        lost = next((index / "2022" / "fragment").iterdir())
        lost.unlink()
        assert index_archive(outbox, found) == 1  # the lost fragment, made again
    finally:
        outbox.close()
    assert {p: p.read_bytes() for p in index.rglob("*") if p.is_file()} == before
    for name in ("2021", "2025-12"):
        entry = json.loads((index / name / "pagefind-entry.json").read_text("utf-8"))
        assert list(entry["languages"]) == ["fr", "nl"]


def test_search_bundles_are_years_and_the_newest_years_months() -> None:
    """A bundle a year, by the day each period starts; in the newest year, a bundle a month,
    so that a new edition makes its month's bundle again, not its year's; newest first."""

    def manifest(start: str, *languages: str) -> dict[str, Any]:
        views = {lang: {} for lang in languages}
        return {"edition": f"e-{start}", "period": {"start": start}, "views": views}

    manifests = [
        manifest("2023-05-01", "fr"),
        manifest("2024-12-30", "fr", "nl"),  # a week of 2025 that starts in 2024
        manifest("2025-01-06", "fr"),
        manifest("2025-01-13", "nl"),
        manifest("2025-03-03", "fr"),
        manifest("2025-04-07", "fr"),  # no page: no bundle
    ]
    pages = {
        ("web", lang, f"e-{m['period']['start']}.html") for m in manifests for lang in m["views"]
    }
    pages.discard(("web", "fr", "e-2025-04-07.html"))
    found = bundles(manifests, pages)
    assert [(b.name, sorted(b.languages), len(b.pages)) for b in found] == [
        ("2025-03", ["fr"], 1),
        ("2025-01", ["fr", "nl"], 2),
        ("2024", ["fr", "nl"], 2),
        ("2023", ["fr"], 1),
    ]
    assert bundles(manifests[:2], pages)[0].name == "2024-12"  # 2024 is then the newest
    assert bundles([], pages) == ()


def test_search_index_reads_only_pages_whose_size_or_time_changed(
    built_sample_tree: Path, tmp_path: Path
) -> None:
    """As local sources: a page rewritten with the same bytes does not remake its year's
    bundle, a changed page does; a page whose size and time are those recorded is not read
    again (its recorded hash vouches for it), and is read when no state is kept."""
    copy = tmp_path / "outbox"
    shutil.copytree(built_sample_tree / "outbox", copy)
    index = copy / "web" / BUNDLE
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    outbox = Outbox(copy)
    outbox.open()

    def keys() -> dict[str, bytes]:
        return {year: (index / year / KEY).read_bytes() for year in ("2022", "2023", "2024")}

    def index_with_states() -> int:
        states = FileLog(store.engine, FILES_SOURCE)
        changed = index_archive(outbox, found, states)
        states.write()
        return changed

    try:
        found = bundles(_manifests(copy), web_pages(outbox, ("fr", "nl")))
        pages = {b.name: [copy.joinpath(*parts) for parts in b.pages] for b in found}
        assert index_with_states() == 0  # every page and bundle file read once, recorded
        recorded = FileLog(store.engine, FILES_SOURCE).known_files(FILES_SOURCE)
        assert set(recorded) >= {"/".join(parts) for b in found for parts in b.pages}
        assert any(name.startswith(f"web/{BUNDLE}/2023/") for name in recorded)
        before = keys()

        same = pages["2023"][0]
        same.write_bytes(same.read_bytes())  # a new time, the same bytes: read, no remake
        assert index_with_states() == 0
        assert keys() == before

        changed = pages["2022"][0]
        changed.write_bytes(changed.read_bytes().replace(b"</body>", b"<p>new</p></body>"))
        assert index_with_states() >= 1
        after = keys()
        assert after["2022"] != before["2022"]
        assert (after["2023"], after["2024"]) == (before["2023"], before["2024"])

        # Other bytes of the same size, the recorded time put back: not read again.
        hidden = pages["2024"][0]
        stat = hidden.stat()
        data = hidden.read_bytes()
        hidden.write_bytes(data.replace(b"</body>", b"</BODY>"))
        os.utime(hidden, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert index_with_states() == 0
        assert keys() == after
        assert index_archive(outbox, found) >= 1  # no states: every page read, 2024 remade
        assert keys()["2024"] != after["2024"]
    finally:
        outbox.close()
        store.close()


def test_digest_serve_lets_only_the_search_pages_run_scripts(built_sample_tree: Path) -> None:
    """Pagefind's own files and WebAssembly on the search pages; no script anywhere else."""
    with _served(built_sample_tree) as base, httpx.Client(base_url=base, timeout=30) as client:
        search = client.get("/web/nl/search.html")
        index = client.get("/web/nl/index.html")
        theme = client.get("/web/nl/themes/ethics.html")
    assert search.status_code == index.status_code == theme.status_code == 200
    assert "script-src 'self' 'wasm-unsafe-eval'" in search.headers["content-security-policy"]
    for page in (index, theme):
        assert "script-src 'none'" in page.headers["content-security-policy"]


def test_a_search_index_that_fails_stops_nothing_and_is_tried_again(sample_tree: Path) -> None:
    """Pagefind fails (a binary that says so in colour and exits 3, named by
    PAGEFIND_BINARY_PATH): the editions and feeds are written, one warning line says why,
    the search pages say search is unavailable and load no script, an older index goes;
    the next build makes it."""
    failing = sample_tree / "failing-pagefind"
    failing.write_text(
        "#!/bin/sh\nprintf '\\033[31mError: disk quota exceeded\\033[0m\\n' >&2\nexit 3\n", "utf-8"
    )
    failing.chmod(0o755)
    old = sample_tree / "outbox" / "web" / "pagefind" / "pagefind-ui.js"
    old.parent.mkdir(parents=True)
    old.write_text("/* an older index */", "utf-8")
    week = ("build", "--since", "2025-11-17", "--until", "2025-11-23")
    result = run_digest(
        sample_tree, *week, env={**os.environ, "PAGEFIND_BINARY_PATH": str(failing)}
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, result.stderr
    assert "the search index was not built" in warnings[0]
    assert "(pagefind failed (3): Error: disk quota exceeded)" in warnings[0]
    assert "search is unavailable" in warnings[0]
    outbox = sample_tree / "outbox"
    assert (outbox / "editions" / "weekly-2025-W47" / "manifest.json").is_file()
    assert (outbox / "feeds" / "editions.fr.xml").is_file()
    assert (outbox / "web" / "nl" / "weekly-2025-W47.html").is_file()
    assert not (outbox / "web" / "pagefind").exists()
    for lang, words in (("fr", "La recherche est indisponible"), ("nl", "Zoeken is niet")):
        html = (outbox / "web" / lang / "search.html").read_text("utf-8")
        assert words in html and "<script" not in html and "../pagefind/" not in html
        hrefs = Page(html).hrefs()
        assert "index.html" in hrefs and any(h.startswith("themes/") for h in hrefs)
    # Nothing new and Pagefind still failing: the sources are not read again, the warning
    # comes back, and the run still succeeds (its editions are kept).
    still = run_digest(sample_tree, *week, env={**os.environ, "PAGEFIND_BINARY_PATH": str(failing)})
    assert still.returncode == 0, still.stderr
    assert "the search index was not built" in still.stderr
    again = run_digest(sample_tree, *week)
    assert again.returncode == 0 and "warning:" not in again.stderr, again.stderr
    assert (outbox / "web" / "pagefind" / "pagefind-ui.js").read_text(
        "utf-8"
    ) != "/* an older index */"
    html = (outbox / "web" / "fr" / "search.html").read_text("utf-8")
    assert '<script src="../pagefind/pagefind-ui.js"></script>' in html
