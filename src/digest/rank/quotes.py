"""Quotation marks across sentence boundaries.

Press copy often quotes several sentences at once (« Nous avons commencé. Les résultats
suivront », a-t-il dit.), so the splitter cuts quotations, and a key point could open a
quotation it never closes. :func:`balance` mends the sentences of one paragraph: a short
quotation spread over sentences is kept whole, as one sentence, when it stays within
:data:`QUOTE_WORDS`; a longer one is closed at the end of each of its sentences and
reopened at the start of the next, with the marks of the language. A mark the paragraph
never matches (a quotation never closed, or closed but never opened, as scraped text
has) is matched within its own sentence only, so that it does not turn the rest of the
paragraph into a quotation.

Each language has its marks: French « » (and “ ”), German „ “ (and » «, ‚ ‘), English
“ ” and ‘ ’, Dutch „ ” and “ ”, ‘ ’; the straight double quote everywhere. The straight
single quote is left alone: it is far more often an apostrophe (zo'n, auto's, don't), and
so is ’ unless it closes a ‘ (We’re, ’s nachts).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: A quotation spread over sentences is kept as one sentence up to this many ``\w+``
#: words: the longest sentence the hand-set ranking takes whole
#: (``choose.MAX_SENTENCE_WORDS``).
QUOTE_WORDS = 40

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Marks:
    """The quotation marks of one language."""

    #: Each opening mark and the marks that close it, the usual one first.
    pairs: dict[str, str]
    #: Each closing mark and the opening mark that goes with it when it has none.
    openers: dict[str, str]
    #: Marks that open and close (the straight quote; “ in German and Dutch).
    both: frozenset[str]
    #: Every mark, opening or closing.
    characters: str
    #: Marks written with a space between them and the words (French « Oui »).
    spaced: frozenset[str] = frozenset()

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled through the constructor: compiled with mypyc, a frozen dataclass
        # cannot be unpickled field by field (FrozenInstanceError).
        return (Marks, (self.pairs, self.openers, self.both, self.characters, self.spaced))


def _marks(pairs: dict[str, str], spaced: str = "") -> Marks:
    openers: dict[str, str] = {}
    for opening, closing in pairs.items():
        for mark in closing:
            openers.setdefault(mark, opening)
    characters = "".join(sorted({*pairs, *openers}))
    both = frozenset(pairs) & frozenset(openers)
    return Marks(pairs, openers, both, characters, frozenset(spaced))


_STRAIGHT = {'"': '"'}
_MARKS = {
    "fr": _marks({"«": "»", "“": "”", **_STRAIGHT}, spaced="«»"),
    "de": _marks({"„": "“”", "»": "«", "‚": "‘", "“": "”", **_STRAIGHT}),
    "en": _marks({"“": "”", "‘": "’", **_STRAIGHT}),
    "nl": _marks({"„": "”“", "“": "”", "‘": "’", **_STRAIGHT}),
}
_DEFAULT = _marks({"«": "»", "“": "”", **_STRAIGHT})
_SINGLE = frozenset("‘’‚")
_OPENING_CONTEXT = "([«»“”„‚‘’\"'"

# What a mark does in its paragraph.
_OPEN = 0  # opens a quotation closed later
_CLOSE = 1  # closes the innermost open quotation
_NEVER_CLOSED = 2  # opens a quotation that is never closed
_NEVER_OPENED = 3  # closes a quotation that was never opened
# What each kind of event adds to the quotations open, and to the marks never matched.
_DEPTH_STEP = (1, -1, 0, 0)
_STRAY_STEP = (0, 0, 1, 1)

#: A mark found in a paragraph: where, what it does, which mark.
Event = tuple[int, int, str]


def marks(language: str) -> Marks:
    """The quotation marks of ``language`` (French and English ones for the others)."""
    return _MARKS.get(language, _DEFAULT)


def unbalanced(text: str, language: str) -> bool:
    """Whether ``text`` leaves a quotation open or closes one it never opened."""
    return not _balanced(text, marks(language))


def balance(paragraph: str, spans: Sequence[tuple[int, int]], language: str) -> list[str]:
    """The sentences of ``paragraph`` (``spans``: where each starts and stops), each with
    balanced quotation marks (see the module docstring).
    """
    table = marks(language)
    found = _marks_in(paragraph, table)
    if not found or _paired_within(paragraph, found, spans, table):
        return [paragraph[start:stop].strip() for start, stop in spans]
    events = _events(paragraph, found, table)
    if events and events[0][:2] == (0, _NEVER_CLOSED):
        # A paragraph that opens with a quotation never closed is one (French copy
        # reopens a quotation at each of its paragraphs and closes it at the last one).
        events[0] = (0, _OPEN, events[0][2])
    # The marks of each sentence: events[cuts[i]:cuts[i + 1]]. Before each event, how many
    # quotations are open (closed later) and how many marks never matched came before: a
    # sentence that starts and ends with none open and has no such mark stays as it is.
    positions = [at for at, _, _ in events]
    cuts = [0, *(bisect.bisect_left(positions, stop) for _, stop in spans)]
    kinds = [kind for _, kind, _ in events]
    depth = [0, *itertools.accumulate(map(_DEPTH_STEP.__getitem__, kinds))]
    strays = [0, *itertools.accumulate(map(_STRAY_STEP.__getitem__, kinds))]
    counted: dict[int, int] = {}

    def count(sentence: int) -> int:
        """The ``\\w+`` words of a sentence, each counted once (a regex scan is dear)."""
        if sentence not in counted:
            start, stop = spans[sentence]
            counted[sentence] = len(_WORD.findall(paragraph, start, stop))
        return counted[sentence]

    out: list[str] = []
    carried: list[str] = []  # quotations open before the sentence, outermost first
    index = 0
    while index < len(spans):
        first, last = cuts[index], cuts[index + 1]
        if depth[first] == depth[last] == 0 and strays[first] == strays[last]:
            out.append(paragraph[spans[index][0] : spans[index][1]].strip())
            index += 1
            continue
        stack, unopened = _replay(events[first:last], [(m, False) for m in carried])
        end = index + 1
        if _still_open(stack):
            # Keep a short quotation whole: take the next sentences until it is closed.
            words = count(index)
            merged, more = stack, list(unopened)
            while _still_open(merged) and end < len(spans):
                words += count(end)
                if words > QUOTE_WORDS:
                    break
                merged, later = _replay(events[cuts[end] : cuts[end + 1]], merged)
                more += later
                end += 1
            if _still_open(merged):
                end = index + 1  # too long: close it here
            else:
                stack, unopened = merged, more
        text = paragraph[spans[index][0] : spans[end - 1][1]].strip()
        if carried or unopened or stack:
            mended = _mend(text, carried, unopened, [mark for mark, _ in stack], table)
            text = mended if _balanced(mended, table) else _mend_alone(text, table)
        if text:
            out.append(text)
        carried = [mark for mark, never in stack if not never]
        index = end
    return out


def _paired_within(
    text: str, found: Sequence[tuple[int, str]], spans: Sequence[tuple[int, int]], table: Marks
) -> bool:
    """Whether the marks ``found`` in ``text`` open and close quotations in turn, each
    quotation within one sentence: then :func:`_events` reads them as open, close, open,
    close..., no quotation is open between sentences, and every sentence stays as it is.
    The conditions are :func:`_events`'s own for an empty stack (the mark opens) and for
    a stack of one (it closes that quotation); single quotes (perhaps apostrophes) are
    left to the full reading.
    """
    if len(found) % 2:
        return False
    # First whether each sentence holds whole pairs of marks: a quotation over several
    # sentences (most paragraphs that fail) fails here, before the marks are read.
    positions = [at for at, _ in found]
    if any(bisect.bisect_left(positions, stop) % 2 for _, stop in spans):
        return False
    both, pairs = table.both, table.pairs
    for (at, opening), (after, closing) in zip(found[::2], found[1::2], strict=True):
        if opening in _SINGLE or closing in _SINGLE:
            return False
        closers = pairs.get(opening)
        if closers is None or (opening in both and _closes(text, at)):
            return False  # not an opening mark, or one read as closing
        if closing not in closers or (closing in both and _opens(text, after)):
            return False  # it does not close the quotation, or opens another
    return True


def _mend_alone(text: str, table: Marks) -> str:
    """``text`` mended by itself: when the marks added for its paragraph read differently
    in it alone (mixed or doubled straight quotes, where the paragraph and the sentence
    disagree on which quote opens). Marks that no mending can balance (.\"\" in scraped
    text) are dropped: first the stray ones, at worst all.
    """
    events = _events(text, _marks_in(text, table), table)
    unopened = [mark for _, kind, mark in events if kind == _NEVER_OPENED]
    never_closed = [mark for _, kind, mark in events if kind == _NEVER_CLOSED]
    mended = _mend(text, (), unopened, never_closed, table)
    if _balanced(mended, table):
        return mended
    stray = {at for at, kind, _ in events if kind >= _NEVER_CLOSED}
    kept = " ".join("".join(c for at, c in enumerate(text) if at not in stray).split())
    if _balanced(kept, table):
        return kept
    return " ".join(text.translate(dict.fromkeys(map(ord, table.characters))).split())


def _balanced(text: str, table: Marks) -> bool:
    events = _events(text, _marks_in(text, table), table)
    return all(kind < _NEVER_CLOSED for _, kind, _ in events)


def _still_open(stack: Sequence[tuple[str, bool]]) -> bool:
    """Whether ``stack`` holds a quotation that is closed later in the paragraph."""
    return any(not never for _, never in stack)


def _marks_in(text: str, table: Marks) -> list[tuple[int, str]]:
    """The positions and marks of ``table`` in ``text``, in order (str.find for each mark:
    far quicker than a regex character class).
    """
    found = []
    for mark in table.characters:
        at = text.find(mark)
        while at >= 0:
            found.append((at, mark))
            at = text.find(mark, at + 1)
    found.sort()
    return found


def _events(text: str, found: Sequence[tuple[int, str]], table: Marks) -> list[Event]:
    """What each mark ``found`` in ``text`` does (apostrophes left out).

    A mark that can both open and close (the straight quote; “ in German) opens a
    quotation where it stands before a word after a space (un "puputsch"), and closes one
    where it is glued to the word before it ("suivront", a-t-il); elsewhere it closes the
    innermost quotation if it is one of its closing marks, else opens one. A closing mark
    closes the innermost open quotation, whatever its opening mark (sources mix them:
    "Voilà », a-t-elle dit), or else one that was never opened.
    """
    events: list[Event] = []
    stack: list[int] = []  # the open quotations, as indices in events
    for at, mark in found:
        if not stack or (mark in table.both and _opens(text, at)):
            closes = False
        elif mark in table.pairs[events[stack[-1]][2]]:
            closes = True
        elif mark in _SINGLE:
            closes = False
        elif mark in table.both:
            closes = _closes(text, at)
        else:
            closes = mark in table.openers
        if mark in _SINGLE and _is_apostrophe(text, at, mark, closes):
            continue
        if closes:
            stack.pop()
            events.append((at, _CLOSE, mark))
        elif mark in table.pairs and not (mark in table.both and _closes(text, at)):
            stack.append(len(events))
            events.append((at, _OPEN, mark))
        elif mark in table.openers:
            events.append((at, _NEVER_OPENED, mark))
    for index in stack:
        events[index] = (events[index][0], _NEVER_CLOSED, events[index][2])
    return events


def _replay(
    events: Sequence[Event], stack: list[tuple[str, bool]]
) -> tuple[list[tuple[str, bool]], list[str]]:
    """The quotations open after ``events`` (each mark, and whether it is never closed),
    given those open before (``stack``), and the marks among them that close a quotation
    never opened.
    """
    stack = list(stack)
    unopened = []
    for _, kind, mark in events:
        if kind == _CLOSE:
            stack.pop()
        elif kind == _NEVER_OPENED:
            unopened.append(mark)
        else:
            stack.append((mark, kind == _NEVER_CLOSED))
    return stack, unopened


def _mend(
    text: str, opened: Sequence[str], unopened: Sequence[str], stack: Sequence[str], table: Marks
) -> str:
    """``text`` reopening the quotations ``opened`` before it (and opening those it closes
    without an opening mark) and closing the ones still open at its end (``stack``).
    """
    before = [*opened, *(table.openers[mark] for mark in reversed(unopened))]
    after = [table.pairs[mark][0] for mark in reversed(stack)]
    return (
        "".join(mark + " " * (mark in table.spaced) for mark in before)
        + text
        + "".join(" " * (mark in table.spaced) + mark for mark in after)
    )


def _opens(text: str, at: int) -> bool:
    """Whether the mark at ``at`` stands where an opening one does: at the start or after
    a space, an opening bracket or another quotation mark, and before a word.
    """
    before = text[at - 1 : at] if at else " "
    return (before.isspace() or before in _OPENING_CONTEXT) and text[at + 1 : at + 2].isalnum()


def _closes(text: str, at: int) -> bool:
    """Whether the mark at ``at`` stands where a closing one does: glued to the word or
    punctuation before it, and followed by white space, punctuation or the end.
    """
    before = text[at - 1 : at] if at else ""
    return bool(before) and not before.isspace() and not text[at + 1 : at + 2].isalnum()


def _is_apostrophe(text: str, at: int, mark: str, closes: bool) -> bool:
    """Whether the ‘, ’ or ‚ at ``at`` is an apostrophe (or a comma) rather than a quotation
    mark (``closes``: whether it would close an open quotation).
    """
    if mark == "’":
        # We’re, ’s nachts; the ministers’ meeting unless a ‘ is open.
        return text[at + 1 : at + 2].isalnum() or not closes
    # An opening mark glued to a word is not one (German ‘ closes a ‚ glued to it).
    return not closes and at > 0 and text[at - 1].isalnum()
