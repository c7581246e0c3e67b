"""An edition's message is written with its parts' bodies encoded by
:func:`digest.render.eml.quoted_printable`, not by the email package (whose
quoted-printable was most of the message's time): the same bytes as the email package
writes, whatever the text (line ends of every kind, lines of every length around the
width, an "=" or a space where a line is cut, characters beyond ASCII)."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from digest.config import Settings, load_settings
from digest.render import eml
from digest.render.eml import build_message, quoted_printable

ROOT = Path(__file__).resolve().parent.parent


def by_the_email_package(
    settings: Settings,
    text: str,
    html: str,
    when: datetime,
    *,
    subject: str = "Sujet : é",
    key: str = "k.fr",
    languages: tuple[str, ...] = ("fr",),
) -> bytes:
    """:func:`build_message` as it was written before: the email package writes every
    header and body of the message."""
    domain = urlsplit(settings.base_url).hostname or "localhost"
    message = EmailMessage(policy=SMTP)
    message["Subject"] = eml.header_text(subject, eml.SUBJECT_CHARS)
    message["From"] = eml._sender(settings.sender)
    message["To"] = "undisclosed-recipients:;"
    message["Date"] = format_datetime(when.astimezone(settings.zone))
    message["Message-ID"] = f"<{key}@{domain}>"
    message["List-Unsubscribe"] = (
        f"<mailto:{settings.unsubscribe_address}?subject=unsubscribe>, "
        f"<{settings.base_url}unsubscribe>"
    )
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = ", ".join(languages)
    digest = hashlib.sha256((text + html).encode("utf-8")).hexdigest()[:32]
    message.set_boundary(f"=_digest_{digest}")
    return message.as_bytes()


def body_by_the_email_package(text: str) -> bytes:
    part = EmailMessage(policy=SMTP)
    part.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    return part.as_bytes().split(b"\r\n\r\n", 1)[1]


def texts() -> list[str]:
    pieces = ["a", " ", "\t", "=", "é", "€", "😀", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x85"]
    pieces += ["\u2028", "\x1c", "\x00", "\x7f", "~", "<", ">", "x" * 70, " " * 5, "==="]
    found = [""]
    for length in range(70, 160):
        for end in ("", " ", "\t", "=", "==", " =", "é", "  ", " \t", " \n", "\t\r\n"):
            found.append("y" * length + end)
    chosen = random.Random(15)
    for _ in range(300):
        found.append("".join(chosen.choice(pieces) for _ in range(chosen.randint(0, 60))))
    return found


@pytest.mark.parametrize("text", texts())
def test_a_body_is_the_email_packages(text: str) -> None:
    assert quoted_printable(text, 78) == body_by_the_email_package(text)


def test_a_message_is_the_email_packages() -> None:
    settings = load_settings(ROOT / "digest.toml")
    when = datetime(2021, 2, 12, 8, tzinfo=UTC)
    for text in texts()[::7]:
        html = f"<p>{text}</p>\n" + text[::-1]
        made = build_message(
            settings,
            message_key="k.fr",
            subject="Sujet : é",
            date=when,
            languages=("fr",),
            text=text,
            html=html,
        )
        assert made == by_the_email_package(settings, text, html, when)


def test_a_stand_in_found_in_the_headers_is_not_replaced() -> None:
    """A subject holding what stands for a body (it names the bodies' hash: only on
    purpose) leaves the email package to write the bodies."""
    settings = load_settings(ROOT / "digest.toml")
    when = datetime(2021, 2, 12, 8, tzinfo=UTC)
    text, html = "Texte\n", "<p>Texte</p>\n"
    digest = hashlib.sha256((text + html).encode("utf-8")).hexdigest()[:32]
    subject = f"{digest}-0-{eml._STAND_IN}"
    made = build_message(
        settings,
        message_key="k.fr",
        subject=subject,
        date=when,
        languages=("fr",),
        text=text,
        html=html,
    )
    assert made == by_the_email_package(settings, text, html, when, subject=subject)


SUBJECTS = [
    "",
    "Semaine 10 · Benelux IA",
    "=?utf-8?q?=41?= encoded",
    "a" * 400,
    "é" * 300,
    "line\r\nBcc: someone@example.org",
    f"{eml._SKELETON_DIGEST}-0-{eml._STAND_IN}",
    "s",
    "Mon, 01 Jan 2001 00:00:00 +0000",
]
SENDERS = [
    "Élodie « La lettre » <lettre@example.org>",
    "N" * 150 + " <a@example.org>",
    "plain@example.org",
    f"=_digest_{eml._SKELETON_DIGEST} <q@example.org>",
]


def test_each_header_is_the_email_packages() -> None:
    """The message is written from a skeleton of the sender's messages, each message's
    own headers folded alone: the same bytes as the email package writes, whatever the
    subject, sender, key or languages (a stand-in in them leaves it to the package)."""
    base = load_settings(ROOT / "digest.toml")
    chosen = random.Random(3)
    letters = "ab c=\t\néàü€😀<>\"',;:@?_-" + "x" * 10
    for sender in [base.sender, *SENDERS]:
        settings = base.model_copy(update={"sender": sender})
        for n in range(40):
            subject = SUBJECTS[n] if n < len(SUBJECTS) else ""
            subject = subject or "".join(chosen.choice(letters) for _ in range(n * 3))
            key = chosen.choice(["weekly-2024-W10.fr-nl", "x" * n, "k"])
            languages = chosen.choice([("fr", "nl"), ("fr",), ("en", "de")])
            when = datetime(2000 + n, 1 + n % 12, 1 + n % 28, n % 24, tzinfo=UTC)
            text = "".join(chosen.choice(letters) for _ in range(n * 5))
            html = f"<p>{text[::-1]}</p>"
            try:
                expected = by_the_email_package(
                    settings, text, html, when, subject=subject, key=key, languages=languages
                )
            except Exception as error:  # the package refuses: so does build_message
                with pytest.raises(type(error)):
                    build_message(
                        settings,
                        message_key=key,
                        subject=subject,
                        date=when,
                        languages=languages,
                        text=text,
                        html=html,
                    )
                continue
            made = build_message(
                settings,
                message_key=key,
                subject=subject,
                date=when,
                languages=languages,
                text=text,
                html=html,
            )
            assert made == expected, (sender, subject, key)


def test_the_skeleton_is_used_for_a_plain_sender() -> None:
    """The messages of the sample's sender are written from their skeleton, not by
    the email package each time."""
    settings = load_settings(ROOT / "digest.toml")
    unsubscribe = f"{settings.base_url}unsubscribe"
    skeleton = eml._skeleton(settings.sender, settings.unsubscribe_address, unsubscribe, ("fr",))
    assert skeleton is not None
    headers = {"Subject": "Sujet", "Date": "Fri, 12 Feb 2021 09:00:00 +0100", "Message-ID": "<k@x>"}
    assert skeleton.filled(headers, "a" * 32) is not None
