"""Replay saved inputs through a fuzz target's check, without instrumentation.

``.venv/bin/python fuzz/replay.py feed_adapter fuzz/findings/feed_adapter/*.input``
prints, for each file, ``ok`` or the exception it still raises; the exit status is 1 when
any input still fails, so a fix can be checked against every finding.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

from _checks import CHECKS


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in CHECKS:
        print(f"usage: replay.py {{{','.join(CHECKS)}}} FILE...", file=sys.stderr)
        return 2
    check = CHECKS[argv[0]]
    failed = 0
    for name in argv[1:]:
        try:
            check(Path(name).read_bytes())
        except Exception as exc:  # report every failure
            failed += 1
            where = traceback.extract_tb(exc.__traceback__)[-1]
            print(f"{name}: {type(exc).__name__}: {exc} ({where.filename}:{where.lineno})")
        else:
            print(f"{name}: ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
