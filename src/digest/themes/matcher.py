"""Finding a language's compiled rules (:mod:`digest.themes.matching`) in a text.

Every word is worked out once per process: its lemma, and the rules it is the first
word of (most are the first word of none). A text's words are then looked up together
(``set.difference``, ``map`` and ``compress`` run in C), so the Python work per text
follows the few words that start a rule, not all of its words and never the number of
rules. A phrase's second word is one lookup per pair of words seen (which of the phrases
a word starts go on with the next), its later words a lookup per rule word. What
decides a match (conditions, exclusions, the longest of overlapping matches) is linear in
the matches: the terms of a ``near`` or ``unless`` list are one sorted list of places
per text, searched by bisection.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from typing import NamedTuple

from digest.themes.matching import Rule, Word, word_keys

#: Words a matcher keeps what it found about (then it forgets them all and starts again).
SEEN_WORDS = 500_000
#: One match: the rule, its first word and the word after its last.
Match = tuple[Rule, int, int]
#: The later words of a phrase: each with its memo (text word -> whether it is that rule
#: word), one memo for equal rule words.
_Tail = tuple[tuple[dict[str, bool], Word], ...]
#: What a match is: a theme's (or the scope's) rule, an exclusion, a context term.
_RULE, _EXCLUSION, _CONTEXT = 0, 1, 2
#: A rule that may match from a word: the rule, its length in words, its words still to
#: check, and what it is.
_Entry = tuple[Rule, int, _Tail, int]


class Found(NamedTuple):
    """What :meth:`Matcher.matches` found in one text."""

    #: The rules' matches, in the order :meth:`Matcher.resolve` weighs them: by first
    #: word, the longest first, at equal length a rule that counts on its own first.
    rules: list[Match]
    #: The exclusions' matches, in text order.
    exclusions: list[Match]
    #: The context terms' matches, in text order.
    context: list[Match]
    #: The text's words.
    words: int


class _Start:
    """The rules a word starts, and per word after it those that go on (made when a text
    first has that pair of words)."""

    __slots__ = ("after", "alone", "rules", "single")

    def __init__(self, rules: tuple[_Entry, ...]) -> None:
        self.rules = rules
        #: The rules of one word, for the last word of a text.
        self.alone = tuple(entry for entry in rules if entry[1] == 1)
        #: When every rule it starts is of one word (most): each with what it is, found
        #: whatever word follows.
        self.single = (
            tuple((rule, kind) for rule, _size, _tail, kind in rules)
            if len(self.alone) == len(rules)
            else None
        )
        self.after: dict[str, tuple[_Entry, ...]] = {}

    def following(self, language: str, word: str) -> tuple[_Entry, ...]:
        """The rules that may match from this word when ``word`` follows it, in order."""
        found = []
        for rule, size, tail, kind in self.rules:
            if size > 1:
                memo, rule_word = tail[0]
                hit = memo.get(word)
                if hit is None:
                    hit = memo[word] = rule_word.matches(word_keys(language, word))
                if not hit:
                    continue
            found.append((rule, size, tail[1:], kind))
        entries = self.after[word] = tuple(found)
        return entries


#: What a word never seen starts, until it is worked out.
_UNSEEN = _Start(())


@dataclass(frozen=True, eq=False)
class _Terms:
    """The terms of a ``near`` or ``unless`` list, looked up as one."""

    rules: frozenset[Rule]
    #: Words of the longest term.
    longest: int


class Matcher:
    """The rules of one language, indexed by what their first word matches."""

    def __init__(self, language: str, rules: Sequence[Rule]) -> None:
        self.language = language
        self.rules = tuple(rules)
        self._exact: dict[str, list[Rule]] = {}
        self._prefixed: list[Rule] = []
        # The places in ``_prefixed`` of the ``*`` rules starting with each stem: a word's
        # candidates are found by looking up its keys' beginnings (:attr:`_heads`), not by
        # trying every ``*`` rule on every new word.
        self._stems: dict[str, list[int]] = {}
        memos: dict[Word, dict[str, bool]] = {}
        self._tails: dict[Rule, _Tail] = {}
        terms: dict[tuple[Rule, ...], _Terms] = {}
        self._terms: dict[Rule, tuple[_Terms, _Terms]] = {}
        for rule in self.rules:
            first = rule.words[0]
            if first.prefix is not None:
                self._stems.setdefault(first.prefix, []).append(len(self._prefixed))
                self._prefixed.append(rule)
            for key in first.keys:
                self._exact.setdefault(key, []).append(rule)
            # Equal words share their memo: "intelligence" of many phrases is one word.
            self._tails[rule] = tuple((memos.setdefault(w, {}), w) for w in rule.words[1:])
            if rule.near or rule.unless:
                self._terms[rule] = (_terms(terms, rule.near), _terms(terms, rule.unless))
        # The stems by their first letters, as many as the shortest stem has: a key's
        # first letters name the few stems it may start with (most keys: none).
        self._head = min(map(len, self._stems), default=0)
        heads: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
        for stem, places in self._stems.items():
            heads.setdefault(stem[: self._head], []).append((stem, tuple(places)))
        self._heads = {head: tuple(stems) for head, stems in heads.items()}
        self._memos = tuple(memos.values())
        # Every word seen, and what it starts (None: no rule, as most words).
        self._starts: dict[str, _Start | None] = {}

    def _forget(self) -> None:
        """Forget what the words seen start and are: a long-running process (the
        scheduler) would otherwise keep every word it ever read."""
        self._starts.clear()
        for memo in self._memos:
            memo.clear()

    def _starting(self, word: str) -> _Start | None:
        """The rules whose first word ``word`` is (None: none), those of its keys as
        written, then the ``*`` rules in their order; their matches are found in that
        order. Worked out once per word."""
        known = self._starts.get(word, _UNSEEN)
        if known is not _UNSEEN:
            return known
        keys = word_keys(self.language, word)
        chosen: dict[int, Rule] = {}
        for key in keys:
            for rule in self._exact.get(key, ()):
                chosen[id(rule)] = rule
        places: set[int] = set()
        head = self._head
        for key in keys:
            for stem, at in self._heads.get(key[:head], ()) if len(key) >= head else ():
                if key.startswith(stem):
                    places.update(at)
        for place in sorted(places):
            rule = self._prefixed[place]
            if rule.words[0].matches(keys):
                chosen[id(rule)] = rule
        node = None
        if chosen:
            entries = [(r, len(r.words), self._tails[r], _kind(r)) for r in chosen.values()]
            # The rules in the order :meth:`resolve` weighs their matches at one place
            # (a stable sort: the order found among equals); the others as found.
            entries.sort(key=lambda e: (0, -e[1], e[0].support) if e[3] == _RULE else (1, 0, 0))
            node = _Start(tuple(entries))
        self._starts[word] = node
        return node

    def matches(self, words: Sequence[str]) -> Found:
        """Every rule, exclusion and context match in a text of ``words`` (as
        :func:`~digest.themes.matching.words_of` gives them)."""
        count = len(words)
        language = self.language
        starts = self._starts
        if len(starts) > SEEN_WORDS:
            self._forget()
        found = Found([], [], [], count)
        add = (found.rules.append, found.exclusions.append, found.context.append)
        last = count - 1
        # What each word starts, looked up in C: None for most, _UNSEEN for a word never
        # seen (its lemma and rules are worked out here, once).
        nodes = list(map(starts.get, words, repeat(_UNSEEN)))
        for start in compress(range(count), nodes):
            node = nodes[start]
            if node is _UNSEEN:
                node = self._starting(words[start])
            if node is None:
                continue
            single = node.single
            if single is not None:  # one-word rules alone: whatever word follows
                end = start + 1
                for rule, kind in single:
                    add[kind]((rule, start, end))
                continue
            if start < last:
                following = words[start + 1]
                entries = node.after.get(following)
                if entries is None:
                    entries = node.following(language, following)
            else:
                entries = node.alone
            for rule, size, rest, kind in entries:
                end = start + size
                if rest:
                    if end > count:
                        continue
                    place = start + 1
                    for memo, rule_word in rest:
                        place += 1
                        word = words[place]
                        hit = memo.get(word)
                        if hit is None:
                            hit = memo[word] = rule_word.matches(word_keys(language, word))
                        if not hit:
                            break
                    else:
                        add[kind]((rule, start, end))
                else:
                    add[kind]((rule, start, end))
        return found

    def resolve(self, found: Found) -> tuple[list[Match], list[tuple[Rule, int]]]:
        """The rule matches of ``found`` that count, and each exclusion match with the
        rule matches it cancelled.

        A rule match counts when its conditions hold (a ``near`` term within reach, no
        ``unless`` term within reach), no exclusion of its theme overlaps it, and no
        longer match of its theme already covers it (longest first).
        """
        if not found.exclusions:
            return self._kept(found), []  # most texts
        positions = _Positions(found.context)
        exclusions: dict[str, list[tuple[int, int]]] = {}
        for rule, start, end in found.exclusions:
            exclusions.setdefault(rule.theme_id, []).append((start, end))
        starts = {theme: [s for s, _ in spans] for theme, spans in exclusions.items()}
        longest = {theme: max(e - s for s, e in spans) for theme, spans in exclusions.items()}
        cancelled: dict[tuple[str, int, int], int] = {}
        covered: dict[str, int] = {}  # theme -> end of the furthest match kept
        kept: list[Match] = []
        conditions = self._terms
        for match in found.rules:
            rule, start, end = match
            theme = rule.theme_id
            excluded = theme in exclusions
            if not excluded and start < covered.get(theme, -1):
                continue  # whatever its conditions say: it has no exclusion to count
            terms = conditions.get(rule)
            if terms is not None:
                near, unless = terms
                if rule.near and not positions.any_near(near, start, end, rule.within):
                    continue
                if rule.unless and positions.any_near(unless, start, end, rule.within):
                    continue
            if excluded:
                spans, first = exclusions[theme], starts[theme]
                low = bisect_left(first, start - longest[theme] + 1)
                overlaps = [s for s in spans[low : bisect_left(first, end)] if s[1] > start]
                if overlaps:
                    for s, e in overlaps:
                        cancelled[theme, s, e] = cancelled.get((theme, s, e), 0) + 1
                    continue
            if start < covered.get(theme, -1):
                continue
            covered[theme] = end
            kept.append(match)
        vetoes = [
            (rule, cancelled.get((rule.theme_id, start, end), 0))
            for rule, start, end in found.exclusions
        ]
        return kept, vetoes

    def _kept(self, found: Found) -> list[Match]:
        """:meth:`resolve`'s rule matches that count, for a text without exclusions: the
        same loop without what exclusions need."""
        positions = _Positions(found.context)
        covered: dict[str, int] = {}  # theme -> end of the furthest match kept
        kept: list[Match] = []
        conditions = self._terms
        for match in found.rules:
            rule, start, end = match
            theme = rule.theme_id
            if start < covered.get(theme, -1):
                continue
            terms = conditions.get(rule)
            if terms is not None:
                near, unless = terms
                if rule.near and not positions.any_near(near, start, end, rule.within):
                    continue
                if rule.unless and positions.any_near(unless, start, end, rule.within):
                    continue
            covered[theme] = end
            kept.append(match)
        return kept


def _kind(rule: Rule) -> int:
    return _EXCLUSION if rule.exclusion else _CONTEXT if rule.context else _RULE


def _terms(known: dict[tuple[Rule, ...], _Terms], rules: tuple[Rule, ...]) -> _Terms:
    """The :class:`_Terms` of ``rules``, one object for equal lists (``@ai`` of many rules)."""
    found = known.get(rules)
    if found is None:
        longest = max((len(rule.words) for rule in rules), default=0)
        found = known[rules] = _Terms(frozenset(rules), longest)
    return found


class _Positions:
    """Where the context terms matched in one text, for the ``near`` and ``unless`` checks:
    per list of terms, the places of any of them, made when a match first asks."""

    def __init__(self, context: list[Match]) -> None:
        self._context = context
        self._places: dict[_Terms, tuple[list[int], list[int]]] = {}

    def any_near(self, terms: _Terms, start: int, end: int, within: int) -> bool:
        """Whether a match of one of ``terms`` stands within ``within`` words of the
        words ``start`` to ``end``."""
        places = self._places.get(terms)
        if places is None:
            rules = terms.rules
            spans = [(s, e) for rule, s, e in self._context if rule in rules]
            places = self._places[terms] = ([s for s, _ in spans], [e for _, e in spans])
        begins, ends = places
        if not begins:
            return False
        # A span [s, e) is within reach when at most ``within`` words lie between:
        # s <= end + within and e >= start - within; e - s is at most ``terms.longest``.
        low = bisect_left(begins, start - within - terms.longest)
        high = bisect_right(begins, end + within)
        return low < high and max(ends[low:high]) >= start - within
