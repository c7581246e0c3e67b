"""The view of an email: every string already localised, ready for the templates.

The same view feeds the HTML and plain-text templates, the web edition and the feeds;
``digest send`` keeps it as JSON (:mod:`digest.render.personal`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from markupsafe import Markup

from digest.render.escaping import escaped


@dataclass(frozen=True)
class SourceView:
    """One item of a story, as listed under the story's key point."""

    name: str
    url: str
    #: Language of the item, upper case (``FR``).
    lang: str


@dataclass(frozen=True)
class Headline:
    """A story's title in a block, with its theme (for a subscriber's cut)."""

    theme_id: str
    title: str


@dataclass(frozen=True)
class PointView:
    """One story as shown in one language block."""

    #: Language the title and text are written in.
    lang: str
    title: str
    url: str
    text: str
    #: ``source · date`` in the block's language.
    meta: str
    #: Language code shown on a badge when the story is not in the block's language.
    badge: str = ""
    badge_note: str = ""
    #: Every item of the story when it has more than one (versions, other sources).
    sources: tuple[SourceView, ...] = ()
    #: "Translated from Dutch" (reviewed) or "Machine translation from Dutch", when the
    #: text is a translation.
    translation_note: str = ""
    #: When the text shortens its sentences: "Full sentence", linking to the how page.
    full_label: str = ""
    full_url: str = ""
    #: The link to the article: "Read more", with the article's language when it is not
    #: the block's ("Lire la suite (en néerlandais)"); empty: the block's ``read_more``.
    read_more: str = ""
    #: Language of the linked article (``hreflang``).
    url_lang: str = ""

    # The lists of sources as the templates write them, made once per key point: a story
    # of many sources is most of an email's template work, and an edition's email is
    # rendered several times (each language variant, and its cuts to the size budget).
    # Not fields: the view's JSON (digest send) stays the same.

    @cached_property
    def sources_email(self) -> Markup:
        """:attr:`sources` as the email's HTML lists them (``email/digest.mjml.j2``)."""
        return sources_markup(self.sources, " &#183;")

    @cached_property
    def sources_web(self) -> Markup:
        """:attr:`sources` as an edition's web page lists them (``web/edition.html.j2``)."""
        # The email's list with the other separator: an escaped value holds no "&#183;"
        # (its "&" is written "&amp;"), so each one found is a separator.
        return Markup(str(self.sources_email).replace(" &#183;", " ·"))


def sources_markup(sources: tuple[SourceView, ...], separator: str) -> Markup:
    """Each source as `` <a href="url">name</a> (LANG)`` (the name alone without a link),
    ``separator`` between them: what a template's loop over them wrote, each value
    escaped as Jinja's autoescape does."""
    last = len(sources) - 1
    e = escaped
    return Markup(
        "".join(
            (f' <a href="{e(s.url)}">{e(s.name)}</a>' if s.url else f" {e(s.name)}")
            + f" ({e(s.lang)})"
            + (separator if n < last else "")
            for n, s in enumerate(sources)
        )
    )


@dataclass(frozen=True)
class SectionView:
    """One theme in one language block."""

    theme_id: str
    label: str
    points: tuple[PointView, ...]


@dataclass(frozen=True)
class BlockView:
    """Everything shown in one language."""

    lang: str
    anchor: str
    title: str
    period_label: str
    switch_label: str
    heading: str
    summary: str
    read_more: str
    automated_note: str
    unsubscribe: str
    #: ``To unsubscribe: <address>`` for the plain-text part.
    unsubscribe_line: str
    #: ``Sources:`` in the block's language, before a story's list of sources.
    sources_label: str
    sections: tuple[SectionView, ...]
    #: The edition's web page in this language, and its "how it was made" page.
    web_url: str = ""
    web_label: str = ""
    how_url: str = ""
    how_label: str = ""
    #: "3 more stories in the web edition" when the email was trimmed to its size budget.
    more_note: str = ""
    #: The footer's link to the subscriber's preferences, and its plain-text line.
    preferences: str = ""
    preferences_line: str = ""
    #: The block's stories, best first, for the subject and the preview text.
    headlines: tuple[Headline, ...] = ()
    #: The editor's note of the edition in this language: sanitised HTML, and as text.
    note_html: str = ""
    note_text: str = ""
    #: In an email of two languages, stories with no version in this block's language are
    #: shown only in their own language's block: this says so and links to it.
    elsewhere_note: str = ""
    elsewhere_url: str = ""
    #: Their themes (one per story), so that a subscriber's cut can count them again.
    elsewhere_themes: tuple[str, ...] = ()
    #: The footer: who publishes the digest (name, postal address), and why the reader
    #: receives it.
    publisher_line: str = ""
    why_line: str = ""


@dataclass(frozen=True)
class EmailView:
    """The email of one edition for one set of languages."""

    html_lang: str
    subject: str
    preheader: str
    #: The footer's links: the generic web pages (``{base_url}unsubscribe``,
    #: ``{base_url}preferences``); ``digest send`` puts each subscriber's signed ones in.
    unsubscribe_url: str
    blocks: tuple[BlockView, ...]
    preferences_url: str = ""
