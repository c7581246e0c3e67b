from __future__ import annotations

from pathlib import Path

import pytest

from digest.errors import RenderError
from digest.outbox import Outbox


@pytest.mark.parametrize("name", ["..", "../x", "a/b", ".hidden", "", "x\x00"])
def test_unsafe_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(RenderError, match="unsafe outbox name"):
        Outbox(tmp_path).path("editions", name)


def test_symlink_leading_out_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "outbox"
    root.mkdir()
    (root / "editions").symlink_to(outside)
    with pytest.raises(RenderError, match="outside the outbox"):
        Outbox(root).path("editions", "weekly-2021-W06")


def test_edition_is_written_once_and_replaced_whole(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    files = {"email.fr.html": b"<p>un</p>", "email.fr.txt": b"un"}
    assert outbox.write_edition("weekly-2021-W06", files, {"edition": "weekly-2021-W06"}) is True
    assert outbox.write_edition("weekly-2021-W06", files, {"edition": "weekly-2021-W06"}) is False
    assert (
        outbox.write_edition("weekly-2021-W06", {"email.fr.html": b"deux"}, {"edition": "x"})
        is True
    )
    folder = tmp_path / "editions" / "weekly-2021-W06"
    assert sorted(p.name for p in folder.iterdir()) == ["email.fr.html", "manifest.json"]
    assert sorted(p.name for p in (tmp_path / "editions").iterdir()) == ["weekly-2021-W06"]
    (manifest,) = outbox.manifests()
    assert manifest["files"] == {
        "email.fr.html": "2e1f6e1a1ac4ea0cb4cb7e4e6a53e53ef4b8d1b1ab3a6cd61c8efa08b1ec8a96"
    } or set(manifest["files"]) == {"email.fr.html"}


def test_leftovers_of_a_killed_write_are_cleaned(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    stale = tmp_path / "editions" / ".weekly-2021-W06.new"
    stale.mkdir(parents=True)
    (stale / "half.html").write_bytes(b"<p>")
    outbox.write_edition("weekly-2021-W06", {"email.fr.html": b"ok"}, {})
    assert not stale.exists()


def test_file_replaced_atomically_only_when_changed(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    assert outbox.write_file(b"a", "feeds", "editions.fr.xml") is True
    assert outbox.write_file(b"a", "feeds", "editions.fr.xml") is False
    assert outbox.write_file(b"b", "feeds", "editions.fr.xml") is True
    assert sorted(p.name for p in (tmp_path / "feeds").iterdir()) == ["editions.fr.xml"]


def test_files_are_compared_by_their_bytes_not_only_their_size(
    tmp_path: Path,
) -> None:
    outbox = Outbox(tmp_path)
    assert outbox.write_file(b"<feed>1</feed>", "feeds", "editions.fr.xml") is True
    # Same size, other bytes: written; longer: written; the same again: not.
    assert outbox.write_file(b"<feed>2</feed>", "feeds", "editions.fr.xml") is True
    assert outbox.write_file(b"<feed>22</feed>", "feeds", "editions.fr.xml") is True
    assert outbox.write_file(b"<feed>22</feed>", "feeds", "editions.fr.xml") is False
    assert (tmp_path / "feeds" / "editions.fr.xml").read_bytes() == b"<feed>22</feed>"
    # An edition whose file changed but kept its size is published again.
    files = {"email.fr.txt": b"abc"}
    assert outbox.write_edition("weekly-2021-W06", files, {"edition": "weekly-2021-W06"})
    files = {"email.fr.txt": b"abd"}
    assert outbox.write_edition("weekly-2021-W06", files, {"edition": "weekly-2021-W06"})
    assert not outbox.write_edition("weekly-2021-W06", files, {"edition": "weekly-2021-W06"})
