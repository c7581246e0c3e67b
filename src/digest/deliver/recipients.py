"""Who a send goes to: the store's subscribers, after the one-time import of the old file.

Versions before the store kept subscribers read ``paths.subscribers`` at every send. The
first send on a store without any subscriber imports that file once and says so; after
that the store is the only list, and a file changed later is pointed out, never read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from digest.config import Settings
from digest.deliver.registry import Registry
from digest.deliver.subscribers import Subscriber, read_subscribers
from digest.model import Problem
from digest.taxonomy import load_taxonomy


def theme_ids(settings: Settings) -> frozenset[str]:
    """The theme ids a subscriber may choose: the taxonomy's, and ``general``."""
    return frozenset({t.id for t in load_taxonomy(settings.paths.themes).themes} | {"general"})


def recipients(
    settings: Settings,
    registry: Registry,
    dry_run: bool,
    report: Callable[[Problem], None],
    now: datetime,
) -> list[Subscriber]:
    """Every subscriber of the store, whatever the status.

    A store without any subscriber imports ``paths.subscribers`` when it exists, once
    (the file of the versions that read it at every send): after that, the store is the
    only list, and a file changed later is only pointed out.
    """
    path = settings.paths.subscribers
    if registry.count() == 0:
        if not path.is_file():
            report(
                Problem(
                    "subscribers",
                    "the store has none",
                    "nothing to send (digest subscribers add ADDRESS, or import FILE.csv)",
                )
            )
            return []
        rows = read_subscribers(path, report, lambda: theme_ids(settings))
        if dry_run:
            report(Problem(str(path), "the store has no subscribers", f"would import {len(rows)}"))
            return rows
        registry.import_subscribers(rows, now)
        report(
            Problem(
                str(path),
                "the store had no subscribers",
                f"imported {len(rows)} once; from now on digest subscribers manages them "
                "and this file is no longer read",
            )
        )
    else:
        newest = registry.newest_change()
        if path.is_file() and newest is not None:
            changed = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            if changed > newest:
                report(
                    Problem(
                        str(path),
                        "changed after the subscribers were imported, and is no longer read",
                        f"digest subscribers import {path} applies it",
                    )
                )
    return registry.list()
