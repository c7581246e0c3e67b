"""RSS 2.0 feeds of editions, one per language, made with feedgen from outbox manifests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import jinja2
from feedgen.feed import FeedGenerator

from digest.config import Settings
from digest.render.i18n import Catalogs


def editions_feed(
    settings: Settings,
    catalogs: Catalogs,
    env: jinja2.Environment,
    lang: str,
    manifests: Sequence[dict[str, Any]],
) -> bytes:
    """The RSS feed of every edition (newest first) that has a ``lang`` view."""
    base = settings.base_url
    self_url = f"{base}feeds/editions.{lang}.xml"
    chosen = sorted(
        (m for m in manifests if lang in m["views"]),
        key=lambda m: (m["published"], m["edition"]),
    )
    feed = FeedGenerator()
    feed.load_extension("dc", atom=False, rss=True)
    feed.title(settings.title[lang])  # type: ignore[index]
    # feedgen writes the last link it was given as the channel's <link>: the site goes last.
    feed.link(href=self_url, rel="self", type="application/rss+xml")
    feed.link(href=base, rel="alternate")
    feed.description(catalogs.t(lang, "Key points of each edition, with links to their sources."))
    feed.language(lang)
    feed.generator("digest")
    template = env.get_template("feeds/edition.html.j2")
    latest: datetime | None = None
    for manifest in chosen:
        view = manifest["views"][lang]
        published = datetime.fromisoformat(manifest["published"])
        latest = published if latest is None or published > latest else latest
        url = f"{base}editions/{manifest['edition']}/email.{lang}.html"
        entry = feed.add_entry(order="prepend")
        entry.title(f"{view['title']} · {view['period_label']}")
        entry.link(href=url)
        entry.guid(f"{base}editions/{manifest['edition']}#{lang}", permalink=False)
        entry.pubDate(published)
        entry.description(template.render(view=view, lang=lang))
    if latest is not None:
        # feedgen would stamp the current time; the newest edition keeps the output stable.
        feed.lastBuildDate(latest)
        feed.pubDate(latest)
    return bytes(feed.rss_str(pretty=True))
