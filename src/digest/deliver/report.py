"""What ``digest send`` did with each edition: counts for the operator."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fallback:
    """Subscribers who got another variant than theirs, which the edition lacks."""

    wanted: str
    used: str
    subscribers: int


@dataclass(frozen=True)
class EditionReport:
    """What one run did with one edition (counts are subscribers of the file)."""

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
    #: Marked unsubscribed in the file: skipped.
    unsubscribed: int = 0
    #: Bounced earlier: skipped.
    bounced: int = 0
    #: Handed over by a sender that stopped before the server's answer: not resent.
    unknown: int = 0
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
        if self.waiting:
            parts.append(f"waiting for retry {self.waiting}")
        if self.gave_up:
            parts.append(f"given up {self.gave_up}")
        if self.unknown:
            parts.append(f"unknown {self.unknown} (interrupted while sending; not resent)")
        return f"{self.edition_id}: " + ", ".join(parts)
