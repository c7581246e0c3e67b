"""Failures an operator can act on: ``digest send`` and ``digest deliveries`` as run by hand.

A real SMTP server (aiosmtpd on 127.0.0.1) answers 550 to one address, 451 to another on
every try, and drops the connection in the middle of DATA (after ``354``, before the
final dot) at a chosen message; the store also holds an address an older version let in
that cannot be sent. Faults happen at chosen messages, never at chosen moments.
"""

from __future__ import annotations

import re
import shutil
import socket
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from tests.conftest import run_digest
from tests.test_send import Recorder, newest, smtp_server, write_config


class DroppingRecorder(Recorder):
    """A :class:`Recorder` that also counts DATA commands and drops the ones in ``drop_at``."""

    def __init__(self) -> None:
        super().__init__()
        self.data_commands = 0
        self.drop_at: set[int] = set()
        #: Said before closing, after the 354 (None: close without a word).
        self.last_words: str | None = None


class DroppingSMTP(SMTP):
    """An SMTP server that, at the chosen DATA commands, answers ``354`` and then closes.

    The ``354`` and the close leave in one TCP segment (the answer is held by TCP_CORK
    until the shutdown adds the FIN to it), so the sender has the close in hand before it
    could send the final dot: no race between the two.
    """

    async def smtp_DATA(self, arg: str) -> None:
        handler = self.event_handler
        assert isinstance(handler, DroppingRecorder)
        handler.data_commands += 1
        if handler.data_commands not in handler.drop_at:
            await super().smtp_DATA(arg)
            return
        assert self.transport is not None
        sock = self.transport.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        if handler.last_words is not None:
            await self.push(handler.last_words)
        sock.shutdown(socket.SHUT_WR)
        self.transport.close()


class DroppingController(Controller):
    def factory(self) -> SMTP:
        return DroppingSMTP(self.handler, **self.SMTP_kwargs)


@pytest.fixture
def server() -> Iterator[tuple[DroppingRecorder, int]]:
    with smtp_server(DroppingRecorder(), DroppingController) as running:
        yield running


@pytest.fixture
def tree(built_sample_tree: Path, tmp_path: Path) -> Path:
    shutil.copytree(built_sample_tree / "outbox", tmp_path / "outbox")
    shutil.copy(built_sample_tree / "themes.toml", tmp_path / "themes.toml")
    return tmp_path


def digest(tree: Path, *args: str) -> Any:
    return run_digest(tree, *args, "--config", str(tree / "digest.toml"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="TCP_CORK is Linux's")
def test_send_goes_on_past_every_failure_and_deliveries_lists_them(
    tree: Path, server: tuple[DroppingRecorder, int]
) -> None:
    recorder, port = server
    write_config(tree, port, max_attempts=2)
    (tree / "people.csv").write_text(
        "email;languages;themes\n"
        "anne@example.org;fr;\n"
        "gone@example.org;nl;\n"
        "busy@example.org;fr+nl;\n"
        "élise@café.example;fr;\n"
        "jan@café.example;nl;transport\n"
        "piet@example.org;nl;\n",
        encoding="utf-8",
    )
    imported = digest(tree, "subscribers", "import", "people.csv")
    assert imported.returncode == 0, imported.stderr
    # A non-ASCII local part has no ASCII form: refused at import, never met by a send.
    [refused] = imported.stderr.splitlines()
    assert refused.startswith("warning: people.csv:5: 'élise@café.example' is not a usable")
    assert refused.endswith("; row skipped")
    assert "people.csv: added 5, updated 0, unchanged 0" in imported.stdout
    # What an older version let into the store: a domain IDNA cannot encode.
    with sqlite3.connect(tree / "store.sqlite3") as db:
        db.execute(
            "INSERT INTO subscribers VALUES ('old@xn--zz.example', 'fr', '[]', 'active', "
            "NULL, '2026-01-01 00:00:00')"
        )
    db.close()

    recorder.answers = {
        "gone@example.org": ["550 5.1.1 no such mailbox"],
        "busy@example.org": ["451 4.3.0 try again later"] * 2,
    }
    # Messages go out by address: anne (1st DATA), jan@xn--caf-dma.example (2nd), then
    # piet; the connection is dropped in the middle of jan's DATA.
    recorder.drop_at = {2}
    edition = newest(tree)
    sent = digest(tree, "send", edition)
    assert sent.returncode == 0, sent.stderr
    assert (
        f"{edition}: sent 3, skipped 0 (already sent), failed 0 temporary / 2 permanent, "
        "unsubscribed skipped 0, bounced skipped 0, given up 1" in sent.stdout
    ), sent.stdout
    assert f"{edition} to old@xn--zz.example: 'old@xn--zz.example' is not a usable" in sent.stderr
    assert recorder.received() == Counter(
        {"anne@example.org": 1, "jan@xn--caf-dma.example": 1, "piet@example.org": 1}
    )

    listing = digest(tree, "deliveries", edition)
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0] == f"{edition}: sent 3, bounced 1, not-sendable 1, given-up 1"
    states = [line.split("\t") for line in lines[1:]]
    assert [(s[0], s[1], s[3]) for s in states] == [
        ("bounced", "gone@example.org", "1 attempt"),
        ("not-sendable", "old@xn--zz.example", "1 attempt"),
        ("given-up", "busy@example.org", "2 attempts"),
    ]
    assert states[0][4] == "550 5.1.1 no such mailbox (at rcpt)"
    assert states[1][4].startswith("not sent: 'old@xn--zz.example' is not a usable address")
    assert states[2][4] == "451 4.3.0 try again later (at rcpt)"

    bounced = digest(tree, "subscribers", "list", "--status", "bounced")
    assert bounced.returncode == 0, bounced.stderr
    [line] = bounced.stdout.splitlines()
    email, languages, themes, status, since, reason = line.split("\t")
    assert (email, languages, themes, status, reason) == (
        "gone@example.org",
        "nl",
        "",
        "bounced",
        "550 5.1.1 no such mailbox (at rcpt)",
    )
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", since)
    # The address IDNA cannot encode was not the server's to bounce: still listed active.
    active = digest(tree, "subscribers", "list", "--status", "active")
    assert "old@xn--zz.example\tfr\t\tactive" in active.stdout

    again = digest(tree, "subscribers", "reactivate", "gone@example.org")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("reactivated: gone@example.org\tnl\t\tactive\t")
    not_bounced = digest(tree, "subscribers", "reactivate", "anne@example.org")
    assert not_bounced.returncode == 1
    assert not_bounced.stderr == (
        "digest: error: anne@example.org is active, not bounced; nothing changed\n"
    )

    unknown = digest(tree, "deliveries", "weekly-1999-W01")
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("digest: error: weekly-1999-W01: no such edition in ")
    assert unknown.stderr.count("\n") == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="TCP_CORK is Linux's")
@pytest.mark.parametrize("last_words", [None, "421 4.3.2 shutting down"], ids=["close", "421"])
def test_connection_dropped_before_the_final_dot_is_retried_not_unknown(
    tree: Path, server: tuple[DroppingRecorder, int], last_words: str | None
) -> None:
    recorder, port = server
    recorder.last_words = last_words
    write_config(tree, port, retry_after=30)
    for n in range(3):
        added = digest(tree, "subscribers", "add", f"r{n}@example.org", "--languages", "fr")
        assert added.returncode == 0, added.stderr
    recorder.drop_at = {2}
    edition = newest(tree)
    first = digest(tree, "send", edition)
    assert first.returncode == 0, first.stderr
    assert f"{edition}: sent 2, skipped 0 (already sent), failed 1 temporary" in first.stdout
    assert "unknown" not in first.stdout + first.stderr
    listing = digest(tree, "deliveries", edition)
    assert listing.stdout.splitlines() == [f"{edition}: sent 2, waiting 1"]
    with sqlite3.connect(tree / "store.sqlite3") as db:
        [(state, attempts, reply)] = db.execute(
            "SELECT state, attempts, reply FROM deliveries WHERE email = 'r1@example.org'"
        ).fetchall()
    db.close()
    assert (state, attempts) == ("failed-temporary", 1)
    if last_words is None:
        assert reply.startswith("connection closed during DATA, before the final dot: ")
    else:
        assert reply == "421 4.3.2 shutting down (before the final dot) (at data)"
    assert recorder.received() == Counter({"r0@example.org": 1, "r2@example.org": 1})
