"""One hostile source does not take the build down, and reaches no subscriber.

A copy of the sample tree gets the hostile article files and feed of
``tests/data/hardening/hostile-sources.json`` (control characters, CR/LF and markup in
titles, links with dangerous schemes); ``digest build`` must still build everything,
report each repair in one line, show cleaned titles and write none of the dangerous
strings, leaving every other edition byte-identical to a build of the untouched tree.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import sqlite3
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import SMTP
from pathlib import Path

import pytest

from digest.clean import CLEANING_VERSION
from digest.config import load_settings
from digest.model import Edition, KeyPoint, Problem, Section, Story, Theme
from digest.periods import period_of_edition
from digest.render.email import EmailRenderer
from digest.render.eml import build_message
from digest.render.guard import without_unrenderable
from tests.conftest import copy_sample_tree, run_digest

DATA = Path(__file__).parent / "data" / "hardening"
WHEN = datetime(2025, 10, 7, tzinfo=UTC)
RANGE = ("--since", "2025-09-01", "--until", "2025-10-31")


def _hostile(tree: Path) -> dict[str, object]:
    fixture = json.loads((DATA / "hostile-sources.json").read_text(encoding="utf-8"))
    for name, content in fixture["files"].items():
        path = tree / "sources" / name
        path.write_bytes(content.encode("utf-8", "surrogatepass"))
    expected: dict[str, object] = fixture["expected"]
    with (tree / "sources" / "feeds.toml").open("a", encoding="utf-8") as feeds:
        feeds.write(str(expected["feed"]))
    return expected


def _text(name: str, data: bytes) -> str | None:
    """What an outbox file says, for the files made from the sources (None for the others)."""
    if name.startswith("web/pagefind/"):
        # Pagefind's own scripts and binary index are not made from the sources; its
        # fragments (the indexed text, gzipped) are.
        if not name.endswith(".pf_fragment"):
            return None
        data = gzip.decompress(data)
    return data.decode("utf-8")


def _files(outbox: Path) -> dict[str, bytes]:
    return {
        p.relative_to(outbox).as_posix(): p.read_bytes() for p in outbox.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, dict[str, object]]:
    base = tmp_path_factory.mktemp("hardening")
    clean = copy_sample_tree(base / "clean")
    assert run_digest(clean, "build", *RANGE).returncode == 0
    hostile = copy_sample_tree(base / "hostile")
    expected = _hostile(hostile)
    done = run_digest(hostile, "build", *RANGE)
    assert done.returncode == 0, done.stderr
    return clean, hostile, done.stderr, expected


def test_each_repair_is_one_line_naming_its_source(
    builds: tuple[Path, Path, str, dict[str, object]],
) -> None:
    _clean, _hostile_tree, stderr, expected = builds
    lines = stderr.splitlines()
    for name, part in expected["warnings"]:  # type: ignore[attr-defined]
        assert any(name in line and part in line for line in lines), (name, part, stderr)
    assert "Traceback" not in stderr
    assert "\x1b" not in stderr and "\x01" not in stderr


def test_titles_are_shown_cleaned_and_nothing_dangerous_is_written(
    builds: tuple[Path, Path, str, dict[str, object]],
) -> None:
    _clean, tree, _stderr, expected = builds
    outbox = _files(tree / "outbox")
    # Each story is printed once per email (in fr-nl, in its French version only): the
    # titles are looked for in the edition's emails together.
    email = "".join(
        html.unescape(outbox[f"editions/{expected['edition']}/email.{variant}.html"].decode())
        for variant in ("fr-nl", "fr", "nl")
    )
    # French titles get French no-break spaces (digest.render.typography): compare the words.
    words = email.replace("\u00a0", " ").replace("\u202f", " ")
    for title in expected["titles"]:  # type: ignore[attr-defined]
        assert title in words
    for name, data in outbox.items():
        text = _text(name, data)
        if text is None:
            continue
        if name.endswith("/search.html"):  # the search page's own two scripts
            text = re.sub(
                r'<script src="\.\./(?:pagefind/pagefind-ui|search)\.js"></script>', "", text
            )
        if name.endswith(".eml"):
            message = message_from_bytes(data, policy=SMTP)
            text = "\n".join(
                str(part.get_content()) for part in message.walk() if not part.is_multipart()
            )
            assert message["Bcc"] is None
        for absent in expected["absent"]:  # type: ignore[attr-defined]
            assert absent.lower() not in text.lower(), (name, absent)


def test_the_other_editions_are_those_of_a_clean_build(
    builds: tuple[Path, Path, str, dict[str, object]],
) -> None:
    clean, tree, _stderr, expected = builds
    before, after = _files(clean / "outbox"), _files(tree / "outbox")
    hostile_edition = f"editions/{expected['edition']}/"
    editions = {
        n for n in before if n.startswith("editions/") and not n.startswith(hostile_edition)
    }
    assert editions
    assert {n: after.get(n) for n in editions} == {n: before[n] for n in editions}
    assert any(n.startswith(hostile_edition) for n in after)


def test_a_store_written_before_the_cleaning_is_cleaned_as_it_is_read(
    builds: tuple[Path, Path, str, dict[str, object]],
) -> None:
    _clean, tree, _stderr, expected = builds
    # The item's file is gone: only the store holds it, as an older version wrote it.
    (tree / "sources" / "articles" / "2025-10-crlf.md").unlink()
    with sqlite3.connect(tree / "digest.sqlite3") as db:
        changed = db.execute(
            "UPDATE items SET title = ?, url = ?, fields_hash = NULL, cleaned = NULL, "
            "content_key = NULL WHERE id = ?",
            ("Old\x1b title\x01\x00", "javascript:alert(1)", "articles/2025-10-crlf"),
        ).rowcount
    assert changed == 1
    explained = run_digest(tree, "explain", str(expected["edition"]))
    assert explained.returncode == 0, explained.stderr
    assert "\x1b" not in explained.stdout and "\x01" not in explained.stdout
    rebuilt = run_digest(tree, "build", *RANGE)
    assert rebuilt.returncode == 0, rebuilt.stderr
    # Its story (it is one with its near-duplicates) names it on the "how" page.
    written = "".join(
        html.unescape(_text(name, data) or "") for name, data in _files(tree / "outbox").items()
    )
    assert "Old title" in written
    assert "javascript:" not in written and "\x1b" not in written
    # The build stored it cleaned, and said so (digest.recleaning).
    assert "1 stored items held what the cleaning rules now remove" in rebuilt.stderr
    with sqlite3.connect(tree / "digest.sqlite3") as db:
        stored = db.execute(
            "SELECT title, url, cleaned FROM items WHERE id = ?", ("articles/2025-10-crlf",)
        ).fetchall()
    assert stored == [("Old title", "", CLEANING_VERSION)]


def test_a_story_that_cannot_render_is_left_out_with_a_line(tmp_path: Path) -> None:
    """The last line of defence: content that still breaks MJML costs its story only."""
    settings = load_settings(copy_sample_tree(tmp_path / "tree") / "digest.toml")
    renderer = EmailRenderer(settings)
    period = period_of_edition("weekly-2025-W41")

    def story(n: int, title: str) -> Story:
        point = KeyPoint(f"s/{n}", "fr", title, "Une phrase.", f"https://x.example/{n}", "S",
                         WHEN, 1.0)  # fmt: skip
        return Story(f"story-{n}", (point,), 1.0)

    theme = Theme("general", {"fr": "Autres nouvelles", "nl": "Overig nieuws"}, {}, {})
    sections = (Section(theme, (story(1, "Bien"), story(2, "Cassé \x01 ici"))),)
    edition = Edition(
        "weekly-2025-W41",
        period,
        ("fr", "nl"),
        sections,
        sections[0].stories[0].points[0].published,
    )
    problems: list[Problem] = []
    kept = without_unrenderable(edition, renderer, problems.append)
    assert [s.id for s in kept.sections[0].stories] == ["story-1"]
    assert len(problems) == 1 and "left out of weekly-2025-W41" in str(problems[0])


def test_mail_headers_cannot_be_forged_or_overlong(tmp_path: Path) -> None:
    settings = load_settings(copy_sample_tree(tmp_path / "tree") / "digest.toml")
    settings = settings.model_copy(update={"sender": "A" * 2000 + " <digest@digest.example>"})
    message = build_message(
        settings,
        message_key="k",
        subject="=?utf-8?q?Hello=0D=0ABcc:_victim@example.org?= and\r\nCc: other@example.org",
        date=WHEN,
        languages=("fr",),
        text="t",
        html="<p>t</p>",
    )
    parsed = message_from_bytes(message, policy=SMTP)
    assert parsed["Bcc"] is None and parsed["Cc"] is None
    assert "Bcc: victim@example.org" in str(parsed["Subject"])
    assert all(len(line) <= 998 for line in message.split(b"\r\n"))
    assert str(parsed["From"]).endswith("<digest@digest.example>")


def test_a_translation_file_that_leaves_the_sources_folder_is_not_read(tmp_path: Path) -> None:
    from digest.store import Store
    from digest.translate import import_reviewed

    folder = tmp_path / "sources" / "translations"
    folder.mkdir(parents=True)
    secret = tmp_path / "secret.xlf"
    secret.write_text("<xliff/>", encoding="utf-8")
    (folder / "fr-nl.xlf").symlink_to(secret)
    problems: list[Problem] = []
    store = Store(f"sqlite:///{tmp_path}/store.sqlite3")
    try:
        counts = import_reviewed(store, folder, problems.append)
    finally:
        store.close()
    assert counts.translated == 0
    assert [p.what for p in problems] == ["symlink to outside the sources folder"]
