"""What the fuzz targets share: what is instrumented, and how a finding is kept.

An exception outside ``_checks.EXPECTED`` is a finding. Instead of stopping at the first
one (libFuzzer's way), each distinct finding (its type and the innermost frame that raised
it) is saved once under ``fuzz/findings/<target>/``: the input that triggers it and its
traceback, so that one run of ``make fuzz`` reports every bug it meets, not only the
first. A hang or a memory blow-up still stops libFuzzer, which saves that input there too
(``-artifact_prefix``).

Each finding is replayed at once in a plain interpreter (``replay.py``): atheris rewrites
the bytecode it instruments, and on Python 3.11 that rewriting has raised exceptions the
plain code never raises (an ``UnboundLocalError`` in ftfy, an ``AttributeError`` in
PyYAML's scanner). One that does not happen again is kept apart, in ``unreproduced/``.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

import atheris

#: The packages whose code is instrumented for coverage: digest and the pure-Python parsers
#: it hands input to. Instrumenting everything imported (the default) crashed the
#: interpreter on a module pydantic-settings pulls in, and would only slow each run.
INSTRUMENTED = (
    "digest",
    "feedparser",
    "yaml",
    "markdown_it",
    "ftfy",
    "charset_normalizer",
    "trafilatura",
    "htmldate",
    "courlan",
    "justext",
)

FINDINGS = Path(__file__).resolve().parent / "findings"


class Findings:
    """The distinct unexpected exceptions of one target, each saved once with its input."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.folder = FINDINGS / target
        self.seen: set[str] = set()

    def record(self, data: bytes, exc: BaseException) -> None:
        """Save ``data`` and the traceback of ``exc`` unless this kind was seen already."""
        frames = traceback.extract_tb(exc.__traceback__)
        where = frames[-1] if frames else None
        place = f"{Path(where.filename).name}-{where.lineno}" if where else "unknown"
        name = f"{type(exc).__name__}-{place}"
        if name in self.seen:
            return
        self.seen.add(name)
        if any(self.folder.glob(f"{name}-*.input")) or any(
            self.folder.glob(f"unreproduced/{name}-*.input")
        ):
            return  # found by an earlier run
        folder = self.folder if self._reproduces(data) else self.folder / "unreproduced"
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{name}-{hashlib.sha1(data).hexdigest()[:12]}"
        (folder / f"{stem}.input").write_bytes(data)
        text = "".join(traceback.format_exception(exc))
        (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
        saved = folder.relative_to(FINDINGS) / stem
        print(f"\nfinding: {name} (saved as {saved})", file=sys.stderr, flush=True)

    def _reproduces(self, data: bytes) -> bool:
        """Whether ``data`` fails in a plain interpreter too (replay.py exits with 1)."""
        with tempfile.NamedTemporaryFile(suffix=".input") as handle:
            handle.write(data)
            handle.flush()
            replay = [sys.executable, str(Path(__file__).with_name("replay.py"))]
            result = subprocess.run(
                [*replay, self.target, handle.name], capture_output=True, check=False
            )
        return result.returncode == 1


def fuzz(target: str, check: Callable[[bytes], None]) -> None:
    """Run libFuzzer (arguments from the command line) on ``check``, recording findings."""
    findings = Findings(target)

    def test_one_input(data: bytes) -> None:
        try:
            check(data)
        except Exception as exc:  # every unexpected exception is a finding
            findings.record(data, exc)

    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
