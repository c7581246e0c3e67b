"""The language blocks of an email's view, built from an edition.

A story is printed once per email: in each block it has a version in that block's
language (a translation is another language's version, and says so); a story with no
version in a block's language is shown only in the first block of a language it has
(else in the first block, with a badge), and the other blocks say how many of their
stories are there and link to it. A link to an article in another language says which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from digest.config import Settings
from digest.model import Edition, KeyPoint, Story
from digest.render.full import FullView, anchor, full_view
from digest.render.i18n import Catalogs, language_name, long_date, period_label
from digest.render.notes import read_note
from digest.render.typography import spaced
from digest.render.views import BlockView, Headline, PointView, SectionView, SourceView


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is used."""
    return message


_PERIOD_HEADINGS = {
    "daily": N_("Key points of the day"),
    "weekly": N_("Key points of the week"),
    "monthly": N_("Key points of the month"),
}
#: "Translated from Dutch", one message per language translated from (French says
#: "du néerlandais" but "de l'anglais").
TRANSLATED_FROM = {
    "fr": N_("Translated from French"),
    "nl": N_("Translated from Dutch"),
    "en": N_("Translated from English"),
    "de": N_("Translated from German"),
}


_WHY = N_("You receive this email because you subscribed to %(title)s.")

#: Key points as a block shows them (:meth:`BlockBuilder.point`), by the story's identity,
#: the block's language and the how page's address; each with its story, held.
PointMemo = dict[tuple[int, str, str], tuple[Story, PointView]]


def home_block(story: Story, languages: Sequence[str]) -> str:
    """The language of the block that shows ``story`` when a block has no version of it."""
    written = {point.language for point in story.points}
    return next((lang for lang in languages if lang in written), languages[0])


@dataclass(frozen=True)
class BlockBuilder:
    """Builds the blocks of a view with one set of settings and catalogs."""

    settings: Settings
    catalogs: Catalogs
    zone: ZoneInfo
    unsubscribe_url: str
    preferences_url: str

    def summary(self, lang: str, stories: int, themes: int) -> str:
        """``3 stories · 2 themes`` in ``lang``."""
        tn = self.catalogs.tn
        return (
            tn(lang, "%(n)s story", "%(n)s stories", stories)
            + " · "
            + tn(lang, "%(n)s theme", "%(n)s themes", themes)
        )

    def elsewhere_note(self, lang: str, count: int, other: str) -> str:
        """``2 autres sujets se trouvent dans la partie en néerlandais``, or empty."""
        if not count:
            return ""
        return self.catalogs.tn(
            lang,
            "%(n)s other story is in the %(language)s part of this email",
            "%(n)s other stories are in the %(language)s part of this email",
            count,
            language=language_name(other, lang, capitalise=False),
        )

    def block(
        self,
        edition: Edition,
        lang: str,
        languages: Sequence[str],
        left_out: int = 0,
        *,
        memo: PointMemo | None = None,
    ) -> BlockView:
        """The block of ``edition`` in ``lang``, one of the view's ``languages``.

        ``memo``: the key points already made by :meth:`point` (kept there too), so
        that the views of one edition make each story's once per language.
        """
        t, tn = self.catalogs.t, self.catalogs.tn
        title = self.settings.title[lang]  # type: ignore[index]
        web = f"{self.settings.base_url}web/{lang}/{edition.id}"
        sections: list[SectionView] = []
        headlines: list[tuple[float, int, Headline]] = []
        elsewhere: dict[str, list[str]] = {}
        for section in edition.sections:
            theme = section.theme
            points = []
            for story in section.stories:
                if story.point_in(lang) is None and len(languages) > 1:
                    home = home_block(story, languages)
                    if home != lang:
                        elsewhere.setdefault(home, []).append(theme.id)
                        continue
                point = self._memo_point(story, lang, f"{web}.how.html", memo)
                points.append(point)
                headlines.append((-story.score, len(headlines), Headline(theme.id, point.title)))
            if points:
                label = spaced(lang, theme.labels.get(lang) or t(lang, "Other news"))
                sections.append(SectionView(theme.id, label, tuple(points)))
        stories = sum(len(s.points) for s in sections)
        other, moved = next(iter(elsewhere.items()), ("", []))
        note = read_note(self.settings.paths.sources, edition.id, lang)
        publisher = self.settings.publisher
        why = publisher.why_you_receive.get(lang)  # type: ignore[call-overload]
        return BlockView(
            lang=lang,
            anchor=lang,
            title=spaced(lang, title),
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
            sections=tuple(sections),
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
            headlines=tuple(h for *_, h in sorted(headlines, key=lambda h: h[:2])),
            note_html=note.html if note else "",
            note_text=note.text if note else "",
            elsewhere_note=self.elsewhere_note(lang, len(moved), other),
            elsewhere_url=f"#{other}" if other else "",
            elsewhere_themes=tuple(moved),
            publisher_line=self.publisher_line(lang),
            why_line=spaced(lang, why or t(lang, _WHY, title=title)),
        )

    def publisher_line(self, lang: str) -> str:
        """``Publié par X, adresse``, or empty without a publisher's name."""
        publisher = self.settings.publisher
        if not publisher.name:
            return ""
        if publisher.address:
            return self.catalogs.t(
                lang,
                "Published by %(name)s, %(address)s",
                name=publisher.name,
                address=publisher.address,
            )
        return self.catalogs.t(lang, "Published by %(name)s", name=publisher.name)

    def _memo_point(
        self, story: Story, lang: str, how_url: str, memo: PointMemo | None
    ) -> PointView:
        if memo is None:
            return self.point(story, lang, how_url)
        key = (id(story), lang, how_url)
        found = memo.get(key)
        # The story is kept with its view: no other object can take its identity meanwhile.
        if found is not None and found[0] is story:
            return found[1]
        view = self.point(story, lang, how_url)
        memo[key] = (story, view)
        return view

    def point(self, story: Story, lang: str, how_url: str) -> PointView:
        """``story`` as shown in the block of ``lang``."""
        point = story.point_in(lang) or story.original
        view = self._point(point, lang, _sources(story))
        if full := full_of(story, lang):
            more = self.catalogs.tn(lang, "Full sentence", "Full sentences", full.count)
            view = replace(view, full_label=more, full_url=f"{how_url}#{anchor(story)}")
        return view

    def _point(self, point: KeyPoint, lang: str, sources: tuple[SourceView, ...]) -> PointView:
        t = self.catalogs.t
        when = long_date(lang, point.published.astimezone(self.zone))
        meta = f"{point.source_name} · {when}" if point.source_name else when
        badge = badge_note = note = ""
        if point.translation == "machine":
            note = t(
                lang,
                "Machine translation from %(language)s",
                language=language_name(point.original_language, lang, capitalise=False),
            )
        elif point.translation == "reviewed":
            source = TRANSLATED_FROM.get(point.original_language)
            note = t(lang, source) if source else ""
        if point.language != lang:
            badge = point.language.upper()
            badge_note = t(
                lang,
                "Not translated yet: original in %(language)s",
                language=language_name(point.language, lang, capitalise=False),
            )
        url_lang = point.original_language if point.translation else point.language
        read_more = t(lang, "Read more")
        if url_lang and url_lang != lang:
            read_more = t(
                lang,
                "Read more (in %(language)s)",
                language=language_name(url_lang, lang, capitalise=False),
            )
        return PointView(
            lang=point.language,
            title=spaced(point.language, point.title),
            url=point.url,
            text=spaced(point.language, point.text),
            meta=meta,
            badge=badge,
            badge_note=badge_note,
            sources=sources,
            translation_note=note,
            read_more=read_more,
            url_lang=url_lang,
        )


def full_of(story: Story, lang: str) -> FullView | None:
    """:func:`~digest.render.full.full_view` of ``story`` in ``lang``, made once for the
    emails' blocks and the how page (kept for the last stories asked about, each held)."""
    key = (id(story), lang)
    found = _FULL.get(key)
    if found is not None and found[0] is story:
        return found[1]
    if len(_FULL) >= _FULL_KEPT:
        _FULL.clear()
    view = full_view(story, lang)
    _FULL[key] = (story, view)
    return view


#: :func:`full_of`'s views, by the story's identity and the language; each with its story.
_FULL: dict[tuple[int, str], tuple[Story, FullView | None]] = {}
#: How many :func:`full_of` keeps at most (an edition has a few hundred stories at most).
_FULL_KEPT = 4096


def without(edition: Edition, story_ids: set[str]) -> Edition:
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
