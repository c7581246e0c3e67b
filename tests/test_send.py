"""``digest send`` against a real SMTP server (aiosmtpd on 127.0.0.1).

The editions are those of a real build of the sample tree (``built_sample_tree``), copied
into each test's folder. Nothing here asserts on time: waits have generous timeouts and
the kill happens at a chosen message, from inside the server.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from digest.config import Settings, load_settings
from digest.deliver import Ledger, read_subscribers, send_editions
from digest.deliver.message import choose_variant, personalise, variants_of
from digest.model import Problem
from digest.outbox import Outbox
from digest.store import Store
from tests.conftest import ROOT, run_digest

H = TypeVar("H")

DIGEST = [sys.executable, "-m", "digest"]
#: What a send says once when the settings have no ``secret`` to sign links with.
NO_SECRET = (
    "secret: not set; messages carry the generic unsubscribe and preferences links "
    "(secret = ... in the settings, or DIGEST_SECRET)"
)
EVERY_THEME = ";".join(
    re.findall(r'^id = "([\w-]+)"', (ROOT / "themes.toml").read_text(encoding="utf-8"), re.M)
)
LANGUAGE_OF_VARIANT = {"fr-nl": "fr, nl", "fr": "fr", "nl": "nl"}
VARIANT_OF = {"fr": "fr", "nl": "nl", "fr+nl": "fr-nl"}


class Recorder:
    """An aiosmtpd handler that keeps every message it accepts.

    Attributes:
        answers: per recipient, RCPT answers to give first (then ``250``).
        kill: ``(n, pid)``: SIGKILL ``pid`` while taking the n-th message, after the
            final dot and before answering it (the sender then dies in the middle of its
            "before"/"after" log writes).
        hold: when set, the first message waits in DATA until ``release`` is set.
    """

    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.answers: dict[str, list[str]] = {}
        self.kill: tuple[int, int] | None = None
        self.hold = False
        self.holding = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        planned = self.answers.get(address)
        if planned:
            return planned.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hold and not self.holding.is_set():
            self.holding.set()
            # Wait for the event in a worker thread: the server's loop keeps serving, and
            # nothing polls.
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
        with self._lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt, envelope.content))
            count = len(self.messages)
        if self.kill is not None and count == self.kill[0]:
            os.kill(self.kill[1], signal.SIGKILL)
        return "250 2.0.0 queued"

    def received(self) -> Counter[str]:
        with self._lock:
            return Counter(rcpt for rcpt, _ in self.messages)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(handler: H, controller: type[Controller] = Controller) -> Iterator[tuple[H, int]]:
    """A real SMTP server on 127.0.0.1 with ``handler``, and its port."""
    port = free_port()
    running = controller(handler, hostname="127.0.0.1", port=port)
    running.start()
    try:
        yield handler, port
    finally:
        running.stop()


@pytest.fixture
def server() -> Iterator[tuple[Recorder, int]]:
    """A real SMTP server on 127.0.0.1 and a free port."""
    recorder = Recorder()
    try:
        with smtp_server(recorder) as running:
            yield running
    finally:
        recorder.release.set()


@pytest.fixture
def tree(built_sample_tree: Path, tmp_path: Path) -> Path:
    """A folder with a copy of the built outbox and the taxonomy; the store starts empty."""
    shutil.copytree(built_sample_tree / "outbox", tmp_path / "outbox")
    shutil.copy(built_sample_tree / "themes.toml", tmp_path / "themes.toml")
    return tmp_path


def write_config(tree: Path, port: int, **smtp: object) -> Path:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "rate_per_second": 2000,
        "batch_size": 50,
        "retry_after": 0,
        "max_attempts": 3,
        "timeout": 20,
        **smtp,
    }
    lines = [
        'store_url = "sqlite:///store.sqlite3"',
        "[paths]",
        'outbox = "outbox"',
        'subscribers = "subscribers.csv"',
        "[smtp]",
    ]
    for key, value in values.items():
        lines.append(f"{key} = {value!r}".replace("'", '"'))
    path = tree / "digest.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_subscribers(tree: Path, rows: list[str]) -> None:
    text = "email,languages,themes,status\n" + "\n".join(rows) + "\n"
    (tree / "subscribers.csv").write_text(text, encoding="utf-8")


def newest(tree: Path) -> str:
    manifests = Outbox(tree / "outbox").manifests()
    return str(max(manifests, key=lambda m: (m["published"], m["edition"]))["edition"])


def run(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_digest(tree, "send", *args, "--config", str(tree / "digest.toml"))


def send(settings: Settings, **options: Any) -> tuple[list[Any], list[Problem]]:
    problems: list[Problem] = []
    return send_editions(settings, report=problems.append, **options), problems


# --- the killed sender --------------------------------------------------------------------


def test_killed_sender_restarts_without_doubles_or_losses(
    tree: Path, server: tuple[Recorder, int]
) -> None:
    recorder, port = server
    write_config(tree, port)
    languages = ["fr", "nl", "fr+nl"]
    rows, active, unsubscribed = [], {}, set()
    for n in range(1000):
        address = f"reader{n:04d}@example.org"
        lang = languages[n % 3]
        status = "unsubscribed" if n % 10 == 7 else "active"
        # Every theme of the taxonomy, those the edition has and those it has not: such a
        # reader gets the edition whole.
        themes = EVERY_THEME if n % 4 == 0 else ""
        rows.append(f"{address},{lang},{themes},{status}")
        if status == "active":
            active[address] = lang
        else:
            unsubscribed.add(address)
    write_subscribers(tree, rows)
    edition = newest(tree)

    first = subprocess.Popen(
        [*DIGEST, "send", edition, "--config", str(tree / "digest.toml")],
        cwd=tree,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    recorder.kill = (300, first.pid)
    first.communicate(timeout=300)
    assert first.returncode == -signal.SIGKILL
    before_kill = sum(recorder.received().values())
    assert before_kill == 300

    second = run(tree, edition)
    assert second.returncode == 0, second.stderr
    # The message in flight when the sender died was taken by the server: not sent again.
    assert "logged as unknown, not sent again" in second.stderr
    assert (
        f"{edition}: sent {len(active) - 300}, skipped 299 (already sent), "
        "failed 0 temporary / 0 permanent, unsubscribed skipped 100, bounced skipped 0, "
        "unknown 1" in second.stdout
    ), second.stdout

    received = recorder.received()
    assert set(received) == set(active)
    assert set(received.values()) == {1}
    assert not unsubscribed & set(received)
    eml = {
        variant: (tree / "outbox" / "editions" / edition / f"message.{variant}.eml").read_bytes()
        for variant in LANGUAGE_OF_VARIANT
    }
    for rcpt, content in recorder.messages:
        variant = VARIANT_OF[active[rcpt]]
        message = message_from_bytes(content, policy=SMTP_POLICY)
        assert message["Content-Language"] == LANGUAGE_OF_VARIANT[variant]
        assert message["To"] == rcpt
        # Only the To and Date headers differ from the built file: Date says when it was sent.
        sent_at = message["Date"].datetime
        expected = personalise(eml[variant], rcpt, sent_at)
        assert content.rstrip(b"\r\n") == expected.rstrip(b"\r\n")

    third = run(tree, edition)
    assert third.returncode == 0, third.stderr
    assert f"{edition}: sent 0, skipped 899 (already sent)" in third.stdout
    assert sum(recorder.received().values()) == len(active)


# --- temporary and permanent failures -----------------------------------------------------


def test_temporary_failure_is_retried_once_and_permanent_one_bounces(
    tree: Path, server: tuple[Recorder, int]
) -> None:
    recorder, port = server
    settings = load_settings(write_config(tree, port))
    write_subscribers(
        tree,
        ["ok@example.org,fr,,active", "flaky@example.org,nl,,active", "gone@example.org,fr+nl,,"],
    )
    recorder.answers = {
        "flaky@example.org": ["451 4.3.0 try again later"],
        "gone@example.org": ["550 5.1.1 no such mailbox"],
    }
    [result], _ = send(settings)
    assert (result.sent, result.failed_temporary, result.failed_permanent) == (2, 0, 1)
    assert recorder.received() == Counter({"ok@example.org": 1, "flaky@example.org": 1})

    store = Store(settings.store_url)
    ledger = Ledger(store.engine)
    assert ledger.statuses(["gone@example.org"]) == {"gone@example.org": "bounced"}
    log = ledger.deliveries(result.edition_id)
    assert log["flaky@example.org"].state == "sent"
    assert log["flaky@example.org"].attempts == 2
    assert log["gone@example.org"].state == "failed-permanent"
    assert "550" in (log["gone@example.org"].reply or "")
    store.close()

    # Next run: nothing new; the bounced address stays bounced although the file says active.
    write_subscribers(
        tree, ["ok@example.org,fr,,active", "flaky@example.org,nl,,", "gone@example.org,nl,,"]
    )
    [again], _ = send(settings)
    assert (again.sent, again.already_sent, again.bounced) == (0, 2, 1)
    assert sum(recorder.received().values()) == 2


def test_temporary_failure_waits_for_a_later_run_and_gives_up(
    tree: Path, server: tuple[Recorder, int]
) -> None:
    recorder, port = server
    settings = load_settings(write_config(tree, port, retry_after=30, max_attempts=2))
    write_subscribers(tree, ["busy@example.org,fr,,active"])
    recorder.answers = {"busy@example.org": ["452 4.2.2 mailbox full"] * 5}
    start = datetime(2030, 1, 1, tzinfo=UTC)

    [first], _ = send(settings, now=lambda: start)
    assert (first.sent, first.failed_temporary) == (0, 1)
    [early], _ = send(settings, now=lambda: start + timedelta(minutes=10))
    assert (early.sent, early.waiting) == (0, 1)
    [due], _ = send(settings, now=lambda: start + timedelta(minutes=31))
    assert (due.sent, due.gave_up) == (0, 1)
    [after], _ = send(settings, now=lambda: start + timedelta(days=1))
    assert (after.sent, after.gave_up) == (0, 1)
    assert recorder.answers["busy@example.org"] == ["452 4.2.2 mailbox full"] * 3
    assert not recorder.received()


# --- the lock -----------------------------------------------------------------------------


def test_second_sender_on_a_locked_edition_sends_nothing(
    tree: Path, server: tuple[Recorder, int]
) -> None:
    recorder, port = server
    write_config(tree, port)
    write_subscribers(tree, [f"r{n}@example.org,fr,," for n in range(5)])
    recorder.hold = True
    first = subprocess.Popen(
        [*DIGEST, "send", "--config", str(tree / "digest.toml")],
        cwd=tree,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert recorder.holding.wait(timeout=120), "the first sender never reached DATA"
        second = run(tree)
        assert second.returncode == 0, second.stderr
        assert f"{newest(tree)}: locked by " in second.stdout
        assert "nothing sent" in second.stdout
    finally:
        recorder.release.set()
        out, errors = first.communicate(timeout=120)
    assert first.returncode == 0, errors
    assert "sent 5," in out
    assert recorder.received() == Counter({f"r{n}@example.org": 1 for n in range(5)})


def test_stale_lock_is_taken_over(store_url: str) -> None:
    store = Store(store_url)
    ledger = Ledger(store.engine)
    t0 = datetime(2030, 1, 1, tzinfo=UTC)
    assert (
        ledger.acquire("weekly-2030-W01", "elsewhere:1:a", t0, t0 - timedelta(minutes=15)) is None
    )
    later = t0 + timedelta(minutes=5)
    holder = ledger.acquire("weekly-2030-W01", "here:2:b", later, later - timedelta(minutes=15))
    assert holder is not None and holder.owner == "elsewhere:1:a"
    stale = t0 + timedelta(minutes=16)
    assert (
        ledger.acquire("weekly-2030-W01", "here:2:b", stale, stale - timedelta(minutes=15)) is None
    )
    holder = ledger.acquire("weekly-2030-W01", "third:3:c", stale, stale - timedelta(minutes=15))
    assert holder is not None and holder.owner == "here:2:b"
    store.close()


# The test server takes a login over plain TCP; a real one would want TLS first.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_login_comes_from_the_environment(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    logins: list[tuple[str, str]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        login, password = (v.decode() if isinstance(v, bytes) else v for v in data)
        logins.append((login, password))
        return AuthResult(success=password == "s3cret", handled=False)

    recorder, port = Recorder(), free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        write_config(tree, port, username="digest")
        write_subscribers(tree, ["a@example.org,fr,,"])
        monkeypatch.setenv("DIGEST_SMTP__PASSWORD", "wrong")
        refused = run(tree)
        assert refused.returncode == 1
        assert "login refused" in refused.stderr
        assert "wrong" not in refused.stderr + refused.stdout
        monkeypatch.setenv("DIGEST_SMTP__PASSWORD", "s3cret")
        [result], _ = send(load_settings(tree / "digest.toml"))
    finally:
        controller.stop()
    assert result.sent == 1
    assert logins[-1] == ("digest", "s3cret")
    assert recorder.received() == Counter({"a@example.org": 1})


# --- configuration, subscribers file, variants --------------------------------------------


def test_configuration_errors_exit_1_with_one_line(tree: Path) -> None:
    write_config(tree, 25)
    config = tree / "digest.toml"
    config.write_text(config.read_text().replace('host = "127.0.0.1"\n', ""))
    write_subscribers(tree, ["a@example.org,fr,,"])
    no_host = run(tree)
    assert no_host.returncode == 1
    assert no_host.stderr.startswith("digest: error: smtp.host is not set")
    assert no_host.stderr.count("\n") == 1

    write_config(tree, 25)
    (tree / "subscribers.csv").write_text("address,lang\na@example.org,fr\n")
    bad_file = run(tree)
    assert bad_file.returncode == 1
    assert "subscribers.csv: the header row needs the columns" in bad_file.stderr
    assert bad_file.stderr.count("\n") == 1


def test_bad_rows_are_reported_one_line_each_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "subscribers.csv"
    path.write_text(
        "email,languages,themes,status\n"
        "good@example.org,fr+nl,ethics,active\n"
        "not-an-address,fr,,active\n"
        "x@example.org,fr+xx,,active\n"
        "y@example.org,nl,,paused\n"
        "Good@Example.ORG,fr,,active\n"
        "good@example.org,nl,,\n"
        "z@example.org,NL,,unsubscribed\n",
        encoding="utf-8",
    )
    problems: list[Problem] = []
    subscribers = read_subscribers(path, problems.append)
    assert [(s.email, s.languages, s.status) for s in subscribers] == [
        ("good@example.org", ("fr", "nl"), "active"),
        ("Good@example.org", ("fr",), "active"),
        ("z@example.org", ("nl",), "unsubscribed"),
    ]
    lines = [str(p) for p in problems]
    assert len(lines) == 4
    assert lines[0].startswith(f"{path}:3: 'not-an-address' is not a usable address")
    assert lines[1].startswith(f"{path}:4: languages 'fr+xx': unknown language xx")
    assert lines[2].startswith(f"{path}:5: status 'paused'")
    assert lines[3] == f"{path}:7: good@example.org repeats line 2; row skipped"


def test_dry_run_counts_and_writes_nothing(tree: Path, server: tuple[Recorder, int]) -> None:
    recorder, port = server
    settings = load_settings(write_config(tree, port))
    write_subscribers(tree, ["a@example.org,fr,,", "b@example.org,nl,,unsubscribed"])
    [result], _ = send(settings, dry_run=True)
    assert (result.sent, result.unsubscribed, result.dry_run) == (1, 1, True)
    assert "would send 1" in result.summary()
    assert not recorder.received()
    store = Store(settings.store_url)
    assert Ledger(store.engine).statuses(["a@example.org"]) == {}
    store.close()


def test_missing_variant_falls_back_and_says_so(tree: Path, server: tuple[Recorder, int]) -> None:
    recorder, port = server
    settings = load_settings(write_config(tree, port))
    edition = newest(tree)
    (tree / "outbox" / "editions" / edition / "message.fr.eml").unlink()
    write_subscribers(tree, ["a@example.org,fr,,", "b@example.org,nl,,"])
    [result], problems = send(settings, every=False)
    assert result.sent == 2
    assert [(f.wanted, f.used, f.subscribers) for f in result.fallbacks] == [("fr", "fr-nl", 1)]
    assert [str(p) for p in problems] == [
        f"{tree / 'subscribers.csv'}: the store had no subscribers; imported 2 once; from now "
        "on digest subscribers manages them and this file is no longer read",
        NO_SECRET,
        f"{edition}: no message in fr alone; 1 subscriber reading fr get message.fr-nl.eml",
    ]
    languages = {
        rcpt: message_from_bytes(content, policy=SMTP_POLICY)["Content-Language"]
        for rcpt, content in recorder.messages
    }
    assert languages == {"a@example.org": "fr, nl", "b@example.org": "nl"}


def test_variant_choice() -> None:
    full = variants_of(["message.fr-nl.eml", "message.fr.eml", "message.nl.eml", "email.fr.html"])
    assert full == {"fr-nl": ("fr", "nl"), "fr": ("fr",), "nl": ("nl",)}
    assert choose_variant(("nl", "fr"), full) == "fr-nl"
    assert choose_variant(("nl",), full) == "nl"
    assert choose_variant(("nl",), {"fr-nl": ("fr", "nl"), "fr": ("fr",)}) == "fr-nl"
    assert choose_variant(("fr", "nl"), {"fr": ("fr",), "nl": ("nl",)}) == "fr"
    assert choose_variant(("de",), full) == "fr-nl"
    assert choose_variant(("fr",), {}) is None


def test_a_message_is_dated_when_it_is_sent(tree: Path, server: tuple[Recorder, int]) -> None:
    """Not when its newest article appeared: a digest sent on 1 December sorts above
    mail of 25 November. The outbox copy keeps the edition's publication moment."""
    recorder, port = server
    settings = load_settings(write_config(tree, port))
    write_subscribers(tree, ["ok@example.org,fr,,active"])
    moment = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
    [result], _ = send(settings, now=lambda: moment)
    assert result.sent == 1
    [(_rcpt, content)] = recorder.messages
    received = message_from_bytes(content, policy=SMTP_POLICY)
    assert received["Date"].datetime == moment
    assert str(received["Date"]).endswith("+0100")  # in the digest's timezone
    eml = tree / "outbox" / "editions" / result.edition_id / "message.fr-nl.eml"
    kept = message_from_bytes(eml.read_bytes(), policy=SMTP_POLICY)
    assert kept["Date"].datetime < moment


def test_personalise_rewrites_only_the_to_field() -> None:
    message = (
        b"Subject: x\r\nTo: undisclosed-recipients:;\r\nX-Folded: a\r\n b\r\n\r\n"
        b"To: not a header\r\n"
    )
    assert personalise(message, "r@example.org") == (
        b"Subject: x\r\nTo: r@example.org\r\nX-Folded: a\r\n b\r\n\r\nTo: not a header\r\n"
    )
    folded = b"To: a@example.org,\r\n b@example.org\r\nSubject: y\r\n\r\nbody"
    assert personalise(folded, "r@example.org") == (b"To: r@example.org\r\nSubject: y\r\n\r\nbody")
    dated = b"Date: Tue, 25 Nov 2025 10:00:00 +0100\r\nTo: x\r\n\r\nDate: body"
    moment = datetime(2025, 12, 1, 7, 0, tzinfo=UTC)
    assert personalise(dated, "r@example.org", moment) == (
        b"Date: Mon, 01 Dec 2025 07:00:00 +0000\r\nTo: r@example.org\r\n\r\nDate: body"
    )


def test_subscribers_file_is_imported_once_into_an_empty_store(
    tree: Path, server: tuple[Recorder, int]
) -> None:
    recorder, port = server
    settings = load_settings(write_config(tree, port))
    path = tree / "subscribers.csv"
    path.write_text("email;languages\na@café.example;fr\nb@example.org;nl\n", encoding="utf-8")
    [dry], problems = send(settings, dry_run=True)
    assert dry.sent == 2
    assert [str(p) for p in problems] == [f"{path}: the store has no subscribers; would import 2"]
    [first], problems = send(settings)
    assert first.sent == 2
    assert recorder.received() == Counter({"a@xn--caf-dma.example": 1, "b@example.org": 1})
    assert [str(p) for p in problems] == [
        f"{path}: the store had no subscribers; imported 2 once; from now on digest "
        "subscribers manages them and this file is no longer read",
        NO_SECRET,
    ]
    # A later change to the file is pointed out, not read.
    path.write_text("email,languages\nc@example.org,fr\n", encoding="utf-8")
    later = datetime.now(UTC) + timedelta(hours=1)
    os.utime(path, (later.timestamp(), later.timestamp()))
    [second], problems = send(settings)
    assert (second.sent, second.already_sent) == (0, 2)
    assert [str(p) for p in problems] == [
        f"{path}: changed after the subscribers were imported, and is no longer read; "
        f"digest subscribers import {path} applies it",
        NO_SECRET,
    ]
