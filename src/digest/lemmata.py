"""simplemma's lemmatiser for the whole process, its dictionaries cached on disk as tries.

Why: simplemma 2 ships each language's dictionary as a compressed front-coded stream,
decoded in pure Python when a process first needs it: about 0.9 s and tens of megabytes
per language, paid again by every process that lemmatises (each ``digest build``, which
compiles the themes' rules, each of its parts workers, each test subprocess). Here the
dictionary is built once as a MARISA trie by simplemma's own
:class:`~simplemma.strategies.dictionaries.TrieDictionaryFactory` and saved (about 1.3 MB
a language); every later process loads the file in about a millisecond. The trie holds the
same words and lemmas, and the lemmatiser runs simplemma's default strategies over it, so
the lemmas are those of ``simplemma.lemmatize``.

Where: digest's cache folder (:func:`digest.caches.cache_root`: ``DIGEST_CACHE_DIR``, else
the user's cache folder), in a subfolder per simplemma version. A folder that cannot be made
or written, an unreadable cache file or a missing ``marisa_trie`` is no error: the
dictionary is then built in memory for this process, as it always was. A damaged cache file
is built again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import simplemma
from simplemma.strategies import DefaultStrategy
from simplemma.strategies.dictionaries.dictionary_factory import (
    DEFAULT_DICTIONARY_FACTORY,
    DictionaryFactory,
    MappingStrToByteString,
)
from simplemma.strategies.dictionaries.trie_dictionary_factory import (
    TrieDictionaryFactory,
    TrieWrapDict,
)

from digest.caches import cache_root

logger = logging.getLogger(__name__)

#: A direct lookup in a language's dictionary: the lemma of exactly this key, or None.
Lookup = Callable[[str], str | None]
#: The same lookup in the trie itself: the key's values (the lemma, UTF-8, first), or None.
TrieLookup = Callable[[str], list[bytes] | None]


def cache_folder() -> Path:
    """Where the tries of this simplemma version are kept."""
    return cache_root() / f"simplemma-{simplemma.__version__}"


class CachedTrieFactory(TrieDictionaryFactory):
    """simplemma's own :class:`TrieDictionaryFactory`, only made atomic and quiet.

    simplemma writes the trie file in place: another process loading it meanwhile (several
    builds, or a build's workers, start at once) could read half a file. Here it is written
    to a temporary file in the same folder and renamed over the target. A folder that
    cannot be written, or a cache file that can be neither read nor removed, leaves the
    trie in memory, without a warning: a cache never fails a build.

    Raises:
        ImportError: marisa_trie or platformdirs is not installed.
    """

    __slots__ = ("_folder",)

    def __init__(self, folder: Path) -> None:
        super().__init__(disk_cache_dir=str(folder))
        self._folder = folder

    def _write_trie_to_disk(self, lang: str, trie: Any) -> None:
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{lang}.", dir=self._folder)
            os.close(handle)
            try:
                trie.save(temporary)
                os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from other users
                os.replace(temporary, self._folder / f"{lang}.dic")
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except Exception as error:  # an OSError, or marisa's RuntimeError (disk full)
            logger.debug("dictionary %s not cached in %s: %s", lang, self._folder, error)

    def _get_dictionary_uncached(self, lang: str) -> Mapping[str, str]:
        try:
            return super()._get_dictionary_uncached(lang)
        except OSError:  # a damaged cache file that cannot be removed
            return TrieWrapDict(self._build_trie(lang))


def _factory() -> DictionaryFactory:
    """The trie factory on :func:`cache_folder`, else simplemma's default one."""
    try:
        return CachedTrieFactory(cache_folder())
    except ImportError:  # no marisa_trie or platformdirs: decoded in memory
        return DEFAULT_DICTIONARY_FACTORY


class _Lemmata:
    """The process's dictionary factory and the lemmatiser over it."""

    def __init__(self) -> None:
        self.factory = _factory()
        self.lemmatizer = self.new_lemmatizer()
        self.lookups: dict[str, Lookup | None] = {}
        self.tries: dict[str, TrieLookup | None] = {}

    def new_lemmatizer(self) -> simplemma.Lemmatizer:
        # What simplemma.lemmatize(word, lang) runs: the default strategies, not greedy,
        # lower case as the last resort.
        return simplemma.Lemmatizer(
            lemmatization_strategy=DefaultStrategy(dictionary_factory=self.factory)
        )


_STATE: _Lemmata | None = None
_LOCK = threading.Lock()


def _state() -> _Lemmata:
    global _STATE
    if _STATE is None:
        with _LOCK:
            if _STATE is None:
                _STATE = _Lemmata()
    return _STATE


def lemmatize(word: str, language: str) -> str:
    """``simplemma.lemmatize(word, lang=language)``, on the cached dictionaries.

    Raises:
        ValueError: simplemma has no data for ``language``.
    """
    return _state().lemmatizer.lemmatize(word, language)


def lookup(language: str) -> Lookup | None:
    """A direct lookup in simplemma's dictionary of ``language``, without its strategies
    (the word as given, the lemma as stored); None when simplemma has no data for it.
    """
    state = _state()
    if language not in state.lookups:
        try:
            dictionary = state.factory.get_dictionary(language)
        except ValueError:
            state.lookups[language] = None
        else:
            state.lookups[language] = _direct(dictionary)
    return state.lookups[language]


def trie_lookup(language: str) -> TrieLookup | None:
    """The ``get`` of the MARISA trie behind :func:`lookup`'s dictionary of ``language``
    (``found[0].decode()`` is :func:`lookup`'s lemma), None when the dictionary is not a
    trie (no marisa_trie) or simplemma has no data for ``language``. Compiled callers
    (digest.rank.text) call it directly: :func:`lookup`'s wrapper is a Python call per
    word, about a fifth of a new word's cost there.
    """
    state = _state()
    if language not in state.tries:
        try:
            dictionary = state.factory.get_dictionary(language)
        except ValueError:
            dictionary = None
        found: TrieLookup | None = None
        if isinstance(dictionary, TrieWrapDict):
            found = dictionary._trie.get  # a marisa_trie.BytesTrie
        state.tries[language] = found
    return state.tries[language]


def _direct(dictionary: Mapping[str, str]) -> Lookup:
    """A lookup in the trie or bytes dict behind simplemma's str view, which saves a
    Python call per word; the view's own ``get`` for another layout.
    """
    if isinstance(dictionary, MappingStrToByteString):
        get_bytes = dictionary._dict.get

        def in_dict(word: str) -> str | None:
            found = get_bytes(word.encode())
            return found.decode() if found is not None else None

        return in_dict
    if isinstance(dictionary, TrieWrapDict):
        get_values = dictionary._trie.get  # a marisa_trie.BytesTrie

        def in_trie(word: str) -> str | None:
            found = get_values(word)
            return found[0].decode() if found else None

        return in_trie
    return dictionary.get


def forget_lemmas() -> None:
    """Forget the lemmas the lemmatiser cached (benchmarks time a cold start); the
    dictionaries stay loaded.
    """
    state = _state()
    state.lemmatizer = state.new_lemmatizer()
