"""Text primitives shared by the key point rankers: sentences and lemmas.

:func:`split_sentences` cuts plain (often scraped) text into sentences, paragraph by
paragraph (:func:`split_paragraphs` keeps the paragraphs apart); :func:`lemmas` is the
shared normaliser (lower-case lemmas without stop words), also used to measure redundancy
between key points. Both work for French, Dutch, English and German.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

from digest import lemmata
from digest.rank.quotes import balance

_ABBREVIATIONS = {
    "fr": """m mm mme mmes mlle mlles dr pr me p.ex cf env art av bd st ste vol éd fig
        c.-à-d c.à.d hab tél n°""",
    "nl": """dhr mevr mw dr prof bijv bv o.a m.a.w d.w.z i.p.v t.a.v ca nr art blz mr ir ing
        drs vs zgn m.b.t a.s mgr st mln mld mrd""",
    "en": """mr mrs ms dr prof e.g i.e vs inc ltd jr sr st fig approx dept gen gov sen rep
        u.s u.k""",
    "de": """dr prof hr fr z.b bzw d.h u.a ca nr vgl s str st mio mrd tsd""",
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
_NO_STOP: frozenset[str] = frozenset()
_WORD = re.compile(r"\w+")
#: ``str.lower``, called through the method object. Compiled with mypyc (2.4), a method
#: call ``text.lower()`` becomes mypyc's own primitive, which lowers a final Greek sigma to
#: "σ" where Python gives "ς" ("ΟΔΟΣ" -> "οδος"): the compiled modules lower through this.
str_lower: Callable[[str], str] = str.lower
_UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"


# A boundary candidate: terminal punctuation and closing quotes or brackets, then white
# space, the end, or (raw web text, "pédaler.En tenue", "long.« C'est") directly a
# capital, perhaps behind an opening quote. A straight quote glued on both sides
# (obstacles."Je) opens the next sentence, so it only counts as closing when white space
# follows; so do the marks that close quotations in one language and open them in
# others: “ in German and Dutch („Ja.“ Dann), « in German (»Nein!« Sie).
def _boundary(closing: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?P<end>[.!?…]+(?:[\s\u00a0\u202f]?[»”’)\]]|[\"'{closing}](?=\s|$))*)"
        rf"(?P<gap>\s+|$|(?=(?:[«“„\"(]|« )?[\u00a0\u202f]?[{_UPPER}]))"
    )


_BOUNDARY = _boundary("")
_BOUNDARIES = {"de": _boundary("“«"), "nl": _boundary("“")}
# Agency copy scraped from the web glues subheadings between dashes into the text:
# 'en voiture.- "S'approprier leur vie" -Le "vélo-école" a formé...', 'plus jeunes.- Gare
# à la surchauffe -Les enfants...'. They become their own
# paragraph, so that neither neighbouring sentence swallows them. The closing dash always
# follows a space, so a text without " -" has none.
_SUBHEADING = re.compile(r"([.!?…\"»”)])[ ]?-[ ]?(\S.{0,80}?)[ ]-(?=[^\s-])")
# Zero-width spaces and soft hyphens pasted from web pages ("France.\u200bLe chef").
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def _dateline(space: str) -> str:
    """A wire dateline ("PARIS (AFP) - ", "LONDON, Sept. 28 (Reuters) - ", "NEW YORK, N.Y.
    (AP) — "): a place of capitalised words, perhaps a date or a state after a comma, the
    agency in brackets, a dash.
    """
    word = rf"[{_UPPER}][\w'’/-]*"
    return (
        rf"{word}(?:{space}{word}){{0,3}}(?:,(?:{space}[^\s()]+){{1,4}})?"
        rf"{space}\([^\W\d_][^()\n]{{0,29}}\){space}?[-–—]+{space}"
    )


# A dateline stays with the first sentence (compress.py takes it away later), even with
# full stops inside it ("Sept.", "N.Y."); a dateline at the start of a line starts a
# paragraph, so that a headline above it does not become part of the first sentence.
_DATELINE = re.compile(_dateline(" "))
_LINE_SPACE = r"[^\S\n]+"
_DATELINE_LINE = re.compile(rf"\n(?=[^\S\n]*{_dateline(_LINE_SPACE)})")
# White space other than the plain space (what str.split() splits on besides " ").
_OTHER_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# Where a sentence could end: Python's regex engine scans for a character class about ten
# times slower than str.find scans for one character, so the candidates are found with
# str.find and the boundary pattern is only tried there.
_TERMINALS = ".!?…"
# What follows a boundary: opening marks, then the next word.
_NEXT_WORD = re.compile("[«“„\"'(\u00a0\u202f ]*([^ ]*)")


def split_sentences(text: str, language: str) -> list[str]:
    """Split plain text into sentences, paragraph (blank line) by paragraph.

    A full stop is not a boundary after the language's abbreviations ("M.", "bijv.",
    "e.g."), after an initial ("J. R. R. Tolkien", "A. De Croo") or when a lower-case word
    follows; numbers ("3.5 %", "1.200", "12.03.2024") and web addresses never contain a
    boundary since a capital must follow. Closing quotes and brackets stay with their
    sentence. Raw web text that glues sentences ("pédaler.En tenue") is split there. A
    wire dateline ("LONDON, Sept. 28 (Reuters) - ") stays with the first sentence. Every
    sentence has balanced quotation marks: a quotation over several sentences is one
    sentence, or is closed and reopened (:func:`digest.rank.quotes.balance`).
    """
    return [s for paragraph in split_paragraphs(text, language) for s in paragraph]


def split_paragraphs(text: str, language: str) -> list[list[str]]:
    """The sentences of ``text``, paragraph by paragraph (see :func:`split_sentences`);
    paragraphs without a sentence are left out.
    """
    no_split = _NO_SPLIT_AFTER.get(language, frozenset())
    boundary = _BOUNDARIES.get(language, _BOUNDARY)
    if any(mark in text for mark in _INVISIBLE_CHARS):
        text = _INVISIBLE.sub("", text)
    if " -" in text:
        text = _SUBHEADING.sub(r"\1\n\n\2\n\n", text)
    if "\n" in text and "(" in text:
        text = _DATELINE_LINE.sub("\n\n", text)
    paragraphs: list[list[str]] = []
    for paragraph in _PARAGRAPH_BREAK.split(text) if "\n" in text else (text,):
        paragraph = _squeeze(paragraph)
        dateline = _DATELINE.match(paragraph) if "(" in paragraph else None
        glued = dateline.end() if dateline else 0  # no boundary inside a dateline
        spans: list[tuple[int, int]] = []  # where each sentence starts and stops
        start = 0
        for match in _boundaries(paragraph, boundary):
            end = match.end()
            if end == len(paragraph) or end <= glued:
                continue  # the tail is added below; a dateline stays whole
            next_word = _NEXT_WORD.match(paragraph, end)  # always matches, maybe empty
            following = next_word[1] if next_word else ""
            if following[:1].islower():
                continue
            # The pattern is the group "end" then the group "gap": their text is read off
            # these three positions (a Match method is a generic call, even compiled).
            stop, marks = match.start(), match.end("end")
            if (
                marks == stop + 1
                and paragraph[stop] == "."
                and _is_abbreviation(
                    paragraph[max(start, paragraph.rfind(" ", start, stop) + 1) : stop],
                    following,
                    language,
                    no_split,
                    marks == end,  # no gap: glued to the next word
                )
            ):
                continue
            spans.append((start, marks))
            start = end
        if paragraph[start:].strip():
            spans.append((start, len(paragraph)))
        sentences = balance(paragraph, spans, language) if spans else []
        if sentences:
            paragraphs.append(sentences)
    return paragraphs


def _squeeze(paragraph: str) -> str:
    """``" ".join(paragraph.split())``: one space between words, none around them. Most
    paragraphs already are so, and checking costs less than rebuilding them.
    """
    if "  " in paragraph or any(space in paragraph for space in _OTHER_SPACES):
        return " ".join(paragraph.split())
    return paragraph.strip(" ")


def _boundaries(paragraph: str, boundary: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """The matches of ``boundary`` in ``paragraph``, as ``finditer`` gives them."""
    candidates = []
    for mark in _TERMINALS:
        at = paragraph.find(mark)
        while at >= 0:
            candidates.append(at)
            at = paragraph.find(mark, at + 1)
    candidates.sort()
    end = 0
    for at in candidates:
        if at >= end:
            match = boundary.match(paragraph, at)
            if match is not None:
                end = match.end()
                yield match


def _is_abbreviation(
    last: str, following: str, language: str, no_split: frozenset[str], glued: bool
) -> bool:
    """Whether the full stop after the word ``last`` belongs to it rather than ending the
    sentence (``following``: the next word).
    """
    word = str_lower(last.lstrip("(«“\"'"))
    if word.rstrip("»”’)]\"'") != word:
        return False  # a quotation or bracket closed just before: "... vie".Son
    if word in no_split or (len(word) == 1 and word.isalpha()):
        return True
    if glued:
        # "en 2014.Après", "2,5 %.Vanaf" and "pédaler.En" end sentences; "U.S.A.The" is
        # too rare to split.
        return word[-1:].isalnum() and not word[-2:-1].isalnum()
    if language == "de" and word.isdigit():
        return str_lower(following).rstrip(".,") in _GERMAN_MONTHS
    return False


# One cache per language: word -> lemma, or "" for a word left out (stop words are put in
# it from the start). Key points see the same few thousand words again and again, so a
# dict lookup replaces simplemma's work. A long-running scheduler would grow it with every
# new word, hence the cap.
_LEMMA_CACHE: dict[str, LemmaCache] = {}
_LEMMA_CACHE_SIZE = 500_000
# A direct lookup in simplemma's dictionary per language (digest.lemmata: the trie cached
# on disk), None for a language without one.
_DICTIONARIES: dict[str, lemmata.Lookup | None] = {}
_TRIES: dict[str, lemmata.TrieLookup | None] = {}


def lemmas(text: str, language: str) -> list[str]:
    """Lower-case lemmas of the content words of ``text``, in order.

    Stop words, one-letter words and bare numbers are removed, before and after
    lemmatisation ("étaient" → "être" is then dropped). Lookups are cached per language,
    so the cost after warm-up is one dict lookup per word. Languages simplemma does not
    know are lower-cased only.
    """
    return lemmas_of_words(_WORD.findall(str_lower(text)), language)


def lemmas_of_words(words: Sequence[str], language: str) -> list[str]:
    """:func:`lemmas` of ``words``, lower-case ``\\w+`` tokens already found."""
    cache = lemma_cache(language)
    # A plain loop: map() over cache.__getitem__ or __contains__ goes through slot
    # wrappers and is slower than calling cache.get.
    get = cache.get
    out = []
    for word in words:
        lemma = get(word)
        if lemma is None:
            lemma = cache[word]  # lemmatised by LemmaCache.__missing__
        if lemma:
            out.append(lemma)
    return out


class LemmaCache(dict[str, str]):
    """One language's lemma cache: word -> lemma, or "" for a word left out. A word it
    does not hold yet is lemmatised and kept when it is looked up as ``cache[word]``, so
    that ``map(cache.__getitem__, words)`` gives :func:`lemmas_of_words`'s lemmas, ""
    included, without a Python loop over the words it knows.
    """

    def __init__(self, language: str) -> None:
        super().__init__(dict.fromkeys(_STOP.get(language, ()), ""))
        self.language = language
        self.stop = _STOP.get(language, _NO_STOP)
        self.trie = _trie(language)
        self.lookup = _dictionary(language) if self.trie is None else None

    def __missing__(self, word: str) -> str:
        """The lemma of a lower-case word new to the cache, kept ("" when it is left out).

        The word is looked up in simplemma's dictionary as it is, then capitalised (a
        German noun: "häuser" as "Häuser"), which is the first step of simplemma's own
        lookup; a word the dictionary lacks either way is its own lemma. simplemma's
        further strategies (clitics, hyphens, suffix rules, compounds) are left out: on
        a cold cache they cost more than the dictionary lookups of all the other words,
        and after the capitalised lookup they change almost none of the words the
        dictionary lacks (none of 2,897 in 300 French articles, of 164 Dutch and 108
        English ones; 1 of 287 German ones).
        """
        stop = self.stop
        if len(word) < 2 or word.isdigit() or word in stop:
            lemma = ""
        else:
            trie = self.trie
            if trie is not None:  # the trie's own lookup: no Python call between
                values = trie(word) or trie(word.capitalize())
                lemma = str_lower(values[0].decode()) if values else word
            elif (lookup := self.lookup) is None:  # a language simplemma has no data for
                lemma = word
            else:
                found = lookup(word)
                if found is None:
                    found = lookup(word.capitalize())
                lemma = str_lower(found) if found is not None else word
            if lemma in stop:
                lemma = ""
        self[word] = lemma
        return lemma


def lemma_cache(language: str) -> LemmaCache:
    """The lemma cache of ``language`` (a new one when it has grown past its cap)."""
    cache = _LEMMA_CACHE.get(language)
    if cache is None or len(cache) > _LEMMA_CACHE_SIZE:
        cache = _LEMMA_CACHE[language] = LemmaCache(language)
    return cache


def _trie(language: str) -> lemmata.TrieLookup | None:
    """The trie behind :func:`_dictionary`'s lookup, when there is one (digest.lemmata)."""
    if language not in _TRIES:
        _TRIES[language] = lemmata.trie_lookup(language)
    return _TRIES[language]


def _dictionary(language: str) -> lemmata.Lookup | None:
    """A direct lookup in simplemma's word -> lemma dictionary for ``language`` (None when
    there is none).
    """
    if language not in _DICTIONARIES:
        _DICTIONARIES[language] = lemmata.lookup(language)
    return _DICTIONARIES[language]


def clear_lemma_cache() -> None:
    """Forget every cached lemma, ours and simplemma's own (benchmarks time a cold start).
    The dictionaries stay loaded.
    """
    _LEMMA_CACHE.clear()
    lemmata.forget_lemmas()
