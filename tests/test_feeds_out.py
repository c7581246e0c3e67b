"""The feeds a build writes: the W3C Feed Validation Service's rules we can check offline.

Every feed file of a demo build (editions and themes, RSS 2.0 and Atom 1.0, per language) is
parsed with feedparser and checked against the RSS 2.0 specification and RFC 4287: required
elements, date formats (RFC 822 with a four-digit year, RFC 3339), unique ids, absolute URLs
everywhere (in the XML and in the escaped HTML), the self link, the language. Then: the same
input gives the same bytes, and hostile HTML in an article reaches no feed.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import pytest

from digest.build import BuildReport, build
from digest.config import Settings, load_settings
from digest.outbox import Outbox
from digest.render.email import EmailRenderer
from digest.render.feeds import editions_feed, render, theme_feeds
from tests.conftest import copy_sample_tree

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SINCE, UNTIL = date(2021, 1, 1), date(2025, 12, 31)
RFC_822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} (GMT|[+-]\d{4})$"
)
RFC_3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
FEED_NAME = re.compile(
    r"^(?P<stem>[a-z0-9-]+)\.(?P<lang>[a-z]{2})(\.(?P<month>\d{4}-\d{2}))?\.(?P<ext>xml|atom)$"
)


@dataclass(frozen=True)
class Built:
    """One build of a copy of the sample tree."""

    tree: Path
    settings: Settings
    report: BuildReport

    @property
    def outbox(self) -> Path:
        return self.settings.paths.outbox

    def feeds(self) -> dict[str, bytes]:
        """Every feed file, by its path in the outbox."""
        folder = self.outbox / "feeds"
        return {
            p.relative_to(self.outbox).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }

    def manifests(self) -> list[dict[str, Any]]:
        return Outbox(self.outbox).manifests()


def build_tree(tree: Path) -> Built:
    settings = load_settings(tree / "digest.toml")
    return Built(tree, settings, build(settings, since=SINCE, until=UNTIL))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The demo editions, built once for the checks below."""
    return build_tree(copy_sample_tree(tmp_path_factory.mktemp("feeds") / "project"))


# --- what a validator checks ---------------------------------------------------------------


class _Html(HTMLParser):
    """Collects the tags, attributes and URLs of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


def html_problems(html: str, where: str) -> list[str]:
    """What makes an HTML fragment unsafe or not self-contained in a feed."""
    parser = _Html()
    parser.feed(html)
    parser.close()
    found = []
    for tag in parser.tags:
        if tag in {"script", "style", "iframe", "object", "embed", "form", "base"}:
            found.append(f"{where}: <{tag}> in the HTML")
    for name, value in parser.attributes:
        if name.startswith("on"):
            found.append(f"{where}: event handler {name}= in the HTML")
        if name in {"href", "src", "cite", "action", "poster"} and not absolute(value):
            found.append(f"{where}: {name}={value!r} is not an absolute http(s) URL")
    if "javascript:" in html.lower():
        found.append(f"{where}: 'javascript:' in the HTML")
    return found


def absolute(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def rfc822(value: str | None) -> datetime:
    assert value is not None and RFC_822.match(value), f"not an RFC 822 date: {value!r}"
    return parsedate_to_datetime(value)


def rfc3339(value: str | None) -> datetime:
    assert value is not None and RFC_3339.match(value), f"not an RFC 3339 date: {value!r}"
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def text_of(element: ET.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def check_urls_in_xml(root: ET.Element, where: str) -> list[str]:
    """Every URL-valued attribute and element of the document is absolute."""
    found = []
    for element in root.iter():
        for name in ("href", "src", "url", "uri"):
            value = element.get(name)
            if value is not None and not absolute(value):
                found.append(f"{where}: <{element.tag} {name}={value!r}> is relative")
        tag = element.tag.rsplit("}", 1)[-1]
        value = (element.text or "").strip()
        if tag in {"link", "docs", "uri", "comments"} and value and not absolute(value):
            found.append(f"{where}: <{tag}>{element.text!r} is relative")
    return found


def check_rss(data: bytes, url: str, lang: str) -> list[str]:
    """The RSS 2.0 specification's requirements, and what the W3C validator errs on."""
    problems: list[str] = []
    root = ET.fromstring(data)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channels = root.findall("channel")
    assert len(channels) == 1
    channel = channels[0]
    for name in ("title", "link", "description"):
        if not text_of(channel.find(name)):
            problems.append(f"channel has no {name}")
    if text_of(channel.find("language")) != lang:
        problems.append(f"channel language is {text_of(channel.find('language'))!r}")
    selves = [link for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
    if len(selves) != 1 or selves[0].get("href") != url:
        problems.append(f"self link is not {url}: {[s.get('href') for s in selves]}")
    elif selves[0].get("type") != "application/rss+xml":
        problems.append("self link has no RSS media type")
    items = channel.findall("item")
    dates = []
    guids = []
    for number, item in enumerate(items):
        where = f"item {number}"
        if not (text_of(item.find("title")) or text_of(item.find("description"))):
            problems.append(f"{where} has neither title nor description")
        guid = item.find("guid")
        if guid is None or not text_of(guid):
            problems.append(f"{where} has no guid")
        else:
            guids.append(text_of(guid))
            permalink = guid.get("isPermaLink", "true")
            if permalink not in ("true", "false"):
                problems.append(f"{where}: isPermaLink={permalink!r}")
            if permalink == "true" and not absolute(text_of(guid)):
                problems.append(f"{where}: permalink guid {text_of(guid)!r} is not a URL")
        if not absolute(text_of(item.find("link"))):
            problems.append(f"{where}: link {text_of(item.find('link'))!r} is not absolute")
        dates.append(rfc822(text_of(item.find("pubDate"))))
        for category in item.findall("category"):
            if not text_of(category):
                problems.append(f"{where}: empty category")
        problems.extend(html_problems(text_of(item.find("description")), where))
    if len(set(guids)) != len(guids):
        problems.append("guids repeat")
    if dates != sorted(dates, reverse=True):
        problems.append("items are not newest first")
    if items:
        built = rfc822(text_of(channel.find("lastBuildDate")))
        if built != max(dates):
            problems.append(f"lastBuildDate {built} is not the newest item's {max(dates)}")
    problems.extend(check_urls_in_xml(root, "RSS"))
    return problems


def check_atom(data: bytes, url: str, lang: str) -> list[str]:
    """RFC 4287's requirements, and what the W3C validator errs on."""
    problems: list[str] = []
    root = ET.fromstring(data)
    assert root.tag == f"{ATOM}feed"
    if root.get(XML_LANG) != lang:
        problems.append(f"xml:lang is {root.get(XML_LANG)!r}")
    for name in ("id", "title", "updated"):
        if not text_of(root.find(f"{ATOM}{name}")):
            problems.append(f"feed has no {name}")
    updated = rfc3339(text_of(root.find(f"{ATOM}updated")))
    links = root.findall(f"{ATOM}link")
    selves = [link for link in links if link.get("rel") == "self"]
    if len(selves) != 1 or selves[0].get("href") != url:
        problems.append(f"self link is not {url}: {[s.get('href') for s in selves]}")
    elif selves[0].get("type") != "application/atom+xml":
        problems.append("self link has no Atom media type")
    if not any(link.get("rel", "alternate") == "alternate" for link in links):
        problems.append("feed has no alternate link")
    feed_author = any(text_of(a.find(f"{ATOM}name")) for a in root.findall(f"{ATOM}author"))
    entries = root.findall(f"{ATOM}entry")
    ids = []
    dates = []
    for number, entry in enumerate(entries):
        where = f"entry {number}"
        for name in ("id", "title", "updated"):
            if not text_of(entry.find(f"{ATOM}{name}")):
                problems.append(f"{where} has no {name}")
        ids.append(text_of(entry.find(f"{ATOM}id")))
        if not urlsplit(ids[-1]).scheme:
            problems.append(f"{where}: id {ids[-1]!r} is not an IRI")
        dates.append(rfc3339(text_of(entry.find(f"{ATOM}updated"))))
        if entry.find(f"{ATOM}published") is not None:
            rfc3339(text_of(entry.find(f"{ATOM}published")))
        if not feed_author and not entry.findall(f"{ATOM}author"):
            problems.append(f"{where} has no author, nor has the feed")
        alternates = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        if len(alternates) != 1:
            problems.append(f"{where} has {len(alternates)} alternate links")
        content = entry.find(f"{ATOM}content")
        if content is None or content.get("type") != "html" or not text_of(content):
            problems.append(f"{where} has no HTML content")
        else:
            problems.extend(html_problems(text_of(content), where))
        for category in entry.findall(f"{ATOM}category"):
            if not category.get("term"):
                problems.append(f"{where}: category without term")
    if len(set(ids)) != len(ids):
        problems.append("entry ids repeat")
    if dates != sorted(dates, reverse=True):
        problems.append("entries are not newest first")
    if entries and updated != max(dates):
        problems.append(f"feed updated {updated} is not the newest entry's {max(dates)}")
    problems.extend(check_urls_in_xml(root, "Atom"))
    return problems


def validate(settings: Settings, path: str, data: bytes) -> list[str]:
    """Every problem of one feed file (``path`` inside the outbox)."""
    name = FEED_NAME.match(path.rsplit("/", 1)[-1])
    assert name is not None, f"unexpected feed file name {path}"
    parsed = feedparser.parse(data)
    if parsed.bozo:
        return [f"feedparser: {parsed.get('bozo_exception')}"]
    url = settings.base_url + path
    if name["ext"] == "xml":
        assert parsed.version == "rss20", parsed.version
        return check_rss(data, url, name["lang"])
    assert parsed.version == "atom10", parsed.version
    return check_atom(data, url, name["lang"])


# --- the demo build -------------------------------------------------------------------------


def expected_files(built: Built) -> set[str]:
    files = set()
    for lang in built.settings.languages:
        files |= {f"feeds/editions.{lang}.xml", f"feeds/editions.{lang}.atom"}
        for manifest in built.manifests():
            for section in manifest["views"][lang]["sections"]:
                stem = f"feeds/themes/{section['theme']}.{lang}"
                files |= {f"{stem}.xml", f"{stem}.atom"}
    return files


def test_a_build_writes_editions_and_theme_feeds_in_both_formats(demo: Built) -> None:
    written = set(demo.feeds())
    # The subscription documents, at their usual paths; their archives under feeds/archive/.
    assert {f for f in written if not f.startswith("feeds/archive/")} == expected_files(demo)
    archives = {f for f in written if f.startswith("feeds/archive/")}
    assert archives
    of = {re.sub(r"\.\d{4}-\d{2}\.", ".", f.replace("archive/", "")) for f in archives}
    assert of == expected_files(demo)
    assert demo.report.feeds_changed == len(written)
    assert {"feeds/editions.fr.xml", "feeds/editions.nl.atom"} <= written
    assert len([f for f in written if f.startswith("feeds/themes/")]) >= 4 * 5  # 5+ themes


def test_every_feed_passes_the_validator_rules(demo: Built) -> None:
    problems = {
        path: found
        for path, data in demo.feeds().items()
        if (found := validate(demo.settings, path, data))
    }
    assert problems == {}


def test_edition_items_link_to_the_web_pages_with_the_editions_dates(demo: Built) -> None:
    manifests = {m["edition"]: m for m in demo.manifests()}
    base = demo.settings.base_url
    for lang in demo.settings.languages:
        for ext in ("xml", "atom"):
            parsed = logical(demo, f"feeds/editions.{lang}.{ext}")
            assert parsed.feed.link == f"{base}web/{lang}/index.html"
            assert parsed.feed.language == lang
            assert parsed.feed.subtitle  # the channel description, from the catalog
            assert len(parsed.entries) == len(manifests)
            for entry in parsed.entries:
                edition = entry.link.removeprefix(f"{base}web/{lang}/").removesuffix(".html")
                manifest = manifests[edition]
                assert entry.id == f"{base}editions/{edition}#{lang}"
                published = datetime.fromisoformat(manifest["published"])
                assert parsed_date(entry) == published
                view = manifest["views"][lang]
                assert entry.title == f"{view['title']} · {view['period_label']}"
                html = entry.content[0].value if ext == "atom" else entry.summary
                for section in view["sections"]:
                    for point in section["points"]:
                        assert point["url"] in html
                assert [tag.term for tag in entry.tags] == [
                    s["theme" if ext == "atom" else "label"] for s in view["sections"]
                ]


def logical(built: Built, path: str) -> Any:
    """The feed at ``path`` whole (RFC 5005, 4.2): its subscription document's entries, then
    those of each archive its ``prev-archive`` links lead to, each entry once (the newest
    document's), newest first."""
    feeds = built.feeds()
    parsed = feedparser.parse(feeds[path])
    seen = {entry.id for entry in parsed.entries}
    document = parsed
    while previous := [link.href for link in document.feed.links if link.rel == "prev-archive"]:
        document = feedparser.parse(feeds[previous[0].removeprefix(built.settings.base_url)])
        for entry in document.entries:
            if entry.id not in seen:
                seen.add(entry.id)
                parsed.entries.append(entry)
    parsed.entries.sort(key=lambda entry: entry.published_parsed, reverse=True)
    return parsed


def parsed_date(entry: Any) -> datetime:
    struct = entry.published_parsed
    from calendar import timegm
    from datetime import UTC

    return datetime.fromtimestamp(timegm(struct), UTC)


def test_theme_feeds_hold_each_story_once_under_its_label(demo: Built) -> None:
    for lang in demo.settings.languages:
        expected: dict[str, list[tuple[str, str]]] = {}
        labels = {}
        for manifest in demo.manifests():
            stories = [s for s in manifest["stories"]]
            for section in manifest["views"][lang]["sections"]:
                ids = [s["id"] for s in stories if s["section"] == section["theme"]]
                labels[section["theme"]] = section["label"]
                for story_id, point in zip(ids, section["points"], strict=True):
                    expected.setdefault(section["theme"], []).append((story_id, point["title"]))
        for theme, stories in expected.items():
            parsed = logical(demo, f"feeds/themes/{theme}.{lang}.xml")
            assert labels[theme] in parsed.feed.title
            assert len(parsed.entries) == len({story_id for story_id, _ in stories})
            assert {e.title for e in parsed.entries} == {title for _, title in stories}
            for entry in parsed.entries:
                assert [tag.term for tag in entry.tags] == [labels[theme]]
                assert absolute(entry.link)
            atom = logical(demo, f"feeds/themes/{theme}.{lang}.atom")
            assert [e.id for e in atom.entries] == [e.id for e in parsed.entries]
            assert [e.link for e in atom.entries] == [e.link for e in parsed.entries]


def test_the_same_input_gives_the_same_feed_bytes(demo: Built, tmp_path: Path) -> None:
    again = build_tree(copy_sample_tree(tmp_path / "again"))
    assert again.feeds() == demo.feeds()
    # Rebuilding in place rewrites no feed.
    assert build(demo.settings, since=SINCE, until=UNTIL).feeds_changed == 0


# --- hostile input --------------------------------------------------------------------------

HOSTILE = {
    "title": "Hôpitaux : l'IA au triage <script>alert('title')</script>",
    "date": "2024-06-12T09:00:00+02:00",
    "url": "https://www.hostile.example/fr/2024/06/ia-hopital",
    "lang": "fr",
    "source": "Hostile",
    "html": (
        "<p>Un hôpital bruxellois teste un modèle d'intelligence artificielle pour le triage des "
        "patients aux urgences, avec des données de santé.<script>alert('body')</script></p>"
        '<p><a href="javascript:alert(1)">cliquez</a> <a href="/relative/page">relatif</a>'
        ' <img src="x" onerror="alert(2)"> Le projet pilote de l\'hôpital concerne '
        "la santé des patients et les soins hospitaliers.</p>"
    ),
}


def test_hostile_html_in_an_article_reaches_no_feed(sample_tree: Path) -> None:
    articles = sample_tree / "sources" / "articles"
    (articles / "2024-06-hostile-fr.json").write_text(json.dumps(HOSTILE), encoding="utf-8")
    built = build_tree(sample_tree)
    # The markup in its title is removed at normalisation, with a line saying so.
    assert [p.what.endswith("holds markup") for p in built.report.problems] == [True]
    feeds = built.feeds()
    assert any(b"www.hostile.example" in data for data in feeds.values())
    for path, data in feeds.items():
        assert validate(built.settings, path, data) == [], path
        # Not even as escaped text: the sanitiser dropped scripts with their content.
        for needle in (b"javascript", b"alert(", b"onerror", b"relative/page", b"script&gt;"):
            assert needle not in data.lower(), (path, needle)


def test_hostile_manifest_values_are_dropped(tmp_path: Path) -> None:
    tree = copy_sample_tree(tmp_path / "project")
    settings = load_settings(tree / "digest.toml")
    renderer = EmailRenderer(settings)
    point = {
        "lang": "fr",
        "title": "<script>alert(1)</script>Titre",
        "url": "javascript:alert(2)",
        "text": "</p><script>alert(3)</script><a href='/x' onclick='alert(4)'>x</a>",
    }
    manifest = {
        "edition": "weekly-2021-W06",
        "published": "2021-02-11T00:00:00+00:00",
        "stories": [{"id": "articles/x#0", "section": "health", "items": ["articles/x#0"]}],
        "views": {
            "fr": {
                "title": "Lettre",
                "period_label": "Semaine 6",
                "summary": "1 sujet",
                "sections": [{"theme": "health", "label": "Santé", "points": [point]}],
            }
        },
    }
    feeds = [editions_feed(settings, renderer.catalogs, renderer.env, "fr", [manifest])]
    feeds += theme_feeds(settings, renderer.catalogs, renderer.env, "fr", [manifest])
    assert [f.stem for f in feeds] == [("feeds", "editions.fr"), ("feeds", "themes", "health.fr")]
    for feed in feeds:
        for fmt, ext in (("rss", "xml"), ("atom", "atom")):
            data = render(settings, feed, fmt)
            path = "/".join(feed.stem) + f".{ext}"
            # No script, handler, javascript: or relative link in the HTML (validate checks).
            assert validate(settings, path, data) == [], path
            assert b"javascript" not in data, path
            parsed = feedparser.parse(data)
            (entry,) = parsed.entries
            assert "script" not in entry.title
            assert entry.link == f"{settings.base_url}web/fr/weekly-2021-W06.html"
            # Markup in a text is dropped, not even shown escaped; the text around it stays.
            html = entry.content[0].value if fmt == "atom" else entry.summary
            assert "alert" not in html and "script" not in html
            assert ">x<" in html or ": x<" in html


# --- the checks catch what they are for -----------------------------------------------------

BREAKAGES = {
    "relative link in the HTML": ("feeds/archive/editions.fr.2025-09.xml", b'href="https://www.logistiek', b'href="/www.logistiek'),
    "date without a 4-digit year": ("feeds/editions.fr.xml", b" 2025 ", b" 25 "),
    "self link elsewhere": ("feeds/editions.fr.atom", b"editions.fr.atom", b"editions.nl.atom"),
    "Atom date in RFC 822": ("feeds/archive/editions.nl.2025-09.atom", b"<updated>2025-09-16T09:00:00+00:00", b"<updated>Tue, 16 Sep 2025 09:00:00 +0000"),
    "no language": ("feeds/editions.nl.xml", b"<language>nl</language>", b""),
    "repeated guid": ("feeds/editions.fr.xml", b"weekly-2025-W50#fr", b"weekly-2025-W51#fr"),
    "script in the content": ("feeds/editions.fr.atom", b"&lt;/ul&gt;", b"&lt;script&gt;x()&lt;/script&gt;&lt;/ul&gt;"),
}  # fmt: skip


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_the_checks_reject_a_broken_feed(demo: Built, breakage: str) -> None:
    path, good, bad = BREAKAGES[breakage]
    data = demo.feeds()[path]
    assert good in data
    broken = data.replace(good, bad)
    try:
        found = validate(demo.settings, path, broken)
    except AssertionError:
        return  # a malformed date fails an assertion at once
    assert found, breakage
