"""The richest sample edition's emails in Chromium at 375 and 1280 px: screenshots kept
under ``build/screenshots/email/`` (to look at), no horizontal overflow, and no WCAG 2.1
AA violation in the light or dark scheme. Same harness as :mod:`tests.test_visual`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.test_visual import CHECK, CHROMIUM, _missing, _violations

ROOT = Path(__file__).resolve().parent.parent
#: Where the screenshots stay after the run (``build/`` is not in git).
SHOTS = ROOT / "build" / "screenshots" / "email"
WIDTHS = (375, 1280)
EDITION = "weekly-2025-W47"
VARIANTS = ("fr-nl", "fr", "nl")


@pytest.fixture(scope="module")
def report(built_sample_tree: Path) -> dict[str, Any]:
    """The browser report of each variant's email, by variant."""
    missing = _missing()
    if missing:
        pytest.skip(f"{missing}: make test installs it (scripts/system-deps as root, npm ci)")
    folder = built_sample_tree / "outbox" / "editions" / EDITION
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    pages = []
    for variant in VARIANTS:
        # Named after the edition, so that the screenshots say what they show.
        page = SHOTS / f"{EDITION}.email.{variant}.html"
        shutil.copy(folder / f"email.{variant}.html", page)
        pages.append(page)
    result = subprocess.run(
        ["node", str(CHECK), "--out", str(SHOTS), "--widths", ",".join(map(str, WIDTHS))]
        + [str(page) for page in pages],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "CHROMIUM": str(CHROMIUM)},
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    return {Path(p["file"]).name.split(".")[-2]: p for p in data["pages"]}


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_email_fits_a_phone_and_a_desktop(report: dict[str, Any], variant: str) -> None:
    for width in WIDTHS:
        seen = report[variant]["widths"][str(width)]
        where = f"{variant} at {width} px (screenshot {seen['screenshot']})"
        assert seen["scrollWidth"] <= seen["innerWidth"], where
        assert seen["beyondCount"] == 0, f"{where}: {seen['beyond']}"
        shot = Path(seen["screenshot"])
        assert shot.parent == SHOTS and shot.stat().st_size > 1000


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_no_wcag_21_aa_violation(report: dict[str, Any], variant: str, scheme: str) -> None:
    found = report[variant]["axe"][scheme]
    assert not found, f"{variant} ({scheme}):\n{_violations(found)}"
