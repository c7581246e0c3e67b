"""Each item's parts: computed from the item alone, written down compactly, read back.

A part is a pure function of the item's language, title and text and of the code and
settings named by its version (:mod:`digest.parts.versions`): its key point (with the
lemma bag that measures its redundancy), what the taxonomy's rules found in it
(:meth:`digest.themes.Classifier.matched`) and its clustering traits
(:class:`digest.cluster.Traits`, with the lemma counts of its title and text that the
same-event vectors are made of). The written form is compact JSON (the traits: fields
separated by tabs, quicker to read), the same bytes for the same parts.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from binascii import a2b_base64, b2a_base64
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from digest.cluster import PERMUTATIONS, Traits, traits
from digest.model import Item
from digest.parts.table import PARTS
from digest.parts.words import ItemWords, item_words
from digest.schema import content_key as schema_content_key
from digest.summarise import key_point, lemmas
from digest.themes import Classifier, Matched, item_text
from digest.themes.classifier import Where
from digest.themes.matching import Rule


@dataclass(frozen=True)
class Point:
    """An item's key point, as an edition shows it (see :func:`digest.summarise.key_point`)."""

    text: str
    score: float
    #: The source's whole sentences when the text shown leaves some of them out, else ().
    full: tuple[str, ...]
    #: Lemma counts of its title and text, in the order first found (redundancy).
    bag: tuple[tuple[str, int], ...]

    def counter(self) -> Counter[str]:
        """The lemma bag as a :class:`Counter`, in its order."""
        return Counter(dict(self.bag))


@dataclass(frozen=True)
class ItemParts:
    """The parts of one item; None where a part is not known (computed when needed)."""

    point: Point | None = None
    matched: Matched | None = None
    traits: Traits | None = None


def content_key(item: Item) -> str:
    """Hash of what the parts are made from: the item's language, title and text (the key
    stored with its row of ``items``, :func:`digest.schema.content_key`)."""
    return schema_content_key(item.language, item.title, item.text)


def bag_of(title: str, text: str, language: str) -> tuple[tuple[str, int], ...]:
    """The lemma bag of a key point (title and text), as :func:`digest.edition.pick` counts."""
    return tuple(Counter(lemmas(f"{title}. {text}", language)).items())


def point_of(item: Item, sentences: int, compression: bool) -> Point:
    """The key point of ``item``: ``sentences`` at most, compressed or not."""
    found = key_point(item.title, item.text, item.language, sentences, compression=compression)
    full = found.full if found.shortened else ()
    return Point(found.text, found.score, full, bag_of(item.title, found.text, item.language))


class Analyser:
    """Computes, writes down and reads back the parts of items, for one classifier and
    one key point length and compression."""

    def __init__(self, classifier: Classifier, sentences: int, compression: bool) -> None:
        self.classifier = classifier
        self.sentences = sentences
        self.compression = compression
        self._rules: dict[str, tuple[Sequence[Rule], dict[Rule, int]]] = {}

    def point(self, item: Item) -> Point:
        """The item's key point."""
        return point_of(item, self.sentences, self.compression)

    def matched(self, item: Item, words: ItemWords | None = None) -> Matched:
        """What the taxonomy's rules found in the item (``words``: its words, when the
        caller has them)."""
        if words is None:
            return self.classifier.matched(item_text(item))
        return self.classifier.matched(item_text(item), (words.title, words.body))

    def parts(self, items: Sequence[Item]) -> list[ItemParts]:
        """Every part of each of ``items`` (:meth:`item_parts`)."""
        return [self.item_parts(item) for item in items]

    def item_parts(self, item: Item, wanted: Collection[str] = PARTS) -> ItemParts:
        """The ``wanted`` parts of ``item`` (of ``"points"``, ``"themes"``, ``"traits"``,
        as :data:`digest.parts.table.PARTS` names them; the others None), its words found
        once when its theme matches and traits are both wanted."""
        both = "themes" in wanted and "traits" in wanted
        words = item_words(item) if both else None
        point = self.point(item) if "points" in wanted else None
        matched = self.matched(item, words) if "themes" in wanted else None
        found = None
        if "traits" in wanted:
            found = traits([item], None if words is None else [words])[0]
        return ItemParts(point, matched, found)

    # Written form.

    def write_point(self, point: Point) -> str:
        # Tuples are written as JSON arrays, as lists are.
        return _json([point.text, point.score, point.full, point.bag])

    def read_point(self, text: str) -> Point:
        shown, score, full, bag = json.loads(text)
        return Point(shown, float(score), tuple(full), tuple((w, int(n)) for w, n in bag))

    def write_matched(self, language: str, matched: Matched) -> str | None:
        """None when a rule cannot be named (the part is then computed when needed)."""
        _rules, places = self._index(language)
        slots = []
        for rule, _lang, where, count, cancelled in matched.slots:
            place = places.get(rule)
            if place is None:
                return None
            slots.append([place, 0 if where == "title" else 1, count, cancelled])
        return _json([matched.words, slots])

    def read_matched(self, language: str, text: str) -> Matched | None:
        rules, _places = self._index(language)
        words, slots = json.loads(text)
        found: list[tuple[Rule, str, Where, int, int]] = []
        for place, where, count, cancelled in slots:
            if place >= len(rules):
                return None
            found.append((rules[place], language, _WHERE[where], int(count), int(cancelled)))
        return Matched(int(words), tuple(found))

    def write_traits(self, found: Traits) -> str:
        """The traits as four fields separated by tabs (:func:`_traits_fields`), or as
        JSON when a word or anchor holds a tab or line break."""
        fields = _traits_fields(found)
        if fields is not None:
            return "\t".join(fields)
        return _json([_b64(_signature_bytes(found)), sorted(found.anchors), _json_bag(found)])

    def read_traits(self, text: str) -> Traits | None:
        """The traits written by :meth:`write_traits` (None: written in another form, or
        damaged; they are then computed when needed)."""
        try:
            if text.startswith("["):
                return _json_traits(text)
            fields = text.split("\t")
            if len(fields) != 4:
                return None
            signature, counts, anchors, words = fields
            values = _signature_values(a2b_base64(signature, strict_mode=True))
            if counts.startswith("*"):
                raw = a2b_base64(counts[1:], strict_mode=True)
                number = len(raw) // 4
                counted: tuple[int, ...] = struct.unpack(f"<{number}I", raw[: 4 * number])
            else:
                counted = tuple(a2b_base64(counts, strict_mode=True))
        except (ValueError, TypeError, struct.error, zlib.error):
            return None
        # A field of n lines holds n values: an empty field, none, or one empty line.
        found = tuple(words.split("\n")) if counted else ()
        if values is None or len(found) != len(counted):
            return None
        return Traits(values, frozenset(anchors.split("\n") if anchors else ()), found, counted)

    def _index(self, language: str) -> tuple[Sequence[Rule], dict[Rule, int]]:
        found = self._rules.get(language)
        if found is None:
            rules, places = self.classifier.rule_index(language)
            found = self._rules[language] = (rules, dict(places))
        return found


_WHERE: tuple[Where, Where] = ("title", "body")


def _traits_fields(found: Traits) -> tuple[str, str, str, str] | None:
    """The written form of traits, cheaper to read than JSON (an edition reads the traits
    of every item of its period and window): the signature packed little-endian in
    base64; the lemma counts, one byte each in base64 (``*`` and 32-bit values when one
    is above 255); the anchors, sorted, one a line; the lemmas one a line, in order.
    None when a word or anchor holds a tab or a line break, or an anchor is empty
    (a line could not tell it apart)."""
    anchors = sorted(found.anchors)
    lines = "\n".join(anchors)
    words = "\n".join(found.words)
    if (
        "\t" in lines
        or "\t" in words
        or lines.count("\n") != max(len(anchors) - 1, 0)
        or words.count("\n") != max(len(found.words) - 1, 0)
        or "" in found.anchors
    ):
        return None
    try:
        counts = _b64(bytes(found.counts))
    except ValueError:  # a count above 255
        counts = "*" + _b64(struct.pack(f"<{len(found.counts)}I", *found.counts))
    return _b64(_signature_bytes(found)), counts, lines, words


def _signature_bytes(found: Traits) -> bytes:
    # The signature's values are 32-bit (datasketch's default scheme).
    if any(value >> 32 for value in found.signature):
        return struct.pack(f"<{len(found.signature)}Q", *found.signature)
    return _SIGNATURE.pack(*found.signature)


def _signature_values(raw: bytes) -> tuple[int, ...] | None:
    if len(raw) == 4 * PERMUTATIONS:
        values: tuple[int, ...] = _SIGNATURE.unpack(raw)
        return values
    if len(raw) == 8 * PERMUTATIONS:
        return struct.unpack(f"<{PERMUTATIONS}Q", raw)
    return None


_SIGNATURE = struct.Struct(f"<{PERMUTATIONS}I")


def _json_bag(found: Traits) -> list[Any]:
    return [list(found.words), list(found.counts)]


def _json_traits(text: str) -> Traits | None:
    """Traits written as JSON: those :meth:`Analyser.write_traits` cannot write in fields,
    and those of the version before (their lemma counts compressed)."""
    found = json.loads(text)
    if len(found) != 3:
        return None  # written by an older version
    signature, anchors, bag = found
    values = _signature_values(base64.b64decode(signature))
    if values is None:
        return None
    words, counts = _read_bag(bag)
    if len(words) != len(counts):
        return None
    return Traits(values, frozenset(anchors), words, counts)


def _read_bag(bag: str | list[Any]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    if isinstance(bag, list):
        return tuple(bag[0]), tuple(int(n) for n in bag[1])
    # The version before wrote the counts compressed: their number, the counts as
    # 32-bit values, the words one a line.
    data = zlib.decompress(base64.b64decode(bag))
    (count,) = struct.unpack_from("<I", data)
    counts = struct.unpack_from(f"<{count}I", data, 4)
    words = data[4 * count + 4 :].decode().split("\n") if count else []
    return tuple(words), counts


def _b64(data: bytes) -> str:
    return b2a_base64(data, newline=False).decode("ascii")


#: What json.dumps(value, ensure_ascii=False, separators=(",", ":")) makes an encoder for
#: at every call: one, kept (an encoder holds no state between calls). The values written
#: hold no cycle: not checked for (the same text, without a dict entry per list written).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def _json(value: Any) -> str:
    return _ENCODER.encode(value)
