"""Fetching feeds over HTTP: bounded, polite, conditional and retried.

Every request has connect and read timeouts, follows at most
:data:`MAX_REDIRECTS` redirects, accepts gzip, sends a clear User-Agent, and
stops reading past ``max_bytes`` of body at any layer of compression (on the
wire, after each ``Content-Encoding``, and inside a gzip body). A whole fetch,
every attempt and wait included, ends by an overall deadline (``seconds``),
checked after every chunk received, so a server that sends one byte at a time
is cut off. A known ETag or Last-Modified makes the request conditional, so an
unchanged feed costs a 304. Timeouts, connection failures and 5xx answers are
retried with exponential backoff while time is left; 4xx answers are not.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx

from digest import __version__
from digest.config import Limits
from digest.errors import SourceError
from digest.sources.bounds import decompressed

#: Default cap on a body, in bytes, at any layer of compression.
MAX_BYTES = Limits().feed_bytes
#: Default seconds a whole fetch may take.
FETCH_SECONDS = Limits().fetch_seconds
MAX_REDIRECTS = 5
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = f"digest/{__version__} (feed reader; +https://digest.example/about)"
#: Attempts in all, the first included.
ATTEMPTS = 3
#: Seconds before the first retry; doubled before each next one.
BACKOFF = 1.0


@dataclass(frozen=True)
class FetchResult:
    """What a fetch brought back."""

    #: False for a 304: the feed did not change, ``body`` is empty.
    modified: bool
    body: bytes
    etag: str | None
    last_modified: str | None
    #: The URL after redirects.
    url: str
    #: The ``Content-Type`` header, whose charset decides the decoding (RFC 7303).
    content_type: str | None = None


class HttpFetcher:
    """Fetches URLs with the limits above; one client, reused, per fetcher."""

    def __init__(
        self,
        *,
        max_bytes: int = MAX_BYTES,
        seconds: float = FETCH_SECONDS,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF,
        timeout: httpx.Timeout = TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_bytes = max_bytes
        self.seconds = seconds
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.sleep = sleep
        self.client = httpx.Client(
            timeout=timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        )

    @classmethod
    def within(cls, limits: Limits) -> HttpFetcher:
        """A fetcher with the body cap and the deadline of ``limits``."""
        return cls(max_bytes=limits.feed_bytes, seconds=limits.fetch_seconds)

    def close(self) -> None:
        """Close the connections."""
        self.client.close()

    def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url``, conditionally when a validator is known.

        Raises:
            SourceError: after the last attempt failed or the deadline passed, or at
                once for a 4xx, a redirect loop, or a body over the size cap; the
                message says which.
        """
        deadline = time.monotonic() + self.seconds
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for attempt in range(1, self.attempts + 1):
            try:
                return self._once(url, headers, deadline)
            except _Retryable as exc:
                if attempt == self.attempts:
                    raise SourceError(url, f"{exc} (after {attempt} attempts)") from exc
                wait = self.backoff * 2 ** (attempt - 1)
                if time.monotonic() + wait >= deadline:
                    raise SourceError(
                        url, f"{exc}, and no time left to try again {self._within}"
                    ) from exc
                self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    @property
    def _within(self) -> str:
        return f"within {self.seconds:g} s (limits.fetch_seconds)"

    def _once(self, url: str, headers: dict[str, str], deadline: float) -> FetchResult:
        left = deadline - time.monotonic()
        if left <= 0:
            raise SourceError(url, f"download not finished {self._within}")
        # Each wait for the server also ends by the deadline.
        timeout = httpx.Timeout(
            min(self.timeout.read or left, left),
            connect=min(self.timeout.connect or left, left),
            write=min(self.timeout.write or left, left),
            pool=min(self.timeout.pool or left, left),
        )
        try:
            with self.client.stream("GET", url, headers=headers, timeout=timeout) as response:
                if response.status_code == 304:
                    # A 304 may omit the validators: the ones sent stay valid.
                    return FetchResult(
                        modified=False,
                        body=b"",
                        etag=response.headers.get("ETag") or headers.get("If-None-Match"),
                        last_modified=response.headers.get("Last-Modified")
                        or headers.get("If-Modified-Since"),
                        url=str(response.url),
                    )
                if response.status_code >= 500:
                    raise _Retryable(f"server error {response.status_code}")
                if response.status_code >= 400:
                    raise SourceError(url, f"client error {response.status_code}")
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > self.max_bytes:
                    raise SourceError(
                        url, f"body of {declared} bytes is over the {self.max_bytes}-byte cap"
                    )
                encodings = response.headers.get("Content-Encoding", "").split(",")
                body = decompressed(
                    self._until(deadline, url, response.iter_raw()),
                    encodings,
                    location=url,
                    max_bytes=self.max_bytes,
                )
                return FetchResult(
                    True,
                    body,
                    response.headers.get("ETag"),
                    response.headers.get("Last-Modified"),
                    str(response.url),
                    response.headers.get("Content-Type"),
                )
        except httpx.TooManyRedirects as exc:
            raise SourceError(url, f"more than {MAX_REDIRECTS} redirects") from exc
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise _Retryable(f"connection failed ({exc})") from exc
        except httpx.HTTPError as exc:
            raise SourceError(url, f"download failed: {exc}") from exc

    def _until(self, deadline: float, url: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """``chunks`` until the deadline: then the download is given up, not retried."""
        for chunk in chunks:
            if time.monotonic() > deadline:
                raise SourceError(url, f"download not finished {self._within}")
            yield chunk


class _Retryable(Exception):
    """A failure worth another attempt."""
