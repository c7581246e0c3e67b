"""A theme's pages: its stories year by year, newest first, with a chart of its recent periods.

Layout under the outbox (public at ``settings.base_url`` + the same path)::

    web/<lang>/themes/<theme-id>.html          the theme's newest year, with its chart
    web/<lang>/themes/<theme-id>/<year>.html   each older year, at an address that stays

An edition belongs to the year of its period's key (``weekly-2025-W01`` to 2025, even
when its week starts in December); a story is listed once, at its newest showing. Each
page links the theme's other years. An older year's page changes only when what it shows
changes (a story shown again in a newer year leaves it; a new year is added to its list of
years; the theme is renamed), so it is keyed by what it is made from, the manifests of its
editions by their SHA-256 (:class:`digest.render.page_cache.PageCache`): a build renders the
newest year of each theme, and an older one only when its key changed.

Everything comes from the outbox's manifests, never from the clock: the same outbox gives
the same bytes. A theme has a page in a language when some edition shows it in that
language, as it has a feed there (:mod:`digest.render.feeds`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date
from markupsafe import Markup

from digest.model import Period
from digest.outbox import Outbox
from digest.periods import period_of
from digest.render.chart import Bar, bar_chart
from digest.render.email import N_
from digest.render.i18n import period_label
from digest.render.page_cache import PageCache
from digest.render.web import THEMES, WEB, ThemeLink, WebRenderer, page_name, theme_list

#: How many periods a theme's chart shows, ending with the archive's newest edition.
SPAN = 26
#: The templates a theme page is made of (their text is part of each page's cache key).
TEMPLATES = ("web/theme.html.j2", "web/base.html.j2", "web/style.html.j2")
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
class Year:
    """A year in a theme page's list of its years."""

    year: str
    #: Relative link to its page; "" on the year's own page.
    href: str


@dataclass(frozen=True)
class _Showing:
    """An edition showing a theme, before its stories are made (only for pages rendered)."""

    manifest: Mapping[str, Any]
    year: str
    #: The theme's section in the edition's view.
    section: Mapping[str, Any]
    #: The indexes of the section's key points listed here (not shown in a newer edition).
    kept: tuple[int, ...]


def theme_pages(
    web: WebRenderer,
    manifests: Sequence[Mapping[str, Any]],
    themes: Mapping[str, tuple[ThemeLink, ...]] | None = None,
    cache: PageCache | None = None,
) -> dict[tuple[str, ...], bytes]:
    """The theme pages of every configured language to write: outbox path parts -> bytes.

    ``themes``: :func:`digest.render.web.theme_list` of ``manifests`` in each language,
    when known. ``cache``: an older year's page it holds (the same key, the file as written)
    is left out; the others are told to it (:meth:`PageCache.expect`).
    """
    languages = web.settings.languages
    newest_first = {lang: _newest_first(manifests, lang) for lang in languages}
    plans = {lang: _plan(newest_first[lang], lang) for lang in languages}
    # An older year's page names its versions in the languages that have that page.
    has_year: dict[tuple[str, str], list[str]] = {}
    for lang in languages:
        for theme, (showings, _) in plans[lang].items():
            for year in _years(showings)[1:]:
                has_year.setdefault((theme, year), []).append(lang)
    pages: dict[tuple[str, ...], bytes] = {}
    outbox = cache.outbox if cache is not None else None
    for lang in languages:
        chosen = newest_first[lang]
        axis = _axis(chosen)
        labels = [period_label(web.catalogs, lang, p, "web") for p in axis]
        per_period = _PER_PERIOD[_kind(chosen)]
        # The same ticks on every theme's chart: said once.
        ticks = [format_date(p.start, _TICK[p.kind], locale=lang) for p in axis]
        for link in themes[lang] if themes is not None else theme_list(manifests, lang):
            theme, label = link.theme_id, link.label
            showings, counts = plans[lang].get(theme, ([], {}))
            years = _years(showings)
            newest = years[0] if years else ""
            name = f"{THEMES}/{theme}.html"
            title = f"{label} · {web.settings.title[lang]}"
            chrome = web.chrome(languages, lang, name, title, theme_feed=(theme, label))
            figures = tuple(
                Figure(label, counts.get(p.key, 0)) for p, label in zip(axis, labels, strict=True)
            )
            pages[(WEB, lang, THEMES, f"{theme}.html")] = web.render_page(
                "web/theme.html.j2",
                chrome,
                label=label,
                heading=label,
                total=link.stories,
                edition_count=len(showings),
                editions=_editions([s for s in showings if s.year == newest], lang, "../"),
                years=tuple(Year(y, "" if y == newest else f"{theme}/{y}.html") for y in years),
                figures=figures,
                chart=_chart(web, lang, label, axis, ticks, figures),
                chart_title=web.catalogs.t(lang, per_period, theme=label),
            )
            for year in years[1:]:
                parts = (WEB, lang, THEMES, theme, f"{year}.html")
                shown = [s for s in showings if s.year == year]
                heading = web.catalogs.t(lang, "%(theme)s in %(year)s", theme=label, year=year)
                chrome = web.chrome(
                    has_year[(theme, year)],
                    lang,
                    f"{THEMES}/{theme}/{year}.html",
                    f"{heading} · {web.settings.title[lang]}",
                    theme_feed=(theme, label),
                )
                listed = tuple(
                    Year(y, f"../{theme}.html" if y == newest else "" if y == year else f"{y}.html")
                    for y in years
                )
                key = _key(outbox, shown, repr((chrome, label, heading, listed)))
                if cache is not None:
                    if cache.holds(parts, key):
                        continue
                    cache.expect(parts, key)
                pages[parts] = web.render_page(
                    "web/theme.html.j2",
                    chrome,
                    label=label,
                    heading=heading,
                    total=sum(len(s.kept) for s in shown),
                    edition_count=len(shown),
                    editions=_editions(shown, lang, "../../"),
                    years=listed,
                    figures=(),
                    chart=Markup(""),
                    chart_title="",
                )
    return pages


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


def _years(showings: Sequence[_Showing]) -> list[str]:
    """The years of ``showings``, newest first."""
    return sorted({s.year for s in showings}, reverse=True)


def _plan(
    chosen: Sequence[Mapping[str, Any]], lang: str
) -> dict[str, tuple[list[_Showing], dict[str, int]]]:
    """Each theme's showings (newest first, each story once, at its newest showing), and
    the count of stories it showed in each period (by period key): one pass over the
    editions for every theme, making no story yet."""
    seen: dict[str, set[str]] = {}
    showings: dict[str, list[_Showing]] = {}
    counts: dict[str, dict[str, int]] = {}
    for manifest in chosen:
        view = manifest["views"][lang]
        ids: dict[str, list[str]] = {}
        for story in manifest.get("stories", ()):
            ids.setdefault(story["section"], []).append(story["id"])
        key = str(manifest["period"]["key"])
        for section in view.get("sections", ()):
            theme = section["theme"]
            per_period = counts.setdefault(theme, {})
            per_period[key] = per_period.get(key, 0) + len(section["points"])
            shown = seen.setdefault(theme, set())
            kept = []
            for index, story_id in enumerate(ids.get(theme, ())[: len(section["points"])]):
                if story_id not in shown:
                    shown.add(story_id)
                    kept.append(index)
            if kept:
                showings.setdefault(theme, []).append(
                    _Showing(manifest, key[:4], section, tuple(kept))
                )
    return {theme: (showings.get(theme, []), each) for theme, each in counts.items()}


def _editions(showings: Sequence[_Showing], lang: str, up: str) -> tuple[ThemeEdition, ...]:
    """The editions of ``showings`` with their stories; ``up`` leads from the page to
    ``web/<lang>/``."""
    editions = []
    for showing in showings:
        points = showing.section["points"]
        stories = []
        for index in showing.kept:
            point = points[index]
            url = str(point.get("url") or "")
            stories.append(
                ThemeStory(
                    title=str(point["title"]),
                    lang=str(point["lang"]),
                    text=str(point["text"]),
                    url=url if url.startswith(("https://", "http://")) else "",
                )
            )
        manifest = showing.manifest
        editions.append(
            ThemeEdition(
                period_label=str(manifest["views"][lang]["period_label"]),
                href=f"{up}{page_name(manifest['edition'])}#theme-{showing.section['theme']}",
                stories=tuple(stories),
            )
        )
    return tuple(editions)


def _key(outbox: Outbox | None, showings: Sequence[_Showing], page: str) -> str:
    """What an older year's page is made from: each edition's manifest (the SHA-256 of its
    file) and the key points it lists, and ``page`` (its frame and neighbours); "" when a
    manifest was not read from the outbox (the page is made, not looked up)."""
    digest = hashlib.sha256(page.encode("utf-8"))
    for showing in showings:
        sha = outbox.read_from(showing.manifest) if outbox is not None else None
        if sha is None:
            return ""
        kept = ",".join(map(str, showing.kept))
        digest.update(f"\0{sha}\0{showing.section['theme']}\0{kept}".encode())
    return digest.hexdigest()


def _chart(
    web: WebRenderer,
    lang: str,
    label: str,
    axis: Sequence[Period],
    ticks: Sequence[str],
    figures: Sequence[Figure],
) -> Markup:
    if not axis:
        return Markup("")
    t, tn = web.catalogs.t, web.catalogs.tn
    bars = [Bar(tick, f.stories) for tick, f in zip(ticks, figures, strict=True)]
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
