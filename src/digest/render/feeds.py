"""RSS 2.0 and Atom 1.0 feeds per language, made with feedgen from outbox manifests.

Two kinds of feed, each in both formats and for each language:

- **editions** (``feeds/editions.<lang>.xml`` / ``.atom``): one item per edition,
  its whole content in that language as sanitised HTML, linked to its web page;
- **themes** (``feeds/themes/<theme-id>.<lang>.xml`` / ``.atom``): one item per story
  shown under that theme in any edition, from the story's key point in that language.

Everything comes from the manifests, never from the clock: item dates are the
editions' ``published``, a feed's own date is its newest item's, so the same
outbox gives byte-identical feeds. Ids are derived from edition and story ids,
so they stay the same on every rebuild. Every URL is absolute: public ones are
``base_url`` + outbox path, and the HTML goes through nh3, which drops scripts,
unknown schemes and relative links.

This module plans the feeds (which feeds, which entries, what each is made from);
:mod:`digest.render.feed_doc` writes a feed as a document.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any, Protocol
from urllib.parse import quote

import jinja2

from digest.config import Settings
from digest.render.feed_archive import documents
from digest.render.feed_doc import EPOCH as EPOCH
from digest.render.feed_doc import EXTENSIONS as EXTENSIONS
from digest.render.feed_doc import Entry as Entry
from digest.render.feed_doc import Feed as Feed
from digest.render.feed_doc import FeedFile as FeedFile
from digest.render.feed_doc import Format as Format
from digest.render.feed_doc import Pending as Pending
from digest.render.feed_doc import feed_url as feed_url
from digest.render.feed_doc import parts_of, public_url
from digest.render.feed_doc import render as render
from digest.render.feed_manifests import (
    is_absolute,
    manifest_errors,
    newest_first,
    published_at,
    render_entry,
    story_points,
    template_of,
)
from digest.render.feed_text import PlainViews, plain, plain_view
from digest.render.i18n import Catalogs
from digest.render.web import page_path


class EntryKeys(Protocol):
    """Where the keys of an edition's entries are kept between builds
    (:class:`digest.render.feed_cache.FeedCache`): by what its manifest is, they are the
    same until it changes."""

    def entry_keys(
        self, manifest: dict[str, Any], lang: str, make: Callable[[], list[str]]
    ) -> list[str]:
        """The keys of the entries of ``manifest`` in ``lang`` (:func:`entry_keys`): those
        kept, else ``make()``'s."""
        ...


def edition_page_url(settings: Settings, lang: str, edition_id: str) -> str:
    """The web page of an edition in one language: ``web/<lang>/<edition-id>.html``."""
    return public_url(settings, *page_path(lang, edition_id))


def web_index_url(settings: Settings, lang: str) -> str:
    """The web archive's index in one language: ``web/<lang>/index.html``."""
    return public_url(settings, *page_path(lang))


def feed_files(
    settings: Settings,
    catalogs: Catalogs,
    env: jinja2.Environment,
    manifests: Sequence[dict[str, Any]],
) -> list[FeedFile]:
    """Every feed file of the outbox: editions and themes, per language, RSS and Atom, each
    a subscription document and its archives (:mod:`digest.render.feed_archive`).

    A theme gets feeds only in the languages where some edition shows it.
    :mod:`digest.render.feed_cache` makes the same files, making only the new entries.

    Raises:
        RenderError: a feed template is missing or broken, or a manifest lacks a field.
    """
    return [
        FeedFile(parts_of(feed, fmt), render(settings, made(feed, pending), fmt))
        for docs in documents(plans(settings, catalogs, env, manifests))
        for feed, pending in docs
        for fmt in EXTENSIONS
    ]


def plans(
    settings: Settings,
    catalogs: Catalogs,
    env: jinja2.Environment,
    manifests: Sequence[dict[str, Any]],
    kept: EntryKeys | None = None,
) -> list[tuple[Feed, tuple[Pending, ...]]]:
    """Every feed of the outbox without its entries, and its entries still to make.

    ``kept``: the entries' keys of the editions whose manifests did not change since they
    were worked out (None: every key is worked out).

    Raises:
        RenderError: a feed template is missing or broken, or a manifest lacks a field.
    """
    # Each edition's view, plain, once for its feed entry and its stories' entries.
    views: PlainViews = {}
    keys = _Keys(kept)
    found = []
    for lang in settings.languages:
        found.append(_editions_plan(settings, catalogs, env, lang, manifests, views, keys))
        found.extend(_theme_plans(settings, catalogs, env, lang, manifests, views, keys))
    return found


def entry_keys(manifest: dict[str, Any], lang: str) -> list[str]:
    """The keys of an edition's entries in ``lang``: its entry in the editions feed, then
    one for each of its stories' key points (:func:`story_points`), as each is made from
    the manifest alone.

    Raises:
        RenderError: the view's key points are not its stories.
        KeyError, TypeError, ValueError: a manifest lacks a field.
    """
    view = manifest["views"][lang]
    published = published_at(manifest).isoformat()
    edition = manifest["edition"]
    shown = (view["title"], view["period_label"])
    return [
        _edition_key(manifest, lang),
        *(
            _key("story", lang, edition, published, theme, label, story_id, point, shown)
            for theme, label, story_id, point in story_points(manifest, view, lang)
        ),
    ]


def _edition_key(manifest: dict[str, Any], lang: str) -> str:
    """The key of an edition's entry in the editions feed of ``lang``."""
    published = published_at(manifest).isoformat()
    return _key("edition", lang, manifest["edition"], published, manifest["views"][lang])


class _Keys:
    """The entry keys of each (manifest, language), worked out once a build."""

    def __init__(self, kept: EntryKeys | None) -> None:
        self._kept = kept
        self._found: dict[tuple[int, str], list[str]] = {}

    def edition(self, manifest: dict[str, Any], lang: str) -> str:
        """The key of the edition's entry in the editions feed (without a cache, only
        it is worked out: the editions feed alone reads no story)."""
        if self._kept is None and (id(manifest), lang) not in self._found:
            return _edition_key(manifest, lang)
        return self.of(manifest, lang)[0]

    def of(self, manifest: dict[str, Any], lang: str) -> list[str]:
        found = self._found.get((id(manifest), lang))
        if found is None:
            make = partial(entry_keys, manifest, lang)
            found = make() if self._kept is None else self._kept.entry_keys(manifest, lang, make)
            # Kept keys of another count (a cache edited by hand) are worked out again.
            points = sum(len(s["points"]) for s in manifest["views"][lang]["sections"])
            if len(found) != 1 + points:
                found = make()
            self._found[(id(manifest), lang)] = found
        return found


def made(feed: Feed, pending: Sequence[Pending], memo: Made | None = None) -> Feed:
    """``feed`` with its ``pending`` entries made.

    ``memo``: the entries already made, by their :class:`Pending` (its ``id``): an entry is
    in a feed's RSS and Atom documents, and in its subscription document and its month's
    archive, made once for all of them. The caller keeps those objects alive meanwhile.

    Raises:
        RenderError: a feed template is broken, or a manifest lacks a field.
    """
    with manifest_errors():
        if memo is None:
            return replace(feed, entries=tuple(entry.make() for entry in pending))
        return replace(feed, entries=tuple(made_once(entry, memo) for entry in pending))


#: Entries made (:func:`made`), by the ``id`` of their :class:`Pending`.
Made = dict[int, Entry]


def made_once(entry: Pending, memo: Made) -> Entry:
    """``entry`` made, or as ``memo`` holds it (see :func:`made`)."""
    found = memo.get(id(entry))
    if found is None:
        found = memo[id(entry)] = entry.make()
    return found


def editions_feed(
    settings: Settings,
    catalogs: Catalogs,
    env: jinja2.Environment,
    lang: str,
    manifests: Sequence[dict[str, Any]],
) -> Feed:
    """The feed of every edition (newest first) that has a ``lang`` view.

    Raises:
        RenderError: the template is missing or broken, or a manifest lacks a field.
    """
    return made(*_editions_plan(settings, catalogs, env, lang, manifests, {}, _Keys(None)))


def theme_feeds(
    settings: Settings,
    catalogs: Catalogs,
    env: jinja2.Environment,
    lang: str,
    manifests: Sequence[dict[str, Any]],
) -> list[Feed]:
    """One feed per theme shown in some ``lang`` view: its stories, newest first.

    A story's item takes its title, link and text from the key point shown for it
    in ``lang`` (the original when it has no translation yet); its category is the
    theme's label. A story shown in two editions keeps its newest showing.

    Raises:
        RenderError: the template is missing or broken, or a manifest lacks a field.
    """
    plans = _theme_plans(settings, catalogs, env, lang, manifests, {}, _Keys(None))
    return [made(*plan) for plan in plans]


def _editions_plan(
    settings: Settings,
    catalogs: Catalogs,
    env: jinja2.Environment,
    lang: str,
    manifests: Sequence[dict[str, Any]],
    views: PlainViews,
    keys: _Keys,
) -> tuple[Feed, tuple[Pending, ...]]:
    template = template_of(env, "feeds/edition.html.j2")
    pending = []
    with manifest_errors():
        for manifest in newest_first(manifests, lang):
            published = published_at(manifest)
            # The date is the entry's too: an edition published again keeps its content.
            key = keys.edition(manifest, lang)
            make = partial(_edition_entry, settings, template, lang, manifest, views)
            pending.append(Pending(key, published, make))
    feed = Feed(
        stem=("feeds", f"editions.{lang}"),
        lang=lang,
        title=settings.title[lang],  # type: ignore[index]
        author=settings.title[lang],  # type: ignore[index]
        subtitle=catalogs.t(lang, "Key points of each edition, with links to their sources."),
        home=web_index_url(settings, lang),
    )
    return feed, tuple(pending)


def _edition_entry(
    settings: Settings,
    template: jinja2.Template,
    lang: str,
    manifest: dict[str, Any],
    views: PlainViews,
) -> Entry:
    edition, view = manifest["edition"], plain_view(manifest, lang, views)
    page = edition_page_url(settings, lang, edition)
    return Entry(
        # The guid every edition has had since the first feed: readers keep their state.
        id=f"{settings.base_url}editions/{quote(edition)}#{lang}",
        title=f"{view['title']} · {view['period_label']}",
        link=page,
        published=published_at(manifest),
        html=render_entry(template, view=view, lang=lang, page=page),
        categories=tuple((s["theme"], s["label"]) for s in view["sections"]),
    )


def _theme_plans(
    settings: Settings,
    catalogs: Catalogs,
    env: jinja2.Environment,
    lang: str,
    manifests: Sequence[dict[str, Any]],
    views: PlainViews,
    keys: _Keys,
) -> list[tuple[Feed, tuple[Pending, ...]]]:
    template = template_of(env, "feeds/story.html.j2")
    pending: dict[str, list[Pending]] = {}
    labels: dict[str, str] = {}
    seen: set[str] = set()
    points: _Points = {}
    with manifest_errors():
        for manifest in newest_first(manifests, lang):
            view = manifest["views"][lang]
            published = published_at(manifest)
            # The edition's entry first, then its key points'.
            made = keys.of(manifest, lang)
            for at, (theme, label, story_id, _) in enumerate(story_points(manifest, view, lang)):
                labels.setdefault(theme, label)  # the newest edition has the current label
                if story_id in seen:
                    continue
                seen.add(story_id)
                key = made[1 + at]
                make = partial(_story_entry, settings, template, lang, manifest, views, points, at)
                pending.setdefault(theme, []).append(Pending(key, published, make))
    title = settings.title[lang]  # type: ignore[index]
    found = []
    for theme in sorted(pending):
        label = plain(labels[theme])
        feed = Feed(
            stem=("feeds", "themes", f"{theme}.{lang}"),
            lang=lang,
            title=f"{title} · {label}",
            author=title,
            subtitle=catalogs.t(
                lang,
                "Key points on “%(theme)s” from each edition, with links to their sources.",
                theme=label,
            ),
            home=web_index_url(settings, lang),
        )
        found.append((feed, tuple(pending[theme])))
    return found


#: Each edition's story points (:func:`story_points`) of its plain view, by edition id and
#: language, with that view.
_Points = dict[tuple[str, str], tuple[dict[str, Any], list[tuple[str, str, str, dict[str, Any]]]]]


def _story_entry(
    settings: Settings,
    template: jinja2.Template,
    lang: str,
    manifest: dict[str, Any],
    views: PlainViews,
    points: _Points,
    at: int,
) -> Entry:
    """The entry of the story at ``at`` among the edition's ``lang`` view's key points."""
    view = plain_view(manifest, lang, views)
    page = edition_page_url(settings, lang, manifest["edition"])
    # The edition's story points listed once, not once per story (a quadratic cost).
    key = (str(manifest["edition"]), lang)
    listed = points.get(key)
    if listed is None or listed[0] is not view:
        listed = points[key] = (view, list(story_points(manifest, view, lang)))
    theme, label, story_id, point = listed[1][at]
    return Entry(
        id=f"{settings.base_url}stories/{quote(story_id, safe='')}#{lang}",
        title=point["title"],
        link=point["url"] if is_absolute(point["url"]) else page,
        published=published_at(manifest),
        html=render_entry(template, point=point, view=view, lang=lang, page=page),
        categories=((theme, label),),
    )


def _key(*parts: Any) -> str:
    """What an entry is made from, as a short hash (with the settings and templates, which
    :mod:`digest.render.feed_cache` adds, all of it).

    ``repr`` tells apart what JSON would (strings, numbers, lists, dicts of them) at a
    fraction of the cost; a dict's keys in another order give another key, so the entry is
    made again, never the wrong one.
    """
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]
