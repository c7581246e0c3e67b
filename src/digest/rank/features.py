"""Sentence features for the learned key point scorer, the same in every language.

One pass over a document computes, for each sentence, the numbers in :data:`FEATURES`:
where it stands (in the document and in its paragraph), how long it is (``\\w+`` tokens,
the way ROUGE counts), how central it is (lemma TF-IDF, the continuous LexRank degree, and
its rank among the document's sentences), how much of the title it repeats (lemmas, and
word pairs as written), and surface cues that news writing shares across French,
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
    "lead_1",
    "lead_2",
    "earliness",
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
    "lead_3",
    "centrality_early",
    "title_early",
    "title_bigrams",
    "centrality_rank",
)
#: Features that never grow further into the text (or the paragraph): training keeps their
#: weights non-negative, so that of two sentences alike in all else the earlier one never
#: scores lower. OrangeSum's first sentence is often a teaser, and a free fit ranks it
#: below the second; news in other languages puts its gist first.
MONOTONE: frozenset[str] = frozenset(
    """position_prior lead_1 lead_2 lead_3 earliness paragraph_prior paragraph_first
    centrality_early title_early""".split()
)
#: A sentence this long (``\w+`` tokens) earns the whole ``words_short`` feature.
INFORMATIVE_WORDS = 20
#: Longer sentences must be trimmed to become key points.
LONG_WORDS = 40

_WORD = re.compile(r"\w+")
# Clause boundaries: punctuation then a space, or a dash between spaces.
_CLAUSE_MARKS = (", ", "; ", ": ", " – ", " — ", " - ")
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
    title_tokens = _WORD.findall(title.lower())
    title_pairs = set(itertools.pairwise(title_tokens))
    if not count:
        return Document((), (), (), (), title_words)
    # One tokenisation per sentence: "\w+" runs, and the same runs lower-cased.
    tokenised = [_WORD.findall(s) for s in sentences]
    lowered = [" ".join(tokens).lower().split() for tokens in tokenised]
    bags = [Counter(lemmas_of_words(words, language)) for words in lowered]
    document_frequency = Counter(itertools.chain.from_iterable(bags))
    logs = [0.0] + [math.log(1 + count / df) for df in range(1, count + 1)]
    idf = dict(
        zip(document_frequency, map(logs.__getitem__, document_frequency.values()), strict=True)
    )
    repeated = {w for w, df in document_frequency.items() if df > 1}
    # Lemma TF-IDF vectors. A lemma found in one sentence only adds nothing to its
    # sentence's similarity to the others, so only repeated lemmas are accumulated.
    shared_of = [bag.keys() & repeated for bag in bags]
    norms = [
        math.hypot(*map(operator.mul, bag.values(), map(idf.__getitem__, bag))) or 1.0
        for bag in bags
    ]
    centroid = dict.fromkeys(repeated, 0.0)
    for bag, repeats, norm in zip(bags, shared_of, norms, strict=True):
        for w in repeats:
            centroid[w] += bag[w] * idf[w] / norm
    # The mean cosine to the other sentences: the sentence's unit vector against the sum
    # of all unit vectors minus its own, linear in the text's length. Rounded and
    # clamped, so that float noise (a sentence sharing nothing) is 0.
    centrality = []
    for bag, repeats, norm in zip(bags, shared_of, norms, strict=True):
        dot = 0.0
        for w in repeats:
            weight = bag[w] * idf[w] / norm
            dot += weight * (centroid[w] - weight)
        centrality.append(max(0.0, round(dot, 12)))
    top = max(centrality) or 1.0
    rank_of = {
        index: rank
        for rank, index in enumerate(sorted(range(count), key=lambda i: (-centrality[i], i)))
    }
    others = max(1, count - 1)
    rows = []
    words = []
    for index, text in enumerate(sentences):
        tokens = tokenised[index]
        length = len(tokens)
        lower = lowered[index]
        bag = bags[index]
        shared = len(shared_of[index])
        common = len(title_words & bag.keys())
        # Capitalised words after the first ("Macron", not "RN"), and numbers.
        names = sum(map(str.istitle, tokens)) - (length > 0 and tokens[0].istitle())
        digits = sum(map(str.isdigit, tokens))
        in_paragraph, place = paragraph_of[index]
        stripped = text.rstrip(" …»”\"')")
        rows.append(
            (
                1 / (1 + index),
                float(index < 1),
                float(index < 2),
                1 - index / others,
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
                min(1.0, sum(map(text.count, _CLAUSE_MARKS)) / 4),
                float(stripped.endswith(("?", "!"))),
                float(stripped.endswith(":")),
                float(index < 3),
                centrality[index] / top / (1 + index),
                (common / len(title_words) if title_words else 0.0) / (1 + index),
                len(title_pairs.intersection(itertools.pairwise(lower))) / len(title_pairs)
                if title_pairs
                else 0.0,
                1 / (1 + rank_of[index]),
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
