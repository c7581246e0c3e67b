"""Fuzz target: arbitrary bytes as a local feed file, through the feed adapter.

Each input is written to a file that a ``FeedSource`` reads as ``digest build`` would
(the fast parser, feedparser as the fallback, entries to raw entries), then every entry
is normalised (``_checks.read_feed``). Run by ``make fuzz``; alone:
``.venv/bin/python fuzz/feed_adapter.py fuzz/corpus/feed_adapter -max_total_time=60``.
"""

import atheris
from _harness import INSTRUMENTED, fuzz

with atheris.instrument_imports(include=INSTRUMENTED):
    from _checks import read_feed

if __name__ == "__main__":
    fuzz("feed_adapter", read_feed)
