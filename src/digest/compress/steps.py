"""The steps of :func:`digest.compress.compress`: each removes one kind of thing from a
sentence (a dateline, a leading connective, an attribution tail, asides) and returns the
shorter text and what went, or None; :func:`~digest.compress.compress` checks each result.
"""

from __future__ import annotations

import functools
import re

from digest.compress.rules import (
    ARTICLES,
    CONNECTIVES_BARE,
    CONNECTIVES_COMMA,
    CONNECTIVES_V2,
    CONTENT_CLAUSE,
    DASHES,
    DATELINE,
    DE_PREPOSITIONS,
    FIRST_PERSON_RE,
    MAX_TAIL_WORDS,
    NL_AFTER_SUBJECT,
    NOT_VERB,
    PARENTHESIS,
    PRONOUNS,
    QUOTES,
    RELATIVE,
    SUBJUNCTIVE,
    TAIL,
    count_words,
)


def inside_quotes(text: str, start: int, end: int) -> bool:
    """Whether [start, end) touches a quotation (guillemets, curly or straight quotes)."""
    spans = [m.span() for m in re.finditer(r"«[^»]*»|“[^”]*”|„[^“”]*[“”]|\"[^\"]*\"", text)]
    return any(s < end and start < e for s, e in spans)


def drop_dateline(text: str, language: str) -> tuple[str, str] | None:
    match = DATELINE.match(text)
    if match is None or not text[match.end() :][:1].isupper():
        return None
    return text[match.end() :], match.group()


@functools.cache
def _connectives(language: str) -> tuple[re.Pattern[str] | None, ...]:
    """The language's leading connectives followed by a comma, bare, and followed by the
    verb (V2 languages), compiled once (a pattern built per call costs its hashing).
    """
    comma, bare, v2 = (
        CONNECTIVES_COMMA.get(language),
        CONNECTIVES_BARE.get(language),
        CONNECTIVES_V2.get(language),
    )
    return (
        re.compile(rf"(?:{_alternatives(comma)}),\s+", re.IGNORECASE) if comma else None,
        re.compile(rf"(?:{bare})\s+(?=\w)", re.IGNORECASE) if bare else None,
        re.compile(rf"(?:{_alternatives(v2)})\s+", re.IGNORECASE) if v2 else None,
    )


def _alternatives(words: str) -> str:
    return "|".join(w.strip() for w in words.split("|"))


def drop_connective(text: str, language: str) -> tuple[str, str] | None:
    comma, bare, v2 = _connectives(language)
    if comma:
        match = comma.match(text)
        if match:
            return text[match.end() :], match.group()
    if bare:
        match = bare.match(text)
        if match and not text[match.end() :].lower().startswith(("que ", "qu'", "so ")):
            return text[match.end() :], match.group()
    if v2:
        match = v2.match(text)
        if match:
            return _reorder(text, match.end(), language)
    return None


def _reorder(text: str, at: int, language: str) -> tuple[str, str] | None:
    """'Daarnaast wil het kabinet X' -> 'het kabinet wil X' when the subject's end is sure."""
    tokens = text[at:].split(" ")
    if len(tokens) < 4:
        return None
    verb = tokens[0]
    if not verb.isalpha() or not verb.islower() or verb in NOT_VERB[language]:
        return None
    lower = tokens[1].lower()
    subject: list[str] | None = None
    if lower in PRONOUNS[language] and tokens[1].islower() and tokens[2][:1].islower():
        subject = tokens[1:2]
    elif lower in ARTICLES[language] and tokens[1].islower():
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
                    or after in DE_PREPOSITIONS
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
    return tokens[:2] if tokens[2] in NL_AFTER_SUBJECT else None


def drop_tail(text: str, language: str) -> tuple[str, str] | None:
    pattern = TAIL.get(language)
    if pattern is None:
        return None
    match = None
    for candidate in pattern.finditer(text):
        match = candidate  # the last comma that starts a tail
    if match is None or count_words(match["tail"]) > MAX_TAIL_WORDS:
        return None
    if match["end"].startswith("?"):
        return None  # "..., va-t-il falloir ...?" asks; it does not attribute
    head = text[: match.start()].rstrip()
    if CONTENT_CLAUSE.search(match["tail"]):
        return None
    if "," in head and RELATIVE.match(head.rsplit(",", 1)[1].strip()):
        return None
    # Direct speech keeps its speaker: "« ... », a-t-il dit." or 'The plan "works", he said.'
    if head[-1:] in QUOTES or head[:1] in QUOTES or _speaks_first_person(head, language):
        return None
    if language == "de" and SUBJUNCTIVE.search(head):
        return None
    if inside_quotes(text, match.start(), match.end("tail")):
        return None
    end = match["end"]
    return f"{head}{end}", match["tail"]


def _speaks_first_person(text: str, language: str) -> bool:
    pattern = FIRST_PERSON_RE.get(language)
    # Outside quotation marks: "Nous irons", but not 'he called it "our plan"'.
    outside = re.sub(r"«[^»]*»|“[^”]*”|\"[^\"]*\"", " ", text)
    return bool(pattern and pattern.search(outside))


def drop_asides(text: str, language: str) -> tuple[str, str] | None:
    removed: list[str] = []
    for pattern in (PARENTHESIS, DASHES):
        while True:
            found = next(
                (m for m in pattern.finditer(text) if not inside_quotes(text, *m.span())),
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
