"""``digest send``: editions of the outbox to the subscribers, each message exactly once.

For each edition: take its lock, resolve the ``sending`` rows a crashed sender left (as
``unknown``, not resent), then send every active subscriber who has no final row their
own message (their languages in their order, their themes, their signed links: see
:mod:`digest.deliver.compose`), at ``rate_per_second``, logging each message before and
after. Temporary failures due again within the run are retried at its end, up to
``max_attempts``. A subscriber whose themes have no section in the edition is not sent it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any

from digest.config import Settings
from digest.deliver.compose import Choice, Composer
from digest.deliver.ledger import FINAL, Delivery, Ledger
from digest.deliver.links import Links
from digest.deliver.message import choose_variant, variants_of
from digest.deliver.recipients import recipients
from digest.deliver.registry import Registry
from digest.deliver.report import NOT_SENT, EditionReport, Fallback
from digest.deliver.subscribers import Subscriber, sendable_address
from digest.deliver.transport import SmtpTransport, Transport
from digest.errors import ConfigError, InputError
from digest.locks import new_owner
from digest.model import Problem
from digest.outbox import Outbox
from digest.store import Store


def utc_now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def send_editions(
    settings: Settings,
    edition_id: str | None = None,
    *,
    every: bool = False,
    dry_run: bool = False,
    report: Callable[[Problem], None] = lambda problem: None,
    done: Callable[[EditionReport], None] = lambda result: None,
    transport: Transport | None = None,
    now: Callable[[], datetime] = utc_now,
) -> list[EditionReport]:
    """Send editions of the outbox to the active subscribers of the store.

    A store without subscribers takes those of ``paths.subscribers`` once, if the file
    exists (see :func:`digest.deliver.recipients.recipients`).

    Args:
        settings: the digest's settings (``smtp``, ``store_url``, ``paths.subscribers``).
        edition_id: the edition to send; default the newest (by publication date).
        every: send every edition of the outbox instead (oldest first); each goes to the
            subscribers who have not had it.
        dry_run: count what would be sent; no connection, no lock, nothing written.
        report: called with each problem worked around (a bad subscriber row, a fallback
            variant, an interrupted send resolved, an address that cannot be sent).
        done: called with each edition's report as soon as it is finished.
        transport: the mail server (default: :class:`SmtpTransport` from ``smtp``).
        now: the clock (UTC).

    Returns:
        One report per edition, in the order sent.

    Raises:
        ConfigError: no ``smtp.host``, or an unreadable subscribers file.
        InputError: an unknown edition, or an edition together with ``every``.
        DeliveryError: the server cannot be reached, refuses the login or the sender, or
            another sender took the lock over; what was sent is logged.
    """
    if edition_id is not None and every:
        raise InputError("give an edition or --all, not both")
    if not dry_run and transport is None and not settings.smtp.host:
        raise ConfigError(
            "smtp.host is not set (settings file [smtp] host = ..., or DIGEST_SMTP__HOST)"
        )
    outbox = Outbox(settings.paths.outbox)
    editions = _editions(outbox, edition_id, every)
    store = Store(settings.store_url)
    ledger = Ledger(store.engine, outbox)
    results: list[EditionReport] = []
    try:
        ledger.check_send_log()
        subscribers = recipients(settings, Registry(store.engine), dry_run, report, now())
        if not dry_run and not Links.available(settings):
            report(
                Problem(
                    "secret",
                    "not set",
                    "messages carry the generic unsubscribe and preferences links "
                    "(secret = ... in the settings, or DIGEST_SECRET)",
                )
            )
        if transport is None and not dry_run:
            transport = SmtpTransport(settings.smtp)
        for manifest in editions:
            run = _EditionRun(settings, outbox, ledger, manifest, transport, report, now)
            result = run.dry(subscribers) if dry_run else run.send(subscribers)
            results.append(result)
            done(result)
    finally:
        if transport is not None:
            transport.close()
        store.close()
    return results


def _editions(outbox: Outbox, edition_id: str | None, every: bool) -> list[dict[str, Any]]:
    manifests = sorted(outbox.manifests(), key=lambda m: (m["published"], m["edition"]))
    if not manifests:
        raise InputError(f"no edition in {outbox.root} yet (run digest build first)")
    if every:
        return manifests
    if edition_id is None:
        return [manifests[-1]]
    for manifest in manifests:
        if manifest["edition"] == edition_id:
            return [manifest]
    raise InputError(f"{edition_id}: no such edition in {outbox.root}")


@dataclass
class _Pacer:
    """At most ``rate`` calls of :meth:`wait` per second, without bursts."""

    rate: float
    _next: float = field(default=0.0)

    def wait(self) -> None:
        moment = time.monotonic()
        if self._next > moment:
            time.sleep(self._next - moment)
            moment = self._next
        self._next = moment + 1.0 / self.rate


class _EditionRun:
    """One edition through one run: plan who gets what, then send and log."""

    def __init__(
        self,
        settings: Settings,
        outbox: Outbox,
        ledger: Ledger,
        manifest: dict[str, Any],
        transport: Transport | None,
        report: Callable[[Problem], None],
        now: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.outbox = outbox
        self.ledger = ledger
        self.edition_id: str = manifest["edition"]
        # The files on disk, not the manifest's list: a variant may have been removed.
        folder = outbox.path("editions", self.edition_id)
        self.variants = variants_of(sorted(p.name for p in folder.iterdir() if p.is_file()))
        self.composer = Composer(
            settings, outbox, self.edition_id, self.variants, report, manifest.get("files")
        )
        self.transport = transport
        self.report = report
        self.now = now
        self.counts: Counter[str] = Counter()
        self.fallbacks: Counter[tuple[str, str]] = Counter()

    def _plan(
        self,
        subscribers: Sequence[Subscriber],
        log: dict[str, Delivery],
        moment: datetime,
    ) -> list[tuple[Subscriber, Choice]]:
        """Who gets a message in this run, and what; counts the others."""
        queue: list[tuple[Subscriber, Choice]] = []
        smtp = self.settings.smtp
        for sub in subscribers:
            row = log.get(sub.email)
            if sub.status != "active":
                self.counts[sub.status] += 1
            elif row is not None and row.state == "unknown":
                self.counts["unknown"] += 1
            elif row is not None and row.state in FINAL:
                self.counts["already_sent"] += 1
            elif row is not None and row.attempts >= smtp.max_attempts:
                self.counts["gave_up"] += 1
            elif row is not None and row.retry_at is not None and row.retry_at > moment:
                self.counts["waiting"] += 1
            else:
                choice = self._choice(sub)
                if choice is not None:
                    queue.append((sub, choice))
        for (wanted, used), count in sorted(self.fallbacks.items()):
            readers = "subscriber" if count == 1 else "subscribers"
            self.report(
                Problem(
                    self.edition_id,
                    f"no message in {wanted} alone"
                    if "+" not in wanted
                    else f"no {wanted} message",
                    f"{count} {readers} reading {wanted} get message.{used}.eml",
                )
            )
        return queue

    def _choice(self, sub: Subscriber) -> Choice | None:
        variant = choose_variant(sub.languages, self.variants)
        if variant is None:
            self.report(Problem(self.edition_id, "no message.*.eml", f"{sub.email} skipped"))
            return None
        choice = self.composer.choose(sub, variant)
        if choice is None:
            self.counts["no_theme"] += 1
        elif set(self.variants[variant]) != set(sub.languages):
            self.fallbacks[(sub.language_key, variant)] += 1
        return choice

    def _result(self, *, locked_by: str | None = None, dry_run: bool = False) -> EditionReport:
        fallbacks = tuple(Fallback(w, u, n) for (w, u), n in sorted(self.fallbacks.items()))
        c = self.counts
        return EditionReport(
            self.edition_id,
            sent=c["sent"],
            already_sent=c["already_sent"],
            failed_temporary=c["failed_temporary"],
            failed_permanent=c["failed_permanent"],
            gave_up=c["gave_up"],
            waiting=c["waiting"],
            unsubscribed=c["unsubscribed"],
            bounced=c["bounced"],
            pending=c["pending"],
            unknown=c["unknown"],
            no_theme=c["no_theme"],
            locked_by=locked_by,
            fallbacks=fallbacks,
            dry_run=dry_run,
        )

    def dry(self, subscribers: Sequence[Subscriber]) -> EditionReport:
        """Count what :meth:`send` would do now; writes nothing."""
        log = {
            email: replace(row, state="unknown") if row.state == "sending" else row
            for email, row in self.ledger.deliveries(self.edition_id).items()
        }
        self.counts["sent"] = len(self._plan(subscribers, log, self.now()))
        return self._result(dry_run=True)

    def send(self, subscribers: Sequence[Subscriber]) -> EditionReport:
        """Send the edition under its lock; see the module docstring."""
        assert self.transport is not None
        owner = new_owner()
        smtp = self.settings.smtp
        moment = self.now()
        holder = self.ledger.acquire(
            self.edition_id, owner, moment, moment - timedelta(minutes=smtp.lock_timeout)
        )
        if holder is not None:
            since = f"{holder.renewed.astimezone(self.settings.zone):%Y-%m-%d %H:%M:%S}"
            return self._result(locked_by=f"{holder.owner} (renewed {since})")
        try:
            for email in self.ledger.resolve_interrupted(self.edition_id, moment):
                self.report(
                    Problem(
                        f"{self.edition_id} to {email}",
                        "a sender stopped after handing the message over, before the answer",
                        "logged as unknown, not sent again",
                    )
                )
            log = self.ledger.deliveries(self.edition_id)
            queue = self._plan(subscribers, log, moment)
            self._deliver(queue, {email: row.attempts for email, row in log.items()}, owner)
        finally:
            self.ledger.release(self.edition_id, owner)
        return self._result()

    def _deliver(
        self, queue: list[tuple[Subscriber, Choice]], attempts: dict[str, int], owner: str
    ) -> None:
        assert self.transport is not None
        smtp = self.settings.smtp
        sender = parseaddr(self.settings.sender)[1]
        pacer = _Pacer(smtp.rate_per_second)
        while queue:
            retry: list[tuple[Subscriber, Choice]] = []
            for sub, choice in queue:
                variant = choice.label
                try:
                    # Stored in IDNA form; a store written by an older version may hold
                    # a domain in Unicode, or one that IDNA cannot encode.
                    recipient = sendable_address(sub.email)
                except ValueError as exc:
                    self._unsendable(sub.email, variant, str(exc))
                    continue
                pacer.wait()
                commit = _Commit(self, sub.email, variant, owner)
                # Dated when it is handed over, in the digest's timezone; the outbox copy
                # keeps the edition's publication moment.
                sent_at = self.now().astimezone(self.settings.zone)
                message = self.composer.message(sub.email, recipient, choice, sent_at)
                reply = self.transport.send(sender, recipient, message, commit)
                committed = commit.done
                attempts[sub.email] = attempts.get(sub.email, 0) + 1
                moment = self.now()
                if reply.outcome == "accepted":
                    self.ledger.mark(
                        self.edition_id, sub.email, variant, "sent", str(reply), moment
                    )
                    self.counts["sent"] += 1
                elif reply.outcome == "unknown":
                    self.ledger.mark(
                        self.edition_id, sub.email, variant, "unknown", str(reply), moment
                    )
                    self.counts["unknown"] += 1
                    self.report(
                        Problem(
                            f"{self.edition_id} to {sub.email}",
                            f"no answer after the message was handed over: {reply}",
                            "logged as unknown, not sent again",
                        )
                    )
                elif reply.outcome == "permanent":
                    self.ledger.mark(
                        self.edition_id,
                        sub.email,
                        variant,
                        "failed-permanent",
                        str(reply),
                        moment,
                        attempt=not committed,
                        bounce=reply.code >= 500,
                    )
                    self.counts["failed_permanent"] += 1
                else:
                    retry_at = moment + timedelta(minutes=smtp.retry_after)
                    self.ledger.mark(
                        self.edition_id,
                        sub.email,
                        variant,
                        "failed-temporary",
                        str(reply),
                        moment,
                        retry_at=retry_at,
                        attempt=not committed,
                    )
                    if attempts[sub.email] < smtp.max_attempts and smtp.retry_after == 0:
                        retry.append((sub, choice))
                    elif attempts[sub.email] < smtp.max_attempts:
                        self.counts["failed_temporary"] += 1
                    else:
                        self.counts["gave_up"] += 1
            queue = retry

    def _unsendable(self, email: str, variant: str, why: str) -> None:
        """Log ``email`` as failed for good, without a server's answer; the run goes on."""
        reply = f"{NOT_SENT}{why}"
        self.ledger.mark(
            self.edition_id, email, variant, "failed-permanent", reply, self.now(), attempt=True
        )
        self.counts["failed_permanent"] += 1
        self.report(
            Problem(
                f"{self.edition_id} to {email}",
                why,
                "logged as failed (digest subscribers remove or add it again); the others go on",
            )
        )


class _Commit:
    """The ``committing`` callback of one message: logs ``sending``, remembers it did."""

    def __init__(self, run: _EditionRun, email: str, variant: str, owner: str) -> None:
        self.run, self.email, self.variant, self.owner = run, email, variant, owner
        self.done = False

    def __call__(self) -> None:
        run = self.run
        run.ledger.mark_sending(run.edition_id, self.email, self.variant, self.owner, run.now())
        self.done = True
