"""What each fuzz target does with one input, without atheris (``replay.py`` uses it too).

Each check lets digest's documented refusals of bad input (:data:`EXPECTED`) pass and
lets every other exception out: that is a finding.
"""

from __future__ import annotations

import contextlib
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path

from digest.errors import SourceError
from digest.normalise import NormaliseError, normalise_entry
from digest.sources.feeds import FeedSource
from digest.sources.files import read_articles
from digest.sources.formats import BadArticle

#: digest's documented refusals of bad input: anything else is a bug.
EXPECTED: tuple[type[BaseException], ...] = (SourceError, BadArticle, NormaliseError)

NOW = datetime(2025, 6, 1, tzinfo=UTC)
#: The article reader's suffixes, picked by an input's first byte; the last is unsupported.
SUFFIXES = (".md", ".txt", ".html", ".htm", ".json", ".MD", ".xml")
_FOLDER = Path(tempfile.mkdtemp(prefix="digest-fuzz-"))

# Parsers warn about odd input (XMLParsedAsHTMLWarning, ...); only exceptions count here.
warnings.simplefilter("ignore")


def _ignore(*args: object) -> None:
    pass


def read_feed(data: bytes) -> None:
    """``data`` as a local feed file: read by a :class:`FeedSource`, every entry normalised."""
    path = _FOLDER / "feed.xml"
    path.write_bytes(data)
    source = FeedSource("fuzz", str(path), title="", timezone="Europe/Brussels")
    with contextlib.suppress(*EXPECTED):
        for raw in source.read(_ignore):
            with contextlib.suppress(*EXPECTED):
                normalise_entry(raw, now=NOW)


def read_article(data: bytes) -> None:
    """``data[1:]`` as an article file whose suffix ``data[0]`` picks, read by read_articles."""
    if not data:
        return
    path = _FOLDER / f"2024-05-06-article{SUFFIXES[data[0] % len(SUFFIXES)]}"
    path.write_bytes(data[1:])
    try:
        read_articles(path, _ignore)
    except EXPECTED:
        pass
    finally:
        path.unlink()


CHECKS = {"feed_adapter": read_feed, "article_reader": read_article}
