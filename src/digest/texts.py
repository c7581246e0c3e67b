"""Texts from outside the store, for ``digest themes classify``, ``check`` and ``learn``.

A path is an article file in any format the sources accept (Markdown, text, HTML, JSON),
a folder of them, or a JSON Lines file (``.jsonl``) of objects
``{"id", "lang", "title", "text"}``, which may also carry the editor's ``scope`` and
``themes``. Nothing is stored; a file or line that cannot be read is reported in one line
and skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.labels import Label, labels_in
from digest.model import Problem
from digest.normalise import collapse_space, detect_language, html_to_text, sanitise_html
from digest.sources import Report
from digest.sources.files import read_articles
from digest.sources.folder_walk import visible_files
from digest.sources.formats import BadArticle
from digest.themes import Text

#: Characters of one text that are classified; the rest is cut, and that is reported.
MAX_CHARS = 1_000_000
#: A file larger than this is skipped.
MAX_FILE_BYTES = 500_000_000


@dataclass(frozen=True)
class LabelledText:
    """A text to classify, with the editor's label when the input gives one."""

    id: str
    text: Text
    label: Label | None = None


def read_texts(paths: Sequence[Path], report: Report) -> Iterator[LabelledText]:
    """Every text of ``paths`` (files, or folders read in path order), in order."""
    for path in paths:
        for file in visible_files(path) if path.is_dir() else [path]:
            try:
                if file.stat().st_size > MAX_FILE_BYTES:
                    raise BadArticle(f"larger than {MAX_FILE_BYTES} bytes")
                if file.suffix.lower() == ".jsonl":
                    yield from _json_lines(file, report)
                else:
                    yield from _article_file(file, report)
            except BadArticle as exc:
                report(Problem(str(file), str(exc), "skipped"))
            except OSError as exc:
                report(Problem(str(file), f"cannot read: {exc.strerror}", "skipped"))


def _article_file(path: Path, report: Report) -> Iterator[LabelledText]:
    def note(what: str, action: str) -> None:
        report(Problem(str(path), what, action))

    articles, text = read_articles(path, note)
    labels = labels_in(text, path.suffix)
    for article in articles:
        key = str(path) if article.index is None else f"{path}#{article.index}"
        body = html_to_text(sanitise_html(article.html))
        yield LabelledText(
            key,
            _text(key, article.language, article.title, body, report),
            labels.get(article.index),
        )


def _json_lines(path: Path, report: Report) -> Iterator[LabelledText]:
    with path.open(encoding="utf-8-sig", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}, line {number}"
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise ValueError("not a JSON object")
                title, body = data.get("title", ""), data.get("text", "")
                if not isinstance(title, str) or not isinstance(body, str):
                    raise ValueError("'title' and 'text' must be text")
                if not (title.strip() or body.strip()):
                    raise ValueError("no 'title' nor 'text'")
                language = data.get("lang")
                key = str(data.get("id") or f"{path}:{number}")
                label = Label.of(data.get("scope"), data.get("themes"))
            except ValueError as exc:
                report(Problem(where, str(exc), "skipped"))
                continue
            text = _text(
                where, language if isinstance(language, str) else None, title, body, report
            )
            yield LabelledText(key, text, label)


def _text(where: str, language: str | None, title: str, body: str, report: Report) -> Text:
    """The text as classified: white space collapsed, cut to :data:`MAX_CHARS`, its
    language declared or detected."""
    title = collapse_space(title)
    if len(body) > MAX_CHARS:
        report(Problem(where, f"text longer than {MAX_CHARS} characters", "rest not classified"))
        body = body[:MAX_CHARS]
    code = (language or "").strip().lower()[:2]
    if not code.isalpha():
        code = detect_language(f"{title}\n{body}")
    return Text(code, title, body)
