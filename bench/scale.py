"""Scale benchmark (issue 15): backfill, no-change, incremental and ingest runs at 10,000
and 100,000 items, each a fresh ``digest`` process, with wall time and peak memory.

```
.venv/bin/python bench/scale.py                      # 10,000 and 100,000 items (long)
.venv/bin/python bench/scale.py --items 2000         # one small size, under a minute
.venv/bin/python bench/scale.py --sizes 10000 --no-postgres
```

Writes ``bench/results.json`` (``--output``) and prints a table. Every run is the
command line ``digest ...`` run by ``.venv/bin/python bench/scale.py --child``, which
notes when each edition's period is done (through the command's progress bar) and, for
the profiled reruns, runs it under cProfile. The corpus is :mod:`scale_corpus`'s.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import scale_corpus  # noqa: E402

BIN = ROOT / ".venv" / "bin"
TARGETS = {
    "backfill_seconds": 120.0,
    "backfill_peak_mb": 1024.0,
    "no_change_seconds": 2.0,
    "incremental_seconds": 5.0,
    "incremental_ratio": 1.3,
    "edition_seconds": 0.2,
}
PROFILE_LINES = 25


def child(timeline: str, profile: str, argv: list[str]) -> None:
    """Run ``digest argv`` in this process, noting the progress bar's calls."""
    started = time.perf_counter()
    marks: list[list[Any]] = []
    from digest.cli import main as cli

    try:
        from digest.cli import editions

        bar = editions._ProgressBar
        start, advance = bar.start, bar.advance

        def noted_start(self: Any, total: int, what: str) -> None:
            marks.append(["start", time.perf_counter() - started, total])
            start(self, total, what)

        def noted_advance(self: Any) -> None:
            marks.append(["advance", time.perf_counter() - started])
            advance(self)

        bar.start, bar.advance = noted_start, noted_advance  # type: ignore[method-assign]
    except (ImportError, AttributeError):
        pass
    try:
        # Every item's parts are computed in one stage before the first edition that
        # needs them: noted apart, so that it does not count as that edition's time.
        from digest.build import Publisher

        prepare = Publisher.prepare

        def noted_prepare(self: Any, periods: Any) -> Any:
            began = time.perf_counter() - started
            try:
                return prepare(self, periods)
            finally:
                marks.append(["prepare", began, time.perf_counter() - started])

        Publisher.prepare = noted_prepare  # type: ignore[method-assign]
    except (ImportError, AttributeError):
        pass
    code: object = 0
    try:
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            try:
                profiler.runcall(cli, args=argv, prog_name="digest")
            finally:
                profiler.dump_stats(profile)
        else:
            # As the ``digest`` program runs (its garbage collector's settings), not as
            # tests call the group's ``main``.
            cli(args=argv, prog_name="digest")
    except SystemExit as exc:
        code = exc.code
    finally:
        marks.append(["end", time.perf_counter() - started])
        Path(timeline).write_text(json.dumps(marks))
    sys.exit(code)


def _child_environment(extra: dict[str, str] | None) -> dict[str, str]:
    """The environment of a measured run: this one with ``extra``, bytecode written and read
    as an installed package has it (pip compiles it at install). This machine sets
    PYTHONDONTWRITEBYTECODE, which would make every run compile digest again (~0.15-0.3 s)."""
    found = {**os.environ, **(extra or {})}
    found.pop("PYTHONDONTWRITEBYTECODE", None)
    return found


def run(
    tree: Path,
    argv: list[str],
    label: str,
    *,
    env: dict[str, str] | None = None,
    profile: bool = False,
) -> dict[str, Any]:
    """Run ``digest argv`` in ``tree`` in a fresh process: seconds, peak memory, its summary."""
    logs = tree.parent / "logs"
    logs.mkdir(exist_ok=True)
    stem = f"{tree.name}-{label}" + ("-profile" if profile else "")
    timeline, stats = logs / f"{stem}.timeline.json", logs / f"{stem}.pstats"
    command = [str(BIN / "python"), str(Path(__file__).resolve()), "--child", str(timeline)]
    command += [str(stats) if profile else "", "--", *argv]
    print(f"  {label}{' (cProfile)' if profile else ''}: digest {' '.join(argv)}", flush=True)
    with open(logs / f"{stem}.out", "wb") as out:
        began = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=tree,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_child_environment(env),
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    text = (logs / f"{stem}.out").read_text(errors="replace")
    result: dict[str, Any] = {
        "command": "digest " + " ".join(argv),
        "seconds": round(seconds, 3),
        # ru_maxrss (KiB on Linux): the largest of the process and its waited-for children.
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "exit": process.returncode,
        "summary": next((ln for ln in text.splitlines() if ln.startswith("items:")), ""),
        "log": str(logs / f"{stem}.out"),
    }
    if process.returncode:
        result["tail"] = text.splitlines()[-15:]
    result.update(_timeline(timeline))
    if profile:
        result["profile"] = top_functions(stats)
    failed = f"; exit {process.returncode}: {text.splitlines()[-1:]}" if process.returncode else ""
    print(
        f"    {seconds:.2f} s, {result['peak_mb']:.0f} MB peak; {result['summary']}{failed}",
        flush=True,
    )
    return result


def _timeline(path: Path) -> dict[str, Any]:
    """Seconds before the first period (imports, reading the sources), per period, after."""
    if not path.exists():
        return {}
    marks = json.loads(path.read_text())
    starts = [m for m in marks if m[0] == "start"]
    if not starts:
        return {}
    times = [starts[0][1]] + [m[1] for m in marks if m[0] == "advance"]
    periods = [b - a for a, b in itertools.pairwise(times)]
    parts = 0.0
    for _, began, ended in (m for m in marks if m[0] == "prepare"):
        # The parts stage falls within one period (the first to be built): not its time.
        parts += ended - began
        for index, (a, b) in enumerate(itertools.pairwise(times)):
            if a <= began and ended <= b:
                periods[index] -= ended - began
    out: dict[str, Any] = {
        "before_editions_seconds": round(starts[0][1], 3),
        "periods": len(periods),
        "parts_seconds": round(parts, 3),
        "editions_seconds": round(sum(periods), 3),
        "after_editions_seconds": round(marks[-1][1] - times[-1], 3),
    }
    if periods:
        out["period_seconds_median"] = round(statistics.median(periods), 4)
        out["period_seconds_max"] = round(max(periods), 4)
        out["_periods"] = periods
    return out


def top_functions(path: Path, count: int = PROFILE_LINES) -> dict[str, Any]:
    """The functions with the most cumulative time in a cProfile dump (the command line's
    own wrappers left out), then those with the most time of their own."""
    if not path.exists():
        return {}
    stats = pstats.Stats(str(path))
    rows = []
    for (file, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = file.replace(str(ROOT) + "/", "").split("site-packages/")[-1]
        rows.append(
            {
                "function": f"{where}:{line}({name})",
                "calls": calls,
                "tottime": round(tottime, 3),
                "cumtime": round(cumtime, 3),
            }
        )
    total = max((r["cumtime"] for r in rows), default=0.0)
    wrappers = ("click/", "digest/cli/", "bench/scale.py", "~:0(<built-in method builtins.exec>)")
    cumulative = [r for r in rows if not r["function"].startswith(wrappers)]
    cumulative.sort(key=lambda r: r["cumtime"], reverse=True)
    own = sorted(rows, key=lambda r: r["tottime"], reverse=True)
    return {
        "total_seconds": total,
        "top_cumulative": cumulative[:count],
        "top_own_time": own[:15],
    }


def _built(result: dict[str, Any]) -> int:
    summary = result.get("summary", "")
    try:
        return int(summary.split("editions: ")[1].split(" built")[0])
    except (IndexError, ValueError):
        return 0


def edition_figures(backfill: dict[str, Any]) -> dict[str, Any]:
    """Time per built edition: the longest periods of the backfill, one per built edition
    (the others are weeks with no item, which cost a query). With editions built ahead in a
    second process (``digest.editions_ahead``), the time per edition of the backfill, not
    of one edition alone."""
    periods = sorted(backfill.pop("_periods", []), reverse=True)
    built = _built(backfill)
    if not built or not periods:
        return {}
    chosen = periods[:built]
    return {
        "editions_built": built,
        "edition_seconds_mean": round(sum(chosen) / len(chosen), 4),
        "edition_seconds_median": round(statistics.median(chosen), 4),
        "edition_seconds_max": round(chosen[0], 4),
    }


def measure_size(
    folder: Path, size: int, args: argparse.Namespace, save: Callable[[dict[str, Any]], None]
) -> None:
    """Every run at ``size`` items; ``save`` is given the figures after each step."""
    tree = folder / f"n{size}"
    print(f"{size:,} items: writing the corpus into {tree}", flush=True)
    began = time.perf_counter()
    corpus = scale_corpus.write_tree(tree, size, args.seed, first=args.first)
    figures: dict[str, Any] = {
        "corpus": {
            "items": corpus.items,
            "feed_items": corpus.feed_items,
            "article_files": corpus.article_files,
            "feeds": corpus.feeds,
            "stories": corpus.stories,
            "near_duplicates": corpus.near_duplicates,
            "translations": corpus.translations,
            "megabytes": round(corpus.bytes / 1e6, 1),
            "first_day": str(args.first.date()),
            "seconds_to_write": round(time.perf_counter() - began, 1),
        }
    }
    heavy_profiles = args.profile and size == min(args.sizes)
    backfill_args = ["build", "--since", str(args.first.date())]
    backfill = run(tree, backfill_args, "backfill")
    figures["edition"] = edition_figures(backfill)
    figures["backfill"] = backfill
    save(figures)
    no_change = run(tree, backfill_args, "no-change")
    no_change.pop("_periods", None)
    figures["no_change"] = no_change
    save(figures)
    week = scale_corpus.LAST_WEEK
    week_args = ["build", "--since", str(week), "--until", str(week + timedelta(days=6))]
    added = scale_corpus.add_items(tree, args.new_items, week, args.seed + 1, tree_seed=args.seed)
    incremental = run(tree, week_args, "incremental")
    incremental.pop("_periods", None)
    incremental["new_items"] = added
    figures["incremental"] = incremental
    save(figures)
    if args.profile and incremental["seconds"] >= TARGETS["incremental_seconds"]:
        # Another batch of new items in the same week, profiled.
        scale_corpus.add_items(tree, args.new_items, week, args.seed + 2, tree_seed=args.seed)
        again = run(tree, week_args, "incremental", profile=True)
        incremental["profile"] = again.get("profile", {})
        incremental["profile_note"] = "another batch of new items in the same week, in cProfile"
        save(figures)
    if heavy_profiles and no_change["seconds"] >= TARGETS["no_change_seconds"]:
        # The store now has the incremental run's items too: the same command, once more.
        no_change["profile"] = run(tree, backfill_args, "no-change", profile=True).get("profile")
        no_change["profile_note"] = "the same command again later (store with the new items)"
        save(figures)
    if heavy_profiles and not args.no_backfill_profile:
        # The backfill again into a new tree, under cProfile (at the smallest size only:
        # it takes about as long as the backfill, or more).
        fresh = scale_corpus.write_tree(
            folder / f"n{size}-again", size, args.seed, first=args.first
        )
        profiled = run(fresh.root, backfill_args, "backfill", profile=True)
        backfill["profile"] = profiled.get("profile", {})
        backfill["profile_note"] = f"the backfill of {size:,} items again, in cProfile"
        save(figures)
        if not args.keep:
            shutil.rmtree(fresh.root, ignore_errors=True)
    if not args.keep:
        shutil.rmtree(tree, ignore_errors=True)


def measure_postgres(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Ingest of a new corpus into a new PostgreSQL database with 1, 2 and 4 workers."""
    from tests.postgres import fresh_database, postgres_server

    size = args.pg_size or min(args.sizes)
    help_text = subprocess.run(
        [str(BIN / "digest"), "--help"], capture_output=True, text=True, check=False
    ).stdout
    has_worker = any(line.split()[:1] == ["worker"] for line in help_text.splitlines())
    out: dict[str, Any] = {
        "items": size,
        "digest_worker_command": has_worker,
        "how": (
            "`digest build` of one empty week in 2030 (so: reading every source into the "
            "store, and no edition) into a new PostgreSQL database, with the setting "
            "ingest_workers (DIGEST_INGEST_WORKERS) = 1, 2 and 4 in one digest process"
            + (
                "; `digest worker` exists, but this measures the setting, not several "
                "worker processes sharing a queue"
                if has_worker
                else "; there is no `digest worker` command yet"
            )
        ),
        "runs": {},
    }
    tree = scale_corpus.write_tree(folder / f"pg{size}", size, args.seed, first=args.first).root
    with postgres_server() as server:
        if server is None:
            out["skipped"] = "no PostgreSQL server here (scripts/system-deps installs one)"
            return out
        for workers in args.pg_workers:
            url = fresh_database(server)
            env = {"DIGEST_STORE_URL": url, "DIGEST_INGEST_WORKERS": str(workers)}
            result = run(
                tree, ["build", "--since", "2030-01-07", "--until", "2030-01-07"],
                f"pg-ingest-{workers}", env=env,
            )  # fmt: skip
            result.pop("_periods", None)
            result["items_per_second"] = round(size / result["seconds"], 1)
            out["runs"][str(workers)] = result
    if not args.keep:
        shutil.rmtree(tree, ignore_errors=True)
    return out


def verdicts(sizes: dict[str, Any]) -> dict[str, Any]:
    """Each target against the largest size measured (the ratio: largest over smallest);
    a figure not measured (a run not done yet) is judged None."""
    largest = max(sizes, key=int)
    smallest = min(sizes, key=int)
    big = sizes[largest]
    at = f"at {int(largest):,} items" + (
        "" if int(largest) == 100_000 else " (target is for 100,000)"
    )
    out: dict[str, Any] = {}

    def judge(name: str, value: float | None, target: float, less: bool = True) -> None:
        met = None if value is None else (value < target if less else value <= target)
        out[name] = {"measured": value, "target": target, "met": met, "where": at}

    def seconds(size: str, key: str) -> float | None:
        run = sizes[size].get(key) or {}
        return None if run.get("exit", 0) or "seconds" not in run else float(run["seconds"])

    judge("backfill_seconds", seconds(largest, "backfill"), TARGETS["backfill_seconds"])
    judge(
        "backfill_peak_mb",
        (big.get("backfill") or {}).get("peak_mb"),
        TARGETS["backfill_peak_mb"],
    )
    judge("no_change_seconds", seconds(largest, "no_change"), TARGETS["no_change_seconds"])
    judge("incremental_seconds", seconds(largest, "incremental"), TARGETS["incremental_seconds"])
    judge(
        "edition_seconds",
        (big.get("edition") or {}).get("edition_seconds_mean"),
        TARGETS["edition_seconds"],
    )
    if largest != smallest:
        high, low = seconds(largest, "incremental"), seconds(smallest, "incremental")
        ratio = round(high / low, 3) if high and low else None
        judge("incremental_ratio", ratio, TARGETS["incremental_ratio"], less=False)
        out["incremental_ratio"]["where"] = f"{int(largest):,} over {int(smallest):,} items"
    return out


def machine() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "src"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), "")
    memory = 0
    with open("/proc/meminfo", encoding="utf-8") as info:
        memory = int(next(ln.split()[1] for ln in info if ln.startswith("MemTotal")))
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "src_uncommitted_changes": bool(dirty),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory / 1024 / 1024, 1),
        "load_average_at_start": os.getloadavg(),
    }


def table(results: dict[str, Any]) -> str:
    """The figures as a plain-text table, then PostgreSQL's ingest and the targets."""
    sizes = results.get("sizes", {})
    names = sorted(sizes, key=int)
    rows = [("work", *[f"{int(n):,} items" for n in names])]

    def cell(n: str, key: str) -> str:
        run = sizes[n].get(key)
        if not run:
            return "-"
        failed = f" (exit {run['exit']})" if run.get("exit") else ""
        cpu = f" ({run['cpu_seconds']:.0f} s CPU)" if "cpu_seconds" in run else ""
        return f"{run['seconds']:.2f} s{cpu}, {run['peak_mb']:.0f} MB{failed}"

    rows.append(("full backfill", *[cell(n, "backfill") for n in names]))
    rows.append(
        (
            "  of which editions",
            *[f"{sizes[n].get('backfill', {}).get('editions_seconds', 0):.1f} s" for n in names],
        )
    )
    rows.append(
        (
            "  of which items' parts",
            *[f"{sizes[n].get('backfill', {}).get('parts_seconds', 0):.1f} s" for n in names],
        )
    )
    rows.append(("no-change run", *[cell(n, "no_change") for n in names]))
    rows.append(("incremental (new items)", *[cell(n, "incremental") for n in names]))
    rows.append(
        (
            "one edition in the backfill (mean/median)",
            *[
                f"{e.get('edition_seconds_mean', 0):.3f}/{e.get('edition_seconds_median', 0):.3f} s"
                for e in (sizes[n].get("edition", {}) for n in names)
            ],
        )
    )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    pg = results.get("postgres", {})
    for workers, r in pg.get("runs", {}).items():
        lines.append(
            f"ingest of {pg['items']:,} items into PostgreSQL, ingest_workers={workers}: "
            f"{r['seconds']:.2f} s, {r['cpu_seconds']:.0f} s CPU "
            f"({r['items_per_second']:,.0f} items/s), {r['peak_mb']:.0f} MB"
        )
    for name, v in results.get("targets", {}).items():
        state = {True: "met", False: "MISSED", None: "not measured"}[v["met"]]
        lines.append(f"target {name}: {v['measured']} vs {v['target']} ({v['where']}): {state}")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[5:])
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated item counts")
    parser.add_argument("--items", type=int, help="one size only (e.g. 2000 for a quick run)")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--new-items", type=int, default=1000, help="items of the incremental run")
    parser.add_argument(
        "--no-profile", dest="profile", action="store_false", help="no cProfile reruns"
    )
    parser.add_argument("--no-backfill-profile", action="store_true")
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        metavar="RESULTS",
        help="only merge the sizes (and the PostgreSQL ingest) of other results files into "
        "--output, and print the table",
    )
    parser.add_argument(
        "--backfill-profile-of",
        type=int,
        metavar="ITEMS",
        help="only profile a backfill of ITEMS items, into the existing --output",
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--pg-size", type=int, help="items of the PostgreSQL ingest (default: smallest size)"
    )
    parser.add_argument("--pg-workers", default="1,2,4")
    parser.add_argument(
        "--first-year", type=int, default=2021, help="first year of the corpus and the backfill"
    )
    parser.add_argument("--folder", type=Path, help="work folder (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the trees and stores")
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    args.sizes = [args.items] if args.items else [int(s) for s in args.sizes.split(",")]
    args.pg_workers = [int(w) for w in args.pg_workers.split(",")]
    args.first = datetime(args.first_year, 1, 1, 6, 0, tzinfo=UTC)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="digest-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": machine(),
        "note": (
            "2 cores shared with other sessions' work (tests, builds) while measuring: "
            "wall times can be off by a factor of two; cpu_seconds is the processes' own CPU"
        ),
        "targets_set": TARGETS,
        "sizes": {},
    }

    def save(part: str, figures: dict[str, Any]) -> None:
        results.setdefault("sizes", {})[part] = figures
        results["targets"] = verdicts(results["sizes"])
        args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")

    if args.merge:
        # The sizes of other runs' results (a size run on its own) into --output.
        results = json.loads(args.output.read_text())
        for other in args.merge:
            found = json.loads(other.read_text())
            results.setdefault("sizes", {}).update(found["sizes"])
            if "postgres" in found:  # its ingest into PostgreSQL, when it measured one
                results["postgres"] = found["postgres"]
        results["targets"] = verdicts(results["sizes"])
        args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        print(table(results))
        return
    if args.backfill_profile_of:
        # Only a profiled backfill, merged into the results already written.
        results = json.loads(args.output.read_text())
        size = args.backfill_profile_of
        tree = scale_corpus.write_tree(folder / f"n{size}-again", size, args.seed, first=args.first)
        profiled = run(
            tree.root, ["build", "--since", str(args.first.date())], "backfill", profile=True
        )
        entry = results.setdefault("sizes", {}).setdefault(str(size), {}).setdefault("backfill", {})
        entry["profile"] = profiled.get("profile", {})
        entry["profile_note"] = (
            f"the backfill of {size:,} items again, in cProfile ({profiled['seconds']:.0f} s)"
        )
        args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        return
    if not args.no_postgres:
        results["postgres"] = measure_postgres(folder, args)
        args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    for size in args.sizes:
        measure_size(folder, size, args, lambda figures, size=size: save(str(size), figures))
    results["machine"]["load_average_at_end"] = os.getloadavg()
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print()
    print(table(results))
    print(f"\nresults: {args.output}; work folder: {folder}")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
