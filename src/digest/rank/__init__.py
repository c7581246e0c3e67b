"""The learned key point ranker: sentence splitting and lemmas (:mod:`.text`), features
that carry across languages (:mod:`.features`), what a document's lemmas are worth to a
summary (:mod:`.words`), the shipped model (:mod:`.model`: a word model, a linear sentence
scorer and a linear candidate model, as JSON), the choice of the best single
sentence or pair among the best-scored ones (:mod:`.choose`; a sentence that points back
to the one before, :mod:`.anaphora`, does not open it) and its training
(:mod:`.train`, run by ``make train``; it needs scikit-learn). :mod:`digest.summarise` is
the public face.

The hot modules (:data:`COMPILED`) are compiled to C extension modules by mypyc when the
package is installed (``pip install``, editable or not: pyproject.toml's ``hooks.mypyc``);
the same sources run as Python when they are not. An extension module sits beside its
source and would be imported in its place even after the source changed (an editable
install, then an edit or a ``git pull``), so a compiled module older than any of these
sources is not used: the sources are loaded instead, all of them (the compiled modules
share one library and call each other directly). ``DIGEST_NO_MYPYC=1`` in the environment
runs the sources too (the tests compare both).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

#: The modules pyproject.toml's ``hooks.mypyc`` compiles, in the order they import each other.
COMPILED = ("quotes", "text", "words", "features", "model", "choose")
#: Seconds a source may be newer than its compiled module and still count as its source:
#: installing a wheel writes both within a moment, in any order.
_SLACK = 2.0


def _compiled_state(folder: Path) -> str:
    """ "compiled" when every module of :data:`COMPILED` has an extension module in
    ``folder`` at least as new as every source (within :data:`_SLACK`), "stale" when some
    has one but these are not all there or some source is newer, else "source".
    """
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    built: list[float] = []
    for name in COMPILED:
        times = [path.stat().st_mtime for s in suffixes if (path := folder / f"{name}{s}").exists()]
        built.extend(times[:1])
    if not built:
        return "source"
    if len(built) < len(COMPILED):
        return "stale"
    newest_source = max((folder / f"{name}.py").stat().st_mtime for name in COMPILED)
    return "compiled" if newest_source <= min(built) + _SLACK else "stale"


def _load_sources(folder: Path) -> None:
    """Import every module of :data:`COMPILED` from its source, before anything imports
    the extension modules beside them.
    """
    for name in COMPILED:
        spec = importlib.util.spec_from_file_location(f"{__name__}.{name}", folder / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        globals()[name] = module


#: How the key point runs here: "compiled" (mypyc's extension modules), "stale" (they
#: are older than the sources, which run instead), "source" (none were built) or "off"
#: (``DIGEST_NO_MYPYC``: the sources run).
STATE = "off" if os.environ.get("DIGEST_NO_MYPYC") else _compiled_state(Path(__file__).parent)
if STATE in ("stale", "off"):
    _load_sources(Path(__file__).parent)
