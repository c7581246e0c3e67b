"""Where the packaged templates are, without Jinja2: every build keys them
(:mod:`digest.incremental`), and one with every edition unchanged renders nothing."""

from __future__ import annotations

from pathlib import Path


def _packaged_templates() -> Path:
    # A wheel carries the templates inside the package (see pyproject's force-include);
    # an editable install from a checkout finds them at the repository's top level.
    package = Path(__file__).resolve().parent.parent
    inside, checkout = package / "templates", package.parent.parent / "templates"
    return inside if inside.is_dir() or not checkout.is_dir() else checkout


#: Packaged templates, used for whatever the configured template folder lacks.
PACKAGED_TEMPLATES = _packaged_templates()
