"""The theme matcher's shortcuts give what the plain definitions give."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from digest.taxonomy import load_taxonomy
from digest.themes import Classifier
from digest.themes.matching import fold, word_keys, words_of

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ROOT / "tests" / "data" / "themes" / "matches" / "texts.jsonl"


def _fold_by_definition(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_fold_of_ascii_and_other_words_is_the_definitions() -> None:
    words = ["Police", "RGPD", "ia", "données", "Ørsted", "Straße", "ﬁscal", "Ἀθῆναι", "A_1"]
    words += [chr(c) for c in range(128)]
    for word in words:
        assert fold(word) == _fold_by_definition(word)


def test_the_rules_a_word_starts_are_those_whose_first_word_it_is() -> None:
    # The matcher finds them by their first word's keys and stems' first letters; the
    # definition tries every rule on the word.
    classifier = Classifier(load_taxonomy(ROOT / "themes.toml"))
    texts = [json.loads(line) for line in TEXTS.read_text(encoding="utf-8").splitlines()]
    checked = 0
    for language in sorted({text["lang"] for text in texts}):
        matcher = classifier._matcher(language)
        assert matcher is not None
        words = {
            word
            for text in texts
            if text["lang"] == language
            for word in words_of(f"{text['title']} {text['text']}")
        }
        # Each stem's own word too, and a compound and a word one letter short of it.
        for rule in matcher.rules:
            prefix = rule.words[0].prefix
            if prefix:
                words.update({prefix, f"{prefix}plein", prefix[:-1]})
        for word in sorted(words):
            keys = word_keys(language, word)
            expected = {id(r) for r in matcher.rules if r.words[0].matches(keys)}
            node = matcher._starting(word)
            found = {id(entry[0]) for entry in node.rules} if node is not None else set()
            assert found == expected, word
            if node is not None:
                single = all(entry[1] == 1 for entry in node.rules)
                assert (node.single is not None) == single
            checked += 1
    assert checked > 1000
