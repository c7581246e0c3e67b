"""Publishing an edition into the outbox: its emails, messages, manifest and web pages,
then the feeds and the web indexes of the whole outbox.

Every file is a function of the edition and the settings, so publishing the same
edition again changes no byte (:class:`~digest.outbox.Outbox` then writes nothing).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from digest.config import Settings
from digest.errors import RenderError
from digest.model import Edition, Problem
from digest.outbox import Outbox
from digest.render.archive import search_pages, start_page
from digest.render.email import BlockView, EmailRenderer
from digest.render.eml import build_message
from digest.render.feed_cache import FeedCache, cache_version, cached_feed_files
from digest.render.page_cache import PageCache, page_version
from digest.render.pagefind_run import SEARCH_ERROR
from digest.render.personal import view_json, view_name
from digest.render.search import (
    BUNDLE,
    FileStates,
    bundles,
    index_archive,
    remove_index,
    web_pages,
)
from digest.render.theme_pages import TEMPLATES, theme_pages
from digest.render.web import WEB, ThemeLink, WebRenderer, page_path, theme_list


@dataclass(frozen=True)
class EditionResult:
    """What the build did for one edition."""

    id: str
    items: int
    stories: int
    themes: int
    #: Files of the edition (manifest included).
    files: int
    #: False when the outbox already held exactly these bytes.
    changed: bool
    #: Stories left out of the email (most in any variant) to keep it under the size budget;
    #: the web edition still has them.
    trimmed: int = 0
    #: The manifest's ``version`` (scheduled editions only).
    version: int | None = None
    #: Items of the period the scope left out.
    out_of_scope: int = 0


def variants(languages: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The language sets an edition is rendered in: all together, then each alone."""
    return [languages, *([(lang,) for lang in languages] if len(languages) > 1 else [])]


def publish_edition(
    edition: Edition,
    renderer: EmailRenderer,
    outbox: Outbox,
    *,
    versioned: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> EditionResult:
    """Write the edition's emails, messages and manifest, each language variant once.

    Args:
        versioned: number the manifest's ``version`` (see
            :meth:`digest.publisher.Publisher.publish`).
        extra: more manifest entries.
    """
    made = edition_files(edition, renderer, outbox, versioned=versioned, extra=extra)
    return made.result(outbox.write_edition(edition.id, made.files, made.manifest))


@dataclass(frozen=True)
class EditionFiles:
    """An edition's files and manifest as :func:`publish_edition` writes them."""

    edition: Edition
    files: Mapping[str, bytes]
    manifest: dict[str, Any]
    trimmed: int
    version: int | None

    def result(self, changed: bool) -> EditionResult:
        """What publishing them did (``changed``: the outbox did not hold them yet)."""
        edition = self.edition
        return EditionResult(
            id=edition.id,
            items=len(edition.item_ids),
            stories=edition.story_count,
            themes=len(edition.sections),
            files=len(self.files) + 1,
            changed=changed,
            trimmed=self.trimmed,
            version=self.version,
            out_of_scope=edition.out_of_scope,
        )


def edition_files(
    edition: Edition,
    renderer: EmailRenderer,
    outbox: Outbox,
    *,
    versioned: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> EditionFiles:
    """The files :func:`publish_edition` writes, rendered (the outbox is only read: the
    published manifest, for its ``version``)."""
    files: dict[str, bytes] = {}
    views = {
        languages: renderer.view(edition, languages) for languages in variants(edition.languages)
    }
    trimmed = 0
    for languages, whole in views.items():
        name = "-".join(languages)
        # The email keeps to the size budget; the web edition and the manifest stay whole.
        view, html, cut = renderer.fit(edition, languages, view=whole)
        trimmed = max(trimmed, cut)
        text = renderer.text(view)
        files[f"email.{name}.html"] = html.encode("utf-8")
        files[f"email.{name}.txt"] = text.encode("utf-8")
        # What digest send re-renders each subscriber's order and themes from.
        files[view_name(name)] = view_json(view)
        files[f"message.{name}.eml"] = build_message(
            renderer.settings,
            message_key=f"{edition.id}.{name}",
            subject=view.subject,
            date=edition.published,
            languages=languages,
            text=text,
            html=html,
        )
    blocks = {lang: views[(lang,)].blocks[0] for lang in edition.languages}
    manifest = {**_manifest(edition, blocks), **(extra or {})}
    version = None
    if versioned:
        version = manifest["version"] = _version(outbox, edition.id, files, manifest)
    return EditionFiles(edition, files, manifest, trimmed, version)


def _version(
    outbox: Outbox, edition_id: str, files: Mapping[str, bytes], manifest: Mapping[str, Any]
) -> int:
    """The published edition's version while its content is the same, else the next one."""
    previous = outbox.manifest(edition_id)
    if previous is None:
        return 1
    # An edition ``digest build`` published has no version yet: its first is 1.
    version = int(previous.get("version", 0))
    same = outbox.holds(edition_id, files, {**manifest, "version": version})
    return version if same else version + 1


def _manifest(edition: Edition, blocks: Mapping[str, BlockView]) -> dict[str, Any]:
    """The manifest; ``blocks`` are the edition's single-language views, for the feeds."""
    views = {}
    for lang, block in blocks.items():
        views[lang] = {
            "title": block.title,
            "period_label": block.period_label,
            "summary": block.summary,
            "sections": [
                {
                    "theme": section.theme_id,
                    "label": section.label,
                    "points": [
                        {"lang": p.lang, "title": p.title, "url": p.url, "text": p.text}
                        for p in section.points
                    ],
                }
                for section in block.sections
            ],
        }
    return {
        "format": 1,
        "edition": edition.id,
        "period": {
            "kind": edition.period.kind,
            "key": edition.period.key,
            "start": edition.period.start.isoformat(),
            "end": edition.period.end.isoformat(),
        },
        "languages": list(edition.languages),
        "variants": ["-".join(v) for v in variants(edition.languages)],
        "published": edition.published.isoformat(),
        "counts": {
            "items": len(edition.item_ids),
            "stories": edition.story_count,
            "themes": len(edition.sections),
            "out_of_scope": edition.out_of_scope,
        },
        "items": list(edition.item_ids),
        "stories": [
            {
                "id": story.id,
                "section": section.theme.id,
                "themes": list(story.theme_ids),
                "score": story.score,
                # Translated key points repeat their original's item: list each item once.
                "items": [p.item_id for p in story.points if not p.translation],
            }
            for section in edition.sections
            for story in section.stories
        ],
        "views": views,
    }


def publish_feeds(
    settings: Settings,
    renderer: EmailRenderer,
    outbox: Outbox,
    manifests: Sequence[dict[str, Any]],
) -> int:
    """Write every feed (editions and themes, RSS and Atom, per language): the subscription
    documents, and the archives that changed (:mod:`digest.render.feed_archive`); remove the
    archives no longer made; count the files changed.

    Only their new entries are made (:mod:`digest.render.feed_cache`).
    """
    cache = FeedCache(outbox, cache_version(settings, renderer.env))
    files = cached_feed_files(settings, renderer.catalogs, renderer.env, manifests, cache)
    changed = write_all(outbox, ((file.parts, file.data) for file in files))
    # An archive month whose entries all moved to a newer one, or went.
    changed += sum(outbox.remove_file(*parts) for parts in cache.gone())
    cache.save()
    return changed


def publish_web(
    edition: Edition, web: WebRenderer, outbox: Outbox, result: EditionResult
) -> EditionResult:
    """Write the edition's web pages (``web/<lang>/...``); ``result`` counts them too."""
    return write_web(web.edition_pages(edition), outbox, result)


def write_web(
    pages: Mapping[tuple[str, ...], bytes], outbox: Outbox, result: EditionResult
) -> EditionResult:
    """Write an edition's web pages (:meth:`WebRenderer.edition_pages`); ``result``
    counts them too."""
    changed = write_all(outbox, sorted(pages.items()))
    return replace(result, files=result.files + len(pages), changed=result.changed or changed > 0)


#: How many files :func:`write_all` writes at once.
WRITERS = 4


def write_all(outbox: Outbox, files: Iterable[tuple[tuple[str, ...], bytes]]) -> int:
    """Write ``files`` (outbox path parts, bytes), each as :meth:`Outbox.write_file` does;
    count those changed.

    Written by :data:`WRITERS` threads at once: each file is synced to disk before it
    is renamed into place, and the disk's waits then overlap (a backfill writes thousands
    of feed files: 5 to 10 times quicker so on a busy disk). The first error, in the
    files' order, is raised once the files being written are done; those not started
    are not written (nor when the build is interrupted).
    """
    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="digest-write") as pool:
        writes = [pool.submit(outbox.write_file, data, *parts) for parts, data in files]
        try:
            return sum(write.result() for write in writes)
        finally:
            for write in writes:
                write.cancel()


def publish_both(made: EditionFiles, web: WebRenderer, outbox: Outbox) -> EditionResult:
    """Write an edition's files (:func:`edition_files`), then its web pages, as
    :func:`publish_edition` and :func:`publish_web` do one after the other.

    The edition's folder is written (each file synced to disk) in a second thread while
    its web pages are rendered: the disk's waits and the rendering overlap. Nothing else
    touches the outbox meanwhile; the web pages are written once the folder is.
    """
    edition = made.edition
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="digest-edition") as pool:
        writing = pool.submit(outbox.write_edition, edition.id, made.files, made.manifest)
        try:
            pages = web.edition_pages(edition)
        except BaseException:
            writing.result()  # the folder's own error first, as when they ran in turn
            raise
        result = made.result(writing.result())
    return write_web(pages, outbox, result)


#: The start page at the outbox root.
START = "index.html"
#: The script that starts the search pages' interface (``web/search.js``).
SEARCH_SCRIPT = "search.js"


def publish_web_indexes(
    web: WebRenderer,
    outbox: Outbox,
    manifests: Sequence[dict[str, Any]],
    report: Callable[[Problem], None] | None = None,
    states: FileStates | None = None,
) -> int:
    """Write the web archive's pages made from the whole outbox, then its search index;
    count the changed. ``states``: what the last build recorded of the search index's
    pages and files (:func:`digest.render.search.index_archive`).

    Each language's index, theme pages and search page, the start page at the outbox
    root (``index.html``) and a logo file of the templates folder (:mod:`digest.render.logo`);
    a theme's older years only when what they show changed (:mod:`digest.render.theme_pages`),
    and those no longer shown are removed;
    then Pagefind indexes the editions' pages, a bundle a year (a month in the newest
    year), those whose pages changed (:mod:`digest.render.search`). A logo file that cannot
    be used is no logo, and ``report`` is told.

    A search index that cannot be made stops nothing: the search pages are written again
    saying search is unavailable, an older index is removed, and ``report`` is told once.
    """

    existing = web_pages(outbox, web.settings.languages)

    def published(lang: str, edition_id: str) -> bool:
        return page_path(lang, edition_id) in existing

    # Each language's themes, worked out once for its index, theme and search pages.
    themes: dict[str, tuple[ThemeLink, ...]] = {
        lang: theme_list(manifests, lang) for lang in web.settings.languages
    }
    pages = web.index_pages(manifests, published, themes)
    cache = PageCache(outbox, page_version(web.settings, web.email.env, TEMPLATES))
    pages |= theme_pages(web, manifests, themes, cache)
    found = bundles(manifests, existing)
    pages |= search_pages(web, manifests, found, themes=themes)
    pages[(START,)] = start_page(web)
    pages[(WEB, SEARCH_SCRIPT)] = (
        web.email.env.get_template(f"web/{SEARCH_SCRIPT}").render().encode()
    )
    logo = web.email.logo
    if logo.logo is not None and logo.logo.parts:
        # Named by its bytes: older logos stay, for the emails that show them.
        pages[logo.logo.parts] = logo.logo.data
    elif logo.problem and report is not None:
        report(Problem(web.settings.paths.templates.as_posix(), logo.problem, "no logo shown"))
    changed = write_all(outbox, sorted(pages.items()))
    for parts in cache.gone():
        changed += outbox.remove_file(*parts)
        with contextlib.suppress(OSError, RenderError):  # a theme's folder of years, once empty
            outbox.path(*parts[:-1]).rmdir()
    cache.save(pages)
    try:
        return changed + index_archive(outbox, found, states)
    except RenderError as error:
        unavailable = search_pages(web, manifests, (), available=False, themes=themes)
        changed += write_all(outbox, sorted(unavailable.items()))
        changed += remove_index(outbox)
        if report is not None:
            report(
                Problem(
                    outbox.path(WEB, BUNDLE).as_posix(),
                    f"the search index was not built ({str(error).removeprefix(SEARCH_ERROR)})",
                    "the search pages say search is unavailable; editions and feeds are written",
                )
            )
        return changed
