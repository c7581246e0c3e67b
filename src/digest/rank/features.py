"""Sentence features for the learned key point scorer, the same in every language.

One pass over a document computes, for each sentence, the numbers in :data:`FEATURES`:
where it stands (in the document and in its paragraph), how long it is (``\\w+`` tokens,
the way ROUGE counts), how central it is (lemma TF-IDF, the continuous LexRank degree), how
much of the title it repeats, and surface cues that news writing shares across French,
Dutch, English and German (numbers, capitalised names, quotations, attribution verbs,
clauses, questions). Every feature lies in [0, 1], so a linear model's weights read as
importances.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from digest.rank.text import lemmas, lemmas_of_words

#: Feature names, in the order of :attr:`Document.rows`.
FEATURES: tuple[str, ...] = (
    "position_prior",
    "first",
    "second",
    "relative_position",
    "paragraph_prior",
    "paragraph_first",
    "words_short",
    "words_long",
    "overlong",
    "centrality",
    "centrality_mean",
    "title_recall",
    "title_precision",
    "shared_lemmas",
    "numbers",
    "names",
    "quote_start",
    "quotes",
    "attribution",
    "first_person",
    "clauses",
    "question",
    "colon_end",
    "third",
    "centrality_early",
    "title_early",
)
#: A sentence this long (``\w+`` tokens) earns the whole ``words_short`` feature.
INFORMATIVE_WORDS = 20
#: Longer sentences must be trimmed to become key points.
LONG_WORDS = 40

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"(?<!\w)\d")
_CLAUSE = re.compile(r"[,;:]\s|\s[–—-]\s")
_QUOTES = frozenset('«»“”"„')
# Surface forms (lower case) that attribute words to someone, in the four languages; a
# quotation with its attribution is colour, rarely the gist.
_ATTRIBUTION = frozenset(
    """selon déclaré affirmé expliqué indiqué estimé annoncé assuré souligné précisé ajouté
    confié raconté déclare affirme explique indique estime souligne précise ajoute assure
    confie raconte rapporte
    said says told according stated added explained
    zei zegt volgens verklaarde aldus vertelde benadrukte
    sagte sagt laut erklärte betonte sagten berichtete""".split()
)
_FIRST_PERSON = frozenset("je nous ik wij ich wir we my our notre nos mijn ons onze".split())


@dataclass(frozen=True)
class Document:
    """A document's sentences with what the scorer and the selection need of them."""

    #: The sentences in document order.
    sentences: tuple[str, ...]
    #: Each sentence's feature values, in the order of :data:`FEATURES`.
    rows: tuple[tuple[float, ...], ...]
    #: Each sentence's content lemmas (for redundancy and title coverage).
    bags: tuple[frozenset[str], ...]
    #: Each sentence's length in ``\w+`` tokens.
    words: tuple[int, ...]
    #: The title's content lemmas.
    title: frozenset[str]


def document_features(title: str, paragraphs: Sequence[Sequence[str]], language: str) -> Document:
    """The features of every sentence of ``paragraphs`` (as :func:`split_paragraphs` gives)."""
    sentences: list[str] = []
    paragraph_of: list[tuple[int, int]] = []
    for p, paragraph in enumerate(paragraphs):
        for j, sentence in enumerate(paragraph):
            sentences.append(sentence)
            paragraph_of.append((p, j))
    count = len(sentences)
    title_words = frozenset(lemmas(title, language))
    if not count:
        return Document((), (), (), (), title_words)
    # One tokenisation per sentence: "\w+" runs, and the same runs lower-cased.
    tokenised = [_WORD.findall(s) for s in sentences]
    lowered = [" ".join(tokens).lower().split() for tokens in tokenised]
    bags = [Counter(lemmas_of_words(words, language)) for words in lowered]
    document_frequency = Counter(itertools.chain.from_iterable(bags))
    repeated = {w for w, df in document_frequency.items() if df > 1}
    idf = {w: math.log(1 + count / df) for w, df in document_frequency.items()}
    vectors = []
    centroid: dict[str, float] = {}
    for bag in bags:
        vector = {w: tf * idf[w] for w, tf in bag.items()}
        norm = math.hypot(*vector.values()) or 1.0
        for w, v in vector.items():
            centroid[w] = centroid.get(w, 0.0) + v / norm
        vectors.append((vector, norm))
    # The mean cosine to the other sentences, against the sum of all unit vectors minus
    # the sentence's own (1, or 0 for an empty bag): linear in the text's length.
    # Rounded and clamped, so that float noise (a sentence sharing nothing) is 0.
    centrality = [
        max(
            0.0,
            round(
                sum(map(operator.mul, vector.values(), map(centroid.__getitem__, vector))) / norm
                - (1.0 if vector else 0.0),
                12,
            ),
        )
        for vector, norm in vectors
    ]
    top = max(centrality) or 1.0
    others = max(1, count - 1)
    rows = []
    words = []
    for index, text in enumerate(sentences):
        tokens = tokenised[index]
        length = len(tokens)
        lower = lowered[index]
        bag = bags[index]
        shared = len(bag.keys() & repeated)
        common = len(title_words & bag.keys())
        # Capitalised words after the first ("Macron", not "RN"), and numbers.
        names = sum(map(str.istitle, tokens)) - (length > 0 and tokens[0].istitle())
        digits = len(_NUMBER.findall(text))
        in_paragraph, place = paragraph_of[index]
        stripped = text.rstrip(" …»”\"')")
        rows.append(
            (
                1 / (1 + index),
                float(index == 0),
                float(index == 1),
                index / others,
                1 / (1 + in_paragraph),
                float(place == 0),
                min(1.0, length / INFORMATIVE_WORDS),
                min(1.0, max(0, length - INFORMATIVE_WORDS) / INFORMATIVE_WORDS),
                float(length > LONG_WORDS),
                centrality[index] / top,
                max(0.0, centrality[index]) / others,
                common / len(title_words) if title_words else 0.0,
                common / len(bag) if bag else 0.0,
                shared / len(bag) if bag else 0.0,
                min(1.0, digits / 3),
                names / length if length else 0.0,
                float(text[:1] in _QUOTES),
                float(not _QUOTES.isdisjoint(text)),
                float(not _ATTRIBUTION.isdisjoint(lower)),
                float(not _FIRST_PERSON.isdisjoint(lower)),
                min(1.0, len(_CLAUSE.findall(text)) / 4),
                float(stripped.endswith(("?", "!"))),
                float(stripped.endswith(":")),
                float(index == 2),
                centrality[index] / top / (1 + index),
                (common / len(title_words) if title_words else 0.0) / (1 + index),
            )
        )
        words.append(length)
    return Document(
        tuple(sentences),
        tuple(rows),
        tuple(frozenset(bag) for bag in bags),
        tuple(words),
        title_words,
    )
