"""Each article file in tests/data/articles has its expectation beside it (NAME.expected.json).

An expectation is ``{"item": {...} | null, "problems": [...]}`` for a file that holds one
article, or ``{"items": [{...}, ...], "problems": [...]}`` for a file that holds several
(a JSON list). Only the fields given are compared; ``html_excludes`` lists fragments that
must not appear in the (single) item's HTML.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from digest.model import Item, Problem
from digest.sources.files import ArticleFiles
from tests.feeds import build_incoming

CASES = Path(__file__).parent / "data" / "articles"
EXPECTED = ".expected.json"
ARTICLES = sorted(
    p
    for p in CASES.iterdir()
    if p.suffix in ArticleFiles.file_extensions and not p.name.endswith(EXPECTED)
)


def expectation_of(path: Path) -> Path:
    return path.with_name(path.stem + EXPECTED)


def read_folder(folder: Path) -> tuple[list[Item], list[Problem]]:
    """Read a folder as a build would: adapter, then normalisation."""
    problems: list[Problem] = []
    incoming = build_incoming(ArticleFiles(folder, timezone="Europe/Brussels"), problems.append)
    return [entry.item for entry in incoming], problems


def read_one(path: Path, tmp_path: Path) -> tuple[list[Item], list[str]]:
    """Read one file alone; every problem must name it."""
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(path, folder / path.name)
    items, problems = read_folder(folder)
    for problem in problems:
        assert problem.location == str(folder / path.name)
    return items, [f"{p.what}; {p.action}" for p in problems]


def check_item(item: Item, expected: dict[str, object]) -> None:
    for key, value in expected.items():
        actual = getattr(item, key)
        if key == "published":
            assert actual.tzinfo is not None
            actual = actual.isoformat()
        if isinstance(actual, tuple):
            actual = list(actual)
        assert actual == value, key


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_article_file(path: Path, tmp_path: Path) -> None:
    expected = json.loads(expectation_of(path).read_text(encoding="utf-8"))
    items, problems = read_one(path, tmp_path)
    assert problems == expected["problems"]
    if "items" in expected:
        assert len(items) == len(expected["items"])
        for item, fields in zip(items, expected["items"], strict=True):
            check_item(item, fields)
        return
    if expected["item"] is None:
        assert items == []
        return
    assert len(items) == 1
    check_item(items[0], expected["item"])
    for fragment in expected.get("html_excludes", []):
        assert fragment not in items[0].html


def test_every_case_has_an_expectation() -> None:
    assert {p.suffix for p in ARTICLES} == set(ArticleFiles.file_extensions) - {".htm"}
    for path in ARTICLES:
        assert expectation_of(path).is_file(), path.name
    for path in CASES.glob("*" + EXPECTED):
        assert any(expectation_of(a) == path for a in ARTICLES), path.name


def test_other_file_types_are_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "notes.docx").write_bytes(b"PK")
    (tmp_path / ".hidden.md").write_text("ignored", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("[core]", encoding="utf-8")
    problems: list[Problem] = []
    assert list(ArticleFiles(tmp_path, timezone="UTC").read(problems.append)) == []
    assert [str(p) for p in problems] == [
        f"{tmp_path}/notes.docx: unsupported file type '.docx'; skipped"
    ]


def test_every_format_is_read_and_htm_is_html(tmp_path: Path) -> None:
    assert set(ArticleFiles.file_extensions) == {".md", ".txt", ".html", ".htm", ".json"}
    shutil.copy(CASES / "news-page.html", tmp_path / "page.HTM")
    items, problems = read_folder(tmp_path)
    assert problems == []
    assert [i.id for i in items] == ["articles/page"]


def test_same_key_from_two_files_is_read_once(tmp_path: Path) -> None:
    shutil.copy(CASES / "original-fr.md", tmp_path / "story.md")
    (tmp_path / "story.txt").write_text(
        "---\ndate: 2023-04-12\nlang: fr\n---\nUne autre histoire\n\nCorps.\n", encoding="utf-8"
    )
    items, problems = read_folder(tmp_path)
    assert [i.title for i in items] == ["Un atelier commun sur les algorithmes publics"]
    assert [str(p) for p in problems] == [
        f"{tmp_path}/story.txt: key 'story' already read from story.md; skipped"
    ]


def test_binary_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "image.txt").write_bytes(bytes(range(256)) * 4)
    items, problems = read_folder(tmp_path)
    assert items == []
    assert [str(p) for p in problems] == [
        f"{tmp_path}/image.txt: not UTF-8 text, and no other text encoding fits; skipped"
    ]


def test_utf8_bom_and_crlf_are_plain_text(tmp_path: Path) -> None:
    text = "---\r\ndate: 2022-01-01\r\nlang: fr\r\n---\r\nTitre\r\n\r\nUn.\r\nDeux.\r\n"
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    items, problems = read_folder(tmp_path)
    assert problems == []
    assert [(i.title, i.text) for i in items] == [("Titre", "Un. Deux.")]


def test_html_date_never_comes_from_the_file(tmp_path: Path) -> None:
    shutil.copy(CASES / "no-date-page.html", tmp_path / "page.html")
    items, problems = read_folder(tmp_path)
    assert items == []
    assert [p.what for p in problems] == ["no date for 'Why our council tests AI slowly'"]


ARTICLE = "---\ntitle: {title}\ndate: 2022-01-01\nlang: en\n---\n{body}\n"


def test_symlinks_out_of_the_folder_are_skipped_and_never_read(tmp_path: Path) -> None:
    folder, outside = tmp_path / "articles", tmp_path / "elsewhere"
    (folder / "inner").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.md").write_text(ARTICLE.format(title="Secret", body="x"), "utf-8")
    (folder / "passwd.md").symlink_to("/etc/passwd")
    (folder / "secret.md").symlink_to(outside / "secret.md")
    (folder / "away").symlink_to(outside, target_is_directory=True)
    items, problems = read_folder(folder)
    assert items == []
    assert sorted(str(p) for p in problems) == [
        f"{folder}/{name}: symlink to outside the sources folder; skipped"
        for name in ("away", "passwd.md", "secret.md")
    ]


def test_symlinks_inside_the_folder_are_followed_and_loops_are_not(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    (folder / "real").mkdir(parents=True)
    (folder / "real" / "story.md").write_text(ARTICLE.format(title="Story", body="x"), "utf-8")
    (folder / "alias.md").symlink_to(folder / "real" / "story.md")
    (folder / "real" / "up").symlink_to(folder, target_is_directory=True)  # a loop
    items, problems = read_folder(folder)
    assert problems == []
    assert sorted(i.id for i in items) == ["articles/alias", "articles/real/story"]


def test_a_file_over_the_size_cap_is_skipped(tmp_path: Path) -> None:
    from digest.config import Limits

    (tmp_path / "big.md").write_text(ARTICLE.format(title="Big", body="word " * 400), "utf-8")
    (tmp_path / "small.md").write_text(ARTICLE.format(title="Small", body="x"), "utf-8")
    problems: list[Problem] = []
    reader = ArticleFiles(tmp_path, timezone="UTC", limits=Limits(article_bytes=1024))
    items = build_incoming(reader, problems.append)
    assert [i.item.title for i in items] == ["Small"]
    assert [str(p) for p in problems] == [
        f"{tmp_path}/big.md: file is over the 1024-byte cap (limits.article_bytes); skipped"
    ]


def test_long_texts_and_long_json_lists_are_cut_with_one_line_each(tmp_path: Path) -> None:
    from digest.config import Limits

    objects = [{"title": f"Item {n}", "date": "2022-01-01", "body": "x"} for n in range(5)]
    objects[0]["body"] = "word " * 1000
    (tmp_path / "list.json").write_text(json.dumps(objects), "utf-8")
    problems: list[Problem] = []
    limits = Limits(feed_entries=3, item_chars=1000)
    items = build_incoming(ArticleFiles(tmp_path, timezone="UTC", limits=limits), problems.append)
    assert [i.item.title for i in items] == ["Item 0", "Item 1", "Item 2"]
    assert len(items[0].item.html) < 1100
    assert [f"{p.what}; {p.action}" for p in problems] == [
        "more than 3 articles (limits.feed_entries); read the first 3",
        "object #0: text longer than 1000 characters; cut there",
    ]


def test_the_jail_is_the_sources_folder(tmp_path: Path) -> None:
    from digest.sources import adapters_for

    sources, elsewhere = tmp_path / "sources", tmp_path / "elsewhere"
    (sources / "drafts").mkdir(parents=True)
    elsewhere.mkdir()
    (sources / "drafts" / "d.md").write_text(ARTICLE.format(title="Draft", body="x"), "utf-8")
    (elsewhere / "e.md").write_text(ARTICLE.format(title="Away", body="x"), "utf-8")
    (sources / "articles").mkdir()
    (sources / "articles" / "d.md").symlink_to(sources / "drafts" / "d.md")
    (articles,) = adapters_for(sources, "UTC", [])
    problems: list[Problem] = []
    assert [i.item.title for i in build_incoming(articles, problems.append)] == ["Draft"]
    assert problems == []

    (sources / "articles" / "d.md").unlink()
    (sources / "articles").rmdir()
    (sources / "articles").symlink_to(elsewhere, target_is_directory=True)
    (articles,) = adapters_for(sources, "UTC", [])
    assert build_incoming(articles, problems.append) == []
    assert [str(p) for p in problems] == [
        f"{sources}/articles: symlink to outside the sources folder; skipped"
    ]


# --- Dates of HTML pages: metadata before heuristics ----------------------------------------

_PAGE = (
    "<!DOCTYPE html><html><head><title>T</title>{head}</head><body>{body}<article><h1>T</h1>"
    "<figure><img src='a.jpg'></figure><p>{text}</p></article></body></html>"
)


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        (
            '<meta property="article:published_time" content="2024-03-12T09:30:00+01:00">'
            '<meta name="DC.date" content="2020-01-01">',
            '<time datetime="2023-01-01">x</time>',
            "2024-03-12T09:30:00+01:00",
        ),
        (
            '<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", '
            '"datePublished": "2024-05-06T07:08:09Z"}]}</script>',
            "",
            "2024-05-06T07:08:09Z",
        ),
        (
            "",
            '<nav><time datetime="2020-01-01">n</time></nav><article>'
            '<time datetime="2024-02-03T10:00:00+01:00">3 févr.</time></article>',
            "2024-02-03T10:00:00+01:00",
        ),
        ('<meta name="dcterms.created" content="2022-11-30">', "", "2022-11-30"),
        (  # a value that is no date is passed over for the next
            '<meta property="article:published_time" content="yesterday">'
            '<meta name="DC.date" content="2021-06-01T12:00:00Z">',
            "",
            "2021-06-01T12:00:00Z",
        ),
    ],
    ids=["open-graph-first", "json-ld", "time-in-article", "dublin-core", "bad-value-skipped"],
)
def test_an_html_page_is_dated_by_its_metadata(head: str, body: str, expected: str) -> None:
    from digest.sources.page_dates import declared_date

    text = "Un texte assez long pour être le contenu principal de la page. " * 5
    assert declared_date(_PAGE.format(head=head, body=body, text=text)) == expected


def test_a_page_declaring_no_date_gets_none_from_its_metadata() -> None:
    from digest.sources.page_dates import declared_date

    assert declared_date(_PAGE.format(head="", body="", text="x")) is None
