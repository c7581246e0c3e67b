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

from dataclasses import dataclass
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

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
class SubscriberLinks:
    """The links of one subscriber's message."""

    unsubscribe: str
    preferences: str


@dataclass(frozen=True)
class Links:
    """Signs and reads subscriber links with the settings' secret."""

    settings: Settings

    @staticmethod
    def available(settings: Settings) -> bool:
        """Whether ``settings`` hold a secret to sign with."""
        return settings.secret is not None and bool(settings.secret.get_secret_value())

    def _serializer(self, purpose: Purpose) -> URLSafeTimedSerializer:
        secret = self.settings.secret
        if secret is None or not secret.get_secret_value():
            raise InputError("no secret to sign links (secret = ... or DIGEST_SECRET)")
        return URLSafeTimedSerializer(secret.get_secret_value(), salt=_SALT + purpose)

    def token(self, purpose: Purpose, email: str) -> str:
        """A token saying ``email`` for ``purpose``, signed now."""
        return str(self._serializer(purpose).dumps(email))

    def read(self, purpose: Purpose, token: str) -> str:
        """The address ``token`` was signed for.

        Raises:
            LinkError: a bad or expired token (``expired`` tells which).
        """
        hours = (
            self.settings.serve.confirm_hours
            if purpose == "confirm"
            else self.settings.serve.link_days * 24
        )
        try:
            email = self._serializer(purpose).loads(token[:2000], max_age=int(hours * 3600))
        except SignatureExpired:
            raise LinkError("this link has expired", expired=True) from None
        except BadSignature:
            raise LinkError("this link is not valid") from None
        if not isinstance(email, str):
            raise LinkError("this link is not valid")
        return email

    def url(self, purpose: Purpose, email: str) -> str:
        """The absolute URL of ``purpose`` for ``email``."""
        return f"{self.settings.base_url}{purpose}/{self.token(purpose, email)}"

    def of(self, email: str) -> SubscriberLinks:
        """The unsubscribe and preferences URLs of ``email``."""
        return SubscriberLinks(self.url("unsubscribe", email), self.url("preferences", email))


def generic_links(settings: Settings) -> SubscriberLinks:
    """The links of a message that names no recipient (the outbox copy)."""
    return SubscriberLinks(f"{settings.base_url}unsubscribe", f"{settings.base_url}preferences")
