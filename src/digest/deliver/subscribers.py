"""The subscribers file: ``email,languages,themes,status``, one subscriber a row.

A bad row is reported in one line and skipped; the others are read. Only a file that
cannot be read at all (missing, not UTF-8, no ``email`` or ``languages`` column) stops
``digest send``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from email_validator import EmailNotValidError, validate_email

from digest.config import SUPPORTED_LANGUAGES
from digest.errors import ConfigError
from digest.model import Problem

FileStatus = Literal["active", "unsubscribed"]
REQUIRED_COLUMNS = ("email", "languages")
_THEME_SEPARATORS = re.compile(r"[\s;]+")


@dataclass(frozen=True)
class Subscriber:
    """One row of the subscribers file, validated."""

    #: The address, normalised by email-validator (domain in lower case).
    email: str
    #: Languages read, in the file's order (``fr+nl`` gives ``("fr", "nl")``).
    languages: tuple[str, ...]
    #: Theme ids the subscriber chose; kept in the store, not used to select messages yet.
    themes: tuple[str, ...] = ()
    #: ``active`` or ``unsubscribed`` as the file says (a bounce is kept by the store).
    status: FileStatus = "active"

    @property
    def language_key(self) -> str:
        """The languages as the file writes them: ``fr+nl``."""
        return "+".join(self.languages)


def read_subscribers(path: Path, report: Callable[[Problem], None]) -> list[Subscriber]:
    """Every valid subscriber of the CSV file ``path``, in file order.

    Args:
        path: the subscribers file (UTF-8, a header row; ``themes`` and ``status`` optional).
        report: called once per bad row (bad address, unknown language or status, repeat).

    Returns:
        The valid rows; a repeated address keeps its first row.

    Raises:
        ConfigError: the file is missing, unreadable, not UTF-8 or lacks a required column.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"subscribers file {path} does not exist (paths.subscribers)") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""), skipinitialspace=True)
    columns = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ConfigError(
            f"{path}: the header row needs the columns email,languages[,themes,status]; "
            f"missing: {', '.join(missing)}"
        )
    reader.fieldnames = columns
    found: dict[str, Subscriber] = {}
    first_line: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            where = f"{path}:{line}"
            try:
                subscriber = _subscriber(row)
            except ValueError as exc:
                report(Problem(where, str(exc), "skipped"))
                continue
            if subscriber.email in found:
                report(
                    Problem(
                        where,
                        f"{subscriber.email} repeats line {first_line[subscriber.email]}",
                        "skipped",
                    )
                )
                continue
            found[subscriber.email] = subscriber
            first_line[subscriber.email] = line
    except csv.Error as exc:
        raise ConfigError(f"{path}:{reader.line_num}: not valid CSV: {exc}") from exc
    return list(found.values())


def _subscriber(row: dict[str | None, str | None]) -> Subscriber:
    """A validated subscriber from one CSV row; ValueError names what is wrong."""
    if None in row:
        raise ValueError("more fields than the header row has")
    address = (row.get("email") or "").strip()
    if not address:
        raise ValueError("no email address")
    try:
        # Syntax only: a DNS lookup per row would make a send depend on the resolver, and
        # the SMTP server tells us soon enough about a domain that takes no mail.
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{address!r} is not a usable address: {exc}") from None
    raw_languages = (row.get("languages") or "").strip().lower()
    languages = tuple(part.strip() for part in raw_languages.split("+") if part.strip())
    unknown = [lang for lang in languages if lang not in SUPPORTED_LANGUAGES]
    if not languages or unknown or len(set(languages)) != len(languages):
        raise ValueError(
            f"languages {raw_languages!r} is not one or more of "
            f"{', '.join(SUPPORTED_LANGUAGES)} joined by '+' (e.g. fr+nl)"
        )
    themes = tuple(t for t in _THEME_SEPARATORS.split((row.get("themes") or "").strip()) if t)
    status = (row.get("status") or "active").strip().lower() or "active"
    if status not in ("active", "unsubscribed"):
        raise ValueError(f"status {status!r} is not active or unsubscribed")
    return Subscriber(
        email=checked.normalized,
        languages=languages,
        themes=themes,
        status="active" if status == "active" else "unsubscribed",
    )
