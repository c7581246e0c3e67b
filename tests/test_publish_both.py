"""An edition's folder written while its web pages render (:func:`digest.publish.publish_both`):
the same files as one after the other, and a failure of either stops as it did."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from digest.errors import DigestError, RenderError
from digest.outbox import Outbox
from digest.publish import edition_files, publish_both, publish_edition, publish_web
from digest.render.email import EmailRenderer
from digest.render.web import WebRenderer
from tests.test_render import ROOT, many_stories, settings_for


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def test_the_same_files_as_one_after_the_other(tmp_path: Path) -> None:
    edition = many_stories(20)
    written = {}
    for way in ("in turn", "both"):
        outbox = Outbox(tmp_path / way)
        renderer = EmailRenderer(settings_for(tmp_path / way))
        web = WebRenderer(renderer)
        if way == "in turn":
            result = publish_web(edition, web, outbox, publish_edition(edition, renderer, outbox))
        else:
            result = publish_both(edition_files(edition, renderer, outbox), web, outbox)
        assert result.changed and result.files == 13 + 4
        written[way] = files_of(tmp_path / way)
    assert written["in turn"] == written["both"]
    # Published again: nothing changes.
    outbox = Outbox(tmp_path / "both")
    renderer = EmailRenderer(settings_for(tmp_path / "both"))
    again = publish_both(edition_files(edition, renderer, outbox), WebRenderer(renderer), outbox)
    assert not again.changed


def test_a_folder_that_cannot_be_written_stops_before_the_web_pages(tmp_path: Path) -> None:
    (tmp_path / "editions").write_text("not a folder")
    outbox = Outbox(tmp_path)
    renderer = EmailRenderer(settings_for(tmp_path))
    made = edition_files(many_stories(5), renderer, outbox)
    with pytest.raises(DigestError, match="cannot write edition"):
        publish_both(made, WebRenderer(renderer), outbox)
    assert not (tmp_path / "web").exists()


def test_web_pages_that_cannot_render_leave_the_written_folder(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "web" / "how.html.j2").write_text("{% if %}broken")
    settings = settings_for(tmp_path / "outbox").model_copy(
        update={"paths": settings_for(tmp_path / "outbox").paths.model_copy(
            update={"templates": templates}
        )}
    )  # fmt: skip
    outbox = Outbox(tmp_path / "outbox")
    renderer = EmailRenderer(settings)
    edition = many_stories(5)
    made = edition_files(edition, renderer, outbox)
    with pytest.raises(RenderError, match=r"how\.html\.j2"):
        publish_both(made, WebRenderer(renderer), outbox)
    # As when the folder was written first: it is there, whole; no web page is.
    assert (tmp_path / "outbox" / "editions" / edition.id / "manifest.json").is_file()
    assert not (tmp_path / "outbox" / "web").exists()
