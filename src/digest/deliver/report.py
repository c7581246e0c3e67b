"""What ``digest send`` did with each edition: counts for the operator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from digest.deliver.ledger import Delivery


@dataclass(frozen=True)
class Fallback:
    """Subscribers who got another variant than theirs, which the edition lacks."""

    wanted: str
    used: str
    subscribers: int


@dataclass(frozen=True)
class EditionReport:
    """What one run did with one edition (counts are subscribers of the store)."""

    edition_id: str
    #: Accepted by the server in this run (or, on a dry run, would be sent).
    sent: int = 0
    #: Sent by an earlier run: skipped.
    already_sent: int = 0
    #: Temporary failures (4xx) of this run, to be tried again by a later run.
    failed_temporary: int = 0
    #: Permanent failures (5xx) of this run: the address is now bounced.
    failed_permanent: int = 0
    #: Temporary failures given up after ``max_attempts``.
    gave_up: int = 0
    #: Temporary failures of earlier runs not yet due again.
    waiting: int = 0
    #: Unsubscribed: skipped.
    unsubscribed: int = 0
    #: Bounced earlier: skipped.
    bounced: int = 0
    #: Not confirmed yet: skipped.
    pending: int = 0
    #: Handed over by a sender that stopped before the server's answer: not resent.
    unknown: int = 0
    #: Active subscribers whose themes have no section in the edition: not sent it.
    no_theme: int = 0
    #: Who holds the edition's lock, when another sender does (nothing was sent).
    locked_by: str | None = None
    fallbacks: tuple[Fallback, ...] = ()
    dry_run: bool = False

    def summary(self) -> str:
        """One line for the operator."""
        if self.locked_by is not None:
            return f"{self.edition_id}: locked by {self.locked_by}; nothing sent"
        verb = "would send" if self.dry_run else "sent"
        parts = [
            f"{verb} {self.sent}",
            f"skipped {self.already_sent} (already sent)",
            f"failed {self.failed_temporary} temporary / {self.failed_permanent} permanent",
            f"unsubscribed skipped {self.unsubscribed}",
            f"bounced skipped {self.bounced}",
        ]
        if self.pending:
            parts.append(f"pending skipped {self.pending}")
        if self.waiting:
            parts.append(f"waiting for retry {self.waiting}")
        if self.gave_up:
            parts.append(f"given up {self.gave_up}")
        if self.no_theme:
            parts.append(f"no chosen theme {self.no_theme}")
        if self.unknown:
            parts.append(f"unknown {self.unknown} (interrupted while sending; not resent)")
        return f"{self.edition_id}: " + ", ".join(parts)


#: The states ``digest deliveries`` lists address by address: nobody got these messages
#: (or nobody knows whether they did).
NOT_SERVED = ("bounced", "not-sendable", "given-up", "unknown")
#: How :meth:`Ledger.mark` words the reply of an address that cannot be sent.
NOT_SENT = "not sent: "


@dataclass(frozen=True)
class DeliveryListing:
    """One edition's send log for the operator: counts per state, and who was not served."""

    edition_id: str
    #: State -> addresses: ``sent``, ``sending``, ``waiting`` (a temporary failure to try
    #: again), ``bounced`` (5xx), ``not-sendable`` (an address that cannot be written in
    #: ASCII), ``given-up`` (temporary failures, ``max_attempts`` reached), ``unknown``.
    counts: tuple[tuple[str, int], ...]
    #: (state, address, attempts, the server's last answer, when), for the states of
    #: :data:`NOT_SERVED`, by state then address.
    not_served: tuple[tuple[str, str, int, str, datetime], ...]

    def lines(self, zone: tzinfo) -> list[str]:
        """The listing as text lines: the counts, then one line per address not served."""
        counts = ", ".join(f"{state} {n}" for state, n in self.counts) or "no message logged"
        out = [f"{self.edition_id}: {counts}"]
        for state, email, attempts, reply, when in self.not_served:
            tries = f"{attempts} attempt" + ("" if attempts == 1 else "s")
            out.append(
                f"{state}\t{email}\t{when.astimezone(zone):%Y-%m-%d %H:%M}\t{tries}\t{reply}"
            )
        return out


def list_deliveries(
    edition_id: str, log: Mapping[str, Delivery], max_attempts: int
) -> DeliveryListing:
    """The listing of an edition's send log ``log`` (:meth:`Ledger.deliveries`)."""
    counts: Counter[str] = Counter()
    rows: list[tuple[str, str, int, str, datetime]] = []
    for email, row in sorted(log.items()):
        state: str = row.state
        if state == "failed-temporary":
            state = "given-up" if row.attempts >= max_attempts else "waiting"
        elif state == "failed-permanent":
            # A server's 5xx (the address is bounced too), or an address never handed over.
            state = "not-sendable" if (row.reply or "").startswith(NOT_SENT) else "bounced"
        counts[state] += 1
        if state in NOT_SERVED:
            rows.append((state, email, row.attempts, row.reply or "", row.updated))
    order = ("sent", "sending", "waiting", *NOT_SERVED)
    return DeliveryListing(
        edition_id,
        tuple((state, counts[state]) for state in order if counts[state]),
        tuple(sorted(rows, key=lambda r: (NOT_SERVED.index(r[0]), r[1]))),
    )
