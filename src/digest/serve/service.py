"""What the subscription service does, apart from HTTP: subscribe, confirm, unsubscribe,
preferences, links by mail.

The store changes only on a signed link: a subscription request travels in its
confirmation link (:class:`~digest.deliver.links.Request`), so an unconfirmed request
never touches the store, and a request for an address that is already active mails it
its preferences link instead. Whatever the address, the caller gets the same answer
(no account enumeration).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from digest.config import Settings
from digest.deliver.links import LinkError, Links, Purpose, Request
from digest.deliver.registry import Registry
from digest.deliver.subscribers import Subscriber, sendable_address
from digest.errors import InputError
from digest.model import Theme
from digest.render.i18n import Catalogs
from digest.serve.mail import Letter, Mailer, MailGuard, compose


@dataclass(frozen=True)
class Choices:
    """Languages (in the subscriber's order) and themes (none: every theme) asked for."""

    languages: tuple[str, ...]
    themes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Account:
    """The subscriber a signed link names, as the store has it (None: unknown)."""

    email: str
    subscriber: Subscriber | None


class Service:
    """The subscription service's operations on the store and the mail server.

    Args:
        settings: the digest's settings (languages, titles, ``serve``).
        registry: the store's subscribers.
        links: signs and reads links (its clock decides expiry).
        mailer: sends the service's mails.
        guard: keeps an address from being mailed twice in a short while.
        catalogs: the ``serve`` messages, for the mails.
        themes: the taxonomy's themes a subscriber may choose (``general`` is added).
        now: the clock of the store's dates.
    """

    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        links: Links,
        mailer: Mailer,
        guard: MailGuard,
        catalogs: Catalogs,
        themes: Sequence[Theme],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.links = links
        self.mailer = mailer
        self.guard = guard
        self.catalogs = catalogs
        self.themes = tuple(themes)
        self.theme_ids = frozenset(t.id for t in themes) | {"general"}
        self.now = now

    def address(self, text: str) -> str:
        """``text`` as a sendable address.

        Raises:
            InputError: not a usable address.
        """
        try:
            return sendable_address(text)
        except ValueError as exc:
            raise InputError(str(exc)) from None

    def choices(self, languages: Sequence[str], themes: Sequence[str]) -> Choices:
        """The valid choices among ``languages`` and ``themes`` (unknown ones dropped).

        Raises:
            InputError: no language of the digest chosen.
        """
        langs = tuple(dict.fromkeys(lang for lang in languages if lang in self.settings.languages))
        if not langs:
            raise InputError("choose at least one language")
        chosen = tuple(dict.fromkeys(t for t in themes if t in self.theme_ids))
        return Choices(langs, chosen)

    def subscribe(self, email: str, choices: Choices, page_lang: str) -> None:
        """Mail ``email`` a confirmation link carrying ``choices``, or its preferences
        link when it is already active; nothing when it was mailed a moment ago.

        Raises:
            DeliveryError: the mail server did not take the mail (nothing counted).
        """
        known = self.registry.get(email)
        if known is not None and known.status == "active":
            letter = Letter(
                "known",
                self.links.url("preferences", email),
                self.links.url("unsubscribe", email),
            )
        else:
            request = Request(email, choices.languages, choices.themes)
            letter = Letter("confirm", self.links.request_url(request))
        self._mail(email, letter, self._languages(page_lang, choices.languages))

    def mail_link(self, purpose: Purpose, email: str, page_lang: str) -> None:
        """Mail a known address (not bounced) its ``purpose`` link; nothing for others.

        Raises:
            DeliveryError: the mail server did not take the mail (nothing counted).
        """
        known = self.registry.get(email)
        if known is None or known.status in ("bounced", "pending"):
            return
        kind: Literal["unsubscribe", "preferences"] = (
            "unsubscribe" if purpose == "unsubscribe" else "preferences"
        )
        self._mail(
            email,
            Letter(kind, self.links.url(kind, email)),
            self._languages(page_lang, known.languages),
        )

    def request(self, token: str) -> Request:
        """The subscription request of a confirm link, checked.

        Raises:
            LinkError: a bad or expired link, or one whose content is not usable.
        """
        request = self.links.read_request(token)
        try:
            email = sendable_address(request.email)
            choices = self.choices(request.languages, request.themes)
        except (ValueError, InputError):
            raise LinkError("this link is not valid") from None
        return Request(email, choices.languages, choices.themes)

    def confirm(self, token: str) -> Subscriber:
        """Activate the subscription a confirm link carries; the subscriber as stored.

        Raises:
            LinkError: a bad or expired link (nothing changes).
        """
        request = self.request(token)
        sub = Subscriber(request.email, request.languages, request.themes)
        self.registry.confirm(sub, self.now())
        stored = self.registry.get(request.email)
        assert stored is not None
        return stored

    def account(self, purpose: Purpose, token: str) -> Account:
        """The subscriber an unsubscribe or preferences link names.

        Raises:
            LinkError: a bad or expired link.
        """
        email = self.links.read(purpose, token)
        return Account(email, self.registry.get(email))

    def unsubscribe(self, token: str) -> Account:
        """Unsubscribe the address of an unsubscribe link (an unknown or already
        unsubscribed address changes nothing); the account as it is now.

        Raises:
            LinkError: a bad or expired link (nothing changes).
        """
        account = self.account("unsubscribe", token)
        sub = account.subscriber
        if sub is not None and sub.status in ("active", "pending"):
            sub = self.registry.set_status(account.email, "unsubscribed", self.now())
        return Account(account.email, sub)

    def save(self, token: str, choices: Choices) -> Account:
        """Give the address of a preferences link these choices; an address that had
        unsubscribed becomes active again (its owner opened the link and saved).

        Raises:
            LinkError: a bad or expired link, or an address the store does not know.
        """
        account = self.account("preferences", token)
        if account.subscriber is None:
            raise LinkError("no subscription for this address")
        sub = self.registry.set_choices(
            account.email, choices.languages, choices.themes, self.now(), resubscribe=True
        )
        return Account(account.email, sub)

    def _languages(self, first: str, others: Sequence[str]) -> tuple[str, ...]:
        ordered = [first, *others, *self.settings.languages]
        return tuple(dict.fromkeys(lang for lang in ordered if lang in self.settings.languages))

    def _mail(self, email: str, letter: Letter, languages: Sequence[str]) -> None:
        if not self.guard.claim(email):
            return
        message = compose(self.settings, self.catalogs, languages, email, letter, self.now())
        try:
            self.mailer.send(email, message)
        except BaseException:
            self.guard.release(email)
            raise
