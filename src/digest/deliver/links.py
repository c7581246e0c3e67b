"""Signed links of one subscriber: confirm a subscription, unsubscribe, change preferences.

A link carries the address and when it was signed, under an HMAC keyed by the digest's
``secret`` (itsdangerous, a well-kept implementation of exactly this), with one salt per
purpose: a preferences link cannot unsubscribe and a confirmation link cannot be made
from an unsubscribe link. ``digest send`` writes them into each message
(``List-Unsubscribe``, footer); ``digest serve`` reads them back.

The URLs, under ``base_url`` (where ``digest serve`` answers):

- ``confirm/<token>``: confirms a pending subscription (valid ``serve.confirm_hours``);
- ``unsubscribe/<token>``: RFC 8058 one-click ``POST``, or a ``GET`` page with a button;
- ``preferences/<token>``: languages and themes;
- ``unsubscribe`` and ``preferences`` without a token: the generic links of the outbox's
  ``.eml`` (a form asking for the address, which gets a signed link by mail).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from digest.config import Settings
from digest.errors import InputError

Purpose = Literal["confirm", "unsubscribe", "preferences"]
_SALT = "digest.subscriber."


class LinkError(InputError):
    """A link that is forged, altered, made for another purpose, or expired."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class Request:
    """A subscription asked for and not yet confirmed: what the confirm link carries.

    The choices travel in the signed link rather than in the store, so a request that is
    never confirmed changes nothing, not even an active subscriber's preferences.
    """

    email: str
    #: Languages in the subscriber's order.
    languages: tuple[str, ...]
    #: Theme ids; empty for every theme.
    themes: tuple[str, ...] = ()


def _clocked(now: Callable[[], float]) -> type[TimestampSigner]:
    class _Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(now())

    return _Signer


@dataclass(frozen=True)
class SubscriberLinks:
    """The links of one subscriber's message."""

    unsubscribe: str
    preferences: str


@dataclass(frozen=True)
class Links:
    """Signs and reads subscriber links with the settings' secret."""

    settings: Settings
    #: The clock signing and checking ages (seconds since the epoch); tests pass their own.
    now: Callable[[], float] = field(default=time.time, compare=False)

    @staticmethod
    def available(settings: Settings) -> bool:
        """Whether ``settings`` hold a secret to sign with."""
        return settings.secret is not None and bool(settings.secret.get_secret_value())

    def _serializer(self, purpose: Purpose) -> URLSafeTimedSerializer:
        secret = self.settings.secret
        if secret is None or not secret.get_secret_value():
            raise InputError("no secret to sign links (secret = ... or DIGEST_SECRET)")
        return URLSafeTimedSerializer(
            secret.get_secret_value(), salt=_SALT + purpose, signer=_clocked(self.now)
        )

    def token(self, purpose: Purpose, email: str) -> str:
        """A token saying ``email`` for ``purpose``, signed now."""
        return str(self._serializer(purpose).dumps(email))

    def _load(self, purpose: Purpose, token: str) -> Any:
        hours = (
            self.settings.serve.confirm_hours
            if purpose == "confirm"
            else self.settings.serve.link_days * 24
        )
        try:
            return self._serializer(purpose).loads(token[:2000], max_age=int(hours * 3600))
        except SignatureExpired:
            raise LinkError("this link has expired", expired=True) from None
        except BadSignature:
            raise LinkError("this link is not valid") from None

    def read(self, purpose: Purpose, token: str) -> str:
        """The address ``token`` was signed for.

        Raises:
            LinkError: a bad or expired token (``expired`` tells which).
        """
        email = self._load(purpose, token)
        if isinstance(email, list) and email and purpose == "confirm":
            email = email[0]
        if not isinstance(email, str):
            raise LinkError("this link is not valid")
        return email

    def request_url(self, request: Request) -> str:
        """The confirm URL carrying ``request``'s address, languages and themes."""
        payload = [request.email, list(request.languages), list(request.themes)]
        token = str(self._serializer("confirm").dumps(payload))
        return f"{self.settings.base_url}confirm/{token}"

    def read_request(self, token: str) -> Request:
        """The request a confirm token carries (a plain ``url("confirm", ...)`` token gives
        the digest's languages and every theme).

        Raises:
            LinkError: a bad or expired token (``expired`` tells which).
        """
        payload = self._load("confirm", token)
        if isinstance(payload, str):
            return Request(payload, tuple(self.settings.languages))
        if (
            isinstance(payload, list)
            and len(payload) == 3
            and isinstance(payload[0], str)
            and _strings(payload[1])
            and _strings(payload[2])
            and payload[1]
        ):
            return Request(payload[0], tuple(payload[1]), tuple(payload[2]))
        raise LinkError("this link is not valid")

    def url(self, purpose: Purpose, email: str) -> str:
        """The absolute URL of ``purpose`` for ``email``."""
        return f"{self.settings.base_url}{purpose}/{self.token(purpose, email)}"

    def of(self, email: str) -> SubscriberLinks:
        """The unsubscribe and preferences URLs of ``email``."""
        return SubscriberLinks(self.url("unsubscribe", email), self.url("preferences", email))


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def generic_links(settings: Settings) -> SubscriberLinks:
    """The links of a message that names no recipient (the outbox copy)."""
    return SubscriberLinks(f"{settings.base_url}unsubscribe", f"{settings.base_url}preferences")
