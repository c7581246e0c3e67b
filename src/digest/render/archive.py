"""The archive's pages beyond the editions: a page per theme, the search pages, the start page.

Layout under the outbox (public at ``settings.base_url`` + the same path)::

    index.html                          the start page: the digest in each of its languages
    web/<lang>/themes/<theme-id>.html   a theme's stories, newest first, with a weekly chart
    web/<lang>/search.html              full-text search (Pagefind, :mod:`digest.render.search`),
                                        merging the archive's bundles (a year, a month)

Everything comes from the outbox's manifests, never from the clock: the same
outbox gives the same bytes. A theme has a page in a language when some edition
shows it in that language, as it has a feed there (:mod:`digest.render.feeds`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date
from markupsafe import Markup

from digest.model import Period
from digest.periods import period_of
from digest.render.chart import Bar, bar_chart
from digest.render.email import N_
from digest.render.i18n import language_name, period_label
from digest.render.search import Bundle, bundle_paths
from digest.render.web import (
    FEED_TYPES,
    INDEX,
    SEARCH,
    THEMES,
    WEB,
    FeedLink,
    ThemeLink,
    WebRenderer,
    page_name,
    theme_list,
)

#: How many periods a theme's chart shows, ending with the archive's newest edition.
SPAN = 26
_PER_PERIOD = {
    "daily": N_("Stories per day on “%(theme)s”"),
    "weekly": N_("Stories per week on “%(theme)s”"),
    "monthly": N_("Stories per month on “%(theme)s”"),
}
_TICK = {"daily": "d MMM", "weekly": "d MMM", "monthly": "MMM yy"}


@dataclass(frozen=True)
class ThemeStory:
    """A story shown under a theme, as its key point in the page's language says it."""

    title: str
    #: Language of the title and text (the original's when not translated).
    lang: str
    text: str
    #: The article, or "" when the key point has no absolute link.
    url: str


@dataclass(frozen=True)
class ThemeEdition:
    """An edition's stories under one theme (those not shown in a newer edition)."""

    period_label: str
    #: Relative link to the theme's section of the edition's page.
    href: str
    stories: tuple[ThemeStory, ...]


@dataclass(frozen=True)
class Figure:
    """A period of the chart, as the table under it gives it."""

    period_label: str
    stories: int


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


def theme_pages(
    web: WebRenderer,
    manifests: Sequence[Mapping[str, Any]],
    themes: Mapping[str, tuple[ThemeLink, ...]] | None = None,
) -> dict[tuple[str, ...], bytes]:
    """Every theme's page in every configured language: outbox path parts -> bytes.

    ``themes``: :func:`digest.render.web.theme_list` of ``manifests`` in each language,
    when known.
    """
    pages: dict[tuple[str, ...], bytes] = {}
    languages = web.settings.languages
    for lang in languages:
        chosen = _newest_first(manifests, lang)
        axis = _axis(chosen)
        labels = [period_label(web.catalogs, lang, p, "web") for p in axis]
        by_theme = _stories(chosen, lang)
        for link in themes[lang] if themes is not None else theme_list(manifests, lang):
            theme = link.theme_id
            editions, counts = by_theme.get(theme, ((), {}))
            name = f"{THEMES}/{theme}.html"
            title = f"{link.label} · {web.settings.title[lang]}"
            chrome = web.chrome(languages, lang, name, title, theme_feed=(theme, link.label))
            figures = tuple(
                Figure(label, counts.get(p.key, 0)) for p, label in zip(axis, labels, strict=True)
            )
            pages[(WEB, lang, THEMES, f"{theme}.html")] = web.render_page(
                "web/theme.html.j2",
                chrome,
                label=link.label,
                total=link.stories,
                editions=editions,
                figures=figures,
                chart=_chart(web, lang, link.label, axis, figures),
                chart_title=web.catalogs.t(lang, _PER_PERIOD[_kind(chosen)], theme=link.label),
            )
    return pages


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


def _newest_first(manifests: Sequence[Mapping[str, Any]], lang: str) -> list[Mapping[str, Any]]:
    chosen = [m for m in manifests if lang in m["views"]]
    return sorted(chosen, key=lambda m: (m["published"], m["edition"]), reverse=True)


def _kind(chosen: Sequence[Mapping[str, Any]]) -> str:
    """The period kind of the newest edition (``weekly`` for an empty archive)."""
    return str(chosen[0]["period"]["kind"]) if chosen else "weekly"


def _period(manifest: Mapping[str, Any]) -> Period:
    period = manifest["period"]
    return period_of(period["kind"], date.fromisoformat(period["start"]))


def _axis(chosen: Sequence[Mapping[str, Any]]) -> tuple[Period, ...]:
    """The :data:`SPAN` periods ending with the newest edition's, oldest first."""
    if not chosen:
        return ()
    periods = [_period(chosen[0])]
    while len(periods) < SPAN:
        periods.append(period_of(periods[-1].kind, periods[-1].start - timedelta(days=1)))
    return tuple(reversed(periods))


def _stories(
    chosen: Sequence[Mapping[str, Any]], lang: str
) -> dict[str, tuple[tuple[ThemeEdition, ...], dict[str, int]]]:
    """Each theme's stories by edition (newest first, each story once, at its newest showing),
    and the count of stories it showed in each period (by period key): one pass over the
    editions for every theme."""
    seen: dict[str, set[str]] = {}
    editions: dict[str, list[ThemeEdition]] = {}
    counts: dict[str, dict[str, int]] = {}
    for manifest in chosen:
        view = manifest["views"][lang]
        ids: dict[str, list[str]] = {}
        for story in manifest.get("stories", ()):
            ids.setdefault(story["section"], []).append(story["id"])
        key = manifest["period"]["key"]
        found: dict[str, list[ThemeStory]] = {}
        for section in view.get("sections", ()):
            theme = section["theme"]
            per_period = counts.setdefault(theme, {})
            per_period[key] = per_period.get(key, 0) + len(section["points"])
            stories = found.setdefault(theme, [])
            shown = seen.setdefault(theme, set())
            for story_id, point in zip(ids.get(theme, ()), section["points"], strict=False):
                if story_id in shown:
                    continue
                shown.add(story_id)
                url = str(point.get("url") or "")
                stories.append(
                    ThemeStory(
                        title=str(point["title"]),
                        lang=str(point["lang"]),
                        text=str(point["text"]),
                        url=url if url.startswith(("https://", "http://")) else "",
                    )
                )
        for theme, stories in found.items():
            if stories:
                editions.setdefault(theme, []).append(
                    ThemeEdition(
                        period_label=str(view["period_label"]),
                        href=f"../{page_name(manifest['edition'])}#theme-{theme}",
                        stories=tuple(stories),
                    )
                )
    return {theme: (tuple(editions.get(theme, ())), each) for theme, each in counts.items()}


def _chart(
    web: WebRenderer,
    lang: str,
    label: str,
    axis: Sequence[Period],
    figures: Sequence[Figure],
) -> Markup:
    if not axis:
        return Markup("")
    t, tn = web.catalogs.t, web.catalogs.tn
    bars = [
        Bar(format_date(p.start, _TICK[p.kind], locale=lang), f.stories)
        for p, f in zip(axis, figures, strict=True)
    ]
    total = sum(f.stories for f in figures)
    most = max(f.stories for f in figures)
    description = " ".join(
        (
            t(
                lang,
                "From %(first)s to %(last)s:",
                first=figures[0].period_label,
                last=figures[-1].period_label,
            ),
            tn(lang, "%(n)s story", "%(n)s stories", total),
            "·",
            t(lang, "at most %(n)s in one period.", n=most),
        )
    )
    return bar_chart(
        bars,
        chart_id="chart",
        title=t(lang, _PER_PERIOD[axis[-1].kind], theme=label),
        description=description,
    )
