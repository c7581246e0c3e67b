"""The "how this edition was made" page: what it shows of each story, in each language.

Public bodies must be able to say how an automated system chose what it shows: per
key point its rank, score and the score's parts (see :mod:`digest.edition`), the
theme rules that fired (:mod:`digest.themes`), the sources merged into its story, and
whether its text is the source's own, a reviewed or a machine translation.
:class:`HowPage` turns an edition into that view; ``web/how.html.j2`` shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from babel.numbers import format_decimal
from markupsafe import Markup

from digest.edition import MMR_LAMBDA, RECENCY_BONUS, SOURCE_BONUS
from digest.model import Edition, KeyPoint, Story, StoryScore, Theme
from digest.render import how_html
from digest.render.blocks import full_of
from digest.render.email import N_
from digest.render.escaping import escaped
from digest.render.full import FullView, anchor
from digest.render.i18n import Catalogs, language_name
from digest.render.numbers import number as number
from digest.themes import MIN_SCORE, RELATIVE_SCORE, STRONG_SCORE, TITLE_WEIGHT, RuleHit

#: No row of the how page's table (:class:`RuleLine`, :class:`RuleGroup`).
_NO_ROWS = Markup()
_WHERE = {"title": N_("in the title"), "body": N_("in the text")}
_TRANSLATION = {
    "machine": N_("Machine translation from %(language)s"),
    "reviewed": N_("Reviewed translation from %(language)s"),
}


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
    #: The line as a row of the how page's table (escaped HTML, a line break and the
    #: template's indent before it): made once per rule line, not at every page.
    row: Markup = _NO_ROWS


@dataclass(frozen=True)
class RuleGroup:
    """The rules of one theme that fired for a story."""

    theme: str
    rules: tuple[RuleLine, ...]
    #: Their rows, one after the other (:attr:`RuleLine.row`).
    rows: Markup = _NO_ROWS


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
    #: The id of its full sentences (the email links to it), and those sentences when
    #: the key point shortens them (:mod:`digest.render.full`).
    anchor: str = ""
    full: FullView | None = None
    #: :attr:`full`'s runs as the page marks them (escaped HTML; empty without ``full``).
    full_html: Markup = _NO_ROWS

    @cached_property
    def source_rows(self) -> Markup:
        """:attr:`sources` as the rows of the page's list (escaped HTML, each a line break
        and the template's indent before it): a story of many sources is most of the page."""
        return how_html.source_rows(self.sources)


@dataclass(frozen=True)
class ScopeLine:
    """A story near the scope's line, as the page shows it."""

    title: str
    lang: str
    included: bool
    score: str
    threshold: str
    #: The scope's terms that matched, with their points.
    terms: str


@dataclass(frozen=True)
class ScopeHow:
    """What the scope left out of an edition, and the close calls."""

    out_of_scope: int
    borderline: tuple[ScopeLine, ...]


@dataclass(frozen=True)
class SectionHow:
    """One theme of an edition: its stories and how many it had to choose from."""

    label: str
    considered: int
    stories: tuple[StoryHow, ...]


class HowPage:
    """The view of the "how this edition was made" page.

    Args:
        catalogs: the message catalogs of the configured languages.
        themes: the taxonomy, to name the themes of rules that fired; a theme not in
            it is shown by its id.
    """

    def __init__(self, catalogs: Catalogs, themes: Sequence[Theme] = ()) -> None:
        self.catalogs = catalogs
        self.themes = {theme.id: theme for theme in themes}
        #: ``in the title`` and ``in the text`` by language (a rule line each says one).
        self._where: dict[tuple[str, str], str] = {}
        #: The rule lines made (:meth:`_rule`).
        self._rules: dict[tuple[str, RuleHit], RuleLine] = {}

    def formula(self, lang: str) -> dict[str, str]:
        """The numbers of the ranking and theme rules, written for ``lang``."""
        return {
            "source_bonus": number(lang, SOURCE_BONUS),
            "recency_bonus": number(lang, RECENCY_BONUS),
            "recency_max": number(lang, 1 + RECENCY_BONUS),
            "score_share": format_decimal(MMR_LAMBDA * 100, locale=lang),
            "redundancy_share": format_decimal(round((1 - MMR_LAMBDA) * 100), locale=lang),
            "title_weight": number(lang, TITLE_WEIGHT),
            "min_score": number(lang, MIN_SCORE),
            "relative_share": format_decimal(round(RELATIVE_SCORE * 100), locale=lang),
            "strong_score": number(lang, STRONG_SCORE),
        }

    def scope(self, edition: Edition, lang: str) -> ScopeHow:
        """How many items the scope left out of ``edition`` and its borderline stories."""
        lines = []
        for note in edition.scope_notes:
            decision = note.decision
            terms = ", ".join(f"{hit.term} ({number(lang, hit.points)})" for hit in decision.hits)
            lines.append(
                ScopeLine(
                    note.title,
                    note.language,
                    decision.in_scope,
                    number(lang, decision.score),
                    number(lang, decision.threshold),
                    terms,
                )
            )
        return ScopeHow(edition.out_of_scope, tuple(lines))

    def sections(self, edition: Edition, lang: str) -> tuple[SectionHow, ...]:
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
        full = full_of(story, lang)
        themes: tuple[ThemeLine, ...] = ()
        rules: tuple[RuleGroup, ...] = ()
        exclusions: tuple[ExclusionLine, ...] = ()
        threshold = ""
        if explanation is not None:
            threshold = number(lang, explanation.threshold)
            scores = sorted(explanation.scores.items(), key=lambda s: (-s[1], s[0]))
            themes = tuple(
                ThemeLine(
                    self._theme(theme_id, lang),
                    number(lang, score),
                    theme_id in explanation.assigned,
                )
                for theme_id, score in scores
            )
            lines = [self._rule(hit, lang) for hit in explanation.hits]
            # Hits come sorted by theme (taxonomy order): group the runs.
            groups: dict[str, list[RuleLine]] = {}
            for line in lines:
                groups.setdefault(line.theme, []).append(line)
            rules = tuple(
                RuleGroup(theme, tuple(group), Markup("".join(line.row for line in group)))
                for theme, group in groups.items()
            )
            exclusions = tuple(
                ExclusionLine(
                    theme=self._theme(veto.theme_id, lang),
                    term=veto.term,
                    lang=veto.language,
                    where=self._where_in(lang, veto.where),
                    count=veto.count,
                    cancelled=veto.cancelled,
                    penalty=number(lang, veto.penalty),
                )
                for veto in explanation.exclusions
            )
        return StoryHow(
            rank=rank,
            lang=point.language,
            title=point.title,
            url=point.url,
            score=number(lang, story.score),
            parts=parts,
            relevance=number(lang, parts.relevance) if parts else "",
            recency=number(lang, parts.recency) if parts else "",
            redundancy=number(lang, parts.redundancy) if parts else "",
            calculation=_calculation(lang, story.score, parts) if parts else "",
            text_status=self._text_status(point, lang),
            themes=themes,
            threshold=threshold,
            rules=rules,
            exclusions=exclusions,
            sources=tuple(self._source(p, lang) for p in story.points),
            anchor=anchor(story),
            full=full,
            full_html=self._full_html(full, lang) if full is not None else _NO_ROWS,
        )

    def _full_html(self, full: FullView, lang: str) -> Markup:
        t = self.catalogs.t
        return how_html.full_runs(full.runs, lang, t(lang, "left out:"), t(lang, "added:"))

    def _rule(self, hit: RuleHit, lang: str) -> RuleLine:
        """The line of a rule that fired: the same rule hits many stories (its line made
        once while :data:`_RULES_KEPT` lines are kept)."""
        key = (lang, hit)
        found = self._rules.get(key)
        if found is None:
            if len(self._rules) >= _RULES_KEPT:
                self._rules.clear()
            line = RuleLine(
                theme=self._theme(hit.theme_id, lang),
                term=hit.term,
                lang=hit.language,
                where=self._where_in(lang, hit.where),
                count=hit.count,
                weight=number(lang, hit.weight),
                points=number(lang, hit.points),
                support=hit.support,
            )
            found = self._rules[key] = replace(line, row=self._row(line, lang))
        return found

    def _row(self, line: RuleLine, lang: str) -> Markup:
        """The table row of ``line``, as ``web/how.html.j2`` wrote it from its fields
        (each escaped as Jinja's autoescape does)."""
        e = escaped
        support = f", {e(self.catalogs.t(lang, 'support rule'))}" if line.support else ""
        return Markup(
            f'\n            <tr><td><span lang="{e(line.lang)}">{e(line.term)}</span>'
            f' ({e(line.lang.upper())}) <span class="where">{e(line.where)}{support}</span></td>'
            f'<td class="num">{e(line.count)}</td><td class="num">{e(line.weight)}</td>'
            f'<td class="num">{e(line.points)}</td></tr>'
        )

    def _where_in(self, lang: str, where: str) -> str:
        found = self._where.get((lang, where))
        if found is None:
            found = self._where[(lang, where)] = self.catalogs.t(lang, _WHERE[where])
        return found

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


#: How many rule lines a :class:`HowPage` keeps (:meth:`HowPage._rule`).
_RULES_KEPT = 20000


def _calculation(lang: str, score: float, parts: StoryScore) -> str:
    """The ranking formula with the story's numbers (see :mod:`digest.edition`)."""
    n = number
    return (
        f"{n(lang, score)} = {n(lang, parts.relevance)} × (1 + {n(lang, SOURCE_BONUS)} × "
        f"({parts.sources} − 1)) × (1 + {n(lang, RECENCY_BONUS)} × {n(lang, parts.recency)})"
    )
