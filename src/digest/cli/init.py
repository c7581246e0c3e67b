"""``digest init FOLDER``: a new digest's folder, asked for or given as options."""

from __future__ import annotations

from pathlib import Path

import click

from digest.cli._common import _library, err, out
from digest.errors import InputError
from digest.examples import example_warnings
from digest.scaffold import (
    DEFAULT_LANGUAGES,
    DEFAULT_TITLES,
    EXAMPLE_BASE_URL,
    EXAMPLE_UNSUBSCRIBE,
    Answers,
    check_target,
    init_folder,
    parse_languages,
    sender_address,
)


def _ask(value: str | None, question: str, default: str, ask: bool) -> str:
    """``value`` when given, else the operator's answer (``default`` with --yes)."""
    if value is not None:
        return value
    if not ask:
        return default
    return str(click.prompt(question, default=default, show_default=bool(default)))


@click.command("init")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--languages", metavar="L1,L2", help="One or two of fr, nl, en, de (default fr,nl).")
@click.option(
    "--title",
    "titles",
    metavar="LANG=NAME",
    multiple=True,
    help="The digest's name in one language; repeat per language.",
)
@click.option("--publisher", metavar="NAME", help="Who publishes the digest.")
@click.option("--address", metavar="TEXT", help="The publisher's postal address, on one line.")
@click.option("--sender", metavar="ADDRESS", help="From address of the emails.")
@click.option("--base-url", metavar="URL", help="Public address of the outbox (web, feeds).")
@click.option(
    "--unsubscribe-address", metavar="ADDRESS", help="Address that receives unsubscribe requests."
)
@click.option("--yes", "-y", is_flag=True, help="Ask nothing: defaults for what is not given.")
@click.option("--force", is_flag=True, help="Overwrite an existing digest.toml.")
def init_command(
    folder: Path,
    languages: str | None,
    titles: tuple[str, ...],
    publisher: str | None,
    address: str | None,
    sender: str | None,
    base_url: str | None,
    unsubscribe_address: str | None,
    yes: bool,
    force: bool,
) -> None:
    """Write a new digest into FOLDER: digest.toml, a starter themes.toml, sources/ and a
    README of next steps; `digest build` works in it at once. Asks for what the options
    do not give (with --yes: the defaults, example addresses included)."""
    ask = not yes
    # Before any question, so that nobody answers them for nothing.
    _library(lambda: check_target(folder, force=force))
    if languages is not None or not ask:
        chosen = _library(lambda: parse_languages(languages or ",".join(DEFAULT_LANGUAGES)))
    else:
        chosen = click.prompt(
            "Languages", default=",".join(DEFAULT_LANGUAGES), value_proc=_languages
        )
    given = _library(lambda: _titles(titles, chosen))
    names = {
        lang: _ask(given.get(lang), f"Name of the digest ({lang})", DEFAULT_TITLES[lang], ask)
        for lang in chosen
    }
    answers = Answers(
        languages=chosen,
        titles=names,
        publisher_name=_ask(publisher, "Publisher (person or organisation)", "", ask),
        publisher_address=_ask(address, "Publisher's postal address", "", ask),
        sender=_ask(sender, "Sender (From) address", sender_address(names[chosen[0]]), ask),
        base_url=_ask(base_url, "Public URL of the outbox", EXAMPLE_BASE_URL, ask),
        unsubscribe_address=_ask(
            unsubscribe_address, "Unsubscribe address", EXAMPLE_UNSUBSCRIBE, ask
        ),
    )
    result = _library(lambda: init_folder(folder, answers, force=force))
    out.print(
        f"wrote {', '.join(result.written)} into {result.folder}", markup=False, soft_wrap=True
    )
    if result.kept:
        out.print(f"kept the existing {', '.join(result.kept)}", markup=False, soft_wrap=True)
    for example in example_warnings(result.settings):
        err.print(f"warning: {example}", markup=False, soft_wrap=True)
    out.print(
        f"next: read {folder / 'README.md'}, then run `digest build` there",
        markup=False,
        soft_wrap=True,
    )


def _languages(text: str) -> tuple[str, ...]:
    """An answer to the languages question; a bad one is asked again."""
    try:
        return parse_languages(text)
    except InputError as exc:
        raise click.UsageError(exc.reason) from None


def _titles(given: tuple[str, ...], languages: tuple[str, ...]) -> dict[str, str]:
    """The ``--title LANG=NAME`` options as a mapping, each of one of ``languages``."""
    titles = {}
    for each in given:
        lang, sep, name = each.partition("=")
        lang = lang.strip().lower()
        if not sep or not name.strip():
            raise InputError(f"--title {each!r}: write LANG=NAME, e.g. fr='Ma lettre'")
        if lang not in languages:
            raise InputError(f"--title {each!r}: {lang} is not a language of the digest")
        titles[lang] = name.strip()
    return titles
