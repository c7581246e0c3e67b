"""Subscribers: the validated record, its address rules, and the CSV files that carry them.

The store keeps the subscribers (:mod:`.registry`); a CSV file is only a way in and out
(``digest subscribers import``/``export``). An address is kept and sent in its IDNA
(ASCII) form, so an address that cannot be written so is refused when it comes in, never
in the middle of a send.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, TextIO, get_args

from email_validator import EmailNotValidError, validate_email

from digest.config import SUPPORTED_LANGUAGES
from digest.errors import ConfigError
from digest.model import Problem

Status = Literal["pending", "active", "unsubscribed", "bounced"]
STATUSES: tuple[Status, ...] = get_args(Status)
REQUIRED_COLUMNS = ("email", "languages")
#: The statuses a file may give (``bounced``, with its ``reason``, as export writes it).
_FILE_STATUSES: dict[str, Status] = {status: status for status in STATUSES}
#: Between languages or theme ids in one cell or option: ``fr+nl``, ``fr,nl``, ``a; b``.
_LIST_SEPARATORS = re.compile(r"[\s;,+]+")


@dataclass(frozen=True)
class Subscriber:
    """One subscriber, validated."""

    #: The address in its sendable form: IDNA domain (``xn--``), as email-validator's
    #: ``ascii_email`` gives it (the domain in lower case, the local part as written).
    email: str
    #: Languages read, in the subscriber's order (``fr+nl`` gives ``("fr", "nl")``).
    languages: tuple[str, ...]
    #: Theme ids the subscriber chose (ids of the taxonomy, or ``general``).
    themes: tuple[str, ...] = ()
    status: Status = "active"
    #: For a bounced address: the server's answer.
    reason: str | None = None
    #: When the status last changed (UTC); None for a record not yet stored.
    updated: datetime | None = None

    @property
    def language_key(self) -> str:
        """The languages as the store writes them: ``fr+nl``."""
        return "+".join(self.languages)


def sendable_address(address: str) -> str:
    """``address`` as it is stored and sent: checked, domain in IDNA form.

    Raises:
        ValueError: not an address, or one that cannot be written in ASCII (a domain IDNA
            cannot encode, a non-ASCII local part); the message says why.
    """
    address = address.strip()
    if not address:
        raise ValueError("no email address")
    try:
        # Syntax only: a DNS lookup per address would make import depend on the resolver,
        # and the SMTP server tells us soon enough about a domain that takes no mail.
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{address!r} is not a usable address: {exc}") from None
    if not checked.ascii_email:
        raise ValueError(f"{address!r} cannot be sent: no ASCII (IDNA) form")
    return checked.ascii_email


def parse_languages(text: str) -> tuple[str, ...]:
    """Languages from ``fr+nl``, ``fr,nl`` or ``fr nl``; ValueError names what is wrong."""
    languages = tuple(p for p in _LIST_SEPARATORS.split(text.strip().lower()) if p)
    unknown = [lang for lang in languages if lang not in SUPPORTED_LANGUAGES]
    if not languages or unknown or len(set(languages)) != len(languages):
        what = f"unknown language {', '.join(unknown)}" if unknown else "no language"
        if languages and not unknown:
            what = "a language repeats"
        raise ValueError(
            f"languages {text.strip()!r}: {what} (one or more of "
            f"{', '.join(SUPPORTED_LANGUAGES)}, e.g. fr+nl)"
        )
    return languages


def parse_themes(text: str, known: Collection[str] | None) -> tuple[str, ...]:
    """Theme ids from ``a,b`` or ``a b``; ValueError for an id not in ``known``."""
    themes = tuple(dict.fromkeys(p for p in _LIST_SEPARATORS.split(text.strip()) if p))
    if known is not None:
        unknown = [t for t in themes if t not in known]
        if unknown:
            raise ValueError(
                f"unknown theme {', '.join(unknown)} (the themes file has "
                f"{', '.join(sorted(known))})"
            )
    return themes


def read_subscribers(
    path: Path,
    report: Callable[[Problem], None],
    themes: Callable[[], Collection[str]] | None = None,
) -> list[Subscriber]:
    """Every valid subscriber of the CSV file ``path``, in file order.

    The file is UTF-8 (a BOM is allowed) with a header row, its fields separated by ``,``
    or by ``;`` (as spreadsheets in French or Dutch save CSV): whichever separates the
    header's ``email`` from the next column.

    Args:
        path: the file; columns ``email`` and ``languages``, ``themes``, ``status``
            (default ``active``) and ``reason`` (of a bounce) optional: as
            :func:`write_subscribers` writes them.
        report: called once per refused row (bad or unsendable address, unknown language,
            theme or status, a repeat), naming the row and why.
        themes: gives the known theme ids, called once if a row names themes; None
            accepts any id.

    Returns:
        The valid rows; a repeated address keeps its first row.

    Raises:
        ConfigError: the file is missing, unreadable, not UTF-8 or lacks a required column.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"subscribers file {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(
        io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True
    )
    columns = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ConfigError(
            f"{path}: the header row needs the columns email,languages[,themes,status] "
            f"(separated by , or ;); missing: {', '.join(missing)}"
        )
    reader.fieldnames = columns
    found: dict[str, Subscriber] = {}
    first_line: dict[str, int] = {}
    known: list[Collection[str]] = []

    def known_themes() -> Collection[str] | None:
        if themes is None:
            return None
        if not known:
            known.append(themes())
        return known[0]

    try:
        for row in reader:
            line = reader.line_num
            where = f"{path}:{line}"
            try:
                subscriber = _subscriber(row, known_themes)
            except ConfigError:
                # The themes file, not the row: a ValueError too, but it stops the import.
                raise
            except ValueError as exc:
                report(Problem(where, str(exc), "row skipped"))
                continue
            if subscriber.email in found:
                report(
                    Problem(
                        where,
                        f"{subscriber.email} repeats line {first_line[subscriber.email]}",
                        "row skipped",
                    )
                )
                continue
            found[subscriber.email] = subscriber
            first_line[subscriber.email] = line
    except csv.Error as exc:
        raise ConfigError(f"{path}:{reader.line_num}: not valid CSV: {exc}") from exc
    return list(found.values())


def _subscriber(
    row: dict[str | None, str | None], known_themes: Callable[[], Collection[str] | None]
) -> Subscriber:
    """A validated subscriber from one CSV row; ValueError names what is wrong."""
    if None in row:
        raise ValueError("more fields than the header row has")
    email = sendable_address(row.get("email") or "")
    languages = parse_languages(row.get("languages") or "")
    raw_themes = (row.get("themes") or "").strip()
    themes = parse_themes(raw_themes, known_themes() if raw_themes else None)
    status = (row.get("status") or "active").strip().lower() or "active"
    if status not in _FILE_STATUSES:
        raise ValueError(f"status {status!r} is not {', '.join(STATUSES)}")
    return Subscriber(
        email=email,
        languages=languages,
        themes=themes,
        status=_FILE_STATUSES[status],
        reason=(row.get("reason") or "").strip() or None if status == "bounced" else None,
    )


def write_subscribers(subscribers: Collection[Subscriber], out: TextIO) -> None:
    """Write ``subscribers`` as CSV (``email,languages,themes,status,reason,updated``)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "languages", "themes", "status", "reason", "updated"])
    for sub in subscribers:
        writer.writerow(
            [
                sub.email,
                sub.language_key,
                " ".join(sub.themes),
                sub.status,
                sub.reason or "",
                f"{sub.updated:%Y-%m-%dT%H:%M:%SZ}" if sub.updated else "",
            ]
        )
