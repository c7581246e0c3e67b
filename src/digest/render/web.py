"""The web archive: each edition as a web page per language, how it was made, an index.

Layout under the outbox (public at ``settings.base_url`` + the same path)::

    web/<lang>/index.html              every edition with a page in <lang>, newest first
    web/<lang>/<edition-id>.html       the edition, as the email in <lang> says it
    web/<lang>/<edition-id>.how.html   how it was made: ranks, scores, rules, sources

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

import jinja2
from babel.numbers import format_decimal

from digest.config import Settings
from digest.edition import MMR_LAMBDA, RECENCY_BONUS, SOURCE_BONUS
from digest.errors import RenderError
from digest.model import Edition, KeyPoint, Story, StoryScore, Theme
from digest.render.email import N_, EmailRenderer
from digest.render.i18n import language_name
from digest.themes import MIN_SCORE, RELATIVE_SCORE, STRONG_SCORE, TITLE_WEIGHT

#: Outbox folder of the web archive.
WEB = "web"
#: Name of each language's list of editions.
INDEX = "index.html"

_WHERE = {"title": N_("in the title"), "body": N_("in the text")}
_TRANSLATION = {
    "machine": N_("Machine translation from %(language)s"),
    "reviewed": N_("Reviewed translation from %(language)s"),
}


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


@dataclass(frozen=True)
class IndexEntry:
    """One edition in a language's index."""

    edition_id: str
    title: str
    period_label: str
    summary: str
    href: str


@dataclass(frozen=True)
class RuleLine:
    """A theme rule that fired for a story."""

    theme: str
    term: str
    #: Language of the rule and of the text it matched.
    lang: str
    #: ``in the title`` or ``in the text``, in the page's language.
    where: str
    count: int
    weight: str
    points: str
    support: bool


@dataclass(frozen=True)
class RuleGroup:
    """The rules of one theme that fired for a story."""

    theme: str
    rules: tuple[RuleLine, ...]


@dataclass(frozen=True)
class ExclusionLine:
    """An exclusion that matched a story."""

    theme: str
    term: str
    lang: str
    where: str
    count: int
    cancelled: int
    penalty: str


@dataclass(frozen=True)
class ThemeLine:
    """A theme a story scored points in."""

    label: str
    score: str
    assigned: bool


@dataclass(frozen=True)
class SourceLine:
    """One item merged into a story."""

    name: str
    url: str
    #: Language of the item (code) and its name in the page's language.
    lang: str
    language: str
    title: str
    #: "Machine translation from Dutch" when the item is a translation, else empty.
    translation: str


@dataclass(frozen=True)
class StoryHow:
    """One story of an edition, with everything that put it where it is."""

    rank: int
    #: The key point shown in the page's language: its language, title and link.
    lang: str
    title: str
    url: str
    score: str
    parts: StoryScore | None
    #: Parts formatted for the page's language.
    relevance: str
    recency: str
    redundancy: str
    #: The score worked out from its parts: ``19,49 = 16,24 × (1 + 0,5 × (1 − 1)) × …``.
    calculation: str
    #: Whether the text shown is the original, a translation or another language's text.
    text_status: str
    themes: tuple[ThemeLine, ...]
    threshold: str
    #: The rules that fired, by theme in taxonomy order.
    rules: tuple[RuleGroup, ...]
    exclusions: tuple[ExclusionLine, ...]
    sources: tuple[SourceLine, ...]


@dataclass(frozen=True)
class SectionHow:
    """One theme of an edition: its stories and how many it had to choose from."""

    label: str
    considered: int
    stories: tuple[StoryHow, ...]


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
        self.themes = {theme.id: theme for theme in themes}

    def edition_pages(self, edition: Edition) -> dict[tuple[str, ...], bytes]:
        """Every page of ``edition``: outbox path parts -> bytes.

        One page and one "how it was made" page per language of the edition.
        """
        pages: dict[tuple[str, ...], bytes] = {}
        for lang in edition.languages:
            view = self.email.view(edition, (lang,))
            block = view.blocks[0]
            title = f"{block.period_label} · {block.title}"
            chrome = self._chrome(edition, lang, page_name(edition.id), title)
            pages[(WEB, lang, page_name(edition.id))] = self._render(
                "web/edition.html.j2",
                chrome,
                view=view,
                block=block,
                how_href=how_name(edition.id),
            )
            how_title = self.catalogs.t(lang, "How this edition was made")
            chrome = self._chrome(edition, lang, how_name(edition.id), f"{how_title} · {title}")
            pages[(WEB, lang, how_name(edition.id))] = self._render(
                "web/how.html.j2",
                chrome,
                block=block,
                edition_href=page_name(edition.id),
                sections=self._sections(edition, lang),
                formula=self._formula(lang),
            )
        return pages

    def index_pages(
        self,
        manifests: Sequence[Mapping[str, Any]],
        published: Callable[[str, str], bool] = lambda lang, edition_id: True,
    ) -> dict[tuple[str, ...], bytes]:
        """The index of each configured language: outbox path parts -> bytes.

        Args:
            manifests: the outbox's edition manifests (see :meth:`Outbox.manifests`).
            published: whether an edition (language, id) has its page; others are left
                out, so the index never links to a page that is not there.
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
                )
                for m in chosen
            )
            site_title = self.settings.title[lang]
            archive = self.catalogs.t(lang, "Archive of editions")
            chrome = Chrome(
                lang=lang,
                site_title=site_title,
                title=f"{archive} · {site_title}",
                canonical=web_url(self.settings, lang),
                index_href=INDEX,
                feed_href=f"../../feeds/editions.{lang}.xml",
                alternates=tuple(
                    Alternate(
                        other, language_name(other), f"../{other}/{INDEX}", web_url(settings, other)
                    )
                    for other in languages
                    if other != lang
                ),
            )
            pages[(WEB, lang, INDEX)] = self._render("web/index.html.j2", chrome, entries=entries)
        return pages

    def _chrome(self, edition: Edition, lang: str, name: str, title: str) -> Chrome:
        settings = self.settings
        return Chrome(
            lang=lang,
            site_title=self.settings.title[lang],  # type: ignore[index]
            title=title,
            canonical=_url(settings, lang, name),
            index_href=INDEX,
            feed_href=f"../../feeds/editions.{lang}.xml",
            alternates=tuple(
                Alternate(
                    other, language_name(other), f"../{other}/{name}", _url(settings, other, name)
                )
                for other in edition.languages
                if other != lang
            ),
        )

    def _render(self, name: str, chrome: Chrome, **context: Any) -> bytes:
        lang = chrome.lang
        try:
            html = self.email.env.get_template(name).render(
                page=chrome,
                t=self.catalogs.t,
                tn=self.catalogs.tn,
                num=lambda value: _number(lang, value),
                lang=lang,
                **context,
            )
        except jinja2.TemplateNotFound as exc:
            raise RenderError(
                f"template {name} not found in {self.settings.paths.templates}"
            ) from exc
        except jinja2.TemplateError as exc:
            raise RenderError(f"template {name}: {exc}") from exc
        return html.encode("utf-8")

    def _formula(self, lang: str) -> dict[str, str]:
        """The numbers of the ranking and theme rules, written for ``lang``."""
        return {
            "source_bonus": _number(lang, SOURCE_BONUS),
            "recency_bonus": _number(lang, RECENCY_BONUS),
            "recency_max": _number(lang, 1 + RECENCY_BONUS),
            "score_share": format_decimal(MMR_LAMBDA * 100, locale=lang),
            "redundancy_share": format_decimal(round((1 - MMR_LAMBDA) * 100), locale=lang),
            "title_weight": _number(lang, TITLE_WEIGHT),
            "min_score": _number(lang, MIN_SCORE),
            "relative_share": format_decimal(round(RELATIVE_SCORE * 100), locale=lang),
            "strong_score": _number(lang, STRONG_SCORE),
        }

    def _sections(self, edition: Edition, lang: str) -> tuple[SectionHow, ...]:
        t = self.catalogs.t
        sections = []
        for section in edition.sections:
            label = section.theme.labels.get(lang) or t(lang, "Other news")
            stories = tuple(
                self._story(rank, story, lang)
                for rank, story in enumerate(section.stories, start=1)
            )
            sections.append(SectionHow(label, section.considered, stories))
        return tuple(sections)

    def _story(self, rank: int, story: Story, lang: str) -> StoryHow:
        point = story.point_in(lang) or story.original
        parts = story.parts
        explanation = story.explanation
        themes: tuple[ThemeLine, ...] = ()
        rules: tuple[RuleGroup, ...] = ()
        exclusions: tuple[ExclusionLine, ...] = ()
        threshold = ""
        if explanation is not None:
            threshold = _number(lang, explanation.threshold)
            scores = sorted(explanation.scores.items(), key=lambda s: (-s[1], s[0]))
            themes = tuple(
                ThemeLine(
                    self._theme(theme_id, lang),
                    _number(lang, score),
                    theme_id in explanation.assigned,
                )
                for theme_id, score in scores
            )
            lines = [
                RuleLine(
                    theme=self._theme(hit.theme_id, lang),
                    term=hit.term,
                    lang=hit.language,
                    where=self.catalogs.t(lang, _WHERE[hit.where]),
                    count=hit.count,
                    weight=_number(lang, hit.weight),
                    points=_number(lang, hit.points),
                    support=hit.support,
                )
                for hit in explanation.hits
            ]
            # Hits come sorted by theme (taxonomy order): group the runs.
            groups: dict[str, list[RuleLine]] = {}
            for line in lines:
                groups.setdefault(line.theme, []).append(line)
            rules = tuple(RuleGroup(theme, tuple(group)) for theme, group in groups.items())
            exclusions = tuple(
                ExclusionLine(
                    theme=self._theme(veto.theme_id, lang),
                    term=veto.term,
                    lang=veto.language,
                    where=self.catalogs.t(lang, _WHERE[veto.where]),
                    count=veto.count,
                    cancelled=veto.cancelled,
                    penalty=_number(lang, veto.penalty),
                )
                for veto in explanation.exclusions
            )
        return StoryHow(
            rank=rank,
            lang=point.language,
            title=point.title,
            url=point.url,
            score=_number(lang, story.score),
            parts=parts,
            relevance=_number(lang, parts.relevance) if parts else "",
            recency=_number(lang, parts.recency) if parts else "",
            redundancy=_number(lang, parts.redundancy) if parts else "",
            calculation=_calculation(lang, story.score, parts) if parts else "",
            text_status=self._text_status(point, lang),
            themes=themes,
            threshold=threshold,
            rules=rules,
            exclusions=exclusions,
            sources=tuple(self._source(p, lang) for p in story.points),
        )

    def _theme(self, theme_id: str, lang: str) -> str:
        theme = self.themes.get(theme_id)
        if theme is None:
            return theme_id
        return theme.labels.get(lang) or theme.label(lang)

    def _text_status(self, point: KeyPoint, lang: str) -> str:
        t = self.catalogs.t
        if point.language != lang:
            return t(
                lang,
                "No version in this language yet: the original, in %(language)s, is shown.",
                language=language_name(point.language, lang, capitalise=False),
            )
        source = language_name(point.original_language or point.language, lang, capitalise=False)
        if point.translation == "reviewed":
            return t(
                lang, "A translation from %(language)s, reviewed by a person.", language=source
            )
        if point.translation == "machine":
            return t(
                lang,
                "A machine translation from %(language)s, not reviewed by a person.",
                language=source,
            )
        return t(lang, "The source's own text, in this language.")

    def _source(self, point: KeyPoint, lang: str) -> SourceLine:
        translation = ""
        if point.translation:
            source = language_name(
                point.original_language or point.language, lang, capitalise=False
            )
            translation = self.catalogs.t(lang, _TRANSLATION[point.translation], language=source)
        return SourceLine(
            name=point.source_name or point.url,
            url=point.url,
            lang=point.language,
            language=language_name(point.language, lang, capitalise=False),
            title=point.title,
            translation=translation,
        )


def _number(lang: str, value: float) -> str:
    """``value`` with at most two decimals, as ``lang`` writes numbers (``1,5``)."""
    return str(format_decimal(round(value, 2), format="#,##0.##", locale=lang))


def _calculation(lang: str, score: float, parts: StoryScore) -> str:
    """The ranking formula with the story's numbers (see :mod:`digest.edition`)."""
    n = _number
    return (
        f"{n(lang, score)} = {n(lang, parts.relevance)} × (1 + {n(lang, SOURCE_BONUS)} × "
        f"({parts.sources} − 1)) × (1 + {n(lang, RECENCY_BONUS)} × {n(lang, parts.recency)})"
    )
