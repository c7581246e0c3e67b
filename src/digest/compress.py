"""Sentence compression: a key point sentence without what it can lose unchanged in meaning.

:func:`compress` removes, in French, Dutch, English and German:

- a leading connective ("Par ailleurs,", "Moreover,", "Bovendien,"; in Dutch and German
  a connective without a comma puts the verb before the subject, "Daarnaast wil het
  kabinet ...", so the subject is moved back: "Het kabinet wil ..."; only when the subject
  is a pronoun or a short noun phrase whose end is certain);
- an attribution tail after the last comma ("..., a-t-il déclaré à l'AFP.", "..., selon
  Le Monde.", "..., zei de minister.", "..., he told Reuters.", "..., sagte er der dpa.").
  A leading attribution ("Selon Le Monde, ...") stays: it frames the whole claim as
  reported, and dropping it lowered ROUGE on French news too;
- a parenthetical aside in brackets or between two dashes;
- a dateline ("DEN HAAG (ANP) - ", "LONDON, Sept 28 (Reuters) – ").

Each step is checked on its own and kept only when the rest is still a sentence of the
source: the same final punctuation, a capital first letter, balanced quotation marks, at
least :data:`MIN_WORDS` words and nothing cut inside a quotation. Reported speech in the
first person ("Nous irons jusqu'au bout, a-t-il dit.") keeps its attribution, and so does
direct speech in quotation marks: without its speaker it would read as the newsroom's
word. When in doubt the sentence is left as it is.

The result is a :class:`Compressed`: the text to show, the full sentence for "show the
full sentence" and what was removed. The function is pure, deterministic and never raises
on any string; a sentence it does not recognise comes back unchanged (``text == full``).

Using it in a build: compress the sentences :func:`~digest.summarise.select` chose, and
keep the full sentence beside the short one for "show the full sentence"::

    chosen = key_sentences(title, text, language, limit)
    short = [compress(s.text, language) for s in chosen]
    point = " ".join(c.text for c in short)  # shown
    full = [c.full for c in short]  # on request; c.removed says what went

On French news (``bench/compress.py``) this is neutral to slightly better in ROUGE than the
uncompressed key point, while compressing every sentence before the selection (so the
budget counts shortened sentences) scored 0.1-0.2 R1 lower: the room it frees lets in
longer, lower-ranked sentences. A sentence ``select`` trimmed at a clause keeps its " …" ending.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: A compressed sentence keeps at least this many words (``\w+`` tokens).
MIN_WORDS = 6

_WORD = re.compile(r"\w+")
_FINAL = re.compile(r"[.!?…]+[\"'»”’)\]]*$")
_QUOTES = '«»“”"„'
_FIRST_PERSON = {
    "fr": r"je|j|nous|me|m|mon|ma|mes|notre|nos|vous|votre|vos",
    "nl": r"ik|wij|we|ons|onze|mijn|me|mij|jullie",
    "en": r"i|we|us|our|ours|my|me|you|your",
    "de": r"ich|wir|uns|unser|unsere|unseren|unserer|mein|meine|mir|mich|ihr|euch",
}
# German reported speech in the subjunctive ("Die Lage sei ernst, sagte er.") cannot lose
# its speaker: alone it would still say "someone says so", without saying who.
_SUBJUNCTIVE = re.compile(
    r"\b(?:sei|seien|habe|werde|könne|müsse|solle|wolle|dürfe|gebe|liege|fehle|gehe|"
    r"komme|stehe|bleibe|wisse|wolle|brauche|arbeite|plane|rechne)\b"
)
_FIRST_PERSON_RE = {
    lang: re.compile(rf"(?<![\w-])(?:{words})(?![\w-])", re.IGNORECASE)
    for lang, words in _FIRST_PERSON.items()
}

# --- Datelines ---------------------------------------------------------------------------

# "DEN HAAG (ANP) - ", "LOS ANGELES - ", "LONDON, Sept 28 (Reuters) – ", "(Reuters) - ":
# where the story was written, not what it says.
_CAPS = "A-ZÀ-ÖØ-Þ"
_DATELINE = re.compile(
    rf"^(?:[{_CAPS}][{_CAPS}'’.-]{{2,}}(?:\s[{_CAPS}][{_CAPS}'’.-]+){{0,3}}"
    rf"(?:,\s[\w .]{{1,20}}?)?(?:\s\([\w /.-]{{2,20}}\))?|\([\w /.-]{{2,20}}\))\s[-–—]\s"
)

# --- Leading connectives -----------------------------------------------------------------

# Followed by a comma; dropping them with it leaves the sentence intact.
_CONNECTIVES_COMMA = {
    "fr": """par ailleurs|en outre|de plus|en effet|d'autre part|dans le même temps|
        pour rappel|toutefois|cependant|néanmoins|pourtant|enfin|ainsi|également|
        de son côté|de leur côté|à noter que|or""",
    "en": """moreover|furthermore|in addition|additionally|meanwhile|however|also|
        separately|besides|still|nevertheless|indeed|in fact|at the same time""",
    "nl": """bovendien|daarnaast|verder|echter|intussen|ondertussen|tegelijkertijd|
        overigens|wel|daarbij|ook""",
    "de": """außerdem|zudem|darüber hinaus|ferner|überdies|allerdings|indes|jedoch|
        unterdessen""",
}
# Followed directly by the rest of the sentence (no verb-second inversion in fr/en).
_CONNECTIVES_BARE = {
    "fr": "mais|et|or",
    "en": "but|and|also",
    "nl": "",
    "de": "",
}
# Verb-second languages: connective + finite verb + subject ...
_CONNECTIVES_V2 = {
    "nl": """bovendien|daarnaast|verder|daarbij|intussen|ondertussen|tegelijkertijd|
        overigens|tevens""",
    "de": "außerdem|zudem|darüber hinaus|ferner|überdies|allerdings|indes|unterdessen",
}
# Subjects whose end is certain: personal pronouns, "er"/"es" ...
_PRONOUNS = {
    "nl": {"hij", "zij", "ze", "er", "men", "u", "we", "wij"},
    "de": {"er", "sie", "es", "man", "wir"},
}
_ARTICLES = {
    "nl": {"de", "het", "een"},
    "de": {"der", "die", "das", "ein", "eine", "dieser", "diese", "dieses"},
}
# Dutch nouns are lower case: the word after article + noun must be one that cannot
# continue a noun phrase. Prepositions are left out: "de man met het mes" is one phrase.
_NL_AFTER_SUBJECT = set(
    """een de het niet nog al ook geen zich er te zo wel dan nu daar hier dit dat deze
    die zijn haar hun volgens vorig vorige vandaag gisteren morgen maandag dinsdag
    woensdag donderdag vrijdag zaterdag zondag jaarlijks extra meer minder""".split()
)
# German: a preposition after the noun may belong to it ("die Mieten in Berlin").
_DE_PREPOSITIONS = set(
    """in im an am auf aus bei beim mit nach von vom zu zum zur für gegen ohne um über
    unter vor hinter neben zwischen seit durch bis ab wegen trotz""".split()
)
_NOT_VERB = {
    "nl": set("de het een ook niet die dat dit deze er zo".split()),
    "de": set("der die das ein eine auch nicht es sich so".split()),
}

# --- Attribution tails -----------------------------------------------------------------

# A tail after the last ", " up to the final punctuation; no comma, quote or colon in it.
# Verbs of saying are followed by their subject (the inversion of reported speech):
# ", ont confirmé qu'ils ..." or ", zegt niets" continue the sentence instead.
_FR_SUBJECT = (
    r"(?=(?:le|la|les|l'|l’|un|une|des|son|sa|ses|leur|leurs|ce|cette|M\.|Mme)\s?|[A-ZÀ-Ý])"
)
_NL_SUBJECT = r"(?=(?:de|het|een|hij|zij|ze|men|zijn|haar|hun|deze|dit|die)\s|[A-Z])"
_DE_SUBJECT = r"(?=(?:der|die|das|ein|eine|einer|er|sie|es|man|dessen|deren)\s|[A-ZÄÖÜ])"
_EN_SUBJECT = r"(?=(?:the|a|an|his|her|their|its)\s|[A-Z])"
# Each: the start of an attribution tail, after the last ", " of the sentence.
_TAIL_HEADS = {
    "fr": rf"""(?:a|ont|avait|avaient|aurait|auraient)-t?-?(?:il|elle|ils|elles|on)\b
        |\w+-t-(?:il|elle|on)\b|\w+(?:ent)?-(?:ils|elles)\b
        |selon\s|d'après\s|d’après\s
        |(?:a|ont|avait)\s(?:indiqué|déclaré|précisé|affirmé|annoncé|expliqué|rapporté|
            confirmé|assuré|souligné|ajouté|estimé|révélé|appris|fait\ssavoir|relevé)\s
            {_FR_SUBJECT}
        |(?:rapporte|rapportent|indique|indiquent|précise|précisent|affirme|affirment|
            explique|expliquent|annonce|annoncent|souligne|soulignent|révèle|révèlent|
            écrit|écrivent|assure|assurent|confirme|confirment|estime|estiment|
            ajoute|ajoutent|note|notent|détaille|détaillent)\s{_FR_SUBJECT}""",
    "nl": rf"""(?:aldus|volgens|zo)\s
        |(?:zei|zegt|zeggen|zeiden|meldt|melden|meldde|meldden|schrijft|schreef|
            verklaarde|verklaart|stelt|stelde|benadrukte|benadrukt|vertelde|vertelt|
            bevestigde|bevestigt|liet|laat|reageerde|reageert|concludeert|concludeerde|
            waarschuwde|waarschuwt|meent|vindt|denkt)\s{_NL_SUBJECT}""",
    "en": rf"""(?:according\sto|(?:said|says)\s{_EN_SUBJECT}
            |(?!(?:which|who|whom|whose|that|but|and|or|as|while|when|because|although|
                though|if|so|where|after|before|until|since|even|what|how)\b)
            [\w.'’-]+(?:\s[\w.'’-]+){{0,4}}?\s(?:said|says|told|added|wrote|reported|
            confirmed|announced|explained|noted|warned|stated))\b""",
    "de": rf"""(?:so|laut)\s
        |(?:sagte|sagt|sagten|erklärte|erklärt|betonte|betont|teilte|teilt|berichtet|
            berichtete|berichten|berichteten|schreibt|schrieb|meldet|meldete|hieß|heißt|
            bestätigte|warnte|warnt|kündigte|räumte|verlautete|ergänzte|fügte)\s
            {_DE_SUBJECT}
        |wie\s(?:[\w-]+\s){{1,5}}(?:mitteilte|mitteilten|berichtete|berichteten|sagte|
            erklärte|bestätigte|meldete|ankündigte)\b""",
}
# A tail that reports a content clause ("..., a confirmé que ...") is not a tail.
_CONTENT_CLAUSE = re.compile(r"\b(?:que|qu['’]|that|dat|dass|ob)\b", re.IGNORECASE)
# A head whose last part opens with a relative pronoun is a subject still waiting for
# its verb: "Les analyses, qui ont été réalisées hier, ont confirmé ...".
_RELATIVE = re.compile(
    r"^(?:qui|que|qu['’]|dont|où|lequel|laquelle|lesquels|lesquelles|die|dat|wat|waar|"
    r"der|die|das|welche|welcher|which|who|whom|whose|that|where)\b",
    re.IGNORECASE,
)
_TAIL = {
    lang: re.compile(
        rf",\s(?P<tail>(?:{heads})[^,;:«»“”\"„]*?)(?P<end>{_FINAL.pattern})",
        re.VERBOSE,
    )
    for lang, heads in _TAIL_HEADS.items()
}
# A tail longer than this is more than an attribution ("selon un rapport publié ...").
_MAX_TAIL_WORDS = 12

# --- Asides ------------------------------------------------------------------------------

_PARENTHESIS = re.compile(r"\s\([^()«»“”\"„]{1,120}\)(?=[\s,.;:!?…])")
_DASHES = re.compile(
    r"\s[–—]\s[^–—()«»“”\"„]{2,120}?\s[–—](?=\s)|\s-\s[^-()«»“”\"„]{2,120}?\s-(?=\s)"
)


@dataclass(frozen=True)
class Compressed:
    """A sentence and what :func:`compress` made of it."""

    #: The sentence to show: shortened, or ``full`` itself.
    text: str
    #: The sentence as the source wrote it.
    full: str
    #: What was removed, in the order the steps ran (empty: nothing was).
    removed: tuple[str, ...] = ()

    @property
    def shortened(self) -> bool:
        """Whether anything was removed."""
        return bool(self.removed)

    @property
    def saved(self) -> int:
        """Words (``\\w+`` tokens) saved."""
        return count_words(self.full) - count_words(self.text)


def count_words(text: str) -> int:
    """Words as ROUGE counts them: ``\\w+`` tokens."""
    return len(_WORD.findall(text))


def compress(sentence: str, language: str) -> Compressed:
    """``sentence`` without its leading connective, attribution tail and asides, where
    each removal leaves a sentence of the source (see the module's docstring).

    Languages other than fr, nl, en and de lose only bracketed asides. Never raises.
    """
    full = sentence
    text = sentence.strip()
    if not _plausible(text):
        return Compressed(full, full)
    removed: list[str] = []
    steps: tuple[Callable[[str, str], tuple[str, str] | None], ...] = (
        _drop_dateline,
        _drop_connective,
        _drop_tail,
        _drop_asides,
    )
    for step in steps:
        result = step(text, language)
        if result is None:
            continue
        shorter, what = result
        shorter = _capitalised(shorter)
        if _acceptable(shorter, text):
            text = shorter
            removed.append(what.strip())
    if not removed:
        return Compressed(full, full)
    return Compressed(text, full, tuple(removed))


def _plausible(text: str) -> bool:
    """Only a whole sentence with balanced quotation marks is worth shortening."""
    return (
        bool(text[:1].isupper() or text[:1] in f"({_QUOTES}")
        and _balanced(text)
        and bool(_FINAL.search(text))
    )


def _balanced(text: str) -> bool:
    pairs = (("«", "»"), ("“", "”"), ("(", ")"))
    if any(text.count(a) != text.count(b) for a, b in pairs):
        return False
    return text.count('"') % 2 == 0 and text.count("„") <= text.count("“")


def _acceptable(shorter: str, before: str) -> bool:
    end_before, end_after = _FINAL.search(before), _FINAL.search(shorter)
    return (
        end_after is not None
        and end_before is not None
        and end_after.group().rstrip("\"'»”’)]") == end_before.group().rstrip("\"'»”’)]")
        and count_words(shorter) >= MIN_WORDS
        and count_words(shorter) < count_words(before)
        and _balanced(shorter)
        and shorter[:1].isupper()
        and not re.search(r"[,;:–—-]\s*[.!?…]+$", shorter)
    )


def _capitalised(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def _inside_quotes(text: str, start: int, end: int) -> bool:
    """Whether [start, end) touches a quotation (guillemets, curly or straight quotes)."""
    spans = [m.span() for m in re.finditer(r"«[^»]*»|“[^”]*”|„[^“”]*[“”]|\"[^\"]*\"", text)]
    return any(s < end and start < e for s, e in spans)


def _drop_dateline(text: str, language: str) -> tuple[str, str] | None:
    match = _DATELINE.match(text)
    if match is None or not text[match.end() :][:1].isupper():
        return None
    return text[match.end() :], match.group()


def _drop_connective(text: str, language: str) -> tuple[str, str] | None:
    comma = _CONNECTIVES_COMMA.get(language)
    if comma:
        words = "|".join(w.strip() for w in comma.split("|"))
        match = re.match(rf"(?:{words}),\s+", text, re.IGNORECASE)
        if match:
            return text[match.end() :], match.group()
    bare = _CONNECTIVES_BARE.get(language)
    if bare:
        match = re.match(rf"(?:{bare})\s+(?=\w)", text, re.IGNORECASE)
        if match and not text[match.end() :].lower().startswith(("que ", "qu'", "so ")):
            return text[match.end() :], match.group()
    v2 = _CONNECTIVES_V2.get(language)
    if v2:
        words = "|".join(w.strip() for w in v2.split("|"))
        match = re.match(rf"(?:{words})\s+", text, re.IGNORECASE)
        if match:
            return _reorder(text, match.end(), language)
    return None


def _reorder(text: str, at: int, language: str) -> tuple[str, str] | None:
    """'Daarnaast wil het kabinet X' -> 'het kabinet wil X' when the subject's end is sure."""
    tokens = text[at:].split(" ")
    if len(tokens) < 4:
        return None
    verb = tokens[0]
    if not verb.isalpha() or not verb.islower() or verb in _NOT_VERB[language]:
        return None
    lower = tokens[1].lower()
    subject: list[str] | None = None
    if lower in _PRONOUNS[language] and tokens[1].islower() and tokens[2][:1].islower():
        subject = tokens[1:2]
    elif lower in _ARTICLES[language] and tokens[1].islower():
        subject = _article_phrase(tokens[1:], language)
    if subject is None:
        return None
    rest = tokens[1 + len(subject) :]
    if not rest:
        return None
    head = text[:at].strip()
    return " ".join([*subject, verb, *rest]), head


def _article_phrase(tokens: list[str], language: str) -> list[str] | None:
    if language == "de":
        # article (+ up to two lower-case adjectives) + capitalised noun, not followed
        # by a genitive or another capitalised word.
        for length in (2, 3, 4):
            if len(tokens) <= length:
                return None
            noun, after = tokens[length - 1], tokens[length]
            if noun[:1].isupper() and noun.isalpha():
                if (
                    after in ("des", "der")
                    or after in _DE_PREPOSITIONS
                    or after[:1].isupper()
                    or not after.isalpha()
                ):
                    return None
                return tokens[:length]
            if not (noun.isalpha() and noun.islower()):
                return None
        return None
    # Dutch: article + one word, then a word that cannot continue the noun phrase.
    if len(tokens) < 3 or not tokens[1].isalpha() or tokens[1].lower() == "van":
        return None
    return tokens[:2] if tokens[2] in _NL_AFTER_SUBJECT else None


def _drop_tail(text: str, language: str) -> tuple[str, str] | None:
    pattern = _TAIL.get(language)
    if pattern is None:
        return None
    match = None
    for candidate in pattern.finditer(text):
        match = candidate  # the last comma that starts a tail
    if match is None or count_words(match["tail"]) > _MAX_TAIL_WORDS:
        return None
    if match["end"].startswith("?"):
        return None  # "..., va-t-il falloir ...?" asks; it does not attribute
    head = text[: match.start()].rstrip()
    if _CONTENT_CLAUSE.search(match["tail"]):
        return None
    if "," in head and _RELATIVE.match(head.rsplit(",", 1)[1].strip()):
        return None
    # Direct speech keeps its speaker: "« ... », a-t-il dit." or 'The plan "works", he said.'
    if head[-1:] in _QUOTES or head[:1] in _QUOTES or _speaks_first_person(head, language):
        return None
    if language == "de" and _SUBJUNCTIVE.search(head):
        return None
    if _inside_quotes(text, match.start(), match.end("tail")):
        return None
    end = match["end"]
    return f"{head}{end}", match["tail"]


def _speaks_first_person(text: str, language: str) -> bool:
    pattern = _FIRST_PERSON_RE.get(language)
    # Outside quotation marks: "Nous irons", but not 'he called it "our plan"'.
    outside = re.sub(r"«[^»]*»|“[^”]*”|\"[^\"]*\"", " ", text)
    return bool(pattern and pattern.search(outside))


def _drop_asides(text: str, language: str) -> tuple[str, str] | None:
    removed: list[str] = []
    for pattern in (_PARENTHESIS, _DASHES):
        while True:
            found = next(
                (m for m in pattern.finditer(text) if not _inside_quotes(text, *m.span())),
                None,
            )
            if found is None or found.start() < 3:
                break
            text = text[: found.start()] + text[found.end() :]
            removed.append(found.group().strip())
    if not removed:
        return None
    # Each match starts with its white space and ends before the next: nothing to tidy.
    return text, " ".join(removed)
