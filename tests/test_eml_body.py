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
from pathlib import Path

import pytest

from digest.config import Settings, load_settings
from digest.render import eml
from digest.render.eml import build_message, quoted_printable

ROOT = Path(__file__).resolve().parent.parent


def by_the_email_package(settings: Settings, text: str, html: str, when: datetime) -> bytes:
    """:func:`build_message` as it was written before: the email package sets the bodies."""
    message = eml._message(settings, "k.fr", "Sujet : é", when, ("fr",), None)
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    digest = hashlib.sha256((text + html).encode("utf-8")).hexdigest()[:32]
    return eml._finished(message, ("fr",), digest)


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
    message = eml._message(settings, "k.fr", subject, when, ("fr",), None)
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    assert made == eml._finished(message, ("fr",), digest)
