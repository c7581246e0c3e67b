"""The subscription service and the sender together, as a subscriber lives them.

Real uvicorn, aiosmtpd and SQLite (``tests/serve/harness.py``), and a real build of one
week of the sample sources under the service's own ``base_url``: subscribe in the form,
confirm from the mail, receive the edition (only the chosen theme, the signed links),
then unsubscribe by RFC 8058 with the ``List-Unsubscribe`` header's URL, or by the footer
link and its button; a later send mails nobody who left.
"""

from __future__ import annotations

import re
import shutil
from email.message import Message
from itertools import pairwise
from pathlib import Path

import httpx
from click.testing import CliRunner

from digest.cli import main
from digest.deliver import send_editions
from digest.model import Problem
from digest.taxonomy import load_taxonomy
from tests.serve.harness import CSRF_FIELD, ROOT, Service, body, links, running
from tests.test_serve import subscribe

EDITION = "weekly-2024-W42"  # economy and cross-border, in French and Dutch
LABELS = {theme.id: theme.labels for theme in load_taxonomy(ROOT / "themes.toml").themes}


def confirm(service: Service, email: str) -> None:
    """Open the confirmation link of ``email``'s newest mail and press its button."""
    [link] = links(service.mailbox.to(email)[-1])
    page = service.client.get(link)
    csrf = CSRF_FIELD.search(page.text)
    assert page.status_code == 200 and csrf, page.text
    assert service.client.post(link, data={"csrf": csrf.group(1)}).status_code == 200


def build_week(service: Service) -> None:
    """Build the sample's week 42 of 2024 into the service's outbox."""
    tree = Path(service.settings.paths.outbox).parent
    shutil.copytree(ROOT / "sources", tree / "sources")
    config = tree / "digest.toml"
    args = ["build", "--since", "2024-10-14", "--until", "2024-10-20", "--config", str(config)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (tree / "outbox" / "editions" / EDITION / "manifest.json").is_file()


def send(service: Service) -> list[Problem]:
    problems: list[Problem] = []
    send_editions(service.settings, EDITION, report=problems.append)
    return problems


def edition_mail(service: Service, email: str) -> Message:
    [mail] = [m for m in service.mailbox.to(email) if "List-Unsubscribe" in m]
    return mail


def header_url(mail: Message) -> str:
    found = re.findall(r"<(https?://[^>]+)>", str(mail["List-Unsubscribe"]))
    assert len(found) == 1, mail["List-Unsubscribe"]
    return str(found[0])


def test_subscribe_receive_and_leave_by_one_click_or_by_the_footer(tmp_path: Path) -> None:
    with running(tmp_path) as service:
        build_week(service)
        subscribe(service, "anne@example.org", "fr", themes=("economy",))
        subscribe(service, "piet@example.org", "nl", "fr")
        subscribe(service, "never@example.org", "fr")  # never confirms
        confirm(service, "anne@example.org")
        confirm(service, "piet@example.org")

        assert send(service) == []
        anne = edition_mail(service, "anne@example.org")
        piet = edition_mail(service, "piet@example.org")
        assert len(service.mailbox.to("never@example.org")) == 1, "only its confirmation"
        assert anne["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # Anne reads French and chose economy; Piet reads Dutch then French, every theme.
        assert anne["Content-Language"] == "fr" and piet["Content-Language"] == "nl, fr"
        assert headings(body(anne)) == [LABELS["economy"]["fr"]]
        piet_headings = headings(body(piet))
        assert len(piet_headings) == 4
        assert set(piet_headings[:2]) == {LABELS[t]["nl"] for t in ("economy", "cross-border")}
        assert set(piet_headings[2:]) == {LABELS[t]["fr"] for t in ("economy", "cross-border")}
        for url in (header_url(anne), header_url(piet)):
            assert url.startswith(f"{service.base}unsubscribe/")

        # Anne leaves with what a mailbox provider sends: a POST to the header's URL,
        # without cookies, without a page.
        with httpx.Client(timeout=30) as provider:
            answer = provider.post(
                header_url(anne),
                content=b"List-Unsubscribe=One-Click",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        assert answer.status_code == 200 and answer.content == b""
        left = service.registry.get("anne@example.org")
        assert left is not None and left.status == "unsubscribed"

        # Piet follows the footer's link: the GET shows a button, the button unsubscribes.
        unsubscribe = re.escape(f"{service.base}unsubscribe/")
        [footer] = set(re.findall(rf"{unsubscribe}\S+", body(piet)))
        assert footer == header_url(piet)
        page = service.client.get(footer)
        still = service.registry.get("piet@example.org")
        assert still is not None and still.status == "active", "a GET never unsubscribes"
        csrf = CSRF_FIELD.search(page.text)
        assert csrf, page.text
        assert service.client.post(footer, data={"csrf": csrf.group(1)}).status_code == 200
        gone = service.registry.get("piet@example.org")
        assert gone is not None and gone.status == "unsubscribed"

        before = service.mailbox.count()
        send(service)
        assert service.mailbox.count() == before, "nobody who left is mailed again"


def headings(text: str) -> list[str]:
    """The theme sections of a plain-text edition: labels underlined with ``-``, in order."""
    lines = text.splitlines()
    return [above for above, line in pairwise(lines) if above and line == "-" * len(above)]
