"""Core types exchanged between the pipeline stages.

Every stage takes and returns these frozen dataclasses; pydantic stays in
configuration. Adapters produce :class:`RawEntry` (what a source said, as it
said it); only :mod:`digest.normalise` builds the :class:`Item` the rest of the
pipeline trusts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from digest.themes import Explanation, ScopeDecision

PeriodKind = Literal["daily", "weekly", "monthly"]


@dataclass(frozen=True)
class RawEntry:
    """One entry as a source adapter read it, before normalisation."""

    #: Id of the source it came from (``articles`` or a feed id).
    source_id: str
    #: Human name of the publisher (front matter ``source`` or the feed title).
    source_name: str
    #: Where it was read from: a file path or a feed URL, for messages.
    location: str
    #: The adapter's own stable key for the entry (file stem, feed GUID, ...).
    key: str
    title: str
    #: The date as found: a datetime (aware or naive), a date, a string, or None.
    published: Any
    url: str | None = None
    #: Language code as declared by the source, if any.
    language: str | None = None
    #: Body as HTML (already HTML, or rendered from Markdown by the adapter).
    html: str = ""
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: Adapter key of the entry this one translates, if declared.
    translation_of: str | None = None
    #: Timezone name used when ``published`` carries no zone.
    default_timezone: str | None = None
    #: The parser's own reading of ``published`` (UTC), for a text no standard parser reads.
    published_fallback: datetime | None = None
    #: The feed's GUID when the feed gave one (None for files).
    guid: str | None = None
    #: True for an article file: ``key`` is its path and identifies it.
    is_file: bool = False


@dataclass(frozen=True)
class Item:
    """A normalised news item, as stored."""

    #: Stable id, ``<source id>/<key>``.
    id: str
    source_id: str
    source_name: str
    url: str
    title: str
    #: Aware datetime in UTC.
    published: datetime
    #: ISO 639-1 language code.
    language: str
    #: Clean plain text, paragraphs separated by blank lines.
    text: str
    #: Sanitised HTML of the body.
    html: str = ""
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: Id of the item this one is a translation of, if any.
    translation_of: str | None = None


@dataclass(frozen=True)
class FeedState:
    """What the store remembers of one feed."""

    id: str
    location: str
    etag: str | None = None
    last_modified: str | None = None
    #: When the feed was last read without error (UTC).
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    #: Failed reads since the last success.
    failures: int = 0
    #: The problems of the last run, by kind: ``(kind, count)`` in the order met.
    problems: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Problem:
    """Something wrong in the input that the run worked around."""

    #: The file path or URL concerned.
    location: str
    #: What was wrong.
    what: str
    #: What was done about it (``skipped``, ``date repaired``, ...).
    action: str
    #: The kind of problem as a plural phrase (``entries without a date``): problems of
    #: one kind at one location are reported as one line with their count. None: a
    #: problem of its own, always on its own line.
    kind: str | None = None
    #: What it is about, for a line that counts several (``'Title'``, ``entry #3``).
    subject: str | None = None
    #: How many problems this one stands for (more than 1 for a line that counts several).
    count: int = 1

    def __str__(self) -> str:
        return f"{self.location}: {self.what}; {self.action}"


@dataclass(frozen=True)
class Condition:
    """When a rule's match counts: what must stand near it, what must not, which
    compounds of a ``*`` word it leaves out (``themes.toml``: ``near``, ``unless``,
    ``within``, ``except``)."""

    #: Terms one of which must stand within ``within`` words of the match.
    near: tuple[str, ...] = ()
    #: Terms none of which may stand within ``within`` words of the match.
    unless: tuple[str, ...] = ()
    #: Words between the match and a ``near`` or ``unless`` term, at most.
    within: int = 10
    #: Words a ``*`` word of the rule must not match (``stroomlijn*`` for ``stroom*``).
    excepted: tuple[str, ...] = ()


@dataclass(frozen=True)
class Theme:
    """One entry of the taxonomy."""

    id: str
    #: Label per language code.
    labels: dict[str, str]
    #: One-line description per language code.
    descriptions: dict[str, str]
    #: Keywords per language code, lower-case.
    keywords: dict[str, tuple[str, ...]]
    #: Weight of a keyword per language, when it is not 1 (``{"fr": {"rgpd": 3.0}}``).
    weights: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Keywords per language that count only when another keyword of the theme matched.
    support: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Exclusions per language: phrase -> points it takes off (0: it only cancels the
    #: keyword matches it covers, as "police d'écriture" cancels "police").
    exclusions: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Conditions of keywords per language, for rules that have some.
    conditions: dict[str, dict[str, Condition]] = field(default_factory=dict)
    #: The ``@group`` of keywords written as one ``grouped`` rule, per language: the
    #: group's terms count as one rule (``n`` matches of any of them count ``sqrt(n)``).
    groups: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, language: str) -> str:
        """Label in ``language``, falling back to English, then to the id."""
        return self.labels.get(language) or self.labels.get("en") or self.id


@dataclass(frozen=True)
class Scope:
    """What a digest is about: the rules an item must meet to enter an edition."""

    #: The scope's rules, in the form of a theme's (``id`` is ``"scope"``).
    rules: Theme
    #: Score a text of :attr:`length` words must reach to be in scope. A story (over its
    #: versions) of ``n`` words must reach ``threshold * sqrt(n / length)``, kept between
    #: half and twice ``threshold``: a brief names its subject once, a long article
    #: that is about it names it many times.
    threshold: float
    length: int = 250
    #: In scope also needs a theme: news of the field that concerns none of the
    #: digest's themes stays out.
    require_theme: bool = False


@dataclass(frozen=True)
class Taxonomy:
    """The digest's field (its scope, if any) and its themes, from ``themes.toml``."""

    themes: tuple[Theme, ...]
    #: None: a digest about anything, every item is in scope.
    scope: Scope | None = None
    #: The learned weights file (``learned`` in ``themes.toml``), when there is one.
    learned: Path | None = None


@dataclass(frozen=True)
class Period:
    """A calendar period in the configured timezone: ``[start, end)``."""

    kind: PeriodKind
    start: date
    #: First day after the period.
    end: date
    #: ``2021-W06``, ``2021-02`` or ``2021-02-10``.
    key: str


@dataclass(frozen=True)
class KeyPoint:
    """The key sentence(s) of one item, in that item's language."""

    item_id: str
    language: str
    title: str
    text: str
    url: str
    source_name: str
    published: datetime
    score: float
    #: ``""`` for the item's own words; ``"reviewed"`` or ``"machine"`` for a translation
    #: of another version (see :mod:`digest.translate`).
    translation: Literal["", "reviewed", "machine"] = ""
    #: For a translation, the language it was translated from.
    original_language: str = ""
    #: The source's whole sentences when ``text`` shortens them (:mod:`digest.compress`,
    #: or a trim at a clause), else empty; for a translation, the original's sentences,
    #: in ``original_language``.
    full_sentences: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoryScore:
    """Why a story ranks where it does: the parts of its score."""

    #: Score of the story's best theme, over all its versions.
    relevance: float
    #: Independent sources (distinct sources, not language versions) that report it.
    sources: int
    #: When its latest version appeared within the period: 0 first moment, 1 last.
    recency: float
    #: Greatest similarity of its key point to a story ranked above it in its theme (0-1).
    redundancy: float = 0.0


@dataclass(frozen=True)
class Story:
    """One news event: every item about it, one key point per item."""

    id: str
    #: One key point per item (language versions, other sources), by language, date, id.
    points: tuple[KeyPoint, ...]
    #: Ranking score within its theme (see :mod:`digest.edition`).
    score: float
    #: Themes the story matched, best first.
    theme_ids: tuple[str, ...] = ()
    #: The parts of ``score``, for ``digest explain``.
    parts: StoryScore | None = None
    #: The theme rules that fired over all its items, for "how this edition was made".
    explanation: Explanation | None = None

    def point_in(self, language: str) -> KeyPoint | None:
        """The best key point written in ``language``, if there is one."""
        written = [p for p in self.points if p.language == language]
        return min(written, key=lambda p: (-p.score, p.published, p.item_id), default=None)

    @property
    def original(self) -> KeyPoint:
        """The earliest-published version (the original, for translations)."""
        return min(self.points, key=lambda p: (p.published, p.item_id))


@dataclass(frozen=True)
class Section:
    """One theme of an edition with its stories, best first."""

    theme: Theme
    stories: tuple[Story, ...]
    #: Stories the theme had before the ``stories_per_theme`` cut.
    considered: int = 0


@dataclass(frozen=True)
class ScopeNote:
    """A story of the period close to the scope's line, and what the scope decided."""

    story_id: str
    #: Title of its earliest version, and that version's language.
    title: str
    language: str
    decision: ScopeDecision


@dataclass(frozen=True)
class Edition:
    """Everything one edition shows, built deterministically from the store."""

    #: ``weekly-2021-W06``: period kind and key.
    id: str
    period: Period
    languages: tuple[str, ...]
    sections: tuple[Section, ...]
    #: Latest publication date among its items (UTC): the edition's date.
    published: datetime
    #: Ids of every item in the period, sorted.
    item_ids: tuple[str, ...] = field(default=())
    #: Items of the period the scope left out (they stay in the store, never shown).
    out_of_scope: int = 0
    #: The stories near the scope's line, in or out, for "how this edition was made".
    scope_notes: tuple[ScopeNote, ...] = field(default=())

    @property
    def story_count(self) -> int:
        """How many stories the edition shows."""
        return sum(len(s.stories) for s in self.sections)
