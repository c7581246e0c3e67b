"""``digest preview``: the outbox served on 127.0.0.1, to look at an edition before sending.

The standard library's HTTP server is enough: one operator, one browser, local files.
It serves only regular files whose real path is inside the outbox: no directory
listing (a folder with an ``index.html`` serves that page), no hidden file or folder
(temporary writes, the lock), no symlink that leads out.
"""

from __future__ import annotations

import functools
import http.server
import os
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from digest.config import Settings
from digest.errors import InputError, RenderError
from digest.outbox import Outbox
from digest.render.web import page_path
from digest.sources.bounds import is_inside


class _OutboxHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the regular files of its ``directory``, quietly; anything else is a 404."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        # The checks come before the standard handler opens anything; it then serves the
        # file, or the index.html of a folder (after a redirect adding the final slash).
        url_path = unquote(urlsplit(self.path).path)
        if any(part.startswith(".") for part in posixpath.normpath(url_path).split("/")):
            return self._not_found()
        path = self.translate_path(self.path)
        target = os.path.join(path, "index.html") if os.path.isdir(path) else path
        if not (os.path.isfile(target) and is_inside(Path(target), Path(self.directory))):
            return self._not_found()
        return super().send_head()

    def list_directory(self, path: Any) -> None:
        return self._not_found()

    def _not_found(self) -> None:
        self.send_error(http.HTTPStatus.NOT_FOUND, "File not found")
        return None


def preview_page(settings: Settings, edition_id: str | None = None) -> str:
    """Outbox-relative path of an edition's web page in the first language (default: newest).

    Raises:
        InputError: the outbox has no web page for that edition (or none at all).
    """
    outbox = Outbox(settings.paths.outbox)
    lang = settings.languages[0]
    if edition_id is None:
        manifests = [
            m for m in outbox.manifests() if outbox.path(*page_path(lang, m["edition"])).is_file()
        ]
        if not manifests:
            raise InputError(f"no edition in {outbox.root} yet (run digest build first)")
        edition_id = str(max(manifests, key=lambda m: (m["published"], m["edition"]))["edition"])
    parts = page_path(lang, edition_id)
    try:
        present = outbox.path(*parts).is_file()
    except RenderError:
        present = False
    if not present:
        raise InputError(f"{edition_id}: no web page in {outbox.root} (run digest build first?)")
    return "/".join(parts)


def preview_server(root: Path, port: int = 8008) -> http.server.ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 serving the folder ``root`` (port 0: a free port).

    The caller runs it (``serve_forever``) and closes it.

    Raises:
        InputError: the port cannot be used (taken, or not allowed).
    """
    handler = functools.partial(_OutboxHandler, directory=str(root))
    try:
        return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise InputError(f"--port {port}: cannot listen on 127.0.0.1: {exc.strerror}") from exc
