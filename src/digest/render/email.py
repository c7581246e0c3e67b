"""The email of an edition: Jinja2 writes MJML, mjml-python compiles it to HTML.

The same view (:class:`EmailView`, built by :mod:`digest.render.blocks`) feeds the
HTML template, the plain-text template, the web edition and the feeds, so every output
says the same thing. The subject and preview text come from their own templates
(:mod:`digest.render.subject`). After MJML, the rules of ``email/inline.css.j2`` are
inlined onto the elements (css-inline): mjml-python leaves ``mj-style inline`` rules in
a ``<style>`` block, which some clients drop. :meth:`EmailRenderer.fit` keeps the HTML
under the size budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import css_inline
import jinja2
from jinja2.filters import do_wordwrap
from mjml import mjml2html

from digest.config import Settings
from digest.errors import RenderError
from digest.model import Edition, Story
from digest.render.blocks import N_, BlockBuilder, PointMemo, without
from digest.render.i18n import Catalogs
from digest.render.logo import choose_logo
from digest.render.subject import inbox_lines, shorten
from digest.render.templating import PACKAGED_TEMPLATES, locale_folder, template_environment
from digest.render.typography import colon, spaced
from digest.render.views import BlockView, EmailView, Headline, PointView, SectionView, SourceView

__all__ = [
    "INK",
    "LINK",
    "MUTED",
    "N_",
    "PACKAGED_TEMPLATES",
    "BlockView",
    "EmailRenderer",
    "EmailView",
    "Headline",
    "PointView",
    "SectionView",
    "SourceView",
    "locale_folder",
    "template_environment",
]

#: How many renders :meth:`EmailRenderer.fit` makes at most to find the best cut
#: (the whole edition's included); a cut within the budget is then always found.
FIT_RENDERS = 8
#: The share of a whole email's bytes beyond its key points' words first taken to be the
#: stories' markup (:meth:`EmailRenderer.fit`; the rest: its head, header and footer).
#: Measured on the sample and a 10,000-item tree's emails: 0.5 to 0.7 guessed best.
FIT_MARKUP = 0.6

#: The email's colours (the templates take them from here too): text, secondary text, links.
INK = "#1f2933"
MUTED = "#4a5563"
LINK = "#0b5cad"


@dataclass
class _Memo:
    """The views of one edition (:meth:`EmailRenderer.view`), and its stories' key points
    as the blocks show them (shared with the views of its cuts)."""

    edition: Edition | None
    views: dict[tuple[str, ...], EmailView] = field(default_factory=dict)
    points: PointMemo = field(default_factory=dict)


@jinja2.pass_environment
def _wordwrap(
    environment: jinja2.Environment,
    s: str,
    width: int = 79,
    break_long_words: bool = True,
    wrapstring: str | None = None,
    break_on_hyphens: bool = True,
) -> str:
    """Jinja's ``wordwrap``, each text wrapped once: an edition's emails wrap the same
    key points in every variant (each language alone, and both)."""
    if type(s) is not str:  # Markup, or anything else: as Jinja does, every time
        return do_wordwrap(environment, s, width, break_long_words, wrapstring, break_on_hyphens)
    if wrapstring is None:
        wrapstring = environment.newline_sequence
    return _wrapped(environment, s, width, break_long_words, wrapstring, break_on_hyphens)


@lru_cache(maxsize=4096)
def _wrapped(
    environment: jinja2.Environment,
    s: str,
    width: int,
    break_long_words: bool,
    wrapstring: str,
    break_on_hyphens: bool,
) -> str:
    return do_wordwrap(environment, s, width, break_long_words, wrapstring, break_on_hyphens)


def _point_bytes(point: PointView) -> int:
    """The bytes of a key point's words in an email: its texts, links and sources."""
    words = (
        point.title,
        point.text,
        point.meta,
        point.url,
        point.url,  # the title's link and "read more"
        point.full_url,
        point.full_label,
        point.read_more,
        point.badge,
        point.badge_note,
        point.translation_note,
        str(point.sources_email),
    )
    return sum(len(word.encode("utf-8")) for word in words)


def _fewest(
    size: int, words: Sequence[int], start: int, markup: float, budget: int, most: int
) -> int:
    """The fewest stories left out for an email within ``budget``, from the cut of
    ``start`` left out (``size`` bytes), each story further costing its ``words`` and
    ``markup`` bytes (``most`` if none is enough)."""
    left: float = size
    for k in range(start, most):
        left -= words[k] + markup
        if left <= budget:
            return k + 1
    return most


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


class EmailRenderer:
    """Renders editions to HTML and plain text with one set of settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.zone = ZoneInfo(settings.timezone)
        self.env = template_environment(settings.paths.templates)
        # A renderer serves one build or one sending: its templates are read once, not
        # checked for a change (a file's modification time) each time one is asked for,
        # some 30 times an edition. The preview server's own environment still reloads.
        self.env.auto_reload = False
        self.env.filters.setdefault("colon", colon)
        self.env.filters.setdefault("shorten", shorten)
        self.env.filters["wordwrap"] = _wordwrap
        self.catalogs = Catalogs(locale_folder(settings.paths.templates), settings.languages)
        self.builder = BlockBuilder(
            settings, self.catalogs, self.zone, self.unsubscribe_url, self.preferences_url
        )
        #: The logo ``[brand] logo_url`` names (:mod:`digest.render.logo`).
        self.logo = choose_logo(settings)
        css = self.env.get_template("email/inline.css.j2").render(**self._colours())
        # Only these rules are inlined; MJML's own <style> blocks (responsive columns,
        # media queries) stay as they are, since they cannot be inlined.
        self._inliner = css_inline.CSSInliner(
            inline_style_tags=False,
            keep_style_tags=True,
            extra_css=css,
            load_remote_stylesheets=False,
        )
        self._memo = _Memo(None)

    def view(self, edition: Edition, languages: tuple[str, ...], *, left_out: int = 0) -> EmailView:
        """The view of ``edition`` in ``languages`` (one or two, in display order).

        The views of the last edition asked for are kept: publishing an edition asks for
        each of its views again (emails, web pages), and its stories' key points are the
        same in every view of a language.

        Args:
            left_out: stories of the edition this view does not show (see :meth:`fit`).
        """
        memo = self._memo
        if left_out:  # a cut of the edition (fit): made once, its key points shared
            return self._view(edition, languages, left_out, memo.points)
        if memo.edition is not edition:
            # Held, so no other object takes its identity while its views are kept.
            memo = self._memo = _Memo(edition)
        found = memo.views.get(languages)
        if found is None:
            found = memo.views[languages] = self._view(edition, languages, 0, memo.points)
        return found

    def _view(
        self, edition: Edition, languages: tuple[str, ...], left_out: int, points: PointMemo
    ) -> EmailView:
        blocks = tuple(
            self.builder.block(edition, lang, languages, left_out, memo=points)
            for lang in languages
        )
        return self.with_blocks(
            EmailView(
                html_lang=languages[0],
                subject="",
                preheader="",
                unsubscribe_url=self.unsubscribe_url,
                blocks=blocks,
                preferences_url=self.preferences_url,
            ),
            blocks,
        )

    def with_blocks(self, view: EmailView, blocks: Sequence[BlockView]) -> EmailView:
        """``view`` showing ``blocks``, its language, subject and preview text following."""
        short: dict[str, str] = {str(k): v for k, v in self.settings.brand.short_name.items()}
        names: dict[str, str] = {
            str(lang): spaced(lang, short.get(lang) or title)
            for lang, title in self.settings.title.items()
        }
        lines = inbox_lines(self.env, blocks, names)
        return EmailView(
            html_lang=blocks[0].lang if blocks else view.html_lang,
            subject=lines.subject,
            preheader=lines.preheader,
            unsubscribe_url=view.unsubscribe_url,
            blocks=tuple(blocks),
            preferences_url=view.preferences_url,
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
        return self.builder.summary(lang, stories, themes)

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

        How many are left out: a few cuts are rendered, each guessed from those already
        rendered, and the one showing the most stories among those within the budget is
        kept. A story is taken to cost the bytes of its key points' words (their titles,
        texts, links and sources as the view holds them, :func:`_point_bytes`) plus the
        same markup as every other story. That markup's size is first guessed from the
        whole email (:data:`FIT_MARKUP` of its bytes beyond the words, shared among its
        stories: the rest is the email's head, header and footer); then it is measured
        from the two nearest cuts rendered (the largest found too large and the smallest
        within the budget, else the two largest cuts). Each guess is the fewest stories
        left out that the costs say fit, always strictly between those two cuts, so that
        once a cut fits, the one showing a story more is rendered too unless known to be
        too large. The search stops when those two are neighbours, or after
        :data:`FIT_RENDERS` renders in all (the best within the budget is kept). When none
        of those fit, cuts of one story more are rendered until one does, down to a single
        story, which is kept even over the budget. The same edition and settings always
        give the same cuts, hence the same email. As an email's size falls with each
        story left out, a search that ends on two neighbours keeps the cut of the most
        stories within the budget whatever the guesses: they decide how many renders
        find it (on a 10,000-item tree's largest email, 3 for each variant, not 4
        to 5).

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
        most = len(ranked) - 1  # at least one story stays
        if size <= budget or most <= 0:
            return view, html, 0
        tried: dict[int, tuple[EmailView, str, int]] = {0: (view, html, size)}

        def cut(left_out: int) -> int:
            dropped = {story.id for story in ranked[:left_out]}
            shown = self.view(without(edition, dropped), languages, left_out=left_out)
            page = self.html(shown)
            tried[left_out] = (shown, page, len(page.encode("utf-8")))
            return tried[left_out][2]

        words = self._story_bytes(view, ranked)
        # The first guess: the markup a story costs is a share of the whole email's bytes
        # beyond its words.
        markup = FIT_MARKUP * (size - sum(words)) / len(ranked)
        cut(_fewest(size, words, 0, markup, budget, most))
        while len(tried) < FIT_RENDERS:
            over = max(k for k, (_v, _h, s) in tried.items() if s > budget)
            fits = [k for k, (_v, _h, s) in tried.items() if s <= budget and k > over]
            if fits and min(fits) == over + 1:
                break
            if over == most:
                break
            upper = min(fits) if fits else most + 1
            # The nearest rendered cut on the other side of the guess (or the one before).
            other = upper if fits else max((k for k in tried if k < over), default=0)
            low, high = min(over, other), max(over, other)
            # The markup of a story between them: their sizes' difference beyond the words.
            words_between = sum(words[low:high])
            markup = (tried[low][2] - tried[high][2] - words_between) / (high - low)
            guess = _fewest(tried[over][2], words, over, markup, budget, most)
            if fits and guess >= upper:
                guess = upper - 1  # the neighbour of the best cut within the budget
            cut(min(max(guess, over + 1), upper - 1, most))
        best = [k for k, (_v, _h, s) in tried.items() if s <= budget]
        left_out = min(best) if best else max(tried)
        while tried[left_out][2] > budget and left_out < most:
            left_out += 1
            if left_out not in tried:
                cut(left_out)
        view, html, _size = tried[left_out]
        return view, html, left_out

    def _story_bytes(self, view: EmailView, ranked: Sequence[Story]) -> list[int]:
        """The bytes of each of ``ranked``'s key points' words in ``view`` (0 for a story
        whose points are not the memo's: the guesses of :meth:`fit` are then cruder)."""
        owner = {id(point): story.id for story, point in self._memo.points.values()}
        found: dict[str, int] = {}
        for block in view.blocks:
            for section in block.sections:
                for point in section.points:
                    story_id = owner.get(id(point))
                    if story_id is not None:
                        found[story_id] = found.get(story_id, 0) + _point_bytes(point)
        return [found.get(story.id, 0) for story in ranked]

    def text(self, view: EmailView) -> str:
        """The plain-text part."""
        return self._render("email/digest.txt.j2", view)

    def _colours(self) -> dict[str, str]:
        return {"ink": INK, "muted": MUTED, "link": LINK, "accent": self.settings.brand.accent}

    def _render(self, name: str, view: EmailView) -> str:
        brand = self.settings.brand
        return self.render(
            name,
            view=view,
            logo_url=self.logo.logo.url if self.logo.logo else "",
            # Plain spaces: mjml-python writes a no-break space in an attribute as "\u{a0}".
            logo_alt=_plain(brand.logo_alt or (view.blocks[0].title if view.blocks else "")),
            **self._colours(),
        )

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
