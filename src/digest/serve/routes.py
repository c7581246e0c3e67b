"""The handlers: subscribe, confirm, unsubscribe (RFC 8058 one-click too), preferences,
and the forms that mail a signed link to an address.

A ``GET`` never changes anything (mail scanners follow links): each signed link opens a
page whose button does what the link is for. Every answer about an address is the same
whether the store knows it or not.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from digest.deliver.links import LinkError, Purpose
from digest.deliver.subscribers import Subscriber
from digest.errors import InputError
from digest.render.i18n import language_name
from digest.serve.pages import OTHER_NEWS
from digest.serve.service import Choices
from digest.serve.web import Refused, Web

_ASK = {
    "unsubscribe": (
        "Unsubscribe",
        "Give your address: if it is subscribed, we send it a link to unsubscribe.",
    ),
    "preferences": (
        "Your preferences",
        "Give your address: if it is subscribed, we send it a link to its preferences.",
    ),
}


#: A handler of the service: the shared :class:`Web` and the request.
Handler = Callable[[Web, Request], Awaitable[Response]]


def _refusals(handler: Handler) -> Handler:
    """``handler`` answering a :class:`Refused` with its page."""

    async def wrapped(web: Web, request: Request) -> Response:
        try:
            return await handler(web, request)
        except Refused as refused:
            return refused.response

    wrapped.__doc__ = handler.__doc__
    return wrapped


@_refusals
async def subscribe(web: Web, request: Request) -> Response:
    """``/{lang}/subscribe``: the form (GET), a confirmation mail (POST)."""
    lang = request.path_params["lang"]
    if lang not in web.settings.languages:
        return not_found(web, request)
    email, error, chosen = "", "", Choices((lang,))
    if request.method == "POST":
        form = await web.submission(request, lang)
        email = form.get("email").strip()
        chosen = Choices(form.all("languages"), form.all("themes"))
        try:
            address = web.service.address(email)
        except InputError:
            error = "This is not an email address we can write to. Please check it."
        else:
            try:
                chosen = web.service.choices(chosen.languages, chosen.themes)
            except InputError:
                error = "Choose at least one language."
            else:
                service = web.service
                await web.run(request, lang, lambda: service.subscribe(address, chosen, lang))
                return web.message(
                    request,
                    lang,
                    "Check your mailbox",
                    (
                        "We have sent a mail to the address you gave. Open the link it "
                        "holds to confirm: until then, nothing else is sent to it.",
                        "No mail after a few minutes? Look in your spam folder.",
                    ),
                    path=f"{lang}/subscribe",
                )
    return web.page(
        request,
        "subscribe.html.j2",
        lang,
        form=True,
        title="Subscribe",
        path=f"{lang}/subscribe",
        alternates="subscribe",
        status=400 if error else 200,
        action=f"{web.base}{lang}/subscribe",
        email=email,
        error=error,
        languages=web.pages.language_options(chosen.languages, (lang,)),
        themes=web.pages.theme_options(chosen.themes, web.pages.languages(lang)),
    )


@_refusals
async def confirm(web: Web, request: Request) -> Response:
    """``/confirm/{token}``: what will be subscribed (GET), the subscription (POST)."""
    token = request.path_params["token"]
    lang = web.lang()
    try:
        asked = web.service.request(token)
    except LinkError as exc:
        return web.bad_link(request, exc)
    lang = web.lang(asked.languages[0])
    if request.method == "POST":
        await web.submission(request, lang)
        service = web.service
        try:
            sub = await web.run(request, lang, lambda: service.confirm(token))
        except LinkError as exc:  # expired between the page and the button
            return web.bad_link(request, exc, lang)
        return web.message(
            request,
            lang,
            "Subscription confirmed",
            ("%(email)s receives the next editions. Welcome!",),
            links=_account_links(web, sub.email, sub.languages[0]),
            path="confirm",
            email=sub.email,
        )
    return web.page(
        request,
        "button.html.j2",
        lang,
        form=True,
        title="Confirm your subscription",
        path="confirm",
        action=f"{web.base}confirm/{token}",
        lines=("Press the button to receive the digest at %(email)s.",),
        values={"email": asked.email},
        summary=_summary(web, asked.email, asked.languages, asked.themes),
        button="Confirm my subscription",
        links=(),
    )


@_refusals
async def unsubscribe(web: Web, request: Request) -> Response:
    """``/unsubscribe/{token}``: a page with a button (GET), the unsubscribe (POST).

    A POST whose body is ``List-Unsubscribe=One-Click`` (RFC 8058, sent by the mail
    provider) needs no CSRF field nor rate limit: the signed URL is its authorisation.
    It answers 200 without a page.
    """
    token = request.path_params["token"]
    try:
        account = web.service.account("unsubscribe", token)
    except LinkError as exc:
        return web.bad_link(request, exc)
    lang = web.lang(account.subscriber.languages[0] if account.subscriber else None)
    if request.method == "POST":
        form = await web.form(request, lang)
        service = web.service
        if form.get("List-Unsubscribe") == "One-Click":
            await web.run(request, lang, lambda: service.unsubscribe(token))
            return Response(status_code=200, headers={"Cache-Control": "no-store"})
        await web.submission(request, lang, form)
        done = await web.run(request, lang, lambda: service.unsubscribe(token))
        return web.message(
            request,
            lang,
            "You are unsubscribed",
            (
                "%(email)s will receive no more editions.",
                "Changed your mind? You can subscribe again from your preferences.",
            ),
            links=(
                (web.service.links.url("preferences", done.email), "Subscribe again"),
                (f"{web.base}web/{lang}/index.html", "Read the editions on the web"),
            ),
            path="unsubscribe",
            email=done.email,
        )
    sub = account.subscriber
    if sub is None or sub.status != "active":
        return web.message(
            request,
            lang,
            "Not subscribed",
            ("%(email)s receives no editions.",),
            links=(
                (web.service.links.url("preferences", account.email), "Subscribe again"),
                (f"{web.base}{lang}/subscribe", "Subscribe"),
            ),
            path="unsubscribe",
            email=account.email,
        )
    return web.page(
        request,
        "button.html.j2",
        lang,
        form=True,
        title="Unsubscribe",
        path="unsubscribe",
        action=f"{web.base}unsubscribe/{token}",
        lines=("Press the button and %(email)s will receive no more editions.",),
        values={"email": account.email},
        summary=(),
        button="Unsubscribe",
        links=(
            (web.service.links.url("preferences", account.email), "Change my preferences instead"),
        ),
    )


@_refusals
async def preferences(web: Web, request: Request) -> Response:
    """``/preferences/{token}``: the languages and themes (GET), saved (POST)."""
    token = request.path_params["token"]
    try:
        account = web.service.account("preferences", token)
    except LinkError as exc:
        return web.bad_link(request, exc)
    sub = account.subscriber
    lang = web.lang(sub.languages[0] if sub else None)
    if sub is None:
        return web.message(
            request,
            lang,
            "Not subscribed",
            ("%(email)s receives no editions.",),
            links=((f"{web.base}{lang}/subscribe", "Subscribe"),),
            path="preferences",
            status=404,
            email=account.email,
        )
    error, saved = "", False
    if request.method == "POST":
        form = await web.submission(request, lang)
        try:
            chosen = web.service.choices(form.all("languages"), form.all("themes"))
        except InputError:
            error = "Choose at least one language."
        else:
            service = web.service
            try:
                account = await web.run(request, lang, lambda: service.save(token, chosen))
            except LinkError as exc:
                return web.bad_link(request, exc, lang)
            assert account.subscriber is not None
            sub, saved = account.subscriber, True
    return _preferences_page(web, request, token, sub, error, saved)


def _preferences_page(
    web: Web, request: Request, token: str, sub: Subscriber, error: str, saved: bool
) -> Response:
    lang = web.lang(sub.languages[0])
    langs = web.pages.languages(lang)
    return web.page(
        request,
        "preferences.html.j2",
        lang,
        form=True,
        title="Your preferences",
        path="preferences",
        status=400 if error else 200,
        action=f"{web.base}preferences/{token}",
        email=sub.email,
        status_name=sub.status,
        error=error,
        saved=saved,
        languages=web.pages.language_options(sub.languages, sub.languages),
        themes=web.pages.theme_options(sub.themes, langs),
        unsubscribe=web.service.links.url("unsubscribe", sub.email),
    )


def ask(purpose: Purpose) -> Handler:
    """``/unsubscribe`` or ``/preferences`` without a token: a form asking for the
    address, which gets the signed link by mail if the store knows it."""

    @_refusals
    async def handler(web: Web, request: Request) -> Response:
        lang = web.lang(request.query_params.get("lang"))
        title, intro = _ASK[purpose]
        email, error = "", ""
        if request.method == "POST":
            form = await web.submission(request, lang)
            email = form.get("email").strip()
            try:
                address = web.service.address(email)
            except InputError:
                error = "This is not an email address we can write to. Please check it."
            else:
                service = web.service
                await web.run(request, lang, lambda: service.mail_link(purpose, address, lang))
                return web.message(
                    request,
                    lang,
                    "Check your mailbox",
                    (
                        "If this address is subscribed, we have sent it a mail with the link.",
                        "No mail after a few minutes? Look in your spam folder.",
                    ),
                    path=purpose,
                )
        return web.page(
            request,
            "ask.html.j2",
            lang,
            form=True,
            title=title,
            path=purpose,
            status=400 if error else 200,
            action=f"{web.base}{purpose}",
            intro=intro,
            email=email,
            error=error,
        )

    return handler


def not_found(web: Web, request: Request) -> Response:
    """The bilingual 404 page."""
    lang = web.lang()
    return web.message(
        request,
        lang,
        "Page not found",
        ("There is no page at this address.",),
        status=404,
        links=(
            (f"{web.base}{lang}/subscribe", "Subscribe"),
            (f"{web.base}web/{lang}/index.html", "Read the editions on the web"),
        ),
    )


def home(web: Web, request: Request) -> Response:
    """``/``: the archive of the digest's first language."""
    return RedirectResponse(f"{web.base}web/{web.lang()}/index.html", status_code=303)


def _account_links(web: Web, email: str, lang: str) -> tuple[tuple[str, str], ...]:
    return (
        (web.service.links.url("preferences", email), "Change my preferences"),
        (f"{web.base}web/{web.lang(lang)}/index.html", "Read the editions on the web"),
    )


def _summary(
    web: Web, email: str, languages: tuple[str, ...], themes: tuple[str, ...]
) -> tuple[Row, ...]:
    first = languages[0]
    names = {t.id: t.labels.get(first, t.id) for t in web.service.themes}
    names["general"] = web.pages.catalogs.t(first, OTHER_NEWS)
    shown = Row("Themes", ", ".join(names.get(t, t) for t in themes), first)
    return (
        Row("Address", email),
        Row("Languages", ", ".join(language_name(x) for x in languages)),
        shown if themes else Row("Themes", "Every theme", message=True),
    )


@dataclass(frozen=True)
class Row:
    """One line of a summary: a label (a message) and a value."""

    label: str
    text: str
    #: The language of ``text``, when it is in one.
    lang: str | None = None
    #: ``text`` is a message of the catalog, shown in every language.
    message: bool = False
