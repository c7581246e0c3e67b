"""A ``digest worker`` killed in the middle of a job: its job is queued again and done once by
another worker, through procrastinate's heartbeats and the ``retry_stalled`` task.

The job is held at a chosen point (the feed's HTTP server keeps the first request open until
the test lets it go), the worker is killed there with SIGKILL. The time a dead worker takes
to look dead is not waited for: its last heartbeat is set an hour back in the database
(procrastinate's ``procrastinate_workers.last_heartbeat``), and ``digest:retry_stalled`` is
queued as an ordinary job rather than at the cron's next minute. The other worker runs it,
and the test waits for that worker's log lines, with a generous bound that only a broken run
reaches; nothing waits for time.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import copy_sample_tree, run_digest
from tests.postgres import fresh_database
from tests.test_worker import PATIENCE, Process, _env, _execute, _rows

pytest.importorskip("procrastinate")


class HoldingFeed:
    """A real HTTP server on 127.0.0.1 serving one feed; it holds the first request open
    until :attr:`release` is set, and counts every request."""

    def __init__(self, body: bytes) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.requests = 0
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with lock:
                    outer.requests += 1
                    first = outer.requests == 1
                if first:
                    outer.arrived.set()
                    outer.release.wait(PATIENCE)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the worker that asked was killed

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HoldingFeed:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_the_job_of_a_killed_worker_is_done_once_by_another(
    tmp_path: Path, postgres_url: str
) -> None:
    from procrastinate.exceptions import AlreadyEnqueued

    from digest.worker.queue import opened
    from digest.worker.rounds import _ingest_job

    tree = copy_sample_tree(tmp_path / "tree")
    body = (tree / "sources" / "feeds" / "numerique-public.rss").read_bytes()
    url = fresh_database(postgres_url)
    env = _env(url)
    with HoldingFeed(body) as feed:
        (tree / "sources" / "feeds.toml").write_text(
            f'[[feeds]]\nid = "held"\ntitle = "Held"\n'
            f'location = "http://127.0.0.1:{feed.port}/held.rss"\n',
            encoding="utf-8",
        )
        schema = run_digest(tree, "worker", "schema", env=env)
        assert schema.returncode == 0, schema.stderr
        with opened(url) as app:
            job = _ingest_job(app, "held")

        first = Process(tree, env, "worker", "--queue", "sources")
        second = None
        try:
            first.wait_line("digest worker: started")
            assert feed.arrived.wait(PATIENCE), first.lines  # the job is in hand, mid-fetch
            first.process.send_signal(signal.SIGKILL)
            assert first.stop() == -signal.SIGKILL
            ((status, dead),) = _rows(
                url, f"SELECT status, worker_id FROM procrastinate_jobs WHERE id = {job}"
            )
            assert status == "doing" and isinstance(dead, int)
            # The dead worker's heartbeat, an hour old: well past procrastinate's threshold
            # (the next worker's start may prune that worker; its job, with no worker, is
            # still stalled for retry_stalled).
            _execute(
                url,
                "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour' "
                f"WHERE id = {dead}",
            )
            beat = f"SELECT now() - last_heartbeat FROM procrastinate_workers WHERE id = {dead}"
            assert _rows(url, f"SELECT ({beat}) > interval '1 minute'") == [(True,)]
            # retry_stalled now, not at the cron's next minute. One may already wait (the
            # first worker's periodic deferrer queued it behind the job it took): that one
            # runs after this point too, and the queueing lock keeps it single.
            with opened(url) as app, contextlib.suppress(AlreadyEnqueued):
                app.configure_task("digest:retry_stalled", allow_unknown=False).defer(timestamp=0)
            feed.release.set()

            second = Process(tree, env, "worker", "--queue", "sources")
            second.wait_line(f"job {job} (digest:ingest) of a stalled worker: queued again")
            second.wait_line("ingest held: ")
        finally:
            for process in (first, second):
                if process is not None:
                    process.stop()
        assert second.process.returncode == 0, second.lines
        assert not [line for line in second.lines if "Traceback" in line], second.lines

    (done,) = [line for line in second.lines if "ingest held: " in line]
    stored = _rows(url, "SELECT count(*) FROM items WHERE source_id = 'held'")[0][0]
    assert isinstance(stored, int) and stored > 0
    assert f"ingest held: {stored} added, 0 updated, 0 unchanged" in done
    # One job, two attempts (the killed one, then the retry), done once; the feed read twice.
    assert _rows(url, f"SELECT status, attempts FROM procrastinate_jobs WHERE id = {job}") == [
        ("succeeded", 2)
    ]
    ingests = _rows(
        url, "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'digest:ingest'"
    )
    assert ingests == [(1,)]
    assert feed.requests == 2


def test_jobs_queued_by_one_process_again_and_again_keep_their_task_names(
    postgres_url: str,
) -> None:
    """A leader opens the queue at every round: the tenth round's jobs are the first's
    tasks (procrastinate renames a blueprint's tasks in place each time it is added to a
    new app: ``digest:digest:ingest`` is a job no worker knows)."""
    from digest.worker.queue import ensure_schema, opened
    from digest.worker.rounds import _ingest_job

    url = fresh_database(postgres_url)
    ensure_schema(url)
    for n in range(10):
        with opened(url) as app:
            _ingest_job(app, f"feed-{n}")
    names = _rows(url, "SELECT DISTINCT task_name FROM procrastinate_jobs")
    assert names == [("digest:ingest",)]
