"""Property tests (hypothesis) of the code that reads what sources send.

No unexpected exception on any input, and the invariants the rest of the pipeline relies
on: dates aware, UTC and not before 1990; canonical URLs and safe links idempotent; ids
stable from one read to the next and never taken from another source; sentences cut from
the text they split; article files either read or refused with :class:`BadArticle`.
Explicit examples pin what the fuzz targets (``fuzz/``) found.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from digest.identity import Keys, keys_for, resolve
from digest.model import Item, RawEntry
from digest.normalise import EARLIEST, NormaliseError, canonical_url, parse_date, safe_link
from digest.rank.quotes import marks, unbalanced
from digest.sources.files import read_articles
from digest.sources.formats import READERS, BadArticle
from digest.summarise import split_sentences

#: Examples per test: modest, so that the file runs in seconds; a longer hunt sets
#: ``HYPOTHESIS_EXAMPLES`` (the article reader gets a tenth: trafilatura is slow).
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "200"))
# No example database: a run leaves nothing in the working tree.
SOME = settings(max_examples=EXAMPLES, deadline=None, database=None)
FEW = settings(
    max_examples=max(EXAMPLES // 10, 20),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

ZONES = st.sampled_from(["UTC", "Europe/Brussels", "Pacific/Kiritimati", "America/St_Johns"])
OFFSETS = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


# --- dates ---------------------------------------------------------------------------------

DATE_TEXTS = st.one_of(
    st.text(),
    st.datetimes(timezones=st.none() | OFFSETS).map(lambda d: d.isoformat()),
    st.datetimes(timezones=OFFSETS).map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S %z")),
    st.dates().map(lambda d: d.isoformat()),
    st.from_regex(r"\A\d{1,4}-\d{1,2}-\d{1,2}([T ]\d{1,2}:\d{2}(:\d{2})?)?(Z|[+-]\d{2}:?\d{2})?\Z"),
)
DATE_VALUES = st.one_of(
    DATE_TEXTS,
    st.datetimes(timezones=st.none() | OFFSETS),
    st.dates(),
    st.none(),
    st.integers(),
)


@SOME
@given(value=DATE_VALUES, zone=ZONES)
# The ends of datetime's range, moved out of it by the conversion to UTC.
@example(value="0001-01-01T00:00:00+14:00", zone="UTC")
@example(value="9999-12-31T23:59:59-14:00", zone="UTC")
@example(value="9999-12-31", zone="America/St_Johns")
def test_a_date_is_aware_utc_from_1990_or_refused(value: object, zone: str) -> None:
    try:
        moment = parse_date(value, ZoneInfo(zone))
    except NormaliseError:
        return
    assert isinstance(moment, datetime)
    assert moment.utcoffset() == timedelta(0)
    assert moment.tzinfo is UTC or moment.tzinfo == UTC
    assert moment >= EARLIEST


# --- links ---------------------------------------------------------------------------------

SCHEMES = st.sampled_from(
    ["http", "https", "HTTP", "mailto", "javascript", "JaVaScRiPt", "data", "file", "ftp", ""]
)
URL_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
URLS = st.one_of(
    st.text(),
    st.builds(
        lambda scheme, sep, host, path, query, fragment: (
            f"{scheme}{sep}{host}/{path}?{query}#{fragment}"
        ),
        SCHEMES,
        st.sampled_from(["://", ":", ":\t//", "&#58;//", ":///", " : //"]),
        st.one_of(
            st.sampled_from(["example.org", "EXAMPLE.org:8080", "[::1]", "[", "user@h", ""]),
            URL_TEXT,
        ),
        URL_TEXT,
        st.lists(st.tuples(URL_TEXT, URL_TEXT), max_size=3).map(
            lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)
        ),
        URL_TEXT,
    ),
)


@SOME
@given(url=URLS)
@example(url="http://[")  # the fuzz target's find: urlsplit refuses an unclosed IPv6 host
@example(url="0 ?")
def test_canonical_url_never_raises_and_is_idempotent(url: str) -> None:
    canonical = canonical_url(url)
    assert canonical_url(canonical) == canonical


_UNSAFE_IN_LINK = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


@SOME
@given(url=URLS, mailto=st.booleans())
def test_a_safe_link_is_http_or_mailto_clean_and_stable(url: str, mailto: bool) -> None:
    schemes = frozenset({"http", "https", "mailto"} if mailto else {"http", "https"})
    link = safe_link(url, schemes)
    if link is None:
        return
    allowed = ("http://", "https://", "mailto:") if mailto else ("http://", "https://")
    assert link.lower().startswith(allowed), link
    assert not _UNSAFE_IN_LINK.search(link), link
    assert safe_link(link, schemes) == link


# --- identity ------------------------------------------------------------------------------

NOW = datetime(2024, 5, 6, 10, tzinfo=UTC)
# Small pools, so that links, GUIDs and texts collide within a batch and across sources.
POOL_URLS = st.sampled_from([None, "https://a.example/1", "https://a.example/2", "https://b/3"])
POOL_GUIDS = st.sampled_from([None, "g1", "g2", "https://a.example/1"])
POOL_TEXTS = st.sampled_from(["", "Un texte.", "Een tekst.", "A text."])


@st.composite
def entries(draw: st.DrawFn, source: str) -> tuple[RawEntry, Item]:
    """A raw entry of ``source`` and the item normalisation would make of it."""
    is_file = draw(st.booleans())
    key = draw(st.sampled_from(["k1", "k2", "k3"]))
    title = draw(st.sampled_from(["T1", "T2"]))
    url = draw(POOL_URLS)
    raw = RawEntry(
        source_id=source,
        source_name=source,
        location=source,
        key=key,
        title=title,
        published=NOW,
        url=url,
        guid=None if is_file else draw(POOL_GUIDS),
        is_file=is_file,
    )
    item = Item(
        id=f"{source}/{key}",
        source_id=source,
        source_name=source,
        url=url or "",
        title=title,
        published=NOW,
        language="fr",
        text=draw(POOL_TEXTS),
    )
    return raw, item


def _ingest(batch: list[tuple[RawEntry, Item]], known: dict[str, str]) -> list[str]:
    """Ids of a batch as the store gives them: resolved, then every key bound to its id."""
    ids = []
    for (_raw, item), keys in zip(batch, keys_for(batch), strict=True):
        item_id = resolve(item, keys, known)
        known.update(dict.fromkeys(keys.present(), item_id))
        ids.append(item_id)
    return ids


@SOME
@given(batch=st.lists(entries("alpha"), max_size=6))
def test_ids_are_stable_from_one_read_to_the_next(batch: list[tuple[RawEntry, Item]]) -> None:
    assert keys_for(batch) == keys_for(batch)
    known: dict[str, str] = {}
    first = _ingest(batch, known)
    assert _ingest(batch, known) == first


@SOME
@given(
    theirs=st.lists(entries("alpha"), max_size=5),
    mine=entries("beta"),
    extra=st.dictionaries(
        st.sampled_from(["url:https://a.example/1", "url:https://b/3", "text:beta/x"]),
        st.sampled_from(["alpha/k1", "alpha/zz"]),
    ),
)
def test_a_source_never_resolves_to_another_sources_item(
    theirs: list[tuple[RawEntry, Item]], mine: tuple[RawEntry, Item], extra: dict[str, str]
) -> None:
    known: dict[str, str] = {}
    _ingest(theirs, known)
    # Bindings of the other source's items under any key the incoming item may have.
    _raw, item = mine
    (keys,) = keys_for([mine])
    known.update(extra)
    known.update(dict.fromkeys(keys.present(), "alpha/k2"))
    assert not resolve(item, keys, known).startswith("alpha/")
    assert not resolve(item, Keys(keys.own, keys.url, None), known).startswith("alpha/")


# --- sentences -----------------------------------------------------------------------------

SENTENCE_TEXT = st.lists(
    st.sampled_from(
        [
            *"aAbBéÉxXyZ 0123.,!?…«»\"'()-\n\t\u00a0\u202f\u200b\u00ad“”„‘’‚",
            *(" M. ", " bijv. ", "e.g. ", "J. R. ", "3.5 ", "\n\n"),
        ]
    ),
    max_size=60,
).map("".join) | st.text(max_size=80)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


@SOME
@given(text=SENTENCE_TEXT, language=st.sampled_from(["fr", "nl", "en", "de", "ja"]))
def test_sentences_are_cut_from_the_text_they_split(text: str, language: str) -> None:
    sentences = split_sentences(text, language)
    flat = " ".join(text.translate(_INVISIBLE).split())
    # Quotation marks are added where a quotation is closed and reopened between sentences.
    added = marks(language).characters
    for sentence in sentences:
        assert sentence and sentence == sentence.strip()
        assert not unbalanced(sentence, language), sentence
        assert _bare(sentence, added) in _bare(flat, added), (sentence, flat)
    if "-" not in text:  # a subheading between dashes loses its dashes; all else is kept
        assert _bare("".join(sentences), added) == _bare(flat, added)


def _bare(text: str, marks: str) -> str:
    """``text`` without white space and quotation marks."""
    return "".join(text.translate(dict.fromkeys(map(ord, marks))).split())


# --- article files -------------------------------------------------------------------------

SUFFIXES = st.sampled_from([*READERS, ".MD", ".xml", ""])
YAML_VALUE = st.one_of(st.text(max_size=30), st.integers(), st.lists(st.text(max_size=8)))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
ARTICLE_BYTES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.builds(
        lambda keys, body: (
            "---\n" + "".join(f"{k}: {v}\n" for k, v in keys.items()) + "---\n" + body
        ).encode("utf-8", "surrogatepass"),
        st.dictionaries(
            st.sampled_from(["title", "date", "url", "lang", "source", "tags", "authors"]),
            YAML_VALUE.map(str),
        ),
        st.text(max_size=100),
    ),
    st.builds(
        lambda objects: json.dumps(objects).encode(),
        st.lists(
            st.dictionaries(
                st.sampled_from(["title", "date", "url", "body", "html", "tags", "lang"]),
                JSON_VALUES,
            ),
            max_size=3,
        )
        | JSON_VALUES,
    ),
    st.builds(
        lambda title, body: (
            f"<html><head><title>{title}</title></head><body><p>{body}</p></body></html>"
        ).encode("utf-8", "surrogatepass"),
        st.text(max_size=40),
        st.text(max_size=200),
    ),
)


@pytest.fixture(scope="module")
def article_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


@FEW
@given(data=ARTICLE_BYTES, suffix=SUFFIXES)
# The fuzz target's find: a canonical link with an unclosed IPv6 host.
@example(
    data=b'<html><head><title>T</title><link rel="canonical" href="http://[x"></head>'
    b"<body><article><p>" + b"Un paragraphe assez long pour le texte principal. " * 4 + b"</p>"
    b"</article></body></html>",
    suffix=".html",
)
def test_an_article_file_is_read_or_refused(article_folder: Path, data: bytes, suffix: str) -> None:
    assume(suffix or data)
    path = article_folder / f"2024-05-06-article{suffix}"
    path.write_bytes(data)
    notes: list[tuple[str, str]] = []
    try:
        articles, _text = read_articles(path, lambda what, action: notes.append((what, action)))
    except BadArticle as exc:
        assert str(exc)
        return
    finally:
        path.unlink()
    for article in articles:
        assert isinstance(article.title, str) and article.title.strip()
