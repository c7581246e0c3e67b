"""The build: ingest every source into the store, then one edition per period.

This is the library call behind ``digest build``; the CLI only parses
arguments and shows what :func:`build` reports.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from typing import Any, Protocol

from digest.cluster import WINDOW
from digest.config import Settings
from digest.edition import build_edition
from digest.errors import InputError, RenderError
from digest.incremental import InputKeys, import_if_changed
from digest.ingest import StateLog, ingest
from digest.model import Edition, Item, Period, PeriodKind, Problem
from digest.outbox import Outbox
from digest.parts import Analyser, ItemParts, Refreshed
from digest.parts import parse as parse_parts
from digest.parts import refresh as refresh_parts
from digest.parts import rows as item_rows
from digest.parts import versions as part_versions
from digest.periods import edition_id as period_edition_id
from digest.periods import periods_between, utc_bounds
from digest.publish import (
    EditionResult,
    publish_edition,
    publish_feeds,
    publish_web,
    publish_web_indexes,
)
from digest.render.email import EmailRenderer
from digest.render.guard import without_unrenderable
from digest.render.web import WebRenderer
from digest.schedule.ids import resolve
from digest.schedule.merge import merge_editions
from digest.source_state import file_states
from digest.sources import Report, adapters_for, read_feed_list
from digest.sources.http import HttpFetcher
from digest.store import Store, StoreCounts
from digest.taxonomy import load_taxonomy
from digest.themes import Classifier
from digest.translate import REVIEWED_FOLDER, import_reviewed, open_chain, translate_edition


class Progress(Protocol):
    """Told how far a build has gone (the CLI draws a bar with it)."""

    def start(self, total: int, what: str) -> None:
        """A stage of ``total`` steps begins."""

    def advance(self) -> None:
        """One step of the current stage is done."""


class _Silent:
    def start(self, total: int, what: str) -> None:
        pass

    def advance(self) -> None:
        pass


@dataclass(frozen=True)
class BuildReport:
    """The outcome of :func:`build`."""

    stored: StoreCounts
    editions: tuple[EditionResult, ...]
    feeds_changed: int
    problems: tuple[Problem, ...] = field(default=())
    #: Periods not built again: their inputs are those their published edition (or
    #: their finding that there was nothing to publish) was built from.
    skipped: int = 0
    #: Items' parts computed again because their code or settings changed, and why
    #: (``recomputing 5,000 items' parts: taxonomy changed``); None when none was.
    recomputed: str | None = None


def parse_day(value: str, option: str) -> date:
    """A ``YYYY-MM-DD`` date given on the command line.

    Raises:
        InputError: naming the option and the expected format.
    """
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: {value!r} is not a date (expected YYYY-MM-DD)") from None


def build(
    settings: Settings,
    *,
    since: date | None = None,
    until: date | None = None,
    period: PeriodKind | None = None,
    report: Report | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Ingest the sources, then build and publish every edition between two days.

    Each period that overlaps ``since``..``until`` (both included) and has items
    gets one edition covering the whole period, so an edition's content never
    depends on where the range was cut. A period whose inputs did not change since
    its edition was published is skipped before anything of it is built
    (:mod:`digest.incremental`).

    Args:
        since: first day; default the day of the oldest stored item.
        until: last day; default today in the configured timezone.
        period: ``daily``, ``weekly`` or ``monthly``; default from the settings.
        report: called once per input problem.
        progress: told how far the build has gone.

    Raises:
        InputError: ``since`` is after ``until``.
        DigestError: the sources folder, the store, the themes or a template is unusable.
    """
    progress = progress or _Silent()
    kind: PeriodKind = period or settings.period
    if since is not None and until is not None and since > until:
        raise InputError(f"--since {since} is after --until {until}")
    with Publisher(settings, report) as publisher:
        stored = publisher.refresh()
        oldest = publisher.store.earliest()
        first = since or (oldest.astimezone(settings.zone).date() if oldest else None)
        last = until or datetime.now(settings.zone).date()
        if first is not None and first > last:
            raise InputError(f"--since {first} is after --until {last}")
        periods = periods_between(kind, first, last) if first is not None else []
        refreshed = publisher.prepare(periods)
        progress.start(len(periods), "editions")
        results = []
        keys = publisher.input_keys()
        skipped = 0
        for each in periods:
            items = publisher.items(each)
            edition_id = period_edition_id(each)
            key = keys.key(edition_id, items)
            if keys.unchanged(edition_id, key):
                skipped += 1
                progress.advance()
                continue
            before = len(publisher.problems)
            edition = publisher.edition(each, items=items)
            if edition is not None:
                results.append(publisher.publish(edition))
            keys.record(edition_id, key, edition is not None, publisher.problems[before:])
            progress.advance()
        feeds_changed = 0
        if not keys.outbox_unchanged():
            before = len(publisher.problems)
            feeds_changed = publisher.finish()
            # A search index that could not be made is tried again by the next build.
            if len(publisher.problems) == before:
                keys.record_outbox()
    return BuildReport(
        stored,
        tuple(results),
        feeds_changed,
        tuple(publisher.problems),
        skipped=skipped,
        recomputed=refreshed.line(),
    )


class Publisher:
    """An open build: the sources read into the store, editions published to the outbox.

    :func:`build` publishes every period of a range with it; :mod:`digest.schedule`
    publishes the periods a schedule is due, under the schedule's edition ids and with
    versions. Use it as a context manager: it holds the store, an HTTP client and the
    translators. Opening it takes the outbox's writer lock (waiting for another build) and
    removes what killed writes left in the outbox.
    """

    def __init__(
        self, settings: Settings, report: Report | None = None, *, ids: Settings | None = None
    ) -> None:
        self.settings = settings
        #: The settings edition ids are reckoned with (:mod:`digest.schedule.ids`): a
        #: schedule builds with a copy in its own languages, its ids follow the digest's.
        self.ids = ids or settings
        #: Input problems met so far, in order; each is also given to ``report``.
        self.problems: list[Problem] = []
        self._report = report
        self._feeds = read_feed_list(settings.paths.sources)
        self._taxonomy = load_taxonomy(settings.paths.themes)
        #: The learned weights file the classifier reads (an input of every edition).
        self.learned = self._taxonomy.learned
        self.themes = self._taxonomy.themes
        #: The versions of the items' parts (:mod:`digest.parts`) made with these settings.
        self.part_versions = part_versions(
            self._taxonomy, settings.sentences_per_point, settings.compress_points
        )
        # The stored rows of the items :meth:`items` read last, parsed by :meth:`edition`.
        self._rows: list[tuple[Item, Any]] = []
        self.renderer = EmailRenderer(settings)
        self.web = WebRenderer(self.renderer, self.themes)
        self.outbox = Outbox(settings.paths.outbox)
        # Another writer of this outbox is waited for; what killed writers left goes.
        self.outbox.open(wait=settings.outbox_wait)
        try:
            self.store = Store(settings.store_url)
        except BaseException:
            self.outbox.close()
            raise
        self._fetcher = HttpFetcher.within(settings.limits)
        try:
            self._chain = open_chain(settings, self.store, self._collect)
        except BaseException:
            self._fetcher.close()
            self.store.close()
            self.outbox.close()
            raise

    @cached_property
    def classifier(self) -> Classifier:
        """The themes' classifier, made when a first edition is built (compiling its rules
        costs seconds, which a build with every edition unchanged does not spend)."""
        return Classifier(self._taxonomy)

    @cached_property
    def analyser(self) -> Analyser:
        """Computes and reads the items' parts (made with the classifier)."""
        settings = self.settings
        return Analyser(self.classifier, settings.sentences_per_point, settings.compress_points)

    def prepare(self, periods: Sequence[Period]) -> Refreshed:
        """Compute the parts missing or out of date of the items these periods' editions
        are built from (one pass, in worker processes when they are many)."""
        if not periods:
            return Refreshed(0, 0, ())
        start = utc_bounds(periods[0], self.settings.zone)[0] - WINDOW
        end = utc_bounds(periods[-1], self.settings.zone)[1]
        return refresh_parts(
            self.store.engine,
            lambda: self.analyser,
            self.part_versions,
            start,
            end,
            workers=self.settings.ingest_workers,
        )

    def parts(self) -> dict[str, ItemParts]:
        """The parts of the items :meth:`items` read last."""
        return parse_parts(self.store.engine, self.analyser, self.part_versions, self._rows)

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the translators, the HTTP client and the store."""
        try:
            self._chain.close()
        finally:
            self._fetcher.close()
            self.store.close()
            self.outbox.close()

    def _collect(self, problem: Problem) -> None:
        self.problems.append(problem)
        if self._report is not None:
            self._report(problem)

    def refresh(self) -> StoreCounts:
        """Read every source into the store, then the reviewed translations.

        A local file unchanged since the last build is not read again, and the reviewed
        translations are imported again only when one of their files changed
        (:mod:`digest.sources.unchanged`, :mod:`digest.incremental`).
        """
        settings = self.settings
        states = StateLog(self.store.feed_states(), file_states(self.store.engine))
        adapters = adapters_for(
            settings.paths.sources,
            settings.timezone,
            self._feeds,
            states,
            self._fetcher,
            limits=settings.limits,
            files=states,
        )
        stored = ingest(
            adapters,
            self.store,
            self._collect,
            states=states,
            workers=settings.ingest_workers,
            warnings_per_source=settings.limits.warnings_per_source,
        )
        reviewed = settings.paths.sources / REVIEWED_FOLDER
        import_if_changed(
            self.store.engine,
            reviewed,
            lambda: import_reviewed(self.store, reviewed, self._collect),
            lambda: len(self.problems),
        )
        return stored

    def input_keys(self) -> InputKeys:
        """The keys of the editions' inputs as the store and the settings are now."""
        sources = self.settings.paths.sources
        item_sources = [sources / "articles", sources / REVIEWED_FOLDER]
        # A feed over HTTP names no file here: its path matches none.
        item_sources += [sources / str(feed["location"]) for feed in self._feeds]
        return InputKeys(self.settings, self.store.engine, self.outbox, self.learned, item_sources)

    def items(self, period: Period) -> list[Item]:
        """The items an edition of ``period`` is built from: the period's, and those of
        the clustering window before it."""
        start, end = utc_bounds(period, self.settings.zone)
        self._rows = item_rows(self.store.engine, start - WINDOW, end)
        return [item for item, _row in self._rows]

    def edition(
        self,
        period: Period,
        *,
        edition_id: str | None = None,
        themes: Collection[str] | None = None,
        keep_empty: bool = False,
        items: Sequence[Item] | None = None,
    ) -> Edition | None:
        """The translated edition of ``period`` (None: no story, and not ``keep_empty``).

        Args:
            edition_id: its id instead of the period's (``weekly-2024-W42``).
            themes: only these themes' sections (``general`` is the section of no theme).
            keep_empty: an edition without any section rather than None.
            items: :meth:`items` of the period, when already read.
        """
        if items is None:
            items = self.items(period)
        edition = edition_for(
            self.settings, self.store, self.classifier, period, items, self.parts()
        )
        if edition is not None and themes is not None:
            edition = _only_themes(edition, themes)
        if edition is None:
            if not keep_empty:
                return None
            edition = Edition(
                id=period_edition_id(period),
                period=period,
                languages=self.settings.languages,
                sections=(),
                published=utc_bounds(period, self.settings.zone)[1],
            )
        if edition_id is not None:
            edition = replace(edition, id=edition_id)
        return translate_edition(edition, self._chain)

    def publish(
        self, edition: Edition, *, versioned: bool = False, extra: Mapping[str, Any] | None = None
    ) -> EditionResult:
        """Write the edition's files and web pages.

        Args:
            versioned: number its manifest's ``version``: 1 at first, one more each time its
                content changes; publishing the same content again changes nothing.
            extra: more manifest entries (a schedule's name and audience).

        A schedule and ``digest build`` publish the same edition of a period: an edition
        a schedule published keeps its version numbering and its ``schedule`` entry when
        ``digest build`` publishes it again, so the same content changes no byte.
        """
        previous = self.outbox.manifest(edition.id) or {}
        versioned = versioned or "version" in previous
        if extra is None and "schedule" in previous:
            extra = {"schedule": previous["schedule"]}
        try:
            result = publish_edition(
                edition, self.renderer, self.outbox, versioned=versioned, extra=extra
            )
        except RenderError:
            edition = without_unrenderable(edition, self.renderer, self._collect)
            result = publish_edition(
                edition, self.renderer, self.outbox, versioned=versioned, extra=extra
            )
        return publish_web(edition, self.web, self.outbox, result)

    def finish(self) -> int:
        """Merge what older versions built twice, then rewrite the feeds and the web
        indexes from the outbox; count the feeds changed."""
        for merge in merge_editions(self.ids, self.outbox, self.store.engine, self._collect):
            self._collect(Problem(merge.merged, "an edition of an older version", merge.line()))
        # Writing feeds never touches a manifest: one read serves both.
        manifests = self.outbox.manifests()
        feeds_changed = publish_feeds(self.settings, self.renderer, self.outbox, manifests)
        publish_web_indexes(self.web, self.outbox, manifests, self._collect)
        return feeds_changed


def _only_themes(edition: Edition, themes: Collection[str]) -> Edition | None:
    """The edition with only these themes' sections (None: none of them has a story).

    Its items are those of the stories kept, so news in other themes never changes it.
    """
    sections = tuple(s for s in edition.sections if s.theme.id in themes)
    if not sections:
        return None
    items = {p.item_id for s in sections for story in s.stories for p in story.points}
    return replace(edition, sections=sections, item_ids=tuple(sorted(items)))


def edition_for(
    settings: Settings,
    store: Store,
    classifier: Classifier,
    period: Period,
    items: Sequence[Item] | None = None,
    parts: Mapping[str, ItemParts] | None = None,
) -> Edition | None:
    """The edition of ``period`` from what the store holds now (None: nothing to say).

    ``items``: the store's items of the period and of the clustering window before it,
    when already read; ``parts``: their parts (:mod:`digest.parts`), when known.
    """
    start, end = utc_bounds(period, settings.zone)
    return build_edition(
        period,
        list(items) if items is not None else store.items_between(start - WINDOW, end),
        classifier,
        languages=settings.languages,
        stories_per_theme=settings.stories_per_theme,
        sentences_per_point=settings.sentences_per_point,
        start=start,
        compress_points=settings.compress_points,
        parts=parts,
    )


def explain(settings: Settings, edition: str) -> Edition:
    """Rebuild one edition from the store, as ``digest build`` or its schedule would,
    without writing.

    Takes every id ``digest build`` or ``digest schedule`` printed, older versions'
    ``<schedule>-<period id>`` included (see :func:`digest.schedule.ids.resolve`).

    Raises:
        InputError: ``edition`` is not an edition id, or its period has no story.
        DigestError: the store or the themes are unusable.
    """
    ref = resolve(settings, edition)
    schedule = ref.schedule
    if schedule is not None and schedule.languages:
        settings = settings.model_copy(update={"languages": schedule.languages})
    classifier = Classifier(load_taxonomy(settings.paths.themes))
    store = Store(settings.store_url)
    try:
        built = edition_for(settings, store, classifier, ref.period)
    finally:
        store.close()
    if built is not None and schedule is not None and schedule.themes is not None:
        built = _only_themes(built, schedule.themes)
    if built is not None:
        built = replace(built, id=ref.id)
    if built is None:
        raise InputError(f"{edition}: no story in that period (run digest build first?)")
    return built
