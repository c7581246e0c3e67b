from __future__ import annotations

from pathlib import Path

import pytest

from digest.config import load_settings
from digest.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.languages == ("fr", "nl")
    assert settings.timezone == "Europe/Brussels"
    assert settings.period == "weekly"
    assert settings.store_url == "sqlite:///digest.sqlite3"
    assert settings.paths.outbox == Path("outbox")


def test_file_values_and_relative_paths(tmp_path: Path) -> None:
    config = write(
        tmp_path / "digest.toml",
        'languages = ["nl", "en"]\nperiod = "monthly"\n[paths]\noutbox = "out"\n'
        '[title]\nnl = "Nieuws"\nen = "News"\n',
    )
    settings = load_settings(config)
    assert settings.languages == ("nl", "en")
    assert settings.period == "monthly"
    assert settings.paths.outbox == tmp_path / "out"
    assert settings.store_url == f"sqlite:///{tmp_path}/digest.sqlite3"


def test_environment_wins_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path / "digest.toml", 'period = "monthly"\n')
    monkeypatch.setenv("DIGEST_PERIOD", "daily")
    monkeypatch.setenv("DIGEST_LANGUAGES", "fr,en")
    monkeypatch.setenv("DIGEST_PATHS__OUTBOX", "/srv/outbox")
    settings = load_settings(config)
    assert settings.period == "daily"
    assert settings.languages == ("fr", "en")
    assert settings.paths.outbox == Path("/srv/outbox")


def test_languages_as_json_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_LANGUAGES", '["de"]')
    assert load_settings().languages == ("de",)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('period = "yearly"\n', "period"),
        ('languages = ["fr", "it"]\n', "languages.1"),
        ('languages = ["fr", "nl", "en"]\n', "languages"),
        ('timezone = "Europe/Atlantis"\n', "timezone"),
        ('colour = "blue"\n', "colour"),
        ("stories_per_theme = 0\n", "stories_per_theme"),
        ('base_url = "digest.example"\n', "base_url"),
        ("[paths]\ninbox = 'x'\n", "paths.inbox"),
    ],
)
def test_invalid_values_name_the_key(tmp_path: Path, text: str, named: str) -> None:
    config = write(tmp_path / "digest.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert str(caught.value).startswith(f"{config}: invalid configuration: ")
    assert f"{named}: " in str(caught.value)


def test_invalid_environment_value_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_PERIOD", "hourly")
    with pytest.raises(ConfigError, match="period: "):
        load_settings()


def test_not_toml(tmp_path: Path) -> None:
    config = write(tmp_path / "digest.toml", "languages = [fr\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config)


def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nowhere.toml")


def test_a_language_needs_a_title(tmp_path: Path) -> None:
    config = write(tmp_path / "digest.toml", 'languages = ["fr"]\n[title]\nnl = "x"\n')
    with pytest.raises(ConfigError, match="title has no entry for fr"):
        load_settings(config)
