"""Article files: Markdown with YAML front matter.

```
---
title: "..."
date: 2021-02-12T09:30:00+01:00
url: https://...
lang: fr
source: Benelux Union
translation_of: <file stem of the original>   # optional
themes: [ethics]                              # optional, the editor's expectation
---
Markdown body
```
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

from digest.model import Problem, RawEntry
from digest.sources import Report

ARTICLES_SOURCE_ID = "articles"

# Raw HTML in Markdown is turned off: article bodies are text, not markup to trust.
_markdown = MarkdownIt("commonmark", {"html": False})


class ArticleFiles:
    """Reads every ``*.md`` file below a folder, in path order."""

    file_extensions = (".md",)

    def __init__(self, folder: Path, *, timezone: str, source_id: str = ARTICLES_SOURCE_ID):
        self.folder = folder
        self.timezone = timezone
        self.id = source_id

    def read(self, report: Report) -> Iterator[RawEntry]:
        """Yield one entry per readable article file; report and skip the others."""
        for path in sorted(self.folder.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            if path.suffix.lower() not in self.file_extensions:
                report(Problem(str(path), f"unsupported file type {path.suffix!r}", "skipped"))
                continue
            try:
                entry = self._read_file(path)
            except _BadArticle as exc:
                report(Problem(str(path), str(exc), "skipped"))
                continue
            yield entry

    def _read_file(self, path: Path) -> RawEntry:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _BadArticle(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        except OSError as exc:
            raise _BadArticle(f"cannot read: {exc.strerror}") from exc
        meta, body = _split_front_matter(text)
        title = meta.get("title")
        if not isinstance(title, str) or not title.strip():
            raise _BadArticle("front matter has no text 'title'")
        key = path.relative_to(self.folder).with_suffix("").as_posix()
        translation_of = meta.get("translation_of")
        return RawEntry(
            source_id=self.id,
            source_name=_text(meta.get("source")) or "",
            location=str(path),
            key=key,
            title=title.strip(),
            published=meta.get("date"),
            url=_text(meta.get("url")),
            language=_text(meta.get("lang")),
            html=_markdown.render(body),
            authors=_texts(meta.get("authors", meta.get("author"))),
            tags=_texts(meta.get("tags")),
            translation_of=_text(translation_of),
            default_timezone=self.timezone,
        )


class _BadArticle(Exception):
    """An article file that cannot become an entry; the message says why."""


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise _BadArticle("no YAML front matter (the file must start with a '---' line)")
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            header = "".join(lines[1:index])
            body = "".join(lines[index + 1 :])
            break
    else:
        raise _BadArticle("front matter is not closed by a '---' line")
    try:
        meta = yaml.safe_load(header)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise _BadArticle(f"front matter is not valid YAML{where}") from exc
    if not isinstance(meta, dict):
        raise _BadArticle("front matter is not a mapping of keys to values")
    return meta, body


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(t for t in (_text(v) for v in value) if t)
    single = _text(value)
    return (single,) if single else ()
