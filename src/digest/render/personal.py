"""A subscriber's own cut of an edition's email: their language order, their themes.

The build keeps, beside each variant's email, the view it was rendered from
(``view.<variant>.json``: every string already localised, the stories already fitted to
the size budget). ``digest send`` reads it back, puts the blocks in the subscriber's
order, keeps only the sections of their themes, and renders the email again, without
the store: what a subscriber gets is what the build chose, never news stored since.
A cut only removes stories, so a view within the budget stays within it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Collection, Sequence
from dataclasses import fields, is_dataclass, replace
from typing import Any

from digest.errors import RenderError
from digest.render.email import (
    BlockView,
    EmailRenderer,
    EmailView,
    Headline,
    PointView,
    SectionView,
)
from digest.render.email import SourceView as _SourceView


def view_name(variant: str) -> str:
    """The outbox file holding the view of ``variant`` (``fr-nl``)."""
    return f"view.{variant}.json"


def view_json(view: EmailView) -> bytes:
    """``view`` as JSON: the same view gives the same bytes."""
    text = json.dumps(_plain(view), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


#: The field names of each dataclass :func:`_plain` met.
_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    """What ``dataclasses.asdict`` makes of ``value``, as JSON writes it, without its
    deep copies (a fifth of an edition's email time at 100,000 items)."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is tuple or kind is list:
        return [_plain(each) for each in value]
    if kind is dict:
        return {_plain(key): _plain(each) for key, each in value.items()}
    names = _FIELDS.get(kind)
    if names is None:
        if not is_dataclass(value):
            return copy.deepcopy(value)  # as asdict leaves it
        names = _FIELDS[kind] = tuple(f.name for f in fields(value))
    return {name: _plain(getattr(value, name)) for name in names}


def view_from_json(data: bytes) -> EmailView:
    """The view :func:`view_json` wrote.

    Raises:
        RenderError: not such a view (damaged, or written by another version).
    """
    try:
        raw = json.loads(data.decode("utf-8"))
        blocks = tuple(_block(block) for block in raw.pop("blocks"))
        return EmailView(**raw, blocks=blocks)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise RenderError(f"not a view of an email: {exc}") from exc


def _block(raw: dict[str, Any]) -> BlockView:
    sections = tuple(
        SectionView(
            section["theme_id"],
            section["label"],
            tuple(_point(point) for point in section["points"]),
        )
        for section in raw.pop("sections")
    )
    headlines = tuple(Headline(**headline) for headline in raw.pop("headlines", ()))
    themes = tuple(raw.pop("elsewhere_themes", ()))
    return BlockView(**raw, sections=sections, headlines=headlines, elsewhere_themes=themes)


def _point(raw: dict[str, Any]) -> PointView:
    sources = tuple(_SourceView(**source) for source in raw.pop("sources"))
    return PointView(**raw, sources=sources)


def section_ids(view: EmailView) -> tuple[str, ...]:
    """The theme ids of the view's sections, in its order."""
    return tuple(section.theme_id for section in view.blocks[0].sections) if view.blocks else ()


def recut(
    renderer: EmailRenderer,
    view: EmailView,
    order: Sequence[str],
    themes: Collection[str] | None = None,
) -> EmailView | None:
    """``view`` with its blocks in ``order`` and, given ``themes``, only their sections.

    Args:
        order: the languages of the view's blocks, in the order to show them; a language
            the view has no block in is passed over.
        themes: theme ids (``general`` is the section of no theme); None keeps every one.

    Returns:
        The view (its subject, preview and story counts follow), or None when none of
        ``themes`` has a section in it.
    """
    by_lang = {block.lang: block for block in view.blocks}
    blocks = [by_lang[lang] for lang in order if lang in by_lang]
    if not blocks:
        return None
    if themes is not None:
        cut = []
        for block in blocks:
            sections = tuple(s for s in block.sections if s.theme_id in themes)
            stories = sum(len(s.points) for s in sections)
            summary = renderer.summary(block.lang, stories, len(sections))
            moved = tuple(theme for theme in block.elsewhere_themes if theme in themes)
            other = block.elsewhere_url.lstrip("#")
            cut.append(
                replace(
                    block,
                    sections=sections,
                    summary=summary,
                    headlines=tuple(h for h in block.headlines if h.theme_id in themes),
                    elsewhere_themes=moved,
                    elsewhere_note=renderer.builder.elsewhere_note(block.lang, len(moved), other),
                    elsewhere_url=block.elsewhere_url if moved else "",
                )
            )
        if not any(block.sections for block in cut):
            return None
        blocks = cut
    return renderer.with_blocks(view, blocks)


def render(renderer: EmailRenderer, view: EmailView) -> tuple[str, str]:
    """The HTML and plain text of ``view``."""
    return renderer.html(view), renderer.text(view)


__all__ = [
    "recut",
    "render",
    "section_ids",
    "view_from_json",
    "view_json",
    "view_name",
]
