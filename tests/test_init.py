"""``digest init``: a new digest's folder that loads, classifies and builds at once; and the
warning about example values that every command gives once per run."""

from __future__ import annotations

import tomllib
from email.utils import parseaddr
from importlib import resources
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.cli._common import _settings
from digest.config import Settings, load_settings
from digest.examples import example_values, is_example_domain
from digest.scaffold import default_answers, init_folder
from digest.sources import read_feed_list
from digest.taxonomy import load_taxonomy
from digest.themes import Classifier
from digest.themes.classifier import Text
from tests.conftest import ROOT, run_digest

EXAMPLE_LINES = (
    "warning: sender is still an example value",
    "warning: base_url is still an example value",
    "warning: unsubscribe_address is still an example value",
)
REAL = (
    "--sender",
    "Energie Lokaal <nieuws@energielokaal.be>",
    "--base-url",
    "https://nieuws.energielokaal.be",
    "--unsubscribe-address",
    "afmelden@energielokaal.be",
)


@pytest.fixture
def warnings_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example-value warning as an operator gets it (conftest turns it off)."""
    monkeypatch.delenv("DIGEST_WARN_EXAMPLE_VALUES")


def test_init_then_build_works_at_once(tmp_path: Path, warnings_on: None) -> None:
    made = run_digest(tmp_path, "init", "new", "--yes")
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "new"
    for name in ("digest.toml", "themes.toml", "sources/feeds.toml", "README.md"):
        assert (folder / name).is_file(), name
    assert (folder / "sources" / "articles").is_dir()
    built = run_digest(folder, "build")
    assert built.returncode == 0, built.stderr
    assert "Traceback" not in built.stderr
    assert (folder / "outbox" / "feeds" / "editions.fr.xml").is_file()
    assert (folder / "outbox" / "web" / "nl" / "index.html").is_file()
    # The defaults are example addresses: one line each, once in the run.
    lines = built.stderr.splitlines()
    assert len(lines) == 3, lines
    assert all(line.startswith(start) for line, start in zip(lines, EXAMPLE_LINES, strict=True))
    assert "'https://example.org/digest/'" in lines[1] and "DIGEST_BASE_URL" in lines[1]


def test_options_make_a_digest_without_example_values(tmp_path: Path, warnings_on: None) -> None:
    folder = tmp_path / "energie"
    made = run_digest(
        tmp_path,
        "init",
        "energie",
        "--yes",
        "--languages",
        "nl,en",
        "--title",
        "nl=Energie Lokaal",
        "--title",
        "en=Local Energy",
        "--publisher",
        "Energie Lokaal vzw",
        "--address",
        "Kerkstraat 1,\n 9000 Gent",
        *REAL,
    )
    assert made.returncode == 0, made.stderr
    assert made.stderr == ""
    settings = load_settings(folder / "digest.toml")
    assert settings.languages == ("nl", "en")
    assert settings.title == {"nl": "Energie Lokaal", "en": "Local Energy"}
    assert settings.sender == "Energie Lokaal <nieuws@energielokaal.be>"
    assert settings.base_url == "https://nieuws.energielokaal.be/"
    assert settings.unsubscribe_address == "afmelden@energielokaal.be"
    assert settings.publisher.name == "Energie Lokaal vzw"
    assert settings.publisher.address == "Kerkstraat 1, 9000 Gent"
    assert set(settings.publisher.why_you_receive) == {"nl", "en"}
    assert example_values(settings) == ()
    built = run_digest(folder, "build")
    assert built.returncode == 0 and built.stderr == "", built.stderr


def test_questions_are_asked_for_what_options_leave_out(tmp_path: Path) -> None:
    answers = "\n".join(
        [
            "fr,es",  # languages: es is not one, asked again
            "fr,de",
            "Benelux IA : la lettre",  # name in fr (a colon: the sender quotes it)
            "",  # name in de: the default
            'Agence "Énergie" asbl',  # publisher
            "Rue de la Loi 16, 1000 Bruxelles",  # address
            "",  # sender: the default, an example
            "https://lettre.agence.be/",  # base URL
            "",  # unsubscribe address: the example
        ]
    )
    result = CliRunner().invoke(main, ["init", str(tmp_path / "d")], input=answers + "\n")
    assert result.exit_code == 0, result.output
    assert "Languages [fr,nl]:" in result.output
    assert "Error: unknown language es (choose among fr, nl, en, de)" in result.output
    settings = load_settings(tmp_path / "d" / "digest.toml")
    assert settings.languages == ("fr", "de")
    assert settings.title == {"fr": "Benelux IA : la lettre", "de": "Mein Newsletter"}
    assert settings.publisher.name == 'Agence "Énergie" asbl'
    assert parseaddr(settings.sender) == ("Benelux IA : la lettre", "digest@example.org")
    assert [e.setting for e in example_values(settings)] == ["sender", "unsubscribe_address"]
    readme = (tmp_path / "d" / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Benelux IA : la lettre\n")
    assert "`sender`, `unsubscribe_address` still hold example values" in readme


def test_written_settings_round_trip(tmp_path: Path) -> None:
    result = init_folder(tmp_path, default_answers(("en",)))
    text = (tmp_path / "digest.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    loaded = load_settings(tmp_path / "digest.toml")
    assert loaded == result.settings
    # Every key written is a real setting, and loads as the file says.
    anchored = {"paths", "store_url", "translation"}
    assert Settings(**data).model_dump(exclude=anchored) == loaded.model_dump(exclude=anchored)
    assert data["title"] == {"en": "My digest"} and data["languages"] == ["en"]
    assert text.count("\n# ") > 20  # commented for the operator


def test_an_existing_digest_toml_is_refused_in_one_line(tmp_path: Path) -> None:
    assert run_digest(tmp_path, "init", ".", "--yes").returncode == 0
    config = tmp_path / "digest.toml"
    config.write_text(config.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
    (tmp_path / "themes.toml").write_text("# my themes\n", encoding="utf-8")
    again = run_digest(tmp_path, "init", ".", "--yes")
    assert again.returncode == 1
    assert again.stderr == (
        "digest: error: digest.toml exists already: digest init leaves it alone (--force)\n"
    )
    assert config.read_text(encoding="utf-8").endswith("# mine\n")
    forced = run_digest(tmp_path, "init", ".", "--yes", "--force", *REAL)
    assert forced.returncode == 0, forced.stderr
    assert not config.read_text(encoding="utf-8").endswith("# mine\n")
    assert "kept the existing themes.toml" in forced.stdout
    assert (tmp_path / "themes.toml").read_text(encoding="utf-8") == "# my themes\n"


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--languages", "fr,es"], "unknown language es (choose among fr, nl, en, de)"),
        (["--languages", "fr,nl,en"], "give one or two different languages, e.g. fr,nl"),
        (["--title", "en=Digest"], "--title 'en=Digest': en is not a language of the digest"),
        (["--base-url", "lettre.be"], "your answers: invalid configuration: base_url: "),
    ],
)
def test_bad_answers_are_one_line_and_write_nothing(
    tmp_path: Path, args: list[str], reason: str
) -> None:
    result = run_digest(tmp_path, "init", "new", "--yes", *args)
    assert result.returncode == 1
    assert result.stderr.startswith(f"digest: error: {reason}"), result.stderr
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "new" / "digest.toml").exists()
    assert not any((tmp_path / "new").glob(".digest-*"))


def test_starter_themes_load_and_classify(tmp_path: Path) -> None:
    init_folder(tmp_path, default_answers())
    taxonomy = load_taxonomy(tmp_path / "themes.toml")
    assert [theme.id for theme in taxonomy.themes] == ["solar", "wind"]
    assert taxonomy.scope is not None
    classifier = Classifier(taxonomy)
    texts = {
        Text(
            "fr", "Des panneaux solaires sur les écoles", "La ville pose des panneaux solaires."
        ): "solar",
        Text("nl", "Nieuw windpark voor de kust", "De windturbines leveren elektriciteit."): "wind",
        Text("en", "Rooftop solar for every school", "Solar panels on 40 schools."): "solar",
        Text("de", "Neuer Windpark", "Die Windräder liefern Strom für 300.000 Haushalte."): "wind",
    }
    for text, theme in texts.items():
        explanation = classifier.explain([text])
        assert explanation.assigned == (theme,), text
        assert explanation.in_scope, text
    football = classifier.explain([Text("fr", "Le match", "Le club gagne trois buts à zéro.")])
    assert not football.in_scope


def test_the_feed_example_works_once_uncommented(tmp_path: Path) -> None:
    init_folder(tmp_path, default_answers())
    feeds = tmp_path / "sources" / "feeds.toml"
    assert read_feed_list(tmp_path / "sources") == []
    lines = feeds.read_text(encoding="utf-8").splitlines()
    start = lines.index("# [[feeds]]")
    feeds.write_text("\n".join(line[2:] for line in lines[start:]) + "\n", encoding="utf-8")
    [entry] = read_feed_list(tmp_path / "sources")
    assert entry["id"] == "city-news" and str(entry["location"]).startswith("https://")


def test_starter_files_are_package_data() -> None:
    files = resources.files("digest.scaffold").joinpath("files")
    names = {entry.name for entry in files.iterdir()}
    assert {"digest.toml.tmpl", "themes.toml", "feeds.toml", "README.md.tmpl"} <= names


@pytest.mark.parametrize(
    ("domain", "example"),
    [
        ("digest.example", True),
        ("example.org", True),
        ("news.example.com", True),
        ("mail.test", True),
        ("EXAMPLE.NET.", True),
        ("energielokaal.be", False),
        ("example.be", False),
        ("notexample.org", False),
        ("127.0.0.1", False),
    ],
)
def test_example_domains(domain: str, example: bool) -> None:
    assert is_example_domain(domain) is example


def test_the_sample_settings_hold_example_values() -> None:
    settings = load_settings(ROOT / "digest.toml")
    assert [e.setting for e in example_values(settings)] == [
        "sender",
        "base_url",
        "unsubscribe_address",
    ]
    assert str(example_values(settings)[0]).startswith(
        "sender is still an example value ('Benelux AI digest <digest@digest.example>'): "
    )


def test_the_warning_is_given_once_per_run(tmp_path: Path, warnings_on: None) -> None:
    init_folder(tmp_path, default_answers())
    config = tmp_path / "digest.toml"

    @click.command()
    def twice() -> None:
        _settings(config)
        _settings(config)

    for _run in range(2):  # each run warns, once
        result = CliRunner().invoke(twice, [])
        assert result.exit_code == 0, result.output
        lines = result.stderr.splitlines()
        assert len(lines) == 3 and lines[0].startswith(EXAMPLE_LINES[0]), lines


def test_the_warning_can_be_turned_off_for_a_demo(tmp_path: Path, warnings_on: None) -> None:
    init_folder(tmp_path, default_answers())
    config = tmp_path / "digest.toml"
    config.write_text("warn_example_values = false\n" + config.read_text("utf-8"), "utf-8")
    result = run_digest(tmp_path, "sources")
    assert result.returncode == 0 and result.stderr == "", result.stderr
