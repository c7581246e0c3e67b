"""Delivery of outbox editions to subscribers over SMTP (``digest send``).

Parts: :mod:`.subscribers` reads the subscribers file, :mod:`.message` picks and
addresses each subscriber's copy, :mod:`.transport` hands it to the server (the
:class:`Transport` protocol and its smtplib implementation), :mod:`.ledger` keeps the
send log, the subscribers' status and the per-edition lock in the store,
:mod:`.send` runs it all and :mod:`.report` counts what it did.
"""

from digest.deliver.ledger import Delivery, Ledger
from digest.deliver.report import EditionReport, Fallback
from digest.deliver.send import send_editions
from digest.deliver.subscribers import Subscriber, read_subscribers
from digest.deliver.transport import DeliveryError, Reply, SmtpTransport, Transport

__all__ = [
    "Delivery",
    "DeliveryError",
    "EditionReport",
    "Fallback",
    "Ledger",
    "Reply",
    "SmtpTransport",
    "Subscriber",
    "Transport",
    "read_subscribers",
    "send_editions",
]
