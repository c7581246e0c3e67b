"""The RFC 5322 message of an edition: multipart/alternative, text then HTML."""

from __future__ import annotations

import contextlib
import hashlib
import re
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
    digest = hashlib.sha256((text + html).encode("utf-8")).hexdigest()[:32]
    # The parts are written with a stand-in body each, then given theirs, encoded here as
    # the email package encodes them (its quoted-printable and line ends, a few times
    # faster): the same bytes. A stand-in found anywhere else is no stand-in.
    stand_ins = (f"{digest}-0-{_STAND_IN}", f"{digest}-1-{_STAND_IN}")
    message = _message(settings, message_key, subject, date, languages, unsubscribe_url)
    message.set_content(stand_ins[0], subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(stand_ins[1], subtype="html", charset="utf-8", cte="quoted-printable")
    written = _finished(message, languages, digest)
    for stand_in, body in zip(stand_ins, (text, html), strict=True):
        marker = stand_in.encode("ascii") + b"\r\n"
        if written.count(marker) != 1:
            message = _message(settings, message_key, subject, date, languages, unsubscribe_url)
            message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
            message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
            return _finished(message, languages, digest)
        written = written.replace(marker, quoted_printable(body, _WIDTH))
    return written


#: Ends the stand-in bodies of :func:`build_message`.
_STAND_IN = "body-of-the-part"
#: The longest encoded line: the SMTP policy's.
_WIDTH = SMTP.max_line_length or 78


def _message(
    settings: Settings,
    message_key: str,
    subject: str,
    date: datetime,
    languages: tuple[str, ...],
    unsubscribe_url: str | None,
) -> EmailMessage:
    """The message's headers before its body."""
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
    return message


def _finished(message: EmailMessage, languages: tuple[str, ...], digest: str) -> bytes:
    """The message with its body set: its last headers, then its bytes."""
    # After the body: set_content() drops every Content-* header set before it.
    message["Content-Language"] = ", ".join(languages)
    message.set_boundary(f"=_digest_{digest}")
    return message.as_bytes()


def quoted_printable(text: str, width: int) -> bytes:
    """``text`` as the email package writes a part's body set with
    ``set_content(text, charset="utf-8", cte="quoted-printable")`` under a policy with
    CRLF line ends and lines of ``width`` characters at most: UTF-8, quoted-printable
    (:func:`email.quoprimime.body_encode`), each line ended by CRLF."""
    data = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"
    # The bytes body_encode's table quotes, a run at a time (its table, one character at
    # a time, was most of its time): each "=XX", in capitals.
    body = _UNSAFE.sub(_quoted_run, data).decode("ascii")
    # What body_encode does with each line, as it does it (``eol`` the line end written).
    eol = "\r\n"
    soft_break = "=" + eol
    longest = width - 1
    encoded: list[str] = []
    append = encoded.append
    for line in body.split("\n")[:-1]:
        start = 0
        last_start = len(line) - 1 - width
        while start <= last_start:
            stop = start + longest
            # An escape sequence is never cut.
            if line[stop - 2] == "=":
                append(line[start : stop - 1])
                start = stop - 2
            elif line[stop - 1] == "=":
                append(line[start:stop])
                start = stop - 1
            else:
                append(line[start:stop] + "=")
                start = stop
        if line and line[-1] in " \t":
            room = start - last_start
            if room >= 3:
                end = _quote(line[-1])
            elif room == 2:
                end = line[-1] + soft_break
            else:
                end = soft_break + _quote(line[-1])
            append(line[start:-1] + end)
        else:
            append(line[start:])
    append("")
    return eol.join(encoded).encode("ascii")


#: The bytes quoted-printable leaves as they are in a body: tab, the line ends, and the
#: printable ASCII characters but "=".
_UNSAFE = re.compile(rb"[^\t\n\r -<>-~]+")


def _quoted_run(match: re.Match[bytes]) -> bytes:
    return b"=" + match.group().hex("=").upper().encode("ascii")


def _quote(character: str) -> str:
    return f"={ord(character):02X}"


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
