"""What the feeds read of the outbox's edition manifests (:mod:`digest.render.feeds`): the
editions newest first, their story points, their dates and links, a manifest without an
expected field as a :class:`RenderError`; and the feeds' templates, rendered and sanitised.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import jinja2

from digest.errors import RenderError
from digest.render.feed_text import sanitise

__all__ = [
    "is_absolute",
    "manifest_errors",
    "newest_first",
    "published_at",
    "render_entry",
    "story_points",
    "template_of",
]


def newest_first(manifests: Iterable[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The manifests with a view in ``lang``, the newest edition first."""
    chosen = [m for m in manifests if lang in m["views"]]
    return sorted(chosen, key=lambda m: (published_at(m), m["edition"]), reverse=True)


def story_points(
    manifest: dict[str, Any], view: dict[str, Any], lang: str
) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(theme, label, story id, key point) of each story of ``view``, in the edition's order.

    A section's points are its stories in the manifest's ``stories`` order.
    """
    stories: dict[str, list[str]] = {}
    for story in manifest["stories"]:
        stories.setdefault(story["section"], []).append(story["id"])
    for section in view["sections"]:
        ids = stories.get(section["theme"], [])
        if len(ids) != len(section["points"]):
            raise RenderError(
                f"{manifest['edition']}: theme {section['theme']} has {len(ids)} stories "
                f"but {len(section['points'])} key points in {lang}"
            )
        for story_id, point in zip(ids, section["points"], strict=True):
            yield section["theme"], section["label"], story_id, point


@contextmanager
def manifest_errors() -> Iterator[None]:
    """Turn a manifest without an expected field into a :class:`RenderError`."""
    try:
        yield
    except (KeyError, TypeError, ValueError) as exc:
        raise RenderError(f"an edition manifest in the outbox is not usable: {exc!r}") from exc


def published_at(manifest: dict[str, Any]) -> datetime:
    """When the manifest's edition was published (UTC); a date without timezone is a
    :class:`RenderError`."""
    published = datetime.fromisoformat(manifest["published"])
    if published.tzinfo is None:
        raise RenderError(f"{manifest['edition']}: published date has no timezone")
    return published.astimezone(UTC)


def is_absolute(url: object) -> bool:
    """Whether ``url`` is an absolute http(s) address."""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def template_of(env: jinja2.Environment, name: str) -> jinja2.Template:
    """The feed template ``name``; a missing or broken one is a :class:`RenderError`."""
    try:
        return env.get_template(name)
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"feed template {name} not found") from exc
    except jinja2.TemplateError as exc:
        raise RenderError(f"feed template {name}: {exc}") from exc


def render_entry(template: jinja2.Template, **context: Any) -> str:
    """An entry's HTML from ``template``, sanitised (:func:`digest.render.feed_text.sanitise`)."""
    try:
        return sanitise(template.render(**context))
    except jinja2.TemplateError as exc:
        raise RenderError(f"feed template {template.name}: {exc}") from exc
