"""``digest build``, ``explain``, ``sources`` and ``preview``: editions and their sources."""

from __future__ import annotations

import contextlib
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from digest.build import BuildReport, build, explain, parse_day
from digest.cli._common import (
    _fail,
    _library,
    _settings,
    _table,
    _warn,
    _when,
    config_option,
    err,
    out,
)
from digest.config import Settings
from digest.errors import DigestError


@click.command("build")
@click.option("--since", metavar="YYYY-MM-DD", help="First day (default: oldest item).")
@click.option("--until", metavar="YYYY-MM-DD", help="Last day, included (default: today).")
@click.option(
    "--period",
    type=click.Choice(["daily", "weekly", "monthly"]),
    help="Edition period (default: from the configuration).",
)
@config_option
def build_command(
    since: str | None, until: str | None, period: str | None, config: Path | None
) -> None:
    """Ingest the sources and build one edition per period that has items."""
    settings = _settings(config)
    try:
        first = parse_day(since, "--since") if since else None
        last = parse_day(until, "--until") if until else None
        with _ProgressBar() as progress:
            report = build(
                settings,
                since=first,
                until=last,
                period=period,  # type: ignore[arg-type]
                report=_warn,
                progress=progress,
            )
    except DigestError as exc:
        _fail(exc.reason)
    _show(report, settings)
    # Nothing readable: problems, nothing stored and no edition built or kept. A run whose
    # unchanged sources were not read again keeps its editions, so a warning about the
    # output alone (a search index not made) does not fail it.
    if (
        report.problems
        and not report.stored.added + report.stored.updated + report.stored.unchanged
        and not report.editions
        and not report.skipped
    ):
        sys.exit(1)


@click.command("explain")
@click.argument("edition")
@config_option
def explain_command(edition: str, config: Path | None) -> None:
    """Show why EDITION (e.g. weekly-2024-W42) says what it says: stories, key points, scores.

    Takes every id digest build or digest schedule printed (hebdo-weekly-2024-W42 too)."""
    settings = _settings(config)
    built = _library(lambda: explain(settings, edition))
    out.print(
        f"{built.id}: {built.period.start} to {built.period.end - timedelta(days=1)}, "
        f"{len(built.item_ids)} items, out of scope: {built.out_of_scope}, "
        f"{built.story_count} stories",
        markup=False,
        soft_wrap=True,
    )
    for note in built.scope_notes:
        decision = note.decision
        verdict = "in" if decision.in_scope else f"out ({decision.reason})"
        terms = ", ".join(f"{h.term} {h.points:g}" for h in decision.hits[:6]) or "no scope term"
        out.print(
            f"  borderline, {verdict}: {note.story_id} ({note.language}) {note.title!r}: "
            f"scope score {decision.score:g} against {decision.threshold:g} ({terms})",
            markup=False,
            soft_wrap=True,
        )
    for section in built.sections:
        label = section.theme.label("en") if section.theme.labels else "General"
        out.print()
        out.print(
            f"[bold]{label}[/bold] ({section.theme.id}): {len(section.stories)} of "
            f"{section.considered} stories"
        )
        for rank, story in enumerate(section.stories, start=1):
            parts = story.parts
            why = (
                f"relevance {parts.relevance:g}, sources {parts.sources}, "
                f"recency {parts.recency:.2f}, redundancy {parts.redundancy:.2f}"
                if parts
                else ""
            )
            themes = ", ".join(story.theme_ids) or "none"
            out.print(
                f"  {rank}. {story.id}  score {story.score:g} ({why}); themes: {themes}",
                markup=False,
                soft_wrap=True,
            )
            for point in story.points:
                out.print(
                    f"     [{point.language}] {point.score:.3f} {point.source_name}: "
                    f"{point.title}\n       {point.text}",
                    markup=False,
                    soft_wrap=True,
                )


@click.command("sources")
@config_option
def sources_command(config: Path | None) -> None:
    """Show each source: last success, last error, failures in a row, items stored; then
    each feed's problems of the last run (how many, and their first kinds)."""
    # Imported when the command runs: `digest build` starts without it.
    from digest.status import source_status

    settings = _settings(config)
    rows = _library(lambda: source_status(settings))
    table = _table(None, "source", "last success", "last error", ">failures", ">items")
    for row in rows:
        error = ""
        if row.last_error:
            error = f"{_when(row.last_error_at, settings)}: {row.last_error}"
        table.add_row(
            f"{row.id}\n[dim]{row.location}[/dim]",
            _when(row.last_success, settings) or ("-" if row.id != "articles" else ""),
            error,
            str(row.failures),
            str(row.items),
        )
    out.print(table)
    # Below the table, one line per feed: problem kinds are long, and a column of them
    # would squeeze the table on a terminal.
    for row in rows:
        if row.problems:
            out.print(f"{row.id}: {_problems(row.problems)}", markup=False, soft_wrap=True)


#: Kinds of problems ``digest sources`` names per feed; the others are counted.
SHOWN_KINDS = 3


def _problems(kinds: tuple[tuple[str, int], ...]) -> str:
    """``5 problems in the last run: 3 × entries without a date; 2 × ...``."""
    total = sum(count for _, count in kinds)
    named = [f"{count} × {kind}" for kind, count in kinds[:SHOWN_KINDS]]
    if len(kinds) > SHOWN_KINDS:
        more = len(kinds) - SHOWN_KINDS
        named.append(f"{more} more kind{'s' if more > 1 else ''}")
    return f"{total} problem{'s' if total > 1 else ''} in the last run: " + "; ".join(named)


@click.command("preview")
@click.argument("edition", required=False)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8008,
    show_default=True,
    help="Port on 127.0.0.1; 0 picks a free one.",
)
@config_option
def preview_command(edition: str | None, port: int, config: Path | None) -> None:
    """Serve the outbox on 127.0.0.1 and print EDITION's web page (default: the newest)."""
    # Imported when the command runs: `digest build` starts without it.
    from digest.preview import preview_page, preview_server

    settings = _settings(config)
    try:
        page = preview_page(settings, edition)
        server = preview_server(settings.paths.outbox, port)
    except DigestError as exc:
        _fail(exc.reason)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    out.print(f"{url}{page}", markup=False, soft_wrap=True)
    err.print(f"serving {settings.paths.outbox.resolve()} at {url}; Ctrl-C stops", markup=False)
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


def _show(report: BuildReport, settings: Settings) -> None:
    table = _table(
        None, "edition", ">items", ">out of scope", ">stories", ">themes", ">files written"
    )
    for result in report.editions:
        table.add_row(
            result.id,
            str(result.items),
            str(result.out_of_scope),
            str(result.stories),
            str(result.themes),
            str(result.files) if result.changed else "0 (unchanged)",
        )
    out.print(table)
    for result in report.editions:
        if result.trimmed:
            stories = "story" if result.trimmed == 1 else "stories"
            out.print(
                f"{result.id}: {result.trimmed} lowest-ranked {stories} left out of the email "
                f"to keep it under {settings.email_max_bytes:,} bytes; the web edition has them",
                markup=False,
                soft_wrap=True,
            )
    if report.recomputed:
        out.print(report.recomputed, markup=False, soft_wrap=True)
    stored = report.stored
    out.print(
        f"items: {stored.added} new, {stored.updated} updated, {stored.unchanged} unchanged; "
        f"editions: {len(report.editions)} built, {report.skipped} unchanged (skipped); "
        f"feeds rewritten: {report.feeds_changed}; "
        f"problems: {sum(problem.count for problem in report.problems)}",
        markup=False,
        soft_wrap=True,
    )
    out.print(f"outbox: {settings.paths.outbox.resolve()}", markup=False, soft_wrap=True)


class _ProgressBar:
    """A rich progress bar on stderr, drawn only on a terminal."""

    def __init__(self) -> None:
        self._bar: Any = None
        if err.is_terminal:
            # Imported only then: a build run by a scheduler or a script draws no bar.
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=err,
                transient=True,
            )
        self._task: Any = None

    def __enter__(self) -> _ProgressBar:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def start(self, total: int, what: str) -> None:
        if self._bar is not None:
            self._task = self._bar.add_task(what, total=total)

    def advance(self) -> None:
        if self._task is not None:
            self._bar.advance(self._task)
