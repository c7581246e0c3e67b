"""What feeds show of a manifest: its texts plain, its HTML sanitised by nh3.

A feed reader may show an RSS title as HTML, and ``<script>`` shown as text is still no key
point: titles and texts are made plain; the HTML of an entry keeps structure and absolute
http(s) links only, nothing active.
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import nh3

# What a feed reader may show: structure and links, nothing active, no relative URL.
_CLEANER = nh3.Cleaner(
    tags={"p", "h2", "h3", "ul", "ol", "li", "a", "strong", "em", "b", "i", "br", "blockquote"},
    clean_content_tags={"script", "style"},
    attributes={"a": {"href", "hreflang"}, "*": {"lang"}},
    url_schemes={"http", "https"},
    url_relative="deny",
    link_rel="noopener noreferrer",
)
# Titles are text, but many readers show an RSS title as HTML: no markup gets through.
_TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags={"script", "style"}, attributes={})
_SPACES = re.compile(r"[ \t\r\n]+")

#: Plain manifest views (:func:`plain_view`) by edition id and language.
PlainViews = dict[tuple[str, str], dict[str, Any]]


def sanitise(markup: str) -> str:
    """HTML a feed reader can show safely: no script, no style, only absolute http(s) links."""
    return str(_CLEANER.clean(markup)).strip()


def plain(text: str) -> str:
    """``text`` without anything that looks like markup (a script's content included)."""
    # Only ASCII white space is collapsed: Babel's narrow no-break spaces stay where they are.
    return _SPACES.sub(" ", html_lib.unescape(_TEXT_ONLY.clean(text))).strip()


def plain_view(manifest: dict[str, Any], lang: str, views: PlainViews | None) -> dict[str, Any]:
    """The manifest's ``lang`` view made plain, once per edition and language in ``views``."""
    if views is None:
        return _plain_view(manifest["views"][lang])
    key = (str(manifest["edition"]), lang)
    if key not in views:
        views[key] = _plain_view(manifest["views"][lang])
    return views[key]


def _plain_view(view: dict[str, Any]) -> dict[str, Any]:
    """A manifest view whose texts are all plain: markup in a title or a text is dropped.

    Templates escape what they show, but a reader may show an RSS title as HTML, and
    ``<script>`` shown as text is still no key point.
    """
    texts = ("title", "period_label", "summary")
    return {
        **view,
        **{key: plain(view[key]) for key in texts},
        "sections": [
            {
                **section,
                "label": plain(section["label"]),
                "points": [
                    {**point, "title": plain(point["title"]), "text": plain(point["text"])}
                    for point in section["points"]
                ],
            }
            for section in view["sections"]
        ],
    }
