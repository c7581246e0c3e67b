"""Every feed of ../shared/corpora/feeds is read, and agrees with feed-rs's expectations.

Each ``NAME.xml`` / ``NAME.json`` there has ``NAME.serde.json``: what feed-rs (a Rust
feed library) extracted. Where both carry a field, ours must agree. Deliberate
differences of model, allowed for below:

- feed-rs invents an id for an entry without one: ids are compared only where the
  document gave one (our ``guid``). In RSS 1.0 we take ``rdf:about`` as the id, where
  feed-rs hashes the entry: not compared there.
- feed-rs leaves an undated entry undated; we keep it, dated at the time of reading:
  dates are compared only where feed-rs found one.
- Titles are compared after decoding entities and folding white space (feed-rs keeps
  the escaped text of ``type="html"`` titles).
- Links are compared in canonical form (we drop ``utm_*`` parameters and fragments), and
  only where feed-rs's link is absolute (it leaves relative links unresolved).
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.model import Problem
from digest.normalise import canonical_url, html_to_text, sanitise_html
from digest.sources.feeds import FeedSource
from digest.sources.parsing import parse_feed, parse_with
from tests.feeds import build_incoming

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "feeds"
DOCUMENTS = sorted(
    p
    for p in CORPUS.glob("*/*")
    if p.suffix in (".xml", ".json") and not p.name.endswith(".serde.json")
)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def fold(text: str | None) -> str:
    return " ".join(html.unescape(text or "").split())


def test_the_corpus_is_there() -> None:
    assert len(DOCUMENTS) >= 60, f"expected the shared feed corpus at {CORPUS}"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_feed_is_read_and_agrees_with_feed_rs(path: Path) -> None:
    source = FeedSource("corpus", str(path), timezone="UTC")
    problems: list[Problem] = []
    raws = list(source.read(problems.append))
    incoming = build_incoming(FeedSource("corpus", str(path), timezone="UTC"), [].append, NOW)
    expected_file = path.with_name(path.name.rsplit(".", 1)[0] + ".serde.json")
    if not expected_file.exists():  # the invalid samples: read without an exception is all
        return
    expected = json.loads(expected_file.read_text(encoding="utf-8"))["entries"]
    assert len(incoming) == len(expected) == len(raws)
    rdf = parse_feed(path.read_bytes()).version.startswith("rss1")
    for raw, entry, theirs in zip(raws, incoming, expected, strict=True):
        item = entry.item
        if raw.guid is not None and not rdf:
            assert raw.guid == theirs["id"]
        title = fold((theirs.get("title") or {}).get("content"))
        if title:
            assert fold(item.title) == title
        links = [link["href"] for link in theirs["links"] if link.get("rel") in (None, "alternate")]
        if links and links[0].startswith(("http://", "https://")):
            assert item.url == canonical_url(links[0])
        date = theirs.get("published") or theirs.get("updated")
        if date:
            assert item.published == datetime.fromisoformat(date.replace("Z", "+00:00"))
        else:
            assert item.published == NOW or entry.provisional_date is False


# Where feedparser-rs is chosen, its items must match feedparser's after normalisation,
# except for these known differences (file, field): each is a case where one parser reads
# more of a quirky document than the other.
KNOWN_PARSER_DIFFERENCES = {
    ("rss_1.0_example_1.xml", "published"),  # dc:date "+00:0": feedparser guesses, rs does not
    ("rss_2.0_ilmessaggero.xml", "published"),  # a date only feedparser-rs reads
    ("rss_2.0_nightvale.xml", "text"),  # line breaks inside a text description
    ("rss_2.0_vimeo_media.xml", "language"),  # a channel language only feedparser finds
}


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_fast_parser_gives_the_same_items_as_feedparser(path: Path) -> None:
    body = path.read_bytes()
    fast = parse_feed(body)
    if fast.parser != "feedparser-rs" or path.suffix == ".json":  # feedparser reads no JSON Feed
        return
    slow = parse_with("feedparser", body)
    assert len(fast.entries) == len(slow.entries)
    for a, b in zip(fast.entries, slow.entries, strict=True):
        pairs = {
            "guid": (a.guid, b.guid),
            "title": (fold(a.title), fold(b.title)),
            "link": (a.link, b.link),
            "published": (a.date_parsed, b.date_parsed),
            "language": (a.language or fast.language, b.language or slow.language),
            "text": (
                html_to_text(sanitise_html(a.html)).split(),
                html_to_text(sanitise_html(b.html)).split(),
            ),
        }
        for field, (ours, theirs) in pairs.items():
            if (path.name, field) not in KNOWN_PARSER_DIFFERENCES:
                assert ours == theirs, field
