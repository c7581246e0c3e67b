"""Feeds made from the cache of their entries (:mod:`digest.render.feed_cache`) are, byte for
byte, the feeds made whole (:func:`digest.render.feeds.feed_files`): after a new edition,
after an older edition changed, after a feed file was edited by hand, after a setting the
feeds show changed."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from digest.config import Settings, load_settings
from digest.outbox import Outbox
from digest.render import feeds
from digest.render.email import EmailRenderer
from digest.render.feed_cache import CACHE, FeedCache, cache_version, cached_feed_files
from digest.render.feeds import EXTENSIONS, _key, feed_files


def _tree(built_sample_tree: Path, tmp_path: Path) -> tuple[Settings, Outbox]:
    shutil.copytree(built_sample_tree / "outbox", tmp_path / "outbox")
    settings = load_settings(built_sample_tree / "digest.toml")
    paths = settings.paths.model_copy(update={"outbox": tmp_path / "outbox"})
    return settings.model_copy(update={"paths": paths}), Outbox(tmp_path / "outbox")


def _write(
    settings: Settings, outbox: Outbox, manifests: list[dict[str, Any]]
) -> tuple[dict[tuple[str, ...], bytes], FeedCache]:
    """The feeds made from the cache, written with the cache, as a build does; every feed
    file of the outbox then (the archives left as they were among them)."""
    renderer = EmailRenderer(settings)
    cache = FeedCache(outbox, cache_version(settings, renderer.env))
    files = cached_feed_files(settings, renderer.catalogs, renderer.env, manifests, cache)
    for file in files:
        outbox.write_file(file.data, *file.parts)
    cache.save()
    return _on_disk(outbox), cache


def _on_disk(outbox: Outbox) -> dict[tuple[str, ...], bytes]:
    folder = outbox.root / "feeds"
    return {
        path.relative_to(outbox.root).parts: path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _whole(settings: Settings, manifests: list[dict[str, Any]]) -> dict[tuple[str, ...], bytes]:
    renderer = EmailRenderer(settings)
    made = feed_files(settings, renderer.catalogs, renderer.env, manifests)
    return {file.parts: file.data for file in made}


def test_feeds_from_the_cache_are_the_feeds_made_whole(
    built_sample_tree: Path, tmp_path: Path
) -> None:
    settings, outbox = _tree(built_sample_tree, tmp_path)
    every = outbox.manifests()
    newest = max(every, key=lambda m: (m["published"], m["edition"]))
    older = [m for m in every if m is not newest]
    # The outbox's feeds before the newest edition; then with it, from the cache.
    first, _ = _write(settings, outbox, older)
    assert first == _whole(settings, older)
    assert (outbox.root / CACHE).is_file()
    renderer = EmailRenderer(settings)
    cache = FeedCache(outbox, cache_version(settings, renderer.env))
    reused = [
        bool(cache.entries(parts, fmt))
        for parts in first
        for fmt in EXTENSIONS
        if parts[-1].endswith(EXTENSIONS[fmt])
    ]
    assert reused and all(reused)
    then, _ = _write(settings, outbox, every)
    assert then == _whole(settings, every)
    assert then != first

    # An older edition whose key point changed: its entries are made again.
    changed = copy.deepcopy(every)
    oldest = min(changed, key=lambda m: (m["published"], m["edition"]))
    lang = next(iter(oldest["views"]))
    point = oldest["views"][lang]["sections"][0]["points"][0]
    point["text"] = "Un texte <b>changé</b> du point clé."
    point["title"] = "Un titre changé"
    oldest["views"][lang]["title"] = "Une autre édition"
    again, _ = _write(settings, outbox, changed)
    assert again == _whole(settings, changed)
    assert again != then


def test_a_feed_edited_by_hand_or_new_settings_make_it_whole_again(
    built_sample_tree: Path, tmp_path: Path
) -> None:
    settings, outbox = _tree(built_sample_tree, tmp_path)
    every = outbox.manifests()
    files, _ = _write(settings, outbox, every)
    parts = ("feeds", "editions.fr.xml")
    edited = outbox.path(*parts)
    edited.write_bytes(edited.read_bytes().replace(b"<title>", b"<title>Edited ", 1))
    renderer = EmailRenderer(settings)
    cache = FeedCache(outbox, cache_version(settings, renderer.env))
    # The file is no longer the one written: none of its entries is taken from it.
    assert not cache.entries(parts, "rss")
    again, _ = _write(settings, outbox, every)
    assert again == _whole(settings, every) == files
    assert outbox.path(*parts).read_bytes() == files[parts]

    moved = settings.model_copy(update={"base_url": "https://elsewhere.example/digest/"})
    cache = FeedCache(outbox, cache_version(moved, EmailRenderer(moved).env))
    assert not cache.known
    elsewhere, _ = _write(moved, outbox, every)
    assert elsewhere == _whole(moved, every)
    assert b"https://elsewhere.example/digest/" in elsewhere[parts]


def test_entry_keys_tell_apart_what_json_would() -> None:
    # Keys are hashes of repr(): values JSON writes differently must give different keys.
    values = [1, 1.0, "1", True, None, "None", [1], (1,), {"a": 1}, {"a": "1"}, "é", "\\u00e9"]
    keys = {_key("story", "fr", value) for value in values}
    assert len(keys) == len(values)
    assert _key("story", "fr", {"a": 1}) == _key("story", "fr", {"a": 1})


def test_a_cache_of_another_format_is_no_cache(built_sample_tree: Path, tmp_path: Path) -> None:
    settings, outbox = _tree(built_sample_tree, tmp_path)
    every = outbox.manifests()
    files, _ = _write(settings, outbox, every)
    cached = outbox.root / CACHE
    # As an older version wrote it: other keys for the same entries.
    data = json.loads(cached.read_bytes())
    data["version"] = "an older version"
    cached.write_text(json.dumps(data))
    renderer = EmailRenderer(settings)
    assert not FeedCache(outbox, cache_version(settings, renderer.env)).known
    again, _ = _write(settings, outbox, every)
    assert again == files == _whole(settings, every)


def test_an_edition_published_again_dates_its_entries_anew(
    built_sample_tree: Path, tmp_path: Path
) -> None:
    # The same content under a new publication date (an edition rebuilt with more items whose
    # key points did not change): the cached entries must not keep the old date.
    settings, outbox = _tree(built_sample_tree, tmp_path)
    every = outbox.manifests()
    first, _ = _write(settings, outbox, every)
    later = copy.deepcopy(every)
    newest = max(later, key=lambda m: (m["published"], m["edition"]))
    published = datetime.fromisoformat(newest["published"]) + timedelta(hours=2, minutes=13)
    newest["published"] = published.isoformat()
    again, _ = _write(settings, outbox, later)
    assert again == _whole(settings, later)
    assert again != first


def test_entry_keys_are_kept_by_manifest_and_worked_out_for_any_other(
    built_sample_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keys of a manifest read from the outbox are kept by its file's SHA-256: the next
    build does not work them out again; a manifest that is not one read (a changed copy)
    or kept keys of another count (a cache edited by hand) have theirs worked out."""
    settings, outbox = _tree(built_sample_tree, tmp_path)
    files, cache = _write(settings, outbox, outbox.manifests())
    assert len(cache.used_keys) == sum(len(m["views"]) for m in outbox.manifests())
    worked: list[str] = []
    real = feeds.entry_keys

    def counted(manifest: dict[str, Any], lang: str) -> list[str]:
        worked.append(manifest["edition"])
        return real(manifest, lang)

    monkeypatch.setattr(feeds, "entry_keys", counted)
    again, _ = _write(settings, outbox, outbox.manifests())
    assert again == files and not worked

    cached = outbox.root / CACHE
    data = json.loads(cached.read_bytes())
    for langs in data["editions"].values():
        for keys in langs.values():
            keys.pop()
    cached.write_text(json.dumps(data))
    edited, _ = _write(settings, outbox, outbox.manifests())
    assert edited == files and len(worked) == len(cache.used_keys)

    changed = copy.deepcopy(outbox.manifests())
    oldest = min(changed, key=lambda m: (m["published"], m["edition"]))
    lang = next(iter(oldest["views"]))
    oldest["views"][lang]["sections"][0]["points"][0]["title"] = "Un titre changé"
    worked.clear()
    then, _ = _write(settings, outbox, changed)
    assert oldest["edition"] in worked
    assert then == _whole(settings, changed) != files
