"""Every command family on a PostgreSQL store (``postgresql+psycopg://``), one smoke test each.

The store is a new database on the real server the tests start (tests/postgres.py); the
commands run as an operator runs them, with ``DIGEST_STORE_URL`` pointing at it. What
each command does is tested on SQLite elsewhere: here, that it works on PostgreSQL.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from digest import migrations
from tests.conftest import copy_sample_tree, run_digest
from tests.postgres import fresh_database
from tests.serve.harness import CSRF_FIELD, links, running
from tests.test_send import Recorder, smtp_server
from tests.test_serve import subscribe

EDITION = "weekly-2024-W42"


@pytest.fixture(scope="module")
def pg_tree(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> tuple[Path, str]:
    """The sample tree, one week of it built into a new PostgreSQL store."""
    tree = copy_sample_tree(tmp_path_factory.mktemp("pg") / "project")
    url = fresh_database(postgres_url)
    built = run_digest(
        tree, "build", "--since", "2024-10-14", "--until", "2024-10-20", env=_env(url)
    )
    assert built.returncode == 0, built.stderr
    assert not list(tree.glob("*.sqlite3")), "the store is PostgreSQL, no SQLite file"
    return tree, url


def _env(url: str, **more: str) -> dict[str, str]:
    return {**os.environ, "DIGEST_STORE_URL": url, "DIGEST_INGEST_WORKERS": "1", **more}


def _ok(tree: Path, url: str, *args: str, **env: str) -> str:
    result = run_digest(tree, *args, env=_env(url, **env))
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def _scalar(url: str, sql: str) -> object:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_build_sources_explain_and_store_status(pg_tree: tuple[Path, str]) -> None:
    tree, url = pg_tree
    assert int(str(_scalar(url, "SELECT count(*) FROM items"))) > 0
    assert _scalar(url, "SELECT version_num FROM alembic_version") == migrations.head()
    assert "articles" in _ok(tree, url, "sources")
    assert EDITION in _ok(tree, url, "explain", EDITION)
    assert "schema: up to date" in _ok(tree, url, "store", "status")
    items = _scalar(url, "SELECT count(*) FROM items")
    _ok(tree, url, "build", "--since", "2024-10-14", "--until", "2024-10-20")
    assert _scalar(url, "SELECT count(*) FROM items") == items  # stored again, not twice


def test_subscribers_send_deliveries_and_release(pg_tree: tuple[Path, str]) -> None:
    tree, url = pg_tree
    _ok(tree, url, "subscribers", "add", "ana@example.org", "--languages", "fr,nl")
    _ok(tree, url, "subscribers", "add", "jan@example.org", "--languages", "nl")
    listed = _ok(tree, url, "subscribers", "list")
    assert "ana@example.org" in listed and "jan@example.org" in listed
    with smtp_server(Recorder()) as (recorder, port):
        smtp = {
            "DIGEST_SMTP__HOST": "127.0.0.1",
            "DIGEST_SMTP__PORT": str(port),
            "DIGEST_SMTP__SECURITY": "none",
            "DIGEST_SMTP__RETRY_AFTER": "0",
        }
        _ok(tree, url, "send", EDITION, **smtp)
        _ok(tree, url, "send", EDITION, **smtp)  # the send log: nobody twice
    assert sorted(recorder.received().items()) == [("ana@example.org", 1), ("jan@example.org", 1)]
    log = _ok(tree, url, "deliveries", EDITION)
    assert f"{EDITION}: sent 2" in log
    assert _scalar(url, "SELECT count(*) FROM deliveries WHERE state = 'sent'") == 2
    _ok(tree, url, "release")  # no held edition: the list is empty


def test_translate_and_themes_read_the_store(pg_tree: tuple[Path, str], tmp_path: Path) -> None:
    tree, url = pg_tree
    _ok(tree, url, "translate", "export", "--to", "nl", "--out", str(tmp_path / "out.xlf"))
    assert (tmp_path / "out.xlf").read_text("utf-8").startswith("<?xml")
    _ok(tree, url, "themes", "check")


def test_schedule_run_list_and_the_daemon_keep_their_state_in_postgresql(
    pg_tree: tuple[Path, str],
) -> None:
    tree, url = pg_tree
    _ok(tree, url, "schedule", "run", "hebdo")
    assert "hebdo" in _ok(tree, url, "schedule", "list")
    assert _scalar(url, "SELECT count(*) FROM schedule_state WHERE schedule = 'hebdo'") == 1

    process = subprocess.Popen(
        [sys.executable, "-m", "digest", "schedule"],
        cwd=tree,
        env=_env(url),
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line.rstrip("\n"))
        lines.put("<ended>")

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        for wanted in ("digest schedule: started (hebdo)", "hebdo: "):
            while wanted not in (seen[-1] if seen else ""):
                seen.append(lines.get(timeout=120))
                assert seen[-1] != "<ended>", seen
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, seen
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        reader.join(timeout=10)
        assert process.stderr is not None
        process.stderr.close()
    jobs = _scalar(url, "SELECT count(*) FROM apscheduler_jobs WHERE id = 'digest-schedule:hebdo'")
    assert jobs == 1
    assert _scalar(url, "SELECT version_num FROM alembic_version") == migrations.head()


@pytest.fixture
def pg_service(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[object]:
    monkeypatch.setenv("DIGEST_STORE_URL", fresh_database(postgres_url))
    with running(tmp_path) as service:
        yield service


def test_serve_subscribes_through_a_postgresql_store(pg_service: object) -> None:
    from tests.serve.harness import Service

    assert isinstance(pg_service, Service)
    service = pg_service
    assert subscribe(service, "ana@example.org", "nl").status_code == 200
    [mail] = service.mailbox.to("ana@example.org")
    [link] = links(mail)
    page = service.client.get(link)
    csrf = CSRF_FIELD.search(page.text)
    assert csrf
    assert service.client.post(link, data={"csrf": csrf.group(1)}).status_code == 200
    subscriber = service.registry.get("ana@example.org")
    assert subscriber is not None and subscriber.status == "active"
    assert not list(Path(service.settings.paths.outbox).parent.glob("*.sqlite3"))
