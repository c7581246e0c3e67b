"""The ASGI application of ``digest serve``: one declarative table of routes, built by a
factory from the settings, so a test builds its own.

Under ``base_url`` (a reverse proxy maps it to this application's root):

- ``<lang>/subscribe`` (``subscribe`` goes to the first language's): the form;
- ``confirm/<token>``, ``unsubscribe/<token>``, ``preferences/<token>``: signed links;
- ``unsubscribe`` and ``preferences``: forms mailing a signed link to an address;
- ``web/...`` and ``feeds/...``: the outbox's archive and feeds, read-only;
- ``health``: ``ok`` when the store answers.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from digest.config import Settings
from digest.deliver.links import Links
from digest.deliver.registry import Registry
from digest.errors import ConfigError
from digest.serve import routes
from digest.serve.forms import Csrf, origin_of
from digest.serve.mail import RESEND_SECONDS, Mailer, MailGuard, SmtpMailer
from digest.serve.pages import Pages
from digest.serve.ratelimit import RateLimiter
from digest.serve.service import Service
from digest.serve.web import Refused, Web
from digest.store import Store
from digest.taxonomy import load_taxonomy

#: Headers of every answer. Tokens are in URLs: no Referer ever leaves with one.
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "interest-cohort=()",
}
#: The archive's pages (static, no script) when no page set its own policy.
ARCHIVE_CSP = (
    "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
#: The archive's search pages (``/web/<lang>/search.html``) and Pagefind's files
#: (``/web/pagefind/``): its scripts and its WebAssembly, from the archive itself; still no
#: inline script.
SEARCH_CSP = ARCHIVE_CSP.replace("script-src 'none'", "script-src 'self' 'wasm-unsafe-eval'")


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` (and a CSP if none) to each answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # Pagefind's worker gets its policy from its own answer: its files need it too.
        path = scope["path"]
        search = path.startswith("/web/pagefind/") or (
            path.startswith("/web/") and path.endswith("/search.html")
        )
        policy = SEARCH_CSP if search else ARCHIVE_CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", policy.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(
    settings: Settings,
    *,
    mailer: Mailer | None = None,
    now: Callable[[], float] = time.time,
) -> Starlette:
    """The service for ``settings``; its store is opened now and closed at shutdown.

    Args:
        mailer: where the service's mails go (default: the ``[smtp]`` server).
        now: the clock of links, rate limits and the mail guard (seconds); tests pass
            their own to make a link expire or a window pass.

    Raises:
        ConfigError: no secret to sign links with, no SMTP server (without ``mailer``),
            or an unreadable themes file.
        StoreError: the store cannot be opened.
    """
    if not Links.available(settings):
        raise ConfigError(
            "digest serve needs a secret to sign links (secret = ... or DIGEST_SECRET)"
        )
    assert settings.secret is not None
    if mailer is None and not settings.smtp.host:
        raise ConfigError("digest serve mails confirmations: set smtp.host ([smtp] host = ...)")
    taxonomy = load_taxonomy(settings.paths.themes)
    pages = Pages(settings, taxonomy.themes)
    store = Store(settings.store_url)
    links = Links(settings, now=now)
    service = Service(
        settings,
        Registry(store.engine),
        links,
        mailer or SmtpMailer(settings),
        MailGuard(RESEND_SECONDS, now),
        pages.catalogs,
        taxonomy.themes,
    )
    base = urlsplit(settings.base_url)
    csrf = Csrf(
        settings.secret.get_secret_value(),
        origin_of(settings.base_url),
        secure=base.scheme == "https",
        path=base.path or "/",
    )
    limiter = RateLimiter(settings.serve.rate_limit, settings.serve.rate_window, now)
    web = Web(settings, service, pages, csrf, limiter)
    css = pages.env.get_template("web/serve/serve.css.j2").render()

    def bind(handler: routes.Handler) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return await handler(web, request)

        return endpoint

    async def health(request: Request) -> Response:
        def ping() -> None:
            with store.engine.connect() as conn:
                conn.execute(text("SELECT 1"))

        try:
            await web.run(request, web.lang(), ping)
        except Refused:
            return PlainTextResponse("store unavailable\n", status_code=503)
        return PlainTextResponse("ok\n", headers={"Cache-Control": "no-store"})

    async def stylesheet(request: Request) -> Response:
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    async def home(request: Request) -> Response:
        return routes.home(web, request)

    async def first_subscribe(request: Request) -> Response:
        return RedirectResponse(f"{settings.base_url}{web.lang()}/subscribe", status_code=303)

    async def not_found(request: Request, exc: Exception) -> Response:
        return routes.not_found(web, request)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            store.close()

    outbox = settings.paths.outbox
    both = ["GET", "POST"]
    return Starlette(
        routes=[
            Route("/", home),
            Route("/health", health),
            Route("/serve.css", stylesheet),
            Route("/subscribe", first_subscribe),
            Route("/{lang:str}/subscribe", bind(routes.subscribe), methods=both),
            Route("/confirm/{token:str}", bind(routes.confirm), methods=both),
            Route("/unsubscribe/{token:str}", bind(routes.unsubscribe), methods=both),
            Route("/preferences/{token:str}", bind(routes.preferences), methods=both),
            Route("/unsubscribe", bind(routes.ask("unsubscribe")), methods=both),
            Route("/preferences", bind(routes.ask("preferences")), methods=both),
            Mount("/web", StaticFiles(directory=outbox / "web", html=True, check_dir=False)),
            Mount("/feeds", StaticFiles(directory=outbox / "feeds", check_dir=False)),
        ],
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={404: not_found},
        lifespan=lifespan,
    )
