"""Sending with holds: what a schedule with ``send = true`` does after its build, and the
checks ``digest send`` and ``digest release`` add around :func:`digest.deliver.send_editions`.

Every path sends through :func:`~digest.deliver.send_editions` (one send log, one lock per
edition, exactly once per subscriber), after :func:`digest.schedule.merge.merge_before_send`
so an edition an older version built under a schedule's id is never sent twice. Ids
are taken as :func:`digest.schedule.ids.resolve` understands them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from digest.config import Settings
from digest.deliver import EditionReport, Registry, send_editions
from digest.deliver.hold import (
    EditionHeld,
    Hold,
    began,
    drop_hold,
    get_hold,
    hold,
    holds,
    reasons_to_hold,
    refuse_held,
    release,
    sent_editions,
)
from digest.deliver.message import variants_of
from digest.deliver.recipients import recipients
from digest.errors import InputError
from digest.model import Problem
from digest.outbox import Outbox
from digest.schedule.ids import resolve
from digest.schedule.merge import merge_before_send
from digest.store import Store

Report = Callable[[Problem], None]
Done = Callable[[EditionReport], None]


def _quiet(problem: Problem) -> None:
    pass


def _nothing(result: EditionReport) -> None:
    pass


@dataclass(frozen=True)
class Sending:
    """What a schedule's send step did with one edition."""

    edition_id: str
    #: ``sent`` (the send ran: see ``line``), ``held`` or ``failed``.
    outcome: str
    #: One line for the operator: the send's summary, or why it is held and how to release it.
    line: str


def current_id(settings: Settings, edition: str) -> str:
    """The id under which the outbox holds the edition ``edition`` stands for.

    An older version's scheduled id gives its period's edition, or itself when the outbox
    has only that one (see :mod:`digest.schedule.merge`).

    Raises:
        InputError: not an edition id.
    """
    ref = resolve(settings, edition)
    outbox = Outbox(settings.paths.outbox)
    if ref.legacy and outbox.manifest(ref.id) is None and outbox.manifest(edition) is not None:
        return edition
    return ref.id


def send_unheld(
    settings: Settings,
    edition: str | None = None,
    *,
    every: bool = False,
    dry_run: bool = False,
    report: Report = _quiet,
    done: Done = _nothing,
) -> list[str]:
    """``digest send``: :func:`send_editions`, minus the held editions.

    Returns:
        One line per held edition left out (``--all``).

    Raises:
        EditionHeld: the edition asked for (or the newest) is held.
        DigestError: as :func:`send_editions`.
    """
    if not dry_run:
        merge_before_send(settings, report)
    if edition is not None and every:
        raise InputError("give an edition or --all, not both")
    store = Store(settings.store_url)
    try:
        engine = store.engine
        if every:
            held = {h.edition_id: h for h in holds(engine)}
            order = [m["edition"] for m in _by_date(Outbox(settings.paths.outbox))]
            left_out = [held[e].line() for e in order if e in held]
            if not left_out:
                send_editions(settings, every=True, dry_run=dry_run, report=report, done=done)
                return []
            for each in order:
                if each not in held:
                    send_editions(settings, each, dry_run=dry_run, report=report, done=done)
            return left_out
        if edition is not None:
            edition = current_id(settings, edition)
        else:
            newest = _by_date(Outbox(settings.paths.outbox))
            edition = newest[-1]["edition"] if newest else None
        if edition is not None:
            refuse_held(engine, edition)
    finally:
        store.close()
    send_editions(settings, edition, dry_run=dry_run, report=report, done=done)
    return []


def held_editions(settings: Settings) -> list[Hold]:
    """The editions held and not released, by id (``digest release`` without an edition)."""
    store = Store(settings.store_url)
    try:
        return holds(store.engine)
    finally:
        store.close()


def release_and_send(
    settings: Settings, edition: str, *, report: Report = _quiet, done: Done = _nothing
) -> list[EditionReport]:
    """``digest release EDITION``: release a held edition and send it now.

    Raises:
        InputError: ``edition`` is not held.
        DigestError: as :func:`send_editions` (the edition stays released).
    """
    merge_before_send(settings, report)
    edition = current_id(settings, edition)
    store = Store(settings.store_url)
    try:
        release(store.engine, edition)
    finally:
        store.close()
    return send_editions(settings, edition, report=report, done=done)


def send_scheduled(
    settings: Settings, edition: str, *, report: Report = _quiet, now: datetime | None = None
) -> Sending:
    """Check ``edition`` and send it, or hold it (see :mod:`digest.deliver.hold`).

    An edition released, or whose sending began, is not checked again: a second run sends
    to whom did not get it yet.

    Raises:
        DigestError: as :func:`send_editions`.
    """
    moment = now or datetime.now(UTC)
    merge_before_send(settings, report)
    outbox = Outbox(settings.paths.outbox)
    store = Store(settings.store_url)
    try:
        engine = store.engine
        previous = get_hold(engine, edition)
        released = previous is not None and previous.released is not None
        if not released and not began(engine, edition):
            reasons = _check(settings, outbox, store, edition, moment)
            if reasons:
                held = hold(engine, edition, reasons, moment)
                return Sending(edition, "held", held.line())
            if previous is not None:
                drop_hold(engine, edition)
    finally:
        store.close()
    (result,) = send_editions(settings, edition, report=report)
    return Sending(edition, "sent", result.summary())


def _check(
    settings: Settings, outbox: Outbox, store: Store, edition: str, now: datetime
) -> list[str]:
    manifest = outbox.manifest(edition)
    if manifest is None:
        raise InputError(f"{edition}: no such edition in {outbox.root}")
    folder = outbox.path("editions", edition)
    variants = variants_of(sorted(p.name for p in folder.iterdir() if p.is_file()))
    sent = sent_editions(store.engine) - {edition}
    earlier = [
        m
        for m in _by_date(outbox)
        if m["edition"] in sent and str(m["published"]) <= str(manifest["published"])
    ]
    subscribers = recipients(settings, Registry(store.engine), True, _quiet, now)
    return reasons_to_hold(manifest, subscribers, variants, earlier)


def _by_date(outbox: Outbox) -> list[dict[str, Any]]:
    """The outbox's manifests, oldest first (the order of ``digest send --all``)."""
    return sorted(outbox.manifests(), key=lambda m: (m["published"], m["edition"]))


__all__ = [
    "EditionHeld",
    "Sending",
    "current_id",
    "held_editions",
    "release_and_send",
    "send_scheduled",
    "send_unheld",
]
