"""Translations: the memory and its XLIFF round trip, the chain, the machine backends
(LibreTranslate over a real local server, a tiny Argos package built here), the edition
stage, and the sample tree's reviewed translations."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from digest.build import build
from digest.cli import main
from digest.config import load_settings
from digest.errors import ConfigError
from digest.model import Edition, KeyPoint, Period, Problem, Section, Story, Theme
from digest.store import Store
from digest.translate import (
    Chain,
    TranslationError,
    TranslationMemory,
    export_missing,
    import_xliff,
    open_chain,
    translate_edition,
    unit_id,
)
from digest.translate.argos import ArgosModels
from digest.translate.libre import LibreTranslate
from digest.translate.xliff import Unit, read_xliff, write_xliff
from tests.conftest import copy_sample_tree

DATA = Path(__file__).resolve().parent / "data" / "translate"
BAD = json.loads((DATA / "bad.expected.json").read_text(encoding="utf-8"))


def digest(tree: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--config", str(tree / "digest.toml")])


# --- named doubles ---------------------------------------------------------------------


class Fixed:
    """A backend that knows a few answers and records what it was asked.

    An answer is keyed by the text, or by ``"<target>:<text>"`` for one language only.
    """

    location = "fixed://"

    def __init__(self, name: str, answers: dict[str, str]) -> None:
        self.name = name
        self.answers = answers
        self.asked: list[tuple[str, str, str]] = []

    def translate(self, text: str, source: str, target: str) -> str | None:
        self.asked.append((text, source, target))
        return self.answers.get(f"{target}:{text}", self.answers.get(text))

    def close(self) -> None:
        pass


class Failing(Fixed):
    """A backend whose every call fails, as a server that is down."""

    location = "failing://"

    def translate(self, text: str, source: str, target: str) -> str | None:
        self.asked.append((text, source, target))
        raise TranslationError(self.location, "connection refused")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(f"sqlite:///{tmp_path}/store.sqlite3")
    yield opened
    opened.close()


# --- memory and XLIFF ------------------------------------------------------------------


def test_unit_id_depends_on_language_and_text_not_on_spacing() -> None:
    assert unit_id("fr", "Le  Benelux\n explore") == unit_id("fr", "Le Benelux explore")
    assert unit_id("fr", "Benelux") != unit_id("nl", "Benelux")
    assert unit_id("fr", "Benelux").startswith("fr-")


def test_xliff_written_is_xliff_read() -> None:
    units = [
        Unit(unit_id("nl", "Twee"), "nl", "fr", "Twee", note="title of b"),
        Unit(
            unit_id("fr", "Un"),
            "fr",
            "nl",
            "Un",
            target="Een",
            suggestion="Eén",
            suggestion_origin="argos",
        ),
    ]
    data = write_xliff(units)
    assert data == write_xliff(reversed(units))  # same units, same bytes
    assert b'<alt-trans origin="argos">' in data
    read = read_xliff(data, "x.xlf")
    assert [(u.id, u.source_language, u.target_language, u.source, u.target) for u in read] == [
        (unit_id("fr", "Un"), "fr", "nl", "Un", "Een"),  # the suggestion is not the target
        (unit_id("nl", "Twee"), "nl", "fr", "Twee", ""),
    ]
    assert [u.note for u in read] == ["", "title of b"]


def test_a_translations_no_break_spaces_are_kept_and_its_breaking_runs_squeezed() -> None:
    target = "Le registre\n   compte 1\u00a0500 entrées\u202f: « enfin\u00a0»\u00a0!"
    unit = Unit(unit_id("nl", "Het register"), "nl", "fr", "Het register", target=target)
    (read,) = read_xliff(write_xliff([unit]), "x.xlf")
    assert read.target == "Le registre compte 1\u00a0500 entrées\u202f: « enfin\u00a0»\u00a0!"


def test_import_takes_translated_units_only_keyed_by_their_source(store: Store) -> None:
    counts = import_xliff(store, DATA / "fr-nl.xlf")
    assert (counts.translated, counts.empty, counts.added) == (1, 2, 1)
    memory = TranslationMemory(store)
    found = memory.lookup("fr", "nl", ["Le Benelux explore l'IA.", "Pas encore traduit."])
    assert list(found) == ["Le Benelux explore l'IA."]
    assert found["Le Benelux explore l'IA."].text == "De Benelux verkent AI."
    assert found["Le Benelux explore l'IA."].status == "reviewed"
    assert found["Le Benelux explore l'IA."].origin == "fr-nl.xlf"
    again = import_xliff(store, DATA / "fr-nl.xlf")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_file_is_one_error_line_and_exit_1(sample_tree: Path, name: str) -> None:
    result = digest(sample_tree, "translate", "import", str(DATA / name))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"digest: error: {DATA / name}: {BAD[name]}")


def test_a_missing_file_is_one_error_line(sample_tree: Path) -> None:
    result = digest(sample_tree, "translate", "import", str(sample_tree / "nothing.xlf"))
    assert result.exit_code == 1
    assert result.stderr.startswith("digest: error: ") and "cannot read" in result.stderr


def test_import_command_reports_counts(sample_tree: Path) -> None:
    result = digest(sample_tree, "translate", "import", str(DATA / "fr-nl.xlf"))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith(
        "1 translated (1 new, 0 updated, 0 unchanged), 2 left untranslated"
    )


# --- the chain -------------------------------------------------------------------------


def test_chain_order_memory_then_backends_in_order_then_nothing(store: Store) -> None:
    memory = TranslationMemory(store)
    memory.remember("fr", "nl", {"Un": "Een"}, status="reviewed", origin="fr-nl.xlf")
    down = Failing("down", {})
    first = Fixed("first", {"Deux": "Twee (first)"})
    second = Fixed("second", {"Deux": "Twee (second)", "Trois": "Drie"})
    problems: list[Problem] = []
    chain = Chain(memory, [down, first, second], problems.append)

    found = chain.translate_many("fr", "nl", ["Un", "Deux", "Trois", "Quatre"])

    assert {text: (t.text, t.status, t.origin) for text, t in found.items()} == {
        "Un": ("Een", "reviewed", "fr-nl.xlf"),
        "Deux": ("Twee (first)", "machine", "first"),
        "Trois": ("Drie", "machine", "second"),
    }
    assert ("Un", "fr", "nl") not in first.asked + second.asked  # the memory answered
    assert ("Deux", "fr", "nl") not in second.asked  # the first backend did
    assert down.asked == [("Deux", "fr", "nl")]  # failed once, then left alone
    assert [(p.location, p.action) for p in problems] == [
        ("failing://", "not asked again in this run")
    ]
    assert "connection refused" in problems[0].what


def test_machine_output_is_remembered_but_never_reviewed(store: Store) -> None:
    memory = TranslationMemory(store)
    backend = Fixed("mt", {"Deux": "Twee"})
    assert Chain(memory, [backend]).translate("Deux", "fr", "nl") is not None
    again = Fixed("mt", {"Deux": "Twee"})
    found = Chain(memory, [again]).translate("Deux", "fr", "nl")
    assert found is not None and (found.text, found.status) == ("Twee", "machine")
    assert again.asked == []  # not computed twice
    # Without machine backends, remembered machine output is not used either.
    assert Chain(memory, []).translate("Deux", "fr", "nl") is None
    assert memory.reviewed("fr", "nl", ["Deux"]) == set()
    # A reviewed translation replaces it, and machine output never replaces a reviewed one.
    memory.remember("fr", "nl", {"Deux": "Twee!"}, status="reviewed", origin="x.xlf")
    memory.remember("fr", "nl", {"Deux": "Twee?"}, status="machine", origin="mt")
    found = Chain(memory, []).translate("Deux", "fr", "nl")
    assert found is not None and (found.text, found.status) == ("Twee!", "reviewed")


# --- LibreTranslate over a real local server -------------------------------------------


def test_libretranslate_posts_the_documented_fields(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/translate",
        method="POST",
        json={"q": "Bonjour", "source": "fr", "target": "nl", "format": "text", "api_key": "k"},
    ).respond_with_json({"translatedText": "Hallo"})
    backend = LibreTranslate(httpserver.url_for("/"), api_key="k")
    try:
        assert backend.translate("Bonjour", "fr", "nl") == "Hallo"
    finally:
        backend.close()


def test_libretranslate_500_moves_the_chain_on(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/translate", method="POST").respond_with_json(
        {"error": "model crashed"}, status=500
    )
    backend = LibreTranslate(httpserver.url_for("/"))
    fallback = Fixed("fallback", {"Bonjour": "Dag"})
    problems: list[Problem] = []
    with Chain(None, [backend, fallback], problems.append) as chain:
        first = chain.translate("Bonjour", "fr", "nl")
        second = chain.translate("Bonjour", "fr", "nl")
    assert first is not None and (first.text, first.origin) == ("Dag", "fallback")
    assert second == first
    assert len(httpserver.log) == 1  # not asked again after failing
    assert len(problems) == 1
    assert problems[0].location == httpserver.url_for("/").rstrip("/")
    assert "HTTP 500: model crashed" in problems[0].what


def test_libretranslate_unsupported_pair_is_no_failure(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/translate").respond_with_json(
        {"error": "xx is not supported"}, status=400
    )
    backend = LibreTranslate(httpserver.url_for("/"))
    try:
        assert backend.translate("Bonjour", "fr", "xx") is None
    finally:
        backend.close()


def test_libretranslate_answer_over_the_cap_is_refused(httpserver: HTTPServer) -> None:
    def chunked(_request: Request) -> Response:
        # No Content-Length: the cap must hold while the body streams in.
        return Response((b"x" * 1000 for _ in range(10)), content_type="application/json")

    httpserver.expect_request("/translate").respond_with_handler(chunked)
    backend = LibreTranslate(httpserver.url_for("/"), max_bytes=4096)
    try:
        with pytest.raises(TranslationError, match="larger than 4096 bytes"):
            backend.translate("Bonjour", "fr", "nl")
    finally:
        backend.close()


# --- Argos packages, without argostranslate --------------------------------------------


def tiny_argos_package(folder: Path, from_code: str, to_code: str) -> Path:
    """A real but tiny ``.argosmodel``: a SentencePiece model trained on a few sentences
    and a one-layer CTranslate2 Transformer with made-up weights (it says "aaaa")."""
    import numpy as np
    import sentencepiece
    from ctranslate2.specs import transformer_spec

    work = folder / f"build-{from_code}-{to_code}"
    package = work / f"translate-{from_code}_{to_code}-0_1"
    (package / "model").mkdir(parents=True)
    corpus = work / "corpus.txt"
    corpus.write_text(
        "\n".join(
            ["le chat mange", "de kat eet", "la commune et la ville", "de gemeente en de stad"] * 3
        ),
        encoding="utf-8",
    )
    sentencepiece.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(package / "sentencepiece"),
        vocab_size=30,
        model_type="char",
        character_coverage=1.0,
        minloglevel=2,
    )
    processor = sentencepiece.SentencePieceProcessor(
        model_file=str(package / "sentencepiece.model")
    )
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    vocabulary = ["<unk>", "<s>", "</s>"] + [p for p in pieces if p not in ("<unk>", "<s>", "</s>")]

    rng = np.random.default_rng(0)
    size, hidden, words = 8, 16, len(vocabulary)

    def matrix(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)

    def norm(layer: transformer_spec.common_spec.LayerNormSpec) -> None:
        layer.gamma = np.ones(size, np.float32)
        layer.beta = np.zeros(size, np.float32)

    def linear(layer: transformer_spec.common_spec.LinearSpec, rows: int, columns: int) -> None:
        layer.weight = matrix(rows, columns)
        layer.bias = np.zeros(rows, np.float32)

    spec = transformer_spec.TransformerSpec.from_config(1, 2)
    spec.encoder.embeddings[0].weight = matrix(words, size)
    spec.decoder.embeddings.weight = matrix(words, size)
    norm(spec.encoder.layer_norm)
    norm(spec.decoder.layer_norm)
    for layer in spec.encoder.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * size, size)
        linear(layer.self_attention.linear[1], size, size)
        norm(layer.ffn.layer_norm)
        linear(layer.ffn.linear_0, hidden, size)
        linear(layer.ffn.linear_1, size, hidden)
    for layer in spec.decoder.layer:
        norm(layer.self_attention.layer_norm)
        linear(layer.self_attention.linear[0], 3 * size, size)
        linear(layer.self_attention.linear[1], size, size)
        norm(layer.attention.layer_norm)
        linear(layer.attention.linear[0], size, size)
        linear(layer.attention.linear[1], 2 * size, size)
        linear(layer.attention.linear[2], size, size)
        norm(layer.ffn.layer_norm)
        linear(layer.ffn.linear_0, hidden, size)
        linear(layer.ffn.linear_1, size, hidden)
    linear(spec.decoder.projection, words, size)
    # Gibberish on purpose, but never empty: the model always prefers "a".
    spec.decoder.projection.bias[vocabulary.index("a")] = 10.0
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize("float32")
    spec.save(str(package / "model"))
    (package / "metadata.json").write_text(
        json.dumps({"package_version": "0.1", "from_code": from_code, "to_code": to_code}),
        encoding="utf-8",
    )
    archive = folder / f"translate-{from_code}_{to_code}-0_1.argosmodel"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(package.rglob("*")):
            zipped.write(path, path.relative_to(work))
    shutil.rmtree(work)
    return archive


@pytest.fixture(scope="module")
def argos_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("argos")
    tiny_argos_package(folder, "fr", "en")
    tiny_argos_package(folder, "en", "nl")
    (folder / "README.txt").write_text("not a package", encoding="utf-8")
    return folder


def test_argos_package_is_found_loaded_and_translates(argos_models: Path) -> None:
    backend = ArgosModels(argos_models)
    try:
        assert set(backend.packages) == {("fr", "en"), ("en", "nl")}
        direct = backend.translate("Le chat mange. La commune et la ville.", "fr", "en")
        assert isinstance(direct, str) and direct.strip()
        # No fr->nl package: through English, as Argos does.
        pivot = backend.translate("Le chat mange.", "fr", "nl")
        assert isinstance(pivot, str) and pivot.strip()
        assert backend.translate("De kat eet.", "nl", "fr") is None
    finally:
        backend.close()


def test_argos_reads_unpacked_package_folders(argos_models: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(argos_models / "translate-fr_en-0_1.argosmodel") as zipped:
        zipped.extractall(tmp_path)
    backend = ArgosModels(tmp_path)
    assert backend.translate("Le chat mange.", "fr", "en")


def test_argos_backend_from_the_settings(
    argos_models: Path, sample_tree: Path, store: Store
) -> None:
    settings = load_settings(
        sample_tree / "digest.toml",
        translation={"backends": ["argos"], "argos_models": str(argos_models)},
    )
    with open_chain(settings, store) as chain:
        found = chain.translate("Le chat mange.", "fr", "nl")
    assert found is not None and found.status == "machine" and found.origin == "argos"


def test_a_missing_models_folder_is_one_problem_and_no_backend(
    sample_tree: Path, store: Store
) -> None:
    settings = load_settings(
        sample_tree / "digest.toml",
        translation={"backends": ["argos"], "argos_models": "no-such-folder"},
    )
    problems: list[Problem] = []
    with open_chain(settings, store, problems.append) as chain:
        assert chain.translate("Le chat mange.", "fr", "nl") is None
    assert [str(p) for p in problems] == [
        f"{sample_tree / 'no-such-folder'}: argos_models is not a folder; argos backend not used"
    ]


# --- configuration ---------------------------------------------------------------------


def test_translation_settings_from_the_environment(
    sample_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGEST_TRANSLATION__BACKENDS", "libretranslate,argos")
    monkeypatch.setenv("DIGEST_TRANSLATION__LIBRETRANSLATE_URL", "http://mt.internal:5000")
    monkeypatch.setenv("DIGEST_TRANSLATION__LIBRETRANSLATE_API_KEY", "secret")
    monkeypatch.setenv("DIGEST_TRANSLATION__ARGOS_MODELS", "models")
    settings = load_settings(sample_tree / "digest.toml").translation
    assert settings.backends == ("libretranslate", "argos")
    assert settings.argos_models == sample_tree / "models"
    assert settings.libretranslate_api_key is not None
    assert settings.libretranslate_api_key.get_secret_value() == "secret"
    assert "secret" not in repr(settings)


def test_a_backend_without_its_setting_is_a_config_error(sample_tree: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"translation: .*libretranslate needs libretranslate_url"
    ):
        load_settings(sample_tree / "digest.toml", translation={"backends": ["libretranslate"]})


# --- the edition stage -----------------------------------------------------------------


def point(item_id: str, language: str, title: str, text: str, day: int) -> KeyPoint:
    return KeyPoint(
        item_id=item_id,
        language=language,
        title=title,
        text=text,
        url=f"https://example.org/{item_id}",
        source_name="Example",
        published=datetime(2024, 10, day, 9, tzinfo=UTC),
        score=0.5 + day / 100,
    )


def small_edition() -> Edition:
    both = Story(
        "a/fr",
        (
            point("a/fr", "fr", "Titre A", "Texte A.", 14),
            point("a/nl", "nl", "Titel A", "Tekst A.", 14),
        ),
        score=2.0,
    )
    french = Story("b/fr", (point("b/fr", "fr", "Titre B", "Texte B.", 15),), score=1.0)
    english = Story("c/en", (point("c/en", "en", "Title C", "Text C.", 16),), score=1.0)
    theme = Theme("t", {"fr": "T", "nl": "T"}, {}, {})
    period = Period("weekly", date(2024, 10, 14), date(2024, 10, 21), "2024-W42")
    return Edition(
        id="weekly-2024-W42",
        period=period,
        languages=("fr", "nl"),
        sections=(Section(theme, (both, french, english), considered=3),),
        published=datetime(2024, 10, 16, 9, tzinfo=UTC),
    )


def test_translate_edition_adds_a_point_per_missing_language(store: Store) -> None:
    memory = TranslationMemory(store)
    memory.remember(
        "fr",
        "nl",
        {"Titre B": "Titel B", "Texte B.": "Tekst B."},
        status="reviewed",
        origin="r.xlf",
    )
    backend = Fixed(
        "mt", {"fr:Title C": "Titre C", "fr:Text C.": "Texte C.", "nl:Title C": "Titel C"}
    )
    edition = small_edition()

    done = translate_edition(edition, Chain(memory, [backend]))

    both, french, english = done.sections[0].stories
    assert both == edition.sections[0].stories[0]  # nothing was missing
    dutch = french.point_in("nl")
    assert dutch is not None
    original = french.original
    assert dutch == replace(
        original,
        language="nl",
        title="Titel B",
        text="Tekst B.",
        translation="reviewed",
        original_language="fr",
    )
    assert [p.language for p in french.points] == ["fr", "nl"]
    assert french.original == original  # still the original
    in_french = english.point_in("fr")
    assert in_french is not None and (in_french.title, in_french.translation) == (
        "Titre C",
        "machine",
    )
    # Only the title of C could be had in Dutch: no Dutch point, the original is shown.
    assert english.point_in("nl") is None
    assert done.languages == edition.languages and done.id == edition.id


def test_translate_edition_without_any_translation_changes_nothing() -> None:
    edition = small_edition()
    assert translate_edition(edition, Chain(None, [])) == edition


# --- the sample tree: reviewed translations make it fully bilingual --------------------


@pytest.fixture(scope="module")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample tree (with sources/translations/) built once for these tests."""
    tree = copy_sample_tree(tmp_path_factory.mktemp("sample") / "project")
    settings = load_settings(tree / "digest.toml", ingest_workers=1)
    report = build(settings, since=date(2021, 1, 1), until=date(2025, 12, 31))
    assert not report.problems, report.problems
    return tree


def test_sample_editions_have_no_untranslated_story(built_sample: Path) -> None:
    editions = sorted((built_sample / "outbox" / "editions").iterdir())
    assert editions
    for folder in editions:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        for lang in ("fr", "nl"):
            shown = [p["lang"] for s in manifest["views"][lang]["sections"] for p in s["points"]]
            assert shown and set(shown) == {lang}, (folder.name, lang, shown)
        dutch = (folder / "email.nl.html").read_text(encoding="utf-8")
        assert "Nog niet vertaald" not in dutch, folder.name
        assert "Pas encore traduit" not in (folder / "email.fr.html").read_text(encoding="utf-8")


def test_sample_export_asks_nothing_for_fr_and_nl(built_sample: Path) -> None:
    settings = load_settings(built_sample / "digest.toml")
    for target in ("fr", "nl"):
        assert export_missing(settings, target).units == 0


def test_export_fill_import_then_export_asks_nothing(built_sample: Path, tmp_path: Path) -> None:
    # English is not among the sample's languages, so nothing is translated into it yet.
    tree = tmp_path / "project"
    shutil.copytree(built_sample, tree)
    asked = tmp_path / "en.xlf"
    result = digest(tree, "translate", "export", "--to", "en", "--out", str(asked))
    assert result.exit_code == 0, result.output
    units = read_xliff(asked.read_bytes(), str(asked))
    assert units and {u.target_language for u in units} == {"en"}
    assert {u.source_language for u in units} == {"fr", "nl"}
    assert result.stderr.strip() == f"{len(units)} texts to translate into en written to {asked}"
    assert len({u.id for u in units}) == len(units)
    assert all(u.id == unit_id(u.source_language, u.source) for u in units)

    done = tmp_path / "en.done.xlf"
    filled = [replace(u, target=f"[en] {u.source}") for u in units[:-1]]  # one left to do
    done.write_bytes(write_xliff([*filled, units[-1]]))
    result = digest(tree, "translate", "import", str(done))
    assert result.exit_code == 0, result.output
    assert f"{len(units) - 1} translated ({len(units) - 1} new" in result.stdout
    assert "1 left untranslated" in result.stdout

    result = digest(tree, "translate", "export", "--to", "en")
    assert result.exit_code == 0, result.output
    again = read_xliff(result.stdout_bytes, "stdout")
    assert [u.id for u in again] == [units[-1].id]


def test_memory_on_each_kind_of_store(store_url: str) -> None:
    opened = Store(store_url)
    try:
        memory = TranslationMemory(opened)
        first = memory.remember(
            "fr", "nl", {"Un": "Een", "Deux": "Twee"}, status="machine", origin="mt"
        )
        again = memory.remember("fr", "nl", {"Un": "Eén"}, status="reviewed", origin="r.xlf")
        kept = memory.remember("fr", "nl", {"Un": "Een?"}, status="machine", origin="mt")
        assert (first.added, again.updated, kept.unchanged) == (2, 1, 1)
        found = memory.lookup("fr", "nl", ["Un", "Deux", "Trois"])
        assert {t: (f.text, f.status) for t, f in found.items()} == {
            "Un": ("Eén", "reviewed"),
            "Deux": ("Twee", "machine"),
        }
        assert memory.lookup("fr", "en", ["Un"]) == {}
    finally:
        opened.close()
