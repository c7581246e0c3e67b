"""One hostile source through the real ``digest build``: it is cut, reported, and bounded.

Each test adds one hostile source to a copy of the sample tree and builds one week in a
child process. The build must exit 0, report the hostile source (one line, or a bounded
few for a source of many bad entries), publish the same outbox as a clean build, and
stay within 200 MB of the clean build's peak memory (``os.wait4`` gives the child's
peak, its ingest workers included). Then the jails that are not about sources: the
outbox's paths, the templates and ``digest preview``.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from digest.errors import RenderError
from digest.outbox import Outbox
from digest.preview import preview_server
from digest.render.email import template_environment
from tests.bombs import double_gzip_bomb, dribbling_server
from tests.conftest import copy_sample_tree

#: One week of the sample (three items): enough to build, quick to build.
RANGE = ("--since", "2021-02-08", "--until", "2021-02-14")
#: Memory a hostile source may add to a clean build's peak (issue 11).
MEMORY_MARGIN_MB = 200
#: A line of /etc/passwd that must never reach the store or the outbox.
PASSWD_MARK = b"root:x:0:0"


@dataclass(frozen=True)
class Run:
    """A finished ``digest build``."""

    returncode: int
    stderr_lines: list[str]
    #: Peak resident memory of the child and its workers, in MB.
    peak_mb: float
    outbox: dict[str, str]


def build(tree: Path, env: Mapping[str, str] | None = None) -> Run:
    """``digest build`` of :data:`RANGE` in ``tree``, as a child whose peak memory is known."""
    out, err = tree.parent / "build.out", tree.parent / "build.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-m", "digest", "build", *RANGE],
            cwd=tree,
            stdout=stdout,
            stderr=stderr,
            env={**os.environ, **(env or {})},
        )
        # A safety net only: every build here ends by itself within seconds.
        guard = threading.Timer(300, child.kill)
        guard.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            guard.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        child.returncode,
        err.read_text(encoding="utf-8").splitlines(),
        usage.ru_maxrss / 1024,
        snapshot(tree / "outbox"),
    )


def snapshot(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of ``folder`` but hidden ones (the writers' lock)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(s.startswith(".") for s in p.relative_to(folder).parts)
    }


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The same build without a hostile source."""
    run = build(copy_sample_tree(tmp_path_factory.mktemp("clean") / "project"))
    assert run.returncode == 0 and run.stderr_lines == [], run.stderr_lines
    assert run.outbox
    return run


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return copy_sample_tree(tmp_path / "project")


def add_feed(tree: Path, feed_id: str, location: str) -> None:
    with (tree / "sources" / "feeds.toml").open("a", encoding="utf-8") as feeds:
        feeds.write(f'\n[[feeds]]\nid = "{feed_id}"\nlocation = "{location}"\n')


def check(run: Run, clean: Run, expected_lines: list[str]) -> None:
    """Exit 0, exactly the expected warnings, the clean outbox, bounded memory."""
    assert run.returncode == 0, run.stderr_lines
    assert run.stderr_lines == [f"warning: {line}" for line in expected_lines]
    assert run.outbox == clean.outbox
    assert run.peak_mb <= clean.peak_mb + MEMORY_MARGIN_MB, (run.peak_mb, clean.peak_mb)


def test_a_symlink_to_etc_passwd_is_skipped_never_stored_nor_published(
    tree: Path, clean: Run
) -> None:
    link = tree / "sources" / "articles" / "passwd.md"
    link.symlink_to("/etc/passwd")
    run = build(tree)
    check(run, clean, [f"{link.relative_to(tree)}: symlink to outside the sources folder; skipped"])
    assert PASSWD_MARK not in (tree / "digest.sqlite3").read_bytes()
    for path in (tree / "outbox").rglob("*"):
        assert not path.is_file() or PASSWD_MARK not in path.read_bytes(), path


def test_an_oversized_article_file_is_skipped(tree: Path, clean: Run) -> None:
    huge = tree / "sources" / "articles" / "2021-02-huge-en.md"
    body = "Artificial intelligence in the Benelux. " * 150_000  # 6 MB
    huge.write_text(f"---\ntitle: Huge\ndate: 2021-02-10\n---\n{body}\n", encoding="utf-8")
    run = build(tree)
    check(
        run,
        clean,
        [
            f"{huge.relative_to(tree)}: file is over the 5000000-byte cap (limits.article_bytes); skipped"
        ],
    )


def test_a_double_gzip_bomb_over_http_is_cut_while_decompressing(
    tree: Path, clean: Run, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/bomb.xml").respond_with_data(
        double_gzip_bomb(), headers={"Content-Encoding": "gzip"}, content_type="application/xml"
    )
    url = httpserver.url_for("/bomb.xml")
    add_feed(tree, "bomb", url)
    run = build(tree)
    check(
        run, clean, [f"{url}: body is over the 10485760-byte cap once decompressed; feed skipped"]
    )


def test_a_local_feed_of_a_million_empty_items_is_cut_to_its_entry_limit(
    tree: Path, clean: Run
) -> None:
    feed = tree / "sources" / "feeds" / "million.json"
    items = ",".join(["{}"] * 1_000_000)
    feed.write_text(
        f'{{"version": "https://jsonfeed.org/version/1.1", "title": "M", "items": [{items}]}}',
        encoding="utf-8",
    )
    add_feed(tree, "million", "feeds/million.json")
    run = build(tree)
    feed = feed.relative_to(tree)
    check(
        run,
        clean,
        [
            f"{feed}: more than 2000 entries (limits.feed_entries); read the first 2000, skipped the rest",
            f"{feed}: 2000 entries without a title, link or text "
            "(entry #1, entry #2, entry #3, …); skipped",
        ],
    )


def test_a_server_that_never_finishes_is_cut_off_at_the_deadline(tree: Path, clean: Run) -> None:
    with dribbling_server(interval=0.2) as url:
        add_feed(tree, "slow", url)
        run = build(tree, {"DIGEST_LIMITS__FETCH_SECONDS": "2"})
    check(
        run,
        clean,
        [f"{url}: download not finished within 2 s (limits.fetch_seconds); feed skipped"],
    )


# --- Jails beyond the sources ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["..", "../x", ".hidden", "a/b", "", "/etc", "x\x00"])
def test_no_name_leads_out_of_the_outbox(tmp_path: Path, name: str) -> None:
    outbox = Outbox(tmp_path / "outbox")
    with pytest.raises(RenderError):
        outbox.path("editions", name)
    with pytest.raises(RenderError):
        outbox.path(name, "manifest.json")


def test_a_symlinked_outbox_folder_that_leads_out_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outbox").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "outbox" / "editions").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(RenderError, match="outside the outbox"):
        Outbox(tmp_path / "outbox").path("editions", "weekly-2021-W06")


def test_templates_are_read_only_inside_their_folder(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "mine.txt.j2").write_text("hello {{ name }}", encoding="utf-8")
    (templates / "alias.txt.j2").symlink_to(templates / "mine.txt.j2")
    (templates / "passwd.txt.j2").symlink_to("/etc/passwd")
    env = template_environment(templates)
    assert env.get_template("alias.txt.j2").render(name="you") == "hello you"
    with pytest.raises(RenderError, match="symlink to outside the templates folder"):
        env.get_template("passwd.txt.j2")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """``digest preview``'s server on a small outbox; yields the outbox and the port."""
    outbox = tmp_path / "outbox"
    (outbox / "web" / "fr").mkdir(parents=True)
    (outbox / "web" / "fr" / "index.html").write_text("<p>index</p>", encoding="utf-8")
    (outbox / "web" / "fr" / "w06.html").write_text("<p>w06</p>", encoding="utf-8")
    (outbox / "feeds").mkdir()
    (outbox / "feeds" / "editions.fr.xml").write_text("<rss/>", encoding="utf-8")
    (outbox / ".lock").write_text("4242", encoding="utf-8")
    (outbox / "web" / ".w06.html.4242.tmp").write_text("half", encoding="utf-8")
    (outbox / "web" / "passwd.html").symlink_to("/etc/passwd")
    (outbox / "web" / "etc").symlink_to("/etc", target_is_directory=True)
    (outbox / "web" / "alias.html").symlink_to(outbox / "web" / "fr" / "w06.html")
    (tmp_path / "secret.html").write_text("secret", encoding="utf-8")
    server = preview_server(outbox, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield outbox, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def get(port: int, path: str) -> tuple[int, bytes, str | None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Location")
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path",
    [
        "/.lock",
        "/web/.w06.html.4242.tmp",
        "/web/passwd.html",
        "/web/etc/passwd",
        "/web/etc/",
        "/feeds/",
        "/feeds",
        "/",
        "/../secret.html",
        "/%2e%2e/secret.html",
        "/web/fr/%2e%2e/%2e%2e/%2e%2e/secret.html",
    ],
)
def test_preview_serves_nothing_but_files_inside_the_outbox(
    served: tuple[Path, int], path: str
) -> None:
    status, body, _ = get(served[1], path)
    assert status == 404, (path, body[:80])
    assert PASSWD_MARK not in body and b"secret" not in body


def test_preview_serves_pages_and_a_folder_with_an_index(served: tuple[Path, int]) -> None:
    port = served[1]
    assert get(port, "/web/fr/w06.html")[:2] == (200, b"<p>w06</p>")
    assert get(port, "/web/alias.html")[:2] == (200, b"<p>w06</p>")  # a symlink inside
    assert get(port, "/web/fr/")[:2] == (200, b"<p>index</p>")
    status, _, location = get(port, "/web/fr")
    assert (status, location) == (301, "/web/fr/")


def test_the_limits_are_settings_with_documented_defaults() -> None:
    from digest.config import Limits, load_settings

    limits = load_settings(None, limits={"fetch_seconds": 2}).limits
    assert limits == Limits(fetch_seconds=2)
    assert json.loads(Limits().model_dump_json()) == {
        "feed_bytes": 10 * 1024 * 1024,
        "feed_entries": 2000,
        "item_chars": 200_000,
        "title_chars": 1000,
        "article_bytes": 5_000_000,
        "fetch_seconds": 60.0,
        "warnings_per_source": 20,
    }
