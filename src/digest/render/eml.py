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
from functools import lru_cache
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
    # The message is written with a stand-in body per part, then given its bodies, encoded
    # here as the email package encodes them (its quoted-printable and line ends, a few
    # times faster): the same bytes. A stand-in found anywhere else is no stand-in.
    domain = urlsplit(settings.base_url).hostname or "localhost"
    headers = {
        "Subject": header_text(subject, SUBJECT_CHARS),
        "Date": format_datetime(date.astimezone(settings.zone)),
        "Message-ID": f"<{message_key}@{domain}>",
    }
    unsubscribe = unsubscribe_url or settings.base_url + "unsubscribe"
    skeleton = _skeleton(settings.sender, settings.unsubscribe_address, unsubscribe, languages)
    written = skeleton.filled(headers, digest) if skeleton is not None else None
    if written is not None:
        stand_ins = skeleton.stand_ins if skeleton is not None else ()
        for stand_in, body in zip(stand_ins, (text, html), strict=True):
            marker = stand_in + b"\r\n"
            if written.count(marker) != 1:
                written = None
                break
            written = written.replace(marker, quoted_printable(body, _WIDTH))
    if written is not None:
        return written
    message = _message(settings.sender, settings.unsubscribe_address, unsubscribe, headers)
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return _finished(message, languages, digest)


class _Skeleton:
    """The bytes of a message of one sender and languages with stand-ins for the rest:
    the headers of :data:`_VARYING` (the email package writes each header on its own,
    so each message's are folded alone), the MIME boundary's digest and the bodies.

    The email package builds a message in some milliseconds: a build writes some
    hundreds of messages of the same sender.
    """

    def __init__(self, written: bytes, lines: dict[str, bytes], stand_ins: tuple[bytes, ...]):
        self.written = written
        self.lines = lines
        self.stand_ins = stand_ins

    def filled(self, headers: dict[str, str], digest: str) -> bytes | None:
        """The skeleton with these headers and boundary (None: a header the email
        package would not write as it is, or one it folds into a stand-in)."""
        written = self.written
        for name, stand_in in self.lines.items():
            line = _folded(name, headers[name])
            if line is None:
                return None
            written = written.replace(stand_in, line)
        boundary = _boundary(digest).encode("ascii")
        written = written.replace(_boundary(_SKELETON_DIGEST).encode("ascii"), boundary)
        if written.count(boundary) != _BOUNDARIES:
            return None
        return written


#: The headers each message writes with its own value (:class:`_Skeleton`), and the
#: values its skeleton is written with.
_VARYING = {
    "Subject": "s",
    "Date": "Mon, 01 Jan 2001 00:00:00 +0000",
    "Message-ID": "<m@skeleton.invalid>",
}
#: The digest of a skeleton's boundary and stand-in bodies.
_SKELETON_DIGEST = "0123456789abcdef" * 2
#: A multipart/alternative message of two parts names its boundary four times.
_BOUNDARIES = 4


@lru_cache(maxsize=64)
def _skeleton(
    sender: str, unsubscribe_address: str, unsubscribe_url: str, languages: tuple[str, ...]
) -> _Skeleton | None:
    """The skeleton of these messages (None: the stand-ins are not found once each)."""
    stand_ins = tuple(f"{_SKELETON_DIGEST}-{n}-{_STAND_IN}".encode("ascii") for n in (0, 1))
    message = _message(sender, unsubscribe_address, unsubscribe_url, _VARYING)
    message.set_content(
        stand_ins[0].decode(), subtype="plain", charset="utf-8", cte="quoted-printable"
    )
    message.add_alternative(
        stand_ins[1].decode(), subtype="html", charset="utf-8", cte="quoted-printable"
    )
    written = _finished(message, languages, _SKELETON_DIGEST)
    lines = {}
    for name, value in _VARYING.items():
        line = _folded(name, value)
        if line is None or written.count(line) != 1:
            return None
        lines[name] = line
    found = [written.count(stand_in + b"\r\n") for stand_in in stand_ins]
    if found != [1, 1] or written.count(_boundary(_SKELETON_DIGEST).encode()) != _BOUNDARIES:
        return None
    return _Skeleton(written, lines, stand_ins)


def _folded(name: str, value: str) -> bytes | None:
    """Header ``name: value`` as the email package writes it in a message (None: it would
    refuse to, or the line may not stand alone)."""
    line = SMTP.fold_binary(*SMTP.header_store_parse(name, value))
    linesep = SMTP.linesep.encode("ascii")
    if not line.endswith(linesep) or _BARE_NEWLINE.search(line[: -len(linesep)]):
        return None
    return line


#: A line break not followed by folding white space (the email package's generator's
#: check: such a header is refused).
_BARE_NEWLINE = re.compile(rb"\r\n[^ \t]|\r[^ \n\t]|\n[^ \t]")


def _boundary(digest: str) -> str:
    return f"=_digest_{digest}"


#: Ends the stand-in bodies of :func:`build_message`.
_STAND_IN = "body-of-the-part"
#: The longest encoded line: the SMTP policy's.
_WIDTH = SMTP.max_line_length or 78


def _message(
    sender: str, unsubscribe_address: str, unsubscribe_url: str, headers: dict[str, str]
) -> EmailMessage:
    """The message's headers before its body (``headers``: those of :data:`_VARYING`)."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = headers["Subject"]
    message["From"] = _sender(sender)
    message["To"] = "undisclosed-recipients:;"
    message["Date"] = headers["Date"]
    message["Message-ID"] = headers["Message-ID"]
    message["List-Unsubscribe"] = (
        f"<mailto:{unsubscribe_address}?subject=unsubscribe>, <{unsubscribe_url}>"
    )
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def _finished(message: EmailMessage, languages: tuple[str, ...], digest: str) -> bytes:
    """The message with its body set: its last headers, then its bytes."""
    # After the body: set_content() drops every Content-* header set before it.
    message["Content-Language"] = ", ".join(languages)
    message.set_boundary(_boundary(digest))
    return message.as_bytes()


def quoted_printable(text: str, width: int) -> bytes:
    """``text`` as the email package writes a part's body set with
    ``set_content(text, charset="utf-8", cte="quoted-printable")`` under a policy with
    CRLF line ends and lines of ``width`` characters at most: UTF-8, quoted-printable
    (:func:`email.quoprimime.body_encode`), each line ended by CRLF."""
    data = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"
    # The bytes body_encode's table quotes, each "=XX" in capitals: "=" (the commonest,
    # in HTML) replaced at once, then the other runs, each run written once.
    parts = _UNSAFE_RUNS.split(data.replace(b"=", b"=3D"))
    parts[1::2] = [_QUOTED.get(run) or _quoted(run) for run in parts[1::2]]
    body = b"".join(parts).decode("ascii")
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


#: The runs of bytes quoted-printable quotes in a body but "=": all but tab, the line
#: ends and the printable ASCII characters (split keeps them: a capturing group).
_UNSAFE_RUNS = re.compile(rb"([^\t\n\r -~]+)")
#: Runs quoted so far (:func:`_quoted`), and how many are kept at most.
_QUOTED: dict[bytes, bytes] = {}
_QUOTED_KEPT = 16384


def _quoted(run: bytes) -> bytes:
    """``run`` quoted: "=XX" each byte, in capitals."""
    quoted = b"=" + run.hex("=").upper().encode("ascii")
    if len(_QUOTED) < _QUOTED_KEPT:
        _QUOTED[run] = quoted
    return quoted


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
