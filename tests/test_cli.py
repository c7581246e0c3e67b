"""End to end: the installed ``digest`` command on a copy of the sample sources."""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import re
import shutil
import subprocess
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import feedparser
import pytest

from digest.config import load_settings
from digest.edition import GENERAL
from digest.taxonomy import load_themes
from tests.conftest import copy_sample_tree, run_digest


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One build of a copy of the sample tree, shared by the checks below."""
    tree = copy_sample_tree(tmp_path_factory.mktemp("e2e") / "project")
    result = run_digest(tree, "build", "--since", "2021-01-01", "--until", "2025-12-31")
    return tree, result


def unwire(text: str) -> str:
    return text.replace("\r\n", "\n").rstrip("\n")


def editions(tree: Path) -> list[Path]:
    return sorted(p for p in (tree / "outbox" / "editions").iterdir() if p.is_dir())


def test_build_succeeds_and_prints_a_table(
    built: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    tree, result = built
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # the sample sources have no problems
    assert re.search(
        r"edition\s+┃\s+items\s+┃\s+out of scope\s+┃\s+stories\s+┃\s+themes\s+┃\s+files written",
        result.stdout,
    )
    assert "weekly-2021-W06" in result.stdout
    assert f"outbox: {tree / 'outbox'}" in result.stdout.replace("\n", "")


def test_one_edition_per_week_with_items(
    built: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    tree, _ = built
    settings = load_settings(tree / "digest.toml")
    from digest.periods import edition_id, period_of
    from digest.store import Store

    store = Store(settings.store_url)
    weeks = {
        edition_id(period_of("weekly", item.published.astimezone(settings.zone).date()))
        for item in store.all_items()
    }
    store.close()
    assert [p.name for p in editions(tree)] == sorted(weeks)
    assert len(weeks) >= 10


def test_eml_parses_into_text_and_html(
    built: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    tree, _ = built
    for folder in editions(tree):
        raw = (folder / "message.fr-nl.eml").read_bytes()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        assert message.get_content_type() == "multipart/alternative"
        parts = [part.get_content_type() for part in message.iter_parts()]
        assert parts == ["text/plain", "text/html"]
        assert message["Message-ID"] == f"<{folder.name}.fr-nl@digest.example>"
        assert message["Date"]
        assert "mailto:unsubscribe@digest.example" in message["List-Unsubscribe"]
        assert message["Content-Language"] == "fr, nl"
        subject = str(message["Subject"])
        # Headline-led (tests/test_inbox.py pins it): the French top story, the short name.
        assert subject.endswith(" · Benelux IA") and len(subject) <= 70
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        # On the wire every line ends in CRLF (RFC 5322); the outbox files keep LF.
        assert unwire(html) == unwire((folder / "email.fr-nl.html").read_text(encoding="utf-8"))
        assert unwire(text) == unwire((folder / "email.fr-nl.txt").read_text(encoding="utf-8"))


def test_html_holds_both_languages_and_every_theme(
    built: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    tree, _ = built
    themes = {t.id: t for t in load_themes(tree / "themes.toml")}
    seen_badge = False
    for folder in editions(tree):
        html = (folder / "email.fr-nl.html").read_text(encoding="utf-8")
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert 'lang="fr"' in html and 'lang="nl"' in html
        assert 'href="#fr"' in html and 'href="#nl"' in html
        assert 'id="fr"' in html and 'id="nl"' in html
        sections = {story["section"] for story in manifest["stories"]}
        assert sections
        for theme_id in sections:
            if theme_id == GENERAL.id:
                assert "Autres nouvelles" in html and "Ander nieuws" in html
                continue
            assert themes[theme_id].labels["fr"] in html.replace("&#39;", "'")
            assert themes[theme_id].labels["nl"] in html.replace("&#39;", "'")
        seen_badge = seen_badge or "Pas encore traduit" in html
        # Monolingual variants hold only their language's chrome.
        french = (folder / "email.fr.html").read_text(encoding="utf-8")
        assert "Lire la suite" in french and "Verder lezen" not in french
    # sources/translations/ holds reviewed translations of every sample story (the badge
    # itself is tested in test_render.py).
    assert not seen_badge, "every sample story is shown translated, without a language badge"


def _archived(outbox: Path, parsed: Any) -> list[Any]:
    """The entries of the RFC 5005 archives a feed document's ``prev-archive`` links lead
    to, oldest document last."""
    entries = []
    while previous := [link.href for link in parsed.feed.links if link.rel == "prev-archive"]:
        path = previous[0].removeprefix("https://digest.example/")
        parsed = feedparser.parse((outbox / path).read_bytes())
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        entries += parsed.entries
    return entries


def test_rss_feeds_parse_with_one_item_per_edition(
    built: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    tree, _ = built
    count = len(editions(tree))
    for lang in ("fr", "nl"):
        parsed = feedparser.parse((tree / "outbox" / "feeds" / f"editions.{lang}.xml").read_bytes())
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        assert parsed.version == "rss20"
        assert parsed.feed.language == lang
        # The subscription document holds the newest editions, the archives every month
        # before the newest one's (the two may overlap): together, every edition.
        assert 10 <= len(parsed.entries) < count
        every = parsed.entries + _archived(tree / "outbox", parsed)
        assert len({e.id for e in every}) == count
        for entry in every:
            assert entry.link.startswith(f"https://digest.example/web/{lang}/")
            assert entry.published_parsed is not None
        atom = feedparser.parse((tree / "outbox" / "feeds" / f"editions.{lang}.atom").read_bytes())
        assert atom.bozo == 0, atom.get("bozo_exception")
        assert atom.version == "atom10"
        assert [e.id for e in atom.entries] == [e.id for e in parsed.entries]


def test_second_build_changes_no_byte(built: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    tree, _ = built
    before = snapshot(tree / "outbox")
    result = run_digest(tree, "build", "--since", "2021-01-01", "--until", "2025-12-31")
    assert result.returncode == 0, result.stderr
    assert "unchanged" in result.stdout
    assert snapshot(tree / "outbox") == before


def test_fresh_outbox_is_byte_identical(
    built: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    tree, _ = built
    before = snapshot(tree / "outbox")
    other = tmp_path / "copy"
    shutil.copytree(tree, other, ignore=shutil.ignore_patterns("outbox", "*.sqlite3"))
    result = run_digest(other, "build", "--since", "2021-01-01", "--until", "2025-12-31")
    assert result.returncode == 0, result.stderr
    assert snapshot(other / "outbox") == before


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (
            ["build", "--since", "2021-13-01"],
            "--since: '2021-13-01' is not a date (expected YYYY-MM-DD)",
        ),
        (
            ["build", "--since", "2022-01-01", "--until", "2021-01-01"],
            "--since 2022-01-01 is after --until 2021-01-01",
        ),
        (["build", "--config", "missing.toml"], "config file missing.toml does not exist"),
    ],
)
def test_bad_input_is_one_line(tmp_path: Path, args: list[str], reason: str) -> None:
    (tmp_path / "sources").mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "themes.toml", tmp_path / "themes.toml")
    result = run_digest(tmp_path, *args)
    assert result.returncode == 1
    assert result.stderr == f"digest: error: {reason}\n"


def test_missing_sources_folder(tmp_path: Path) -> None:
    shutil.copy(Path(__file__).resolve().parent.parent / "themes.toml", tmp_path / "themes.toml")
    result = run_digest(tmp_path, "build", "--since", "2021-01-01")
    assert result.returncode == 1
    assert result.stderr == "digest: error: sources: sources folder does not exist\n"


def test_invalid_config_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "digest.toml").write_text('period = "hourly"\n', encoding="utf-8")
    result = run_digest(tmp_path, "build")
    assert result.returncode == 1
    assert result.stderr.startswith("digest: error: digest.toml: invalid configuration: period: ")
    assert result.stderr.count("\n") == 1


def test_bad_article_is_reported_and_the_run_goes_on(sample_tree: Path) -> None:
    bad = sample_tree / "sources" / "articles" / "broken.md"
    bad.write_text("---\ntitle: [unclosed\n---\nBody.\n", encoding="utf-8")
    result = run_digest(sample_tree, "build", "--since", "2021-01-01", "--until", "2025-12-31")
    assert result.returncode == 0, result.stderr
    assert (
        result.stderr
        == "warning: sources/articles/broken.md: front matter is not valid YAML (line 3); skipped\n"
    )
    assert "problems: 1" in result.stdout
    assert (sample_tree / "outbox" / "editions" / "weekly-2021-W06" / "manifest.json").is_file()


def test_sources_command_shows_each_feed(
    built: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    tree, _ = built
    result = run_digest(tree, "sources")
    assert result.returncode == 0, result.stderr
    lines = result.stdout
    for name in ("articles", "last success", "last error"):
        assert name in lines
    feeds = {"benelux-ai-nieuws": "36", "ai-observatory": "30", "numerique-public": "25"}
    feeds["digital-lu"] = "22"
    rows = [line for line in lines.splitlines() if line.strip().split(" ")[0] in feeds]
    assert len(rows) == 4
    counts = {row.split("│")[0].strip(): row.split("│")[4].strip() for row in rows}
    assert counts == feeds  # items each
    for row in rows:
        assert row.split("│")[3].strip() == "0"  # no failures


def test_broken_feed_is_reported_and_the_run_goes_on(sample_tree: Path) -> None:
    (sample_tree / "sources" / "feeds" / "page.rss").write_text(
        "<!DOCTYPE html><html><body><p>Not a feed</p></body></html>", encoding="utf-8"
    )
    with (sample_tree / "sources" / "feeds.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[[feeds]]\nid = "broken"\nlocation = "feeds/page.rss"\n')
    result = run_digest(sample_tree, "build", "--since", "2021-01-01", "--until", "2025-12-31")
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("warning: sources/feeds/page.rss: not a feed (")
    assert result.stderr.rstrip().endswith("; feed skipped")
    assert result.stderr.count("\n") == 1
    assert "problems: 1" in result.stdout
    status = run_digest(sample_tree, "sources").stdout
    assert "broken" in status and "not a feed" in status


def test_nothing_readable_exits_1(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    shutil.copy(root / "themes.toml", tmp_path / "themes.toml")
    (tmp_path / "sources" / "articles").mkdir(parents=True)
    (tmp_path / "sources" / "articles" / "bad.md").write_text("no front matter\n", encoding="utf-8")
    result = run_digest(tmp_path, "build", "--since", "2021-01-01")
    assert result.returncode == 1
    assert "problems: 1" in result.stdout


def test_postgresql_store_gives_the_same_outbox(
    built: tuple[Path, subprocess.CompletedProcess[str]], postgres_url: str, tmp_path: Path
) -> None:
    import os

    from tests.postgres import fresh_database

    tree, _ = built
    other = tmp_path / "pg"
    shutil.copytree(tree, other, ignore=shutil.ignore_patterns("outbox", "*.sqlite3"))
    env = {**os.environ, "DIGEST_STORE_URL": fresh_database(postgres_url)}
    result = run_digest(other, "build", "--since", "2021-01-01", "--until", "2025-12-31", env=env)
    assert result.returncode == 0, result.stderr
    assert snapshot(other / "outbox") == snapshot(tree / "outbox")
    assert not list(other.glob("*.sqlite3"))


def test_the_same_event_from_a_feed_joins_the_translated_article(
    built: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    """The Atom entry on the LU-BE colloquium is one story with the FR/NL article about it."""
    tree, _ = built
    manifest = json.loads(
        (tree / "outbox" / "editions" / "weekly-2024-W42" / "manifest.json").read_text("utf-8")
    )
    joined = [s["items"] for s in manifest["stories"] if len(s["items"]) == 3]
    assert len(joined) == 1
    assert any(i.startswith("ai-observatory/") for i in joined[0])
    assert {i for i in joined[0] if i.startswith("articles/")} == {
        "articles/2024-10-colloque-luxembourg-belgique-fr",
        "articles/2024-10-colloque-luxembourg-belgique-nl",
    }


def test_explain_shows_the_scores_behind_an_edition(
    built: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    tree, _ = built
    before = snapshot(tree / "outbox")
    result = run_digest(tree, "explain", "weekly-2024-W42")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        lines[0] == "weekly-2024-W42: 2024-10-14 to 2024-10-20, 4 items, out of scope: 0, 2 stories"
    )
    story = next(
        line for line in lines if "articles/2024-10-colloque-luxembourg-belgique-fr" in line
    )
    assert "sources 2" in story and "relevance" in story and "redundancy" in story
    points = [line.strip()[:4] for line in lines if line.strip().startswith("[")]
    assert {"[en]", "[fr]", "[nl]"} <= set(points)
    # The manifest and the explanation tell the same story, and nothing was written.
    manifest = json.loads(
        (tree / "outbox" / "editions" / "weekly-2024-W42" / "manifest.json").read_text("utf-8")
    )
    for entry in manifest["stories"]:
        assert f"{entry['id']}  score {entry['score']:g} " in result.stdout
    assert snapshot(tree / "outbox") == before


@pytest.mark.parametrize(
    ("edition", "reason"),
    [
        ("weekly-2024-W99", "is not an edition id"),
        ("2024-W42", "is not an edition id"),
        ("weekly-2019-W01", "no story in that period"),
    ],
)
def test_explain_refuses_what_it_cannot_explain(
    built: tuple[Path, subprocess.CompletedProcess[str]], edition: str, reason: str
) -> None:
    tree, _ = built
    result = run_digest(tree, "explain", edition)
    assert result.returncode == 1
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1
