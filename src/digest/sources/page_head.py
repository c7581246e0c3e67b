"""What :func:`digest.sources.formats.read_html` reads of a web page besides its main text:
the page's head (language, canonical link, meta and article tags), and the clean-up of
trafilatura's output."""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


class PageHead(HTMLParser):
    """What a web page's head says about it: its language, canonical link, meta tags and
    article tags."""

    # The standard parser suffices for a handful of attributes, and unlike trafilatura's
    # metadata it keeps the canonical link apart from og:url and reads <html lang>.
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.canonical: str | None = None
        self.meta: dict[str, str] = {}
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v for k, v in attrs if v is not None}
        if tag == "html" and self.lang is None:
            self.lang = values.get("lang") or values.get("xml:lang")
        elif tag == "link" and "canonical" in values.get("rel", "").lower().split():
            self.canonical = self.canonical or values.get("href")
        elif tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            content = values.get("content")
            if key and content:
                if key == "article:tag":
                    self.tags.append(content)
                self.meta.setdefault(key, content)

    def url(self) -> str | None:
        """The canonical link, else og:url; absolute http(s) only."""
        og_url = self.meta.get("og:url")
        for candidate in (self.canonical, og_url):
            if candidate:
                try:
                    absolute = urljoin(og_url or "", candidate.strip())
                    if urlsplit(absolute).scheme in ("http", "https"):
                        return absolute
                except ValueError:  # "http://[x": not a URL; the next candidate may be
                    continue
        return None


def strip_document(markup: str) -> str:
    """The markup without the document wrapper trafilatura puts around its output."""
    markup = re.sub(r"^\s*<html>\s*<body>\s*", "", markup)
    return re.sub(r"\s*</body>\s*</html>\s*$", "", markup)


def drop_title_heading(markup: str, title: str) -> str:
    """The markup without a leading <h1> that only repeats the title."""
    # trafilatura keeps the page's <h1>; it is the title, shown apart, not body text.
    heading = re.match(r"\s*<h1>(.*?)</h1>\s*", markup, re.DOTALL)
    if heading and " ".join(html_lib.unescape(heading.group(1)).split()) == " ".join(title.split()):
        return markup[heading.end() :]
    return markup
