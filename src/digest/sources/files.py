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

The folder is a jail: a file or folder whose real path leaves it (a symlink to
``/etc/passwd``) is skipped with one line, and never read. A file over
``limits.article_bytes`` is skipped; a JSON list gives at most
``limits.feed_entries`` articles; titles and texts are cut to their limits.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

from digest.config import Limits
from digest.model import Problem, RawEntry
from digest.partial_read import Walk
from digest.source_state import FileState, reader_key
from digest.sources import Report
from digest.sources.bounds import cut_text, is_inside
from digest.sources.folder_walk import visible_entries, without_suffix
from digest.sources.formats import READERS, Article, BadArticle, Note
from digest.sources.spread import FileTask, ParseChunks, ParsedFile, in_order
from digest.sources.unchanged import FileStates, forget_missing, look, record

# charset-normalizer and ftfy are imported when a file is decoded: a build whose files
# are all unchanged (or that only lists them, digest.incremental) never needs them.

ARTICLES_SOURCE_ID = "articles"

# Several single-byte code pages often decode a short text equally well, and
# charset-normalizer then names the first (often cp1250, which turns French "à" into "ŕ").
# The digest's languages are Western European: among equally clean results, prefer these.
_WESTERN_ENCODINGS = ("cp1252", "latin_1", "iso8859_15")


class ArticleFiles:
    """Reads every article file below a folder, in path order; hidden files are ignored."""

    #: Extensions of the files it reads (lower case); any other file is reported and skipped.
    file_extensions = tuple(READERS)

    def __init__(
        self,
        folder: Path,
        *,
        timezone: str,
        source_id: str = ARTICLES_SOURCE_ID,
        limits: Limits | None = None,
        root: Path | None = None,
        files: FileStates | None = None,
    ):
        self.folder = folder
        #: The folder no file may leave: the sources folder (default: ``folder`` itself).
        self.root = root or folder
        self.location = str(folder)
        self.timezone = timezone
        self.id = source_id
        self.limits = limits or Limits()
        #: What the last build saw of each file (None: read every file every time).
        self.files = files
        #: What shapes the reading of a file besides its bytes.
        self.reader = reader_key("articles", self.id, timezone, self.limits.model_dump_json())
        #: The files the last :meth:`read` passed over and read (:mod:`digest.partial_read`).
        self.walk = Walk()

    def preload(self) -> None:
        """Import what reading article files needs (markdown-it, PyYAML, ftfy): called
        before worker processes are forked to read sources (:mod:`digest.ingest`), so
        that they inherit it."""
        import ftfy  # noqa: F401
        import yaml  # noqa: F401

        import digest.sources.decoding  # noqa: F401
        from digest.sources.formats import markdown

        markdown()

    def read(self, report: Report) -> Iterator[RawEntry]:
        """Yield one entry per article read (several for a JSON list); report and skip the rest.

        A file unchanged since the last build (:mod:`digest.sources.unchanged`) is not
        parsed again: its items are in the store already, and the problems its reading
        met are reported again. A file gone since keeps its items in the store.
        """
        return self.read_spread(report, self._parse_here)

    def read_spread(self, report: Report, parse: ParseChunks) -> Iterator[RawEntry]:
        """:meth:`read`, the files to read parsed by ``parse`` (:mod:`digest.sources.spread`:
        in other processes) while the walk, the keys and the files' states are done here."""
        # Two files whose names differ only by extension would give one id to two items.
        seen: dict[str, Path] = {}
        self.walk = walk = Walk()

        def outside(path: Path) -> None:
            report(Problem(str(path), "symlink to outside the sources folder", "skipped"))

        if not is_inside(self.folder, self.root):
            outside(self.folder)
            return
        found = visible_entries(self.folder, outside, self.root)
        forget_missing(self.files, self.id, {where for where, _ in found})
        for step, parsed in in_order(self._steps(found), attrgetter("task"), parse):
            if step.replay is not None:
                # Unchanged since the last build: not read, its problems replayed.
                for problem in step.replay:
                    report(problem)
                walk.passed(step.stem)
                continue
            path = Path(step.where)
            if parsed is None:  # replaced by a symlink since the walk
                outside(path)
                continue
            walk.read(step.where)
            met: list[Problem] = []
            for event in parsed.events:
                if isinstance(event, Problem):
                    met.append(event)
                    report(event)
                    continue
                key, article = event
                if key in seen:
                    earlier = seen[key].name
                    report(
                        Problem(str(path), f"key {key!r} already read from {earlier}", "skipped")
                    )
                    continue
                seen[key] = path
                yield self._entry(path, key, article)
            record(step.files, step.state, met)

    def _steps(self, found: list[tuple[str, os.DirEntry[str]]]) -> Iterator[_Step]:
        """What the walk does with each file, in path order: pass it over (unchanged), leave
        it out (a symlink out of the folder now), or read it (its bytes, when looked at)."""
        base = str(self.folder)
        # The path below the folder, as Path.relative_to gives it, with strings: a build
        # looks at every file of the folder, most of them unchanged.
        below = 0 if base == "." else len(base) + (0 if base.endswith(os.sep) else 1)
        stems = [without_suffix(where[below:]) for where, _ in found]
        # Files sharing a stem are always read: which one gives the key depends on both.
        shared = {stem for stem, count in Counter(stems).items() if count > 1}
        for (where, entry), stem in zip(found, stems, strict=True):
            files = None if stem in shared else self.files
            known = files.file_state(self.id, where) if files is not None else None
            if known is not None:
                try:
                    same = known.seen_as(self.reader, entry.stat())
                except OSError:
                    same = False  # gone since the walk: look() says why, as before
                if same:
                    yield _Step(where, stem, replay=known.problems)
                    continue
            if not is_inside(Path(where), self.root):
                yield _Step(where, stem)
                continue
            seen_now = look(files, self.id, Path(where), self.reader, self.limits.article_bytes)
            if seen_now.unchanged:
                assert seen_now.state is not None
                yield _Step(where, stem, replay=seen_now.state.problems)
                continue
            task = FileTask(where, stem, seen_now.data)
            yield _Step(where, stem, task=task, files=files, state=seen_now.state)

    def parse_files(self, tasks: Sequence[FileTask]) -> list[ParsedFile]:
        """Each file of ``tasks`` parsed: its problems and articles, in the order met."""
        parsed = []
        for task in tasks:
            events: list[Problem | tuple[str, Article]] = []
            path = Path(task.where)
            # Each problem noted as it is met: before the article it is met with.
            for found in read_article_file(
                path, task.stem, events.append, self.limits, data=task.data
            ):
                events.append(found)
            parsed.append(ParsedFile(tuple(events)))
        return parsed

    def _parse_here(self, chunks: Iterator[list[FileTask]]) -> Iterator[list[ParsedFile]]:
        return map(self.parse_files, chunks)

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


@dataclass(frozen=True)
class _Step:
    """What the walk of an article folder does with one file (:meth:`ArticleFiles._steps`)."""

    where: str
    stem: str
    #: The problems to report again of a file passed over (unchanged); None otherwise.
    replay: tuple[Problem, ...] | None = None
    #: The file to parse; None with no replay: a symlink out of the folder, left out.
    task: FileTask | None = None
    #: Where its state is recorded once it is parsed, and that state.
    files: FileStates | None = None
    state: FileState | None = None


def read_article_file(
    path: Path, stem: str, report: Report, limits: Limits, *, data: bytes | None = None
) -> Iterator[tuple[str, Article]]:
    """The articles of one file, each with its key, titles and texts cut to ``limits``.

    The key is ``stem`` (the file's path below its folder, without extension), or
    ``stem#n`` for the n-th object of a JSON list. A file that cannot be read, a JSON
    list over ``limits.feed_entries`` and a cut are reported, one :class:`Problem` each.
    Used by :class:`ArticleFiles` and by ``digest keypoints`` (:mod:`digest.keypoints`).
    ``data``: the file's bytes when already read (at most ``limits.article_bytes + 1``).
    """

    def note(what: str, action: str) -> None:
        report(Problem(str(path), what, action))

    try:
        articles, _text = read_articles(path, note, max_bytes=limits.article_bytes, data=data)
    except BadArticle as exc:
        report(Problem(str(path), str(exc), "skipped"))
        return
    if len(articles) > limits.feed_entries:
        cap = limits.feed_entries
        note(f"more than {cap} articles (limits.feed_entries)", f"read the first {cap}")
        articles = articles[:cap]
    for article in articles:
        title, html, cut = cut_text(
            article.title, article.html, max_title=limits.title_chars, max_html=limits.item_chars
        )
        if cut is not None:
            where = "" if article.index is None else f"object #{article.index}: "
            note(f"{where}{cut}", "cut there")
            article = dataclasses.replace(article, title=title, html=html)
        yield (stem if article.index is None else f"{stem}#{article.index}"), article


def read_articles(
    path: Path, note: Note, *, max_bytes: int | None = None, data: bytes | None = None
) -> tuple[list[Article], str]:
    """The articles of one file, mojibake repaired, and the file's decoded text.

    Args:
        max_bytes: a larger file is refused (None: no limit).
        data: the file's bytes when already read (None: read them here).

    Raises:
        BadArticle: an unsupported type, an unreadable, empty or too large file, or one
            its format's reader refuses.
    """
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise BadArticle(f"unsupported file type {path.suffix!r}")
    text = decode_file(path, note, max_bytes=max_bytes, data=data)
    if not text.strip():
        raise BadArticle("empty file")
    return repair_mojibake(reader(text, path.name, note), note), text


def decode_file(
    path: Path, note: Note, *, max_bytes: int | None = None, data: bytes | None = None
) -> str:
    """The text of a file: UTF-8 (with or without BOM), else the encoding detected.

    ``data``: its bytes when already read (then the file is not opened).

    Raises:
        BadArticle: the file cannot be read, is larger than ``max_bytes``, or no
            encoding fits its bytes.
    """
    if data is None:
        try:
            with path.open("rb") as file:
                # One byte more than the cap, whatever the size says (a file may grow).
                data = file.read(-1 if max_bytes is None else max_bytes + 1)
        except OSError as exc:
            raise BadArticle(f"cannot read: {exc.strerror}") from exc
    if max_bytes is not None and len(data) > max_bytes:
        raise BadArticle(f"file is over the {max_bytes}-byte cap (limits.article_bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    import charset_normalizer

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
    import ftfy

    from digest.sources.decoding import MOJIBAKE_ONLY

    return ftfy.fix_text(text, MOJIBAKE_ONLY)
