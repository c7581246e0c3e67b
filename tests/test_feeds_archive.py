"""Feeds as RFC 5005 archived feeds (:mod:`digest.render.feed_archive`): the subscription
document's window, the monthly archives and their links both ways, and an incremental
build that leaves every archive whose entries did not change as it was."""

from __future__ import annotations

import copy
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser

from digest.config import Settings, load_settings
from digest.outbox import Outbox
from digest.publish import publish_feeds
from digest.render.email import EmailRenderer
from digest.render.feed_archive import AT_LEAST, WINDOW, documents, month, split
from digest.render.feed_cache import FeedCache, cache_version, cached_feed_files
from digest.render.feed_doc import EXTENSIONS, Entry, Feed, Pending, render

FEED = Feed(
    stem=("feeds", "themes", "ethics.fr"),
    lang="fr",
    title="Digest · Éthique",
    author="Digest",
    subtitle="Les points clés",
    home="https://digest.example/web/fr/index.html",
)
SETTINGS_URL = "https://digest.example/"


def _pending(published: datetime, n: int) -> Pending:
    def make() -> Entry:
        return Entry(
            id=f"{SETTINGS_URL}stories/{n}#fr",
            title=f"Point {n}",
            link=f"https://news.example/{n}",
            published=published,
            html=f"<p>Point {n}</p>",
        )

    return Pending(f"key-{n}", published, make)


def _weekly(count: int, last: datetime) -> tuple[Pending, ...]:
    """``count`` entries a week apart, newest first, the newest at ``last``."""
    return tuple(_pending(last - timedelta(weeks=n), n) for n in range(count))


def test_the_subscription_document_holds_the_window_and_archives_the_past_months() -> None:
    newest = datetime(2025, 12, 28, 11, tzinfo=UTC)
    pending = _weekly(40, newest)
    subscription, *archives = split(FEED, pending, newest)
    feed, window = subscription
    assert feed.stem == FEED.stem and not feed.archive
    # The entries of the last 8 weeks (9 weekly ones, both ends in), but at least AT_LEAST.
    assert len(window) == AT_LEAST
    assert all(entry.published >= newest - WINDOW for entry in window[:9])
    assert window == pending[:AT_LEAST]
    # One archive per past month, newest first, each with that month's entries only.
    months = [month(entries[0].published) for _, entries in archives]
    assert months == sorted({month(p.published) for p in pending} - {"2025-12"}, reverse=True)
    for archive, entries in archives:
        assert archive.archive
        assert archive.stem == ("feeds", "archive", "themes", f"ethics.fr.{months.pop(0)}")
        assert {month(p.published) for p in entries} == {archive.stem[-1][-7:]}
    # Every entry is in an archive or, for the current month, in the window.
    archived = {p.key for _, entries in archives for p in entries}
    current = {p.key for p in pending if month(p.published) == "2025-12"}
    assert current <= {p.key for p in window}
    assert archived | current == {p.key for p in pending}
    assert not archived & current


def test_a_quiet_feed_keeps_its_newest_entries_and_the_window_is_the_languages() -> None:
    newest = datetime(2025, 12, 28, 11, tzinfo=UTC)
    quiet = _weekly(3, newest - timedelta(days=400))
    busy = _weekly(30, newest)
    other = Feed(
        stem=("feeds", "editions.fr"),
        lang="fr",
        title="D",
        author="D",
        subtitle="S",
        home=FEED.home,
    )
    found = documents([(other, busy), (FEED, quiet)])
    (_, window), *archives = found[1]
    assert window == quiet  # all three: fewer than AT_LEAST
    # Its months are all past (the language's newest edition is a year later): archived.
    assert sum(len(entries) for _, entries in archives) == 3
    assert split(FEED, (), None) == [(FEED, ())]


def test_archive_links_chain_both_ways_and_read_as_feeds() -> None:
    newest = datetime(2025, 12, 28, 11, tzinfo=UTC)
    docs = split(FEED, _weekly(20, newest), newest)
    stems = [feed.stem for feed, _ in docs]
    links = [dict(feed.links) for feed, _ in docs]
    assert links[0] == {"prev-archive": stems[1]}
    for at in range(1, len(docs)):
        assert links[at]["current"] == FEED.stem
        assert links[at].get("prev-archive") == (stems[at + 1] if at + 1 < len(docs) else None)
        assert links[at].get("next-archive") == (stems[at - 1] if at > 1 else None)
    settings = Settings.model_construct(base_url=SETTINGS_URL)
    for fmt, ext in EXTENSIONS.items():
        for at, (feed, pending) in enumerate(docs):
            data = render(settings, replace(feed, entries=tuple(p.make() for p in pending)), fmt)
            assert (b"<fh:archive/>" in data) == (at > 0)
            assert b"ns0:" not in data  # Atom's links in Atom's namespace, without a prefix
            parsed = feedparser.parse(data)
            assert not parsed.bozo and len(parsed.entries) == len(pending)
            rels = {link.rel: link.href for link in parsed.feed.links}
            for rel, stem in feed.links:
                assert rels[rel] == SETTINGS_URL + "/".join(stem) + f".{ext}"


# --- an incremental build of the sample's feeds ---------------------------------------------


def _tree(built_sample_tree: Path, tmp_path: Path) -> tuple[Settings, Outbox]:
    shutil.copytree(built_sample_tree / "outbox", tmp_path / "outbox")
    settings = load_settings(built_sample_tree / "digest.toml")
    paths = settings.paths.model_copy(update={"outbox": tmp_path / "outbox"})
    return settings.model_copy(update={"paths": paths}), Outbox(tmp_path / "outbox")


def _publish(settings: Settings, outbox: Outbox, manifests: list[dict[str, Any]]) -> set[str]:
    """Write the feeds as a build does; the paths of the files made (written or not)."""
    renderer = EmailRenderer(settings)
    cache = FeedCache(outbox, cache_version(settings, renderer.env))
    files = cached_feed_files(settings, renderer.catalogs, renderer.env, manifests, cache)
    for file in files:
        outbox.write_file(file.data, *file.parts)
    cache.save()
    return {"/".join(file.parts) for file in files}


def _times(outbox: Outbox) -> dict[str, int]:
    folder = outbox.root / "feeds"
    return {
        path.relative_to(outbox.root).as_posix(): path.stat().st_mtime_ns
        for path in folder.rglob("*")
        if path.is_file()
    }


def _archives(paths: set[str]) -> set[str]:
    return {path for path in paths if path.startswith("feeds/archive/")}


def _published(manifest: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(manifest["published"]).astimezone(UTC)


def test_an_unchanged_archive_is_neither_made_nor_written_again(
    built_sample_tree: Path, tmp_path: Path
) -> None:
    settings, outbox = _tree(built_sample_tree, tmp_path)
    every = outbox.manifests()
    newest = max(every, key=lambda m: (m["published"], m["edition"]))
    older = [m for m in every if m is not newest]
    assert month(_published(newest)) == month(max(_published(m) for m in older))
    _publish(settings, outbox, older)
    before = _times(outbox)
    # A new edition of the same month: only subscription documents are made.
    made = _publish(settings, outbox, every)
    assert made and not _archives(made)
    after = _times(outbox)
    assert {p for p in after if after[p] != before.get(p)} <= made
    # Nothing new: no archive made, nothing written.
    assert not _archives(_publish(settings, outbox, every))
    assert _times(outbox) == after


def test_a_new_month_adds_its_archive_and_links_the_one_before(
    built_sample_tree: Path, tmp_path: Path
) -> None:
    settings, outbox = _tree(built_sample_tree, tmp_path)
    every = outbox.manifests()
    last = month(max(_published(m) for m in every))
    before_last = [m for m in every if month(_published(m)) != last]
    previous = month(max(_published(m) for m in before_last))
    _publish(settings, outbox, before_last)
    times = _times(outbox)
    made = _archives(_publish(settings, outbox, every))
    # The month that closed gets its archives; the archives of the month before it are made
    # again for their new next-archive link; no other.
    months = {path.rsplit(".", 2)[-2] for path in made}
    assert previous in months and months <= {previous, _month_before(before_last, previous)}
    assert f"feeds/archive/editions.fr.{previous}.atom" in made
    changed = {p for p, t in _times(outbox).items() if times.get(p) != t}
    assert _archives(changed) <= made


def _month_before(manifests: list[dict[str, Any]], key: str) -> str:
    return max(month(_published(m)) for m in manifests if month(_published(m)) < key)


def test_an_older_edition_changed_rewrites_only_its_months_archives(
    built_sample_tree: Path, tmp_path: Path
) -> None:
    settings, outbox = _tree(built_sample_tree, tmp_path)
    every = outbox.manifests()
    _publish(settings, outbox, every)
    times = _times(outbox)
    changed = copy.deepcopy(every)
    oldest = min(changed, key=lambda m: (m["published"], m["edition"]))
    oldest["views"]["fr"]["sections"][0]["points"][0]["title"] = "Un titre changé"
    made = _archives(_publish(settings, outbox, changed))
    key = month(_published(oldest))
    assert f"feeds/archive/editions.fr.{key}.xml" in made
    assert {path.rsplit(".", 2)[-2] for path in made} == {key}
    assert all(".fr." in path for path in made)
    after = _times(outbox)
    assert {p for p in _archives(set(after)) if after[p] != times.get(p)} == {
        p for p in made if b"Un titre chang" in outbox.root.joinpath(p).read_bytes()
    }


def test_an_archive_month_no_longer_made_is_removed(
    built_sample_tree: Path, tmp_path: Path
) -> None:
    settings, outbox = _tree(built_sample_tree, tmp_path)
    renderer = EmailRenderer(settings)
    every = outbox.manifests()
    publish_feeds(settings, renderer, outbox, every)
    before = _archives(set(_times(outbox)))
    # The editions of the oldest month are gone (their entries now nowhere): that month's
    # archives go too, every other file stays, and a subscription document is never removed.
    first = min(month(_published(m)) for m in every)
    publish_feeds(settings, renderer, outbox, [m for m in every if month(_published(m)) != first])
    after = set(_times(outbox))
    gone = before - after
    assert gone and {path.rsplit(".", 2)[-2] for path in gone} == {first}
    assert _archives(after) == before - gone
    assert (outbox.root / "feeds" / "editions.fr.xml").is_file()
