"""The editor's labels: which themes an item is about, and whether it is in scope.

Labels come from two places, the second overriding the first:

- an article file's front matter: ``themes: [ethics, health]`` (in scope, with these
  themes) or ``scope: out`` (out of the digest's field);
- the labels file (``paths.labels``, default ``sources/labels.csv``), for feed items
  and for any item: one row per item, keyed by its id or its URL, with the columns
  ``id``, ``url``, ``scope`` (``in``, ``out`` or empty), ``themes`` (theme ids separated
  by spaces); ``digest themes labels`` writes one from the store, with the classifier's
  suggestions in columns of their own, for the editor to fill in. Commas or semicolons
  separate the columns, as spreadsheets write them.

They are used to measure the taxonomy (``digest themes check``) and to learn weights for
it (``digest themes learn``). They never change what an edition shows by themselves.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from digest.errors import InputError
from digest.model import Item
from digest.sources.files import ARTICLES_SOURCE_ID
from digest.sources.folder_walk import visible_files
from digest.sources.formats import BadArticle, split_front_matter

ScopeLabel = Literal["in", "out"]
#: Columns of the labels file, in the order ``digest themes labels`` writes them.
COLUMNS = ("id", "url", "lang", "title", "scope", "themes", "suggested_scope", "suggested_themes")
#: Labels files larger than this are refused (a spreadsheet of labels is far smaller).
MAX_BYTES = 50_000_000


@dataclass(frozen=True)
class Label:
    """What the editor says of one item."""

    #: ``"in"`` or ``"out"``; None when the editor did not say.
    scope: ScopeLabel | None = None
    #: The themes it is about; None when the editor did not say. Empty when out of scope.
    themes: tuple[str, ...] | None = None

    @staticmethod
    def of(scope: object, themes: object) -> Label | None:
        """The label that a ``scope`` and a ``themes`` value (text or list) say, if any."""
        ids = _theme_list(themes)
        word = str(scope).strip().casefold() if isinstance(scope, str) else ""
        if word not in ("in", "out", ""):
            raise ValueError(f"scope must be 'in' or 'out', not {scope!r}")
        if word == "out":
            return Label("out", ())
        if ids:
            return Label("in", ids)
        return Label("in", None) if word == "in" else None


def _theme_list(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.replace(",", " ").replace(";", " ").split()
    if not isinstance(value, list):
        return ()
    return tuple(str(v).strip() for v in value if isinstance(v, str) and v.strip())


def article_labels(folder: Path, source_id: str = ARTICLES_SOURCE_ID) -> dict[str, Label]:
    """The labels in the front matter of the article files below ``folder``.

    Keys are the ids the items get in the store (``articles/<path without extension>``,
    ``#<n>`` for each object of a JSON list). Files that cannot be read are left out (the
    build reports them).
    """
    found: dict[str, Label] = {}
    for path in visible_files(folder):
        stem = f"{source_id}/{path.relative_to(folder).with_suffix('').as_posix()}"
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        for index, label in labels_in(text, path.suffix).items():
            found[stem if index is None else f"{stem}#{index}"] = label
    return found


def labels_in(text: str, suffix: str) -> dict[int | None, Label]:
    """The labels an article file's front matter (or JSON objects) give, by position in
    a JSON list (None for a whole file). A text that cannot be read gives none."""
    suffix = suffix.lower()
    try:
        if suffix in (".md", ".txt"):
            objects: list[tuple[int | None, object]] = [(None, split_front_matter(text)[0])]
        elif suffix == ".json":
            data: object = json.loads(text)
            objects = list(enumerate(data)) if isinstance(data, list) else [(None, data)]
        else:
            return {}
    except (ValueError, BadArticle):
        return {}
    found: dict[int | None, Label] = {}
    for index, meta in objects:
        if not isinstance(meta, dict):
            continue
        try:
            label = Label.of(meta.get("scope"), meta.get("themes"))
        except ValueError:
            continue  # the build reads the file; a bad label is the check's to report
        if label is not None:
            found[index] = label
    return found


def read_labels_file(path: Path) -> dict[str, Label]:
    """The labels file's rows, keyed by id and by URL (a row may give either or both).

    Raises:
        InputError: the file is too large, not UTF-8 CSV, has no ``id`` or ``url``
            column, or a row's ``scope`` is neither ``in`` nor ``out`` (naming the line).
    """
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"{path}: labels file larger than {MAX_BYTES} bytes")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the labels file: {exc}") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = set(reader.fieldnames or ())
    if not columns & {"id", "url"}:
        raise InputError(f"{path}: the labels file needs an 'id' or a 'url' column")
    found: dict[str, Label] = {}
    for row in reader:
        try:
            label = Label.of(row.get("scope") or "", row.get("themes") or "")
        except ValueError as exc:
            raise InputError(f"{path}, line {reader.line_num}: {exc}") from None
        if label is None:
            continue
        for key in (row.get("id"), row.get("url")):
            if key and key.strip():
                found[key.strip()] = label
    return found


def labels_for(
    items: Iterable[Item], articles: Mapping[str, Label], rows: Mapping[str, Label]
) -> dict[str, Label]:
    """Each labelled item's label: the labels file's row (by id, else by URL) over the
    article's front matter."""
    found = {}
    for item in items:
        label = rows.get(item.id) or rows.get(item.url) or articles.get(item.id)
        if label is not None:
            found[item.id] = label
    return found


def write_labels_file(
    items: Sequence[Item],
    labels: Mapping[str, Label],
    suggestions: Mapping[str, tuple[bool, tuple[str, ...]]],
) -> str:
    """The labels file for ``items``: the editor's labels so far, and the classifier's
    suggestions (in scope?, themes) beside them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for item in items:
        label = labels.get(item.id, Label())
        in_scope, themes = suggestions.get(item.id, (False, ()))
        writer.writerow(
            (
                item.id,
                item.url,
                item.language,
                " ".join(item.title.split()),
                label.scope or "",
                " ".join(label.themes or ()),
                "in" if in_scope else "out",
                " ".join(themes),
            )
        )
    return out.getvalue()
