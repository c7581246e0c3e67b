"""What every handler shares: pages with their CSRF field, submissions checked in one
place (rate limit, bounded form, CSRF), and errors turned into bilingual pages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from digest.config import Settings
from digest.deliver.links import LinkError
from digest.deliver.transport import DeliveryError
from digest.errors import StoreError
from digest.serve.forms import COOKIE, Csrf, Form, FormError, read_form
from digest.serve.pages import Pages
from digest.serve.ratelimit import RateLimiter, client_address
from digest.serve.service import Service
from digest.sqlite_file import reason

T = TypeVar("T")
log = logging.getLogger("digest.serve")


class Refused(Exception):
    """A request answered with a page instead of going on (carries the response)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class Web:
    """The service's HTTP side: settings, pages, CSRF, rate limit, the service itself."""

    def __init__(
        self,
        settings: Settings,
        service: Service,
        pages: Pages,
        csrf: Csrf,
        limiter: RateLimiter,
    ) -> None:
        self.settings = settings
        self.service = service
        self.pages = pages
        self.csrf = csrf
        self.limiter = limiter
        self.base = settings.base_url

    def page(
        self, request: Request, template: str, lang: str, *, form: bool = False, **context: Any
    ) -> Response:
        """A page; one with a ``form`` gets a CSRF field bound to the client's cookie."""
        cookie = None
        if form:
            cookie = self.csrf.cookie_of(request.cookies) or self.csrf.new_cookie()
            context["csrf"] = self.csrf.field(cookie)
        response = self.pages.render(template, lang, **context)
        response.headers["Cache-Control"] = "no-store"
        if cookie is not None:
            response.set_cookie(
                COOKIE,
                cookie,
                max_age=2 * 24 * 3600,
                path=self.csrf.path,
                secure=self.csrf.secure,
                httponly=True,
                samesite="strict",
            )
        return response

    def message(
        self,
        request: Request,
        lang: str,
        title: str,
        lines: tuple[str, ...],
        *,
        status: int = 200,
        links: tuple[tuple[str, str], ...] = (),
        path: str = "",
        **values: Any,
    ) -> Response:
        """A page saying ``lines`` under ``title``, with ``links`` ((href, label) pairs)."""
        return self.page(
            request,
            "message.html.j2",
            lang,
            title=title,
            path=path,
            status=status,
            lines=lines,
            links=links,
            values=values,
        )

    def lang(self, first: str | None = None) -> str:
        """``first`` if the digest has it, else the digest's first language."""
        return first if first in self.settings.languages else self.settings.languages[0]

    def client(self, request: Request) -> str:
        """The client's address (see :func:`client_address`)."""
        peer = request.client.host if request.client else None
        return client_address(peer, request.headers, self.settings.serve.trusted_proxies)

    async def submission(self, request: Request, lang: str, form: Form | None = None) -> Form:
        """The form of a submission that passes the rate limit and the CSRF check.

        Raises:
            Refused: 429, 413, 415, 400 or 403, with its page; nothing was counted as done.
        """
        verdict = self.limiter.hit(self.client(request))
        if not verdict.allowed:
            response = self.message(
                request,
                lang,
                "Too many requests",
                ("Too many requests from your connection. Please try again in a few minutes.",),
                status=429,
            )
            response.headers["Retry-After"] = str(verdict.retry_after)
            raise Refused(response)
        try:
            if form is None:
                form = await read_form(request)
            self.csrf.check(request, form)
        except FormError as exc:
            log.info("form refused: %s", exc)
            raise Refused(self.refusal(request, lang, exc.status)) from None
        return form

    async def form(self, request: Request, lang: str) -> Form:
        """The bounded form of ``request``, not yet checked (see :meth:`submission`).

        Raises:
            Refused: 413, 415 or 400, with its page.
        """
        try:
            return await read_form(request)
        except FormError as exc:
            raise Refused(self.refusal(request, lang, exc.status)) from None

    def refusal(self, request: Request, lang: str, status: int) -> Response:
        """The page of a submission refused with ``status``."""
        if status == 403:
            line = (
                "This form has expired or was not sent from this site. Please open the "
                "page again and send it from there (cookies must be allowed for this site)."
            )
        else:
            line = "This request could not be read."
        return self.message(request, lang, "Request refused", (line,), status=status)

    def bad_link(self, request: Request, error: LinkError, lang: str | None = None) -> Response:
        """The page of a refused signed link: 403 expired, 400 otherwise; nothing changed."""
        lang = self.lang(lang)
        links = (
            (f"{self.base}{lang}/subscribe", "Subscribe"),
            (f"{self.base}preferences", "Get a new preferences link"),
            (f"{self.base}unsubscribe", "Get a new unsubscribe link"),
        )
        if error.expired:
            return self.message(
                request,
                lang,
                "This link has expired",
                ("This link is too old to be used. Nothing was changed.",),
                status=403,
                links=links,
            )
        return self.message(
            request,
            lang,
            "This link is not valid",
            (
                "This link is not valid: it may have been cut or changed. Nothing was "
                "changed. Copy the whole link from the mail, or ask for a new one.",
            ),
            status=400,
            links=links,
        )

    async def run(self, request: Request, lang: str, call: Callable[[], T]) -> T:
        """``call()`` in a worker thread; a store or mail failure becomes a 503 page.

        Raises:
            Refused: 503, the failure logged in one line.
        """
        try:
            return await run_in_threadpool(call)
        except (StoreError, SQLAlchemyError, DeliveryError) as exc:
            text = exc.reason if isinstance(exc, (StoreError, DeliveryError)) else reason(exc)
            log.error("%s", text)
            raise Refused(
                self.message(
                    request,
                    lang,
                    "Service unavailable",
                    ("The service cannot do this at the moment. Please try again later.",),
                    status=503,
                )
            ) from None
