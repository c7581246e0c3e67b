"""The publisher's logo: an https address, or an image file of the templates folder.

``[brand] logo_url`` is either an absolute address the emails load the logo from, or
the name of an image file in the templates folder (``logo.png``, ``brand/logo.png``).
A file is copied into the outbox as ``assets/logo-<hash>.<ext>``, a name made from its
bytes, so the same file is the same name in every build and a new logo never replaces
the one older emails show (old logos are kept). The emails load it from the outbox's
public address (``base_url``), as they link the web edition.

A file is read only inside the templates folder (a link out of it is refused), only
when it is a PNG, JPEG or GIF (its first bytes say so, whatever its name) of at most
:data:`LOGO_BYTES`. A file that does not pass is no logo, with one warning line.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from digest.config import Settings

#: The outbox folder of the logo (public at ``base_url`` + ``assets/``).
ASSETS = "assets"
#: Largest logo file: the logo is shown at most 240 px wide.
LOGO_BYTES = 200_000
#: The image types a logo may be, by their first bytes (email clients show these three).
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


@dataclass(frozen=True)
class Logo:
    """The logo as the emails and the outbox have it."""

    #: The address the emails load it from.
    url: str
    #: Outbox path parts of its copy (``("assets", "logo-1a2b3c4d5e6f.png")``); empty when
    #: the logo is an address of its own.
    parts: tuple[str, ...] = ()
    data: bytes = b""


@dataclass(frozen=True)
class LogoChoice:
    """The configured logo: the logo (None: none), and why a configured file is not used."""

    logo: Logo | None
    #: Empty, or what is wrong with the configured file (one warning line).
    problem: str = ""


def is_address(value: str) -> bool:
    """Whether ``logo_url`` is an address rather than the name of a file."""
    return value.startswith(("https://", "http://"))


def choose_logo(settings: Settings) -> LogoChoice:
    """The logo ``[brand] logo_url`` names, read and checked when it is a file."""
    value = settings.brand.logo_url
    if not value:
        return LogoChoice(None)
    if is_address(value):
        return LogoChoice(Logo(value))
    folder = settings.paths.templates
    where = f"[brand] logo_url {value!r}"
    try:
        root = folder.resolve(strict=True)
        path = (folder / value).resolve(strict=True)
        if not path.is_relative_to(root) or not path.is_file():
            return LogoChoice(None, f"{where} is not a file of the templates folder {folder}")
        with path.open("rb") as handle:
            data = handle.read(LOGO_BYTES + 1)
    except OSError as error:
        return LogoChoice(None, f"{where} cannot be read: {error.strerror or error}")
    if len(data) > LOGO_BYTES:
        return LogoChoice(None, f"{where} is larger than {LOGO_BYTES:,} bytes")
    kind = next((ext for magic, ext in _SIGNATURES if data.startswith(magic)), None)
    if kind is None:
        return LogoChoice(None, f"{where} is not a PNG, JPEG or GIF image")
    name = f"logo-{hashlib.sha256(data).hexdigest()[:12]}.{kind}"
    return LogoChoice(Logo(f"{settings.base_url}{ASSETS}/{name}", (ASSETS, name), data))
