"""The editor's note of an edition: an optional Markdown file that opens the email.

One file per edition and language, ``<sources>/notes/<edition-id>.<lang>.md``
(``sources/notes/weekly-2025-W47.fr.md``); a language without its file has no note.
The Markdown is rendered by markdown-it-py with raw HTML turned off (as article files
are), then cleaned by nh3 to the few tags an email shows everywhere, links ``http(s)``
only. A note that cannot be read whole is never a reason to stop a build: bytes that
are not UTF-8 are replaced, and a note beyond :data:`NOTE_BYTES` is cut.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import nh3
from markdown_it import MarkdownIt

from digest.render.typography import spaced

#: Folder of the notes, under the sources folder.
NOTES = "notes"
#: Bytes of a note read at most.
NOTE_BYTES = 20_000

_markdown = MarkdownIt("commonmark", {"html": False})
_CLEANER = nh3.Cleaner(
    tags={"p", "ul", "ol", "li", "a", "strong", "em", "br", "blockquote"},
    clean_content_tags={"script", "style"},
    attributes={"a": {"href"}},
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",
    link_rel="noopener",
)
_TAGS = re.compile(r"<[^>]*>")
_LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
_BLANKS = re.compile(r"\n{3,}")
_RUNS = re.compile(r" {2,}")


@dataclass(frozen=True)
class Note:
    """An editor's note, ready for the email's HTML and its text part."""

    html: str
    text: str


def note_path(sources: Path, edition_id: str, lang: str) -> Path:
    """Where the note of ``edition_id`` in ``lang`` is read from."""
    return sources / NOTES / f"{edition_id}.{lang}.md"


def read_note(sources: Path, edition_id: str, lang: str) -> Note | None:
    """The note of ``edition_id`` in ``lang``, or None when there is none (or it is empty)."""
    path = note_path(sources, edition_id, lang)
    try:
        with path.open("rb") as handle:
            data = handle.read(NOTE_BYTES)
    except OSError:
        return None
    return render_note(data.decode("utf-8", errors="replace"), lang)


def render_note(markdown: str, lang: str) -> Note | None:
    """``markdown`` as a sanitised note in ``lang`` (with its spacing rules)."""
    source = spaced(lang, markdown.replace("\r\n", "\n")).strip()
    if not source:
        return None
    markup = str(_CLEANER.clean(_markdown.render(source))).strip()
    text = _as_text(markup)
    return Note(markup, text) if text else None


def _as_text(markup: str) -> str:
    """The note's cleaned HTML as plain text: paragraphs, ``- `` items, links' addresses."""
    flat = _LINK.sub(lambda m: f"{m.group(2)} ({html.unescape(m.group(1))})", markup)
    flat = flat.replace("\n", " ").replace("</p>", "\n\n").replace("<br />", "\n")
    flat = flat.replace("<li>", "\n- ").replace("</ul>", "\n\n").replace("</ol>", "\n\n")
    text = html.unescape(_TAGS.sub("", flat))
    lines = (_RUNS.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip()
