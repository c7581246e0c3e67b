"""``digest subscribers``: the subscribers in the store, run as an operator would, and
the registry under it on each kind of store.

Each test works in its own folder with a real SQLite store and the project's taxonomy;
the spreadsheet file and what import must say about it are data files side by side
(``tests/data/subscribers/``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest.deliver import ImportResult, Registry, Subscriber
from digest.errors import InputError
from digest.store import Store
from tests.conftest import ROOT, run_digest

DATA = Path(__file__).resolve().parent / "data" / "subscribers"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A folder with a store setting and the project's themes.toml; no subscriber yet."""
    (tmp_path / "digest.toml").write_text(
        'store_url = "sqlite:///store.sqlite3"\n[paths]\noutbox = "outbox"\n', encoding="utf-8"
    )
    shutil.copy(ROOT / "themes.toml", tmp_path / "themes.toml")
    return tmp_path


def digest(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_digest(tree, "subscribers", *args, "--config", str(tree / "digest.toml"))


def listed(tree: Path, *options: str) -> list[list[str]]:
    """``digest subscribers list``: address, languages, themes and status of each line."""
    result = digest(tree, "list", *options)
    assert result.returncode == 0, result.stderr
    return [line.split("\t")[:4] for line in result.stdout.splitlines()]


@pytest.mark.parametrize("name", sorted(p.stem for p in DATA.glob("*.csv")))
def test_import_refuses_each_bad_row_in_one_line(tree: Path, name: str) -> None:
    expected = json.loads((DATA / f"{name}.expected.json").read_text(encoding="utf-8"))
    shutil.copy(DATA / f"{name}.csv", tree / f"{name}.csv")
    result = digest(tree, "import", f"{name}.csv")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == len(expected["refused"]), result.stderr
    for line, start in zip(lines, expected["refused"], strict=True):
        assert line.startswith(start), line
        assert line.endswith("; row skipped"), line
    assert result.stdout.splitlines()[-1] == expected["summary"]
    assert listed(tree) == expected["subscribers"]


def test_add_remove_and_import_keep_every_address_and_its_consent(tree: Path) -> None:
    added = digest(
        tree, "add", "Marie@Bücher.Example", "--languages", "nl,fr", "--themes", "ethics"
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("added: Marie@xn--bcher-kva.example\tnl+fr\tethics\tactive\t")
    assert digest(tree, "add", "p@example.org", "--status", "pending").returncode == 0
    same = digest(tree, "add", "marie@bücher.example", "--languages", "nl,fr", "--themes", "ethics")
    # The local part is the mailbox's to interpret: another case is another address.
    assert same.stdout.startswith("added: marie@xn--bcher-kva.example")

    for args, message in [
        (("add", "x@example.org", "--themes", "astrology"), "unknown theme astrology"),
        (("add", "x@example.org", "--languages", "fr,xx"), "languages 'fr,xx': unknown"),
        (("add", "not-an-address"), "'not-an-address' is not a usable address"),
        (("add", "x@xn--zz.example"), "'x@xn--zz.example' is not a usable address"),
        (("remove", "nobody@example.org"), "nobody@example.org: no such subscriber"),
    ]:
        refused = digest(tree, *args)
        assert refused.returncode == 1, args
        assert refused.stderr.startswith(f"digest: error: {message}"), refused.stderr
        assert refused.stderr.count("\n") == 1
        assert not refused.stdout

    removed = digest(tree, "remove", "Marie@Bücher.Example")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.startswith("unsubscribed: Marie@xn--bcher-kva.example\tnl+fr")
    assert listed(tree, "--status", "unsubscribed") == [
        ["Marie@xn--bcher-kva.example", "nl+fr", "ethics", "unsubscribed"]
    ]

    # An old file says active: the address that left stays unsubscribed, its choices change.
    (tree / "old.csv").write_text(
        "email,languages,themes\nMarie@xn--bcher-kva.example,fr,\nnew@example.org,nl,\n",
        encoding="utf-8",
    )
    imported = digest(tree, "import", "old.csv")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines() == [
        "kept unsubscribed: Marie@xn--bcher-kva.example",
        "old.csv: added 1, updated 1, unchanged 0",
    ]
    assert listed(tree) == [
        ["Marie@xn--bcher-kva.example", "fr", "", "unsubscribed"],
        ["marie@xn--bcher-kva.example", "nl+fr", "ethics", "active"],
        ["new@example.org", "nl", "", "active"],
        ["p@example.org", "fr", "", "pending"],
    ]
    assert listed(tree, "--status", "pending") == [["p@example.org", "fr", "", "pending"]]


def test_export_is_what_import_reads(tree: Path) -> None:
    for address, languages in [("a@example.org", "fr"), ("b@café.example", "nl,fr")]:
        assert digest(tree, "add", address, "--languages", languages).returncode == 0
    assert digest(tree, "remove", "a@example.org").returncode == 0
    (tree / "restore.csv").write_text(
        "email,languages,themes,status,reason\nc@example.org,fr,,bounced,550 no such user\n",
        encoding="utf-8",
    )
    assert digest(tree, "import", "restore.csv").returncode == 0
    exported = digest(tree, "export", "out.csv")
    assert exported.returncode == 0, exported.stderr
    assert exported.stderr == "out.csv: 3 subscribers\n"
    text = (tree / "out.csv").read_text(encoding="utf-8")
    rows = [line.split(",")[:4] for line in text.splitlines()]
    assert rows == [
        ["email", "languages", "themes", "status"],
        ["a@example.org", "fr", "", "unsubscribed"],
        ["b@xn--caf-dma.example", "nl+fr", "", "active"],
        ["c@example.org", "fr", "", "bounced"],
    ]
    assert text.splitlines()[3].startswith("c@example.org,fr,,bounced,550 no such user,")
    stdout = digest(tree, "export")
    assert stdout.stdout == text
    again = digest(tree, "import", "out.csv")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == ["out.csv: added 0, updated 0, unchanged 3"]


def test_a_file_without_the_columns_is_one_line(tree: Path) -> None:
    (tree / "bad.csv").write_text("address;lang\na@example.org;fr\n", encoding="utf-8")
    result = digest(tree, "import", "bad.csv")
    assert result.returncode == 1
    assert result.stderr.startswith("digest: error: bad.csv: the header row needs the columns")
    assert result.stderr.count("\n") == 1
    missing = digest(tree, "import", "nothing.csv")
    assert missing.returncode == 1
    assert missing.stderr == "digest: error: subscribers file nothing.csv does not exist\n"


def test_registry_on_each_store(store_url: str) -> None:
    """The same operations on SQLite and PostgreSQL: statuses, dates, consent kept."""
    store = Store(store_url)
    registry = Registry(store.engine)
    t0 = datetime(2030, 1, 1, tzinfo=UTC)
    t1 = t0 + timedelta(days=1)
    try:
        assert registry.count() == 0 and registry.newest_change() is None
        anne = Subscriber("anne@example.org", ("nl", "fr"), ("ethics",))
        assert registry.add(anne, t0) == "added"
        assert registry.add(anne, t1) == "unchanged"
        assert registry.add(replace(anne, themes=()), t1) == "updated"
        # Languages changed, status not: the date of the status stays.
        assert registry.get(anne.email) == replace(anne, themes=(), updated=t0)
        gone = registry.set_status(anne.email, "unsubscribed", t1)
        assert (gone.status, gone.updated) == ("unsubscribed", t1)
        result = registry.import_subscribers(
            [replace(anne, languages=("fr",)), Subscriber("bram@example.org", ("nl",))], t1
        )
        assert result == ImportResult(
            added=("bram@example.org",),
            updated=("anne@example.org",),
            kept=(("anne@example.org", "unsubscribed"),),
        )
        assert [(s.email, s.languages, s.status) for s in registry.list()] == [
            ("anne@example.org", ("fr",), "unsubscribed"),
            ("bram@example.org", ("nl",), "active"),
        ]
        with pytest.raises(InputError, match="is active, not bounced"):
            registry.set_status("bram@example.org", "active", t1, only_from="bounced")
        assert registry.newest_change() == t1
    finally:
        store.close()


def test_the_commands_offer_the_statuses_a_subscriber_may_have() -> None:
    # The commands spell them, so that `digest build` does not import the delivery code.
    from digest.cli.subscribers import STATUSES as offered
    from digest.deliver.subscribers import STATUSES

    assert offered == STATUSES
