"""The RFC 5322 message of an edition: multipart/alternative, text then HTML."""

from __future__ import annotations

import contextlib
import hashlib
from datetime import datetime
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

from digest.clean import clean_line
from digest.config import Settings

#: Longest subject and sender name kept (characters): mail clients show far less, and
#: no folded header line may pass RFC 5322's 998 bytes.
SUBJECT_CHARS = 250
NAME_CHARS = 100


def build_message(
    settings: Settings,
    *,
    message_key: str,
    subject: str,
    date: datetime,
    languages: tuple[str, ...],
    text: str,
    html: str,
    unsubscribe_url: str | None = None,
) -> bytes:
    """The message as bytes with CRLF line ends, ready for SMTP.

    Every header is a function of the arguments (the MIME boundary too), so
    the same edition gives the same bytes. ``To`` is an empty group: the
    sender fills in each recipient.

    Args:
        unsubscribe_url: the web link of ``List-Unsubscribe`` (RFC 8058 one-click, after
            the ``mailto:``); default the generic page ``{base_url}unsubscribe``.
    """
    domain = urlsplit(settings.base_url).hostname or "localhost"
    message = EmailMessage(policy=SMTP)
    message["Subject"] = header_text(subject, SUBJECT_CHARS)
    message["From"] = _sender(settings.sender)
    message["To"] = "undisclosed-recipients:;"
    message["Date"] = format_datetime(date.astimezone(settings.zone))
    message["Message-ID"] = f"<{message_key}@{domain}>"
    message["List-Unsubscribe"] = (
        f"<mailto:{settings.unsubscribe_address}?subject=unsubscribe>, "
        f"<{unsubscribe_url or settings.base_url + 'unsubscribe'}>"
    )
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    # After the body: set_content() drops every Content-* header set before it.
    message["Content-Language"] = ", ".join(languages)
    digest = hashlib.sha256((text + html).encode("utf-8")).hexdigest()[:32]
    message.set_boundary(f"=_digest_{digest}")
    return message.as_bytes()


def header_text(value: str, limit: int) -> str:
    """``value`` fit for a header: one line, at most ``limit`` characters.

    Encoded words (``=?utf-8?q?...?=``) in it are decoded first and cleaned like the rest:
    some Python 3.11 releases decode them when the header is set and then write a CR/LF
    they hid as a real line break (a forged ``Bcc:``). What is left of ``=?`` cannot
    start another one.
    """
    text = clean_line(value)
    if "=?" in text:
        # Words that are not valid encoded words are taken as the text they are.
        with contextlib.suppress(ValueError, LookupError, UnicodeError):
            text = clean_line(str(make_header(decode_header(text))))
        text = text.replace("=?", "= ?")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _sender(sender: str) -> Address:
    """The ``From`` address, its display name made safe by :func:`header_text`."""
    name, address = parseaddr(clean_line(sender))
    username, _at, domain = address.rpartition("@")
    return Address(header_text(name, NAME_CHARS), username or address, domain if username else "")
