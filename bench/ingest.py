"""How fast digest ingests feeds, against plain parser loops on the same files.

Writes a seeded corpus of RSS and Atom files into a temporary folder, then times:

- ``plain feedparser``: ``feedparser.parse`` on each file's bytes (the baseline);
- ``plain feedparser-rs``: the same loop with ``feedparser_rs.parse``, when installed;
- ``digest ingest``: :func:`digest.ingest.ingest` over one ``FeedSource`` per file into a
  fresh SQLite store (read, parse, normalise, sanitise, detect language, store), once in
  one process and once with a worker per core, as ``digest build`` runs it;
- ``digest re-ingest``: the same call again on the same store (nothing new to write).

The baseline and the ingests run interleaved, in ``--repeats`` rounds (5 by default): each
round times the baseline, then each ingest, so the ratio of a round compares runs made under
the same load; the table gives the medians. Then profiles one more ingest with cProfile.
Run with ``make bench``; see bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import platform
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from statistics import median
from types import ModuleType

import feedparser

from corpus import Corpus, feed_id, write_corpus
from digest.ingest import ingest, worker_count
from digest.model import Problem
from digest.sources import SourceAdapter
from digest.sources.feeds import FeedSource
from digest.store import Store, StoreCounts

SEED = 1234
#: Repeats of the quick feedparser-rs loop; the best one is kept.
REPEATS = 3
#: Interleaved rounds of the baseline and the ingests; the medians are reported.
ROUNDS = 5
TIMEZONE = "Europe/Brussels"
BASELINE = "plain feedparser"


@dataclass(frozen=True)
class Result:
    """One line of the table."""

    name: str
    items: int
    seconds: float

    @property
    def rate(self) -> float:
        """Items per second."""
        return self.items / self.seconds if self.seconds else float("inf")


@dataclass(frozen=True)
class IngestRun:
    """What one timed :func:`~digest.ingest.ingest` call did."""

    counts: StoreCounts
    problems: tuple[Problem, ...]
    seconds: float

    @property
    def items(self) -> int:
        """Items that reached the store, whether added, updated or unchanged."""
        return self.counts.added + self.counts.updated + self.counts.unchanged


def machine() -> str:
    """One line naming the interpreter, the platform, the processor and its cores."""
    processor = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                processor = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"Python {platform.python_version()} ({platform.python_implementation()}) on "
        f"{platform.platform(terse=True)}, {processor}, {os.cpu_count()} cores"
    )


def versions(rust: ModuleType | None) -> str:
    """The versions of the libraries that do the work."""
    names = ["feedparser", "nh3", "SQLAlchemy", "py3langid"]
    if rust is not None:
        names.insert(1, "feedparser-rs")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} ?")
    return ", ".join(found)


def best_of(repeats: int, run: Callable[[], int]) -> tuple[int, float]:
    """Call ``run`` ``repeats`` times; its item count and the fastest time in seconds."""
    best = float("inf")
    items = 0
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        items = run()
        best = min(best, time.perf_counter() - start)
    return items, best


def parse_loop(parse: Callable[[bytes], object], files: Sequence[Path]) -> Callable[[], int]:
    """A loop that parses every file's bytes with ``parse`` and counts the entries."""

    def run() -> int:
        entries = 0
        for path in files:
            entries += len(parse(path.read_bytes()).entries)  # type: ignore[attr-defined]
        return entries

    return run


def adapters(files: Sequence[Path]) -> list[SourceAdapter]:
    """One feed adapter per file, as ``feeds.toml`` would declare them (no feed-state store)."""
    return [
        FeedSource(feed_id(index), str(path), title=f"Bench feed {index:03d}", timezone=TIMEZONE)
        for index, path in enumerate(files)
    ]


def timed_ingest(files: Sequence[Path], store: Store, workers: int = 1) -> IngestRun:
    """Ingest ``files`` into ``store`` once, counting the problems reported."""
    problems: list[Problem] = []
    sources = adapters(files)
    gc.collect()
    start = time.perf_counter()
    counts = ingest(sources, store, problems.append, workers=workers)
    return IngestRun(counts, tuple(problems), time.perf_counter() - start)


@dataclass(frozen=True)
class Round:
    """One interleaved round: the baseline loop, then each ingest, back to back."""

    baseline_items: int
    #: Seconds of the plain feedparser loop.
    baseline: float
    alone: IngestRun
    first: IngestRun
    again: IngestRun

    def ratio(self, which: str) -> float:
        """Items/s of one ingest (``alone``, ``first``, ``again``) over this round's baseline."""
        run: IngestRun = getattr(self, which)
        return (run.items / run.seconds) / (self.baseline_items / self.baseline)

    def summary(self, pool: str) -> str:
        """One line: the baseline's seconds and each ingest's ratio."""
        return (
            f"plain feedparser {self.baseline:.2f}s; 1 process {self.ratio('alone'):.2f}x, "
            f"{pool} {self.ratio('first'):.2f}x, re-ingest {self.ratio('again'):.2f}x"
        )


def timed_round(
    folder: Path, files: Sequence[Path], workers: int, baseline: Callable[[], int], number: int
) -> Round:
    """Time the baseline once, then ingests into new stores (and a re-ingest)."""
    gc.collect()
    start = time.perf_counter()
    items = baseline()
    seconds = time.perf_counter() - start
    serial = Store(f"sqlite:///{folder / f'serial-{number}.sqlite3'}")
    try:
        alone = timed_ingest(files, serial)
    finally:
        serial.close()
    store = Store(f"sqlite:///{folder / f'bench-{number}.sqlite3'}")
    try:
        first = timed_ingest(files, store, workers)
        again = timed_ingest(files, store, workers)
    finally:
        store.close()
    return Round(items, seconds, alone, first, again)


def median_seconds(runs: Sequence[IngestRun]) -> float:
    """The median time of ``runs``."""
    return median(r.seconds for r in runs)


def profiled_ingest(files: Sequence[Path], store: Store) -> pstats.Stats:
    """Ingest ``files`` into ``store`` under cProfile."""
    profiler = cProfile.Profile()
    problems: list[Problem] = []
    profiler.runcall(ingest, adapters(files), store, problems.append)
    return pstats.Stats(profiler)


def table(results: Sequence[Result]) -> str:
    """The results as aligned text; the ratio is the speed relative to the baseline."""
    base = next((r.rate for r in results if r.name == BASELINE), None)
    rows = [("benchmark", "items", "seconds", "items/s", f"vs {BASELINE}")]
    for r in results:
        ratio = f"{r.rate / base:.2f}x" if base else "-"
        rows.append((r.name, f"{r.items:,}", f"{r.seconds:.3f}", f"{r.rate:,.0f}", ratio))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        numbers = zip(row[1:], widths[1:], strict=True)
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in numbers]
        lines.append("  ".join(cells))
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# Where the time of an ingest goes: (label, file name ending, function name). A stage the
# profile does not show (the library changed, an optional parser is missing) is left out.
STAGES = (
    ("digest.ingest.ingest (total)", "digest/ingest.py", "ingest"),
    ("  read_source", "digest/ingest.py", "read_source"),
    ("    FeedSource.read", "digest/sources/feeds.py", "read"),
    ("      parse_feed (both parsers)", "digest/sources/parsing.py", "parse_feed"),
    ("        decode_document (charsets)", "digest/sources/decoding.py", "decode_document"),
    ("        feedparser_rs.parse", "~", "feedparser_rs.parse"),
    ("        parser checks (_trustworthy)", "digest/sources/parsing.py", "_trustworthy"),
    ("        feedparser.parse", "feedparser/api.py", "parse"),
    ("      FeedSource._raw (to RawEntry)", "digest/sources/feeds.py", "_raw"),
    ("    normalise_entry", "digest/normalise.py", "normalise_entry"),
    ("      sanitise_html (nh3)", "digest/normalise.py", "sanitise_html"),
    ("      html_to_text", "digest/normalise.py", "html_to_text"),
    ("      detect_language", "digest/normalise.py", "detect_language"),
    ("      parse_date", "digest/normalise.py", "parse_date"),
    ("      canonical_url", "digest/normalise.py", "canonical_url"),
    ("    identity.keys_for", "digest/identity.py", "keys_for"),
    ("  Store.put", "digest/store.py", "put"),
    ("    Store._known_keys", "digest/store.py", "_known_keys"),
    ("    Store._write", "digest/store.py", "_write"),
)


def _cumulative(stats: pstats.Stats, suffix: str, name: str) -> tuple[int, float] | None:
    """Calls and cumulative seconds of one function, summed over its entries, if seen."""
    raw = stats.stats  # type: ignore[attr-defined]
    calls = 0
    seconds = 0.0
    seen = False
    for (filename, _line, function), (_cc, count, _tt, cumulative, _callers) in raw.items():
        # Built-ins have no file ("~") and a descriptive name holding their dotted path.
        matches = name in function if suffix == "~" else function == name
        if matches and filename.replace(os.sep, "/").endswith(suffix):
            calls += count
            seconds += cumulative
            seen = True
    return (calls, seconds) if seen else None


def stage_profile(stats: pstats.Stats) -> str:
    """Cumulative seconds of the ingest's main stages."""
    total = _cumulative(stats, "digest/ingest.py", "ingest")
    lines = []
    for label, suffix, name in STAGES:
        found = _cumulative(stats, suffix, name)
        if found is None:
            continue
        calls, seconds = found
        share = f"{100 * seconds / total[1]:5.1f} %" if total and total[1] else ""
        lines.append(f"{label:<40} {seconds:9.3f}s {share:>8} {calls:>9,} calls")
    return "\n".join(lines)


_STDLIB = f"/lib/python{sys.version_info.major}.{sys.version_info.minor}/"


def _short(filename: str, line: int, function: str) -> str:
    path = filename.replace(os.sep, "/")
    for marker in ("/site-packages/", "/src/", _STDLIB):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    if path == "~":
        return function
    return f"{path}:{line}({function})"


def top_cumulative(stats: pstats.Stats, count: int) -> str:
    """The ``count`` functions with the most cumulative time, one line each."""
    raw = stats.stats  # type: ignore[attr-defined]
    ranked = sorted(raw.items(), key=lambda kv: kv[1][3], reverse=True)[:count]
    lines = [f"{'ncalls':>9} {'tottime':>8} {'cumtime':>8}  function"]
    for (filename, line, function), (_cc, calls, own, cumulative, _callers) in ranked:
        name = _short(filename, line, function)
        lines.append(f"{calls:>9,} {own:8.3f} {cumulative:8.3f}  {name}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and print the table, then the profile."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--items", type=int, default=10_000, help="feed items to generate (default 10000)"
    )
    parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="profile one more ingest with cProfile (default on)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=ROUNDS,
        help=f"interleaved rounds of baseline and ingests (default {ROUNDS})",
    )
    parser.add_argument(
        "--lean",
        action="store_true",
        help="short items only, no excerpts or comment links (see bench/corpus.py)",
    )
    args = parser.parse_args(argv)
    if args.items < 1:
        parser.error("--items must be at least 1")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    rust: ModuleType | None
    try:
        import feedparser_rs as rust
    except ImportError:
        rust = None

    print(f"machine: {machine()}")
    print(f"libraries: {versions(rust)}")
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        rng = random.Random(SEED)
        corpus: Corpus = write_corpus(folder / "feeds", args.items, rng, lean=args.lean)
        made = time.perf_counter() - start
        print(
            f"corpus: {'lean' if args.lean else 'full'} shape, "
            f"{corpus.items:,} items in {len(corpus.files)} files "
            f"({len(corpus.files) - corpus.atom_files} RSS 2.0, {corpus.atom_files} Atom 1.0), "
            f"{corpus.size / 1e6:.1f} MB, written in {made:.2f}s (seed {SEED})"
        )
        files = corpus.files

        # Warm up once on one file: imports, the language model and SQLAlchemy's caches
        # are paid by any long-running build, not per item.
        warm = Store(f"sqlite:///{folder / 'warmup.sqlite3'}")
        try:
            timed_ingest(files[:1], warm)
        finally:
            warm.close()

        workers = worker_count(0, len(files))
        pool = f"{workers} worker{'s' if workers > 1 else ''}"
        baseline = parse_loop(feedparser.parse, files)
        rounds: list[Round] = []
        # Interleaved: each round times the baseline and each ingest back to back, so a
        # machine that gets busier or quieter during the run moves both sides of a ratio.
        for number in range(args.repeats):
            rounds.append(timed_round(folder, files, workers, baseline, number))
            print(f"round {number + 1}/{args.repeats}: {rounds[-1].summary(pool)}", flush=True)

        results: list[Result] = [
            Result(BASELINE, rounds[0].baseline_items, median(r.baseline for r in rounds))
        ]
        if rust is not None:
            items, seconds = best_of(REPEATS, parse_loop(rust.parse, files))
            results.append(Result("plain feedparser-rs (best of 3)", items, seconds))
        alone = [r.alone for r in rounds]
        first = [r.first for r in rounds]
        again = [r.again for r in rounds]
        results.append(
            Result("digest ingest, 1 process (new store)", alone[0].items, median_seconds(alone))
        )
        results.append(
            Result(f"digest ingest, {pool} (new store)", first[0].items, median_seconds(first))
        )
        results.append(
            Result(f"digest re-ingest, {pool} (unchanged)", again[0].items, median_seconds(again))
        )

        print()
        print(f"medians of {args.repeats} interleaved rounds (seconds, then the ratio of each)")
        print(table(results))
        print()
        for label, attr in (
            ("1 process", "alone"),
            (f"{pool} (new store)", "first"),
            (f"{pool} re-ingest", "again"),
        ):
            ratios = sorted(r.ratio(attr) for r in rounds)
            shown = ", ".join(f"{x:.2f}x" for x in ratios)
            print(f"ratio to its round's baseline, {label}: median {median(ratios):.2f}x ({shown})")
        print()
        for label, run in (
            ("ingest", first[-1]),
            ("re-ingest", again[-1]),
            ("1 process", alone[-1]),
        ):
            c = run.counts
            print(
                f"{label}: {c.added:,} added, {c.updated:,} updated, {c.unchanged:,} unchanged, "
                f"{len(run.problems):,} problems reported"
            )
        kinds = sorted({p.action for p in first[-1].problems})
        if kinds:
            print(f"problem actions seen: {', '.join(kinds)}")

        if args.profile:
            profiled = Store(f"sqlite:///{folder / 'profile.sqlite3'}")
            try:
                stats = profiled_ingest(files, profiled)
            finally:
                profiled.close()
            print()
            print(
                "profile of one more ingest, in one process, into a new store "
                "(cProfile, so slower than above)"
            )
            print(stage_profile(stats))
            print()
            print("top 15 functions by cumulative time")
            print(top_cumulative(stats, 15))
    return 0


if __name__ == "__main__":
    sys.exit(main())
