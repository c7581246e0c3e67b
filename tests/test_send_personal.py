"""Each subscriber's own message: signed links, their language order, their themes.

A real SMTP server (aiosmtpd on 127.0.0.1) takes the messages of a real build of the
sample tree. The edition used, ``weekly-2024-W42``, has two sections (``economy`` and
``cross-border``) in French and Dutch.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from digest.config import Settings, load_settings
from digest.deliver import send_editions
from digest.deliver.compose import Choice, Composer
from digest.deliver.links import Links
from digest.deliver.message import variants_of
from digest.model import Problem
from digest.outbox import Outbox
from tests import test_send
from tests.test_send import NO_SECRET, Recorder, write_config, write_subscribers

#: The fixtures of test_send: a real SMTP server, a copy of the built sample tree.
server = test_send.server
tree = test_send.tree

EDITION = "weekly-2024-W42"
BASE = "https://digest.example/"


def configure(
    tree: Path, port: int, *, secret: str | None = "test-secret-of-the-digest"
) -> Settings:
    path = write_config(tree, port)
    if secret is not None:
        path.write_text(f'secret = "{secret}"\n' + path.read_text(encoding="utf-8"))
    return load_settings(path)


def parts(content: bytes) -> tuple[EmailMessage, str, str]:
    message = message_from_bytes(content, policy=default)
    assert isinstance(message, EmailMessage)
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    assert html_part is not None and text_part is not None
    return message, str(html_part.get_content()), str(text_part.get_content())


def footer_links(body: str) -> list[str]:
    """Every link to the service's unsubscribe and preferences pages, in order."""
    return [
        html.unescape(url)
        for url in re.findall(rf"{re.escape(BASE)}(?:unsubscribe|preferences)[^\s\"<>]*", body)
    ]


def token_of(url: str, purpose: str) -> str:
    prefix = f"{BASE}{purpose}/"
    assert url.startswith(prefix), url
    return url[len(prefix) :]


def send(settings: Settings, **options: Any) -> tuple[Any, list[Problem]]:
    problems: list[Problem] = []
    [result] = send_editions(settings, EDITION, report=problems.append, **options)
    return result, problems


def headings(body: str, tag: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", h)).strip() for h in re.findall(
        rf"<{tag}\b[^>]*>(.*?)</{tag}>", body, re.S
    )]  # fmt: skip


def test_each_message_carries_its_subscribers_signed_links(
    tree: Path, server: tuple[Recorder, int]
) -> None:
    recorder, port = server
    settings = configure(tree, port)
    write_subscribers(tree, ["anne@example.org,fr,,", "piet@example.org,nl+fr,,"])
    result, problems = send(settings)
    assert result.sent == 2
    assert not [p for p in problems if str(p) == NO_SECRET]
    links = Links(settings)
    for rcpt, content in recorder.messages:
        message, body_html, body_text = parts(content)
        assert message["To"] == rcpt
        mailto, web = re.findall(r"<([^>]+)>", str(message["List-Unsubscribe"]))
        assert mailto == "mailto:unsubscribe@digest.example?subject=unsubscribe"
        assert links.read("unsubscribe", token_of(web, "unsubscribe")) == rcpt
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        for body in (body_html, body_text):
            found = footer_links(body)
            # One unsubscribe and one preferences link per language block, all signed.
            assert len(found) == 2 * len(message["Content-Language"].split(",")), found
            for url in found:
                purpose = "unsubscribe" if url.startswith(f"{BASE}unsubscribe") else "preferences"
                assert links.read(purpose, token_of(url, purpose)) == rcpt  # type: ignore[arg-type]
        assert "mailto:" not in body_html + body_text

    # The outbox copy keeps the generic links: the web pages that ask for the address.
    folder = tree / "outbox" / "editions" / EDITION
    kept, kept_html, kept_text = parts((folder / "message.fr-nl.eml").read_bytes())
    assert str(kept["List-Unsubscribe"]) == (
        f"<mailto:unsubscribe@digest.example?subject=unsubscribe>, <{BASE}unsubscribe>"
    )
    for body in (kept_html, kept_text, (folder / "email.nl.txt").read_text(encoding="utf-8")):
        assert set(footer_links(body)) == {f"{BASE}unsubscribe", f"{BASE}preferences"}
        assert "mailto:" not in body


def test_without_a_secret_messages_keep_the_generic_links_and_the_run_says_so_once(
    tree: Path, server: tuple[Recorder, int]
) -> None:
    recorder, port = server
    settings = configure(tree, port, secret=None)
    write_subscribers(tree, ["anne@example.org,fr,,", "piet@example.org,nl+fr,economy,"])
    result, problems = send(settings)
    assert result.sent == 2
    assert [str(p) for p in problems].count(NO_SECRET) == 1
    for _rcpt, content in recorder.messages:
        message, body_html, body_text = parts(content)
        assert f"<{BASE}unsubscribe>" in str(message["List-Unsubscribe"])
        assert set(footer_links(body_html + body_text)) == {
            f"{BASE}unsubscribe",
            f"{BASE}preferences",
        }


def test_language_order_and_theme_cut(tree: Path, server: tuple[Recorder, int]) -> None:
    recorder, port = server
    settings = configure(tree, port)
    write_subscribers(
        tree,
        [
            "both@example.org,fr+nl,,",
            "dutch-first@example.org,nl+fr,,",
            "economy@example.org,nl,economy,",
            "cut@example.org,nl+fr,economy;ethics,",
            "all@example.org,fr,economy;cross-border,",
            "ethics@example.org,fr,ethics,",
            "general@example.org,nl+fr,general,",
        ],
    )
    result, problems = send(settings)
    assert (result.sent, result.no_theme) == (5, 2)
    assert "no chosen theme 2" in result.summary()
    assert not [p for p in problems if p.location == EDITION]
    assert set(recorder.received()) == {
        "both@example.org",
        "dutch-first@example.org",
        "economy@example.org",
        "cut@example.org",
        "all@example.org",
    }
    view = (tree / "outbox" / "editions" / EDITION / "email.fr-nl.html").read_text()
    whole = headings(view, "h3")
    got = {rcpt: parts(content) for rcpt, content in recorder.messages}

    def blocks(rcpt: str) -> list[str]:
        return re.findall(r'<h2 id="(\w+)"', got[rcpt][1])

    assert blocks("both@example.org") == ["fr", "nl"]
    assert blocks("dutch-first@example.org") == ["nl", "fr"]
    assert got["dutch-first@example.org"][0]["Content-Language"] == "nl, fr"
    dutch = settings.title["nl"]  # type: ignore[index]
    # The subject leads with the first language's top story: the one-language email's.
    folder = tree / "outbox" / "editions" / EDITION

    def view_of(variant: str) -> dict[str, Any]:
        return dict(json.loads((folder / f"view.{variant}.json").read_text("utf-8")))

    top = view_of("nl")["blocks"][0]["headlines"][0]["title"]
    assert str(got["dutch-first@example.org"][0]["Subject"]).startswith(top[:20])
    assert got["dutch-first@example.org"][2].startswith(dutch)
    assert str(got["both@example.org"][0]["Subject"]) == view_of("fr-nl")["subject"]
    # The whole edition in both languages: its four section headings; a cut keeps economy's.
    assert len(whole) == 4 and sorted(headings(got["both@example.org"][1], "h3")) == sorted(whole)
    assert sorted(headings(got["all@example.org"][1], "h3")) == sorted(
        headings((tree / "outbox" / "editions" / EDITION / "email.fr.html").read_text(), "h3")
    )
    economy_nl = headings(got["economy@example.org"][1], "h3")
    assert len(economy_nl) == 1 and economy_nl[0] in whole
    cut = headings(got["cut@example.org"][1], "h3")
    assert len(cut) == 2 and economy_nl[0] == cut[0]
    assert "1 onderwerp" in got["economy@example.org"][2]

    # The send log says what each one got.
    with sqlite3.connect(tree / "store.sqlite3") as db:
        logged = dict(db.execute("SELECT email, variant FROM deliveries"))
    db.close()
    assert logged == {
        "both@example.org": "fr-nl",
        "dutch-first@example.org": "nl-fr",
        "economy@example.org": "nl/economy",
        "cut@example.org": "nl-fr/economy",
        "all@example.org": "fr",
    }
    [again] = send_editions(settings, EDITION)
    assert (again.sent, again.already_sent, again.no_theme) == (0, 5, 2)
    assert sum(recorder.received().values()) == 5


def test_a_message_is_a_function_of_subscriber_edition_and_clock(
    tree: Path, server: tuple[Recorder, int]
) -> None:
    _recorder, port = server
    settings = configure(tree, port)
    outbox = Outbox(settings.paths.outbox)
    folder = outbox.path("editions", EDITION)
    variants = variants_of(sorted(p.name for p in folder.iterdir()))
    moment = datetime(2026, 12, 1, 6, 30, tzinfo=UTC).astimezone(settings.zone)
    choices = [Choice("fr-nl", ("nl", "fr"), ("economy",)), Choice("fr", ("fr",))]
    made: list[list[bytes]] = []
    for _run in range(2):
        composer = Composer(settings, outbox, EDITION, variants, lambda problem: None)
        made.append(
            [
                composer.message("a@example.org", "a@example.org", choice, moment)
                for choice in choices
            ]
        )
    assert made[0] == made[1]
    other = Composer(settings, outbox, EDITION, variants, lambda problem: None)
    assert other.message("b@example.org", "b@example.org", choices[1], moment) != made[0][1]
    assert Counter(len(m) > 0 for m in made[0]) == Counter({True: 2})


def test_a_view_the_manifest_does_not_list_is_not_used(
    tree: Path, server: tuple[Recorder, int]
) -> None:
    """A changed ``view.*.json`` could hold news the build did not choose: the variant's
    own message goes out instead, whole, and the run says so once."""
    recorder, port = server
    settings = configure(tree, port)
    view = tree / "outbox" / "editions" / EDITION / "view.fr-nl.json"
    view.write_bytes(view.read_bytes().replace(b"economy", b"ethics"))
    write_subscribers(tree, ["a@example.org,nl+fr,economy,", "b@example.org,nl+fr,,"])
    result, problems = send(settings)
    assert result.sent == 2
    assert [str(p) for p in problems if p.location == EDITION] == [
        f"{EDITION}: view.fr-nl.json: not the file the edition's manifest lists; "
        "message.fr-nl.eml goes out whole, in its own language order, with the generic "
        "links (digest build again to rebuild it)"
    ]
    for _rcpt, content in recorder.messages:
        message, body_html, _text = parts(content)
        assert message["Content-Language"] == "fr, nl"
        assert re.findall(r'<h2 id="(\w+)"', body_html) == ["fr", "nl"]
