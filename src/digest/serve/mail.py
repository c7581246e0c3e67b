"""The service's own mails: a confirmation link, or a signed link asked for by address.

Plain text, in each of the digest's languages (the page's language first), from
``settings.sender``, handed to the SMTP server ``digest send`` uses. :class:`MailGuard`
keeps one address from being mailed again within a few minutes, so a stranger cannot
turn the forms into a mail bomb.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Literal, Protocol

from digest.config import Settings
from digest.deliver.transport import DeliveryError, SmtpTransport
from digest.render.i18n import Catalogs

#: Seconds during which an address that was mailed gets no other mail from the service.
RESEND_SECONDS = 600.0
#: Addresses remembered at most by the guard.
_MAX_GUARDED = 100_000

Kind = Literal["confirm", "known", "unsubscribe", "preferences"]


class Mailer(Protocol):
    """Hands one message to a mail server."""

    def send(self, recipient: str, message: EmailMessage) -> None:
        """Send ``message`` to ``recipient``.

        Raises:
            DeliveryError: the server could not be reached or refused the message.
        """
        ...


class SmtpMailer:
    """:class:`Mailer` over the digest's SMTP settings, one connection per message."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sender = parseaddr(settings.sender)[1] or settings.sender

    def send(self, recipient: str, message: EmailMessage) -> None:
        """See :meth:`Mailer.send`."""
        transport = SmtpTransport(self.settings.smtp)
        try:
            reply = transport.send(
                self.sender, recipient, message.as_bytes(policy=SMTP), lambda: None
            )
        finally:
            transport.close()
        if reply.outcome != "accepted":
            raise DeliveryError(f"mail to {recipient} not accepted: {reply}")


class MailGuard:
    """Which addresses were mailed within the last ``window`` seconds; thread-safe."""

    def __init__(self, window: float, now: Callable[[], float]) -> None:
        self.window = window
        self._now = now
        self._sent: dict[str, float] = {}
        self._lock = threading.Lock()

    def claim(self, email: str) -> bool:
        """Whether ``email`` may be mailed now; if so, it is counted as mailed now."""
        now = self._now()
        key = email.lower()
        with self._lock:
            last = self._sent.get(key)
            if last is not None and now - last < self.window:
                return False
            self._sent.pop(key, None)
            self._sent[key] = now
            while len(self._sent) > _MAX_GUARDED:
                del self._sent[next(iter(self._sent))]
            return True

    def release(self, email: str) -> None:
        """Forget a claim whose mail could not be sent (the next request may try again)."""
        with self._lock:
            self._sent.pop(email.lower(), None)


@dataclass(frozen=True)
class Letter:
    """What one mail says: its kind and the link it carries."""

    kind: Kind
    link: str
    #: A second link (the unsubscribe link of a "known" mail), or "".
    other: str = ""


# Messages of the ``serve`` domain, kept out of ``make i18n``'s digest.pot (which takes
# every literal given to a ``t`` call): serve.po is written by hand.
_STOP = "To stop receiving it, open this link:"
_IGNORE = "If you did not ask for this, ignore this mail."
_SUBJECTS: dict[Kind, str] = {
    "confirm": "Confirm your subscription",
    "known": "You are already subscribed",
    "unsubscribe": "Your unsubscribe link",
    "preferences": "Your preferences link",
}
_BODIES: dict[Kind, tuple[str, ...]] = {
    "confirm": (
        "Someone, probably you, asked to receive %(title)s at this address.",
        "To confirm, open this link within %(hours)s hours and press the button:",
    ),
    "known": (
        "Someone, probably you, asked to subscribe this address to %(title)s, "
        "which already receives it.",
        "To change your languages or themes, open this link:",
    ),
    "unsubscribe": (
        "Someone, probably you, asked for a link to unsubscribe this address from %(title)s.",
        "To stop receiving it, open this link and press the button:",
    ),
    "preferences": (
        "Someone, probably you, asked for a link to the preferences of this address for %(title)s.",
        "To change your languages or themes, open this link:",
    ),
}


def compose(
    settings: Settings,
    catalogs: Catalogs,
    languages: Sequence[str],
    recipient: str,
    letter: Letter,
    now: datetime,
) -> EmailMessage:
    """The plain-text mail of ``letter`` to ``recipient``, in ``languages`` in that order."""
    hours = f"{settings.serve.confirm_hours:g}"
    parts: list[str] = []
    for lang in languages:
        title = settings.title[lang]  # type: ignore[index]
        values = {"title": title, "hours": hours}
        lines = [catalogs.t(lang, line, **values) for line in _BODIES[letter.kind]]
        lines += ["", letter.link, ""]
        if letter.other:
            lines += [catalogs.t(lang, _STOP), "", letter.other]
            lines.append("")
        lines.append(catalogs.t(lang, _IGNORE))
        parts.append("\n".join(lines))
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = recipient
    message["Subject"] = " / ".join(
        dict.fromkeys(catalogs.t(lang, _SUBJECTS[letter.kind]) for lang in languages)
    )
    message["Date"] = format_datetime(now.astimezone(UTC))
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n\n----\n\n".join(parts) + "\n", charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = ", ".join(languages)
    return message


__all__ = [
    "RESEND_SECONDS",
    "DeliveryError",
    "Letter",
    "MailGuard",
    "Mailer",
    "SmtpMailer",
    "compose",
]
