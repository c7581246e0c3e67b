"""A send to 1,000 subscribers through every failure at once, killed and run again.

A real SMTP server (aiosmtpd on 127.0.0.1) drops the connection in the middle of DATA at
chosen messages, answers 451 (once, or every time) and 550 to chosen addresses. The sender
runs in a child process (this module run with ``python -m``) whose transport SIGKILLs its
own process at a chosen message and a chosen point: before handing it over, just after
logging it ``sending`` (before the final dot), or after the server's answer (before
logging it). Everything is drawn from one seeded random generator; nothing depends on
timing. Then runs follow until one completes, and every active subscriber who should get
the edition has exactly one message (their language order, only their themes, their own
links), except those ``digest deliveries`` lists as not served.
"""

from __future__ import annotations

import html
import os
import random
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from digest.config import load_settings
from digest.deliver import send_editions
from digest.deliver.links import Links
from digest.deliver.transport import Reply, SmtpTransport
from digest.render.personal import view_from_json
from tests import test_deliveries
from tests.conftest import run_digest
from tests.test_deliveries import DroppingRecorder
from tests.test_send import write_config, write_subscribers

ROOT = Path(__file__).resolve().parent.parent
EDITION = "weekly-2024-W42"
SECTIONS = ("economy", "cross-border")
#: The fixtures of test_deliveries: a server that drops DATA, a copy of the built tree.
server = test_deliveries.server
tree = test_deliveries.tree

LANGUAGES = [("fr",), ("nl",), ("fr", "nl"), ("nl", "fr")]
THEMES = [(), (), ("economy",), ("cross-border",), ("economy", "cross-border"), ("ethics",)]
THEMES += [("general",), ("cross-border", "ethics")]
POINTS = ("before", "committing", "answered")


class KillingTransport:
    """An :class:`SmtpTransport` whose process SIGKILLs itself at message ``at``.

    ``point``: ``before`` handing it over, ``committing`` (just after the sender logged
    it ``sending``, before the final dot), or ``answered`` (after the server's answer,
    before the sender logs it).
    """

    def __init__(self, inner: SmtpTransport, at: int, point: str) -> None:
        self.inner, self.at, self.point = inner, at, point
        self.count = 0

    def send(
        self, sender: str, recipient: str, message: bytes, committing: Callable[[], None]
    ) -> Reply:
        self.count += 1
        if self.count != self.at:
            return self.inner.send(sender, recipient, message, committing)
        if self.point == "before":
            os.kill(os.getpid(), signal.SIGKILL)

        def commit_then_die() -> None:
            committing()
            if self.point == "committing":
                os.kill(os.getpid(), signal.SIGKILL)

        reply = self.inner.send(sender, recipient, message, commit_then_die)
        os.kill(os.getpid(), signal.SIGKILL)
        return reply

    def close(self) -> None:
        self.inner.close()


def child(config: str, at: int, point: str) -> None:
    """One sender run: ``send_editions`` with a transport that dies at message ``at``."""
    settings = load_settings(Path(config))
    transport = KillingTransport(SmtpTransport(settings.smtp), at, point)
    [result] = send_editions(settings, EDITION, transport=transport)
    print(result.summary())


def population(rng: random.Random) -> list[tuple[str, tuple[str, ...], tuple[str, ...], str]]:
    """1,000 subscribers: address, languages in order, themes, status."""
    rows = []
    for n in range(1000):
        status = rng.choices(
            ["active", "unsubscribed", "bounced", "pending"], weights=[90, 4, 3, 3]
        )[0]
        rows.append(
            (f"reader{n:04d}@example.org", rng.choice(LANGUAGES), rng.choice(THEMES), status)
        )
    return rows


def parts(content: bytes) -> tuple[EmailMessage, str]:
    message = message_from_bytes(content, policy=default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(("html",))
    assert part is not None
    return message, str(part.get_content())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="TCP_CORK is Linux's")
def test_thousand_subscribers_through_drops_refusals_and_kills(
    tree: Path, server: tuple[DroppingRecorder, int]
) -> None:
    recorder, port = server
    rng = random.Random(20261202)
    config = write_config(tree, port, max_attempts=3, batch_size=100)
    config.write_text('secret = "chaos-secret"\n' + config.read_text(encoding="utf-8"))
    settings = load_settings(config)
    people = population(rng)
    write_subscribers(
        tree,
        [
            f"{email},{'+'.join(langs)},{';'.join(themes)},{status}"
            for email, langs, themes, status in people
        ],
    )
    # Who should get it: active, and no theme chosen or one the edition has.
    wanted = {
        email: (langs, themes)
        for email, langs, themes, status in people
        if status == "active" and (not themes or set(themes) & set(SECTIONS))
    }
    addresses = sorted(wanted)
    refused = set(rng.sample(addresses, 15))
    busy = set(rng.sample(sorted(set(addresses) - refused), 15))  # 451 every time
    flaky = set(rng.sample(sorted(set(addresses) - refused - busy), 20))  # 451 once
    recorder.answers = {
        **{a: ["550 5.1.1 no such mailbox"] * 20 for a in refused},
        **{a: ["451 4.3.0 try again later"] * 20 for a in busy},
        **{a: ["451 4.3.0 try again later"] for a in flaky},
    }
    recorder.drop_at = set(rng.sample(range(1, 900), 12))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Each point at least once, in a drawn order, at drawn messages of each run.
    points = [*POINTS, *rng.choices(POINTS, k=2)]
    rng.shuffle(points)
    kills = [(rng.randint(1, 120), point) for point in points]
    outcomes = []
    for at, point in [*kills, (0, "none")]:
        run = subprocess.run(
            [sys.executable, "-m", "tests.test_send_chaos", str(config), str(at), point],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        outcomes.append(run.returncode)
        if run.returncode == 0:
            break
        assert run.returncode == -signal.SIGKILL, run.stderr
    assert outcomes == [-signal.SIGKILL] * len(kills) + [0]
    assert "sent " in run.stdout

    listed = run_digest(tree, "deliveries", EDITION, "--config", str(config))
    assert listed.returncode == 0, listed.stderr
    not_served: dict[str, str] = {}
    for line in listed.stdout.splitlines()[1:]:
        state, email = line.split("\t")[:2]
        not_served[email] = state
    received = recorder.received()

    # Nobody else got anything; each one at most once; all served but the listed ones.
    assert set(received) <= set(wanted)
    assert max(received.values()) == 1
    for email in addresses:
        state = not_served.get(email)
        if state is None:
            assert received[email] == 1, email
        elif state == "unknown":
            assert received[email] <= 1, email
        else:
            assert received[email] == 0, (email, state)
    assert {e for e, s in not_served.items() if s == "bounced"} == refused
    assert {e for e, s in not_served.items() if s == "given-up"} == busy - {
        e for e, s in not_served.items() if s == "unknown"
    }
    assert set(not_served) - refused - busy <= {e for e, s in not_served.items() if s == "unknown"}
    assert sum(s == "unknown" for s in not_served.values()) <= len(kills)
    assert Counter(not_served.values())["unknown"] >= 1

    # Each message: their languages in their order, only their themes, their own links.
    view = view_from_json((tree / "outbox" / "editions" / EDITION / "view.fr-nl.json").read_bytes())
    labels = {
        (block.lang, section.label): section.theme_id
        for block in view.blocks
        for section in block.sections
    }
    links = Links(settings)
    for rcpt, content in recorder.messages:
        langs, themes = wanted[rcpt]
        message, body = parts(content)
        assert message["To"] == rcpt
        assert message["Content-Language"] == ", ".join(langs)
        assert re.findall(r'<h2 id="(\w+)"', body) == list(langs)
        shown = {
            labels[(lang, html.unescape(label))]
            for lang, label in re.findall(r'<h3 lang="(\w+)"[^>]*>(.*?)</h3>', body)
        }
        assert shown == (set(themes) & set(SECTIONS) if themes else set(SECTIONS)), rcpt
        web = re.findall(r"<([^>]+)>", str(message["List-Unsubscribe"]))[1]
        assert links.read("unsubscribe", web.rsplit("/", 1)[1]) == rcpt


if __name__ == "__main__":
    child(sys.argv[1], int(sys.argv[2]), sys.argv[3])
