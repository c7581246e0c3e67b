"""Web pages made once: a page whose inputs did not change is neither rendered nor written.

A theme's older years (:mod:`digest.render.theme_pages`) stay as they were from one build to
the next, yet rendering them is thousands of stories. So each such page is written with a
key of what it is made from (the manifests it shows, by their SHA-256, and the page's
place among its neighbours), kept in the outbox's ``.web-cache.json`` with the SHA-256 of
the file written (nothing else: the same outbox, the same cache file). At the next build a
page with the same key, whose file still has that SHA-256, is left alone.

The cache's ``version`` holds what every page depends on beyond its key (the code that
renders the pages, the versions of Jinja2, MarkupSafe and Babel, the templates and catalogs,
the settings the pages show): when it changes, every page is made again. Other code is not
in it, so the same outbox gives the same cache file whatever else changed. A cache that
cannot be read or written is no cache; a page the cache wrote that is no longer made is
removed (:meth:`PageCache.gone`).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import version as installed
from pathlib import Path
from typing import Any

import jinja2

from digest.config import Settings
from digest.outbox import Outbox
from digest.render.templating import locale_folder

#: The cache file, in the outbox's root (hidden: not published).
CACHE = ".web-cache.json"
#: Changes when the way pages are keyed changes.
_FORMAT = 1
#: The modules that render a cached page (``digest.render.<name>``): their source is in the
#: version.
_CODE = ("page_cache", "theme_pages", "web", "email", "i18n", "typography", "templating")
_LIBRARIES = ("jinja2", "markupsafe", "babel")


@dataclass(frozen=True)
class Made:
    """A page as the cache remembers it."""

    #: What it was made from ("": nothing known, never taken as the same).
    key: str
    sha256: str


class PageCache:
    """What the outbox's cached pages were made from (see the module's text)."""

    def __init__(self, outbox: Outbox, version: str) -> None:
        self.outbox = outbox
        self.version = version
        self.path = outbox.root / CACHE
        self.known: dict[str, Made] = {}
        self.kept: dict[str, Made] = {}
        self.pending: dict[str, str] = {}
        #: The cache file as read (not written again when the same).
        self.read = b""
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError, AttributeError):
            self.read = self.path.read_bytes()
            data = json.loads(self.read)
            if data["version"] == version:
                self.known = {
                    str(name): Made(str(k), str(sha)) for name, (k, sha) in data["pages"].items()
                }

    def holds(self, parts: tuple[str, ...], key: str) -> bool:
        """Whether the page at ``parts`` was made from ``key`` and is still as written
        (then it is kept, and :meth:`save` remembers it)."""
        name = "/".join(parts)
        made = self.known.get(name)
        if not key or made is None or made.key != key:
            return False
        if any(part in ("", ".", "..") or "/" in part for part in parts):
            return False
        try:
            # Only read here, never written: a plain join, not Outbox.path's checks (a path
            # resolved for each of a hundred pages was most of the time this took).
            with open(os.path.join(self.outbox.root, *parts), "rb") as file:
                if hashlib.sha256(file.read()).hexdigest() != made.sha256:
                    return False
        except OSError:
            return False
        self.kept[name] = made
        return True

    def expect(self, parts: tuple[str, ...], key: str) -> None:
        """The page at ``parts`` is made from ``key`` in this build (:meth:`save` records it
        as written)."""
        self.pending["/".join(parts)] = key

    def gone(self) -> list[tuple[str, ...]]:
        """The pages the cache knew that this build neither kept nor made, sorted."""
        made = self.kept.keys() | self.pending.keys()
        return sorted(tuple(name.split("/")) for name in self.known.keys() - made)

    def save(self, pages: Mapping[tuple[str, ...], bytes]) -> None:
        """Write the pages kept, and those made (:meth:`expect`) as ``pages`` has them, once
        they are written; the others are forgotten."""
        for name, key in self.pending.items():
            page = pages.get(tuple(name.split("/")))
            if page is not None:
                self.kept[name] = Made(key, hashlib.sha256(page).hexdigest())
        records = {name: [made.key, made.sha256] for name, made in sorted(self.kept.items())}
        text = json.dumps({"version": self.version, "pages": records}, separators=(",", ":"))
        if text.encode("utf-8") == self.read:
            return
        temporary = self.path.with_name(f"{CACHE}.{os.getpid()}.tmp")
        try:
            temporary.write_bytes(text.encode("utf-8"))
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)


def page_version(settings: Settings, env: jinja2.Environment, templates: Iterable[str]) -> str:
    """What every cached page depends on beyond its key: the code that renders it and the
    libraries' versions, ``templates`` as the environment finds them, the catalogs, and the
    settings the pages' frame shows."""
    parts: list[Any] = [
        _FORMAT,
        [_source(name) for name in _CODE],
        [installed(library) for library in _LIBRARIES],
        settings.base_url,
        dict(settings.title),
        list(settings.languages),
    ]
    for name in templates:
        try:
            parts.append(env.loader.get_source(env, name)[0] if env.loader else None)
        except jinja2.TemplateError:
            parts.append(None)
    locale = locale_folder(settings.paths.templates)
    for lang in settings.languages:
        try:
            po = (locale / lang / "LC_MESSAGES" / "digest.po").read_bytes()
            parts.append(hashlib.sha256(po).hexdigest())
        except OSError:
            parts.append(None)
    data = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _source(name: str) -> str:
    """The SHA-256 of the source of ``digest.render.<name>``."""
    module = importlib.import_module(f"digest.render.{name}")
    try:
        return hashlib.sha256(Path(str(module.__file__)).read_bytes()).hexdigest()
    except OSError:
        return ""
