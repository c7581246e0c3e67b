from __future__ import annotations

from pathlib import Path

import pytest

from digest.errors import ConfigError
from digest.model import Theme
from digest.themes import Classifier, Text, load_themes

ROOT = Path(__file__).resolve().parent.parent

ETHICS = Theme(
    id="ethics",
    labels={"fr": "Éthique", "nl": "Ethiek"},
    descriptions={},
    keywords={"fr": ("algorithme", "droits fondamentaux", "biais"), "nl": ("algoritme", "avg")},
)
HEALTH = Theme(
    id="health",
    labels={"fr": "Santé"},
    descriptions={},
    keywords={"fr": ("hôpital", "santé")},
)


def scores(language: str, title: str, body: str) -> dict[str, float]:
    return Classifier([ETHICS, HEALTH]).scores([Text(language, title, body)])


def test_keyword_matches_longer_words_it_starts() -> None:
    assert scores("fr", "", "Des algorithmes publics.") == {"ethics": 1.0}


def test_phrase_matches_across_spaces_and_inflection() -> None:
    assert scores("fr", "", "Le respect des droits fondamentaux.") == {"ethics": 1.0}


def test_short_keyword_matches_whole_words_only() -> None:
    assert scores("nl", "", "De AVG geldt; de avgwet niet; avg.") == {"ethics": 2.0}


def test_keyword_must_start_a_word() -> None:
    assert scores("fr", "", "Les nonbiais et antialgorithme.") == {}


def test_title_hits_weigh_three_times() -> None:
    assert scores("fr", "Biais", "Un biais. Un hôpital.") == {"ethics": 4.0, "health": 1.0}


def test_keywords_of_another_language_do_not_fire() -> None:
    assert scores("nl", "", "Een hôpital en biais.") == {}


def test_assign_keeps_themes_over_threshold_best_first() -> None:
    classifier = Classifier([ETHICS, HEALTH])
    texts = [Text("fr", "Santé", "Un algorithme à l'hôpital. Un biais.")]
    assert classifier.assign(texts) == ("health", "ethics")
    assert classifier.assign([Text("fr", "", "Un hôpital.")]) == ()


def test_sample_taxonomy_loads_with_every_language() -> None:
    themes = load_themes(ROOT / "themes.toml")
    assert len(themes) >= 8
    for theme in themes:
        assert set(theme.labels) == {"fr", "nl", "en", "de"}, theme.id
        assert all(theme.keywords.get(lang) for lang in ("fr", "nl", "en")), theme.id


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no \\[\\[themes\\]\\] tables"),
        ("[[themes]]\nid = 'Bad Id'\n", "'id' must be"),
        (
            "[[themes]]\nid = 'a'\nlabel = {fr = 'A', it = 'A'}\n[themes.keywords]\nfr = ['a']\n",
            "unknown language it",
        ),
        ("[[themes]]\nid = 'a'\nlabel = {fr = 'A'}\n", "'keywords' must map"),
        (
            "[[themes]]\nid = 'a'\nlabel = {fr = 'A'}\nkeywords = {fr = ['x']}\n"
            "[[themes]]\nid = 'a'\nlabel = {fr = 'A'}\nkeywords = {fr = ['y']}\n",
            "theme ids repeat: a",
        ),
        ("[[themes]\n", "cannot read themes"),
    ],
)
def test_bad_taxonomy(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "themes.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_themes(path)


def test_missing_taxonomy(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_themes(tmp_path / "themes.toml")
