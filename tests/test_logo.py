"""The publisher's logo as a file of the templates folder: checked, copied into the outbox
under a name made from its bytes, loaded by the emails from the outbox's public address."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from pydantic import ValidationError

from digest.config import Settings
from digest.render.logo import LOGO_BYTES, choose_logo
from tests.conftest import run_digest


def png(width: int = 4, height: int = 2) -> bytes:
    """A real PNG image of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x12\x35\x5b" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def settings(templates: Path, logo: str) -> Settings:
    return Settings(paths={"templates": templates}, brand={"logo_url": logo})  # type: ignore[arg-type]


def test_a_logo_file_is_named_by_its_bytes_under_the_public_address(tmp_path: Path) -> None:
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "logo.png").write_bytes(png())
    choice = choose_logo(settings(tmp_path, "brand/logo.png"))
    assert choice.problem == "" and choice.logo is not None
    name = choice.logo.parts[1]
    assert choice.logo.parts == ("assets", name) and name.startswith("logo-")
    assert name.endswith(".png") and choice.logo.data == png()
    assert choice.logo.url == f"https://digest.example/assets/{name}"
    assert choose_logo(settings(tmp_path, "brand/logo.png")) == choice  # the same each run
    (tmp_path / "brand" / "logo.png").write_bytes(png(8, 2))
    assert choose_logo(settings(tmp_path, "brand/logo.png")).logo.parts[1] != name  # type: ignore[union-attr]
    # An address is used as it is; no setting, no logo.
    address = choose_logo(settings(tmp_path, "https://cdn.example/logo.png"))
    assert address.logo is not None and address.logo.url == "https://cdn.example/logo.png"
    assert not address.logo.parts
    assert choose_logo(settings(tmp_path, "")).logo is None


def test_a_logo_file_that_cannot_be_used_is_no_logo_and_says_why(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "fake.png").write_text("<svg onload='x'/>", "utf-8")
    (templates / "huge.png").write_bytes(png() + b"\0" * LOGO_BYTES)
    (tmp_path / "outside.png").write_bytes(png())
    (templates / "link.png").symlink_to(tmp_path / "outside.png")
    (templates / "folder.png").mkdir()
    for name, why in (
        ("fake.png", "is not a PNG, JPEG or GIF image"),
        ("huge.png", f"is larger than {LOGO_BYTES:,} bytes"),
        ("link.png", "is not a file of the templates folder"),
        ("folder.png", "is not a file of the templates folder"),
        ("missing.png", "cannot be read"),
    ):
        choice = choose_logo(settings(templates, name))
        assert choice.logo is None and why in choice.problem, (name, choice.problem)
        assert choice.problem.startswith(f"[brand] logo_url '{name}' ")
    # Paths out of the templates folder, and other schemes, are refused with the settings.
    for wrong in ("../outside.png", "/etc/passwd", "brand/../../x.png", "ftp://a.example/l.png"):
        with pytest.raises(ValidationError, match="logo_url"):
            settings(templates, wrong)


def test_the_build_copies_the_logo_and_the_emails_load_it(sample_tree: Path) -> None:
    config = sample_tree / "digest.toml"
    text = config.read_text("utf-8")
    config.write_text(
        text.replace('accent = "#12355b"', 'accent = "#12355b"\nlogo_url = "logo.png"')
    )
    logo = sample_tree / "templates" / "logo.png"
    week = ("build", "--since", "2025-11-17", "--until", "2025-11-23")
    email = sample_tree / "outbox" / "editions" / "weekly-2025-W47" / "email.fr-nl.html"
    # A file that is no image: one warning line, no logo, the build goes on.
    logo.write_text("not an image", "utf-8")
    result = run_digest(sample_tree, *week)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "is not a PNG, JPEG or GIF image; no logo shown" in warnings[0]
    assert "<img" not in email.read_text("utf-8")
    assert not (sample_tree / "outbox" / "assets").exists()
    # An image: copied under a name made from its bytes, loaded from the public address.
    logo.write_bytes(png())
    result = run_digest(sample_tree, *week)
    assert result.returncode == 0 and "warning:" not in result.stderr, result.stderr
    assets = sorted((sample_tree / "outbox" / "assets").iterdir())
    assert len(assets) == 1 and assets[0].read_bytes() == png()
    assert f'src="https://digest.example/assets/{assets[0].name}"' in email.read_text("utf-8")
    # A new logo is a new file; the one older emails show stays.
    logo.write_bytes(png(8, 2))
    result = run_digest(sample_tree, *week)
    assert result.returncode == 0 and "warning:" not in result.stderr, result.stderr
    assert len(list((sample_tree / "outbox" / "assets").iterdir())) == 2
