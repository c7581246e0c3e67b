"""An open build (:class:`Publisher`): the sources read into the store, editions built
from the store and published to the outbox.

:func:`digest.build.build` publishes every period of a range with it; :mod:`digest.schedule`
publishes the periods a schedule is due.
"""

from __future__ import annotations

from collections.abc import Collection, Generator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import replace
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from digest.config import Settings
from digest.errors import RenderError
from digest.from_store import edition_for, only_themes
from digest.incremental import InputKeys
from digest.ingest import ingest_sources
from digest.model import Edition, Period, Problem
from digest.outbox import Outbox
from digest.parts import PeriodItems, Refreshed, Versions
from digest.parts import versions as part_versions
from digest.parts.reads import RecentReads
from digest.parts.table import with_parts
from digest.periods import edition_id as period_edition_id
from digest.periods import utc_bounds
from digest.reviewed_files import import_if_changed
from digest.source_state import FileLog
from digest.sources import Report, read_feed_list
from digest.store import Store, StoreCounts
from digest.taxonomy import load_taxonomy
from digest.translate import REVIEWED_FOLDER, import_reviewed, open_chain, translate_edition

# What only building an edition needs (the clustering, the summariser, the themes'
# classifier, the renderers, the translators) is imported when one is built: a build
# with every edition unchanged never loads it, and starts in a fraction of the time.
if TYPE_CHECKING:
    from digest.parts.compute import Analyser, ItemParts
    from digest.publish import EditionResult
    from digest.render.email import EmailRenderer
    from digest.render.web import WebRenderer
    from digest.themes import Classifier
    from digest.translate import Chain

__all__ = ["Publisher"]


class Publisher:
    """An open build: the sources read into the store, editions published to the outbox.

    :func:`build` publishes every period of a range with it; :mod:`digest.schedule`
    publishes the periods a schedule is due, under the schedule's edition ids and with
    versions. Use it as a context manager: it holds the store and the translators.
    Opening it takes the outbox's writer lock (waiting for another build) and removes
    what killed writes left in the outbox.
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
        self.outbox = Outbox(settings.paths.outbox)
        # Another writer of this outbox is waited for; what killed writers left goes.
        self.outbox.open(wait=settings.outbox_wait)
        try:
            self.store = Store(settings.store_url)
        except BaseException:
            self.outbox.close()
            raise
        #: The last items read (:meth:`items`), for the next period's.
        self._reads = RecentReads(partial(with_parts, self.store.engine), settings.zone)

    # What only building an edition uses is made when a first one is built: a build with
    # every edition unchanged spends nothing on it (compiling the themes' rules alone
    # takes seconds).

    @cached_property
    def part_versions(self) -> Versions:
        """The versions of the items' parts (:mod:`digest.parts`) made with these settings."""
        settings = self.settings
        return part_versions(self._taxonomy, settings.sentences_per_point, settings.compress_points)

    @cached_property
    def classifier(self) -> Classifier:
        """The themes' classifier."""
        from digest.themes import Classifier

        return Classifier(self._taxonomy)

    @cached_property
    def analyser(self) -> Analyser:
        """Computes and reads the items' parts (made with the classifier)."""
        from digest.parts.compute import Analyser

        settings = self.settings
        return Analyser(self.classifier, settings.sentences_per_point, settings.compress_points)

    @cached_property
    def renderer(self) -> EmailRenderer:
        """Renders the editions' emails."""
        from digest.render.email import EmailRenderer

        return EmailRenderer(self.settings)

    @cached_property
    def web(self) -> WebRenderer:
        """Renders the editions' web pages and the web indexes."""
        from digest.render.web import WebRenderer

        return WebRenderer(self.renderer, self.themes)

    @cached_property
    def _chain(self) -> Chain:
        return open_chain(self.settings, self.store, self._collect)

    def prepare(self, periods: Sequence[Period]) -> Refreshed:
        """Compute the parts missing or out of date of the items these periods' editions
        are built from (:func:`digest.parts.refresh.prepare`)."""
        if not periods:
            return Refreshed(0, 0, ())
        from digest.parts.refresh import prepare  # the parts' code: only when some are made

        return prepare(
            self.store.engine,
            lambda: self.analyser,
            self.part_versions,
            periods,
            self.settings.zone,
            workers=self.settings.ingest_workers,
        )

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the translators and the store."""
        try:
            if "_chain" in self.__dict__:  # opened
                self._chain.close()
        finally:
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
        self._reads.forget()  # the store's items change
        stored = ingest_sources(settings, self.store, self._feeds, self._collect)
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

    def items(self, period: Period) -> PeriodItems:
        """The items an edition of ``period`` is built from (the period's, and those of
        the clustering window before it), with their stored parts.

        The items the last period read that this one reads too (a backfill's next week
        reads the last days of the week before, the clustering window) are taken from
        that read (:class:`digest.parts.reads.RecentReads`).
        """
        return self._reads.items(period)

    def parts(self, found: PeriodItems) -> dict[str, ItemParts]:
        """The parts of ``found``'s items, those missing or out of date computed and stored.

        Those of items :meth:`items` took from the last read are those parsed then.
        """
        from digest.parts.refresh import parse

        return self._reads.parts(
            found, lambda some: parse(self.store.engine, self.analyser, self.part_versions, some)
        )

    def edition(
        self,
        period: Period,
        *,
        edition_id: str | None = None,
        themes: Collection[str] | None = None,
        keep_empty: bool = False,
        items: PeriodItems | None = None,
    ) -> Edition | None:
        """The translated edition of ``period`` (None: no story, and not ``keep_empty``).

        Args:
            edition_id: its id instead of the period's (``weekly-2024-W42``).
            themes: only these themes' sections (``general`` is the section of no theme).
            keep_empty: an edition without any section rather than None.
            items: :meth:`items` of the period, when already read.
        """
        found = items if items is not None else self.items(period)
        edition = edition_for(
            self.settings,
            self.store,
            self.classifier,
            period,
            found.items,
            self.parts(found),
        )
        if edition is not None and themes is not None:
            edition = only_themes(edition, themes)
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

    def editions(self, periods: Sequence[Period]) -> Generator[Edition | None, None, None]:
        """The translated editions of ``periods`` in order, each as :meth:`edition` gives it
        (None: no story). Where the settings give a build more than one process and it can
        fork, a second process builds the next editions while the caller publishes one
        (:mod:`digest.editions_ahead`)."""
        from digest.parts.pool import processes

        serial = len(periods) < 2 or processes(self.settings.ingest_workers) < 2
        engine, zone = self.store.engine, self.settings.zone
        if not serial:
            from digest.editions_ahead import worth_it

            serial = not worth_it(engine, zone, periods)
        if serial:
            for period in periods:
                yield self.edition(period)
            return
        from digest.editions_ahead import Builder, built_ahead

        builder = Builder(self.settings, self.classifier, self.analyser, self.part_versions, engine)
        ahead = built_ahead(builder, periods)
        with closing(ahead):
            for edition in ahead:
                yield None if edition is None else translate_edition(edition, self._chain)

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
        from digest.publish import edition_files, publish_both
        from digest.render.guard import without_unrenderable

        previous = self.outbox.manifest(edition.id) or {}
        versioned = versioned or "version" in previous
        if extra is None and "schedule" in previous:
            extra = {"schedule": previous["schedule"]}
        try:
            made = edition_files(
                edition, self.renderer, self.outbox, versioned=versioned, extra=extra
            )
        except RenderError:
            edition = without_unrenderable(edition, self.renderer, self._collect)
            made = edition_files(
                edition, self.renderer, self.outbox, versioned=versioned, extra=extra
            )
        return publish_both(made, self.web, self.outbox)

    def finish(self) -> int:
        """Merge what older versions built twice, then rewrite the feeds and the web
        indexes from the outbox; count the feeds changed."""
        from digest.publish import publish_feeds, publish_web_indexes
        from digest.render.search import FILES_SOURCE
        from digest.schedule.merge import merge_editions

        for merge in merge_editions(self.ids, self.outbox, self.store.engine, self._collect):
            self._collect(Problem(merge.merged, "an edition of an older version", merge.line()))
        # Writing feeds never touches a manifest: one read serves both.
        manifests = self.outbox.manifests()
        # The search index's pages and files not changed since the last build are not read.
        states = FileLog(self.store.engine, FILES_SOURCE)
        # The web indexes in a thread while this one writes the feeds: most of their time
        # Pagefind runs (programs of its own, on other cores) and the thread waits for it.
        # They write different files of the outbox; the feeds report no problem, so the
        # problems' order does not change. An error of either is raised once both are done.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest-indexes") as pool:
            web = pool.submit(
                publish_web_indexes, self.web, self.outbox, manifests, self._collect, states
            )
            feeds_changed = publish_feeds(self.settings, self.renderer, self.outbox, manifests)
            web.result()
        states.write()
        return feeds_changed
