"""A scan of a built outbox for anything a browser, a mail client or a feed reader would run.

Every file is parsed as its reader would parse it: HTML with a real HTML parser (the
standard library's, which decodes character references in attributes as browsers do),
``.eml`` messages with the email package (each part by its type), feeds with an XML parser
and then each HTML-bearing element with the HTML parser. Text fields of feeds (titles,
authors, categories) must be plain text, since many readers show them as HTML.
"""

from __future__ import annotations

import email
import email.policy
import gzip
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

#: Elements that run code, load another document, or send or redirect the reader.
FORBIDDEN_TAGS = frozenset(
    "script iframe frame frameset object embed applet form base isindex portal".split()
)
#: Attributes that hold a URL the reader may load or follow.
URL_ATTRIBUTES = frozenset(
    "href src action formaction background poster srcset xlink:href dynsrc lowsrc data".split()
)
#: What a style may not contain (after CSS escapes and comments are undone).
FORBIDDEN_STYLE = (
    "expression(", "javascript:", "vbscript:", "-moz-binding", "behavior:", "@import"
)  # fmt: skip
#: Schemes that run code wherever a URL is taken (SVG's ``to``/``values``, ``<math href>``).
SCRIPT_SCHEMES = frozenset(("javascript", "vbscript", "livescript"))
#: Feed elements (local names) that are text for the reader, never markup.
TEXT_FIELDS = frozenset("title name author creator category".split())
#: Feed elements whose content is HTML.
HTML_FIELDS = frozenset("description encoded content summary".split())
#: Feed elements whose text is a link.
LINK_FIELDS = frozenset("link comments uri icon logo".split())

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_TAG_LIKE = re.compile(r"<[A-Za-z!/?]")
_CSS_ESCAPE = re.compile(r"\\([0-9A-Fa-f]{1,6})\s?|\\(.)")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see in ``url``, lower case; None for a relative URL.

    Browsers strip leading and trailing C0 controls and spaces and drop every tab and
    line break before reading the scheme, so ``" java\\tscript:"`` is ``javascript``.
    """
    cleaned = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(0x21))))
    match = _SCHEME.match(cleaned)
    return match[1].lower() if match else None


def unsafe_url(url: str, *, mailto: bool) -> bool:
    """Whether ``url`` is neither relative nor http(s) (nor mailto, where allowed)."""
    scheme = url_scheme(url)
    allowed = ("http", "https", "mailto") if mailto else ("http", "https")
    return scheme is not None and scheme not in allowed


def _css(text: str) -> str:
    text = _CSS_COMMENT.sub("", text)
    text = _CSS_ESCAPE.sub(lambda m: chr(int(m[1], 16)) if m[1] else m[2], text)
    return re.sub(r"\s+", "", text).lower()


class _Scanner(HTMLParser):
    def __init__(self, where: str) -> None:
        super().__init__(convert_charrefs=True)
        self.where = where
        self.problems: list[str] = []
        self._in_style = False

    def _flag(self, what: str) -> None:
        self.problems.append(f"{self.where}: {what}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        shown = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"[:200]
        if tag in FORBIDDEN_TAGS:
            self._flag(f"forbidden element {shown}")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self._flag(f"event attribute {name} in {shown}")
            elif name in URL_ATTRIBUTES:
                urls = [u.strip().split(" ")[0] for u in value.split(",")]
                urls = urls if name == "srcset" else [value]
                if any(unsafe_url(u, mailto=name == "href") for u in urls):
                    self._flag(f"unsafe {name} {value!r} in {shown}")
            elif name == "style" and any(s in _css(value) for s in FORBIDDEN_STYLE):
                self._flag(f"unsafe style {value!r} in {shown}")
            elif url_scheme(value) in SCRIPT_SCHEMES:
                self._flag(f"script URL in {name} {value!r} in {shown}")
        if tag == "meta":
            values = {k: (v or "").strip().lower() for k, v in attrs}
            equiv = values.get("http-equiv", "")
            if equiv in ("refresh", "set-cookie") or "utf-7" in values.get("content", ""):
                self._flag(f"meta {equiv} {shown}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style and any(s in _css(data) for s in FORBIDDEN_STYLE):
            self._flag(f"unsafe <style> content {data[:120]!r}")


def scan_html(markup: str, where: str) -> list[str]:
    """What in ``markup`` would run code, load or follow an unsafe URL, or redirect."""
    scanner = _Scanner(where)
    scanner.feed(markup)
    scanner.close()
    return scanner.problems


def scan_text(text: str, where: str) -> list[str]:
    """The links of a plain-text part that are not http(s) or mailto.

    A plain-text part is never read as HTML; what a mail client may turn into a link is
    an address on a line of its own under an item's "source · date" line, and the address
    that ends a "label: address" line. Other lines are text, which may quote anything.
    """
    problems = []
    lines = text.splitlines()
    for before, line in zip(["", *lines], lines, strict=False):
        words = line.split()
        if len(words) == 1 and " · " in before:
            link = words[0]
        elif len(words) > 1 and words[-2].endswith(":") and "://" in words[-1]:
            link = words[-1]
        else:
            continue
        if unsafe_url(link, mailto=True):
            problems.append(f"{where}: unsafe link line {line.strip()!r}")
    return problems


#: Characters no output file should hold: C0 and C1 controls but tab and line breaks, and
#: the noncharacters U+FFFE and U+FFFF.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def scan_controls(text: str, where: str) -> list[str]:
    """Control characters in a text file (a terminal escape, a NUL that ends a string)."""
    return [
        f"{where}: control character U+{ord(m[0]):04X} in {text[max(0, m.start() - 40) : m.end() + 20]!r}"
        for m in _CONTROL.finditer(text)
    ]


def scan_message(data: bytes, where: str) -> list[str]:
    """Each part of an RFC 5322 message by its type."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    problems = []
    for index, part in enumerate(message.walk()):
        content_type = part.get_content_type()
        if part.is_multipart():
            continue
        content = part.get_content()
        label = f"{where} part {index} ({content_type})"
        if content_type == "text/html":
            problems += scan_html(content, label)
        elif content_type == "text/plain":
            problems += scan_text(content, label)
        else:
            problems.append(f"{label}: unexpected part type")
    return problems


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def scan_feed(data: bytes, where: str) -> list[str]:
    """An RSS or Atom document: text fields as text, HTML fields as HTML, links http(s)."""
    problems = []
    for element in ElementTree.fromstring(data).iter():
        name = _local(element.tag)
        label = f"{where} <{name}>"
        text = "".join(element.itertext()) if name in HTML_FIELDS else (element.text or "")
        kind = element.get("type", "")
        if name in HTML_FIELDS or (name == "title" and kind == "html"):
            problems += scan_html(text, label)
        elif name in TEXT_FIELDS and _TAG_LIKE.search(text):
            problems.append(f"{label}: markup in a text field {text[:160]!r}")
        if name in LINK_FIELDS and text.strip() and unsafe_url(text, mailto=False):
            problems.append(f"{label}: unsafe link {text!r}")
        for attribute in ("href", "url", "src", "term", "label"):
            value = element.get(attribute)
            if value is None:
                continue
            if attribute in ("term", "label"):
                if _TAG_LIKE.search(value):
                    problems.append(f"{label}: markup in {attribute} {value[:160]!r}")
            elif unsafe_url(value, mailto=False):
                problems.append(f"{label}: unsafe {attribute} {value!r}")
    return problems


#: The archive's search: Pagefind's own runtime (scripts, styles, WebAssembly, the binary
#: word index) and the page script that starts it are not made from the sources. The
#: indexed text is, in the gzipped JSON "fragments", which Pagefind escapes (``<``, ``>``)
#: before it builds an excerpt.
SEARCH_RUNTIME = re.compile(r"web/(?:search\.js|pagefind/(?!fragment/).*)")
#: The only scripts the archive's search pages may load.
SEARCH_SCRIPTS = re.compile(r'<script src="\.\./(?:pagefind/pagefind-ui|search)\.js"></script>')


def scan_fragment(data: bytes, where: str) -> list[str]:
    """A Pagefind fragment: its text holds no control character and its link is a path of
    the archive."""
    text = gzip.decompress(data).decode("utf-8")
    fragment = json.loads(text[text.index("{") :])
    problems = scan_controls(json.dumps(fragment, ensure_ascii=False), where)
    if url_scheme(fragment["url"]) is not None or not fragment["url"].startswith("/"):
        problems.append(f"{where}: link {fragment['url']!r} leaves the archive")
    return problems


def scan_outbox(outbox: Path) -> Iterator[str]:
    """Every problem in every file of ``outbox``; a file of an unknown type is one too."""
    for path in sorted(p for p in outbox.rglob("*") if p.is_file()):
        where = str(path.relative_to(outbox))
        if any(part.startswith(".") for part in path.relative_to(outbox).parts):
            continue  # the build's lock and temporary files: never published
        if SEARCH_RUNTIME.fullmatch(where):
            continue
        data = path.read_bytes()
        if path.suffix == ".pf_fragment":
            yield from scan_fragment(data, where)
            continue
        yield from scan_controls(data.decode("utf-8", errors="replace"), where)
        if path.name == "search.html":
            yield from scan_html(SEARCH_SCRIPTS.sub("", data.decode("utf-8")), where)
        elif path.suffix == ".html":
            yield from scan_html(data.decode("utf-8"), where)
        elif path.suffix == ".txt":
            yield from scan_text(data.decode("utf-8"), where)
        elif path.suffix == ".eml":
            yield from scan_message(data, where)
        elif path.suffix in (".xml", ".atom"):
            yield from scan_feed(data, where)
        elif path.suffix != ".json":  # manifests: read by tools, never shown
            yield f"{where}: a file type the scan does not know"
