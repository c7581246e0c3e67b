"""The RFC 5322 message of an edition: multipart/alternative, text then HTML."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from urllib.parse import urlsplit

from digest.config import Settings


def build_message(
    settings: Settings,
    *,
    message_key: str,
    subject: str,
    date: datetime,
    languages: tuple[str, ...],
    text: str,
    html: str,
) -> bytes:
    """The message as bytes with CRLF line ends, ready for SMTP.

    Every header is a function of the arguments (the MIME boundary too), so
    the same edition gives the same bytes. ``To`` is an empty group: the
    sender fills in each recipient.
    """
    domain = urlsplit(settings.base_url).hostname or "localhost"
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message["From"] = settings.sender
    message["To"] = "undisclosed-recipients:;"
    message["Date"] = format_datetime(date.astimezone(settings.zone))
    message["Message-ID"] = f"<{message_key}@{domain}>"
    message["List-Unsubscribe"] = (
        f"<mailto:{settings.unsubscribe_address}?subject=unsubscribe>, "
        f"<{settings.base_url}unsubscribe>"
    )
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    # After the body: set_content() drops every Content-* header set before it.
    message["Content-Language"] = ", ".join(languages)
    digest = hashlib.sha256((text + html).encode("utf-8")).hexdigest()[:32]
    message.set_boundary(f"=_digest_{digest}")
    return message.as_bytes()
