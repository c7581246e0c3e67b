"""Build hook: the key point's hot modules compiled with mypyc, when this machine can.

hatch-mypyc does the compiling (pyproject.toml's ``[tool.hatch.build.targets.wheel.hooks.
custom]`` holds its settings). It fails the whole install when the compiler is missing or
mypyc refuses; here that failure is one warning and the package is installed as Python,
which runs the same key points more slowly (digest/rank/__init__.py uses what is there).
``DIGEST_NO_MYPYC=1`` skips the compiling.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from typing import Any

# The module, not the class: hatchling takes the one build hook class this file defines.
from hatch_mypyc import plugin


class CompileIfPossible(plugin.MypycBuildHook):  # type: ignore[misc]
    """hatch-mypyc's build hook, whose failure leaves a pure Python package."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Compile, or say why not and build without."""
        if self.target_name != "wheel" or os.environ.get("DIGEST_NO_MYPYC"):
            return
        compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]
        if shutil.which(compiler) is None:
            print(f"digest: no C compiler ({compiler}): modules not compiled", file=sys.stderr)
            return
        try:
            super().initialize(version, build_data)
        except Exception as error:  # mypyc's or the compiler's failure, with its output
            self.clean([version])
            print(f"digest: key point modules not compiled: {error}", file=sys.stderr)
