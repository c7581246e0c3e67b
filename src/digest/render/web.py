"""The web archive: each edition as a web page per language, how it was made, an index.

Layout under the outbox (public at ``settings.base_url`` + the same path)::

    web/<lang>/index.html              every edition with a page in <lang>, newest first
    web/<lang>/<edition-id>.html       the edition, as the email in <lang> says it
    web/<lang>/<edition-id>.how.html   how it was made: ranks, scores, rules, sources
    web/<lang>/themes/<theme-id>.html  a theme's stories over time (:mod:`digest.render.archive`)
    web/<lang>/search.html             full-text search (:mod:`digest.render.search`)
    index.html                         the start page at the outbox root: pick a language

Every page names its feeds twice: ``<link rel="alternate">`` for feed readers
(autodiscovery) and visible links in its footer.

An edition page shows the same :class:`~digest.render.email.EmailView` as the
email, rendered by ``web/edition.html.j2`` as plain HTML5 (no script, no
external resource). Pages link to each other with relative links, so the outbox
can be browsed as files or served as it is (:mod:`digest.preview`); the public
address of each page is its ``<link rel="canonical">``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from digest.config import Settings
from digest.model import Edition, Theme
from digest.render.email import N_, EmailRenderer
from digest.render.how import HowPage
from digest.render.i18n import language_name
from digest.render.numbers import number

#: Outbox folder of the web archive.
WEB = "web"
#: Name of each language's list of editions.
INDEX = "index.html"
#: Name of each language's search page.
SEARCH = "search.html"
#: Sub-folder of a language's theme pages.
THEMES = "themes"
#: How many headlines the index shows for each edition.
HEADLINES = 3
#: Each feed format: file extension, media type, and the visible link of the editions
#: feed and of a theme's feed (catalog messages).
FEED_TYPES = (
    ("xml", "application/rss+xml", N_("RSS feed of the editions"), N_("RSS feed of this theme")),
    (
        "atom",
        "application/atom+xml",
        N_("Atom feed of the editions"),
        N_("Atom feed of this theme"),
    ),
)


def page_name(edition_id: str) -> str:
    """File name of an edition's page: ``weekly-2021-W06.html``."""
    return f"{edition_id}.html"


def how_name(edition_id: str) -> str:
    """File name of an edition's "how it was made" page: ``weekly-2021-W06.how.html``."""
    return f"{edition_id}.how.html"


def page_path(lang: str, edition_id: str | None = None) -> tuple[str, str, str]:
    """Outbox path parts of an edition's page in ``lang``, or of the index when no edition."""
    return (WEB, lang, page_name(edition_id) if edition_id else INDEX)


def web_url(settings: Settings, lang: str, edition_id: str | None = None) -> str:
    """Public address of an edition's page in ``lang``, or of the index when no edition."""
    return _url(settings, lang, page_name(edition_id) if edition_id else INDEX)


def _url(settings: Settings, lang: str, name: str) -> str:
    return f"{settings.base_url}{WEB}/{lang}/{name}"


@dataclass(frozen=True)
class Alternate:
    """The same page in another language."""

    lang: str
    #: The language's name in that language (``Nederlands``).
    label: str
    #: Relative link from the current page, and the page's public address.
    href: str
    url: str


@dataclass(frozen=True)
class FeedLink:
    """A feed a page names: in its ``<head>`` for feed readers and in its footer."""

    #: The feed's title (the digest's name, and the theme's on a theme feed).
    title: str
    #: ``application/rss+xml`` or ``application/atom+xml``.
    media_type: str
    #: Relative link from the page.
    href: str
    #: The visible link text ("RSS feed of the editions", ...).
    label: str


@dataclass(frozen=True)
class Chrome:
    """What every page of the archive has: language, title, addresses, navigation."""

    lang: str
    #: The digest's name in ``lang``.
    site_title: str
    #: The document's ``<title>``.
    title: str
    #: Public address of the page.
    canonical: str
    #: Relative links: the index of this language and this language's RSS feed.
    index_href: str
    feed_href: str
    alternates: tuple[Alternate, ...]
    #: The subscription form of ``digest serve`` in this language ("" on its own pages).
    subscribe_href: str = ""
    #: Every feed the page names: the editions feed, and a theme page's theme feed.
    feeds: tuple[FeedLink, ...] = ()
    #: Relative links: the start page (outbox root), the search page, the themes list.
    home_href: str = ""
    search_href: str = ""
    themes_href: str = ""


@dataclass(frozen=True)
class Headline:
    """One of an edition's top stories, as its page in one language shows it."""

    title: str
    #: Language of the title (the original's when the story is not translated).
    lang: str
    #: The story's anchor on the edition's page (``ethics-2``: second story of ethics).
    anchor: str


@dataclass(frozen=True)
class IndexEntry:
    """One edition in a language's index."""

    edition_id: str
    title: str
    period_label: str
    summary: str
    href: str
    #: The edition's top stories in ``lang``, best first.
    headlines: tuple[Headline, ...] = ()


class WebRenderer:
    """Renders the web archive with the email's view, templates and catalogs.

    Args:
        email: the edition's email renderer (settings, templates, catalogs).
        themes: the taxonomy, to name the themes of rules that fired; a theme not
            in it is shown by its id.
    """

    def __init__(self, email: EmailRenderer, themes: Sequence[Theme] = ()) -> None:
        self.email = email
        self.settings = email.settings
        self.catalogs = email.catalogs
        self.how = HowPage(email.catalogs, themes)

    def edition_pages(self, edition: Edition) -> dict[tuple[str, ...], bytes]:
        """Every page of ``edition``: outbox path parts -> bytes.

        One page and one "how it was made" page per language of the edition.
        """
        pages: dict[tuple[str, ...], bytes] = {}
        for lang in edition.languages:
            view = self.email.view(edition, (lang,))
            block = view.blocks[0]
            title = f"{block.period_label} · {block.title}"
            chrome = self.chrome(edition.languages, lang, page_name(edition.id), title)
            pages[(WEB, lang, page_name(edition.id))] = self.render_page(
                "web/edition.html.j2",
                chrome,
                view=view,
                block=block,
                how_href=how_name(edition.id),
            )
            how_title = self.catalogs.t(lang, "How this edition was made")
            chrome = self.chrome(
                edition.languages, lang, how_name(edition.id), f"{how_title} · {title}"
            )
            pages[(WEB, lang, how_name(edition.id))] = self.render_page(
                "web/how.html.j2",
                chrome,
                block=block,
                edition_href=page_name(edition.id),
                sections=self.how.sections(edition, lang),
                formula=self.how.formula(lang),
                scope=self.how.scope(edition, lang),
            )
        return pages

    def index_pages(
        self,
        manifests: Sequence[Mapping[str, Any]],
        published: Callable[[str, str], bool] = lambda lang, edition_id: True,
        themes: Mapping[str, tuple[ThemeLink, ...]] | None = None,
    ) -> dict[tuple[str, ...], bytes]:
        """The index of each configured language: outbox path parts -> bytes.

        Args:
            manifests: the outbox's edition manifests (see :meth:`Outbox.manifests`).
            published: whether an edition (language, id) has its page; others are left
                out, so the index never links to a page that is not there.
            themes: :func:`theme_list` of ``manifests`` in each language, when known.
        """
        pages: dict[tuple[str, ...], bytes] = {}
        settings = self.settings
        languages = settings.languages
        for lang in languages:
            chosen = sorted(
                (m for m in manifests if lang in m["views"] and published(lang, m["edition"])),
                key=lambda m: (m["published"], m["edition"]),
                reverse=True,
            )
            entries = tuple(
                IndexEntry(
                    edition_id=m["edition"],
                    title=m["views"][lang]["title"],
                    period_label=m["views"][lang]["period_label"],
                    summary=m["views"][lang]["summary"],
                    href=page_name(m["edition"]),
                    headlines=headlines(m, lang),
                )
                for m in chosen
            )
            archive = self.catalogs.t(lang, "Archive of editions")
            title = f"{archive} · {settings.title[lang]}"
            chrome = self.chrome(languages, lang, INDEX, title)
            pages[(WEB, lang, INDEX)] = self.render_page(
                "web/index.html.j2",
                chrome,
                entries=entries,
                themes=themes[lang] if themes is not None else theme_list(manifests, lang),
            )
        return pages

    def chrome(
        self,
        languages: Sequence[str],
        lang: str,
        name: str,
        title: str,
        theme_feed: tuple[str, str] | None = None,
    ) -> Chrome:
        """The chrome of page ``name`` in ``lang``, with its versions in the other ``languages``.

        ``name`` is relative to ``web/<lang>/`` (``themes/ethics.html`` for a theme page);
        ``theme_feed`` (id, label) adds that theme's feeds to the page's.
        """
        settings = self.settings
        up = "../" * name.count("/")
        site_title: str = settings.title[lang]  # type: ignore[index]
        feeds = [
            FeedLink(
                site_title,
                media_type,
                f"{up}../../feeds/editions.{lang}.{ext}",
                self.catalogs.t(lang, editions_label),
            )
            for ext, media_type, editions_label, _ in FEED_TYPES
        ]
        if theme_feed is not None:
            theme_id, label = theme_feed
            feeds.extend(
                FeedLink(
                    f"{site_title} · {label}",
                    media_type,
                    f"{up}../../feeds/themes/{theme_id}.{lang}.{ext}",
                    self.catalogs.t(lang, theme_label),
                )
                for ext, media_type, _, theme_label in FEED_TYPES
            )
        return Chrome(
            lang=lang,
            site_title=site_title,
            title=title,
            canonical=_url(settings, lang, name),
            index_href=f"{up}{INDEX}",
            feed_href=f"{up}../../feeds/editions.{lang}.xml",
            subscribe_href=f"{settings.base_url}{lang}/subscribe",
            alternates=tuple(
                Alternate(
                    other,
                    language_name(other),
                    f"{up}../{other}/{name}",
                    _url(settings, other, name),
                )
                for other in languages
                if other != lang
            ),
            feeds=tuple(feeds),
            home_href=f"{up}../../{INDEX}",
            search_href=f"{up}{SEARCH}",
            themes_href=f"{up}{INDEX}#themes",
        )

    def render_page(self, name: str, chrome: Chrome, **context: Any) -> bytes:
        lang = chrome.lang
        html = self.email.render(
            name,
            page=chrome,
            t=self.catalogs.t,
            tn=self.catalogs.tn,
            num=lambda value: number(lang, value),
            lang=lang,
            **context,
        )
        return html.encode("utf-8")


@dataclass(frozen=True)
class ThemeLink:
    """A theme in a language's index: its page and how many stories it has shown."""

    theme_id: str
    label: str
    href: str
    stories: int


def headlines(manifest: Mapping[str, Any], lang: str) -> tuple[Headline, ...]:
    """The titles of the edition's best-scored stories in ``lang`` (at most :data:`HEADLINES`).

    A section's key points are its stories in the manifest's ``stories`` order; a story
    without a key point in that view is skipped.
    """
    points: dict[str, Mapping[str, Any]] = {}
    anchors: dict[str, str] = {}
    by_section: dict[str, list[Mapping[str, Any]]] = {}
    for story in manifest.get("stories", ()):
        by_section.setdefault(story["section"], []).append(story)
    for section in manifest["views"][lang].get("sections", ()):
        stories = by_section.get(section["theme"], ())
        for rank, (story, point) in enumerate(zip(stories, section["points"], strict=False), 1):
            points[story["id"]] = point
            anchors[story["id"]] = f"{section['theme']}-{rank}"
    order = {story["id"]: n for n, story in enumerate(manifest.get("stories", ()))}
    best = sorted(
        (s for s in manifest.get("stories", ()) if s["id"] in points),
        key=lambda s: (-float(s["score"]), order[s["id"]]),
    )
    return tuple(
        Headline(str(points[s["id"]]["title"]), str(points[s["id"]]["lang"]), anchors[s["id"]])
        for s in best[:HEADLINES]
    )


def theme_list(manifests: Sequence[Mapping[str, Any]], lang: str) -> tuple[ThemeLink, ...]:
    """Every theme shown in some ``lang`` view, by label, with its count of stories.

    A story shown in several editions counts once; the newest edition names the theme.
    """
    labels: dict[str, tuple[str, str]] = {}
    stories: dict[str, set[str]] = {}
    for manifest in manifests:
        view = manifest["views"].get(lang)
        if view is None:
            continue
        for section in view.get("sections", ()):
            theme = section["theme"]
            if labels.get(theme, ("", ""))[0] <= manifest["published"]:
                labels[theme] = (manifest["published"], section["label"])
        for story in manifest.get("stories", ()):
            if story["section"] in labels:
                stories.setdefault(story["section"], set()).add(story["id"])
    return tuple(
        sorted(
            (
                ThemeLink(theme, label, f"{THEMES}/{theme}.html", len(stories.get(theme, ())))
                for theme, (_, label) in labels.items()
            ),
            key=lambda link: (link.label.casefold(), link.theme_id),
        )
    )
