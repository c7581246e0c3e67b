"""Form submissions: a bounded body, bounded fields, and CSRF protection.

CSRF: each page with a form sets a random cookie (``HttpOnly``, ``SameSite=Strict``) and
puts the cookie's value, signed and dated with the digest's secret, in a hidden field; a
submission is taken only when the field is valid, recent and names the cookie it came
with, and when its ``Origin`` (or ``Referer``) header, if any, is the service's own.
The RFC 8058 one-click unsubscribe is the one exception: its signed URL authorises it.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.types import Message

from digest.errors import InputError

#: Largest request body read, in bytes: a form of the service is far smaller.
MAX_BODY = 16 * 1024
#: Fields and characters per field taken at most.
MAX_FIELDS = 64
MAX_FIELD = 320
#: Hours a form's CSRF field stays valid (a page left open over a day is reloaded).
CSRF_HOURS = 24
COOKIE = "digest_csrf"


class FormError(InputError):
    """A submission refused before it is looked at; ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Form:
    """The fields of one submission (each at most :data:`MAX_FIELD` characters)."""

    fields: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str:
        """The first value of ``name``, or ""."""
        return next((value for key, value in self.fields if key == name), "")

    def all(self, name: str) -> tuple[str, ...]:
        """Every value of ``name``, in the order sent."""
        return tuple(value for key, value in self.fields if key == name)


async def read_form(request: Request) -> Form:
    """The form of ``request`` (urlencoded or multipart, no file), read within bounds.

    Raises:
        FormError: 413 for a body over :data:`MAX_BODY`, 415 for another content type,
            400 for a malformed body or too many fields.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise FormError("request body too large", 413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise FormError("request body too large", 413)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", "multipart/form-data", ""):
        raise FormError("not a form", 415)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    try:
        async with Request(request.scope, replay).form(max_files=0, max_fields=MAX_FIELDS) as data:
            return _fields(data)
    except Exception as exc:  # starlette's parsers raise several kinds on a bad body
        raise FormError(f"malformed form: {exc}", 400) from None


def _fields(data: FormData) -> Form:
    fields: list[tuple[str, str]] = []
    for key, value in data.multi_items():
        if not isinstance(value, str):
            raise FormError("files are not taken", 400)
        fields.append((key[:MAX_FIELD], value[:MAX_FIELD]))
    return Form(tuple(fields))


class Csrf:
    """Issues and checks the CSRF fields of one service.

    Args:
        secret: the digest's secret (with a salt of its own).
        origin: the service's origin (``https://digest.example``) from ``base_url``.
        secure: whether the cookie is sent over HTTPS only.
        path: the cookie's path (the path of ``base_url``).
    """

    def __init__(self, secret: str, origin: str, *, secure: bool, path: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="digest.serve.csrf")
        self.origin = origin
        self.secure = secure
        self.path = path

    def cookie_of(self, cookies: Mapping[str, str]) -> str | None:
        """The request's CSRF cookie value, if it is one of ours."""
        value = cookies.get(COOKIE, "")
        return value if 20 <= len(value) <= 64 and value.isascii() else None

    @staticmethod
    def new_cookie() -> str:
        """A fresh random cookie value."""
        return secrets.token_urlsafe(32)

    def field(self, cookie: str) -> str:
        """The hidden field's value for ``cookie``."""
        return str(self._serializer.dumps(cookie))

    def check(self, request: Request, form: Form) -> None:
        """Refuse a submission not made from one of the service's own pages.

        Raises:
            FormError: 403, saying why.
        """
        if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            raise FormError("form sent from another site", 403)
        origin = request.headers.get("origin")
        # Referrer-Policy no-referrer makes browsers send "Origin: null" with a form.
        if origin and origin != "null" and origin != self.origin:
            raise FormError("form sent from another site", 403)
        referer = request.headers.get("referer")
        if not origin and referer and _origin(referer) != self.origin:
            raise FormError("form sent from another site", 403)
        cookie = self.cookie_of(request.cookies)
        if cookie is None:
            raise FormError("no form cookie: cookies must be allowed for this site", 403)
        try:
            signed = self._serializer.loads(form.get("csrf"), max_age=CSRF_HOURS * 3600)
        except BadSignature:
            raise FormError("this form has expired or was not made here", 403) from None
        if not isinstance(signed, str) or not hmac.compare_digest(signed, cookie):
            raise FormError("this form has expired or was not made here", 403)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def origin_of(base_url: str) -> str:
    """The origin of ``base_url``: scheme and host (and port)."""
    return _origin(base_url)
