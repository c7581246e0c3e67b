"""What clustering needs of one item alone: its :class:`Traits`, computed once and kept
with the item (:mod:`digest.parts`), so that an edition reads them instead of shingling,
hashing and lemmatising its items again."""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from digest.model import Item

# numpy, datasketch (which imports scipy: about a second) and the lemmatiser (simplemma:
# most of a second) are imported where they are used: every command imports this module
# (through digest.parts), and most runs compute no traits.
if TYPE_CHECKING:
    from typing import TypeAlias

    import numpy as np
    import numpy.typing as npt

    from digest.parts.words import ItemWords

    _Words: TypeAlias = npt.NDArray[np.uint32]

#: MinHash permutations of a signature.
PERMUTATIONS = 64

_WORD = re.compile(r"\w+")
# A number: digits with decimal or thousands marks ("5.000", "3,5", "1,000.5"), or groups
# of three digits after a space or a (narrow) no-break space ("14 000"); a comma or a space
# followed by anything else ends it ("en 2026, 14 millions" is two numbers).
# That is ``\b([A-ZÀ-Ý][\w’'-]+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)*)``,
# written to start with one character class, which the regex engine scans for at C speed
# (a third less time on this project's texts): the \b after the first character (a word
# character but "×", which follows one), the rest chosen by that first character.
_ANCHOR = re.compile(
    r"[A-ZÀ-Ý\d](?:(?<!\w.)(?<!×)|(?<=\w×))"
    r"(?:(?<=[A-ZÀ-Ý])[\w’'-]+"
    r"|(?<=\d)(?:\d{0,2}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d*(?:[.,]\d+)*))"
)
#: What a number's digits are kept without.
_NUMBER_MARKS = str.maketrans("", "", ". ,\u00a0\u202f")
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


def traits(items: Sequence[Item], words: Sequence[ItemWords] | None = None) -> list[Traits]:
    """The :class:`Traits` of each of ``items``.

    ``words``: each item's words (:func:`digest.parts.words.item_words`), when the caller
    has them (they are found here otherwise).
    """
    if not items:
        return []  # nothing imported: an edition whose items all have traits
    if words is None:
        from digest.parts.words import item_words

        words = [item_words(item) for item in items]
    signatures = _signatures([_shingles(each.words) for each in words])
    found = []
    for item, each, signature in zip(items, words, signatures, strict=True):
        found.append(Traits(signature, frozenset(anchors(item)), each.lemmas, each.counts))
    return found


def _shingles(words: Sequence[str]) -> list[bytes]:
    """The 3-shingles of ``words`` (a text's case-folded words; one shingle of fewer words
    when there are fewer than three), as datasketch hashes them; repeats left in (they
    change no minimum)."""
    if len(words) < 3:
        return [" ".join(words).encode()]
    # Words are made of \w characters: none holds a newline. A shingle's bytes are its
    # words' bytes joined by a space (UTF-8 encodes a string piece by piece).
    encoded = "\n".join(words).encode().split(b"\n")
    return list(map(b" ".join, zip(encoded, encoded[1:], encoded[2:], strict=False)))


def _signatures(shingles: Sequence[Sequence[bytes]]) -> list[tuple[int, ...]]:
    """The MinHash signature of each set of shingles: datasketch's ``MinHash.bulk``
    values, computed as its default scheme does (SHA-1's first four bytes, MurmurHash3's
    finaliser, affine permutations on 32 bits) without a MinHash object per set."""
    permutations = _permutations()
    if permutations is None:
        return signatures_by_datasketch(shingles)
    import numpy as np

    a, b = permutations
    # One row per permutation, one column per shingle: each row's minimum is read along
    # memory, several times faster on a long text than a column's.
    shift = b[:, None]
    found = []
    sha1, digest = _sha1_of()
    for each in shingles:
        # map() of the constructor and of the unbound digest method: no Python frame per
        # shingle (a list comprehension's loop costs about a tenth of the hashing).
        digests = b"".join(map(digest, map(sha1, each)))
        # A SHA-1 digest is five 32-bit words; datasketch's sha1_hash32 is the first,
        # read little-endian. (One set at a time: the arrays of several, 64 values per
        # shingle, would outgrow the processor's caches and take longer.)
        hashed = np.frombuffer(digests, dtype="<u4")[::5].astype(np.uint32)
        values = np.multiply.outer(a, _fmix32(hashed))
        values += shift
        found.append(tuple(values.min(axis=1).tolist()))
    return found


@cache
def _sha1_of() -> tuple[Callable[[bytes], Any], Callable[[Any], bytes]]:
    """SHA-1 for many short strings, and the digest method of its hash objects: CPython's
    own implementation (module ``_sha1``) when it is built in, which sets up in less time
    per string than OpenSSL's (the same digests)."""
    try:
        sha1 = cast("Callable[[bytes], Any]", importlib.import_module("_sha1").sha1)
    except ImportError:
        sha1 = hashlib.sha1
    return sha1, cast("Callable[[Any], bytes]", type(sha1(b"")).digest)


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
    _sha1_of()


@cache
def _permutations() -> tuple[_Words, _Words] | None:
    """The parameters of datasketch's permutations, when its MinHash is of the scheme
    :func:`_signatures` computes (None: another version's, computed by datasketch).

    They are kept in digest's cache folder (:mod:`digest.caches`) per datasketch version:
    importing datasketch imports scipy (about a second), paid otherwise by every process
    that computes traits."""
    import numpy as np

    cached = _cached_permutations()
    if cached is not None:
        return cached
    from datasketch import MinHash
    from datasketch.hashfunc import sha1_hash32

    sketch = MinHash(num_perm=PERMUTATIONS)
    if getattr(sketch, "scheme", None) != "affine32" or sketch.hashfunc is not sha1_hash32:
        return None
    a, b = (np.asarray(p, dtype=np.uint32) for p in sketch.permutations)
    _keep_permutations(a, b)
    return a, b


def _permutations_file() -> Path | None:
    """Where datasketch's permutations of this version are kept (None: no cache folder)."""
    from importlib.metadata import PackageNotFoundError, version

    from digest.caches import cache_root

    try:
        folder = cache_root() / f"datasketch-{version('datasketch')}"
    except (ImportError, PackageNotFoundError):
        return None
    return folder / f"affine32-{PERMUTATIONS}.json"


def _cached_permutations() -> tuple[_Words, _Words] | None:
    import numpy as np

    path = _permutations_file()
    if path is None:
        return None
    try:
        found = json.loads(path.read_bytes())
        a, b = (np.asarray(found[key], dtype=np.uint32) for key in ("a", "b"))
    except (OSError, ValueError, TypeError, KeyError, OverflowError):
        return None  # none yet, or damaged: made again by datasketch
    if a.shape != (PERMUTATIONS,) or b.shape != (PERMUTATIONS,) or not all(a & 1):
        return None
    return a, b


def _keep_permutations(a: _Words, b: _Words) -> None:
    """Write the permutations down (a temporary file renamed over the target: another
    process never reads half of it); a folder that cannot be written is no error."""
    path = _permutations_file()
    if path is None:
        return
    data = json.dumps({"a": a.tolist(), "b": b.tolist()}).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(name, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(name)


def _fmix32(values: _Words) -> _Words:
    """MurmurHash3's 32-bit finaliser (arrays wrap around: the products are mod 2**32)."""
    import numpy as np

    # In place after the first step (a new array): fewer arrays made.
    mixed: _Words = values ^ (values >> np.uint32(16))
    mixed *= np.uint32(0x85EBCA6B)
    mixed ^= mixed >> np.uint32(13)
    mixed *= np.uint32(0xC2B2AE35)
    mixed ^= mixed >> np.uint32(16)
    return mixed


def anchors(item: Item) -> set[str]:
    """Numbers and proper names of an item, folded (no accents, lower case, no separators).

    A capitalised word counts as a name when it occurs somewhere other than at the
    start of a sentence and never in lower case in the item.
    """
    both = f"{item.title} {item.text}"
    # Each capitalised token found: the name it is (possessive taken off), or "" when
    # that name is also a word of the item in lower case.
    seen: dict[str, str] = {}
    numbers: set[str] = set()
    names: set[str] = set()
    mid_sentence: set[str] = set()
    known, add_name, openers, ends = seen.get, names.add, _OPENERS, _SENTENCE_ENDS
    for text in (item.title, item.text):
        for match in _ANCHOR.finditer(text):
            token = match[0]
            if token[0].isdigit():
                # Only digits, spaces and marks: the marks and spaces taken off.
                digits = token.translate(_NUMBER_MARKS)
                if len(digits) >= 2:
                    numbers.add(digits)
                continue
            name = known(token)
            if name is None:
                # The token holds no line break: "$" is its end.
                name = token[:-2] if token.endswith(("'s", "’s")) else token
                if _is_word(name.lower(), both):
                    name = ""
                seen[token] = name
            if not name:
                continue
            add_name(name)
            if name in mid_sentence:
                continue
            # Mid-sentence: the text before it, without spaces, quotes and brackets,
            # ends with no sentence end (and is not empty).
            at = match.start() - 1
            while at >= 0 and text[at] in openers:
                at -= 1
            if at >= 0 and text[at] not in ends:
                mid_sentence.add(name)
    return numbers | {_fold(name) for name in names & mid_sentence}


def _is_word(word: str, text: str) -> bool:
    """Whether ``word`` is one of the words (``\\w+`` runs) of ``text``: found in it with
    no word character on either side. Cheaper than finding every word of the text."""
    at = text.find(word)
    if at < 0 or _WORD.fullmatch(word) is None:
        return False
    size, last = len(word), len(text)
    while at >= 0:
        end = at + size
        # A character is a \w one when it is alphanumeric (str.isalnum(), as the regex
        # module's Unicode word class) or "_": tested without a regex call.
        if (at == 0 or not ((c := text[at - 1]).isalnum() or c == "_")) and (
            end == last or not ((c := text[end]).isalnum() or c == "_")
        ):
            return True
        # A match overlapping this one starts after one of its own (word) characters: the
        # next candidate is past its end.
        at = text.find(word, end)
    return False


@lru_cache(maxsize=1 << 16)
def _fold(token: str) -> str:
    # Cached: the same names come back item after item.
    decomposed = unicodedata.normalize("NFKD", token.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
