"""Sentence features for the learned key point scorer, the same in every language.

One pass over a document computes, for each sentence, the numbers in :data:`FEATURES`:
where it stands (in the document and in its paragraph), how long it is (``\\w+`` tokens,
the way ROUGE counts), how much of the title it repeats (lemmas, and word pairs as
written), surface cues that news writing shares across French, Dutch, English and German
(numbers, capitalised names, quotations, attribution verbs, clauses, questions), and what
its lemmas are worth to a summary (:mod:`digest.rank.words`; that replaced the lemma TF-IDF
centrality, which added nothing beside it). Every feature lies in [0, 1] but the worth
(about 0 to 2), so a linear model's weights read as importances.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from digest.rank.text import lemma_cache, lemmas_of_words, str_lower
from digest.rank.words import SENTENCE_WORTH, WordModel, sentence_worth

#: Feature names, in the order of :attr:`Document.rows`.
FEATURES: tuple[str, ...] = (
    "position_prior",
    "earliness",
    "paragraph_prior",
    "words_short",
    "words_long",
    "overlong",
    "title_recall",
    "title_precision",
    "numbers",
    "names",
    "quote_start",
    "quotes",
    "attribution",
    "first_person",
    "clauses",
    "question",
    "colon_end",
    "title_bigrams",
    # What the sentence's lemmas are expected to share with a summary (a word model's).
    *SENTENCE_WORTH,
)
#: Features that never grow further into the text (or the paragraph): training keeps their
#: weights non-negative, so that of two sentences alike in all else the earlier one never
#: scores lower. OrangeSum's first sentence is often a teaser, and a free fit ranks it
#: below the second; news in other languages puts its gist first.
MONOTONE: frozenset[str] = frozenset({"position_prior", "earliness", "paragraph_prior"})
#: Features the sentence model leaves at 0, kept for the candidates' sums: ``earliness``
#: orders sentences as ``position_prior`` does, and the sentence fit that clamped the lead
#: features at 0 clamped it too (it went negative beside them).
SCORER_LEFT_OUT: frozenset[str] = frozenset({"earliness"})
#: A sentence this long (``\w+`` tokens) earns the whole ``words_short`` feature.
INFORMATIVE_WORDS = 20
#: Longer sentences are ``overlong`` (the hand-set ranking trims them; the learned chooser
#: takes them whole up to ``choose.LEARNED_SENTENCE_WORDS``).
LONG_WORDS = 40

_WORD = re.compile(r"\w+")
# Clause boundaries: punctuation then a space, or a dash between spaces.
_CLAUSE_MARKS = (", ", "; ", ": ", " – ", " — ", " - ")
# Marks that glue to words ("mardi,", "l'État", "(AFP)"), none of them a word character:
# replaced by spaces, they leave the ``\w+`` tokens between white space.
_GLUE = ",.'’:;!?\"«»()-–—…/%"
# The characters whose lower case is not one character whatever their neighbours: İ
# (two characters) and Σ (σ or final ς).
_CONTEXTUAL = "İΣ"
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
_NO_WORTH = (0.0,) * len(SENTENCE_WORTH)
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
    #: Each lemma's probability of being in a summary (empty without a word model).
    worth: Mapping[str, float] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled through the constructor: compiled with mypyc, a frozen dataclass
        # cannot be unpickled field by field (FrozenInstanceError).
        return (
            Document,
            (self.sentences, self.rows, self.bags, self.words, self.title, dict(self.worth)),
        )


def document_features(
    title: str,
    paragraphs: Sequence[Sequence[str]],
    language: str,
    word_model: WordModel | None = None,
) -> Document:
    """The features of every sentence of ``paragraphs`` (as :func:`split_paragraphs` gives);
    without ``word_model``, :data:`~digest.rank.words.SENTENCE_WORTH` are 0.
    """
    sentences = [sentence for paragraph in paragraphs for sentence in paragraph]
    count = len(sentences)
    title_tokens = _WORD.findall(str_lower(title))
    title_words = frozenset(lemmas_of_words(title_tokens, language))
    title_pairs = set(itertools.pairwise(title_tokens))
    if not count:
        return Document((), (), (), (), title_words)
    # One tokenisation per sentence: "\w+" runs, and the same runs lower-cased. No mark
    # this module seeks spans two sentences, so the joined text tells which are there.
    joined = "\n".join(sentences)
    tokenised, lowered = _tokenise(sentences, joined)
    # Each sentence's lemma counts, in the order of its words (as
    # ``Counter(lemmas_of_words(words))``): the cache lemmatises a word new to it.
    cache = lemma_cache(language)
    bags: list[dict[str, int]] = []
    for words in lowered:
        bag: dict[str, int] = {}
        for word in words:
            lemma = cache.get(word)
            if lemma is None:
                lemma = cache[word]
            if lemma:
                bag[lemma] = bag.get(lemma, 0) + 1
        bags.append(bag)
    clause_marks = [mark for mark in _CLAUSE_MARKS if mark in joined]
    quotes = _quoted(joined)
    others = max(1, count - 1)
    # Frozen here: the worth of a sentence is summed over its lemmas in the order
    # training meets them (Document.bags), so that both give the same floats.
    frozen = tuple(map(frozenset, bags))
    worth = word_model.worth(frozen, title_words, language) if word_model is not None else {}
    # A title word pair can only be in a sentence holding its first word.
    pair_starts = {first for first, _ in title_pairs}
    rows = []
    index = 0
    for in_paragraph, paragraph in enumerate(paragraphs):
        paragraph_prior = 1 / (1 + in_paragraph)
        for text in paragraph:
            tokens, lower, bag = tokenised[index], lowered[index], bags[index]
            length, distinct = len(tokens), len(bag)
            # keys() first: ``frozenset & keys()`` gives a set, not the frozenset its type
            # says, which compiled code (mypyc) refuses.
            common = len(bag.keys() & title_words) if title_words else 0
            recall = common / len(title_words) if title_words else 0.0
            # Capitalised words after the first ("Macron", not "RN"), and numbers.
            # Loops rather than sum(map(...)): compiled (mypyc), str.isdigit is a C call.
            names = numbers = 0
            for token in tokens:
                if token.isdigit():
                    numbers += 1
                elif token.istitle():  # never a digit string: it needs a cased letter
                    names += 1
            if length and tokens[0].istitle():
                names -= 1
            stripped = text.rstrip(" …»”\"')")
            prior = 1 / (1 + index)
            clauses = 0
            for mark in clause_marks:
                clauses += text.count(mark)
            # Conditional expressions rather than float(bool) and min(): the same values,
            # without a call each.
            rows.append(
                (
                    prior,
                    1 - index / others,
                    paragraph_prior,
                    length / INFORMATIVE_WORDS if length < INFORMATIVE_WORDS else 1.0,
                    (
                        0.0
                        if length <= INFORMATIVE_WORDS
                        else (length - INFORMATIVE_WORDS) / INFORMATIVE_WORDS
                        if length < 2 * INFORMATIVE_WORDS
                        else 1.0
                    ),
                    1.0 if length > LONG_WORDS else 0.0,
                    recall,
                    common / distinct if distinct else 0.0,
                    numbers / 3 if numbers < 3 else 1.0,
                    names / length if length else 0.0,
                    1.0 if quotes and text[:1] in _QUOTES else 0.0,
                    1.0 if quotes and _quoted(text) else 0.0,
                    0.0 if _ATTRIBUTION.isdisjoint(lower) else 1.0,
                    0.0 if _FIRST_PERSON.isdisjoint(lower) else 1.0,
                    clauses / 4 if clauses < 4 else 1.0,
                    1.0 if stripped.endswith(("?", "!")) else 0.0,
                    1.0 if stripped.endswith(":") else 0.0,
                    _pairs_in(lower, pair_starts, title_pairs) / len(title_pairs)
                    if title_pairs and not pair_starts.isdisjoint(lower)
                    else 0.0,
                    *(sentence_worth(frozen[index], length, worth) if worth else _NO_WORTH),
                )
            )
            index += 1
    return Document(
        tuple(sentences),
        tuple(rows),
        frozen,
        tuple(map(len, tokenised)),
        title_words,
        worth,
    )


def _pairs_in(words: list[str], starts: set[str], pairs: set[tuple[str, str]]) -> int:
    """How many of ``pairs`` follow each other in ``words`` (``starts``: their first
    words). ``len(pairs.intersection(itertools.pairwise(words)))``, without a tuple for
    every word pair of the sentence: only a word that starts a pair is looked at.
    """
    found: set[tuple[str, str]] = set()
    for at in range(len(words) - 1):
        if words[at] in starts:
            pair = (words[at], words[at + 1])
            if pair in pairs:
                found.add(pair)
    return len(found)


def _quoted(text: str) -> bool:
    """Whether ``text`` holds one of :data:`_QUOTES` (a scan per mark is quicker than
    checking each character against the set).
    """
    return "«" in text or "»" in text or '"' in text or "“" in text or "”" in text or "„" in text


def _tokenise(sentences: Sequence[str], joined: str) -> tuple[list[list[str]], list[list[str]]]:
    """The :func:`_tokens` of each of ``sentences`` and the same tokens lower-cased
    (``joined``: the sentences joined by line breaks).

    The sentences are scanned together: the marks that glue to words (:data:`_GLUE`) are
    replaced by spaces in the whole text at once, so that most sentences split into their
    ``\\w+`` tokens with one ``str.split()`` and the lower-cased text splits into their
    lower-cased tokens (lower-casing maps each character to one, and white space to white
    space, but for the two exceptions of :data:`_CONTEXTUAL`). A sentence whose chunks are
    not all alphanumeric is tokenised by :func:`_tokens`.
    """
    spaced = joined
    for mark in _GLUE:
        if mark in spaced:
            spaced = spaced.replace(mark, " ")
    lines = spaced.split("\n")
    contextual = any(mark in joined for mark in _CONTEXTUAL)
    if len(lines) != len(sentences) or contextual:
        tokenised = list(map(_tokens, sentences))
        return tokenised, [list(map(str.lower, tokens)) for tokens in tokenised]
    tokenised, lowered = [], []
    lower_lines = lower_case(spaced).split("\n")
    for line, lower_line, sentence in zip(lines, lower_lines, sentences, strict=True):
        chunks = line.split()
        # A generator rather than map(str.isalnum, ...): compiled (mypyc), a loop of C calls.
        if all(chunk.isalnum() for chunk in chunks):
            tokenised.append(chunks)
            lowered.append(lower_line.split())
        else:
            tokens = _tokens(sentence)
            tokenised.append(tokens)
            lowered.append(list(map(str.lower, tokens)))
    return tokenised, lowered


# str.lower() of each Latin-1 character, as a byte table; building it checks that each
# lowers to one Latin-1 character (no str.lower() here makes two characters of one, or
# one beyond Latin-1: bytes() would refuse it).
_LATIN_1_LOWER = bytes(ord(str_lower(chr(code))) for code in range(256))


def lower_case(text: str) -> str:
    """``text.lower()``, quicker for text in Latin-1 (most French, Dutch, German and
    English news once the marks of :data:`_GLUE` are gone): str.lower() looks up each
    character's full case mapping, a byte table does the same for these 256 characters
    at a third of the cost. Lower-casing is per character in Latin-1 (the one
    context-dependent mapping, Σ, lies beyond it).
    """
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        return str_lower(text)
    return data.translate(_LATIN_1_LOWER).decode("latin-1")


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
