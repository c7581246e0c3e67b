"""Handing messages to a mail server, one recipient per SMTP transaction.

The standard library's :mod:`smtplib` is the transport: it is maintained with Python
itself, speaks STARTTLS, implicit TLS and AUTH, takes a timeout for every socket
operation, and exposes the protocol steps (``mail``, ``rcpt``, ``DATA``, ``send``,
``getreply``) that let us log a message as ``sending`` just before the final dot, the
moment the server takes responsibility for it. The third-party clients are asyncio
wrappers or thin layers over it, and buy nothing for one sequential sender.
"""

from __future__ import annotations

import re
import select
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from digest.config import SmtpSettings
from digest.errors import DigestError

#: ``accepted`` (2xx after the final dot), ``temporary`` (4xx, or a connection lost or
#: closed by the server before the final dot), ``permanent`` (5xx on RCPT or DATA),
#: ``unknown`` (no answer after the final dot: the server may or may not have taken it).
Outcome = Literal["accepted", "temporary", "permanent", "unknown"]


class DeliveryError(DigestError):
    """Sending cannot go on: no connection, login refused, sender refused, lock lost."""

    message = "delivery failed"


@dataclass(frozen=True)
class Reply:
    """What became of one message handed to the server."""

    outcome: Outcome
    #: The server's reply code; 0 when there was no reply.
    code: int
    #: The reply text, or the connection error.
    text: str
    #: Where it ended: ``mail``, ``rcpt``, ``data`` or ``connection``.
    stage: str

    def __str__(self) -> str:
        code = f"{self.code} " if self.code else ""
        return f"{code}{self.text} (at {self.stage})"


class Transport(Protocol):
    """Hands one message to a mail server for one recipient.

    Implementations open connections as they need them and may reuse them across calls.
    """

    def send(
        self, sender: str, recipient: str, message: bytes, committing: Callable[[], None]
    ) -> Reply:
        """Send ``message`` from ``sender`` (envelope) to ``recipient``.

        Args:
            sender: the envelope sender (``MAIL FROM``).
            recipient: the one envelope recipient (``RCPT TO``).
            message: the RFC 5322 bytes, CRLF line ends.
            committing: called once, just before the server is told the message is
                complete; nothing is delivered if it raises (the transaction is dropped).

        Returns:
            The outcome; ``committing`` has been called iff it is ``accepted``, ``unknown``
            or a failure answered to the final dot.

        Raises:
            DeliveryError: the server cannot be reached, refuses the login or the sender.
        """
        ...

    def close(self) -> None:
        """End the open connection, if any."""
        ...


_LINE_START_DOT = re.compile(rb"(?m)^\.")


def dot_stuffed(message: bytes) -> bytes:
    """The DATA payload without its final ``.``: leading dots doubled, ending with CRLF."""
    payload = _LINE_START_DOT.sub(b"..", message)
    return payload if payload.endswith(b"\r\n") else payload + b"\r\n"


def _outcome(code: int) -> Outcome:
    if 200 <= code < 300:
        return "accepted"
    return "permanent" if code >= 500 else "temporary"


class SmtpTransport:
    """:class:`Transport` over :mod:`smtplib`: ``batch_size`` messages per connection."""

    def __init__(self, settings: SmtpSettings, *, local_hostname: str | None = None) -> None:
        if not settings.host:
            raise DeliveryError("smtp.host is not set")
        self._settings = settings
        self._host = settings.host
        self._local_hostname = local_hostname
        self._connection: smtplib.SMTP | None = None
        self._sent_here = 0

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        where = f"{self._host}:{s.effective_port}"
        context = ssl.create_default_context()
        try:
            connection: smtplib.SMTP
            if s.security == "tls":
                connection = smtplib.SMTP_SSL(
                    self._host,
                    s.effective_port,
                    local_hostname=self._local_hostname,
                    timeout=s.timeout,
                    context=context,
                )
            else:
                connection = smtplib.SMTP(
                    self._host,
                    s.effective_port,
                    local_hostname=self._local_hostname,
                    timeout=s.timeout,
                )
            try:
                # The final dot goes in its own small write, after the "sending" log: with
                # Nagle's algorithm it would wait for the ACK of the body (tens of ms each).
                if connection.sock is not None:
                    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                connection.ehlo_or_helo_if_needed()
                if s.security == "starttls":
                    connection.starttls(context=context)
                    connection.ehlo()
                if s.username is not None and s.password is not None:
                    connection.login(s.username, s.password.get_secret_value())
            except BaseException:
                connection.close()
                raise
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"smtp {where}: login refused: {_text(exc.smtp_error)}") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"smtp {where}: {exc} (smtp.security)") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"smtp {where}: cannot connect: {exc}") from exc
        self._sent_here = 0
        return connection

    def send(
        self, sender: str, recipient: str, message: bytes, committing: Callable[[], None]
    ) -> Reply:
        """See :meth:`Transport.send`."""
        if self._connection is not None and self._sent_here >= self._settings.batch_size:
            self.close()
        if self._connection is None:
            self._connection = self._connect()
        connection = self._connection
        try:
            code, text = connection.mail(sender)
            if code != 250:
                return self._refused(code, text, "mail", sender=sender)
            code, text = connection.rcpt(recipient)
            if code not in (250, 251):
                return self._refused(code, text, "rcpt")
            code, text = connection.docmd("DATA")
            if code != 354:
                return self._refused(code, text, "data")
            connection.send(dot_stuffed(message))
        except (smtplib.SMTPException, OSError) as exc:
            # Nothing was delivered: the final dot was not sent.
            self._drop()
            return Reply("temporary", 0, str(exc) or type(exc).__name__, "connection")
        except UnicodeError as exc:
            # An address smtplib cannot write (the sender checks them first; a last net).
            self._reset()
            return Reply("permanent", 0, f"cannot write the address: {exc}", "rcpt")
        early = self._ended_before_dot(connection)
        if early is not None:
            return early
        try:
            committing()
        except BaseException:
            # Closing without the final dot abandons the transaction on the server.
            self._drop()
            raise
        try:
            connection.send(b".\r\n")
            code, text = connection.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            return Reply("unknown", 0, str(exc) or type(exc).__name__, "data")
        self._sent_here += 1
        if code == 421:
            self._drop()
        return Reply(_outcome(code), code, _text(text), "data")

    def _ended_before_dot(self, connection: smtplib.SMTP) -> Reply | None:
        """The outcome when the server already ended the transaction during DATA.

        A server that closes the connection (or answers) before the final dot has taken
        nothing: that is a temporary failure, to be tried again. Sending the dot first
        would leave only "no answer after the dot", which is ``unknown`` and never
        retried. Checked without waiting: readable now means an answer or the close.
        """
        sock = connection.sock
        if sock is None:
            self._drop()
            return Reply("temporary", 0, "connection lost during DATA", "data")
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError) as exc:
            self._drop()
            return Reply("temporary", 0, f"connection lost during DATA: {exc}", "data")
        if not readable:
            return None
        try:
            code, text = connection.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            why = str(exc) or type(exc).__name__
            why = f"connection closed during DATA, before the final dot: {why}"
            return Reply("temporary", 0, why, "data")
        self._drop()
        outcome: Outcome = "permanent" if code >= 500 else "temporary"
        return Reply(outcome, code, f"{_text(text)} (before the final dot)", "data")

    def _refused(self, code: int, text: bytes, stage: str, *, sender: str = "") -> Reply:
        if code == 421 or code < 0:
            self._drop()
        else:
            self._reset()
        if stage == "mail" and code >= 500:
            # Every message would meet the same answer: the sender itself is refused.
            raise DeliveryError(f"smtp server refuses the sender {sender}: {code} {_text(text)}")
        return Reply(_outcome(code) if code > 0 else "temporary", code, _text(text), stage)

    def _reset(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def close(self) -> None:
        """See :meth:`Transport.close`."""
        if self._connection is None:
            return
        try:
            self._connection.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            self._drop()


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return " ".join(text.split())
