"""Every input ``make fuzz`` ever found a crash with is read without one now.

``fuzz/findings/<target>/*.input`` are replayed through the same checks as the fuzz
targets (``fuzz/_checks.py``): digest's documented refusals of bad input are fine, any
other exception fails the test. Inputs only atheris's instrumentation made fail
(``unreproduced/``) are left out.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import pytest

FUZZ = Path(__file__).parent.parent / "fuzz"
FINDINGS = sorted((FUZZ / "findings").glob("*/*.input"))


def _checks() -> dict[str, Callable[[bytes], None]]:
    spec = importlib.util.spec_from_file_location("fuzz_checks", FUZZ / "_checks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    checks: dict[str, Callable[[bytes], None]] = module.CHECKS
    return checks


def test_there_are_findings_to_replay() -> None:
    assert FINDINGS


@pytest.mark.parametrize("path", FINDINGS, ids=lambda p: f"{p.parent.name}/{p.name[:40]}")
def test_a_finding_no_longer_crashes(path: Path) -> None:
    _checks()[path.parent.name](path.read_bytes())
