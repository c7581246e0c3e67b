"""``digest serve`` in a real browser: Debian's Chromium driven by Python playwright
against real uvicorn and a real SMTP server, and axe-core on every page, light and dark.

Skipped, saying why, when Chromium or node_modules/axe-core is missing (``make test``
installs both).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from digest.deliver.links import Links
from digest.deliver.subscribers import Subscriber
from tests.serve.harness import ROOT, Service, links, running

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
EMAIL = "reader@example.org"


def _missing() -> str | None:
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM}"
    if not AXE.is_file():
        return "no node_modules/axe-core (run npm ci)"
    return None


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    missing = _missing()
    if missing:
        pytest.skip(f"{missing}: make test installs it (scripts/system-deps as root, npm ci)")
    with running(tmp_path, rate_limit=100) as running_service:
        yield running_service


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield chromium
        finally:
            chromium.close()


class Audit:
    """axe-core's WCAG 2.1 A/AA violations of each page seen, in light and dark schemes."""

    def __init__(self) -> None:
        self.violations: dict[str, list[str]] = {}
        self.pages = 0

    def check(self, page: Any, name: str) -> None:
        self.pages += 1
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            if not page.evaluate("typeof axe !== 'undefined'"):
                page.add_script_tag(path=str(AXE))
            found = page.evaluate(
                "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
                ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))",
                TAGS,
            )
            if found:
                self.violations[f"{name} ({scheme})"] = found
        page.emulate_media(color_scheme="light")


def _status(service: Service, email: str) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    sub = service.registry.get(email)
    return (sub.status, sub.languages, sub.themes) if sub else None


def test_subscribe_confirm_change_and_unsubscribe_in_a_browser(
    service: Service, browser: Any
) -> None:
    audit = Audit()
    # axe is injected as a script: the service's CSP (no script at all) is bypassed for it.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    base = service.base

    page.goto(f"{base}fr/subscribe")
    audit.check(page, "subscribe")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.fill("#email", "not an address")
    page.click("button[type=submit]")
    assert page.locator("#email[aria-invalid=true]").count() == 1
    audit.check(page, "subscribe with an error")
    page.fill("#email", EMAIL)
    page.check("#language-nl")
    page.check("#theme-health")
    page.click("button[type=submit]")
    audit.check(page, "check your mailbox")
    assert _status(service, EMAIL) is None

    [confirm] = links(service.mailbox.to(EMAIL)[0])
    page.goto(confirm)
    audit.check(page, "confirm")
    assert _status(service, EMAIL) is None, "opening the link alone subscribes nobody"
    page.click("button[type=submit]")
    audit.check(page, "confirmed")
    assert _status(service, EMAIL) == ("active", ("fr", "nl"), ("health",))

    page.click(f"a[href^='{base}preferences/']")
    audit.check(page, "preferences")
    page.uncheck("#theme-health")
    page.check("#theme-energy")
    page.uncheck("#language-fr")
    page.click("button[type=submit]")
    assert page.locator("#saved").count() == 1
    audit.check(page, "preferences saved")
    assert _status(service, EMAIL) == ("active", ("nl",), ("energy",))

    # The link digest send writes into each message (List-Unsubscribe and footer).
    page.goto(Links(service.settings).url("unsubscribe", EMAIL))
    audit.check(page, "unsubscribe")
    assert _status(service, EMAIL) == ("active", ("nl",), ("energy",))
    page.click("button[type=submit]")
    audit.check(page, "unsubscribed")
    assert _status(service, EMAIL) == ("unsubscribed", ("nl",), ("energy",))
    page.click(f"a[href^='{base}preferences/']")
    audit.check(page, "preferences of an unsubscribed address")

    service.registry.add(
        Subscriber("gone@example.org", ("fr",), status="bounced"), datetime.now(UTC)
    )
    for name, path in {
        "subscribe nl": "nl/subscribe",
        "ask unsubscribe": "unsubscribe",
        "ask preferences": "preferences",
        "not found": "nowhere",
        "bad link": "unsubscribe/forged.token",
        "bounced preferences": Links(service.settings).url("preferences", "gone@example.org"),
    }.items():
        page.goto(path if path.startswith("http") else f"{base}{path}")
        audit.check(page, name)
    page.goto(f"{base}unsubscribe")
    page.fill("#email", EMAIL)
    page.click("button[type=submit]")
    audit.check(page, "link sent")
    context.close()

    assert audit.pages >= 15
    assert not audit.violations, "\n".join(
        f"{name}: {'; '.join(found)}" for name, found in audit.violations.items()
    )


def test_pages_keep_their_look_under_their_own_csp(service: Service, browser: Any) -> None:
    page = browser.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{service.base}fr/subscribe")
    band = page.evaluate("getComputedStyle(document.querySelector('header.site')).backgroundColor")
    button = page.evaluate("getComputedStyle(document.querySelector('button')).backgroundColor")
    assert band == "rgb(18, 53, 91)" and button == "rgb(18, 53, 91)"
    assert not blocked, blocked
    page.close()
