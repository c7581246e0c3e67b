"""The key point's modules compiled with mypyc (when the install could compile them) and
their sources choose the same key points, and a compiled module older than its source is
not used (digest/rank/__init__.py).
"""

from __future__ import annotations

import importlib.machinery
import json
import os
import time
from pathlib import Path

import pytest

import digest.rank
from digest.rank import _compiled_state
from tests.conftest import run_digest

DATA = Path(__file__).parent / "data" / "keypoints"
# Greek final sigma and dotted capital I: mypyc's str.lower() differs from Python's on Σ.
GREEK = {
    "id": "greek",
    "lang": "fr",
    "title": "ΟΔΟΣ Αθηνών : İstanbul et « la rue » d'Athènes",
    "text": "La ΟΔΟΣ Αθηνών s'appelle « la rue ». À İSTANBUL, ΟΔΟΣ ΑΘΗΝΩΝ et ΟΔΟΣ, la rue "
    "d'Athènes : « oui ».\n\n„Ja“, sagt er. “Yes” and \"no\" in la rue d'Athènes.",
}


def _keypoints(tmp_path: Path, sentences: str, **env: str) -> str:
    result = run_digest(
        tmp_path,
        "keypoints",
        "--sentences",
        sentences,
        *(str(DATA / f"{lang}.jsonl") for lang in ("nl", "en", "de")),
        str(tmp_path / "greek.jsonl"),
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("sentences", ["1", "2"])
def test_compiled_and_sources_agree(tmp_path: Path, sentences: str) -> None:
    (tmp_path / "greek.jsonl").write_text(json.dumps(GREEK, ensure_ascii=False) + "\n")
    compiled = _keypoints(tmp_path, sentences)
    sources = _keypoints(tmp_path, sentences, DIGEST_NO_MYPYC="1")
    assert compiled.count("\n") == 61
    assert compiled == sources


def test_states(tmp_path: Path) -> None:
    assert digest.rank.STATE in ("compiled", "source", "off")
    for name in digest.rank.COMPILED:
        (tmp_path / f"{name}.py").write_text("")
    assert _compiled_state(tmp_path) == "source"
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    (tmp_path / f"quotes{suffix}").write_bytes(b"")
    assert _compiled_state(tmp_path) == "stale"  # some compiled, not all
    for name in digest.rank.COMPILED:
        (tmp_path / f"{name}{suffix}").write_bytes(b"")
    assert _compiled_state(tmp_path) == "compiled"
    later = time.time() + 60
    os.utime(tmp_path / "text.py", (later, later))  # edited after the build
    assert _compiled_state(tmp_path) == "stale"
