"""``digest worker``: one process taking jobs from the queue."""

from __future__ import annotations

import logging

from digest.config import Settings
from digest.locks import new_owner
from digest.store import Store
from digest.worker.queue import conninfo, ensure_schema, worker_app
from digest.worker.tasks import QUEUES, use_settings

log = logging.getLogger("digest.worker")


def run_worker(
    settings: Settings, *, queues: tuple[str, ...] | None = None, concurrency: int = 1
) -> None:
    """Take jobs from ``queues`` (default all) until SIGTERM or SIGINT; the job in hand ends
    first.

    Raises:
        StoreError: the store is not PostgreSQL, or unusable.
    """
    conninfo(settings.store_url)  # not PostgreSQL: one line saying so
    Store(settings.store_url).close()  # digest's schema, created or upgraded, or refused
    done = ensure_schema(settings.store_url)
    if done:
        log.info("digest worker: task queue schema %s", done)
    name = new_owner()
    chosen = list(queues or QUEUES)
    use_settings(settings)
    try:
        log.info("digest worker: started (%s, queues %s)", name, ", ".join(chosen))
        with worker_app(settings.store_url) as app:
            app.run_worker(queues=chosen, concurrency=concurrency, name=name, wait=True)
    finally:
        use_settings(None)
    log.info("digest worker: stopped")
