"""The scale benchmark's corpus (bench/scale_corpus.py) is the same for the same seed."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import scale_corpus


def _files(root: Path) -> dict[str, bytes]:
    sources = root / "sources"
    return {str(p.relative_to(sources)): p.read_bytes() for p in sorted(sources.rglob("*.*"))}


def test_same_seed_same_bytes_and_translations_linked(tmp_path: Path) -> None:
    first = scale_corpus.write_tree(tmp_path / "a", 200, seed=7)
    second = scale_corpus.write_tree(tmp_path / "b", 200, seed=7)
    other = scale_corpus.write_tree(tmp_path / "c", 200, seed=8)
    assert first.items == 200
    assert first.feed_items + first.article_files == 200
    assert _files(first.root) == _files(second.root)
    assert _files(first.root) != _files(other.root)
    articles = first.root / "sources" / "articles"
    stems = {p.stem for p in articles.glob("*.md")}
    linked = []
    for path in articles.glob("*.md"):
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        if front.get("translation_of"):
            assert front["lang"] == "nl"
            assert front["translation_of"] in stems
            linked.append(path.stem)
    assert len(linked) == first.translations > 0


def test_new_items_land_in_the_last_week(tmp_path: Path) -> None:
    tree = scale_corpus.write_tree(tmp_path / "t", 200, seed=7).root
    before = _files(tree)
    assert scale_corpus.add_items(tree, 50, scale_corpus.LAST_WEEK, seed=8, tree_seed=7) == 50
    after = _files(tree)
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed and all(name.startswith(("feeds/", "articles/")) for name in changed)
    assert sum(after[n].count(b"Dec 2025") for n in changed if n.endswith(".rss")) > 0
