"""A schedule that sends (``send = true``): once per active subscriber, holds, release.

Real SQLite store, real SMTP server (aiosmtpd on 127.0.0.1); every run happens at a
chosen moment passed in (``now``), never waited for.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from digest.cli.send import release_command
from digest.config import Settings, load_settings
from digest.deliver.hold import reasons_to_hold
from digest.deliver.subscribers import Subscriber
from digest.periods import period_of
from digest.schedule.runner import run_schedule
from tests import test_send
from tests.test_edition_ids import cli, configure
from tests.test_schedule import at
from tests.test_send import Recorder

DUTCH_ONLY = "weekly-2025-W10"  # the week of the one Dutch article written below
EVERYONE = Counter({"a@example.org": 1, "b@example.org": 1, "c@example.org": 1})


#: A real SMTP server on 127.0.0.1 and a free port (test_send's fixture).
server = test_send.server


def subscribers(tree: Path) -> None:
    """a reads French, b Dutch, c both; gone unsubscribed."""
    (tree / "subscribers.csv").write_text(
        "email,languages,themes,status\na@example.org,fr,,active\nb@example.org,nl,,active\n"
        "c@example.org,fr+nl,,active\ngone@example.org,fr,,unsubscribed\n",
        encoding="utf-8",
    )


def dutch_article(tree: Path) -> None:
    """One Dutch story in week 2025-W10, nothing in French: no translator is configured."""
    (tree / "sources" / "articles" / "2025-03-gent-ai-nl.md").write_text(
        '---\ntitle: "Gent test een AI-assistent voor het stadsloket"\n'
        "date: 2025-03-05T10:00:00+01:00\nurl: https://news.example/nl/gent-ai\nlang: nl\n"
        "source: Test Pers\n---\nDe stad Gent test een AI-assistent die vragen aan het loket "
        "beantwoordt. Medewerkers controleren elk antwoord. De proef loopt drie maanden.\n",
        encoding="utf-8",
    )


def settings_of(config: Path, **schedule: Any) -> Settings:
    """The config's settings; ``schedule`` given: its one schedule ``hebdo``, sending."""
    if not schedule:
        return load_settings(config, ingest_workers=1)
    entry = {"name": "hebdo", "cron": "weekly", "send": True, **schedule}
    return load_settings(config, ingest_workers=1, schedules=[entry])


def run(settings: Settings, monday: date, name: str = "hebdo") -> list[str]:
    moment = at(monday.year, monday.month, monday.day, 7, 0)
    return run_schedule(settings, name, now=moment, force=True).lines()


def release(config: Path, *args: str) -> Result:
    return CliRunner().invoke(release_command, [*args, "--config", str(config)])


def test_a_sending_schedule_sends_once_per_active_subscriber(
    sample_tree: Path, server: tuple[Recorder, int]
) -> None:
    recorder, port = server
    config = configure(sample_tree, port, send=True)
    subscribers(sample_tree)
    settings = settings_of(config)
    first = run(settings, date(2024, 10, 21))
    assert first[0] == "hebdo: period weekly 2024-W42, edition weekly-2024-W42: built (version 1)"
    assert first[1].startswith("hebdo: weekly-2024-W42: sent 3, skipped 0 (already sent)")
    assert "unsubscribed skipped 1" in first[1] and len(first) == 2
    assert recorder.received() == EVERYONE
    second = run(settings, date(2024, 10, 21))  # the same period again
    assert second[0].endswith("weekly-2024-W42: unchanged (version 1)")
    assert "sent 0, skipped 3 (already sent)" in second[1]
    assert recorder.received() == EVERYONE
    # digest send after the schedule: nobody gets it twice.
    assert cli(config, "send", "weekly-2024-W42").exit_code == 0
    assert recorder.received() == EVERYONE


def test_a_french_reader_of_only_a_dutch_story_holds_the_edition_until_released(
    sample_tree: Path, server: tuple[Recorder, int]
) -> None:
    recorder, port = server
    config = configure(sample_tree, port, send=True)
    subscribers(sample_tree)
    dutch_article(sample_tree)
    settings = settings_of(config)
    why = "2 subscribers would get a fr block with no story in fr (only nl)"
    held = run(settings, date(2025, 3, 10))
    assert held == [
        f"hebdo: period weekly 2025-W10, edition {DUTCH_ONLY}: built (version 1)",
        f"hebdo: {DUTCH_ONLY}: held ({why}): digest release {DUTCH_ONLY} sends it",
    ]
    assert recorder.received() == Counter()
    # Held: digest send refuses in one line naming the release command.
    refused = cli(config, "send", DUTCH_ONLY)
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        f"digest: error: {DUTCH_ONLY} is held ({why}); nothing sent. "
        f"digest release {DUTCH_ONLY} sends it"
    ]
    assert cli(config, "send").exit_code == 1  # the newest: the same
    # A run again before the release holds it still, and sends nothing.
    assert run(settings, date(2025, 3, 10))[1].startswith(f"hebdo: {DUTCH_ONLY}: held")
    listed = release(config)
    assert listed.exit_code == 0 and listed.output.startswith(f"{DUTCH_ONLY}: held ({why})")

    released = release(config, DUTCH_ONLY)
    assert released.exit_code == 0, released.output
    assert f"{DUTCH_ONLY}: sent 3" in released.output
    assert recorder.received() == EVERYONE
    # Released: never held again, never sent twice.
    again = run(settings, date(2025, 3, 10))
    assert "sent 0, skipped 3 (already sent)" in again[1]
    assert recorder.received() == EVERYONE
    assert release(config).output.strip() == "no edition is held"
    refused = release(config, DUTCH_ONLY)
    assert refused.exit_code == 1
    assert f"{DUTCH_ONLY} is not held (digest send {DUTCH_ONLY} sends it)" in refused.output


def test_an_edition_with_nothing_new_is_held(
    sample_tree: Path, server: tuple[Recorder, int]
) -> None:
    recorder, port = server
    config = configure(sample_tree, port)
    subscribers(sample_tree)
    # No story: a week without items, with empty = "send".
    empty = settings_of(config, empty="send")
    lines = run(empty, date(2024, 11, 4))
    assert lines[1] == (
        "hebdo: weekly-2024-W44: held (no story): digest release weekly-2024-W44 sends it"
    )
    # Nothing new: a theme cut of a week whose whole edition was sent.
    whole = settings_of(config, audience="subscribers")
    assert "sent 3" in run(whole, date(2024, 10, 21))[1]
    manifest = json.loads(
        (sample_tree / "outbox" / "editions" / "weekly-2024-W42" / "manifest.json").read_text()
    )
    keep = manifest["stories"][0]["section"]
    cut = settings_of(config, themes=[keep])
    lines = run(cut, date(2024, 10, 21))
    edition = f"weekly-2024-W42.{keep}"
    assert lines == [
        f"hebdo: period weekly 2024-W42, edition {edition}: built (version 1)",
        f"hebdo: {edition}: held (nothing new: every item was in an edition sent before "
        f"(weekly-2024-W42)): digest release {edition} sends it",
    ]
    assert recorder.received() == EVERYONE
    # digest send --all leaves the held editions out, one line each.
    every = cli(config, "send", "--all")
    assert every.exit_code == 0, every.output
    assert f"{edition}: held (nothing new" in every.output
    assert "weekly-2024-W44: held (no story)" in every.output
    assert recorder.received() == EVERYONE


def test_the_language_check_counts_only_active_readers_of_that_block() -> None:
    manifest = {
        "stories": [{"id": "s"}],
        "items": ["x"],
        "views": {
            "fr": {"sections": [{"theme": "t", "points": [{"lang": "nl"}]}]},
            "nl": {"sections": [{"theme": "t", "points": [{"lang": "nl"}]}]},
        },
    }
    variants = {"fr-nl": ("fr", "nl"), "fr": ("fr",), "nl": ("nl",)}
    readers = [
        Subscriber("a@example.org", ("fr",)),
        Subscriber("b@example.org", ("nl",)),
        Subscriber("c@example.org", ("fr",), status="unsubscribed"),
        Subscriber("d@example.org", ("fr",), themes=("other",)),  # gets no fr section
    ]
    assert reasons_to_hold(manifest, readers, variants, []) == [
        "1 subscriber would get a fr block with no story in fr (only nl)"
    ]
    earlier = [{"edition": "weekly-2024-W41", "items": ["x", "y"]}]
    assert reasons_to_hold(manifest, readers[1:2], variants, earlier) == [
        "nothing new: every item was in an edition sent before (weekly-2024-W41)"
    ]
    assert period_of("weekly", date(2025, 3, 5)).key == DUTCH_ONLY.removeprefix("weekly-")
