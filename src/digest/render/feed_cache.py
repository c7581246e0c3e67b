"""The feeds again, making only their new entries: the others are taken from the feed files.

A new edition adds an entry to most feeds, and every older entry of a feed stays as it
was: rendering thousands of them again (template, sanitiser, feedgen) at each build is most
of the time the feeds take. So each feed file is written with what made each of its
entries (a hash of the entry's part of a manifest: :class:`digest.render.feeds.Pending`),
kept in the outbox's ``.feeds-cache.json`` with the SHA-256 of the file. At the next build
an entry with the same hash, in a file that is still the one written, is the same bytes:
they are cut out of the file, and only the other entries are made, each in a feed of its
own whose entry is cut out too. The feed's head comes from the feed with no entry and the
date of its newest. The result is byte for byte what :func:`digest.render.feeds.feed_files`
makes (tests compare them).

Working out the entries' keys is itself a pass over every key point of the archive: the
keys of each edition's entries are kept too, by the SHA-256 of its manifest file (as
:meth:`digest.outbox.Outbox.manifests` read it), and worked out again only for a manifest
not seen before.

An archive document (:mod:`digest.render.feed_archive`) whose entries' keys and head are
those recorded, and whose file is still there with the size written, is left as it is: it
is neither read, nor made, nor written again (:meth:`FeedCache.kept`). An archive that is
made takes its entries from its file, else from the subscription document's, where a
month's entries were before its archive was written.

The cache holds what its entries depend on beyond the manifests (the settings the feeds
show, the feed templates, the versions of the libraries that write them): when one changes,
every feed is made whole again. A cache that cannot be read or written is no cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib.metadata import version
from typing import Any

import jinja2

from digest.config import Settings
from digest.outbox import Outbox
from digest.render.feed_archive import FOLDER, documents
from digest.render.feed_doc import EPOCH, EXTENSIONS, Feed, FeedFile, Format, parts_of, render
from digest.render.feed_manifests import manifest_errors
from digest.render.feeds import Made, Pending, made, made_once, plans
from digest.render.i18n import Catalogs

#: The cache file, in the outbox's root (hidden: not published).
CACHE = ".feeds-cache.json"
#: What begins an entry and ends a feed, in each format as feedgen writes it.
_ENTRY: dict[Format, bytes] = {"atom": b"  <entry>\n", "rss": b"    <item>\n"}
_END: dict[Format, bytes] = {"atom": b"</feed>\n", "rss": b"  </channel>\n</rss>\n"}
#: Changes when the way feeds are cut or made changes.
_FORMAT = 4
_TEMPLATES = ("feeds/edition.html.j2", "feeds/story.html.j2")


@dataclass(frozen=True)
class Written:
    """A feed file as the cache remembers it."""

    sha256: str
    #: The key of each entry, in the file's order.
    keys: tuple[str, ...]
    #: What its head was made from (:func:`head_key`).
    head: str = ""
    #: Its size in bytes.
    size: int = -1


class FeedCache:
    """What the feed files of an outbox were made from (see the module's text)."""

    def __init__(self, outbox: Outbox, version: str) -> None:
        self.outbox = outbox
        self.version = version
        self.path = outbox.root / CACHE
        self.known: dict[str, Written] = {}
        self.written: dict[str, Written] = {}
        #: The keys of each edition's entries in a language, by its manifest's SHA-256.
        self.known_keys: dict[tuple[str, str], list[str]] = {}
        self.used_keys: dict[tuple[str, str], list[str]] = {}
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError, AttributeError):
            data = json.loads(self.path.read_bytes())
            if data["version"] == version:
                self.known = {
                    name: Written(
                        str(feed["sha256"]),
                        tuple(str(k) for k in feed["keys"]),
                        str(feed["head"]),
                        int(feed["size"]),
                    )
                    for name, feed in data["feeds"].items()
                }
                self.known_keys = {
                    (str(sha), str(lang)): [str(k) for k in keys]
                    for sha, langs in data.get("editions", {}).items()
                    for lang, keys in langs.items()
                }

    def entries(self, parts: tuple[str, ...], fmt: Format) -> dict[str, bytes]:
        """The entries of the feed file at ``parts`` by key: none if it is not as written."""
        known = self.known.get("/".join(parts))
        if known is None:
            return {}
        try:
            data = self.outbox.path(*parts).read_bytes()
        except OSError:
            return {}
        if hashlib.sha256(data).hexdigest() != known.sha256:
            return {}
        cut = _cut(data, fmt)
        if cut is None or len(cut[1]) != len(known.keys):
            return {}
        return dict(zip(known.keys, cut[1], strict=True))

    def entry_keys(
        self, manifest: dict[str, Any], lang: str, make: Callable[[], list[str]]
    ) -> list[str]:
        """The keys of the entries of ``manifest`` in ``lang``: kept by its file's SHA-256
        (a manifest :meth:`Outbox.manifests` read), else ``make()``'s
        (:class:`digest.render.feeds.EntryKeys`)."""
        sha = self.outbox.read_from(manifest)
        if sha is None:
            return make()
        keys = self.known_keys.get((sha, lang))
        if keys is None:
            keys = make()
        self.used_keys[(sha, lang)] = keys
        return keys

    def record(
        self, parts: tuple[str, ...], data: bytes, keys: Sequence[str], head: str = ""
    ) -> None:
        """Remember that the file at ``parts`` is ``data``, with entries made from ``keys``
        and a head from ``head``."""
        sha = hashlib.sha256(data).hexdigest()
        self.written["/".join(parts)] = Written(sha, tuple(keys), head, len(data))

    def kept(self, parts: tuple[str, ...], keys: Sequence[str], head: str) -> bool:
        """Whether the file at ``parts`` was written from ``keys`` and ``head`` and is still
        there, of the size written: then it is taken as it is, neither read nor made again
        (an archive document), and remembered as written."""
        name = "/".join(parts)
        known = self.known.get(name)
        if known is None or known.keys != tuple(keys) or known.head != head:
            return False
        try:
            # Joined, not resolved (:meth:`Outbox.path`): thousands of archives are looked at.
            if os.stat(os.path.join(self.outbox.root, *parts)).st_size != known.size:
                return False
        except OSError:
            return False
        self.written[name] = known
        return True

    def gone(self) -> list[tuple[str, ...]]:
        """The archive documents this cache had written that are no longer made (a month
        whose entries all moved to a newer one): to remove. Subscription documents are
        never in it: a subscriber's URL keeps answering."""
        gone = (tuple(name.split("/")) for name in sorted(set(self.known) - set(self.written)))
        return [parts for parts in gone if len(parts) > 2 and parts[1] == FOLDER]

    def save(self) -> None:
        """Write what :meth:`record` was told and the entry keys used (only them: feeds and
        editions that are gone are forgotten)."""
        feeds = {
            name: {"sha256": f.sha256, "keys": list(f.keys), "head": f.head, "size": f.size}
            for name, f in sorted(self.written.items())
        }
        editions: dict[str, dict[str, list[str]]] = {}
        for (sha, lang), keys in sorted(self.used_keys.items()):
            editions.setdefault(sha, {})[lang] = keys
        data = json.dumps(
            {"version": self.version, "feeds": feeds, "editions": editions}, separators=(",", ":")
        )
        temporary = self.path.with_name(f"{CACHE}.{os.getpid()}.tmp")
        try:
            temporary.write_bytes(data.encode("utf-8"))
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)


def cache_version(settings: Settings, env: jinja2.Environment) -> str:
    """What every entry depends on beyond its manifest."""
    parts: list[Any] = [_FORMAT, settings.base_url, dict(settings.title)]
    for name in _TEMPLATES:
        try:
            parts.append(env.loader.get_source(env, name)[0] if env.loader else None)
        except jinja2.TemplateError:
            parts.append(None)
    parts += [version(package) for package in ("feedgen", "lxml", "nh3", "jinja2")]
    data = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def cached_feed_files(
    settings: Settings,
    catalogs: Catalogs,
    env: jinja2.Environment,
    manifests: Sequence[dict[str, Any]],
    cache: FeedCache,
) -> list[FeedFile]:
    """What :func:`digest.render.feeds.feed_files` makes, making only the entries ``cache``
    does not hold, but without the archive documents that are as ``cache`` recorded them:
    they are left as they are. ``cache`` records each file.

    An archive's entries are taken from its file, else from the subscription document's
    (where a month's entries were before their month's archive was written).

    Raises:
        RenderError: a feed template is missing or broken, or a manifest lacks a field.
    """
    files = []
    for docs in documents(plans(settings, catalogs, env, manifests, cache)):
        # A feed's entries, each made once for its documents in both formats.
        memo: Made = {}
        made = [
            (feed, pending, [entry.key for entry in pending], head_key(feed))
            for feed, pending in docs
        ]
        for fmt in EXTENSIONS:
            current: dict[str, bytes] = {}
            for feed, pending, keys, head in made:
                parts = parts_of(feed, fmt)
                if feed.archive and cache.kept(parts, keys, head):
                    continue
                known = cache.entries(parts, fmt)
                if not feed.archive:
                    current = known
                elif current:
                    known = {**current, **known}
                data = _feed(settings, feed, pending, fmt, known, memo)
                cache.record(parts, data, keys, head)
                files.append(FeedFile(parts, data))
    return files


def head_key(feed: Feed) -> str:
    """What the head of a document of ``feed`` is made from, bar its date (that of its
    newest entry, which the entries' keys cover): its path, texts and links."""
    bare = replace(feed, entries=()) if feed.entries else feed
    return hashlib.sha256(repr(bare).encode("utf-8")).hexdigest()[:32]


def _feed(
    settings: Settings,
    feed: Feed,
    pending: Sequence[Pending],
    fmt: Format,
    known: Mapping[str, bytes],
    memo: Made,
) -> bytes:
    new = [entry for entry in pending if entry.key not in known]
    if len(new) * 2 > len(pending):
        # Mostly new: one feed with every entry is quicker than a feed per entry.
        return render(settings, made(feed, pending, memo), fmt)
    updated = max((entry.published for entry in pending), default=EPOCH)
    head = _cut(render(settings, feed, fmt, updated=updated), fmt)
    if head is None:
        return render(settings, made(feed, pending, memo), fmt)
    entries = dict(known)
    with manifest_errors():
        for entry in new:
            one = replace(feed, entries=(made_once(entry, memo),))
            alone = _cut(render(settings, one, fmt), fmt)
            if alone is None or len(alone[1]) != 1:
                return render(settings, made(feed, pending, memo), fmt)
            entries[entry.key] = alone[1][0]
    return head[0] + b"".join(entries[entry.key] for entry in pending) + _END[fmt]


def _cut(data: bytes, fmt: Format) -> tuple[bytes, list[bytes]] | None:
    """A feed document's head (up to its first entry) and its entries; None when it does not
    end as feedgen ends a feed."""
    end, marker = _END[fmt], _ENTRY[fmt]
    if not data.endswith(end):
        return None
    body = data[: -len(end)]
    at = body.find(b"\n" + marker)
    if at < 0:
        return body, []
    head, entries = body[: at + 1], body[at + 1 :]
    return head, [marker + entry for entry in entries.split(marker)[1:]]
