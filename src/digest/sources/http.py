"""Fetching feeds over HTTP: bounded, polite, conditional and retried.

Every request has connect and read timeouts, follows at most
:data:`MAX_REDIRECTS` redirects, accepts gzip, sends a clear User-Agent, and
stops reading past :data:`MAX_BYTES` of (decompressed) body. A known ETag or
Last-Modified makes the request conditional, so an unchanged feed costs a 304.
Timeouts, connection failures and 5xx answers are retried with exponential
backoff; 4xx answers are not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from digest import __version__
from digest.errors import SourceError

MAX_BYTES = 10 * 1024 * 1024
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


class HttpFetcher:
    """Fetches URLs with the limits above; one client, reused, per fetcher."""

    def __init__(
        self,
        *,
        max_bytes: int = MAX_BYTES,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF,
        timeout: httpx.Timeout = TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_bytes = max_bytes
        self.attempts = attempts
        self.backoff = backoff
        self.sleep = sleep
        self.client = httpx.Client(
            timeout=timeout,
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        )

    def close(self) -> None:
        """Close the connections."""
        self.client.close()

    def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url``, conditionally when a validator is known.

        Raises:
            SourceError: after the last attempt failed, or at once for a 4xx, a
                redirect loop, or a body over the size cap; the message says which.
        """
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for attempt in range(1, self.attempts + 1):
            try:
                return self._once(url, headers)
            except _Retryable as exc:
                if attempt == self.attempts:
                    raise SourceError(url, f"{exc} (after {attempt} attempts)") from exc
                self.sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, url: str, headers: dict[str, str]) -> FetchResult:
        try:
            with self.client.stream("GET", url, headers=headers) as response:
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
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise SourceError(url, f"body is over the {self.max_bytes}-byte cap")
                return FetchResult(
                    True,
                    bytes(body),
                    response.headers.get("ETag"),
                    response.headers.get("Last-Modified"),
                    str(response.url),
                )
        except httpx.TooManyRedirects as exc:
            raise SourceError(url, f"more than {MAX_REDIRECTS} redirects") from exc
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise _Retryable(f"connection failed ({exc})") from exc
        except httpx.HTTPError as exc:
            raise SourceError(url, f"download failed: {exc}") from exc


class _Retryable(Exception):
    """A failure worth another attempt."""
