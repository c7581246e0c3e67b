"""What clustering needs of one item alone: its :class:`Traits`, computed once and kept
with the item (:mod:`digest.parts`), so that an edition reads them instead of shingling,
hashing and lemmatising its items again."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from digest.model import Item

# numpy, datasketch (which imports scipy: about a second) and the lemmatiser (simplemma:
# most of a second) are imported where they are used: every command imports this module
# (through digest.parts), and most runs compute no traits.
if TYPE_CHECKING:
    from typing import TypeAlias

    import numpy as np
    import numpy.typing as npt

    _Words: TypeAlias = npt.NDArray[np.uint32]

#: MinHash permutations of a signature.
PERMUTATIONS = 64

_WORD = re.compile(r"\w+")
# A number: digits with decimal or thousands marks ("5.000", "3,5", "1,000.5"), or groups
# of three digits after a space or a (narrow) no-break space ("14 000"); a comma or a space
# followed by anything else ends it ("en 2026, 14 millions" is two numbers).
_ANCHOR = re.compile(r"\b([A-ZÀ-Ý][\w’'-]+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)*)")
_NUMBER_MARKS = re.compile(r"[.,\s]")
_POSSESSIVE = re.compile(r"['’]s$")
#: What may stand between a sentence's end and its first word.
_OPENERS = frozenset(" \"'«“(")
_SENTENCE_ENDS = frozenset(".!?:\n")


@dataclass(frozen=True)
class Traits:
    """What clustering needs of one item alone, computed once and kept with it
    (:mod:`digest.parts`)."""

    #: The MinHash values of its word 3-shingles (:data:`PERMUTATIONS` of them), as
    #: datasketch's ``MinHash.bulk`` gives them.
    signature: tuple[int, ...]
    #: Its numbers and proper names (:func:`anchors`).
    anchors: frozenset[str]
    #: The lemmas of its title and text (:func:`digest.rank.text.lemmas`), each once, in
    #: the order first found: the words of its same-event vector.
    words: tuple[str, ...]
    #: How many times each of :attr:`words` is found.
    counts: tuple[int, ...]


def traits(items: Sequence[Item]) -> list[Traits]:
    """The :class:`Traits` of each of ``items``."""
    if not items:
        return []  # nothing imported: an edition whose items all have traits
    from digest.rank.text import lemmas

    texts = [f"{item.title} {item.text}" for item in items]
    signatures = _signatures([_shingles(text) for text in texts])
    found = []
    for item, text, signature in zip(items, texts, signatures, strict=True):
        bag = Counter(lemmas(text, item.language))
        found.append(Traits(signature, frozenset(anchors(item)), tuple(bag), tuple(bag.values())))
    return found


def _shingles(text: str) -> list[bytes]:
    """The word 3-shingles of ``text`` (one of fewer words when it has fewer than three),
    as datasketch hashes them; repeats left in (they change no minimum)."""
    words = _WORD.findall(text.casefold())
    if len(words) < 3:
        return [" ".join(words).encode()]
    shingles = map(" ".join, zip(words, words[1:], words[2:], strict=False))
    # Words are made of \w characters: no shingle holds a newline.
    return "\n".join(shingles).encode().split(b"\n")


def _signatures(shingles: Sequence[Sequence[bytes]]) -> list[tuple[int, ...]]:
    """The MinHash signature of each set of shingles: datasketch's ``MinHash.bulk``
    values, computed as its default scheme does (SHA-1's first four bytes, MurmurHash3's
    finaliser, affine permutations on 32 bits) without a MinHash object per set."""
    permutations = _permutations()
    if permutations is None:
        return signatures_by_datasketch(shingles)
    import numpy as np

    a, b = permutations
    found = []
    sha1 = hashlib.sha1
    for each in shingles:
        digests = b"".join([sha1(s).digest() for s in each])
        # A SHA-1 digest is five 32-bit words; datasketch's sha1_hash32 is the first,
        # read little-endian.
        hashed = np.frombuffer(digests, dtype="<u4")[::5].astype(np.uint32)
        values = _fmix32(hashed)[:, None] * a + b
        found.append(tuple(values.min(axis=0).tolist()))
    return found


def signatures_by_datasketch(shingles: Sequence[Sequence[bytes]]) -> list[tuple[int, ...]]:
    """The MinHash signature of each set of shingles by datasketch's ``MinHash.bulk``
    (what :func:`_signatures` computes faster with datasketch's default scheme)."""
    from datasketch import MinHash

    hashes = MinHash.bulk([set(each) for each in shingles], num_perm=PERMUTATIONS)
    return [tuple(int(v) for v in h.hashvalues) for h in hashes]


def warm() -> None:
    """Import and set up now what computing traits needs (datasketch's permutations):
    before forking worker processes, so that each does not do it again."""
    _permutations()


@cache
def _permutations() -> tuple[_Words, _Words] | None:
    """The parameters of datasketch's permutations, when its MinHash is of the scheme
    :func:`_signatures` computes (None: another version's, computed by datasketch)."""
    import numpy as np
    from datasketch import MinHash
    from datasketch.hashfunc import sha1_hash32

    sketch = MinHash(num_perm=PERMUTATIONS)
    if getattr(sketch, "scheme", None) != "affine32" or sketch.hashfunc is not sha1_hash32:
        return None
    a, b = (np.asarray(p, dtype=np.uint32) for p in sketch.permutations)
    return a, b


def _fmix32(values: _Words) -> _Words:
    """MurmurHash3's 32-bit finaliser (arrays wrap around: the products are mod 2**32)."""
    import numpy as np

    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    mixed: _Words = values ^ (values >> np.uint32(16))
    return mixed


def anchors(item: Item) -> set[str]:
    """Numbers and proper names of an item, folded (no accents, lower case, no separators).

    A capitalised word counts as a name when it occurs somewhere other than at the
    start of a sentence and never in lower case in the item.
    """
    lower_words = set(_WORD.findall(f"{item.title} {item.text}"))
    numbers: set[str] = set()
    names: set[str] = set()
    mid_sentence: set[str] = set()
    for text in (item.title, item.text):
        for match in _ANCHOR.finditer(text):
            token = match.group(1)
            if token[0].isdigit():
                digits = _NUMBER_MARKS.sub("", token)
                if len(digits) >= 2:
                    numbers.add(digits)
                continue
            token = _POSSESSIVE.sub("", token)
            if token.lower() in lower_words:
                continue
            names.add(token)
            if token in mid_sentence:
                continue
            # Mid-sentence: the text before it, without spaces, quotes and brackets,
            # ends with no sentence end (and is not empty).
            at = match.start() - 1
            while at >= 0 and text[at] in _OPENERS:
                at -= 1
            if at >= 0 and text[at] not in _SENTENCE_ENDS:
                mid_sentence.add(token)
    return numbers | {_fold(name) for name in names & mid_sentence}


@lru_cache(maxsize=1 << 16)
def _fold(token: str) -> str:
    # Cached: the same names come back item after item.
    decomposed = unicodedata.normalize("NFKD", token.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
