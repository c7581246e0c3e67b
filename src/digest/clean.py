"""Text from a source made safe for every output: XML, MJML, mail headers, a terminal.

Everything here runs once, at normalisation (and again on what is read back from a
store written by an older version), and is linear in the size of its input: one
regular-expression pass or one nh3 pass per step, a fixed number of steps.

- :func:`clean_text` drops the characters no XML document, MJML template or mail
  body can carry: C0 controls other than tab and line feed (a carriage return becomes
  a line feed), DEL, C1 controls, Unicode noncharacters and lone surrogates.
- :func:`clean_line` does the same for a one-line field (a title, a name, a tag) and
  folds every line break and run of white space into one space, so no title can
  start a new mail header.
- :func:`plain_line` also removes anything that looks like markup, however many times
  it was entity-encoded: a one-line field is text, and some readers show an RSS
  title as HTML.
- :func:`safe_link` keeps a link only when a browser would read it as http(s) (or
  mailto, where allowed), after the normalisation browsers apply.
"""

from __future__ import annotations

import functools
import html as html_lib
import re
from urllib.parse import quote, urlsplit

import nh3

#: The version of the cleaning rules: of this module's functions and of what
#: :func:`digest.normalise.recleaned` does with them. A stored item carries the version it
#: was cleaned by, and one cleaned by this version is not cleaned again when read; any
#: change of what the rules make of some text must bump it (``tests/test_cleaning_version.py``
#: fails until it is), so that items stored before are cleaned again.
CLEANING_VERSION = 1

# Every character that is not surely carried: C0 but tab, line feed and carriage return;
# DEL and C1; noncharacters; lone surrogates; and every character beyond the BMP, of which
# only the noncharacters (U+1FFFE, U+1FFFF, ...) are not carried (:func:`_uncarried`).
# One negated class of ranges: about ten times faster than listing the 34 astral
# noncharacters in the class, which made this a third of the cost of an ingest.
_SUSPECT = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd]")
_CR = re.compile("\r\n?")
# What a browser reads as the start of a tag, a comment or a declaration.
_TAG_LIKE = re.compile(r"<[a-zA-Z/!?]")
# nh3 with no tag allowed: the text of a fragment, scripts and styles dropped with their content.
_TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags={"script", "style"}, attributes={})
#: Rounds of entity decoding and tag stripping for a one-line field: enough for any
#: encoding depth seen in feeds (double-escaped titles are common, triple rare).
DECODE_ROUNDS = 4
#: Link schemes allowed in an item's own link, and those allowed in a body's links.
WEB_SCHEMES = frozenset({"http", "https"})
BODY_SCHEMES = frozenset({"http", "https", "mailto"})
# Browsers remove ASCII tab and newline anywhere in a URL, and C0 controls and spaces at its ends.
_URL_REMOVED = re.compile("[\t\n\r]")
_URL_ENDS = "".join(chr(c) for c in range(0x21)) + "\x7f"
_SPACE = re.compile(r"\s")


def _uncarried(character: str) -> bool:
    """Whether a character :data:`_SUSPECT` found is one no output can carry."""
    # Below U+10000 every suspect is; beyond, only the noncharacters U+xFFFE and U+xFFFF.
    return character <= "\uffff" or ord(character) & 0xFFFE == 0xFFFE


def _drop(match: re.Match[str]) -> str:
    return "" if _uncarried(match.group(0)) else match.group(0)


def clean_text(text: str) -> str:
    """``text`` without the characters no output can carry; line breaks become ``\\n``."""
    if "\r" in text:
        text = _CR.sub("\n", text)
    return _SUSPECT.sub(_drop, text) if has_uncarried(text) else text


def has_uncarried(text: str) -> bool:
    """Whether ``text`` holds a character :func:`clean_text` removes (a CR is carried)."""
    # Most texts hold no suspect at all: one search answers, without a generator.
    if _SUSPECT.search(text) is None:
        return False
    return any(_uncarried(m.group(0)) for m in _SUSPECT.finditer(text))


def uncarried_escaped(text: str) -> str:
    """``text`` with each character no output can carry percent-encoded (for ids)."""

    def escaped(match: re.Match[str]) -> str:
        found = match.group(0)
        return quote(found, errors="surrogatepass") if _uncarried(found) else found

    return _SUSPECT.sub(escaped, text)


def clean_line(text: str) -> str:
    """One line of text: :func:`clean_text`, every run of white space one space, ends trimmed."""
    return " ".join(clean_text(text).split())


def plain_line(text: str) -> str:
    """One line of plain text with no markup in it, even after any number of decodings.

    Entities are decoded and tags removed (a script's or a style's content with them)
    until neither changes anything, so ``&amp;lt;script&amp;gt;`` cannot become a tag in
    a reader that decodes once more. A lone ``<`` that starts no tag ("x < y") stays.
    """
    text = clean_line(text)
    for _ in range(DECODE_ROUNDS):
        decoded = html_lib.unescape(text)
        if "<" in decoded and _TAG_LIKE.search(decoded):
            decoded = html_lib.unescape(_TEXT_ONLY.clean(decoded))
        decoded = clean_line(decoded)
        if decoded == text:
            break
        text = decoded
    if _TAG_LIKE.search(text):  # still tag-like after the last round: drop the '<'s
        text = clean_line(text.replace("<", " "))
    return text


def has_markup(text: str) -> bool:
    """Whether ``text`` holds a tag, a comment or a declaration, as is or once or twice decoded."""
    for _ in range(3):
        if _TAG_LIKE.search(text):
            return True
        if "&" not in text:
            return False
        text = html_lib.unescape(text)
    return False


def safe_link(url: str, schemes: frozenset[str] = WEB_SCHEMES) -> str | None:
    """``url`` when a browser would follow it with one of ``schemes``, else None.

    The scheme is read as a browser reads it: after character references are decoded
    (``jav&#x09;ascript:``), tabs and newlines removed anywhere and controls and spaces
    trimmed at the ends, case-insensitively. An http(s) link must name a host. The link
    returned has the tabs, newlines, controls and end spaces removed and inner spaces
    percent-encoded; nothing else is changed: character references are the parser's to
    decode, once (see :func:`digest.normalise.canonical_url` for the canonical form).
    """
    link = _URL_REMOVED.sub("", clean_text(url)).strip(_URL_ENDS)
    decoded = _URL_REMOVED.sub("", html_lib.unescape(link)).strip(_URL_ENDS)
    scheme, colon, _rest = decoded.partition(":")
    if not colon or scheme.lower() not in schemes or not scheme.isascii():
        return None
    if link.partition(":")[0].lower() != scheme.lower():
        return None  # a scheme written with character references: no plain link
    if _SPACE.search(link):  # as a browser does: inner spaces percent-encoded
        link = _SPACE.sub(lambda m: quote(m.group(0)), link)
    if scheme.lower() in WEB_SCHEMES:
        try:
            parts = urlsplit(link)
            host = parts.hostname
        except ValueError:
            return None
        if not host or not parts.netloc:
            return None
    return link


@functools.lru_cache(maxsize=64)
def safe_web_link(url: str) -> str | None:
    """:func:`safe_link` of an entry's own link, remembered for the last few: a feed's
    reader checks each entry's link and normalisation checks it again right after."""
    return safe_link(url)


def terminal_safe(text: str) -> str:
    """``text`` with control characters shown as escapes, so a title cannot drive a terminal."""
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
