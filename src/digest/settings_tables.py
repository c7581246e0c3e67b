"""The settings' tables that stand on their own: ``[translation]``, ``[smtp]``, ``[serve]``,
``[limits]`` and ``[publisher]``.

Kept apart from :mod:`digest.config` (which re-exports them) so that it stays readable;
they depend on nothing else of the settings.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode


def text_list(value: Any) -> Any:
    """A list from the environment's text: ``"fr,nl"`` and ``'["fr","nl"]'`` both work."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


MachineBackend = Literal["libretranslate", "argos"]


class TranslationSettings(BaseModel):
    """Machine translation of stories that have no version in a language (digest.translate).

    Reviewed translations (XLIFF files in ``<sources>/translations/``, or imported with
    ``digest translate import``) are always used; machine backends only when listed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Machine backends, tried in this order; empty: no machine translation.
    backends: Annotated[tuple[MachineBackend, ...], NoDecode] = ()
    #: Base URL of a LibreTranslate server (``POST <url>/translate``).
    libretranslate_url: str | None = None
    #: Its API key, if it wants one (settings file or DIGEST_TRANSLATION__LIBRETRANSLATE_API_KEY).
    libretranslate_api_key: SecretStr | None = None
    #: Folder of Argos Translate packages (``.argosmodel`` files or unpacked package folders).
    argos_models: Path | None = None
    #: Seconds to connect to a LibreTranslate server.
    connect_timeout: float = Field(default=5.0, gt=0, le=120)
    #: Seconds to wait for its answer.
    read_timeout: float = Field(default=30.0, gt=0, le=600)

    @field_validator("backends", mode="before")
    @classmethod
    def _split_backends(cls, value: Any) -> Any:
        return text_list(value)

    @field_validator("libretranslate_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an absolute http(s) URL")
        return value

    @model_validator(mode="after")
    def _backends_configured(self) -> TranslationSettings:
        if len(set(self.backends)) != len(self.backends):
            raise ValueError("backends repeat")
        if "libretranslate" in self.backends and not self.libretranslate_url:
            raise ValueError("backend libretranslate needs libretranslate_url")
        if "argos" in self.backends and self.argos_models is None:
            raise ValueError("backend argos needs argos_models (a folder of .argosmodel files)")
        return self

    def under(self, base: Path) -> TranslationSettings:
        """These settings with a relative ``argos_models`` folder anchored at ``base``."""
        if self.argos_models is None:
            return self
        return self.model_copy(update={"argos_models": base / self.argos_models})


SmtpSecurity = Literal["starttls", "tls", "none"]
_DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "tls": 465, "none": 25}


class SmtpSettings(BaseModel):
    """The SMTP server ``digest send`` hands messages to (digest.deliver).

    The password comes from the settings file or ``DIGEST_SMTP__PASSWORD``, never from
    the command line.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Server name; ``digest send`` refuses to run without one.
    host: str | None = None
    #: Port; default from ``security``: 587 (starttls), 465 (tls), 25 (none).
    port: int | None = Field(default=None, ge=1, le=65535)
    #: ``starttls`` (upgrade after connecting), ``tls`` (TLS from the start) or ``none``.
    security: SmtpSecurity = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    #: Seconds for connecting and for each answer of the server.
    timeout: float = Field(default=30.0, gt=0, le=600)
    #: Messages handed over per second, at most.
    rate_per_second: float = Field(default=5.0, gt=0, le=10_000)
    #: Messages per SMTP connection.
    batch_size: int = Field(default=100, ge=1, le=100_000)
    #: Minutes before a temporary failure (4xx) is tried again.
    retry_after: float = Field(default=30.0, ge=0)
    #: Attempts per message before a temporary failure is given up.
    max_attempts: int = Field(default=3, ge=1, le=100)
    #: Minutes after which another sender may take over an edition's lock that was not
    #: renewed (its holder died on another machine, or hangs).
    lock_timeout: float = Field(default=15.0, gt=0)

    @property
    def effective_port(self) -> int:
        """``port``, or the usual one for ``security``."""
        return self.port if self.port is not None else _DEFAULT_PORTS[self.security]

    @model_validator(mode="after")
    def _login_complete(self) -> SmtpSettings:
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        return self


class ServeSettings(BaseModel):
    """``digest serve``: the subscription service and web archive (digest.serve)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Address and port uvicorn listens on (behind a reverse proxy: keep 127.0.0.1).
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    #: Hours a subscription's confirmation link stays valid.
    confirm_hours: float = Field(default=48.0, gt=0, le=24 * 90)
    #: Days an email's unsubscribe and preferences links stay valid.
    link_days: float = Field(default=400.0, gt=0)
    #: Form submissions (subscribe, preferences, unsubscribe) per client per window.
    rate_limit: int = Field(default=10, ge=1, le=100_000)
    #: Seconds of that window.
    rate_window: float = Field(default=600.0, gt=0)
    #: Take the client's address from ``X-Forwarded-For`` set by these proxies' addresses.
    trusted_proxies: tuple[str, ...] = ("127.0.0.1",)


class Limits(BaseModel):
    """What one source may cost at most (``[limits]``, ``DIGEST_LIMITS__*``).

    A source that reaches a limit is cut there and the run goes on; each cut is one
    warning line naming the file or URL. The defaults are far above what a real feed
    or article needs.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Bytes of one feed (download or local file), after every layer of decompression
    #: (HTTP ``Content-Encoding`` and a gzip body inside it); a larger feed is skipped.
    #: Default 10 MiB.
    feed_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    #: Entries read from one feed (and objects from one JSON article file); the rest
    #: are skipped. Default 2,000.
    feed_entries: int = Field(default=2_000, ge=1)
    #: Characters of one item's body (HTML as the source gave it); the rest is cut.
    #: Default 200,000.
    item_chars: int = Field(default=200_000, ge=1_000)
    #: Characters of one item's title; the rest is cut. Default 1,000.
    title_chars: int = Field(default=1_000, ge=50)
    #: Bytes of one article file; a larger file is skipped. Default 5 MB.
    article_bytes: int = Field(default=5_000_000, ge=1024)
    #: Seconds one feed's download may take in all (every attempt, wait and byte): a
    #: server that answers slowly is cut off. Default 60.
    fetch_seconds: float = Field(default=60.0, gt=0, le=3600)
    #: Warning lines shown per source; the others are counted in one line. Default 20.
    warnings_per_source: int = Field(default=20, ge=1, le=1_000)


class PublisherSettings(BaseModel):
    """Who publishes the digest (``[publisher]``): what a newsletter's footer must say.

    Anti-spam rules (CAN-SPAM, the Belgian and Dutch codes of conduct) want the sender's
    name and postal address in every commercial message, and readers want to know why
    they receive it. Empty values are left out of the messages.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Name of the person or organisation that publishes the digest.
    name: str = ""
    #: Its postal address, on one line (``Rue de la Loi 16, 1000 Bruxelles``).
    address: str = ""
    #: Per language: why the reader receives the digest ("You subscribed on ...").
    why_you_receive: dict[Literal["fr", "nl", "en", "de"], str] = Field(default_factory=dict)


#: The default accent colour: the header's background and the themes' headings.
DEFAULT_ACCENT = "#12355b"


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


class BrandSettings(BaseModel):
    """How the email looks as the publisher's (``[brand]``): short name, logo, accent colour."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Per language: the digest's name as the subject ends with it (default its ``title``).
    short_name: dict[Literal["fr", "nl", "en", "de"], str] = Field(default_factory=dict)
    #: Address of a logo image shown at the top of the email (https; about 2:1, drawn
    #: at most 240 px wide), or an image file of the templates folder that the build
    #: copies into the outbox (:mod:`digest.render.logo`); empty: none.
    logo_url: str = ""
    #: The logo's text for readers who do not see it; default the digest's name.
    logo_alt: str = ""
    #: The accent colour (``#rrggbb``): the header's background, under white text, and
    #: the themes' headings on white, so it must reach WCAG AA's 4.5:1 against white.
    accent: str = DEFAULT_ACCENT

    @field_validator("logo_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        if "://" in value and not value.startswith(("https://", "http://")):
            raise ValueError("must be an absolute http(s) URL or a file of the templates folder")
        if "://" not in value and (value.startswith(("/", "\\")) or ".." in value.split("/")):
            raise ValueError(
                "a logo file is named from the templates folder (logo.png), not "
                "by an absolute path or with '..'"
            )
        return value

    @field_validator("accent")
    @classmethod
    def _readable(cls, value: str) -> str:
        colour = value.strip().lower()
        if len(colour) == 4 and colour.startswith("#"):
            colour = "#" + "".join(c * 2 for c in colour[1:])
        if (
            len(colour) != 7
            or not colour.startswith("#")
            or not all(c in "0123456789abcdef" for c in colour[1:])
        ):
            raise ValueError(f"{value!r} is not a colour written #rrggbb")
        ratio = contrast_ratio(colour, "#ffffff")
        if ratio < 4.5:
            raise ValueError(
                f"{value} has a contrast of {ratio:.1f}:1 against white; WCAG AA needs "
                "4.5:1 for the header's white text (choose a darker colour)"
            )
        return colour
