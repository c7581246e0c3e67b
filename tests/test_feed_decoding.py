"""Feeds decoded as RFC 7303 says, read by a parser that is checked, links read once (issue 12).

Fixtures: the minimal reproductions of ``../shared/corpora/feeds-defects`` (read in place;
what a correct reading gives is in ``tests/data/feeds-encodings/defects.json``), and the
feeds of ``tests/data/feeds-encodings`` (written by its ``make_fixtures.py``; expectations
in ``expected.json`` and ``features.json`` beside them). Each is read as a local file and
served over HTTP by a real local server, with and without a charset in Content-Type, and
goes through ``FeedSource`` and normalisation as ``digest build`` reads it.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Response

from digest.model import Problem
from digest.sources.decoding import charset_of, codec_for, decode_document
from digest.sources.feeds import FeedSource
from digest.sources.http import HttpFetcher
from digest.sources.parsing import parse_feed, parse_with
from tests.feeds import build_incoming

DATA = Path(__file__).resolve().parent / "data" / "feeds-encodings"
DEFECTS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "feeds-defects"


def _table(name: str) -> dict[str, Any]:
    table = json.loads((DATA / name).read_text(encoding="utf-8"))
    table.pop("_about", None)
    return dict(table)


DEFECT_TABLE = _table("defects.json")
FEATURES = _table("features.json")
CASES: list[dict[str, Any]] = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def fetcher():  # type: ignore[no-untyped-def]
    opened = HttpFetcher(sleep=lambda _: None)
    yield opened
    opened.close()


def read(
    location: str, fetcher: HttpFetcher | None = None
) -> tuple[list[dict[str, str]], list[Problem]]:
    """The items of one feed as stored (title, date, text, link), and the problems reported."""
    problems: list[Problem] = []
    source = FeedSource("feed", location, timezone="UTC", fetcher=fetcher)
    incoming = build_incoming(source, problems.append)
    items = [
        {
            "title": i.item.title,
            "published": i.item.published.isoformat(),
            "text": i.item.text,
            "url": i.item.url,
        }
        for i in incoming
    ]
    return items, problems


def served(server: HTTPServer, path: Path, content_type: str) -> str:
    """The URL of ``path``'s bytes, served with exactly ``content_type``."""
    url = f"/{path.name}"
    server.expect_request(url).respond_with_response(
        Response(path.read_bytes(), content_type=content_type)
    )
    return server.url_for(url)


def lines(problems: list[Problem]) -> list[str]:
    return [f"{p.what}; {p.action}" for p in problems]


# The defects corpus ------------------------------------------------------------------


def test_the_defects_corpus_is_there() -> None:
    feeds = {p.name for p in DEFECTS.glob("*") if p.suffix in (".rss", ".atom")}
    assert feeds == set(DEFECT_TABLE), f"expected the defect feeds at {DEFECTS}"


@pytest.mark.parametrize("name", sorted(DEFECT_TABLE))
def test_a_defect_feed_read_as_a_file_is_read_right(name: str) -> None:
    expected = DEFECT_TABLE[name]
    items, problems = read(str(DEFECTS / name))
    assert items == expected["items"]
    if expected["warnings"] is not None:
        assert lines(problems) == expected["warnings"]


@pytest.mark.parametrize("charset", [True, False], ids=["with charset", "without charset"])
@pytest.mark.parametrize("name", sorted(DEFECT_TABLE))
def test_a_defect_feed_over_http_is_read_right(
    name: str, charset: bool, httpserver: HTTPServer, fetcher: HttpFetcher
) -> None:
    expected = DEFECT_TABLE[name]
    content_type = expected["charset"] if charset else expected["charset"].split(";")[0]
    url = served(httpserver, DEFECTS / name, content_type)
    items, problems = read(url, fetcher)
    assert items == expected["items"]
    warnings = expected["warnings_with_charset" if charset else "warnings"]
    if warnings is not None:
        assert lines(problems) == warnings
    assert all(p.location == url for p in problems)


# Every encoding, named in the header, the declaration, both, or the two disagreeing ----


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["file"])
def test_an_encoding_named_over_http_is_read_right(
    case: dict[str, Any], httpserver: HTTPServer, fetcher: HttpFetcher
) -> None:
    url = served(httpserver, DATA / case["file"], case["content_type"])
    items, problems = read(url, fetcher)
    assert items == [{k: case[k] for k in ("title", "published", "text")} | {"url": case["link"]}]
    assert lines(problems) == case.get("warnings", [])


@pytest.mark.parametrize("case", [c for c in CASES if c["as_file"]], ids=lambda c: c["file"])
def test_an_encoding_named_in_the_file_is_read_right(case: dict[str, Any]) -> None:
    items, problems = read(str(DATA / case["file"]))
    assert [(i["title"], i["text"]) for i in items] == [(case["title"], case["text"])]
    assert lines(problems) == case.get("warnings_as_file", [])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["file"])
def test_feedparser_reads_the_same_text(case: dict[str, Any]) -> None:
    body = (DATA / case["file"]).read_bytes()
    ours = parse_feed(body, content_type=case["content_type"]).entries[0]
    theirs = feedparser.parse(body, response_headers={"content-type": case["content_type"]})
    if body.startswith(codecs.BOM_UTF16_LE):
        # feedparser lets the header win over a UTF-16 BOM and finds nothing; the BOM
        # must win (RFC 7303 section 3.3, the XML spec's Appendix F).
        assert not theirs.entries
        return
    assert (ours.title, ours.html) == (theirs.entries[0].title, theirs.entries[0].summary)


# XHTML, empty elements before dates, escaped links, repairs --------------------------


@pytest.mark.parametrize("over", ["file", "http"])
@pytest.mark.parametrize("name", sorted(FEATURES))
def test_a_feed_of_the_issue_cases_is_read_right(
    name: str, over: str, httpserver: HTTPServer, fetcher: HttpFetcher
) -> None:
    path = DATA / name
    if over == "file":
        items, problems = read(str(path))
    else:
        kind = "application/atom+xml" if name.endswith(".atom") else "application/rss+xml"
        items, problems = read(served(httpserver, path, kind), fetcher)
    assert items == FEATURES[name]["items"]
    assert lines(problems) == FEATURES[name]["warnings"]


LINKS = [
    "http://example.com/p?b=1&c=2",
    "http://example.com/it's-here",
    "http://example.com/q?x=it's&y=2",
]


@pytest.mark.parametrize("parser", ["feedparser-rs", "feedparser"])
@pytest.mark.parametrize("name", ["escaped-links.atom", "escaped-links.rss"])
def test_entities_in_links_are_decoded_once_by_either_parser(name: str, parser: str) -> None:
    read_by = parse_with(parser, (DATA / name).read_bytes())  # type: ignore[arg-type]
    assert read_by.parser == parser
    assert [e.link for e in read_by.entries] == LINKS
    assert read_by.link == "http://example.com/?a=1&b=2"


@pytest.mark.parametrize(
    ("location", "parser"),
    [
        (DATA / "empty-before-date.rss", "feedparser"),  # the fast one lost a date
        (DATA / "raw-xhtml.rss", "feedparser"),  # the fast one lost a text
        (DEFECTS / "empty-category.rss", "feedparser"),
        (DEFECTS / "raw-xhtml-description.rss", "feedparser"),
        (DATA / "escaped-links.atom", "feedparser-rs"),  # signals agree: one parse
        (DATA / "xhtml-content.atom", "feedparser-rs"),
        (DEFECTS / "iso-pubdate.rss", "feedparser-rs"),  # feedparser misses its dc:date
    ],
    ids=lambda v: getattr(v, "name", v),
)
def test_the_fast_parser_is_checked_and_replaced_where_it_lost_something(
    location: Path, parser: str
) -> None:
    assert parse_feed(location.read_bytes()).parser == parser


def test_entries_the_fast_parser_did_not_return_send_the_document_to_feedparser() -> None:
    # An <entry> in an RSS channel: the fast parser drops it, the tag count says so.
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>One</title><link>http://example.com/1</link><description>a</description>"
        b"</item><item><title>Two</title><link>http://example.com/2</link>"
        b"<description>b</description></item><item ><title>Three</title>"
        b"<link>http://example.com/3</link><description>c</description></item></channel></rss>"
    )
    read_by = parse_feed(body)
    assert [e.title for e in read_by.entries] == ["One", "Two", "Three"]


# The decoding rules, one by one ------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "text", "source"),
    [
        # BOM over the header and the declaration.
        (
            codecs.BOM_UTF8 + b'<?xml version="1.0" encoding="koi8-r"?><a>\xc3\xa9</a>',
            "text/xml; charset=iso-8859-1",
            "é",
            "bom",
        ),
        # The header over the declaration.
        (
            b'<?xml version="1.0" encoding="utf-8"?><a>\xe9</a>',
            "text/xml; charset=ISO-8859-1",
            "é",
            "http",
        ),
        (
            b'<?xml version="1.0" encoding="iso-8859-1"?><a>\xd0\xc9</a>',
            'text/xml; charset="koi8-r"',
            "пи",
            "http",
        ),
        # The declaration when the header has no charset, or names an unknown one.
        (
            b'<?xml version="1.0" encoding="windows-1255"?><a>\xf9</a>',
            "text/xml",
            "ש",
            "declaration",
        ),
        (
            b"<?xml version='1.0' encoding='euc-kr'?><a>\xc7\xd1</a>",
            "text/xml; charset=x-nonsense",
            "한",
            "declaration",
        ),
        # A label that does not decode gives way (here to UTF-8).
        (b'<?xml version="1.0" encoding="us-ascii"?><a>\xe2\x80\x9d</a>', None, "”", "utf-8"),
        # Nothing said: UTF-8, then detection (a Western text: windows-1252).
        (b"<a>\xc3\xa9</a>", None, "é", "utf-8"),
        (
            b"<a>Caf\xe9 \x96 d\xe9j\xe0 vu \x93quoted\x94, na\xefve fa\xe7ade</a>",
            None,
            "Café – déjà vu “quoted”, naïve façade",
            "detected",
        ),
    ],
)
def test_the_encoding_comes_from_the_bom_the_header_the_declaration_then_detection(
    body: bytes, content_type: str | None, text: str, source: str
) -> None:
    decoded = decode_document(body, content_type)
    assert decoded.source == source
    assert text in decoded.body.decode("utf-8")
    assert b"encoding=" not in decoded.body or b'encoding="utf-8"' in decoded.body


@pytest.mark.parametrize("codec", ["utf-16-be", "utf-16-le"])
def test_utf16_without_a_bom_is_read_in_the_byte_order_of_its_declaration(codec: str) -> None:
    body = '<?xml version="1.0" encoding="utf-16"?><a>Ζωή</a>'.encode(codec)
    assert (
        decode_document(body).body
        == b'<?xml version="1.0" encoding="utf-8"?><a>\xce\x96\xcf\x89\xce\xae</a>'
    )


def test_labels_are_read_as_browsers_read_them() -> None:
    assert [codec_for(x) for x in ("ISO-8859-1", "latin1", "us-ascii", "gb2312", "shift_jis")] == [
        "cp1252",
        "cp1252",
        "cp1252",
        "gb18030",
        "cp932",
    ]
    assert [codec_for(x) for x in ("EUC-KR", "tis-620", "koi8-r", "nonsense")] == [
        "cp949",
        "cp874",
        "koi8-r",
        None,
    ]
    assert charset_of('application/rss+xml; Charset="UTF-8"') == "UTF-8"
    assert charset_of("text/xml") is None
    assert charset_of(None) is None


def test_a_plain_utf8_feed_goes_to_the_parsers_as_it_came() -> None:
    body = (DEFECTS / "dup-guid.rss").read_bytes()
    decoded = decode_document(body, "application/rss+xml; charset=utf-8")
    assert decoded.body is body
    assert (decoded.note, decoded.repaired, decoded.suspect) == (None, False, False)


def test_a_feed_that_has_no_dates_or_texts_in_its_items_costs_no_second_parse() -> None:
    # The channel's own <pubDate> and <description> are no sign of a lost date or text.
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Links</title>'
        b"<link>http://example.com/</link><description>A link blog</description>"
        b"<pubDate>Tue, 02 Feb 2021 10:00:00 GMT</pubDate>"
        b"<item><title>One</title><link>http://example.com/1</link></item>"
        b"<item><title>Two</title><link>http://example.com/2</link><description></description>"
        b"</item>"
        b"</channel></rss>"
    )
    read_by = parse_feed(body)
    assert read_by.parser == "feedparser-rs"
    assert [(e.title, e.date_text, e.html) for e in read_by.entries] == [
        ("One", None, ""),
        ("Two", None, ""),
    ]


@pytest.mark.parametrize(
    "label", ["base64", "rot13", "zlib", "undefined", "utf-7", "unicode_escape", "idna", "a\0b"]
)
def test_a_label_that_names_no_text_encoding_is_ignored(label: str) -> None:
    body = b'<?xml version="1.0" encoding="utf-7"?><a>caf\xc3\xa9 +AGEAYgBj-</a>'
    decoded = decode_document(body, f"text/xml; charset={label}")
    assert decoded.source == "utf-8"
    assert "café +AGEAYgBj-" in decoded.body.decode("utf-8")


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=300), content_type=st.one_of(st.none(), st.text(max_size=60)))
def test_any_bytes_and_any_content_type_decode_to_utf8(
    body: bytes, content_type: str | None
) -> None:
    decoded = decode_document(b'<?xml version="1.0" encoding="koi8-r"?>' + body, content_type)
    decoded.body.decode("utf-8")
    decoded = decode_document(body, content_type)
    decoded.body.decode("utf-8")


# The whole way: `digest build` over HTTP and from files, into the store and the outbox --


def test_digest_build_stores_and_publishes_what_the_charset_says(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    from digest.config import load_settings
    from digest.store import Store
    from tests.conftest import copy_sample_tree, run_digest

    tree = copy_sample_tree(tmp_path / "project")
    feeds = tree / "sources" / "feeds"
    # A scratch copy inside the tree's sources folder (local feeds must stay in it).
    (feeds / "cp1252.rss").write_bytes((DEFECTS / "cp1252-no-decl.rss").read_bytes())
    url = served(httpserver, DEFECTS / "latin1-no-decl.rss", "text/xml; charset=iso-8859-1")
    (tree / "sources" / "feeds.toml").write_text(
        f'[[feeds]]\nid = "latin1"\nlocation = "{url}"\n\n'
        '[[feeds]]\nid = "cp1252"\nlocation = "feeds/cp1252.rss"\n',
        encoding="utf-8",
    )
    result = run_digest(tree, "build", "--since", "2021-02-01", "--until", "2021-02-07")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "cp1252.rss" in line]
    assert warnings == [
        "warning: sources/feeds/cp1252.rss: no encoding declared, and the bytes are not UTF-8; "
        "read as windows-1252 (detected)"
    ]
    store = Store(load_settings(tree / "digest.toml").store_url)
    try:
        titles = sorted(item.title for item in store.all_items() if item.source_id != "articles")
    finally:
        store.close()
    assert "Café déjà" in titles
    assert "Café – déjà vu “quoted”" in titles
    published = "".join(
        p.read_text(encoding="utf-8")
        for p in (tree / "outbox").rglob("*")
        if p.suffix in (".xml", ".html")
    )
    # (These items are out of the sample tree's scope: the outbox only must stay clean.)
    assert "\ufffd" not in published
    assert not any("\x80" <= ch <= "\x9f" for ch in published)
