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
    sentences = [sentence for paragraph in paragraphs for sentence in paragraph]
    count = len(sentences)
    title_words = frozenset(lemmas(title, language))
    title_pairs = set(itertools.pairwise(_WORD.findall(title.lower())))
    if not count:
        return Document((), (), (), (), title_words)
    # One tokenisation per sentence: "\w+" runs, and the same runs lower-cased.
    tokenised = list(map(_tokens, sentences))
    lowered = [list(map(str.lower, tokens)) for tokens in tokenised]
    bags = [Counter(lemmas_of_words(words, language)) for words in lowered]
    centrality, shared = _centrality(bags)
    top = max(centrality) or 1.0
    others = max(1, count - 1)
    # The rank of each sentence's centrality, ties to the earlier one (a stable sort).
    ranks = [0.0] * count
    for rank, index in enumerate(sorted(range(count), key=centrality.__getitem__, reverse=True)):
        ranks[index] = 1 / (1 + rank)
    # A title word pair can only be in a sentence holding its first word.
    pair_starts = {first for first, _ in title_pairs}
    rows = []
    index = 0
    for in_paragraph, paragraph in enumerate(paragraphs):
        paragraph_prior = 1 / (1 + in_paragraph)
        for place, text in enumerate(paragraph):
            tokens, lower, bag = tokenised[index], lowered[index], bags[index]
            length, distinct = len(tokens), len(bag)
            # keys() first: ``frozenset & keys()`` gives a set, not the frozenset its type
            # says, which compiled code (mypyc) refuses.
            common = len(bag.keys() & title_words) if title_words else 0
            recall = common / len(title_words) if title_words else 0.0
            # Capitalised words after the first ("Macron", not "RN"), and numbers.
            names = sum(map(str.istitle, tokens)) - (length > 0 and tokens[0].istitle())
            stripped = text.rstrip(" …»”\"')")
            central = centrality[index] / top
            prior = 1 / (1 + index)
            rows.append(
                (
                    prior,
                    float(index < 1),
                    float(index < 2),
                    1 - index / others,
                    paragraph_prior,
                    float(place == 0),
                    min(1.0, length / INFORMATIVE_WORDS),
                    min(1.0, max(0, length - INFORMATIVE_WORDS) / INFORMATIVE_WORDS),
                    float(length > LONG_WORDS),
                    central,
                    centrality[index] / others,
                    recall,
                    common / distinct if distinct else 0.0,
                    shared[index] / distinct if distinct else 0.0,
                    min(1.0, sum(map(str.isdigit, tokens)) / 3),
                    names / length if length else 0.0,
                    float(text[:1] in _QUOTES),
                    float(_quoted(text)),
                    float(not _ATTRIBUTION.isdisjoint(lower)),
                    float(not _FIRST_PERSON.isdisjoint(lower)),
                    min(1.0, sum(map(text.count, _CLAUSE_MARKS)) / 4),
                    float(stripped.endswith(("?", "!"))),
                    float(stripped.endswith(":")),
                    float(index < 3),
                    central / (1 + index),
                    recall / (1 + index),
                    len(title_pairs.intersection(itertools.pairwise(lower))) / len(title_pairs)
                    if title_pairs and not pair_starts.isdisjoint(lower)
                    else 0.0,
                    ranks[index],
                )
            )
            index += 1
    return Document(
        tuple(sentences),
        tuple(rows),
        tuple(map(frozenset, bags)),
        tuple(map(len, tokenised)),
        title_words,
    )


def _quoted(text: str) -> bool:
    """Whether ``text`` holds one of :data:`_QUOTES` (a scan per mark is quicker than
    checking each character against the set).
    """
    return "«" in text or "»" in text or '"' in text or "“" in text or "”" in text or "„" in text


def _tokens(text: str) -> list[str]:
    """``_WORD.findall(text)``, found quicker: most words stand between spaces without
    punctuation, and a run of white space never holds a word character.
    """
    tokens: list[str] = []
    for chunk in text.split():
        if chunk.isalnum():
            tokens.append(chunk)
        else:
            tokens += _WORD.findall(chunk)
    return tokens


def _centrality(bags: Sequence[Counter[str]]) -> tuple[list[float], list[int]]:
    """Each sentence's mean cosine to the others (lemma TF-IDF vectors, each sentence a
    "document" for IDF) and how many of its lemmas the others also have.
    """
    count = len(bags)
    document_frequency = Counter(itertools.chain.from_iterable(bags))
    logs = [0.0] + [math.log(1 + count / df) for df in range(1, count + 1)]
    idf = dict(
        zip(document_frequency, map(logs.__getitem__, document_frequency.values()), strict=True)
    )
    repeated = set(
        itertools.compress(document_frequency, map((1).__lt__, document_frequency.values()))
    )
    # A lemma found in one sentence only adds nothing to its sentence's similarity to the
    # others, so only repeated lemmas are accumulated.
    shared_of = [bag.keys() & repeated for bag in bags]
    centroid = dict.fromkeys(repeated, 0.0)
    weights_of = []
    for bag, repeats in zip(bags, shared_of, strict=True):
        norm = math.hypot(*map(operator.mul, bag.values(), map(idf.__getitem__, bag))) or 1.0
        weights = [bag[w] * idf[w] / norm for w in repeats]
        for w, weight in zip(repeats, weights, strict=True):
            centroid[w] += weight
        weights_of.append(weights)
    # The mean cosine to the other sentences: the sentence's unit vector against the sum
    # of all unit vectors minus its own, linear in the text's length. Rounded and
    # clamped, so that float noise (a sentence sharing nothing) is 0.
    centrality = []
    for repeats, weights in zip(shared_of, weights_of, strict=True):
        dot = 0.0
        for w, weight in zip(repeats, weights, strict=True):
            dot += weight * (centroid[w] - weight)
        centrality.append(max(0.0, round(dot, 12)))
    return centrality, list(map(len, shared_of))
