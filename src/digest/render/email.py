"""The email of an edition: Jinja2 writes MJML, mjml-python compiles it to HTML.

The same view (:class:`EmailView`) feeds the HTML template, the plain-text
template and the feeds, so every output says the same thing. After MJML, the
rules of ``email/inline.css.j2`` are inlined onto the elements (css-inline):
mjml-python leaves ``mj-style inline`` rules in a ``<style>`` block, which some
clients drop. :meth:`EmailRenderer.fit` keeps the HTML under the size budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import css_inline
import jinja2
from mjml import mjml2html

from digest.config import Settings
from digest.errors import RenderError
from digest.model import Edition, KeyPoint, Section, Story
from digest.render.full import anchor, full_view
from digest.render.i18n import Catalogs, language_name, long_date, period_label
from digest.sources.bounds import is_inside


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


#: The email's colours (the templates take them from here too): text, secondary text, links.
INK = "#1f2933"
MUTED = "#4a5563"
LINK = "#0b5cad"

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
    #: "Machine translation from Dutch", when the text is one.
    translation_note: str = ""
    #: When the text shortens its sentences: "Full sentence", linking to the how page.
    full_label: str = ""
    full_url: str = ""


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


def template_environment(templates: Path) -> jinja2.Environment:
    """Templates from the configured folder first, the packaged ones after.

    A template is read only when its real path is inside the folder it was found in:
    a symlink that leads out of it is refused (:class:`RenderError`), not followed.
    """
    folders = [templates]
    if PACKAGED_TEMPLATES.is_dir() and templates.resolve() != PACKAGED_TEMPLATES:
        folders.append(PACKAGED_TEMPLATES)
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader([_JailedLoader(folder) for folder in folders]),
        autoescape=jinja2.select_autoescape(["html", "mjml.j2", "html.j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


class _JailedLoader(jinja2.FileSystemLoader):
    """Jinja's file loader for one folder, refusing a template whose real path leaves it."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = folder

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        # The same path the parent class reads (split_template_path already refuses ".."),
        # checked before it is opened.
        path = self.folder.joinpath(*jinja2.loaders.split_template_path(template))
        if path.is_file() and not is_inside(path, self.folder):
            raise RenderError(f"{path}: symlink to outside the templates folder {self.folder}")
        return super().get_source(environment, template)


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
        css = self.env.get_template("email/inline.css.j2").render(ink=INK, muted=MUTED, link=LINK)
        # Only these rules are inlined; MJML's own <style> blocks (responsive columns,
        # media queries) stay as they are, since they cannot be inlined.
        self._inliner = css_inline.CSSInliner(
            inline_style_tags=False,
            keep_style_tags=True,
            extra_css=css,
            load_remote_stylesheets=False,
        )

    def view(self, edition: Edition, languages: tuple[str, ...], *, left_out: int = 0) -> EmailView:
        """The view of ``edition`` in ``languages`` (one or two, in display order).

        Args:
            left_out: stories of the edition this view does not show (see :meth:`fit`).
        """
        blocks = tuple(self._block(edition, lang, left_out) for lang in languages)
        return EmailView(
            html_lang=languages[0],
            subject=" | ".join(f"{b.title} · {b.period_label}" for b in blocks),
            preheader=" | ".join(b.summary for b in blocks),
            unsubscribe_url=self.unsubscribe_url,
            blocks=blocks,
            preferences_url=self.preferences_url,
        )

    @property
    def unsubscribe_url(self) -> str:
        """The footer's generic unsubscribe page (a form asking for the address)."""
        return f"{self.settings.base_url}unsubscribe"

    @property
    def preferences_url(self) -> str:
        """The footer's generic preferences page."""
        return f"{self.settings.base_url}preferences"

    def summary(self, lang: str, stories: int, themes: int) -> str:
        """``3 stories · 2 themes`` in ``lang``."""
        tn = self.catalogs.tn
        return (
            tn(lang, "%(n)s story", "%(n)s stories", stories)
            + " · "
            + tn(lang, "%(n)s theme", "%(n)s themes", themes)
        )

    def html(self, view: EmailView) -> str:
        """The email HTML: the MJML template compiled by mjml-python, key styles inlined."""
        source = self._render("email/digest.mjml.j2", view)
        try:
            compiled = str(mjml2html(source, disable_comments=True, fonts={}))
        except Exception as exc:  # mjml-python raises plain exceptions on invalid MJML
            raise RenderError(f"MJML did not compile: {exc}") from exc
        return self._inliner.inline(compiled)

    def fit(
        self, edition: Edition, languages: tuple[str, ...], *, view: EmailView | None = None
    ) -> tuple[EmailView, str, int]:
        """The view and HTML of the email, within ``settings.email_max_bytes``.

        When the whole edition would be larger, its lowest-ranked stories are left
        out (lowest score first, whichever theme they are in) and the email says how
        many more the web edition holds. At least one story always stays.

        Args:
            view: the whole edition's view in ``languages``, when the caller has it.

        Returns:
            The view, its HTML and how many stories were left out.
        """
        budget = self.settings.email_max_bytes
        if view is None:
            view = self.view(edition, languages)
        html = self.html(view)
        size = len(html.encode("utf-8"))
        ranked = sorted(
            (story for section in edition.sections for story in section.stories),
            key=lambda story: (story.score, story.id),
        )
        left_out = 0
        while size > budget and left_out < len(ranked) - 1:
            shown = len(ranked) - left_out
            # Jump close to the answer (stories cost about the same), then step one by one.
            step = max(1, int((size - budget) / max(size / shown, 1)) - 1)
            left_out = min(left_out + step, len(ranked) - 1)
            dropped = {story.id for story in ranked[:left_out]}
            view = self.view(_without(edition, dropped), languages, left_out=left_out)
            html = self.html(view)
            size = len(html.encode("utf-8"))
        return view, html, left_out

    def text(self, view: EmailView) -> str:
        """The plain-text part."""
        return self._render("email/digest.txt.j2", view)

    def _render(self, name: str, view: EmailView) -> str:
        return self.render(name, view=view, ink=INK, muted=MUTED, link=LINK)

    def render(self, name: str, **context: Any) -> str:
        """Template ``name`` (of the configured folder, else the packaged one) with ``context``.

        Raises:
            RenderError: the template is missing or broken.
        """
        try:
            return self.env.get_template(name).render(**context)
        except jinja2.TemplateNotFound as exc:
            raise RenderError(
                f"template {name} not found in {self.settings.paths.templates}"
            ) from exc
        except jinja2.TemplateError as exc:
            raise RenderError(f"template {name}: {exc}") from exc

    def _block(self, edition: Edition, lang: str, left_out: int = 0) -> BlockView:
        t, tn = self.catalogs.t, self.catalogs.tn
        web = f"{self.settings.base_url}web/{lang}/{edition.id}"
        sections = tuple(self._section(s, lang, f"{web}.how.html") for s in edition.sections)
        stories = sum(len(s.points) for s in sections)
        return BlockView(
            lang=lang,
            anchor=lang,
            title=self.settings.title[lang],  # type: ignore[index]
            period_label=period_label(self.catalogs, lang, edition.period),
            switch_label=language_name(lang),
            heading=t(lang, _PERIOD_HEADINGS[edition.period.kind]),
            summary=self.summary(lang, stories, len(sections)),
            read_more=t(lang, "Read more"),
            automated_note=t(
                lang,
                "The key points in this digest are selected automatically from the sources "
                "shown; each one links to its original article.",
            ),
            unsubscribe=t(lang, "Unsubscribe"),
            unsubscribe_line=t(lang, "To unsubscribe: %(address)s", address=self.unsubscribe_url),
            sources_label=t(lang, "Sources:"),
            sections=sections,
            web_url=f"{web}.html",
            web_label=t(lang, "View in your browser"),
            how_url=f"{web}.how.html",
            how_label=t(lang, "How this edition was made"),
            more_note=tn(
                lang,
                "%(n)s more story in the web edition",
                "%(n)s more stories in the web edition",
                left_out,
            )
            if left_out
            else "",
            preferences=t(lang, "Preferences"),
            preferences_line=t(
                lang,
                "To change your languages and themes: %(address)s",
                address=self.preferences_url,
            ),
        )

    def _section(self, section: Section, lang: str, how_url: str) -> SectionView:
        theme = section.theme
        label = theme.labels.get(lang) or self.catalogs.t(lang, "Other news")
        points = []
        for story in section.stories:
            view = self._point(story.point_in(lang) or story.original, lang, _sources(story))
            if full := full_view(story, lang):
                more = self.catalogs.tn(lang, "Full sentence", "Full sentences", full.count)
                view = replace(view, full_label=more, full_url=f"{how_url}#{anchor(story)}")
            points.append(view)
        return SectionView(theme.id, label, tuple(points))

    def _point(self, point: KeyPoint, lang: str, sources: tuple[SourceView, ...] = ()) -> PointView:
        when = long_date(lang, point.published.astimezone(self.zone))
        meta = f"{point.source_name} · {when}" if point.source_name else when
        badge = badge_note = note = ""
        if point.translation == "machine":
            note = self.catalogs.t(
                lang,
                "Machine translation from %(language)s",
                language=language_name(point.original_language, lang, capitalise=False),
            )
        if point.language != lang:
            badge = point.language.upper()
            badge_note = self.catalogs.t(
                lang,
                "Not translated yet: original in %(language)s",
                language=language_name(point.language, lang, capitalise=False),
            )
        return PointView(
            point.language, point.title, point.url, point.text, meta, badge, badge_note, sources,
            note,
        )  # fmt: skip


def _without(edition: Edition, story_ids: set[str]) -> Edition:
    """``edition`` without the stories ``story_ids`` (and the sections they empty)."""
    sections = []
    for section in edition.sections:
        kept = tuple(story for story in section.stories if story.id not in story_ids)
        if kept:
            sections.append(replace(section, stories=kept))
    return replace(edition, sections=tuple(sections))


def _sources(story: Story) -> tuple[SourceView, ...]:
    """The story's items as a list of sources, when there is more than one."""
    listed: dict[tuple[str, str, str], SourceView] = {}
    for point in story.points:
        if point.translation:
            continue  # a translation is not another source
        view = SourceView(point.source_name or point.url, point.url, point.language.upper())
        listed.setdefault((view.name, view.lang, view.url), view)
    return tuple(listed.values()) if len(listed) > 1 else ()
