"""Warnings an operator can act on: one line per kind of problem and feed, with its count.

Every line names the feed; the counts of the lines add up to the build's ``problems: N``;
``digest sources`` shows each feed's problems of the last run.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from digest.ingest import StateLog, ingest, read_source
from digest.model import FeedState, Problem
from digest.sources.feeds import FeedSource
from digest.store import Store, StoreCounts
from tests.conftest import copy_sample_tree, run_digest

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def rss(*items: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>http://example.com/</link><description>d</description>{''.join(items)}"
        "</channel></rss>"
    )


def undated(count: int) -> list[str]:
    return [
        f"<item><title>Entry {n}</title><link>http://example.com/{n}</link>"
        f"<description>Text {n}.</description></item>"
        for n in range(1, count + 1)
    ]


def empty(count: int) -> list[str]:
    return ["<item><description></description></item>"] * count


def not_web(count: int) -> list[str]:
    return [
        f"<item><title>Mail {n}</title><link>mailto:a{n}@example.com</link>"
        f"<pubDate>Mon, 01 Feb 2021 10:00:00 GMT</pubDate><description>M {n}.</description></item>"
        for n in range(1, count + 1)
    ]


@pytest.fixture
def store(store_url: str):  # type: ignore[no-untyped-def]
    opened = Store(store_url)  # SQLite, and PostgreSQL when one can run here
    yield opened
    opened.close()


def test_sixty_undated_entries_are_one_line_with_their_count(tmp_path: Path) -> None:
    path = tmp_path / "undated.rss"
    path.write_text(rss(*undated(60)), encoding="utf-8")
    batch = read_source(FeedSource("undated", str(path), timezone="UTC"), NOW, None)
    assert len(batch.incoming) == 60
    assert [str(p) for p in batch.problems] == [
        f"{path}: 60 entries without a date ('Entry 1', 'Entry 2', 'Entry 3', …); "
        "dated when first read"
    ]
    assert batch.problems[0].count == 60


def test_a_single_problem_keeps_its_own_line_naming_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "one.rss"
    path.write_text(rss(*undated(1), *empty(1)), encoding="utf-8")
    batch = read_source(FeedSource("one", str(path), timezone="UTC"), NOW, None)
    assert [str(p) for p in batch.problems] == [
        f"{path}: entry #2 has no title, link or text; skipped",
        f"{path}: no date for 'Entry 1'; dated when first read",
    ]


def test_counts_add_up_past_the_cap_and_the_feed_keeps_its_last_problems(
    tmp_path: Path, store: Store
) -> None:
    path = tmp_path / "mixed.rss"
    path.write_text(rss(*undated(60), *empty(5), *not_web(3)), encoding="utf-8")
    reported: list[Problem] = []
    feed = FeedSource("mixed", str(path), timezone="UTC")

    def run(**options: int) -> StoreCounts:
        # As a build does: the feed states as stored when the run starts.
        feed.states = log = StateLog(store.feed_states())
        return ingest([feed], store, reported.append, states=log, **options)

    stored = run(warnings_per_source=1)
    assert stored.added == 60 + 3  # the entries without a web link are kept, without one
    assert all(p.location == str(path) for p in reported)
    assert [p.what for p in reported] == [
        "5 entries without a title, link or text (entry #61, entry #62, entry #63, …)",
        "63 more problems in source 'mixed'",
    ]
    assert sum(p.count for p in reported) == 60 + 5 + 3
    (state,) = store.feed_states()
    assert state.problems == (
        ("entries without a title, link or text", 5),
        ("entries with a link that is not http(s)", 3),
        ("entries without a date", 60),
    )
    # A run that reads no entry (as a feed not modified since) keeps them; a run without
    # problems leaves none behind.
    path.write_text(rss(), encoding="utf-8")
    run()
    assert len(store.feed_states()[0].problems) == 3
    path.write_text(rss(*not_web(1)).replace("mailto:a1@", "http://e.com/"), encoding="utf-8")
    run()
    assert store.feed_states()[0].problems == ()


def test_a_store_without_the_problems_column_gets_it(store_url: str) -> None:
    url = store_url  # SQLite, and PostgreSQL when one can run here
    engine = create_engine(url)
    with engine.begin() as conn:  # the feeds table as stores made before the column had it
        conn.execute(
            text(
                "CREATE TABLE feeds (id VARCHAR(200) PRIMARY KEY, location TEXT NOT NULL, "
                "etag TEXT, last_modified TEXT, last_success TIMESTAMP, last_error TEXT, "
                "last_error_at TIMESTAMP, failures INTEGER NOT NULL)"
            )
        )
        conn.execute(
            text("INSERT INTO feeds VALUES ('old', 'x.rss', NULL, NULL, NULL, NULL, NULL, 2)")
        )
    engine.dispose()
    store = Store(url)
    try:
        assert store.feed_states() == [FeedState("old", "x.rss", failures=2)]
        store.save_feed_problems("old", [("entries without a date", 4)])
        assert store.feed_state("old") == FeedState(
            "old", "x.rss", failures=2, problems=(("entries without a date", 4),)
        )
    finally:
        store.close()


# --- Through the real command --------------------------------------------------------------

_COUNTED = re.compile(r": (\d+) (?:entries|more problems?) ")


def _count(line: str) -> int:
    found = _COUNTED.search(line)
    return int(found.group(1)) if found else 1


def test_the_build_summary_adds_up_and_digest_sources_shows_the_last_problems(
    tmp_path: Path,
) -> None:
    tree = copy_sample_tree(tmp_path / "project")
    (tree / "sources" / "feeds" / "undated.rss").write_text(rss(*undated(60)), encoding="utf-8")
    (tree / "sources" / "feeds" / "mixed.rss").write_text(
        rss(*empty(2), *not_web(3)), encoding="utf-8"
    )
    with (tree / "sources" / "feeds.toml").open("a", encoding="utf-8") as feeds:
        for name in ("undated", "mixed"):
            feeds.write(f'\n[[feeds]]\nid = "{name}"\nlocation = "feeds/{name}.rss"\n')
    env = {**os.environ, "COLUMNS": "200"}
    done = run_digest(tree, "build", "--since", "2021-01-01", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines == [
        "warning: sources/feeds/undated.rss: 60 entries without a date "
        "('Entry 1', 'Entry 2', 'Entry 3', …); dated when first read",
        "warning: sources/feeds/mixed.rss: 2 entries without a title, link or text "
        "(entry #1, entry #2); skipped",
        "warning: sources/feeds/mixed.rss: 3 entries with a link that is not http(s) "
        "('mailto:a1@example.com', 'mailto:a2@example.com', 'mailto:a3@example.com'); "
        "kept without a link",
    ]
    summary = re.search(r"problems: (\d+)", done.stdout)
    assert summary is not None, done.stdout
    assert int(summary.group(1)) == sum(map(_count, lines)) == 65
    # Kept (see above), never with their mailto: links.
    pages = [p.read_text(encoding="utf-8") for p in (tree / "outbox").rglob("*.html")]
    assert not any("mailto:a1@" in page for page in pages)

    shown = run_digest(tree, "sources", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "undated: 60 problems in the last run: 60 × entries without a date" in shown.stdout
    assert (
        "mixed: 5 problems in the last run: 2 × entries without a title, link or text; "
        "3 × entries with a link that is not http(s)"
    ) in shown.stdout
    assert "benelux-ai-nieuws:" not in shown.stdout  # a feed without problems has no line


def test_a_parse_error_names_the_feed_and_the_place_not_unknown(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>\n'
        "<item><title>One</title><link>http://e.com/1</link></item>\n"
        "<item><title>Two</b></item>\n",
        encoding="utf-8",
    )
    batch = read_source(FeedSource("bad", str(path), timezone="UTC"), NOW, None)
    assert str(batch.problems[0]) == (
        f"{path}: feed is not well-formed (line 3, column 18: mismatched tag); "
        "read 2 entries anyway"
    )
    assert not any("<unknown>" in str(p) for p in batch.problems)


def test_an_entry_resolving_to_an_item_already_stored_in_the_run_is_reported(
    tmp_path: Path, store: Store
) -> None:
    def item(title: str, link: str, text: str) -> str:
        return (
            f"<item><title>{title}</title><link>{link}</link>"
            f"<pubDate>Mon, 01 Feb 2021 10:00:00 GMT</pubDate><description>{text}</description></item>"
        )

    path = tmp_path / "feed.rss"
    feed = FeedSource("f", str(path), timezone="UTC")
    path.write_text(rss(item("A", "http://e.com/1", "Alpha text.")), encoding="utf-8")
    ingest([feed], store, lambda p: pytest.fail(str(p)))
    # B has A's link, C has A's text: both lead to A's item; the first one read updates it.
    path.write_text(
        rss(item("B", "http://e.com/1", "Beta text."), item("C", "http://e.com/2", "Alpha text.")),
        encoding="utf-8",
    )
    reported: list[Problem] = []
    counts = ingest([feed], store, reported.append)
    (stored,) = store.all_items()
    assert (counts.updated, stored.title) == (1, "B")
    assert [str(p) for p in reported] == [
        f"{path}: entry 'C' is the same stored item as an earlier entry ({stored.id}); "
        "left out, the earlier entry kept"
    ]
