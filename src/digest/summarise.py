"""Extractive key points: the best one or two sentences of an item.

Sentences are ranked by centrality (how much of the item's vocabulary they
share with the item's other sentences, TF-IDF weighted), with a bonus for
early position and for words shared with the title. The chosen sentences are
returned in document order.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

#: A key point sentence longer than this (in words) is not chosen.
MAX_SENTENCE_WORDS = 40
#: The sentences of one key point together stay under this many words.
MAX_POINT_WORDS = 60

_ABBREVIATIONS = {
    "fr": {"m", "mm", "mme", "mmes", "mlle", "dr", "pr", "p.ex", "cf", "etc", "env", "art", "n°",
           "av", "bd", "st", "ste", "vol", "éd", "fig", "min", "max"},
    "nl": {"dhr", "mevr", "mw", "dr", "prof", "bijv", "bv", "o.a", "m.a.w", "d.w.z", "i.p.v",
           "t.a.v", "enz", "ca", "nr", "art", "blz", "mr", "ir", "ing", "drs", "vs", "zgn"},
    "en": {"mr", "mrs", "ms", "dr", "prof", "e.g", "i.e", "etc", "vs", "no", "inc", "ltd", "jr",
           "sr", "st", "fig", "approx", "dept", "u.s", "u.k"},
    "de": {"dr", "prof", "hr", "fr", "z.b", "bzw", "usw", "d.h", "u.a", "ca", "nr", "vgl", "s"},
}  # fmt: skip
_STOPWORDS = {
    "fr": set("""le la les un une des de du et en à au aux pour par sur dans que qui quoi ne pas
        plus ou où son sa ses leur leurs ce cette ces il elle ils elles est sont été être a ont avec
        se qu d l n s c j y comme mais aussi entre lors dont tout tous très nous vous
        on""".split()),
    "nl": set("""de het een en van in op te voor met aan door dat die dit er is zijn was werd worden
        wordt om als ook bij uit tot naar over of niet maar nog meer dan hun hij zij ze we wij zich
        deze kan kunnen moet heeft hebben al wel zo""".split()),
    "en": set("""the a an and of in on to for with at by from that this these those is are was were
        be been has have had it its as or not but also more than their they we he she which who
        will can into about between""".split()),
    "de": set("""der die das ein eine und von in im auf zu für mit an durch dass den dem des ist
        sind war wurde werden wird als auch bei aus nach über oder nicht aber noch mehr sich sie
        er es wir""".split()),
}  # fmt: skip
_WORD = re.compile(r"\w+", re.UNICODE)
# A boundary candidate: terminal punctuation, optional closing quotes or brackets, then either
# white space or (raw web text) directly an upper-case letter.
_BOUNDARY = re.compile(r"([.!?…]+(?:[\s\u00a0\u202f]?[\"'»”)\]])*)(\s+|(?=[A-ZÀ-ÖØ-Þ]))")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document with its position and score."""

    index: int
    text: str
    score: float = 0.0

    @property
    def words(self) -> int:
        """Number of words."""
        return len(self.text.split())


def split_sentences(text: str, language: str) -> list[str]:
    """Split plain text into sentences, paragraph by paragraph.

    Copes with the language's common abbreviations, initials ("J. Dupont"),
    decimal numbers and a full stop glued to the next sentence.
    """
    abbreviations = _ABBREVIATIONS.get(language, set())
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = " ".join(paragraph.split())
        start = 0
        for match in _BOUNDARY.finditer(paragraph):
            before = paragraph[start : match.start(1)]
            last_word = before.rsplit(" ", 1)[-1].lower().lstrip("(\"'«“")
            rest = paragraph[match.end() :]
            if match.group(1) == "." and (
                last_word in abbreviations
                or (len(last_word) == 1 and last_word.isalpha())
                or (rest[:1].islower())
            ):
                continue
            sentence = paragraph[start : match.end(1)].strip()
            if sentence:
                sentences.append(sentence)
            start = match.end()
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences


def tokens(text: str, language: str) -> list[str]:
    """Lower-case content words of ``text`` (stop words and one-letter words removed)."""
    stop = _STOPWORDS.get(language, set())
    return [w for w in _WORD.findall(text.casefold()) if len(w) > 1 and w not in stop]


def rank_sentences(title: str, text: str, language: str) -> list[Sentence]:
    """Every sentence of ``text`` with its score, in document order."""
    raw = split_sentences(text, language)
    if not raw:
        return []
    bags = [Counter(tokens(s, language)) for s in raw]
    document_frequency: Counter[str] = Counter()
    for bag in bags:
        document_frequency.update(bag.keys())
    count = len(raw)
    vectors = []
    for bag in bags:
        vector = {w: tf * math.log(1 + count / document_frequency[w]) for w, tf in bag.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({w: v / norm for w, v in vector.items()})
    title_words = set(tokens(title, language))
    ranked = []
    for index, vector in enumerate(vectors):
        centrality = sum(
            _cosine(vector, other) for j, other in enumerate(vectors) if j != index
        ) / max(1, count - 1)
        overlap = len(title_words & bags[index].keys()) / len(title_words) if title_words else 0.0
        position = 1.0 / (1 + index)
        score = centrality + 0.5 * overlap + 0.3 * position
        ranked.append(Sentence(index, raw[index], round(score, 6)))
    return ranked


#: Fewest words a trimmed sentence may keep.
MIN_TRIMMED_WORDS = 12
_CLAUSE_BREAK = re.compile(r"(?:[,;:]|\s[–—-])\s")


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


def key_sentences(title: str, text: str, language: str, limit: int = 2) -> list[Sentence]:
    """The best ``limit`` sentences within the word budgets, in document order.

    A sentence over :data:`MAX_SENTENCE_WORDS` words is trimmed at a clause boundary, or
    left out when it has none that fits.
    """
    candidates = []
    for sentence in rank_sentences(title, text, language):
        if sentence.words > MAX_SENTENCE_WORDS:
            trimmed = trim_to_clause(sentence.text)
            if trimmed is None:
                continue
            sentence = Sentence(sentence.index, trimmed, sentence.score)
        if sentence.words >= 4:
            candidates.append(sentence)
    chosen: list[Sentence] = []
    words = 0
    for sentence in sorted(candidates, key=lambda s: (-s.score, s.index)):
        if len(chosen) == limit:
            break
        if words + sentence.words > MAX_POINT_WORDS:
            continue
        chosen.append(sentence)
        words += sentence.words
    return sorted(chosen, key=lambda s: s.index)


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


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
