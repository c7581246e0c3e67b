"""Feeds over a real local HTTP server (pytest-httpserver): limits, validators, retries."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from digest.identity import Incoming
from digest.model import Problem
from digest.sources.feeds import FeedSource
from digest.sources.http import HttpFetcher
from digest.store import Store
from tests.feeds import build_incoming

FEED = (Path(__file__).parent / "data" / "feeds" / "rss2.xml").read_bytes()


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    opened = Store(f"sqlite:///{tmp_path}/store.sqlite3")
    yield opened
    opened.close()


@pytest.fixture
def fetcher():  # type: ignore[no-untyped-def]
    naps: list[float] = []
    opened = HttpFetcher(sleep=naps.append, backoff=0.5)
    opened.naps = naps  # type: ignore[attr-defined]
    yield opened
    opened.close()


def read(source: FeedSource) -> tuple[list[Incoming], list[str]]:
    problems: list[Problem] = []
    incoming = build_incoming(source, problems.append)
    return incoming, [f"{p.what}; {p.action}" for p in problems]


def source(server: HTTPServer, path: str, store: Store | None, fetcher: HttpFetcher) -> FeedSource:
    return FeedSource("web", server.url_for(path), timezone="UTC", states=store, fetcher=fetcher)


def test_conditional_get_turns_an_unchanged_feed_into_a_304(
    httpserver: HTTPServer, store: Store, fetcher: HttpFetcher
) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(
            FEED, headers={"ETag": '"v1"', "Last-Modified": "Tue, 16 Feb 2021 10:00:00 GMT"}
        )

    httpserver.expect_request("/feed.xml").respond_with_handler(handler)
    feed = source(httpserver, "/feed.xml", store, fetcher)
    first, problems = read(feed)
    assert problems == [] and len(first) == 2
    assert store.put(first).added == 2
    second, problems = read(feed)
    assert problems == [] and second == []
    request, response = httpserver.log[-1]
    assert request.headers["If-None-Match"] == '"v1"'
    assert request.headers["If-Modified-Since"] == "Tue, 16 Feb 2021 10:00:00 GMT"
    assert response.status_code == 304
    state = store.feed_state("web")
    assert state is not None
    assert (state.etag, state.failures, state.last_error) == ('"v1"', 0, None)
    assert store.count() == 2


def test_gzip_body_is_read(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        gzip.compress(FEED),
        headers={"Content-Encoding": "gzip"},
        content_type="application/rss+xml",
    )
    items, problems = read(source(httpserver, "/feed.xml", None, fetcher))
    assert problems == []
    assert [i.item.title for i in items] == ["Eerste bericht", "Tweede bericht zonder guid"]
    request, _ = httpserver.log[-1]
    assert "gzip" in request.headers["Accept-Encoding"]
    assert request.headers["User-Agent"].startswith("digest/")


def test_500_then_success_is_retried(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    answers = iter([Response("busy", status=503), Response("oops", status=500), Response(FEED)])
    httpserver.expect_request("/feed.xml").respond_with_handler(lambda request: next(answers))
    items, problems = read(source(httpserver, "/feed.xml", None, fetcher))
    assert problems == [] and len(items) == 2
    assert fetcher.naps == [0.5, 1.0]  # type: ignore[attr-defined]


def test_lasting_5xx_fails_after_every_attempt_and_is_counted(
    httpserver: HTTPServer, store: Store, fetcher: HttpFetcher
) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data("down", status=502)
    feed = source(httpserver, "/feed.xml", store, fetcher)
    for expected_failures in (1, 2):
        items, problems = read(feed)
        assert items == []
        assert problems == ["server error 502 (after 3 attempts); feed skipped"]
        state = store.feed_state("web")
        assert state is not None and state.failures == expected_failures
        assert state.last_error == "server error 502 (after 3 attempts)"
    assert len(httpserver.log) == 6


def test_client_error_is_not_retried(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    httpserver.expect_request("/gone.xml").respond_with_data("no", status=404)
    items, problems = read(source(httpserver, "/gone.xml", None, fetcher))
    assert (items, problems) == ([], ["client error 404; feed skipped"])
    assert len(httpserver.log) == 1


def test_timeout_is_retried_then_reported(httpserver: HTTPServer) -> None:
    import threading

    import httpx

    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(2)
        return Response(FEED)

    httpserver.expect_request("/slow.xml").respond_with_handler(slow)
    naps: list[float] = []
    fetcher = HttpFetcher(timeout=httpx.Timeout(0.2), sleep=naps.append, attempts=2)
    try:
        items, problems = read(source(httpserver, "/slow.xml", None, fetcher))
    finally:
        release.set()
        fetcher.close()
    assert items == []
    assert problems == ["timed out (ReadTimeout) (after 2 attempts); feed skipped"]
    assert naps == [1.0]


def test_oversized_body_is_refused(httpserver: HTTPServer) -> None:
    fetcher = HttpFetcher(max_bytes=1000)
    httpserver.expect_request("/big.xml").respond_with_data(b"<rss>" + b" " * 5000 + b"</rss>")
    try:
        items, problems = read(source(httpserver, "/big.xml", None, fetcher))
    finally:
        fetcher.close()
    assert items == []
    assert problems == ["body of 5011 bytes is over the 1000-byte cap; feed skipped"]


def test_oversized_body_without_length_is_cut(httpserver: HTTPServer) -> None:
    fetcher = HttpFetcher(max_bytes=1000)

    def chunked(request: Request) -> Response:
        return Response((b" " * 500 for _ in range(10)), direct_passthrough=True)

    httpserver.expect_request("/stream.xml").respond_with_handler(chunked)
    try:
        _items, problems = read(source(httpserver, "/stream.xml", None, fetcher))
    finally:
        fetcher.close()
    assert problems == ["body is over the 1000-byte cap; feed skipped"]


def test_redirect_loop_is_stopped(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    items, problems = read(source(httpserver, "/a", None, fetcher))
    assert (items, problems) == ([], ["more than 5 redirects; feed skipped"])
    assert len(httpserver.log) == 6


def test_redirect_is_followed_and_relative_links_resolve_against_the_final_url(
    httpserver: HTTPServer, fetcher: HttpFetcher
) -> None:
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>R</title>'
        b"<item><title>Relative</title><link>news/1</link><guid>r1</guid>"
        b"<pubDate>Mon, 01 Mar 2021 10:00:00 GMT</pubDate>"
        b'<description>&lt;a href="../about"&gt;about&lt;/a&gt;</description></item></channel></rss>'
    )
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/feeds/new.xml"}
    )
    httpserver.expect_request("/feeds/new.xml").respond_with_data(feed)
    items, problems = read(source(httpserver, "/old", None, fetcher))
    assert problems == []
    (entry,) = items
    assert entry.item.url == httpserver.url_for("/feeds/news/1")
    assert f'href="{httpserver.url_for("/feeds/about")}"' in entry.item.html


@pytest.mark.parametrize("encoding", ["gzip", "gzip, gzip"])
def test_double_gzip_bomb_is_cut_while_decompressing(httpserver: HTTPServer, encoding: str) -> None:
    import resource

    from tests.bombs import double_gzip_bomb

    # 1 GiB of zeros gzipped twice: a gzip body in "Content-Encoding: gzip", or both
    # layers declared in the header.
    httpserver.expect_request("/bomb.xml").respond_with_data(
        double_gzip_bomb(), headers={"Content-Encoding": encoding}
    )
    fetcher = HttpFetcher(max_bytes=1_000_000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        items, problems = read(source(httpserver, "/bomb.xml", None, fetcher))
    finally:
        fetcher.close()
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert items == []
    assert problems == ["body is over the 1000000-byte cap once decompressed; feed skipped"]
    assert grown_mb < 50


def test_deflate_zlib_and_raw_are_read(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    import zlib

    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    bodies = {"/zlib.xml": zlib.compress(FEED), "/raw.xml": raw.compress(FEED) + raw.flush()}
    for path, body in bodies.items():
        httpserver.expect_request(path).respond_with_data(
            body, headers={"Content-Encoding": "deflate"}
        )
        items, problems = read(source(httpserver, path, None, fetcher))
        assert (len(items), problems) == (2, [])


def test_damaged_or_unknown_compression_is_reported(
    httpserver: HTTPServer, fetcher: HttpFetcher
) -> None:
    httpserver.expect_request("/cut.xml").respond_with_data(
        gzip.compress(FEED)[:100], headers={"Content-Encoding": "gzip"}
    )
    httpserver.expect_request("/br.xml").respond_with_data(
        b"...", headers={"Content-Encoding": "br"}
    )
    assert read(source(httpserver, "/cut.xml", None, fetcher))[1] == [
        "compressed body ends too early; feed skipped"
    ]
    assert read(source(httpserver, "/br.xml", None, fetcher))[1] == [
        "unsupported Content-Encoding 'br'; feed skipped"
    ]


def test_a_server_that_never_finishes_is_cut_off_at_the_deadline() -> None:
    from tests.bombs import dribbling_server

    fetcher = HttpFetcher(seconds=1, sleep=lambda _: None)
    with dribbling_server(interval=0.05) as url:
        try:
            items, problems = read(FeedSource("slow", url, timezone="UTC", fetcher=fetcher))
        finally:
            fetcher.close()
    assert items == []
    assert problems == ["download not finished within 1 s (limits.fetch_seconds); feed skipped"]


def test_no_retry_starts_after_the_deadline(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/down.xml").respond_with_data("down", status=503)
    naps: list[float] = []
    # The first retry would wait 100 s: past the 1-second deadline, so it is not tried.
    fetcher = HttpFetcher(seconds=1, backoff=100, sleep=naps.append)
    try:
        items, problems = read(source(httpserver, "/down.xml", None, fetcher))
    finally:
        fetcher.close()
    assert (items, naps, len(httpserver.log)) == ([], [], 1)
    assert problems == [
        "server error 503, and no time left to try again within 1 s (limits.fetch_seconds);"
        " feed skipped"
    ]


def test_the_content_type_comes_back_with_the_body_for_its_charset(
    httpserver: HTTPServer, fetcher: HttpFetcher
) -> None:
    body = '<rss version="2.0"><channel><title>Caf\xe9</title></channel></rss>'.encode("latin-1")
    httpserver.expect_request("/latin1.xml").respond_with_response(
        Response(body, content_type="text/xml; charset=iso-8859-1")
    )
    result = fetcher.fetch(httpserver.url_for("/latin1.xml"))
    assert result.content_type == "text/xml; charset=iso-8859-1"
    assert result.body == body
