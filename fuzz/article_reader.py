"""Fuzz target: arbitrary bytes as an article file, through the article reader.

The first byte of an input picks the file's suffix (``.md``, ``.txt``, ``.html``,
``.htm``, ``.json``, ``.MD`` or the unsupported ``.xml``); the rest is the file's content,
read by ``digest.sources.files.read_articles`` as ``digest build`` reads
``sources/articles`` (``_checks.read_article``). Run by ``make fuzz``; alone:
``.venv/bin/python fuzz/article_reader.py fuzz/corpus/article_reader -max_total_time=60``.
"""

import atheris
from _harness import INSTRUMENTED, fuzz

with atheris.instrument_imports(include=INSTRUMENTED):
    from _checks import read_article

if __name__ == "__main__":
    fuzz("article_reader", read_article)
