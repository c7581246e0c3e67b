"""The email of an edition: Jinja2 writes MJML, mjml-python compiles it to HTML.

The same view (:class:`EmailView`) feeds the HTML template, the plain-text
template and the feeds, so every output says the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from mjml import mjml2html

from digest.config import Settings
from digest.errors import RenderError
from digest.model import Edition, KeyPoint, Section, Story
from digest.render.i18n import Catalogs, language_name, long_date, period_label


def _packaged_templates() -> Path:
    # A wheel carries the templates inside the package (see pyproject's force-include);
    # an editable install from a checkout finds them at the repository's top level.
    package = Path(__file__).resolve().parent.parent
    inside, checkout = package / "templates", package.parent.parent / "templates"
    return inside if inside.is_dir() or not checkout.is_dir() else checkout


#: Packaged templates, used for whatever the configured template folder lacks.
PACKAGED_TEMPLATES = _packaged_templates()


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is used."""
    return message


_PERIOD_HEADINGS = {
    "daily": N_("Key points of the day"),
    "weekly": N_("Key points of the week"),
    "monthly": N_("Key points of the month"),
}


@dataclass(frozen=True)
class SourceView:
    """One item of a story, as listed under the story's key point."""

    name: str
    url: str
    #: Language of the item, upper case (``FR``).
    lang: str


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
    #: ``Unsubscribe: <address>`` for the plain-text part.
    unsubscribe_line: str
    #: ``Sources:`` in the block's language, before a story's list of sources.
    sources_label: str
    sections: tuple[SectionView, ...]


@dataclass(frozen=True)
class EmailView:
    """The email of one edition for one set of languages."""

    html_lang: str
    subject: str
    preheader: str
    unsubscribe_url: str
    blocks: tuple[BlockView, ...]


def template_environment(templates: Path) -> jinja2.Environment:
    """Templates from the configured folder first, the packaged ones after."""
    folders = [templates]
    if PACKAGED_TEMPLATES.is_dir() and templates.resolve() != PACKAGED_TEMPLATES:
        folders.append(PACKAGED_TEMPLATES)
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        autoescape=jinja2.select_autoescape(["html", "mjml.j2", "html.j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def locale_folder(templates: Path) -> Path:
    """Where the message catalogs are: the configured templates, else the packaged ones."""
    own = templates / "locale"
    return own if own.is_dir() else PACKAGED_TEMPLATES / "locale"


class EmailRenderer:
    """Renders editions to HTML and plain text with one set of settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.zone = ZoneInfo(settings.timezone)
        self.env = template_environment(settings.paths.templates)
        self.catalogs = Catalogs(locale_folder(settings.paths.templates), settings.languages)

    def view(self, edition: Edition, languages: tuple[str, ...]) -> EmailView:
        """The view of ``edition`` in ``languages`` (one or two, in display order)."""
        blocks = tuple(self._block(edition, lang) for lang in languages)
        return EmailView(
            html_lang=languages[0],
            subject=" | ".join(f"{b.title} · {b.period_label}" for b in blocks),
            preheader=" | ".join(b.summary for b in blocks),
            unsubscribe_url=self._unsubscribe_url(),
            blocks=blocks,
        )

    def _unsubscribe_url(self) -> str:
        return f"mailto:{self.settings.unsubscribe_address}?subject=unsubscribe"

    def html(self, view: EmailView) -> str:
        """The email HTML: the MJML template compiled by mjml-python."""
        source = self._render("email/digest.mjml.j2", view)
        try:
            return str(mjml2html(source, disable_comments=True, fonts={}))
        except Exception as exc:  # mjml-python raises plain exceptions on invalid MJML
            raise RenderError(f"MJML did not compile: {exc}") from exc

    def text(self, view: EmailView) -> str:
        """The plain-text part."""
        return self._render("email/digest.txt.j2", view)

    def _render(self, name: str, view: EmailView) -> str:
        try:
            return self.env.get_template(name).render(view=view)
        except jinja2.TemplateNotFound as exc:
            raise RenderError(
                f"template {name} not found in {self.settings.paths.templates}"
            ) from exc
        except jinja2.TemplateError as exc:
            raise RenderError(f"template {name}: {exc}") from exc

    def _block(self, edition: Edition, lang: str) -> BlockView:
        t, tn = self.catalogs.t, self.catalogs.tn
        sections = tuple(self._section(section, lang) for section in edition.sections)
        stories = sum(len(s.points) for s in sections)
        return BlockView(
            lang=lang,
            anchor=lang,
            title=self.settings.title[lang],  # type: ignore[index]
            period_label=period_label(self.catalogs, lang, edition.period),
            switch_label=language_name(lang),
            heading=t(lang, _PERIOD_HEADINGS[edition.period.kind]),
            summary=tn(lang, "%(n)s story", "%(n)s stories", stories)
            + " · "
            + tn(lang, "%(n)s theme", "%(n)s themes", len(sections)),
            read_more=t(lang, "Read more"),
            automated_note=t(
                lang,
                "The key points in this digest are selected automatically from the sources "
                "shown; each one links to its original article.",
            ),
            unsubscribe=t(lang, "Unsubscribe"),
            unsubscribe_line=t(
                lang, "To unsubscribe: %(address)s", address=self._unsubscribe_url()
            ),
            sources_label=t(lang, "Sources:"),
            sections=sections,
        )

    def _section(self, section: Section, lang: str) -> SectionView:
        theme = section.theme
        label = theme.labels.get(lang) or self.catalogs.t(lang, "Other news")
        points = []
        for story in section.stories:
            point = story.point_in(lang) or story.original
            points.append(self._point(point, lang, _sources(story)))
        return SectionView(theme.id, label, tuple(points))

    def _point(self, point: KeyPoint, lang: str, sources: tuple[SourceView, ...] = ()) -> PointView:
        when = long_date(lang, point.published.astimezone(self.zone))
        meta = f"{point.source_name} · {when}" if point.source_name else when
        badge = badge_note = ""
        if point.language != lang:
            badge = point.language.upper()
            badge_note = self.catalogs.t(
                lang,
                "Not translated yet: original in %(language)s",
                language=language_name(point.language, lang, capitalise=False),
            )
        return PointView(
            point.language, point.title, point.url, point.text, meta, badge, badge_note, sources
        )


def _sources(story: Story) -> tuple[SourceView, ...]:
    """The story's items as a list of sources, when there is more than one."""
    listed: dict[tuple[str, str, str], SourceView] = {}
    for point in story.points:
        view = SourceView(point.source_name or point.url, point.url, point.language.upper())
        listed.setdefault((view.name, view.lang, view.url), view)
    return tuple(listed.values()) if len(listed) > 1 else ()
