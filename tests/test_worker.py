"""Work spread over processes through PostgreSQL: two ``digest worker`` processes and a pair of
``digest worker schedule`` (one leads, one stands by), all real subprocesses on one real
PostgreSQL server; feeds from a real HTTP server that counts requests; mail to a real SMTP
server (aiosmtpd). Nothing waits for time: each step waits for the log line or the state that
says it happened, with a generous bound that only a broken run reaches.
"""

from __future__ import annotations

import filecmp
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from digest.config import load_settings
from digest.periods import utc_bounds
from digest.schedule.policy import due_period
from digest.schedule.runner import scheduled_id, trigger_of
from tests.conftest import copy_sample_tree, run_digest
from tests.postgres import fresh_database
from tests.test_edition_ids import configure
from tests.test_send import Recorder, smtp_server

pytest.importorskip("procrastinate")

#: Bound of every wait: only a broken run reaches it.
PATIENCE = 300.0
#: The sample feeds served over HTTP, and how many of their entries each keeps.
FEEDS = {"benelux-ai-nieuws": 6, "numerique-public": 6}
SOURCES = ("articles", *FEEDS)


class FeedServer:
    """A real HTTP server on 127.0.0.1 serving feeds, counting the requests per path."""

    def __init__(self, feeds: dict[str, bytes]) -> None:
        self.feeds = feeds
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with outer._lock:
                    outer.counts[self.path] += 1
                body = outer.feeds.get(self.path.lstrip("/"))
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def counted(self) -> Counter[str]:
        with self._lock:
            return Counter(self.counts)

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Process:
    """A ``digest`` subprocess whose stderr lines are kept and can be waited for."""

    def __init__(self, tree: Path, env: dict[str, str], *args: str) -> None:
        self.args = args
        self.process = subprocess.Popen(
            [sys.executable, "-m", "digest", *args],
            cwd=tree,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.lines.append("<ended>")
            self._changed.notify_all()

    def wait_for(self, wanted: Callable[[list[str]], bool], what: str) -> None:
        """Wait until ``wanted`` holds of the lines so far."""
        with self._changed:
            if not self._changed.wait_for(lambda: wanted(self.lines), timeout=PATIENCE):
                raise AssertionError(f"{self.args}: never {what}:\n" + "\n".join(self.lines))

    def wait_line(self, fragment: str) -> None:
        self.wait_for(lambda lines: any(fragment in line for line in lines), repr(fragment))

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=PATIENCE)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._reader.join(timeout=30)
            assert self.process.stderr is not None
            self.process.stderr.close()


def _matching(processes: list[Process], pattern: str) -> list[str]:
    return [line for p in processes for line in p.lines if re.search(pattern, line)]


def _week_feed(path: Path, keep: int, days: list[datetime]) -> bytes:
    """The sample RSS feed at ``path``: its first ``keep`` items, dated within ``days``."""
    data = path.read_text(encoding="utf-8")
    head, _, rest = data.partition("<item>")
    items = ["<item>" + part for part in rest.split("<item>")][:keep]
    tail = "\n  </channel>\n</rss>\n"
    items[-1] = items[-1].split("</channel>")[0]
    dated = [
        re.sub(r"<pubDate>[^<]*</pubDate>", f"<pubDate>{format_datetime(day)}</pubDate>", item)
        for item, day in zip(items, days * keep, strict=False)
    ]
    return (head + "".join(dated) + tail).encode("utf-8")


def _week_articles(tree: Path, days: list[datetime]) -> None:
    """Only two article files, both dated in the week the schedule is due."""
    folder = tree / "sources" / "articles"
    shutil.rmtree(folder)
    folder.mkdir()
    stamp = days[0].isoformat()
    (folder / "gent-nl.md").write_text(
        f'---\ntitle: "Gent test een AI-assistent voor het stadsloket"\ndate: {stamp}\n'
        "url: https://news.example/nl/gent-ai\nlang: nl\nsource: Test Pers\n---\n"
        "De stad Gent test een AI-assistent die vragen aan het loket beantwoordt. Medewerkers "
        "controleren elk antwoord voor het wordt verstuurd. De proef loopt drie maanden en "
        "wordt daarna geëvalueerd door de gemeenteraad.\n",
        encoding="utf-8",
    )
    stamp = days[1].isoformat()
    (folder / "namur-fr.md").write_text(
        f'---\ntitle: "Namur teste un assistant d\'IA au guichet"\ndate: {stamp}\n'
        "url: https://news.example/fr/namur-ia\nlang: fr\nsource: Presse Test\n---\n"
        "La ville de Namur teste un assistant d'intelligence artificielle qui répond aux "
        "questions posées au guichet. Les agents vérifient chaque réponse avant son envoi. "
        "L'essai dure trois mois et sera évalué par le conseil communal.\n",
        encoding="utf-8",
    )


@pytest.fixture
def setting(tmp_path: Path, postgres_url: str) -> Iterator[tuple[Path, Path, FeedServer, str]]:
    """Two identical trees (one for the workers on PostgreSQL, one for a single SQLite run)
    whose sources are dated in the week the schedule is due now, the feeds' server, and a
    new PostgreSQL database."""
    tree = copy_sample_tree(tmp_path / "workers")
    settings = load_settings(tree / "digest.toml")
    schedule = settings.schedule("hebdo")
    period = due_period(
        schedule.period, trigger_of(schedule), schedule.zone, datetime.now(schedule.zone)
    )
    assert period is not None
    start = utc_bounds(period, settings.zone)[0]
    days = [start + timedelta(days=d, hours=9) for d in (1, 2, 3, 4)]
    feeds = {
        f"{name}.rss": _week_feed(tree / "sources" / "feeds" / f"{name}.rss", keep, days)
        for name, keep in FEEDS.items()
    }
    with FeedServer(feeds) as server:
        entries = [
            f'[[feeds]]\nid = "{name}"\ntitle = "{name}"\n'
            f'location = "http://127.0.0.1:{server.port}/{name}.rss"\n'
            for name in FEEDS
        ]
        (tree / "sources" / "feeds.toml").write_text("\n".join(entries), encoding="utf-8")
        _week_articles(tree, days)
        reference = tmp_path / "single"
        shutil.copytree(tree, reference)
        yield tree, reference, server, fresh_database(postgres_url)


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "DIGEST_STORE_URL": url, "DIGEST_INGEST_WORKERS": "1"}


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _execute(url: str, sql: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def _same_tree(left: Path, right: Path) -> list[str]:
    """Files that differ or exist on one side only (empty: the same bytes)."""
    differ: list[str] = []
    compared = filecmp.dircmp(left, right)
    differ += [str(left / n) for n in compared.left_only + compared.right_only]
    for name in compared.common_files:
        if not filecmp.cmp(left / name, right / name, shallow=False):
            differ.append(str(left / name))
    for name in compared.common_dirs:
        differ += _same_tree(left / name, right / name)
    return differ


def test_two_workers_and_a_leader_pair_share_the_work_once(
    setting: tuple[Path, Path, FeedServer, str],
) -> None:
    tree, reference, feeds, url = setting
    with smtp_server(Recorder()) as (recorder, port):
        configure(tree, port, send=True)
        configure(reference, port, send=True)
        edition = scheduled_id(
            load_settings(tree / "digest.toml"),
            "hebdo",
            _due(tree),
        )
        env = _env(url)
        schema = run_digest(tree, "worker", "schema", env=env)
        assert schema.returncode == 0, schema.stderr
        assert "task queue schema: installed (procrastinate 3." in schema.stdout
        status = run_digest(tree, "store", "status", env=env)
        assert "schema: up to date" in status.stdout, status.stdout  # its tables are not refused

        workers = [Process(tree, env, "worker") for _ in range(2)]
        leader = standby = None
        try:
            for worker in workers:
                worker.wait_line("digest worker: started")
            leader = Process(tree, env, "worker", "schedule")
            leader.wait_line("digest schedule: leading")
            standby = Process(tree, env, "worker", "schedule")
            standby.wait_line("digest schedule: standing by")

            # The leader's first round: each source once, the edition built once, sent once.
            leader.wait_line("hebdo: round: 3 sources ingested; build queued")
            _wait_any(workers, f"send {edition}: ")
            assert feeds.counted() == Counter({f"/{name}.rss": 1 for name in FEEDS})
            ingested = _matching(workers, r"ingest [\w-]+: \d+ added")
            assert sorted(line.split("ingest ")[1].split(":")[0] for line in ingested) == sorted(
                SOURCES
            )
            assert len(_matching(workers, rf"edition {edition}: built \(version 1\)")) == 1
            assert len(_matching(workers, rf"send {edition}: ")) == 1
            assert recorder.received() == Counter({"a@example.org": 1, "b@example.org": 1})
            jobs = Counter(
                (str(task), str(status))
                for task, status in _rows(url, "SELECT task_name, status FROM procrastinate_jobs")
            )
            assert jobs == Counter(
                {
                    ("digest:ingest", "succeeded"): 3,
                    ("digest:build", "succeeded"): 1,
                    ("digest:send", "succeeded"): 1,
                }
            ) + Counter({k: v for k, v in jobs.items() if k[0] == "digest:retry_stalled"})

            # The leader dies at once: the standby leads, and its round finds the week done.
            leader.process.send_signal(signal.SIGKILL)
            assert leader.stop() == -signal.SIGKILL
            standby.wait_line("digest schedule: leading (the previous leader stopped)")
            standby.wait_line("hebdo: round: 3 sources ingested; build queued")
            _wait_any(workers, "hebdo: nothing due (last period done: weekly")
            assert feeds.counted() == Counter({f"/{name}.rss": 2 for name in FEEDS})
            assert len(_matching(workers, rf"edition {edition}: (re)?built")) == 1
            assert recorder.received() == Counter({"a@example.org": 1, "b@example.org": 1})

            # A standby asked to stop while it waits for the lead stops at once.
            third = Process(tree, env, "worker", "schedule")
            third.wait_line("digest schedule: standing by")
            assert third.stop() == 0
            assert any("while standing by: stopped" in line for line in third.lines), third.lines
            assert standby.stop() == 0
        finally:
            for process in (leader, standby, *workers):
                if process is not None:
                    process.stop()
        for worker in workers:
            assert worker.process.returncode == 0, worker.lines
            assert not _matching([worker], "Traceback")

        # One process on SQLite, the same sources: the same outbox, byte for byte.
        single = run_digest(reference, "schedule", "run", "hebdo")
        assert single.returncode == 0, single.stderr
        assert f"edition {edition}: built (version 1)" in single.stdout
        assert _same_tree(tree / "outbox", reference / "outbox") == []
        assert (tree / "outbox" / "editions" / edition / "manifest.json").is_file()


def _due(tree: Path) -> object:
    settings = load_settings(tree / "digest.toml")
    schedule = settings.schedule("hebdo")
    return due_period(schedule.period, trigger_of(schedule), schedule.zone, datetime.now(UTC))


def _wait_any(processes: list[Process], fragment: str) -> None:
    """Wait until one of ``processes`` logged ``fragment`` (they all log to one queue)."""
    seen: queue.Queue[Process] = queue.Queue()

    def watch(process: Process) -> None:
        try:
            process.wait_line(fragment)
            seen.put(process)
        except AssertionError:
            pass

    for process in processes:
        threading.Thread(target=watch, args=(process,), daemon=True).start()
    try:
        seen.get(timeout=PATIENCE)
    except queue.Empty:
        logs = "\n".join(line for p in processes for line in p.lines)
        raise AssertionError(f"no process logged {fragment!r}:\n{logs}") from None


def test_a_source_whose_job_waits_or_runs_is_not_queued_again(postgres_url: str) -> None:
    from digest.worker.queue import ensure_schema, opened
    from digest.worker.rounds import _ingest_job

    url = fresh_database(postgres_url)
    assert (ensure_schema(url) or "").startswith("installed (procrastinate 3.")
    assert ensure_schema(url) is None  # installed once
    with opened(url) as app:
        first = _ingest_job(app, "feed-a")
        assert _ingest_job(app, "feed-a") == first  # waiting: the next round waits for it
        _execute(url, f"UPDATE procrastinate_jobs SET status = 'doing' WHERE id = {first}")
        assert _ingest_job(app, "feed-a") == first  # running: waited for, not run beside it
        other = _ingest_job(app, "feed-b")
        assert other != first
        _execute(url, f"UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = {first}")
        later = _ingest_job(app, "feed-a")  # ended: the next round queues a new one
        assert later not in (first, other)
    locks = _rows(url, "SELECT lock, queueing_lock FROM procrastinate_jobs ORDER BY id")
    keys = ["ingest:feed-a", "ingest:feed-b", "ingest:feed-a"]
    assert locks == [(key, key) for key in keys]


def test_a_queue_schema_of_an_older_procrastinate_is_upgraded_and_a_newer_refused(
    postgres_url: str,
) -> None:
    import psycopg

    from digest.errors import StoreError
    from digest.worker.queue import conninfo, ensure_schema, migrations, opened, release
    from digest.worker.rounds import _ingest_job

    url = fresh_database(postgres_url)
    # A store whose queue was installed by procrastinate 3.3.0: its migrations up to there.
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        for path in migrations((), (3, 3, 0)):
            conn.execute(path.read_text(encoding="utf-8"))
        conn.execute("COMMENT ON TABLE procrastinate_jobs IS 'procrastinate 3.3.0'")
    assert not _rows(url, "SELECT 1 FROM pg_proc WHERE proname = 'procrastinate_retry_job_v2'")
    current = ".".join(map(str, release()))
    assert ensure_schema(url) == f"upgraded from procrastinate 3.3.0 (procrastinate {current})"
    assert _rows(url, "SELECT 1 FROM pg_proc WHERE proname = 'procrastinate_retry_job_v2'")
    assert ensure_schema(url) is None
    with opened(url) as app:  # this release's queries run on it
        job = _ingest_job(app, "feed-a")
        assert app.job_manager.get_job_status(job).value == "todo"
    # One written by a newer procrastinate is left alone, with one line.
    _execute(url, "COMMENT ON TABLE procrastinate_jobs IS 'procrastinate 99.0.0'")
    with pytest.raises(
        StoreError, match=r"procrastinate 99\.0\.0's, newer than .*: upgrade digest"
    ):
        ensure_schema(url)


def test_on_sqlite_there_is_no_worker_and_one_line_says_why(sample_tree: Path) -> None:
    from click.testing import CliRunner

    from digest.cli import main

    config = str(sample_tree / "digest.toml")
    for args in (("worker",), ("worker", "schedule"), ("worker", "schema")):
        result = CliRunner().invoke(main, [*args, "--config", config])
        assert result.exit_code == 1, (args, result.output)
        assert "workers need a PostgreSQL store" in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert len(result.stderr.splitlines()) == 1
    assert not list(sample_tree.glob("*.sqlite3"))  # refused before opening any store


def test_compose_runs_postgresql_two_workers_and_a_scheduler_pair_of_this_image() -> None:
    """compose.yaml cannot run here (no Docker): its services are checked against the
    Dockerfile and against the commands digest has."""
    import click
    import yaml

    from digest.cli import main

    root = Path(__file__).resolve().parent.parent
    services = yaml.safe_load((root / "compose.yaml").read_text(encoding="utf-8"))["services"]
    dockerfile = (root / "Dockerfile").read_text(encoding="utf-8")
    assert 'ENTRYPOINT ["digest"]' in dockerfile and "WORKDIR /app" in dockerfile
    assert "'.[workers]'" in dockerfile  # the image has procrastinate and psycopg
    commands = Counter()
    for name, service in services.items():
        if name == "db":
            assert service["image"].startswith("postgres:")
            continue
        assert service["build"] == "."
        url = service["environment"]["DIGEST_STORE_URL"]
        assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
        assert "outbox:/app/outbox" in service["volumes"]
        assert service["depends_on"]["db"] == {"condition": "service_healthy"}
        group = main.get_command(click.Context(main), service["command"][0])
        assert isinstance(group, click.Group)
        sub = service["command"][1:]
        assert not sub or group.get_command(click.Context(group), sub[0]) is not None
        commands[" ".join(service["command"])] += 1
    assert commands == Counter({"worker schema": 1, "worker": 2, "worker schedule": 2})
