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

from digest.config import Settings
from digest.model import Edition, Theme
from digest.render.email import EmailRenderer
from digest.render.how import HowPage, number
from digest.render.i18n import language_name

#: Outbox folder of the web archive.
WEB = "web"
#: Name of each language's list of editions.
INDEX = "index.html"


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
    #: The subscription form of ``digest serve`` in this language ("" on its own pages).
    subscribe_href: str = ""


@dataclass(frozen=True)
class IndexEntry:
    """One edition in a language's index."""

    edition_id: str
    title: str
    period_label: str
    summary: str
    href: str


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
            chrome = self._chrome(edition.languages, lang, page_name(edition.id), title)
            pages[(WEB, lang, page_name(edition.id))] = self._render(
                "web/edition.html.j2",
                chrome,
                view=view,
                block=block,
                how_href=how_name(edition.id),
            )
            how_title = self.catalogs.t(lang, "How this edition was made")
            chrome = self._chrome(
                edition.languages, lang, how_name(edition.id), f"{how_title} · {title}"
            )
            pages[(WEB, lang, how_name(edition.id))] = self._render(
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
            archive = self.catalogs.t(lang, "Archive of editions")
            title = f"{archive} · {settings.title[lang]}"
            chrome = self._chrome(languages, lang, INDEX, title)
            pages[(WEB, lang, INDEX)] = self._render("web/index.html.j2", chrome, entries=entries)
        return pages

    def _chrome(self, languages: Sequence[str], lang: str, name: str, title: str) -> Chrome:
        """The chrome of page ``name`` in ``lang``, with its versions in the other ``languages``."""
        settings = self.settings
        return Chrome(
            lang=lang,
            site_title=self.settings.title[lang],  # type: ignore[index]
            title=title,
            canonical=_url(settings, lang, name),
            index_href=INDEX,
            feed_href=f"../../feeds/editions.{lang}.xml",
            subscribe_href=f"{settings.base_url}{lang}/subscribe",
            alternates=tuple(
                Alternate(
                    other, language_name(other), f"../{other}/{name}", _url(settings, other, name)
                )
                for other in languages
                if other != lang
            ),
        )

    def _render(self, name: str, chrome: Chrome, **context: Any) -> bytes:
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
