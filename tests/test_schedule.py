"""Scheduled editions: cron, misfire policies, daylight-saving weeks, versions, locks, daemon.

The clock is moved with time-machine (never slept on): every run happens at a
chosen instant, and the scheduler's own logic (digest.schedule.policy) decides what
that run builds.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from click.testing import CliRunner

from digest.build import build
from digest.cli import main
from digest.config import Settings, load_settings
from digest.errors import ConfigError, InputError
from digest.periods import period_of
from digest.schedule import cron
from digest.schedule.policy import SKIP_GRACE, periods_to_build
from digest.schedule.runner import RunReport, run_schedule, scheduled_id, trigger_of
from digest.schedule.state import LOCK_STALE, release_lock, take_lock
from digest.store import Store
from tests.conftest import run_digest

BRUSSELS = ZoneInfo("Europe/Brussels")
ROOT = Path(__file__).resolve().parent.parent

# Distinct subjects, so no article is a near-duplicate of another (each is its own story).
SUBJECTS = [
    (
        "Un robot trieur de colis testé à Liège",
        "Le centre logistique de Liège teste un robot qui trie les colis la nuit. Les opérateurs comptent réduire les erreurs d'adressage de moitié. Le syndicat demande une évaluation des horaires.",
    ),
    (
        "La ville de Namur publie un registre des algorithmes",
        "Namur publie la liste des algorithmes utilisés par ses services communaux. Chaque fiche décrit les données traitées et la personne responsable. Les citoyens peuvent poser des questions en ligne.",
    ),
    (
        "Des agriculteurs luxembourgeois prévoient la météo avec l'IA",
        "Une coopérative agricole du Luxembourg utilise un modèle de prévision locale pour planifier les semis. Les premiers résultats montrent moins de pertes au printemps. Le ministère finance un second essai.",
    ),
    (
        "Un hôpital d'Anvers lit les radiographies plus vite",
        "Un hôpital d'Anvers emploie un logiciel qui signale les fractures sur les radiographies aux urgences. Les radiologues gardent la décision finale. Le temps d'attente a baissé de vingt minutes.",
    ),
    (
        "Les bibliothèques bruxelloises traduisent leurs catalogues",
        "Le réseau des bibliothèques de Bruxelles traduit automatiquement ses notices en néerlandais et en anglais. Des bibliothécaires relisent les titres les plus empruntés. Le projet s'étend aux archives.",
    ),
    (
        "Une école de Gand enseigne la programmation de drones",
        "Une école secondaire de Gand propose un cours de programmation de drones pour la cartographie. Les élèves relèvent les toitures propices aux panneaux solaires. La commune utilise leurs cartes.",
    ),
    (
        "Le port de Rotterdam prévoit l'arrivée des navires",
        "Le port de Rotterdam prédit l'heure d'arrivée des navires à partir des données de navigation. Les remorqueurs sont planifiés plus tôt. Les émissions dans la rade diminuent.",
    ),
    (
        "Un orchestre de Liège compose avec un algorithme",
        "L'orchestre philharmonique de Liège a joué une pièce écrite avec l'aide d'un algorithme. Le compositeur a choisi les thèmes et réécrit les transitions. Le public a voté pour une seconde représentation.",
    ),
]


def add_article(tree: Path, number: int, when: datetime) -> None:
    """Write the article SUBJECTS[number] dated ``when`` into the tree's sources."""
    title, body = SUBJECTS[number]
    text = (
        f'---\ntitle: "{title}"\ndate: {when.isoformat()}\n'
        f"url: https://news.example/fr/test-{number}\nlang: fr\nsource: Test Presse\n---\n"
        f"{body}\n"
    )
    (tree / "sources" / "articles" / f"test-{number}.md").write_text(text, encoding="utf-8")
    without_scope(tree)


def without_scope(tree: Path) -> None:
    """These tests are about timing, not the digest's field: every article is in."""
    path = tree / "themes.toml"
    taxonomy = path.read_text(encoding="utf-8")
    if "\n[scope]\n" in taxonomy:
        start = taxonomy.index("\n[scope]\n")
        end = taxonomy.index("\n[terms.", start)
        path.write_text(taxonomy[:start] + taxonomy[end:], encoding="utf-8")


def settings_for(tree: Path, **schedule: Any) -> Settings:
    """The tree's settings with one schedule ``weekly-fr`` (plus ``schedule``'s keys)."""
    entry = {"name": "weekly-fr", "cron": "weekly", "misfire": "run-once", **schedule}
    return load_settings(tree / "digest.toml", schedules=[entry], ingest_workers=1)


def at(*args: int) -> datetime:
    """A moment in Brussels."""
    return datetime(*args, tzinfo=BRUSSELS)  # type: ignore[misc]


def run_at(settings: Settings, moment: datetime, **options: Any) -> RunReport:
    """Run the schedule as the scheduler would at ``moment`` (the clock moved there)."""
    with time_machine.travel(moment, tick=False):
        return run_schedule(settings, "weekly-fr", **options)


def built(reports: list[RunReport]) -> list[str]:
    return [
        r.edition_id
        for report in reports
        for r in report.results
        if r.outcome in ("built", "rebuilt")
    ]


def editions(tree: Path) -> list[str]:
    folder = tree / "outbox" / "editions"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# -- cron expressions and settings ------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("1", "mon"),
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("*/2", "tue,thu,sat,sun"),
        ("fri-sun", "fri,sat,sun"),
        ("sat,1", "mon,sat"),
    ],
)
def test_cron_weekdays_count_from_sunday_like_cron(field: str, expected: str) -> None:
    trigger = cron.trigger(f"0 7 * * {field}", BRUSSELS)
    assert str(trigger.fields[4]) == expected


def test_shorthands_and_their_default_times() -> None:
    assert cron.expression("weekly") == "0 7 * * 1"
    assert cron.expression("@daily") == "0 7 * * *"
    assert cron.expression("monthly") == "0 7 1 * *"
    fire = cron.trigger("weekly", BRUSSELS).get_next_fire_time(None, at(2024, 10, 16, 12, 0))
    assert fire == at(2024, 10, 21, 7, 0)


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("61 7 * * 1", "is not a valid cron expression"),
        ("0 7 * *", "give 5 fields"),
        ("0 7 1 * 1", "not both"),
        ("0 7 * * 9", "weekday '9'"),
    ],
)
def test_bad_cron_is_one_config_error_naming_the_schedule(
    tmp_path: Path, expression: str, says: str
) -> None:
    config = tmp_path / "digest.toml"
    config.write_text(
        f'[[schedules]]\nname = "lundi"\ncron = "{expression}"\nperiod = "weekly"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = caught.value.reason
    assert "\n" not in message
    assert "schedule 'lundi'" in message and says in message and str(config) in message


def test_schedule_settings_defaults_and_checks() -> None:
    settings = Settings(schedules=[{"name": "hebdo", "cron": "weekly"}])
    (schedule,) = settings.schedules
    assert (schedule.period, schedule.timezone, schedule.misfire, schedule.empty) == (
        "weekly",
        "Europe/Brussels",
        "run-once",
        "skip",
    )
    with pytest.raises(ValueError, match="give period"):
        Settings(schedules=[{"name": "x", "cron": "0 7 * * 1"}])
    with pytest.raises(ValueError, match="names repeat"):
        Settings(schedules=[{"name": "x", "cron": "daily"}, {"name": "x", "cron": "weekly"}])
    with pytest.raises(InputError, match="no schedule named 'y'"):
        settings.schedule("y")


def test_the_sample_settings_have_an_example_schedule() -> None:
    (schedule,) = load_settings(ROOT / "digest.toml").schedules
    assert schedule.period == "weekly" and cron.expression(schedule.cron) == "0 7 * * 1"


# -- the misfire policies, as pure rules --------------------------------------------------------

WEEKLY = cron.trigger("weekly", BRUSSELS)


def plan(misfire: str, now: datetime, last_done: date | None) -> list[str]:
    periods = periods_to_build(
        kind="weekly",
        trigger=WEEKLY,
        zone=BRUSSELS,
        misfire=misfire,
        now=now.astimezone(UTC),
        last_done=last_done,
    )
    return [p.key for p in periods]


@pytest.mark.parametrize("misfire", ["skip", "run-once", "backfill"])
def test_an_on_time_run_builds_the_week_that_just_ended(misfire: str) -> None:
    w40 = period_of("weekly", date(2024, 9, 30)).start
    assert plan(misfire, at(2024, 10, 14, 7, 0), w40) == ["2024-W41"]
    # Before 07:00 on Monday the week that ended is not due yet; after it, not twice.
    assert plan(misfire, at(2024, 10, 14, 6, 59), w40) == []
    w41 = period_of("weekly", date(2024, 10, 7)).start
    assert plan(misfire, at(2024, 10, 14, 7, 30), w41) == []


def test_three_weeks_down_per_policy() -> None:
    w40 = period_of("weekly", date(2024, 9, 30)).start  # built on Monday 7 October
    back = at(2024, 10, 30, 10, 0)  # Wednesday: the runs of W41, W42 and W43 were missed
    assert plan("skip", back, w40) == []
    assert plan("run-once", back, w40) == ["2024-W43"]
    assert plan("backfill", back, w40) == ["2024-W41", "2024-W42", "2024-W43"]
    # Skip still builds a run that is late by less than its grace time.
    assert plan("skip", at(2024, 10, 28, 7, 0) + SKIP_GRACE, w40) == ["2024-W43"]
    assert plan("skip", at(2024, 10, 28, 7, 1) + SKIP_GRACE, w40) == []


def test_a_new_schedule_starts_with_the_period_due() -> None:
    assert plan("backfill", at(2024, 10, 30, 10, 0), None) == ["2024-W43"]


# -- daylight-saving weeks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "offsets"),
    [
        # 2024-03-31: clocks go from 02:00 to 03:00 (UTC+1 -> UTC+2).
        (at(2024, 3, 18, 0, 0), [1, 1, 2, 2]),
        # 2024-10-27: clocks go from 03:00 back to 02:00 (UTC+2 -> UTC+1).
        (at(2024, 10, 14, 0, 0), [2, 2, 1, 1]),
    ],
)
def test_weekly_fire_times_stay_at_seven_local_across_dst(
    first: datetime, offsets: list[int]
) -> None:
    fires, moment = [], first
    for _ in range(4):
        fire = WEEKLY.get_next_fire_time(None, moment)
        fires.append(fire)
        moment = fire + timedelta(seconds=1)
    assert [f.weekday() for f in fires] == [0, 0, 0, 0]
    assert [(f.hour, f.minute) for f in fires] == [(7, 0)] * 4
    assert [f.utcoffset() for f in fires] == [timedelta(hours=h) for h in offsets]
    # In UTC: the same tzinfo on both sides would subtract wall-clock times.
    utc = [f.astimezone(UTC) for f in fires]
    assert [(utc[i + 1] - utc[i]).total_seconds() / 3600 for i in range(3)] == [
        168 + offsets[i] - offsets[i + 1] for i in range(3)
    ]


@pytest.mark.parametrize(
    ("dst_sunday", "weeks"),
    [
        (date(2024, 3, 31), ["2024-W12", "2024-W13", "2024-W14"]),
        (date(2024, 10, 27), ["2024-W42", "2024-W43", "2024-W44"]),
    ],
)
def test_dst_weeks_give_exactly_one_edition_each(
    sample_tree: Path, dst_sunday: date, weeks: list[str]
) -> None:
    # One article in each of the three weeks: Wednesday before, the change's Sunday, after.
    for number, moment in enumerate(
        [
            datetime.combine(dst_sunday - timedelta(days=11), datetime.min.time(), BRUSSELS),
            datetime(dst_sunday.year, dst_sunday.month, dst_sunday.day, 12, 0, tzinfo=BRUSSELS),
            datetime.combine(dst_sunday + timedelta(days=3), datetime.min.time(), BRUSSELS),
        ]
    ):
        add_article(sample_tree, number, moment + timedelta(hours=10))
    settings = settings_for(sample_tree)
    trigger = trigger_of(settings.schedules[0])
    # Wake the scheduler at every fire time of four weeks, and at awkward moments between.
    # The first run builds the week before (no item: no edition).
    start = datetime.combine(dst_sunday - timedelta(days=13), datetime.min.time(), BRUSSELS)
    moments, moment = [], start
    while len(moments) < 4:
        moment = trigger.get_next_fire_time(None, moment)
        moments.append(moment)
        moment = moment + timedelta(seconds=1)
    extra = [
        moments[1] - timedelta(minutes=1),  # a minute early: nothing due yet
        moments[1] + timedelta(hours=1),  # a second wake-up the same day
        datetime(dst_sunday.year, dst_sunday.month, dst_sunday.day, 3, 30, tzinfo=BRUSSELS),
        datetime(dst_sunday.year, dst_sunday.month, dst_sunday.day, 23, 59, tzinfo=BRUSSELS),
    ]
    reports = [run_at(settings, m) for m in sorted(moments + extra)]
    assert all((m.hour, m.minute, m.weekday()) == (7, 0, 0) for m in moments)
    expected = [f"weekly-{week}" for week in weeks]
    assert built(reports) == expected
    assert editions(sample_tree) == expected
    # Each was built by the 07:00 run of the Monday after its week.
    runs = zip(sorted(moments + extra), reports, strict=True)
    by_run = {r.edition_id: m for m, report in runs for r in report.results if r.version}
    for edition, moment in by_run.items():
        week = edition.rsplit("-", 2)[-2:]
        period = period_of("weekly", date.fromisocalendar(int(week[0]), int(week[1][1:]), 1))
        assert moment.date() == period.end and (moment.hour, moment.minute) == (7, 0)
    dst_week = period_of("weekly", dst_sunday)
    manifest = json.loads(
        (sample_tree / "outbox" / "editions" / expected[1] / "manifest.json").read_text()
    )
    assert manifest["period"]["key"] == dst_week.key
    assert manifest["counts"]["items"] == 1  # the Sunday article is in its week, once


# -- three weeks of downtime, for real ----------------------------------------------------------


@pytest.mark.parametrize(
    ("misfire", "at_restart"),
    [
        ("skip", []),
        ("run-once", ["2024-W43"]),
        ("backfill", ["2024-W41", "2024-W42", "2024-W43"]),
    ],
)
def test_a_scheduler_down_for_three_weeks(
    sample_tree: Path, misfire: str, at_restart: list[str]
) -> None:
    for number, day in enumerate(
        [date(2024, 10, 2), date(2024, 10, 9), date(2024, 10, 23), date(2024, 10, 30)]
    ):
        add_article(
            sample_tree, number, datetime(day.year, day.month, day.day, 10, tzinfo=BRUSSELS)
        )
    settings = settings_for(sample_tree, misfire=misfire)
    first = run_at(settings, at(2024, 10, 7, 7, 0))  # builds W40, then the scheduler stops
    assert built([first]) == ["weekly-2024-W40"]
    back = run_at(settings, at(2024, 10, 30, 10, 15))  # Wednesday, three weeks later
    assert built([back]) == [f"weekly-{week}" for week in at_restart]
    again = run_at(settings, at(2024, 10, 30, 10, 16))  # a second start changes nothing
    assert again.results == ()
    monday = run_at(settings, at(2024, 11, 4, 7, 0))  # on time: only the week that ended
    assert built([monday]) == ["weekly-2024-W44"]
    assert editions(sample_tree) == sorted(
        f"weekly-{week}" for week in ["2024-W40", *at_restart, "2024-W44"]
    )


def test_empty_periods_give_no_edition_unless_asked(sample_tree: Path) -> None:
    settings = settings_for(sample_tree)
    report = run_at(settings, at(2024, 10, 28, 7, 0))  # W43 of the sample has no item
    assert [r.outcome for r in report.results] == ["empty"]
    assert editions(sample_tree) == []
    assert run_at(settings, at(2024, 10, 28, 8, 0)).results == ()  # done: not retried
    sending = settings_for(sample_tree, name="weekly-fr", empty="send")
    forced = run_at(sending, at(2024, 10, 28, 9, 0), force=True)
    assert [r.outcome for r in forced.results] == ["built"]
    assert editions(sample_tree) == ["weekly-2024-W43"]


# -- versions, themes, identity -----------------------------------------------------------------


def test_rebuilding_is_a_no_op_and_new_items_make_a_new_version(sample_tree: Path) -> None:
    settings = settings_for(sample_tree, audience="abonnes-fr", languages=["fr"])
    monday = at(2024, 10, 21, 7, 0)  # W42 of the sample has four items
    first = run_at(settings, monday, force=True)
    edition = scheduled_id(settings, "weekly-fr", period_of("weekly", date(2024, 10, 14)))
    assert [(r.edition_id, r.outcome, r.version) for r in first.results] == [(edition, "built", 1)]
    outbox = sample_tree / "outbox"
    before = tree_hashes(outbox)
    second = run_at(settings, monday + timedelta(hours=1), force=True)
    assert [(r.outcome, r.version) for r in second.results] == [("unchanged", 1)]
    assert tree_hashes(outbox) == before
    add_article(sample_tree, 5, at(2024, 10, 16, 11, 0))
    third = run_at(settings, monday + timedelta(hours=2), force=True)
    assert [(r.outcome, r.version) for r in third.results] == [("rebuilt", 2)]
    manifest = json.loads((outbox / "editions" / edition / "manifest.json").read_text())
    assert manifest["version"] == 2 and manifest["edition"] == edition
    assert manifest["schedule"] == {"name": "weekly-fr", "audience": "abonnes-fr"}
    assert manifest["languages"] == ["fr"] and manifest["variants"] == ["fr"]
    assert "articles/test-5" in manifest["items"]
    fourth = run_at(settings, monday + timedelta(hours=3), force=True)
    assert [(r.outcome, r.version) for r in fourth.results] == [("unchanged", 2)]


def test_plain_build_ids_and_manifests_are_unchanged(built_sample_tree: Path) -> None:
    manifest = json.loads(
        (
            built_sample_tree / "outbox" / "editions" / "weekly-2024-W42" / "manifest.json"
        ).read_text()
    )
    assert manifest["edition"] == "weekly-2024-W42"
    assert "version" not in manifest and "schedule" not in manifest


def test_theme_filter_keeps_only_those_sections(sample_tree: Path) -> None:
    everything = run_at(settings_for(sample_tree), at(2024, 10, 21, 7, 0), force=True)
    (edition,) = [r.edition_id for r in everything.results]
    manifest = json.loads(
        (sample_tree / "outbox" / "editions" / edition / "manifest.json").read_text()
    )
    sections = sorted({story["section"] for story in manifest["stories"]})
    assert len(sections) >= 2
    keep = sections[0]
    filtered = settings_for(sample_tree, name="weekly-fr", themes=[keep])
    (cut,) = run_at(filtered, at(2024, 10, 21, 8, 0), force=True).results
    # Another content, another edition: the whole week's stays as it was.
    assert cut.edition_id == f"{edition}.{keep}" and cut.version == 1
    manifest = json.loads(
        (sample_tree / "outbox" / "editions" / cut.edition_id / "manifest.json").read_text()
    )
    assert {story["section"] for story in manifest["stories"]} == {keep}
    stories_items = {i for story in manifest["stories"] for i in story["items"]}
    assert set(manifest["items"]) <= stories_items | set(manifest["items"])
    unknown = settings_for(sample_tree, themes=["no-such-theme"])
    with pytest.raises(ConfigError, match="schedule 'weekly-fr': unknown themes no-such-theme"):
        run_at(unknown, at(2024, 10, 21, 9, 0), force=True)


# -- locks and two schedulers -------------------------------------------------------------------


def test_locks_are_exclusive_and_stale_ones_are_taken_over(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/store.sqlite3")
    try:
        now = datetime(2024, 10, 21, 5, 0, tzinfo=UTC)
        assert take_lock(store, "e", "a", now) is None
        assert take_lock(store, "e", "b", now + timedelta(minutes=5)) == "a"
        assert take_lock(store, "e", "a", now + timedelta(minutes=6)) is None  # renewed
        release_lock(store, "e", "b")  # not b's: stays
        assert take_lock(store, "e", "b", now + timedelta(minutes=7)) == "a"
        stale = now + timedelta(minutes=6) + LOCK_STALE
        assert take_lock(store, "e", "b", stale) is None
        assert take_lock(store, "e", "a", stale) == "b"
        release_lock(store, "e", "b")
        assert take_lock(store, "e", "a", stale) is None
    finally:
        store.close()


def test_an_edition_locked_by_another_scheduler_is_left_to_it(sample_tree: Path) -> None:
    settings = settings_for(sample_tree)
    monday = at(2024, 10, 21, 7, 0)
    edition = scheduled_id(settings, "weekly-fr", period_of("weekly", date(2024, 10, 14)))
    store = Store(settings.store_url)
    try:
        assert take_lock(store, edition, "other-host:99", monday) is None
    finally:
        store.close()
    report = run_at(settings, monday, owner="me")
    assert [(r.outcome, r.detail) for r in report.results] == [("locked", "held by other-host:99")]
    assert editions(sample_tree) == []
    # The holder died: after LOCK_STALE its lock is taken over and the edition built.
    later = run_at(settings, monday + LOCK_STALE + timedelta(minutes=1), owner="me")
    assert [r.outcome for r in later.results] == ["built"]
    assert editions(sample_tree) == [edition]


def test_two_scheduler_processes_never_build_one_edition_twice(sample_tree: Path) -> None:
    (sample_tree / "digest.toml").write_text(
        (sample_tree / "digest.toml").read_text(encoding="utf-8")
        + '\n[[schedules]]\nname = "weekly-fr"\ncron = "weekly"\n',
        encoding="utf-8",
    )
    # The processes run on the real clock: give the week that just ended a story.
    last_week = period_of("weekly", datetime.now(BRUSSELS).date() - timedelta(days=7))
    add_article(sample_tree, 6, datetime(*last_week.start.timetuple()[:3], 10, tzinfo=BRUSSELS))
    env = {**os.environ, "DIGEST_INGEST_WORKERS": "1"}
    command = [sys.executable, "-m", "digest", "schedule", "run", "weekly-fr"]
    processes = [
        subprocess.Popen(command, cwd=sample_tree, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    lines = [p.communicate(timeout=120)[0] for p in processes]
    assert all(p.returncode == 0 for p in processes), lines
    text = "".join(lines)
    # The first run builds it; the other one waits for nothing: the lock is held
    # (locked), or the edition is there already (unchanged).
    assert text.count(": built (version 1)") == 1, text
    (edition,) = editions(sample_tree)
    manifest = json.loads(
        (sample_tree / "outbox" / "editions" / edition / "manifest.json").read_text()
    )
    assert manifest["version"] == 1


# -- the command ---------------------------------------------------------------------------------


def invoke(tree: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["schedule", *args, "--config", str(tree / "digest.toml")])


def test_schedule_list_and_run(sample_tree: Path) -> None:
    with time_machine.travel(at(2024, 10, 23, 12, 0), tick=False):
        listed = invoke(sample_tree, "list")
        assert listed.exit_code == 0, listed.output
        assert "hebdo" in listed.output and "2024-10-28 07:00" in listed.output
        assert "CET" in listed.output  # after the October change: UTC+1
        ran = invoke(sample_tree, "run", "hebdo")
        assert ran.exit_code == 0, ran.output
        assert "hebdo: period weekly 2024-W42, edition weekly-2024-W42: built" in ran.output
        listed = invoke(sample_tree, "list")
        assert "2024-W42" in listed.output and "built" in listed.output
        missing = invoke(sample_tree, "run", "nope")
        assert missing.exit_code == 1
        assert "no schedule named 'nope'" in missing.output


@pytest.fixture
def daemon(sample_tree: Path) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str]]]:
    env = {**os.environ, "DIGEST_INGEST_WORKERS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "digest", "schedule"],
        cwd=sample_tree,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        reader.join(timeout=10)
        assert process.stderr is not None
        process.stderr.close()


def wait_for(lines: queue.Queue[str], text: str) -> list[str]:
    seen = []
    while True:
        line = lines.get(timeout=60)
        seen.append(line)
        if text in line:
            return seen


def test_the_daemon_runs_and_stops_cleanly_on_sigterm(
    sample_tree: Path, daemon: tuple[subprocess.Popen[str], queue.Queue[str]]
) -> None:
    process, lines = daemon
    seen = wait_for(lines, "digest schedule: started (hebdo)")
    # Its first run happens at once: the misfire policy decides what is due.
    seen += wait_for(lines, "hebdo: ")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    seen += [lines.get(timeout=5) for _ in range(lines.qsize())]
    assert "stopping after the job in hand" in " ".join(seen)
    assert seen[-1].endswith("digest schedule: stopped")
    store = Store(load_settings(sample_tree / "digest.toml").store_url)
    try:
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT id, next_run_time FROM apscheduler_jobs").all()
    finally:
        store.close()
    assert [row[0] for row in rows] == ["digest-schedule:hebdo"]
    next_run = datetime.fromtimestamp(rows[0][1], BRUSSELS)
    assert (next_run.weekday(), next_run.hour, next_run.minute) == (0, 7, 0)


def test_the_daemon_needs_a_schedule(sample_tree: Path) -> None:
    config = sample_tree / "digest.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text[: text.index("[[schedules]]")], encoding="utf-8")
    result = run_digest(sample_tree, "schedule", timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().endswith("no schedule in the settings: add a [[schedules]] entry")


def test_plain_build_still_ignores_schedules(sample_tree: Path) -> None:
    report = build(
        load_settings(sample_tree / "digest.toml", ingest_workers=1),
        since=date(2024, 10, 14),
        until=date(2024, 10, 20),
    )
    assert [e.id for e in report.editions] == ["weekly-2024-W42"]
