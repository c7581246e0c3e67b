"""The archive's pages beyond the editions: the search pages, the start page (the theme
pages: :mod:`digest.render.theme_pages`).

Layout under the outbox (public at ``settings.base_url`` + the same path)::

    index.html                          the start page: the digest in each of its languages
    web/<lang>/search.html              full-text search (Pagefind, :mod:`digest.render.search`),
                                        merging the archive's bundles (a year, a month)

Everything comes from the outbox's manifests, never from the clock: the same
outbox gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from digest.render.i18n import language_name
from digest.render.search import Bundle, bundle_paths
from digest.render.web import (
    FEED_TYPES,
    INDEX,
    SEARCH,
    WEB,
    FeedLink,
    ThemeLink,
    WebRenderer,
    theme_list,
)


@dataclass(frozen=True)
class Choice:
    """A language on the start page, said in that language."""

    lang: str
    #: The digest's name and the language's name, in that language (``Nederlands``).
    title: str
    language: str
    #: The language's name as a sentence says it (``français``).
    language_in_text: str
    index_href: str
    search_href: str
    feeds: tuple[FeedLink, ...]


def search_pages(
    web: WebRenderer,
    manifests: Sequence[Mapping[str, Any]],
    found: Sequence[Bundle],
    *,
    available: bool = True,
    themes: Mapping[str, tuple[ThemeLink, ...]] | None = None,
) -> dict[tuple[str, ...], bytes]:
    """The search page of every configured language: outbox path parts -> bytes.

    Each page merges the search bundles of ``found`` that have its language, newest first.
    ``available`` false, or no bundle in the page's language: the search index could not
    be made; the page says so, links the themes and the editions instead, and loads no
    script.
    """
    pages: dict[tuple[str, ...], bytes] = {}
    languages = web.settings.languages
    for lang in languages:
        heading = web.catalogs.t(lang, "Search the archive")
        title = f"{heading} · {web.settings.title[lang]}"
        chrome = web.chrome(languages, lang, SEARCH, title)
        paths = bundle_paths(found, lang)
        pages[(WEB, lang, SEARCH)] = web.render_page(
            "web/search.html.j2",
            chrome,
            themes=themes[lang] if themes is not None else theme_list(manifests, lang),
            bundles=paths,
            unavailable=not (available and paths),
        )
    return pages


def start_page(web: WebRenderer) -> bytes:
    """The outbox root's ``index.html``: each language of the digest, said in it, no script."""
    settings = web.settings
    choices = []
    for lang in settings.languages:
        feeds = tuple(
            FeedLink(
                settings.title[lang],
                media_type,
                f"feeds/editions.{lang}.{ext}",
                web.catalogs.t(lang, label),
            )
            for ext, media_type, label, _ in FEED_TYPES
        )
        choices.append(
            Choice(
                lang=lang,
                title=settings.title[lang],
                language=language_name(lang),
                language_in_text=language_name(lang, capitalise=False),
                index_href=f"{WEB}/{lang}/{INDEX}",
                search_href=f"{WEB}/{lang}/{SEARCH}",
                feeds=feeds,
            )
        )
    html = web.email.render(
        "web/start.html.j2",
        choices=tuple(choices),
        lang=settings.languages[0],
        canonical=settings.base_url,
        t=web.catalogs.t,
        tn=web.catalogs.tn,
    )
    return html.encode("utf-8")
