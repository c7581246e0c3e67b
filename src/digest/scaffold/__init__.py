"""``digest init``: a new digest's folder, ready for ``digest build``.

The starter files are package data (``digest/scaffold/files``): ``digest.toml`` and the
README are templates (:class:`string.Template`) filled with the operator's
:class:`Answers`; ``themes.toml`` and ``sources/feeds.toml`` are copied as they are. The
written ``digest.toml`` is loaded by the real settings loader before it takes its name,
so a folder ``digest init`` made always loads.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from string import Template

from digest.config import SUPPORTED_LANGUAGES, Settings, load_settings
from digest.errors import ConfigError, InputError
from digest.examples import example_values

__all__ = [
    "DEFAULT_LANGUAGES",
    "Answers",
    "InitResult",
    "check_target",
    "default_answers",
    "init_folder",
    "parse_languages",
    "sender_address",
]

#: Languages of a new digest when the operator names none.
DEFAULT_LANGUAGES: tuple[str, ...] = ("fr", "nl")
#: Example values written when the operator gives none: every command warns about them
#: (digest.examples) until they are replaced.
EXAMPLE_SENDER_ADDRESS = "digest@example.org"
EXAMPLE_BASE_URL = "https://example.org/digest/"
EXAMPLE_UNSUBSCRIBE = "unsubscribe@example.org"

#: A new digest's name per language, until the operator gives one.
DEFAULT_TITLES: Mapping[str, str] = {
    "fr": "Ma lettre d'information",
    "nl": "Mijn nieuwsbrief",
    "en": "My digest",
    "de": "Mein Newsletter",
}
#: Why a reader receives the digest, per language (``[publisher] why_you_receive``).
DEFAULT_WHY: Mapping[str, str] = {
    "fr": "Vous recevez cette lettre parce que vous vous y êtes abonné.",
    "nl": "U ontvangt deze nieuwsbrief omdat u zich erop hebt geabonneerd.",
    "en": "You receive this digest because you subscribed to it.",
    "de": "Sie erhalten diesen Newsletter, weil Sie ihn abonniert haben.",
}
# Characters that must be quoted in an address's display name (RFC 5322 specials).
_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')


@dataclass(frozen=True)
class Answers:
    """What ``digest init`` asks: everything that differs from one digest to the next."""

    #: One or two of fr, nl, en, de, in display order.
    languages: tuple[str, ...]
    #: The digest's name per language (every language of ``languages``).
    titles: Mapping[str, str]
    #: ``From`` of the messages: an address, with or without a display name.
    sender: str
    #: Public address of the outbox.
    base_url: str
    #: Address that receives unsubscribe requests.
    unsubscribe_address: str
    #: Who publishes the digest, and their postal address (empty: not said yet).
    publisher_name: str = ""
    publisher_address: str = ""
    #: Why readers receive it, per language (default: because they subscribed).
    why_you_receive: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InitResult:
    """What :func:`init_folder` did."""

    #: The new digest's folder.
    folder: Path
    #: Files and folders written, relative to ``folder``.
    written: tuple[str, ...]
    #: Starter files left alone because they were there already.
    kept: tuple[str, ...]
    #: The settings of the written ``digest.toml``, as ``digest`` loads them.
    settings: Settings


def parse_languages(text: str) -> tuple[str, ...]:
    """``"fr,nl"`` as ``("fr", "nl")``.

    Raises:
        InputError: not one or two different languages among fr, nl, en, de.
    """
    languages = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    unknown = [lang for lang in languages if lang not in SUPPORTED_LANGUAGES]
    if unknown:
        known = ", ".join(SUPPORTED_LANGUAGES)
        raise InputError(f"unknown language {', '.join(unknown)} (choose among {known})")
    if not 1 <= len(languages) <= 2 or len(set(languages)) != len(languages):
        raise InputError(f"give one or two different languages, e.g. fr,nl (not {text!r})")
    return languages


def check_target(folder: Path, *, force: bool = False) -> None:
    """Whether :func:`init_folder` may write into ``folder``, asked before any question.

    Raises:
        InputError: ``folder`` has a ``digest.toml`` and ``force`` is false, or is a file.
    """
    config = folder / "digest.toml"
    if config.exists() and not force:
        raise InputError(f"{config} exists already: digest init leaves it alone (--force)")
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file, not a folder")


def sender_address(name: str, address: str = EXAMPLE_SENDER_ADDRESS) -> str:
    """``Name <address>``, the name quoted when it holds a character that needs it."""
    if _SPECIALS.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address}>"


def default_answers(
    languages: Sequence[str] = DEFAULT_LANGUAGES, titles: Mapping[str, str] | None = None
) -> Answers:
    """The answers of an operator who accepts every default: example addresses included."""
    names = {lang: (titles or {}).get(lang) or DEFAULT_TITLES[lang] for lang in languages}
    return Answers(
        languages=tuple(languages),
        titles=names,
        sender=sender_address(names[languages[0]]),
        base_url=EXAMPLE_BASE_URL,
        unsubscribe_address=EXAMPLE_UNSUBSCRIBE,
    )


def init_folder(folder: Path, answers: Answers, *, force: bool = False) -> InitResult:
    """Write a new digest into ``folder`` (made if missing).

    Writes ``digest.toml``, ``themes.toml``, ``sources/feeds.toml``, an empty
    ``sources/articles/`` and ``README.md``. Starter files other than ``digest.toml``
    that exist already are kept, never overwritten.

    Args:
        force: overwrite an existing ``digest.toml``.

    Raises:
        InputError: ``folder`` has a ``digest.toml`` and ``force`` is false, or is a file.
        ConfigError: the answers do not make valid settings (the message names each).
    """
    check_target(folder, force=force)
    config = folder / "digest.toml"
    settings_text = _settings_text(answers)
    folder.mkdir(parents=True, exist_ok=True)
    settings = _write_checked(config, settings_text)
    written, kept = ["digest.toml"], []
    articles = folder / "sources" / "articles"
    if not articles.is_dir():
        articles.mkdir(parents=True)
        written.append("sources/articles/")
    others = {
        "themes.toml": _data("themes.toml"),
        "sources/feeds.toml": _data("feeds.toml"),
        "README.md": _readme_text(answers, settings),
    }
    for name, text in others.items():
        target = folder / name
        if target.exists():
            kept.append(name)
        else:
            target.write_text(text, encoding="utf-8")
            written.append(name)
    return InitResult(folder, tuple(written), tuple(kept), settings)


def _data(name: str) -> str:
    return resources.files(__package__).joinpath("files", name).read_text(encoding="utf-8")


def _toml(value: str) -> str:
    # A JSON string is a TOML basic string: the same quotes and escapes.
    return json.dumps(value, ensure_ascii=False)


def _table(values: Mapping[str, str], languages: Sequence[str]) -> str:
    return "\n".join(f"{lang} = {_toml(values[lang])}" for lang in languages)


def _settings_text(answers: Answers) -> str:
    languages = answers.languages
    missing = [lang for lang in languages if not answers.titles.get(lang, "").strip()]
    if missing:
        raise InputError(f"give the digest's name in {', '.join(missing)}")
    why = {lang: answers.why_you_receive.get(lang) or DEFAULT_WHY[lang] for lang in languages}
    return Template(_data("digest.toml.tmpl")).substitute(
        display_name=answers.titles[languages[0]],
        languages="[" + ", ".join(_toml(lang) for lang in languages) + "]",
        sender=_toml(answers.sender.strip()),
        base_url=_toml(answers.base_url.strip()),
        unsubscribe_address=_toml(answers.unsubscribe_address.strip()),
        titles=_table({k: v.strip() for k, v in answers.titles.items()}, languages),
        publisher_name=_toml(answers.publisher_name.strip()),
        publisher_address=_toml(" ".join(answers.publisher_address.split())),
        why_you_receive=_table(why, languages),
    )


def _write_checked(config: Path, text: str) -> Settings:
    """Write ``text`` as ``config`` once the settings loader has accepted it."""
    handle, name = tempfile.mkstemp(prefix=".digest-", suffix=".toml", dir=config.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        try:
            load_settings(temporary)
        except ConfigError as exc:
            raise ConfigError(exc.reason.replace(str(temporary), "your answers")) from None
        os.replace(temporary, config)
    finally:
        temporary.unlink(missing_ok=True)
    return load_settings(config)


def _readme_text(answers: Answers, settings: Settings) -> str:
    examples = example_values(settings)
    if examples:
        names = ", ".join(f"`{example.setting}`" for example in examples)
        note = (
            f"{names} still hold example values: replace them with your own; every "
            "command warns until you do. Add the publisher's name and postal address "
            "under `[publisher]` if they are empty."
        )
    else:
        note = "Check the addresses and the publisher once more before you send anything."
    return Template(_data("README.md.tmpl")).substitute(
        display_name=answers.titles[answers.languages[0]],
        example_note=note,
        period=settings.period,
    )
