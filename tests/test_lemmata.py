"""simplemma's dictionaries cached as tries (digest.lemmata): a later process loads the file,
an unusable folder or a damaged file changes no lemma, a file is never half written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import simplemma
from simplemma.strategies import DefaultStrategy

from digest import lemmata
from digest.lemmata import CachedTrieFactory

WORDS = {
    "fr": "administrations publiques étaient algorithmes l'intelligence Liège données "
    "aujourd'hui porte-parole xyzzyque",
    "nl": "gemeenten politiezone gebruikte persoonsgegevens verkeerslichten Gent xyzzyheid",
    "en": "administrations were running algorithms Brussels data-driven xyzzying",
    "de": "Verwaltungen wurden Algorithmen Bürgerinnen Datenschutz-Grundverordnung xyzzyung",
}

LEMMAS_SCRIPT = """
import sys
from digest.rank.text import lemmas
from digest.themes.matching import word_keys
print(lemmas("Les administrations publiques étaient informées", "fr"))
print(word_keys("fr", "algorithmes"))
"""


def simplemma_lemmas(language: str) -> list[str]:
    """What simplemma itself (its dictionaries decoded in memory) says."""
    return [simplemma.lemmatize(w, lang=language) for w in WORDS[language].split()]


def factory_lemmas(factory: CachedTrieFactory, language: str) -> list[str]:
    """The same words through simplemma's default strategies over ``factory``."""
    lemmatizer = simplemma.Lemmatizer(
        lemmatization_strategy=DefaultStrategy(dictionary_factory=factory)
    )
    return [lemmatizer.lemmatize(w, language) for w in WORDS[language].split()]


def no_build(self: CachedTrieFactory, lang: str) -> None:
    raise AssertionError(f"the {lang} trie was built, not loaded from the cache")


def run_python(script: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DIGEST_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )


# German too, but its dictionary takes ten seconds to build here.
@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_a_fresh_factory_loads_the_file_and_lemmatises_as_simplemma(
    language: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert factory_lemmas(CachedTrieFactory(tmp_path), language) == simplemma_lemmas(language)
    assert (tmp_path / f"{language}.dic").is_file()
    monkeypatch.setattr(CachedTrieFactory, "_build_trie", no_build)
    assert factory_lemmas(CachedTrieFactory(tmp_path), language) == simplemma_lemmas(language)


def test_a_second_process_loads_the_cache_file(tmp_path: Path) -> None:
    first = run_python(LEMMAS_SCRIPT, tmp_path)
    assert first.returncode == 0, first.stderr
    cached = tmp_path / f"simplemma-{simplemma.__version__}" / "fr.dic"
    written = cached.stat()
    # The second process may not build the trie: it must find the file.
    forbid = (
        "from digest.lemmata import CachedTrieFactory\n"
        "def no_build(self, lang):\n"
        "    raise SystemExit('built ' + lang)\n"
        "CachedTrieFactory._build_trie = no_build\n"
    )
    second = run_python(forbid + LEMMAS_SCRIPT, tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    assert "'administration', 'public'" in first.stdout
    assert (cached.stat().st_ino, cached.stat().st_mtime_ns) == (
        written.st_ino,
        written.st_mtime_ns,
    )
    assert sorted(p.name for p in cached.parent.iterdir()) == ["fr.dic"]  # no temporary left


def test_a_folder_that_cannot_be_made_is_no_error(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder\n")
    factory = CachedTrieFactory(blocked / "cache")
    assert factory_lemmas(factory, "fr") == simplemma_lemmas("fr")
    # The whole program, quietly: the same lemmas as with a usable folder, nothing on stderr.
    usable = run_python(LEMMAS_SCRIPT, tmp_path / "usable")
    unusable = run_python(LEMMAS_SCRIPT, blocked / "cache")
    assert unusable.returncode == 0, unusable.stderr
    assert (unusable.stdout, unusable.stderr) == (usable.stdout, "")
    assert blocked.read_text() == "not a folder\n"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_damaged_cache_file_is_built_again(
    damage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    CachedTrieFactory(tmp_path).get_dictionary("en")
    cached = tmp_path / "en.dic"
    whole = cached.read_bytes()
    cached.write_bytes(
        {"garbage": b"\x00not a trie" * 100, "truncated": whole[: len(whole) // 2], "empty": b""}[
            damage
        ]
    )
    assert factory_lemmas(CachedTrieFactory(tmp_path), "en") == simplemma_lemmas("en")
    assert cached.read_bytes() == whole
    monkeypatch.setattr(CachedTrieFactory, "_build_trie", no_build)
    assert factory_lemmas(CachedTrieFactory(tmp_path), "en") == simplemma_lemmas("en")


def test_a_cache_file_that_can_be_neither_read_nor_removed_is_no_error(tmp_path: Path) -> None:
    (tmp_path / "en.dic" / "inside").mkdir(parents=True)  # a folder where the file should be
    assert factory_lemmas(CachedTrieFactory(tmp_path), "en") == simplemma_lemmas("en")
    assert (tmp_path / "en.dic" / "inside").is_dir()


class HalfWritten:
    """A trie whose saving stops halfway (a full disk)."""

    def save(self, path: str) -> None:
        Path(path).write_bytes(b"We love Marisa.")
        raise RuntimeError("MARISA_IO_ERROR: disk full")


class Watched:
    """A trie whose saving looks at the folder while it writes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.saved_to: Path | None = None

    def save(self, path: str) -> None:
        self.saved_to = Path(path)
        assert not (self.folder / "de.dic").exists()  # nobody can load a half file
        self.saved_to.write_bytes(b"the whole trie")


def test_the_file_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    factory = CachedTrieFactory(tmp_path)
    factory._write_trie_to_disk("de", HalfWritten())  # a cache never fails a build
    assert list(tmp_path.iterdir()) == []
    watched = Watched(tmp_path)
    factory._write_trie_to_disk("de", watched)
    assert watched.saved_to is not None and watched.saved_to.parent == tmp_path
    assert [p.name for p in tmp_path.iterdir()] == ["de.dic"]
    assert (tmp_path / "de.dic").read_bytes() == b"the whole trie"


def test_the_folder_is_per_simplemma_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGEST_CACHE_DIR", str(tmp_path))
    assert lemmata.cache_folder() == tmp_path / f"simplemma-{simplemma.__version__}"


def test_the_trie_lookup_is_the_lookup_without_its_wrapper() -> None:
    trie, lookup = lemmata.trie_lookup("fr"), lemmata.lookup("fr")
    assert trie is not None and lookup is not None  # marisa_trie is installed here
    for word in [*WORDS["fr"].split(), "chevaux", "Paris", "xyzzyque"]:
        values = trie(word)
        assert (values[0].decode() if values else None) == lookup(word)
    assert lemmata.trie_lookup("xx") is None
