"""The email and the web archive in a real browser: no horizontal overflow, no WCAG 2.1 AA fault.

Debian's Chromium, driven by playwright-core (no browser download) from
``tests/browser/check.mjs``, opens each page at 375 px (a phone), 640 and 1280 px wide,
measures it and takes a full-page screenshot, then runs axe-core's WCAG 2.0/2.1 A and AA
rules in the light and the dark colour scheme. ``make test`` installs Chromium, Node.js and
npm (``scripts/system-deps``, as root) and the npm packages (``npm ci``); without them these
tests say they were skipped and why. The screenshots stay in the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "tests" / "browser" / "check.mjs"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
WIDTHS = (375, 640, 1280)
#: The sample edition: two themes, a story in three versions, an English story with a badge.
EDITION = "weekly-2024-W42"
#: The sample's busiest week.
RICHEST = "weekly-2025-W47"
PAGES = [
    f"editions/{EDITION}/email.fr-nl.html",
    f"web/fr/{EDITION}.html",
    f"web/nl/{EDITION}.html",
    f"web/fr/{EDITION}.how.html",
    f"web/nl/{EDITION}.how.html",
    "web/fr/index.html",
    "web/nl/index.html",
    # The archive a reader browses: the start page, the richest edition (27 stories, the
    # size budget's week), a theme page with its chart and an older year of a theme, a
    # search page (the results are checked in tests/test_archive.py, served over HTTP).
    "index.html",
    f"web/fr/{RICHEST}.html",
    f"web/nl/{RICHEST}.html",
    "web/fr/themes/ethics.html",
    "web/nl/themes/public-sector.html",
    "web/nl/themes/public-sector/2024.html",
    "web/fr/search.html",
]


def _missing() -> str | None:
    node = shutil.which("node")
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM}"
    if node is None:
        return "no node"
    if not (ROOT / "node_modules" / "axe-core").is_dir():
        return "no node_modules/axe-core (run npm ci)"
    if not (ROOT / "node_modules" / "playwright-core").is_dir():
        return "no node_modules/playwright-core (run npm ci)"
    return None


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, built_sample_tree: Path) -> dict[str, Any]:
    """The browser report of every page of one build of the sample tree, by outbox path."""
    missing = _missing()
    if missing:
        pytest.skip(f"{missing}: make test installs it (scripts/system-deps as root, npm ci)")
    base = tmp_path_factory.mktemp("visual")
    outbox = built_sample_tree / "outbox"
    shots = base / "screenshots"
    shots.mkdir()
    widths = ",".join(str(w) for w in WIDTHS)
    result = subprocess.run(
        ["node", str(CHECK), "--out", str(shots), "--widths", widths]
        + [str(outbox / page) for page in PAGES],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "CHROMIUM": str(CHROMIUM)},
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    return {str(Path(p["file"]).relative_to(outbox)): p for p in data["pages"]}


@pytest.mark.parametrize("page", PAGES)
def test_nothing_overflows_horizontally(report: dict[str, Any], page: str) -> None:
    for width in WIDTHS:
        seen = report[page]["widths"][str(width)]
        assert seen["innerWidth"] == width
        where = f"{page} at {width} px (screenshot {seen['screenshot']})"
        assert seen["scrollWidth"] <= seen["innerWidth"], f"{where}: {seen['scrollWidth']} px wide"
        assert seen["beyondCount"] == 0, f"{where}: elements past the right edge: {seen['beyond']}"
        assert Path(seen["screenshot"]).stat().st_size > 1000


def _violations(found: list[dict[str, Any]]) -> str:
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['target']}: {node['html']}" for node in violation["nodes"])
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("page", PAGES)
def test_no_wcag_21_aa_violation(report: dict[str, Any], page: str, scheme: str) -> None:
    found = report[page]["axe"][scheme]
    assert not found, f"{page} ({scheme} scheme):\n{_violations(found)}"
