"""Delivery of outbox editions to subscribers over SMTP (``digest send``).

Parts: :mod:`.subscribers` checks subscribers and reads and writes their CSV files,
:mod:`.registry` keeps them in the store, :mod:`.recipients` gives a send its list (and
imports the old subscribers file once), :mod:`.manage` is the operator's commands on them
and on the send log, :mod:`.message` picks and
addresses each subscriber's copy, :mod:`.transport` hands it to the server (the
:class:`Transport` protocol and its smtplib implementation), :mod:`.ledger` keeps the
send log, bounces and the per-edition lock in the store, :mod:`.send` runs it all,
:mod:`.report` counts what it did and lists what failed.
"""

from digest.deliver.ledger import Delivery, Ledger
from digest.deliver.recipients import theme_ids
from digest.deliver.registry import ImportResult, Registry
from digest.deliver.report import DeliveryListing, EditionReport, Fallback, list_deliveries
from digest.deliver.send import send_editions
from digest.deliver.subscribers import (
    Subscriber,
    parse_languages,
    parse_themes,
    read_subscribers,
    sendable_address,
    write_subscribers,
)
from digest.deliver.transport import DeliveryError, Reply, SmtpTransport, Transport

__all__ = [
    "Delivery",
    "DeliveryError",
    "DeliveryListing",
    "EditionReport",
    "Fallback",
    "ImportResult",
    "Ledger",
    "Registry",
    "Reply",
    "SmtpTransport",
    "Subscriber",
    "Transport",
    "list_deliveries",
    "parse_languages",
    "parse_themes",
    "read_subscribers",
    "send_editions",
    "sendable_address",
    "theme_ids",
    "write_subscribers",
]
