"""Key points of documents outside any build, for outside checks (``digest keypoints``).

Documents come from article files (any format :data:`digest.sources.formats.READERS`
reads, or a folder of them) or from JSON Lines files (``.jsonl``) of ``{"id", "lang",
"title", "text"}`` objects. Each goes through the same normalisation as an ingested item
(:func:`digest.normalise.normalise_entry`: a JSON line's text is read as a plain-text
article body; an article file is read by :func:`digest.sources.files.read_article_file`,
as a build's :class:`~digest.sources.files.ArticleFiles` reads it), then through
:func:`digest.summarise.key_point`, the call :mod:`digest.edition` makes for every item of
a build: the key point printed is the one a build would show (compressed, unless asked
not to, as ``compress_points = false`` asks a build), with the source's whole sentences
it was chosen from and what compression removed. Nothing is read from or written to the
store.

A file or line that cannot be read is handed to ``report`` as a
:class:`~digest.model.Problem` and the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from digest.config import Limits
from digest.model import Item, Problem, RawEntry
from digest.normalise import NormaliseError, normalise_entry
from digest.sources import Report
from digest.sources.bounds import cut_text
from digest.sources.files import read_article_file
from digest.sources.folder_walk import visible_files
from digest.sources.formats import READERS, text_to_html
from digest.summarise import key_point, split_sentences

#: Extension of the JSON Lines files of documents.
JSONL_SUFFIX = ".jsonl"
# The date plays no part in a key point; a fixed one keeps normalisation quiet and pure.
_DATE = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SourceSentence:
    """A sentence of the document that the key point came from."""

    #: Position among the document's sentences (:func:`~digest.summarise.split_sentences`).
    index: int
    #: The whole sentence, as the splitter gave it.
    text: str


@dataclass(frozen=True)
class KeyPointResult:
    """The key point of one document, as a build would choose it."""

    #: The document's id: the JSON line's ``id``, or the file's key (its path below the
    #: folder given, without extension; ``#n`` for the n-th object of a JSON list).
    id: str
    language: str
    title: str
    #: The key point exactly as a build shows it (:attr:`digest.summarise.Point.text`).
    text: str
    score: float
    #: The sentences it came from, whole, in document order (empty: it is the title).
    sentences: tuple[SourceSentence, ...]
    #: The sentences it came from as one text: what "the full sentence" shows.
    full: str = ""
    #: What compression removed (empty: nothing, or compression was off).
    removed: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, keys in a fixed order."""
        return {
            "id": self.id,
            "lang": self.language,
            "title": self.title,
            "key_point": self.text,
            "score": self.score,
            "sentences": [{"index": s.index, "text": s.text} for s in self.sentences],
            "full": self.full,
            "removed": list(self.removed),
        }


def key_points(
    paths: Iterable[Path],
    report: Report,
    *,
    sentences: int = 2,
    language: str | None = None,
    limits: Limits | None = None,
    compression: bool = True,
) -> Iterator[KeyPointResult]:
    """The key point of every document in ``paths``, in the order read.

    Args:
        sentences: sentences per key point (1 or 2), as ``sentences_per_point`` in a build.
        language: the language of documents that declare none (default: detected, as
            a build does).
        compression: whether key points are compressed, as ``compress_points`` in a build.
    """
    for item in read_items(paths, report, language=language, limits=limits):
        yield key_point_of(item, sentences, compression=compression)


def key_point_of(item: Item, sentences: int = 2, *, compression: bool = True) -> KeyPointResult:
    """The key point of one normalised item, with the sentences it came from."""
    point = key_point(item.title, item.text, item.language, sentences, compression=compression)
    # The chosen sentences may be trimmed (" …"): the document's own sentences are shown.
    split = split_sentences(item.text, item.language)
    return KeyPointResult(
        id=item.id,
        language=item.language,
        title=item.title,
        text=point.text,
        score=point.score,
        sentences=tuple(SourceSentence(s.index, split[s.index]) for s in point.sentences),
        full=point.full_text,
        removed=point.removed,
    )


def read_items(
    paths: Iterable[Path],
    report: Report,
    *,
    language: str | None = None,
    limits: Limits | None = None,
) -> Iterator[Item]:
    """Normalised items from files, folders of article files and ``.jsonl`` files."""
    limits = limits or Limits()
    for path in paths:
        if path.is_dir():
            for file in visible_files(path):
                if file.suffix.lower() in READERS or file.suffix.lower() == JSONL_SUFFIX:
                    key = file.relative_to(path).with_suffix("").as_posix()
                    yield from _read_file(file, key, report, language, limits)
        elif not path.exists():
            report(Problem(str(path), "no such file or folder", "skipped"))
        else:
            yield from _read_file(path, path.stem, report, language, limits)


def _read_file(
    path: Path, key: str, report: Report, language: str | None, limits: Limits
) -> Iterator[Item]:
    if path.suffix.lower() == JSONL_SUFFIX:
        yield from _read_jsonl(path, report, language, limits)
        return

    for entry_key, article in read_article_file(path, key, report, limits):
        entry = _entry(
            str(path), entry_key, article.title, article.html, article.language or language
        )
        item = _normalised(entry, report)
        if item is not None:
            yield item


def _read_jsonl(path: Path, report: Report, language: str | None, limits: Limits) -> Iterator[Item]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        report(Problem(str(path), f"cannot read: {exc}", "skipped"))
        return
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            report(Problem(where, f"not JSON ({exc.msg})", "skipped"))
            continue
        if not isinstance(row, dict):
            report(Problem(where, "not a JSON object", "skipped"))
            continue
        text, title = row.get("text"), row.get("title", "")
        lang = row.get("lang") or language
        if not isinstance(text, str) or not text.strip():
            report(Problem(where, "no text", "skipped"))
            continue
        if not isinstance(title, str) or not (lang is None or isinstance(lang, str)):
            report(Problem(where, "title and lang must be strings", "skipped"))
            continue
        ident = row.get("id")
        key = str(ident) if isinstance(ident, str | int) and str(ident) else f"line {number}"
        title, html, _cut = cut_text(
            title,
            text_to_html(text),
            max_title=limits.title_chars,
            max_html=limits.item_chars,
        )
        item = _normalised(_entry(where, key, title, html, lang), report)
        if item is not None:
            yield item


def _entry(location: str, key: str, title: str, html: str, language: str | None) -> RawEntry:
    return RawEntry(
        source_id="",
        source_name="",
        location=location,
        key=key,
        title=title,
        published=_DATE,
        language=language,
        html=html,
    )


def _normalised(entry: RawEntry, report: Report) -> Item | None:
    try:
        item = normalise_entry(entry, now=_DATE).item
    except NormaliseError as exc:  # not expected with a fixed date; never fatal
        report(Problem(entry.location, str(exc), "skipped"))
        return None
    # normalise_entry names items "<source>/<key>"; here the key alone is the id.
    return replace(item, id=entry.key)


def dumps(result: KeyPointResult) -> str:
    """One JSON line for ``result`` (UTF-8 text, not escaped)."""
    return json.dumps(result.to_json(), ensure_ascii=False)
