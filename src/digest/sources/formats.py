"""Readers for the article file formats, one function per format.

Each reader takes the decoded text of one file and returns the articles it holds:
one, or several for a JSON list. A problem that spoils the whole file raises
:class:`BadArticle`; one that spoils a single object of a JSON list, or that is
worked around, is handed to ``note`` and the reader goes on. :data:`READERS`
maps each file extension to its reader.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from digest.sources.page_head import PageHead, drop_title_heading, strip_document

# The readers' libraries (trafilatura, htmldate, PyYAML, markdown-it: a second or more
# to import) are imported by the reader that needs them: a build whose article files
# are all unchanged reads none of them.
if TYPE_CHECKING:
    from markdown_it import MarkdownIt

#: Called with what was wrong and what was done, for problems that do not spoil the file.
Note = Callable[[str, str], None]


@cache
def markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # Raw HTML in Markdown is turned off: article bodies are text, not markup to trust.
    return MarkdownIt("commonmark", {"html": False})


class BadArticle(Exception):
    """A file that cannot become any entry; the message says why."""


@dataclass(frozen=True)
class Article:
    """One entry as a format reader found it, before it becomes a ``RawEntry``."""

    title: str
    #: The date as written: a datetime, a date, a string, or None.
    published: object
    #: Body as HTML (sanitised later, by normalisation).
    html: str = ""
    url: str | None = None
    language: str | None = None
    #: Human name of the publisher.
    source: str | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: Key of the entry this one translates (file stem of the original).
    translation_of: str | None = None
    #: Position in a JSON list, which becomes part of the key; None for a whole file.
    index: int | None = None


Reader = Callable[[str, str, Note], list[Article]]


# --- Markdown and plain text: YAML front matter -------------------------------------------

_FRONT_TEXT_KEYS = ("url", "lang", "source", "translation_of")
_FRONT_LIST_KEYS = ("authors", "author", "tags", "themes")
# A plain-text file has nowhere else to say when it was published.
_NAME_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?!\d)")


def read_markdown(text: str, name: str, note: Note) -> list[Article]:
    """Markdown with a YAML front matter, which is required and holds at least the title."""
    meta, body = split_front_matter(text)
    if meta is None:
        raise BadArticle("no YAML front matter (the file must start with a '---' line)")
    return [_from_front_matter(meta, html=markdown().render(body))]


def read_text(text: str, name: str, note: Note) -> list[Article]:
    """Plain text: the first non-empty line is the title, blank lines separate paragraphs.

    An optional YAML front matter (as in Markdown) comes first; its title, when it has
    one, wins and the first line stays in the body. Without a front matter date, a
    ``YYYY-MM-DD`` at the start of the file name is the date.
    """
    meta, body = split_front_matter(text)
    title: str | None = None
    declared = (meta or {}).get("title")
    if not (isinstance(declared, str) and declared.strip()):
        lines = body.lstrip().split("\n", 1)
        title = lines[0].strip()
        body = lines[1] if len(lines) > 1 else ""
        if not title:
            raise BadArticle("no title line after the front matter")
    named = _NAME_DATE.match(name)
    return [
        _from_front_matter(
            meta or {},
            html=text_to_html(body),
            default_title=title,
            default_date=named.group(1) if named else None,
        )
    ]


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs: blank lines separate them, everything is escaped."""
    paragraphs = (p.strip() for p in re.split(r"\n[ \t]*\n", text))
    return "\n".join(f"<p>{html_lib.escape(p)}</p>" for p in paragraphs if p)


def split_front_matter(text: str) -> tuple[dict[Any, Any] | None, str]:
    """The YAML front matter (None when the text has none) and the rest of the text.

    Raises:
        BadArticle: the front matter is not closed, not YAML, or not a mapping.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            header = "".join(lines[1:index])
            body = "".join(lines[index + 1 :])
            break
    else:
        raise BadArticle("front matter is not closed by a '---' line")
    import yaml

    try:
        meta = _yaml(header)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise BadArticle(f"front matter is not valid YAML{where}") from exc
    except ValueError as exc:
        # PyYAML builds timestamps itself and lets datetime's error through (2021-02-30).
        raise BadArticle(f"front matter has an impossible date ({exc})") from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise BadArticle("front matter is not a mapping of keys to values")
    return meta, body


def _yaml(header: str) -> Any:
    """``yaml.safe_load`` of a front matter, by libyaml's parser when PyYAML has it (ten
    times faster: a tenth of an incremental build's reading went to the pure-Python one).

    Its constructors and resolver are the same, so are the values. A header libyaml
    refuses is loaded again by the pure-Python parser: what it accepts is read as before,
    and what it refuses is reported with its message and line, as before.
    """
    import yaml

    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.load(header, Loader=fast)  # the safe loader, in C
        except Exception:  # whatever it is, the pure-Python parser decides
            pass
    return yaml.safe_load(header)


def _from_front_matter(
    meta: dict[Any, Any],
    *,
    html: str,
    default_title: str | None = None,
    default_date: str | None = None,
) -> Article:
    title = meta.get("title")
    if title is not None and not isinstance(title, str):
        raise BadArticle("front matter 'title' must be text")
    title = (title or "").strip() or default_title
    if not title:
        raise BadArticle("front matter has no text 'title'")
    published = meta.get("date")
    if published is not None and not isinstance(published, str | date):
        raise BadArticle("front matter 'date' must be a date")
    texts: dict[str, str | None] = {}
    for key in _FRONT_TEXT_KEYS:
        value = meta.get(key)
        # A YAML bool is refused: `lang: no` would otherwise become "False".
        if value is not None and (isinstance(value, bool) or not _is_scalar(value)):
            raise BadArticle(f"front matter {key!r} must be text")
        texts[key] = _clean(value)
    lists: dict[str, tuple[str, ...]] = {}
    for key in _FRONT_LIST_KEYS:
        value = meta.get(key)
        if isinstance(value, list) and all(v is None or _is_scalar(v) for v in value):
            lists[key] = tuple(t for t in map(_clean, value) if t)
        elif value is None or _is_scalar(value):
            single = _clean(value)
            lists[key] = (single,) if single else ()
        else:
            raise BadArticle(f"front matter {key!r} must be a list of text")
    return Article(
        title=title,
        published=published if published is not None else default_date,
        html=html,
        url=texts["url"],
        language=texts["lang"],
        source=texts["source"],
        authors=lists["authors"] or lists["author"],
        tags=lists["tags"],
        translation_of=texts["translation_of"],
    )


def _is_scalar(value: object) -> bool:
    return isinstance(value, str | int | float | date) and not isinstance(value, bool)


def _clean(value: object) -> str | None:
    if value is None:
        return None
    return str(value).strip() or None


# --- HTML pages ----------------------------------------------------------------------------


def read_html(text: str, name: str, note: Note) -> list[Article]:
    """A web page: its main content (trafilatura) and what its head says about it.

    The date comes from the page only, never from the file, so that reading is
    deterministic: first what its metadata declares (:mod:`digest.sources.page_dates`),
    else htmldate's reading of it (original date, no guessing from free text or URLs).
    """
    import htmldate
    import trafilatura

    from digest.sources.page_dates import declared_date

    page = PageHead()
    page.feed(text)
    page.close()
    metadata = trafilatura.extract_metadata(text, extensive=False)
    title = (metadata.title or "").strip() if metadata is not None else ""
    if not title:
        raise BadArticle("no title in the page (no <title>, og:title or <h1>)")
    body = trafilatura.extract(
        text,
        output_format="html",
        include_comments=False,
        favor_precision=True,
        include_formatting=True,
        include_tables=True,
        include_images=False,
        include_links=False,
    )
    if not body:
        raise BadArticle("no main text found in the page")
    # What the page's metadata declares wins; htmldate's heuristics only for a page that
    # declares nothing (they lose a page's date when it holds a <figure><img>).
    published = declared_date(text) or htmldate.find_date(
        text,
        extensive_search=False,
        original_date=True,
        outputformat="%Y-%m-%dT%H:%M:%S%z",
    )
    sitename = metadata.sitename if metadata is not None else None
    return [
        Article(
            title=title,
            published=published,
            html=drop_title_heading(strip_document(body), title),
            url=page.url(),
            language=_clean(page.lang or page.meta.get("og:locale")),
            source=_clean(page.meta.get("og:site_name") or sitename),
            authors=tuple(a for a in (_clean(page.meta.get("author")),) if a),
            tags=tuple(t for t in map(_clean, page.tags) if t),
        )
    ]


# --- JSON ----------------------------------------------------------------------------------

_JSON_TEXT_KEYS = ("url", "lang", "source", "translation_of", "body", "html")
_JSON_LIST_KEYS = ("authors", "tags", "themes")
_JSON_KEYS = frozenset(("title", "date", *_JSON_TEXT_KEYS, *_JSON_LIST_KEYS))


def read_json(text: str, name: str, note: Note) -> list[Article]:
    """One object, or a list of objects, with the keys of a front matter plus a body.

    An object with a field of the wrong type is noted and left out; the others are read.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise BadArticle(f"not valid JSON ({where}: {exc.msg})") from exc
    except RecursionError:
        raise BadArticle("not valid JSON (nested too deeply)") from None
    if isinstance(data, dict):
        objects: list[tuple[int | None, object]] = [(None, data)]
    elif isinstance(data, list) and data:
        objects = list(enumerate(data))
    else:
        raise BadArticle("JSON must be an object or a non-empty list of objects")
    unknown = sorted({str(k) for _, o in objects if isinstance(o, dict) for k in o} - _JSON_KEYS)
    if unknown:
        keys = ", ".join(repr(k) for k in unknown)
        note(f"unknown key{'s' if len(unknown) > 1 else ''} {keys}", "ignored")
    articles = []
    for index, item in objects:
        where = "" if index is None else f"object #{index}: "
        if not isinstance(item, dict):
            note(f"{where}not a JSON object", "skipped")
            continue
        try:
            articles.append(_from_json(item, index, where, note))
        except BadArticle as exc:
            note(f"{where}{exc}", "skipped")
    return articles


def _from_json(item: dict[str, Any], index: int | None, where: str, note: Note) -> Article:
    errors: list[str] = []
    title = item.get("title")
    if title is not None and not isinstance(title, str):
        errors.append("'title' must be text")
    published = item.get("date")
    if published is not None and not isinstance(published, str):
        errors.append("'date' must be text (ISO 8601 or RFC 822)")
    texts: dict[str, str | None] = {}
    for key in _JSON_TEXT_KEYS:
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            errors.append(f"{key!r} must be text")
        texts[key] = value if isinstance(value, str) else None
    lists: dict[str, tuple[str, ...]] = {}
    for key in _JSON_LIST_KEYS:
        value = item.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            errors.append(f"{key!r} must be a list of text")
        lists[key] = tuple(t for t in map(_clean, value) if t) if isinstance(value, list) else ()
    if errors:
        raise BadArticle(", ".join(errors))
    if not isinstance(title, str) or not title.strip():
        raise BadArticle("no text 'title'")
    body_html = texts["html"]
    if body_html is not None and texts["body"] is not None:
        note(f"{where}both 'body' and 'html'", "used 'html'")
    if body_html is None:
        body_html = markdown().render(texts["body"] or "")
    return Article(
        title=title.strip(),
        published=published,
        html=body_html,
        url=_clean(texts["url"]),
        language=_clean(texts["lang"]),
        source=_clean(texts["source"]),
        authors=lists["authors"],
        tags=lists["tags"],
        translation_of=_clean(texts["translation_of"]),
        index=index,
    )


#: The reader of each file extension (lower case, with the dot).
READERS: dict[str, Reader] = {
    ".md": read_markdown,
    ".txt": read_text,
    ".html": read_html,
    ".htm": read_html,
    ".json": read_json,
}
