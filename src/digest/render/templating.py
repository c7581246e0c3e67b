"""Where templates and message catalogs are found, and the Jinja2 environment that reads them.

The configured template folder comes first, the packaged templates after, so an operator
overrides one file (``email/subject.txt.j2``) and keeps the rest.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import jinja2

from digest.caches import cache_root
from digest.errors import RenderError
from digest.render.packaged import PACKAGED_TEMPLATES as PACKAGED_TEMPLATES
from digest.sources.bounds import is_inside


def template_environment(templates: Path) -> jinja2.Environment:
    """Templates from the configured folder first, the packaged ones after.

    A template is read only when its real path is inside the folder it was found in:
    a symlink that leads out of it is refused (:class:`RenderError`), not followed.
    """
    folders = [templates]
    if PACKAGED_TEMPLATES.is_dir() and templates.resolve() != PACKAGED_TEMPLATES:
        folders.append(PACKAGED_TEMPLATES)
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader([_JailedLoader(folder) for folder in folders]),
        autoescape=jinja2.select_autoescape(["html", "mjml.j2", "html.j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
    )


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja2's own cache of compiled templates in a folder (written atomically, each file
    checked against its template's source when loaded), where a failed write is no error:
    the template stays compiled in memory, as without a cache."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError):  # unreadable: compiled again
            bucket.reset()


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Templates compiled once for every process (about 0.5 s of each build's start),
    in digest's cache folder (:mod:`digest.caches`); None when it cannot be made."""
    try:
        folder = cache_root() / f"jinja2-{jinja2.__version__}"
        folder.mkdir(parents=True, exist_ok=True)
    except (ImportError, OSError):
        return None
    return _QuietBytecodeCache(str(folder))


class _JailedLoader(jinja2.FileSystemLoader):
    """Jinja's file loader for one folder, refusing a template whose real path leaves it."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = folder

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        # The same path the parent class reads (split_template_path already refuses ".."),
        # checked before it is opened.
        path = self.folder.joinpath(*jinja2.loaders.split_template_path(template))
        if path.is_file() and not is_inside(path, self.folder):
            raise RenderError(f"{path}: symlink to outside the templates folder {self.folder}")
        return super().get_source(environment, template)


def locale_folder(templates: Path) -> Path:
    """Where the message catalogs are: the configured templates, else the packaged ones."""
    own = templates / "locale"
    return own if own.is_dir() else PACKAGED_TEMPLATES / "locale"
