"""The operator's commands on subscribers and send logs: one call each, from the settings.

``digest subscribers ...`` and ``digest deliveries`` are thin layers over these; each
opens the store, does one thing and closes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from digest.config import Settings
from digest.deliver.ledger import Ledger
from digest.deliver.recipients import theme_ids
from digest.deliver.registry import ImportResult, Registry
from digest.deliver.report import DeliveryListing, list_deliveries
from digest.deliver.subscribers import (
    Status,
    Subscriber,
    parse_languages,
    parse_themes,
    read_subscribers,
    sendable_address,
    write_subscribers,
)
from digest.errors import InputError
from digest.model import Problem
from digest.outbox import Outbox
from digest.store import Store


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def _registry(settings: Settings) -> Iterator[Registry]:
    store = Store(settings.store_url)
    try:
        yield Registry(store.engine)
    finally:
        store.close()


def _address(address: str) -> str:
    try:
        return sendable_address(address)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def add_subscriber(
    settings: Settings,
    address: str,
    languages: str,
    themes: str = "",
    status: Status = "active",
    now: Callable[[], datetime] = _now,
) -> tuple[str, Subscriber]:
    """Add ``address`` (or update it); what was done and the subscriber as stored.

    Raises:
        InputError: an address that cannot be sent, an unknown language or theme id, or
            a bounced address (``reactivate`` it first).
        ConfigError: themes given and the themes file cannot be read.
    """
    try:
        email = sendable_address(address)
        langs = parse_languages(languages)
        chosen = parse_themes(themes, theme_ids(settings) if themes.strip() else None)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    sub = Subscriber(email, langs, chosen, status)
    with _registry(settings) as registry:
        done = registry.add(sub, now())
        stored = registry.get(email)
    assert stored is not None
    return done, stored


def set_status(
    settings: Settings,
    address: str,
    status: Status,
    only_from: Status | None = None,
    now: Callable[[], datetime] = _now,
) -> Subscriber:
    """Give ``address`` the ``status`` (``remove``: unsubscribed; ``reactivate``: active
    from bounced only); nothing is deleted.

    Raises:
        InputError: an unknown address, or one whose status is not ``only_from``.
    """
    email = _address(address)
    with _registry(settings) as registry:
        return registry.set_status(email, status, now(), only_from=only_from)


def list_subscribers(settings: Settings, status: Status | None = None) -> list[Subscriber]:
    """The store's subscribers (of ``status``), by address."""
    with _registry(settings) as registry:
        return registry.list(status)


def import_file(
    settings: Settings,
    path: Path,
    report: Callable[[Problem], None],
    now: Callable[[], datetime] = _now,
) -> ImportResult:
    """Import the CSV file ``path`` (``,`` or ``;``); ``report`` gets each refused row.

    Raises:
        ConfigError: the file cannot be read or lacks a column, or rows name themes and
            the themes file cannot be read.
    """
    rows = read_subscribers(path, report, lambda: theme_ids(settings))
    with _registry(settings) as registry:
        return registry.import_subscribers(rows, now())


def export_file(settings: Settings, out: TextIO, status: Status | None = None) -> int:
    """Write the store's subscribers to ``out`` as CSV (as import reads it); how many."""
    subscribers = list_subscribers(settings, status)
    write_subscribers(subscribers, out)
    return len(subscribers)


def edition_deliveries(settings: Settings, edition_id: str) -> DeliveryListing:
    """The send log of ``edition_id``: counts per state and the addresses not served.

    Raises:
        InputError: the outbox has no such edition and the send log no row of it.
    """
    store = Store(settings.store_url)
    try:
        log = Ledger(store.engine).deliveries(edition_id)
    finally:
        store.close()
    if not log and not Outbox(settings.paths.outbox).path("editions", edition_id).is_dir():
        raise InputError(f"{edition_id}: no such edition in {settings.paths.outbox}")
    return list_deliveries(edition_id, log, settings.smtp.max_attempts)
