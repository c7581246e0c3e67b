"""Settings: ``digest.toml`` overridden by ``DIGEST_*`` environment variables.

Precedence, highest first: ``DIGEST_*`` variables (nested keys with ``__``,
e.g. ``DIGEST_PATHS__OUTBOX``), the TOML file, the defaults below. Relative
paths in the file are taken relative to the file's folder.
"""

from __future__ import annotations

import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from digest.errors import ConfigError, InputError
from digest.model import PeriodKind
from digest.settings_tables import (
    BrandSettings,
    Limits,
    PublisherSettings,
    ServeSettings,
    SmtpSecurity,
    SmtpSettings,
    TranslationSettings,
    text_list,
)

__all__ = [
    "DEFAULT_CONFIG",
    "SUPPORTED_LANGUAGES",
    "BrandSettings",
    "Language",
    "Limits",
    "Paths",
    "PublisherSettings",
    "ScheduleSettings",
    "ServeSettings",
    "Settings",
    "SmtpSecurity",
    "SmtpSettings",
    "TranslationSettings",
    "load_settings",
]

Language = Literal["fr", "nl", "en", "de"]
SUPPORTED_LANGUAGES: tuple[str, ...] = ("fr", "nl", "en", "de")

DEFAULT_CONFIG = Path("digest.toml")
_config_file: ContextVar[Path | None] = ContextVar("_config_file", default=None)


class Paths(BaseModel):
    """Where things are read from and written to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: Path = Path("sources")
    themes: Path = Path("themes.toml")
    templates: Path = Path("templates")
    outbox: Path = Path("outbox")
    #: A subscribers CSV (``email,languages,themes,status``) of earlier versions: the first
    #: ``digest send`` into a store without subscribers imports it once.
    subscribers: Path = Path("subscribers.csv")
    #: The editor's labels of items (see :mod:`digest.labels`); a missing file is no label.
    labels: Path = Path("sources/labels.csv")

    def under(self, base: Path) -> Paths:
        """These paths with relative ones anchored at ``base``."""
        return Paths(**{name: base / value for name, value in self.model_dump().items()})


MisfirePolicy = Literal["skip", "run-once", "backfill"]
EmptyPolicy = Literal["skip", "send"]


class ScheduleSettings(BaseModel):
    """One ``[[schedules]]`` entry: when ``digest schedule`` builds an edition, of what, for whom.

    Each run builds the period of kind ``period`` that ended last before it (a Monday
    07:00 weekly run builds the week that ended on Sunday): the period's edition, the one
    ``digest build`` makes (``weekly-2026-W48``), or, for a schedule with its own
    ``languages`` or ``themes``, that cut of it (``weekly-2026-W48.fr``). With ``send``,
    it then sends it, unless a check holds it. See digest.schedule.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Names the schedule (older versions also prefixed its editions' ids with it).
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")
    #: 5-field cron expression (minute hour day month weekday; weekday 0 or 7 is Sunday),
    #: or ``daily`` (07:00), ``weekly`` (Monday 07:00), ``monthly`` (the 1st at 07:00).
    cron: str
    #: Timezone of the cron expression.
    timezone: str = "Europe/Brussels"
    #: Period each run covers; default the shorthand's (required with a cron expression).
    period: PeriodKind
    #: Languages of its editions; default the settings' ``languages``.
    languages: Annotated[tuple[Language, ...] | None, NoDecode] = None
    #: Only these themes' sections (theme ids of themes.toml, ``general`` included); None: all.
    themes: Annotated[tuple[str, ...] | None, NoDecode] = None
    #: Name of the subscriber list its editions are for (recorded in their manifest).
    audience: str | None = None
    #: After downtime: ``skip`` missed runs, ``run-once`` (build the latest missed period),
    #: ``backfill`` (one edition per missed period).
    misfire: MisfirePolicy = "run-once"
    #: A period without stories: ``skip`` (no edition, no mail) or ``send`` (an empty edition).
    empty: EmptyPolicy = "skip"
    #: Send each edition it builds to the subscribers, as ``digest send`` does, after a
    #: check that may hold it (``digest release EDITION`` then sends it).
    send: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand_period(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("period") is None:
            from digest.schedule import cron  # APScheduler: only when schedules are set

            shorthand = str(data.get("cron", "")).strip().lower().lstrip("@")
            if shorthand in cron.SHORTHANDS:
                return {**data, "period": shorthand}
            raise ValueError(
                f"schedule {data.get('name')!r}: give period (daily, weekly or monthly) "
                "with a cron expression"
            )
        return data

    @field_validator("languages", "themes", mode="before")
    @classmethod
    def _split_lists(cls, value: Any) -> Any:
        return text_list(value)

    @model_validator(mode="after")
    def _usable(self) -> ScheduleSettings:
        where = f"schedule {self.name!r}"
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{where}: unknown timezone {self.timezone!r}") from None
        from digest.schedule import cron  # APScheduler: only when schedules are set

        try:
            cron.trigger(self.cron, zone)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        if self.languages is not None and not (
            1 <= len(self.languages) == len(set(self.languages)) <= 2
        ):
            raise ValueError(f"{where}: give one or two different languages")
        if self.themes is not None and not self.themes:
            raise ValueError(f"{where}: themes is empty (leave it out for every theme)")
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The schedule's timezone."""
        return ZoneInfo(self.timezone)


class Settings(BaseSettings):
    """Validated settings of one digest."""

    model_config = SettingsConfigDict(
        env_prefix="DIGEST_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    #: One or two languages, in display order.
    languages: Annotated[tuple[Language, ...], NoDecode] = ("fr", "nl")
    #: Timezone of periods, schedules and dates without a zone.
    timezone: str = "Europe/Brussels"
    #: Default period of an edition.
    period: PeriodKind = "weekly"
    paths: Paths = Paths()
    #: SQLAlchemy URL of the store.
    store_url: str = "sqlite:///digest.sqlite3"
    #: Title of the digest per language.
    title: dict[Language, str] = Field(
        default_factory=lambda: {  # type: ignore[arg-type]
            "fr": "Benelux IA : la lettre",
            "nl": "Benelux AI-nieuwsbrief",
            "en": "Benelux AI digest",
            "de": "Benelux KI-Digest",
        }
    )
    #: ``From`` address of the email.
    sender: str = "Benelux AI digest <digest@digest.example>"
    #: Address that receives unsubscribe requests (``List-Unsubscribe``).
    unsubscribe_address: str = "unsubscribe@digest.example"
    #: Public base URL of the outbox (web archive and feeds), ending with ``/``.
    base_url: str = "https://digest.example/"
    #: Stories per theme in an edition.
    stories_per_theme: int = Field(default=4, ge=1, le=20)
    #: Sentences per key point.
    sentences_per_point: int = Field(default=2, ge=1, le=3)
    #: Whether key points lose attribution tails, asides, leading connectives and
    #: datelines (:mod:`digest.compress`); the how page shows the full sentences.
    compress_points: bool = True
    #: Largest email HTML in bytes: Gmail clips messages at about 102 KB. Lowest-ranked
    #: stories beyond it move to the web edition, behind a "more on the web" link.
    email_max_bytes: int = Field(default=100_000, ge=20_000)
    #: Processes reading sources at once: 0 one per CPU core (at most 8), 1 no pool. As many
    #: compute the items' parts (at most 4 for 0); with two or more, a second process builds
    #: the next editions while this one publishes (:mod:`digest.editions_ahead`).
    ingest_workers: int = Field(default=0, ge=0, le=64)
    #: Seconds a build waits for another build or scheduled run writing the same outbox.
    outbox_wait: float = Field(default=600.0, ge=0)
    #: Machine translation backends (reviewed translations need no setting).
    translation: TranslationSettings = TranslationSettings()
    #: Scheduled editions (``[[schedules]]``), run by ``digest schedule``.
    schedules: tuple[ScheduleSettings, ...] = ()
    #: Delivery of editions by ``digest send``.
    smtp: SmtpSettings = SmtpSettings()
    #: What one source may cost at most (sizes, entries, time, warning lines).
    limits: Limits = Limits()
    #: Key that signs subscribers' links (confirm, unsubscribe, preferences); set it in
    #: the settings file or ``DIGEST_SECRET``. Without it, messages carry generic links.
    secret: SecretStr | None = None
    #: The subscription service.
    serve: ServeSettings = ServeSettings()
    #: Who publishes the digest: name, postal address, why readers receive it.
    publisher: PublisherSettings = PublisherSettings()
    #: How the email looks as the publisher's: short name, logo, accent colour.
    brand: BrandSettings = BrandSettings()
    #: Warn on every command while ``sender``, ``base_url`` or ``unsubscribe_address``
    #: hold example values (digest.examples); false only for a demo or a test setup.
    warn_example_values: bool = True

    @field_validator("languages", mode="before")
    @classmethod
    def _split_languages(cls, value: Any) -> Any:
        return text_list(value)

    @field_validator("languages")
    @classmethod
    def _one_or_two(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not 1 <= len(value) <= 2:
            raise ValueError("give one or two languages")
        if len(set(value)) != len(value):
            raise ValueError("languages repeat")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value

    @field_validator("base_url")
    @classmethod
    def _absolute_base(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an absolute http(s) URL")
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _titles_for_languages(self) -> Settings:
        missing = [lang for lang in self.languages if lang not in self.title]
        if missing:
            raise ValueError(f"title has no entry for {', '.join(missing)}")
        return self

    @model_validator(mode="after")
    def _schedules_consistent(self) -> Settings:
        names = [schedule.name for schedule in self.schedules]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"schedule names repeat: {', '.join(repeated)}")
        for schedule in self.schedules:
            missing = [lang for lang in schedule.languages or () if lang not in self.title]
            if missing:
                raise ValueError(
                    f"schedule {schedule.name!r}: title has no entry for {', '.join(missing)}"
                )
        return self

    def schedule(self, name: str) -> ScheduleSettings:
        """The schedule called ``name``.

        Raises:
            InputError: no schedule has that name.
        """
        for schedule in self.schedules:
            if schedule.name == name:
                return schedule
        known = ", ".join(s.name for s in self.schedules) or "none in the settings"
        raise InputError(f"no schedule named {name!r} (schedules: {known})")

    @property
    def zone(self) -> ZoneInfo:
        """The configured timezone."""
        return ZoneInfo(self.timezone)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file.get()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Load settings from ``path`` (default ``./digest.toml`` if present) and the environment.

    Args:
        path: the TOML file; it must exist when given explicitly.
        overrides: values that win over both (used by tests and the CLI).

    Returns:
        Settings whose relative paths are anchored at the file's folder
        (or the working folder when there is no file).

    Raises:
        ConfigError: the file is missing or not TOML, or a value is invalid;
            the message names the file and every bad key.
    """
    if path is None:
        path = DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None
    elif not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    if path is not None:
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    token = _config_file.set(path)
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from exc
    finally:
        _config_file.reset(token)
    base = path.parent if path is not None else Path()
    return settings.model_copy(
        update={
            "paths": settings.paths.under(base),
            "store_url": _anchor_sqlite(settings.store_url, base),
            "translation": settings.translation.under(base),
        }
    )


def _anchor_sqlite(url: str, base: Path) -> str:
    # A relative SQLite file lives beside the configuration, like every other relative path.
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str(base / url[len(prefix) :])
    return url


def _describe(exc: ValidationError, path: Path | None) -> str:
    where = str(path) if path is not None else "settings"
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(root)"
        problems.append(f"{key}: {error['msg']}")
    return f"{where}: invalid configuration: " + "; ".join(problems)
