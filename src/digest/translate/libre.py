"""LibreTranslate backend: ``POST <url>/translate`` on a server the operator runs.

Bounded like the feed fetcher: connect and read timeouts, and at most
:data:`MAX_BYTES` of answer. No retry: a failure makes the chain move on.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from digest import __version__
from digest.translate.base import TranslationError

#: The largest answer read; a translation of a key point is a few hundred bytes.
MAX_BYTES = 256 * 1024


class LibreTranslate:
    """A :class:`~digest.translate.base.Translator` over a LibreTranslate server."""

    name = "libretranslate"

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.location = url.rstrip("/")
        self.api_key = api_key
        self.max_bytes = max_bytes
        self._client = httpx.Client(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            headers={"User-Agent": f"digest/{__version__}", "Accept": "application/json"},
            follow_redirects=False,
        )

    def translate(self, text: str, source: str, target: str) -> str | None:
        """Translate with the server; see :class:`~digest.translate.base.Translator`.

        Raises:
            TranslationError: no connection, a timeout, an HTTP error, an answer over
                :data:`MAX_BYTES` or without ``translatedText``.
        """
        payload: dict[str, Any] = {"q": text, "source": source, "target": target, "format": "text"}
        if self.api_key:
            payload["api_key"] = self.api_key
        try:
            with self._client.stream("POST", f"{self.location}/translate", json=payload) as answer:
                body = self._read(answer)
                status = answer.status_code
        except httpx.HTTPError as exc:
            raise TranslationError(self.location, f"{type(exc).__name__}: {exc}") from exc
        if status == 400 and "not supported" in _error_text(body).lower():
            return None  # a language pair this server does not offer: not a failure
        if status != 200:
            raise TranslationError(self.location, f"HTTP {status}: {_error_text(body)}")
        try:
            translated = json.loads(body)["translatedText"]
        except (ValueError, KeyError, TypeError):
            raise TranslationError(self.location, "answer without translatedText") from None
        if not isinstance(translated, str):
            raise TranslationError(self.location, "translatedText is not text")
        return translated.strip() or None

    def _read(self, answer: httpx.Response) -> bytes:
        declared = answer.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            raise TranslationError(self.location, f"answer larger than {self.max_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        for chunk in answer.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise TranslationError(self.location, f"answer larger than {self.max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()


def _error_text(body: bytes) -> str:
    # LibreTranslate answers errors as {"error": "..."}; anything else is shown cut short.
    try:
        message = json.loads(body).get("error")
    except (ValueError, AttributeError):
        message = None
    text = str(message) if message else body[:200].decode("utf-8", "replace")
    return " ".join(text.split()) or "no message"
