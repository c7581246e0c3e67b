"""An item's words found once (digest.parts.words) are those each part found on its own:
the theme matcher's words, the lemmas, the shingles' words; traits and theme matches
computed from them are the same; anchors found without listing every word are those
found with the list."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.cluster import anchors, traits
from digest.cluster.signature import _ANCHOR
from digest.config import load_settings
from digest.model import Item
from digest.parts.compute import Analyser
from digest.parts.words import item_words, lemma_counts
from digest.rank.text import lemmas, lemmas_of_words
from digest.taxonomy import load_taxonomy
from digest.themes import Classifier, item_text
from digest.themes.matching import words_of

ROOT = Path(__file__).resolve().parent.parent

TEXTS = [
    ("", ""),
    ("Titre", ""),
    ("", "Un texte sans titre."),
    ("Le Parlement adopte la loi", "Le Parlement flamand a adopté la loi, 14 000 votes."),
    # Lower case and case folding differ: ß, ligatures, final sigma, dotted capital I.
    ("Straße in İstanbul", "STRASSE straße ﬁn ﬂot ΟΔΟΣ Οδός ǅemal ﬀ"),
    ("Die Straße", "Der Bürgermeister sagte: „Die Straße bleibt.“ Die Stadt, 1.200 Bürger."),
    ("Title_with_underscores", "snake_case words_and 3,5 % ½ × 3 ²³ 1\u00a0000 000"),
    ("A\nB", "Zeile\neins. Zeile zwei.\n\nAbsatz — ‘Quoted’ O’Brien's Brussels' van der Berg"),
]


def _item(title: str, text: str, language: str = "de") -> Item:
    return Item(
        id="s/1",
        source_id="s",
        source_name="S",
        url="https://s.example/1",
        title=title,
        published=datetime(2025, 10, 1, 8, tzinfo=UTC),
        language=language,
        text=text,
    )


@pytest.mark.parametrize("language", ["fr", "nl", "en", "de", "xx"])
@pytest.mark.parametrize(("title", "text"), TEXTS)
def test_the_words_are_those_each_part_finds(title: str, text: str, language: str) -> None:
    found = item_words(_item(title, text, language))
    assert list(found.title) == words_of(title)
    assert list(found.body) == words_of(text)
    assert list(found.words) == words_of(f"{title} {text}")
    bag = Counter(lemmas(f"{title} {text}", language))
    assert (found.lemmas, found.counts) == (tuple(bag), tuple(bag.values()))


@pytest.mark.parametrize("language", ["fr", "de", "xx"])
def test_lemmas_are_counted_as_found_with_words_new_to_the_cache(language: str) -> None:
    """Words the lemma cache does not hold yet (lemmatised first), words left out (stop
    words, digits, one letter) and several words of one lemma: counted in the order of
    their first words."""
    words = "les maisons 12 la maison der häuser haus grzlbq a grzlbq maisons qqxvy zz".split()
    for _ in range(2):  # new to the cache, then held by it
        found = lemma_counts(words, language)
        expected = Counter(lemmas_of_words(words, language))
        assert list(found.items()) == list(expected.items())


_WORD = re.compile(r"\w+")
_REFERENCE_ANCHOR = re.compile(
    r"\b([A-ZÀ-Ý][\w’'-]+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)*)"
)


def reference_anchors(item: Item) -> set[str]:
    """Anchors as they were found before: every word of the item listed, regular
    expressions for the marks of numbers and for possessives."""
    lower_words = set(_WORD.findall(f"{item.title} {item.text}"))
    numbers: set[str] = set()
    names: set[str] = set()
    mid_sentence: set[str] = set()
    for text in (item.title, item.text):
        for match in _REFERENCE_ANCHOR.finditer(text):
            token = match.group(1)
            if token[0].isdigit():
                digits = re.sub(r"[.,\s]", "", token)
                if len(digits) >= 2:
                    numbers.add(digits)
                continue
            token = re.sub(r"['’]s$", "", token)
            if token.lower() in lower_words:
                continue
            names.add(token)
            if token in mid_sentence:
                continue
            at = match.start() - 1
            while at >= 0 and text[at] in " \"'«“(":
                at -= 1
            if at >= 0 and text[at] not in ".!?:\n":
                mid_sentence.add(token)
    folded = set()
    for name in names & mid_sentence:
        decomposed = unicodedata.normalize("NFKD", name.casefold())
        folded.add("".join(c for c in decomposed if not unicodedata.combining(c)))
    return numbers | folded


ANCHOR_TEXTS = [
    *TEXTS,
    ("Gand et Anvers", "À Gand, la ville de Gand et gand. Puis Anvers’s port, anvers-nord."),
    ("Bruxelles", "Le ministre De Croo à Bruxelles. De nombreux Belges. ×3 et 5×3, Éric."),
    ("The EU", "In the EU, the eu-wide rules of Apple's and APPLE. Le «Sénat» et (Conseil)."),
    ("", "Nieuw: 14 000 en 14\u202f000\u202f000, 2026, 14 miljoen, 1.000,5 en 3,5."),
    # A name's lower case found inside words, overlapping itself, beside "_" and digits,
    # then as a word (Ada) or never (Anna, Ola).
    ("Anna et Ada", "Une savanna, annanna, adada et _ada ada2 Ola; puis ada. Anna dit: Ola."),
    ("Ελένη", "Η Ελένη και η ελένηη, ΕΛΈΝΗ. Στην Αθήνα, αθήνα_."),
    # Digits other than 0-9, numbers and names right after a word character or "×".
    ("٢٠٢٦ Anvers", "En ١٢٣ ٤٥٦ et A12, x5.000, _77, 5×3×Paris, Gand×Anvers et 12Bruges."),
]


def test_the_anchor_pattern_finds_what_a_word_boundary_before_it_finds() -> None:
    """digest.cluster.signature's pattern starts with one character class (its \\b is a
    lookbehind after the first character): the same matches as the reference pattern's,
    at the same places, on texts made of the characters where they could differ ("×",
    which is no word character; digits other than 0-9; "_"; marks and spaces of numbers;
    line breaks; a match at the start)."""
    pieces = [*"aZ×5١٢ _.,-'’\u00a0\u202f\n\"«(É3xQß", "12", "000", " 000", "×3", "5×3", "Ø"]
    rng = random.Random(15)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 24))) for _ in range(5000)]
    texts += [title + " " + text for title, text in ANCHOR_TEXTS]
    for text in texts:
        expected = [(m[0], m.start()) for m in _REFERENCE_ANCHOR.finditer(text)]
        assert [(m[0], m.start()) for m in _ANCHOR.finditer(text)] == expected, text


@pytest.mark.parametrize(("title", "text"), ANCHOR_TEXTS)
def test_the_anchors_are_those_found_with_every_word_listed(title: str, text: str) -> None:
    item = _item(title, text)
    assert anchors(item) == reference_anchors(item)


def test_the_anchors_of_the_clustering_events_are_those_found_with_every_word_listed() -> None:
    for line in (ROOT / "tests" / "data" / "cluster" / "events.jsonl").read_text().splitlines():
        row = json.loads(line)
        item = _item(row["title"], row["text"], row["language"])
        assert anchors(item) == reference_anchors(item)


def test_parts_from_words_found_once_are_those_found_part_by_part() -> None:
    settings = load_settings(ROOT / "digest.toml")
    analyser = Analyser(Classifier(load_taxonomy(settings.paths.themes)), 2, True)
    items = [
        replace(_item(title, text, language), id=f"s/{n}-{language}")
        for n, (title, text) in enumerate(ANCHOR_TEXTS)
        for language in ("fr", "nl", "en")
    ]
    items.append(
        _item(
            "L'IA au service public",
            "Le gouvernement fédéral publie un registre des algorithmes utilisés par "
            "l'administration. L'intelligence artificielle et la protection des données.",
            "fr",
        )
    )
    parts = analyser.parts(items)
    alone = traits(items)
    for item, found, each in zip(items, parts, alone, strict=True):
        assert found.traits == each
        assert found.matched == analyser.classifier.matched(item_text(item))
        bag = Counter(lemmas(f"{item.title} {item.text}", item.language))
        assert found.traits is not None
        assert (found.traits.words, found.traits.counts) == (tuple(bag), tuple(bag.values()))
    assert any(found.matched and found.matched.slots for found in parts)


@pytest.mark.parametrize(
    "wanted", [("points",), ("themes",), ("traits",), ("themes", "traits"), ("points", "traits")]
)
def test_some_parts_are_those_of_all_parts(wanted: tuple[str, ...]) -> None:
    settings = load_settings(ROOT / "digest.toml")
    analyser = Analyser(Classifier(load_taxonomy(settings.paths.themes)), 2, True)
    item = _item(*ANCHOR_TEXTS[3], "fr")
    every = analyser.item_parts(item)
    some = analyser.item_parts(item, wanted)
    assert some.point == (every.point if "points" in wanted else None)
    assert some.matched == (every.matched if "themes" in wanted else None)
    assert some.traits == (every.traits if "traits" in wanted else None)
