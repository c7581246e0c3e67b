"""Extractive key points: the best one or two sentences of an item.

Three steps, each public so that benchmarks and other stages can reuse them:

1. :func:`split_sentences` cuts plain (often scraped) text into sentences;
2. :func:`score_sentences` ranks them by centrality over lemma TF-IDF (the continuous
   LexRank degree: a sentence's mean cosine similarity to the others), blended with a
   position prior, the share of the title it repeats and a preference for informative
   length;
3. :func:`select` keeps the best one or two within the word budgets, trimming an overlong
   sentence at a clause boundary, and returns them in document order.

:func:`lemmas` is the shared normaliser (lower-case lemmas without stop words), also used
to measure redundancy between key points.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import simplemma

#: A key point sentence longer than this (in words) is trimmed or not chosen.
MAX_SENTENCE_WORDS = 40
#: The sentences of one key point together stay within this many words.
MAX_POINT_WORDS = 60
#: Fewest words a trimmed sentence may keep.
MIN_TRIMMED_WORDS = 12
#: A sentence this long earns the whole length feature; shorter ones a share of it.
INFORMATIVE_WORDS = 20
#: Shorter sentences (captions, datelines, "Explications.") are never key points.
MIN_SENTENCE_WORDS = 4

# Abbreviations that never end a sentence: a full stop after them is not a boundary.
# Those that may end one ("etc.", "enz.") are left out: a capital after them splits.
_ABBREVIATIONS = {
    "fr": """m mm mme mmes mlle mlles dr pr me p.ex cf env art av bd st ste vol éd fig
        c.-à-d c.à.d hab tél n°""",
    "nl": """dhr mevr mw dr prof bijv bv o.a m.a.w d.w.z i.p.v t.a.v ca nr art blz mr ir ing
        drs vs zgn m.b.t a.s mgr st""",
    "en": """mr mrs ms dr prof e.g i.e vs inc ltd jr sr st fig approx dept gen gov sen rep
        u.s u.k""",
    "de": """dr prof hr fr z.b bzw d.h u.a ca nr vgl s str st""",
}
_NO_SPLIT_AFTER = {lang: frozenset(words.split()) for lang, words in _ABBREVIATIONS.items()}
# German writes ordinals with a full stop ("am 12. März"); a month after a number + "." is
# a date, not a new sentence.
_GERMAN_MONTHS = frozenset(
    """januar februar märz april mai juni juli august september oktober november
    dezember jan feb mär apr jun jul aug sep sept okt nov dez""".split()
)
_STOPWORDS = {
    "fr": """le la les un une des de du et en à au aux pour par sur dans que qui quoi ne pas
        plus ou où son sa ses leur leurs ce cette ces cet il elle ils elles être avoir avec
        se qu d l n s c j y m t comme mais aussi entre lors dont tout tous toute toutes très nous
        vous on je tu me te lui eux mon ma mes ton ta tes notre nos votre vos si sans sous
        faire dire selon après avant depuis même autre cela ça celui celle ceux quand donc
        alors encore bien fait déjà ainsi chez vers contre""",
    "nl": """de het een en van in op te voor met aan door dat die dit er zijn is was werd worden
        om als ook bij uit tot naar over of niet maar nog meer dan hun hij zij ze we wij zich
        deze kan kunnen moeten hebben al wel zo ik je u haar hem ons onze mijn jouw wat wie
        waar hoe zal zullen heel veel geen na tegen worden""",
    "en": """the a an and of in on to for with at by from that this these those be have it its
        as or not but also more than their they we he she which who will can into about
        between i you his her him them our us my your what when where how would could should
        do there been has had is are was were so if no up out said says""",
    "de": """der die das ein eine einer eines einem einen und von in im auf zu für mit an am
        durch dass den dem des sein sind war wurde werden wird als auch bei aus nach über
        oder nicht aber noch mehr sich sie er es wir ich du ihr ihm ihn um zum zur vom
        haben hat kann können muss müssen so wie was wer""",
}
_STOP = {lang: frozenset(words.split()) for lang, words in _STOPWORDS.items()}
_WORD = re.compile(r"\w+")
_UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"
# A boundary candidate: terminal punctuation and closing quotes or brackets, then white
# space, the end, or (raw web text, "pédaler.En tenue") directly a capital, perhaps behind
# an opening quote. A straight quote glued on both sides (obstacles."Je) opens the next
# sentence, so it only counts as closing when white space follows.
_BOUNDARY = re.compile(
    r"(?P<end>[.!?…]+(?:[\s\u00a0\u202f]?[»”’)\]]|[\"'](?=\s|$))*)"
    rf"(?P<gap>\s+|$|(?=[«“\"(]?[\u00a0\u202f]?[{_UPPER}]))"
)
# Agency copy scraped from the web glues subheadings between dashes into the text:
# 'en voiture.- "S'approprier leur vie" -Le "vélo-école" a formé...', 'plus jeunes.- Gare
# à la surchauffe -Les enfants...'. They become their own
# paragraph, so that neither neighbouring sentence swallows them.
_SUBHEADING = re.compile(r"(?<=[.!?…\"»”)])[ ]?-[ ]?(\S.{0,80}?)[ ]-(?=[^\s-])")
# Zero-width spaces and soft hyphens pasted from web pages ("France.\u200bLe chef").
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_CLAUSE_BREAK = re.compile(r"(?:[,;:]|\s[–—-])\s")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document with its position and score."""

    #: Position in the document, from 0.
    index: int
    #: The sentence as written (or trimmed, ending with " …").
    text: str
    #: Higher is better; only comparable within one document.
    score: float = 0.0

    @property
    def words(self) -> int:
        """Number of words."""
        return len(self.text.split())


@dataclass(frozen=True)
class Weights:
    """How the ranking features are blended; each feature lies in [0, 1].

    The defaults were tuned on the even-indexed half of a 300-article French news sample
    and checked on the odd half (``bench/keypoints.py``); they are round numbers on
    purpose, so as not to fit that sample.
    """

    #: Mean TF-IDF cosine to the other sentences, divided by the document's highest.
    centrality: float = 1.0
    #: Prior ``1 / (1 + index)``: news puts the gist first.
    position: float = 1.5
    #: Share of the title's lemmas that the sentence repeats.
    title: float = 2.0
    #: ``min(1, words / INFORMATIVE_WORDS)``: a longer sentence says more; a six-word one
    #: rarely sums an article up.
    length: float = 2.0


DEFAULT_WEIGHTS = Weights()


def split_sentences(text: str, language: str) -> list[str]:
    """Split plain text into sentences, paragraph (blank line) by paragraph.

    A full stop is not a boundary after the language's abbreviations ("M.", "bijv.",
    "e.g."), after an initial ("J. R. R. Tolkien", "A. De Croo") or when a lower-case word
    follows; numbers ("3.5 %", "1.200", "12.03.2024") and web addresses never contain a
    boundary since a capital must follow. Closing quotes and brackets stay with their
    sentence. Raw web text that glues sentences ("pédaler.En tenue") is split there.
    """
    no_split = _NO_SPLIT_AFTER.get(language, frozenset())
    sentences: list[str] = []
    text = _SUBHEADING.sub(r"\n\n\1\n\n", text.translate(_INVISIBLE))
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = " ".join(paragraph.split())
        start = 0
        for match in _BOUNDARY.finditer(paragraph):
            if match.end() == len(paragraph):
                continue  # the tail is added below
            rest = paragraph[match.end() :].lstrip("«“\"'(\u00a0\u202f ")
            if rest[:1].islower():
                continue
            if match.group("end") == "." and _is_abbreviation(
                paragraph[start : match.start()], rest, language, no_split, not match["gap"]
            ):
                continue
            sentences.append(paragraph[start : match.end("end")].strip())
            start = match.end()
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


def _is_abbreviation(
    before: str, rest: str, language: str, no_split: frozenset[str], glued: bool
) -> bool:
    """Whether the full stop after ``before`` belongs to a word rather than ending it."""
    word = before.rsplit(" ", 1)[-1].lstrip("(«“\"'").lower()
    if word.rstrip("»”’)]\"'") != word:
        return False  # a quotation or bracket closed just before: "... vie".Son
    if word in no_split or (len(word) == 1 and word.isalpha()):
        return True
    if glued:
        # "en 2014.Après", "2,5 %.Vanaf" and "pédaler.En" end sentences; "U.S.A.The" is
        # too rare to split.
        return word[-1:].isalnum() and not word[-2:-1].isalnum()
    if language == "de" and word.isdigit():
        return rest.split(" ", 1)[0].lower().rstrip(".,") in _GERMAN_MONTHS
    return False


# One cache per language: word -> lemma, or "" for a stop word. Key points see the same
# few thousand words again and again, so a dict lookup replaces simplemma's work. A
# long-running scheduler would grow it with every new word, hence the cap.
_LEMMA_CACHE: dict[str, dict[str, str]] = {}
_LEMMA_CACHE_SIZE = 500_000


def lemmas(text: str, language: str) -> list[str]:
    """Lower-case lemmas of the content words of ``text``, in order.

    Stop words, one-letter words and bare numbers are removed, before and after
    lemmatisation ("étaient" → "être" is then dropped). Lookups are cached per language,
    so the cost after warm-up is one dict lookup per word. Languages simplemma does not
    know are lower-cased only.
    """
    cache = _LEMMA_CACHE.setdefault(language, {})
    if len(cache) > _LEMMA_CACHE_SIZE:
        cache.clear()
    out = []
    for word in _WORD.findall(text.lower()):
        lemma = cache.get(word)
        if lemma is None:
            lemma = cache[word] = _lemma(word, language)
        if lemma:
            out.append(lemma)
    return out


def _lemma(word: str, language: str) -> str:
    stop = _STOP.get(language, frozenset())
    if len(word) < 2 or word.isdigit() or word in stop:
        return ""
    try:
        lemma = simplemma.lemmatize(word, lang=language).lower()
    except ValueError:  # a language simplemma has no data for
        lemma = word
    return "" if lemma in stop else lemma


def score_sentences(
    title: str, sentences: Sequence[str], language: str, weights: Weights = DEFAULT_WEIGHTS
) -> list[Sentence]:
    """Each of ``sentences`` (already split) with its score, in document order.

    Centrality is the mean cosine similarity of a sentence's lemma TF-IDF vector to the
    other sentences' (each sentence is a "document" for IDF). It is computed against the
    sum of all vectors, which gives the same number as comparing every pair, in time
    linear in the text's length. See :class:`Weights` for the other features.
    """
    count = len(sentences)
    if not count:
        return []
    bags = [Counter(lemmas(s, language)) for s in sentences]
    document_frequency: Counter[str] = Counter()
    for bag in bags:
        document_frequency.update(bag.keys())
    idf = {w: math.log(1 + count / df) for w, df in document_frequency.items()}
    vectors = []
    centroid: Counter[str] = Counter()
    for bag in bags:
        vector = {w: tf * idf[w] for w, tf in bag.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vector = {w: v / norm for w, v in vector.items()}
        centroid.update(vector)
        vectors.append(vector)
    # Minus the sentence's own contribution (its norm, 1, or 0 for an empty bag).
    centrality = [
        sum(v * centroid[w] for w, v in vector.items()) - (1.0 if vector else 0.0)
        for vector in vectors
    ]
    top = max(centrality) or 1.0
    title_words = set(lemmas(title, language))
    ranked = []
    for index, text in enumerate(sentences):
        overlap = len(title_words & bags[index].keys()) / len(title_words) if title_words else 0
        score = (
            weights.centrality * centrality[index] / top
            + weights.position / (1 + index)
            + weights.title * overlap
            + weights.length * min(1.0, len(text.split()) / INFORMATIVE_WORDS)
        )
        # Rounded so that float noise cannot reorder ties between runs or platforms.
        ranked.append(Sentence(index, text, round(score, 9)))
    return ranked


def rank_sentences(
    title: str, text: str, language: str, weights: Weights = DEFAULT_WEIGHTS
) -> list[Sentence]:
    """Every sentence of ``text`` with its score, in document order."""
    return score_sentences(title, split_sentences(text, language), language, weights)


def trim_to_clause(text: str, limit: int = MAX_SENTENCE_WORDS) -> str | None:
    """``text`` cut at its last clause boundary (comma, semicolon, colon, dash) that leaves at
    most ``limit`` words, ending with an ellipsis; None when no boundary fits.
    """
    best = None
    for match in _CLAUSE_BREAK.finditer(text):
        head = text[: match.start()].rstrip()
        words = len(head.split())
        if words > limit:
            break
        if words >= MIN_TRIMMED_WORDS:
            best = head
    return f"{best} …" if best else None


def select(ranked: Sequence[Sentence], limit: int = 2) -> list[Sentence]:
    """The best ``limit`` of ``ranked`` within the word budgets, in document order.

    A sentence over :data:`MAX_SENTENCE_WORDS` words is trimmed at a clause boundary, or
    left out when none fits; together the chosen sentences stay within
    :data:`MAX_POINT_WORDS`. Ties go to the earlier sentence, so the choice is stable.
    """
    chosen: list[Sentence] = []
    words = 0
    for sentence in sorted(ranked, key=lambda s: (-s.score, s.index)):
        if len(chosen) == limit:
            break
        if sentence.words > MAX_SENTENCE_WORDS:
            trimmed = trim_to_clause(sentence.text)
            if trimmed is None:
                continue
            sentence = Sentence(sentence.index, trimmed, sentence.score)
        if sentence.words < MIN_SENTENCE_WORDS or words + sentence.words > MAX_POINT_WORDS:
            continue
        chosen.append(sentence)
        words += sentence.words
    return sorted(chosen, key=lambda s: s.index)


def key_sentences(
    title: str, text: str, language: str, limit: int = 2, weights: Weights = DEFAULT_WEIGHTS
) -> list[Sentence]:
    """The best ``limit`` sentences of ``text`` within the word budgets, in document order."""
    return select(rank_sentences(title, text, language, weights), limit)


def summary_text(sentences: Sequence[Sentence]) -> str:
    """The chosen sentences joined as one paragraph."""
    return " ".join(s.text for s in sentences)


def key_point_text(title: str, text: str, language: str, limit: int = 2) -> tuple[str, float]:
    """The key point of one item and its score.

    Falls back to the first sentence (or the title) trimmed at a word boundary
    when no sentence fits the budgets.
    """
    chosen = key_sentences(title, text, language, limit)
    if chosen:
        return summary_text(chosen), max(s.score for s in chosen)
    first = next(iter(split_sentences(text, language)), "") or title
    words = first.split()
    if len(words) > MAX_SENTENCE_WORDS:
        first = " ".join(words[:MAX_SENTENCE_WORDS]).rstrip(",;:") + " …"
    return first, 0.0
