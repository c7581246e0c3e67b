"""``digest themes explain`` and ``digest themes check`` on a copy of the sample tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from digest.cli import main


def digest(tree: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--config", str(tree / "digest.toml")])


@pytest.fixture
def built_tree(sample_tree: Path) -> Path:
    """The sample tree with every source stored (and the editions of a few weeks built)."""
    result = digest(sample_tree, "build", "--since", "2025-09-01", "--until", "2025-09-30")
    assert result.exit_code == 0, result.output
    return sample_tree


def test_explain_shows_rules_exclusions_scores_and_themes(built_tree: Path) -> None:
    result = digest(built_tree, "themes", "explain", "articles/2023-01-data-space-fr")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("articles/2023-01-data-space-fr (fr): Un espace de données commun")
    assert "rules that fired" in out
    rows = [line.split("│") for line in out.splitlines() if "│" in line]
    cells = [[c.strip() for c in row] for row in rows]
    assert ["data-governance", "espace de données", "title", "1", "3", "6"] in cells
    assert any(row[:3] == ["data-governance", "rgpd", "body"] for row in cells)
    assert "scores" in out
    assert "assigned (score >= " in out
    assigned = next(line for line in out.splitlines() if line.startswith("assigned ("))
    assert assigned.split(": ", 1)[1].startswith("data-governance")
    assert "scope: in scope: score" in out


def test_explain_shows_exclusions_applied(built_tree: Path) -> None:
    themes = built_tree / "themes.toml"
    text = themes.read_text(encoding="utf-8")
    themes.write_text(
        text.replace(
            'fr = ["police d\'écriture"', 'fr = ["espace de données", "police d\'écriture"'
        ),
        encoding="utf-8",
    )
    result = digest(built_tree, "themes", "explain", "articles/2023-01-data-space-fr")
    assert result.exit_code == 0, result.output
    assert "exclusions applied" in result.stdout
    rows = [[c.strip() for c in line.split("│")] for line in result.stdout.splitlines()]
    assert ["public-sector", "espace de données", "title", "1", "0", "0"] in rows


def test_explain_unknown_item_is_one_line_and_exit_1(built_tree: Path) -> None:
    result = digest(built_tree, "themes", "explain", "articles/nothing-here")
    assert result.exit_code == 1
    assert result.stderr == (
        "digest: error: no stored item has the id 'articles/nothing-here' "
        "(run `digest build` first?)\n"
    )


def test_check_reports_usage_idle_rules_and_quality(built_tree: Path) -> None:
    result = digest(built_tree, "themes", "check")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("items: 258; in the general section (no theme): ")
    assert "themes that matched nothing: none" in out
    assert "rules that never fired (" in out
    assert "(rules in de not checked: no item in that language)" in out
    assert "against the articles' themes (139 items)" in out
    macro_line = next(line for line in out.splitlines() if line.startswith("macro-F1: "))
    macro = float(macro_line.removeprefix("macro-F1: "))
    assert macro >= 0.85
    rows = [[c.strip() for c in line.split("│")] for line in out.splitlines()]
    energy = next(r for r in rows if r[0] == "energy" and len(r) == 6)
    assert energy[1:3] == ["12", "12"]  # expected 12 times, assigned 12 times


def test_check_names_themes_that_match_nothing(built_tree: Path) -> None:
    themes = built_tree / "themes.toml"
    themes.write_text(
        themes.read_text(encoding="utf-8")
        + '\n[[themes]]\nid = "space"\nlabel = { fr = "Espace", nl = "Ruimte" }\n'
        'keywords = { fr = ["astronaute"], nl = ["astronaut"] }\n',
        encoding="utf-8",
    )
    result = digest(built_tree, "themes", "check")
    assert result.exit_code == 0, result.output
    assert "themes that matched nothing: space" in result.stdout
    rows = [[c.strip() for c in line.split("│")] for line in result.stdout.splitlines()]
    assert ["space", "fr", "astronaute"] in rows
    assert ["space", "0", "0"] in rows


def test_check_without_themes_file_is_one_line_and_exit_1(built_tree: Path) -> None:
    (built_tree / "themes.toml").unlink()
    result = digest(built_tree, "themes", "check")
    assert result.exit_code == 1
    assert result.stderr.startswith("digest: error: themes file ")
    assert result.stderr.count("\n") == 1


def test_classify_prints_one_json_line_per_text_and_stores_nothing(built_tree: Path) -> None:
    texts = built_tree / "texts.jsonl"
    texts.write_text(
        json.dumps(
            {
                "id": "ai-municipality",
                "lang": "fr",
                "title": "La commune de Namur teste l'intelligence artificielle à ses guichets",
                "text": "L'administration communale utilise un agent conversationnel pour répondre aux citoyens.",
            }
        )
        + "\n"
        + json.dumps({"id": "match", "lang": "fr", "title": "Le Standard gagne", "text": "Un but."})
        + "\n",
        encoding="utf-8",
    )
    store = built_tree / "digest.sqlite3"
    before = store.stat().st_mtime_ns
    result = digest(built_tree, "themes", "classify", str(texts))
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["id"] == "ai-municipality" and first["in_scope"] is True
    assert "public-sector" in [t["id"] for t in first["themes"]]
    assert first["scope_score"] >= first["scope_threshold"]
    assert second["in_scope"] is False and second["themes"] == []
    assert store.stat().st_mtime_ns == before


def test_labels_writes_a_file_to_edit_and_check_reads_it(built_tree: Path) -> None:
    result = digest(built_tree, "themes", "labels")
    assert result.exit_code == 0, result.output
    path = built_tree / "sources" / "labels.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,url,lang,title,scope,themes,suggested_scope,suggested_themes"
    assert any(line.startswith("articles/2023-01-data-space-fr,") for line in lines)
    # The editor says a feed item is out of scope: check counts it against the scope.
    feed_item = next(line for line in lines[1:] if not line.startswith("articles/"))
    path.write_text(f"{lines[0]}\n{feed_item.split(',')[0]},,,,out,,,\n", encoding="utf-8")
    result = digest(built_tree, "themes", "check")
    assert result.exit_code == 0, result.output
    assert "scope: precision" in result.output
    assert (
        "negatives let in: 1 of 1" in result.output or "negatives let in: 0 of 1" in result.output
    )


def test_an_item_out_of_scope_is_stored_counted_and_not_shown(sample_tree: Path) -> None:
    (sample_tree / "sources" / "articles" / "2025-09-strike-fr.md").write_text(
        '---\ntitle: "Grève dans les services communaux de Namur"\n'
        "date: 2025-09-16T09:00:00+02:00\nurl: https://news.example/fr/greve\nlang: fr\n"
        "source: Test Presse\n---\nLes agents communaux de Namur ont arrêté le travail mardi "
        "pour réclamer des renforts. Les guichets de l'état civil sont restés fermés.\n",
        encoding="utf-8",
    )
    result = digest(sample_tree, "build", "--since", "2025-09-15", "--until", "2025-09-21")
    assert result.exit_code == 0, result.output
    assert "out of scope" in result.output
    edition = sample_tree / "outbox" / "editions" / "weekly-2025-W38"
    manifest = json.loads((edition / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["out_of_scope"] == 1
    assert "articles/2025-09-strike-fr" in manifest["items"]
    assert "Grève" not in (edition / "email.fr-nl.html").read_text(encoding="utf-8")
    how = (sample_tree / "outbox" / "web" / "fr" / "weekly-2025-W38.how.html").read_text(
        encoding="utf-8"
    )
    assert "Ce qui a été écarté" in how
    assert "1 article de cette période sortait du champ du digest" in how
    explained = digest(sample_tree, "explain", "weekly-2025-W38")
    assert "out of scope: 1" in explained.output
