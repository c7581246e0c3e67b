"""The view files of the emails (``view.<variant>.json``) are written without
``dataclasses.asdict``, whose deep copies were a fifth of an edition's email time at
100,000 items: the same bytes as with it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from digest.render.personal import view_from_json, view_json


def test_view_files_are_what_asdict_gives(built_sample_tree: Path) -> None:
    files = sorted((built_sample_tree / "outbox" / "editions").glob("*/view.*.json"))
    assert files
    for path in files:
        data = path.read_bytes()
        view = view_from_json(data)
        text = json.dumps(
            dataclasses.asdict(view), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        assert view_json(view) == data == (text + "\n").encode("utf-8")
