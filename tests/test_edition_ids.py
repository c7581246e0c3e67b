"""One edition per period: a schedule and ``digest build`` make the same edition, and the
editions older versions built under a schedule's id are merged into it.

Real SQLite store, real SMTP server (aiosmtpd on 127.0.0.1), the sample tree's sources.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from digest.build import Publisher, build, explain
from digest.cli import main
from digest.config import Settings, load_settings
from digest.deliver import Ledger, Registry, Subscriber, send_editions
from digest.errors import InputError
from digest.outbox import Outbox
from digest.periods import period_of
from digest.schedule.ids import edition_id_for, legacy_parts, resolve
from digest.schedule.runner import run_schedule
from digest.store import Store
from tests import test_send
from tests.test_schedule import at, without_scope
from tests.test_send import Recorder

WEEK = period_of("weekly", date(2024, 10, 14))  # the sample's week 2024-W42 has four items
CANONICAL = "weekly-2024-W42"
LEGACY = "hebdo-weekly-2024-W42"


#: A real SMTP server on 127.0.0.1 and a free port (test_send's fixture).
server = test_send.server


def configure(tree: Path, port: int, *, send: bool = False, schedule: str = "") -> Path:
    """The sample tree's settings with the SMTP server on ``port`` and subscribers A, B."""
    config = tree / "digest.toml"
    text = config.read_text(encoding="utf-8")
    text = text.replace('empty = "skip"', f'empty = "skip"\nsend = {str(send).lower()}{schedule}')
    text += (
        f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        "rate_per_second = 2000\nretry_after = 0\ntimeout = 20\n"
    )
    config.write_text(text, encoding="utf-8")
    (tree / "subscribers.csv").write_text(
        "email,languages,themes,status\na@example.org,fr,,active\nb@example.org,nl,,active\n"
        "gone@example.org,fr,,unsubscribed\n",
        encoding="utf-8",
    )
    without_scope(tree)
    return config


def settings_of(config: Path) -> Settings:
    return load_settings(config, ingest_workers=1)


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--config", str(config)])


def schedule_week(settings: Settings) -> list[str]:
    report = run_schedule(settings, "hebdo", now=at(2024, 10, 21, 7, 0), force=True)
    return report.lines()


def build_week(settings: Settings) -> None:
    build(settings, since=WEEK.start, until=date(2024, 10, 20))


def shown(tree: Path, edition: str) -> dict[str, int]:
    """How many times each archive index and edition feed names ``edition`` (its page; the
    index's headlines link stories inside it, ``…html#theme-2``)."""
    outbox = tree / "outbox"
    files = [outbox / "web" / lang / "index.html" for lang in ("fr", "nl")]
    files += sorted((outbox / "feeds").glob("editions.*"))
    return {
        str(path.relative_to(outbox)): len(re.findall(rf"{edition}\.html(?!#)", path.read_text()))
        for path in files
    }


def sent_log(settings: Settings) -> Counter[tuple[str, str]]:
    store = Store(settings.store_url)
    try:
        ledger = Ledger(store.engine)
        return Counter(
            (edition, email)
            for edition in (CANONICAL, LEGACY)
            for email, row in ledger.deliveries(edition).items()
            if row.state == "sent"
        )
    finally:
        store.close()


def publish_as_old_version(settings: Settings, *, finish: bool) -> None:
    """Publish the week as versions before this one did from a schedule: ``hebdo-...``."""
    with Publisher(settings) as publisher:
        publisher.refresh()
        edition = publisher.edition(WEEK)
        assert edition is not None
        publisher.publish(
            replace(edition, id=LEGACY),
            versioned=True,
            extra={"schedule": {"name": "hebdo", "audience": "subscribers"}},
        )
        if finish:
            publisher.finish()


# -- ids ------------------------------------------------------------------------------------------


def test_ids_of_builds_schedules_and_older_versions(sample_tree: Path) -> None:
    settings = load_settings(
        sample_tree / "digest.toml",
        schedules=[
            {"name": "hebdo", "cron": "weekly", "languages": ["fr", "nl"]},
            {"name": "lundi-fr", "cron": "weekly", "languages": ["fr"]},
            {"name": "ethique", "cron": "weekly", "themes": ["ethics", "general"]},
        ],
    )
    hebdo, french, ethics = settings.schedules
    # The whole digest (the settings' languages, every theme): the period's id.
    assert edition_id_for(WEEK, settings) == edition_id_for(WEEK, settings, hebdo) == CANONICAL
    # A narrowed schedule makes other content: another edition, named by its cut.
    assert edition_id_for(WEEK, settings, french) == "weekly-2024-W42.fr"
    assert edition_id_for(WEEK, settings, ethics) == "weekly-2024-W42.ethics-general"
    for given, expected in [
        (CANONICAL, CANONICAL),
        (LEGACY, CANONICAL),
        ("lundi-fr-weekly-2024-W42", "weekly-2024-W42.fr"),
        ("weekly-2024-W42.fr", "weekly-2024-W42.fr"),
        ("ethique-weekly-2024-W42", "weekly-2024-W42.ethics-general"),
        ("removed-schedule-weekly-2024-W42", CANONICAL),
        ("daily-2024-10-14", "daily-2024-10-14"),
        ("monthly-monthly-2024-10", "monthly-2024-10"),
    ]:
        ref = resolve(settings, given)
        assert (ref.id, ref.legacy) == (expected, given != expected), given
    assert legacy_parts(LEGACY) == ("hebdo", CANONICAL)
    assert legacy_parts(CANONICAL) is None
    for bad in ("weekly-2024-W42.nl", "hebdo-weekly-2024-W99", "hebdo"):
        with pytest.raises(InputError):
            resolve(settings, bad)


# -- a scheduled and a manual build of one week -----------------------------------------------


def test_a_week_built_by_the_schedule_and_by_build_is_one_edition(
    sample_tree: Path, server: tuple[Recorder, int]
) -> None:
    recorder, port = server
    config = configure(sample_tree, port)
    settings = settings_of(config)
    build_week(settings)
    once = shown(sample_tree, CANONICAL)
    assert set(once.values()) == {1}, once
    lines = schedule_week(settings)
    assert lines == [f"hebdo: period weekly 2024-W42, edition {CANONICAL}: built (version 1)"]
    build_week(settings)  # again by hand: the same edition, unchanged
    outbox = sample_tree / "outbox"
    before = {p: p.read_bytes() for p in outbox.rglob("*") if p.is_file()}
    build_week(settings)
    assert {p: p.read_bytes() for p in outbox.rglob("*") if p.is_file()} == before
    assert [p.name for p in (outbox / "editions").iterdir()] == [CANONICAL]
    assert shown(sample_tree, CANONICAL) == once
    manifest = json.loads((outbox / "editions" / CANONICAL / "manifest.json").read_text())
    assert manifest["version"] == 1 and manifest["schedule"]["name"] == "hebdo"

    first = cli(config, "send", CANONICAL)
    assert first.exit_code == 0, first.output
    again = cli(config, "send", "--all")
    assert again.exit_code == 0, again.output
    assert recorder.received() == Counter({"a@example.org": 1, "b@example.org": 1})
    assert sent_log(settings) == Counter(
        {(CANONICAL, "a@example.org"): 1, (CANONICAL, "b@example.org"): 1}
    )


# -- editions of older versions -----------------------------------------------------------------


def test_an_old_scheduled_edition_already_sent_is_not_sent_again(
    sample_tree: Path, server: tuple[Recorder, int]
) -> None:
    recorder, port = server
    config = configure(sample_tree, port)
    settings = settings_of(config)
    publish_as_old_version(settings, finish=True)  # alone: stays as it is
    assert sorted(p.name for p in (sample_tree / "outbox" / "editions").iterdir()) == [LEGACY]
    # The old version sent it to a and b.
    (report,) = send_editions(settings, LEGACY)
    assert report.sent == 2
    assert set(shown(sample_tree, LEGACY).values()) == {1}
    # explain and send take the old id; the outbox has only that edition: it is the week's.
    explained = cli(config, "explain", LEGACY)
    assert explained.exit_code == 0 and explained.output.startswith(f"{CANONICAL}: 2024-10-14")
    assert cli(config, "send", LEGACY).exit_code == 0

    # This version builds the week: the old edition is merged into it.
    build_week(settings)
    outbox = sample_tree / "outbox"
    assert sorted(p.name for p in (outbox / "editions").iterdir()) == [CANONICAL]
    assert sorted(p.name for p in (outbox / ".sent").iterdir()) == [CANONICAL]
    assert set(shown(sample_tree, CANONICAL).values()) == {1}
    assert set(shown(sample_tree, LEGACY).values()) == {0}
    assert (outbox / "web" / "fr" / f"{LEGACY}.html").is_file()  # links of sent mail work
    store = Store(settings.store_url)
    try:
        rows = Ledger(store.engine).deliveries(CANONICAL)
        Registry(store.engine).add(Subscriber("c@example.org", ("fr",)), datetime.now(UTC))
    finally:
        store.close()
    assert {e: r.reply.split(":")[0] for e, r in rows.items() if r.reply} == {
        "a@example.org": f"as {LEGACY}",
        "b@example.org": f"as {LEGACY}",
    }
    # Every id ever printed is taken, and only the new subscriber gets the week.
    for edition in (LEGACY, CANONICAL):
        sent = cli(config, "send", edition)
        assert sent.exit_code == 0, sent.output
        assert f"{CANONICAL}: " in sent.output
        assert cli(config, "explain", edition).exit_code == 0
    assert cli(config, "send", "--all").exit_code == 0
    assert recorder.received() == Counter(
        {"a@example.org": 1, "b@example.org": 1, "c@example.org": 1}
    )


def test_an_outbox_holding_the_week_twice_is_merged_before_sending(
    sample_tree: Path, server: tuple[Recorder, int]
) -> None:
    """An outbox and store left by an older version: both editions, the old one sent to a."""
    recorder, port = server
    config = configure(sample_tree, port)
    settings = settings_of(config)
    store = Store(settings.store_url)
    try:
        Registry(store.engine).add(Subscriber("a@example.org", ("fr",)), datetime.now(UTC))
    finally:
        store.close()
    publish_as_old_version(settings, finish=False)
    send_editions(settings, LEGACY)
    with Publisher(settings) as publisher:  # the manual build of the older version
        edition = publisher.edition(WEEK)
        assert edition is not None
        publisher.publish(edition)
    store = Store(settings.store_url)
    try:
        Registry(store.engine).add(Subscriber("b@example.org", ("nl",)), datetime.now(UTC))
    finally:
        store.close()
    assert len(Outbox(sample_tree / "outbox").manifests()) == 2

    sent = cli(config, "send", "--all")
    assert sent.exit_code == 0, sent.output
    assert f"{LEGACY} merged into {CANONICAL} (1 send-log rows moved)" in sent.output
    assert recorder.received() == Counter({"a@example.org": 1, "b@example.org": 1})
    assert [m["edition"] for m in Outbox(sample_tree / "outbox").manifests()] == [CANONICAL]
    assert sent_log(settings) == Counter(
        {(CANONICAL, "a@example.org"): 1, (CANONICAL, "b@example.org"): 1}
    )
    # The next build rewrites the archive and the feeds: the week once.
    build_week(settings)
    assert set(shown(sample_tree, CANONICAL).values()) == {1}
    assert set(shown(sample_tree, LEGACY).values()) == {0}
    assert explain(settings, LEGACY).id == CANONICAL
