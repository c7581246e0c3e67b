"""Article files: a folder of Markdown, plain text, HTML and JSON articles.

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

Each format has its reader in :mod:`digest.sources.formats`. This module walks the
folder, decodes each file (UTF-8, else the encoding detected, reported), repairs
mojibake (reported), and turns what the readers found into :class:`RawEntry`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import charset_normalizer
import ftfy

from digest.model import Problem, RawEntry
from digest.sources import Report
from digest.sources.formats import READERS, Article, BadArticle, Note

ARTICLES_SOURCE_ID = "articles"

# Several single-byte code pages often decode a short text equally well, and
# charset-normalizer then names the first (often cp1250, which turns French "à" into "ŕ").
# The digest's languages are Western European: among equally clean results, prefer these.
_WESTERN_ENCODINGS = ("cp1252", "latin_1", "iso8859_15")

# Only the encoding repairs: fix_text's other steps (line breaks, HTML entities, Unicode
# normalisation, ligatures) would alter correct text and be reported as mojibake.
_MOJIBAKE_ONLY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


class ArticleFiles:
    """Reads every article file below a folder, in path order; hidden files are ignored."""

    #: Extensions of the files it reads (lower case); any other file is reported and skipped.
    file_extensions = tuple(READERS)

    def __init__(self, folder: Path, *, timezone: str, source_id: str = ARTICLES_SOURCE_ID):
        self.folder = folder
        self.timezone = timezone
        self.id = source_id

    def read(self, report: Report) -> Iterator[RawEntry]:
        """Yield one entry per article read (several for a JSON list); report and skip the rest."""
        # Two files whose names differ only by extension would give one id to two items.
        seen: dict[str, Path] = {}
        for path in visible_files(self.folder):

            def note(what: str, action: str, path: Path = path) -> None:
                report(Problem(str(path), what, action))

            try:
                articles, _text = read_articles(path, note)
            except BadArticle as exc:
                report(Problem(str(path), str(exc), "skipped"))
                continue
            stem = path.relative_to(self.folder).with_suffix("").as_posix()
            for article in articles:
                key = stem if article.index is None else f"{stem}#{article.index}"
                if key in seen:
                    note(f"key {key!r} already read from {seen[key].name}", "skipped")
                    continue
                seen[key] = path
                yield self._entry(path, key, article)

    def _entry(self, path: Path, key: str, article: Article) -> RawEntry:
        return RawEntry(
            source_id=self.id,
            source_name=article.source or "",
            location=str(path),
            key=key,
            title=article.title,
            published=article.published,
            url=article.url,
            language=article.language,
            html=article.html,
            authors=article.authors,
            tags=article.tags,
            translation_of=article.translation_of,
            default_timezone=self.timezone,
            is_file=True,
        )


def visible_files(folder: Path) -> list[Path]:
    """The files below ``folder`` in path order, leaving out hidden ones and those in
    hidden folders (an editor's backups, ``.git``)."""
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not any(p.startswith(".") for p in path.relative_to(folder).parts)
    ]


def read_articles(path: Path, note: Note) -> tuple[list[Article], str]:
    """The articles of one file, mojibake repaired, and the file's decoded text.

    Raises:
        BadArticle: an unsupported type, an unreadable or empty file, or one its format's
            reader refuses.
    """
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise BadArticle(f"unsupported file type {path.suffix!r}")
    text = decode_file(path, note)
    if not text.strip():
        raise BadArticle("empty file")
    return repair_mojibake(reader(text, path.name, note), note), text


def decode_file(path: Path, note: Note) -> str:
    """The text of a file: UTF-8 (with or without BOM), else the encoding detected.

    Raises:
        BadArticle: the file cannot be read, or no encoding fits its bytes.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadArticle(f"cannot read: {exc.strerror}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        raise BadArticle("not UTF-8 text, and no other text encoding fits")
    encoding = best.encoding
    for match in matches:
        western = [e for e in _WESTERN_ENCODINGS if e in match.could_be_from_charset]
        if western and match.chaos <= best.chaos:
            encoding = western[0]
            break
    note(f"not UTF-8 text (detected {encoding})", f"decoded as {encoding}")
    return data.decode(encoding)


def repair_mojibake(articles: list[Article], note: Note) -> list[Article]:
    """The articles with mojibake ("Ã©tÃ©" for "été") repaired; noted once when any was."""
    repaired = [
        dataclasses.replace(
            article,
            title=_fix(article.title),
            html=_fix(article.html),
            source=_fix(article.source) if article.source else article.source,
            authors=tuple(map(_fix, article.authors)),
            tags=tuple(map(_fix, article.tags)),
        )
        for article in articles
    ]
    if repaired != articles:
        note("mojibake in text", "repaired")
    return repaired


def _fix(text: str) -> str:
    return ftfy.fix_text(text, _MOJIBAKE_ONLY)
