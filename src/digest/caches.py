"""Where digest keeps what it can always make again: caches that spare a process work
another process already did (simplemma's dictionaries as tries, :mod:`digest.lemmata`;
the templates compiled by Jinja2, :mod:`digest.render.templating`).

The folder ``DIGEST_CACHE_DIR`` if set, else the user's cache folder (``~/.cache/digest``
on Linux), one subfolder per cache and version. Nothing in it is ever needed: a folder that
cannot be made or written, or a file found damaged, only means the work is done again in
the process, and never an error. Nothing read from a source is kept there.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Environment variable naming digest's cache folder.
CACHE_DIR_VARIABLE = "DIGEST_CACHE_DIR"


def cache_root() -> Path:
    """The folder digest's caches are kept in (it may not exist yet).

    Raises:
        ImportError: ``DIGEST_CACHE_DIR`` is not set and platformdirs is not installed.
    """
    base = os.environ.get(CACHE_DIR_VARIABLE)
    if not base:
        from platformdirs import user_cache_dir

        base = user_cache_dir("digest")
    return Path(base)
