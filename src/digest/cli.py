"""The ``digest`` command: a thin layer over the library.

Every command parses its options, makes one library call and shows the
result. A :class:`~digest.errors.DigestError` becomes one line on stderr and
exit status 1; input problems met during a run are one line each.
"""

from __future__ import annotations

import contextlib
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from digest import __version__
from digest.build import BuildReport, build, explain, parse_day
from digest.config import SUPPORTED_LANGUAGES, Settings, load_settings
from digest.deliver import EditionReport, send_editions
from digest.errors import DigestError
from digest.model import Problem
from digest.preview import preview_page, preview_server
from digest.status import source_status
from digest.taxonomy_check import check_store, explain_stored
from digest.translate import export_missing, import_file

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


#: ``--config FILE``, the same on every command.
config_option = click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Configuration file (default: ./digest.toml).",
)


def _fail(reason: str) -> None:
    err.print(f"digest: error: {reason}", markup=False, soft_wrap=True)
    sys.exit(1)


def _settings(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except DigestError as exc:
        _fail(exc.reason)
        raise  # unreachable: _fail exits


@click.group()
@click.version_option(__version__, prog_name="digest")
def main() -> None:
    """Bilingual newsletters and feeds from article files and RSS/Atom feeds."""


@main.command("build")
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
        return
    _show(report, settings)
    if (
        report.problems
        and not report.stored.added + report.stored.updated + report.stored.unchanged
    ):
        sys.exit(1)


@main.command("explain")
@click.argument("edition")
@config_option
def explain_command(edition: str, config: Path | None) -> None:
    """Show why EDITION (e.g. weekly-2024-W42) says what it says: stories, key points, scores."""
    settings = _settings(config)
    try:
        built = explain(settings, edition)
    except DigestError as exc:
        _fail(exc.reason)
        return
    out.print(
        f"{built.id}: {built.period.start} to {built.period.end - timedelta(days=1)}, "
        f"{len(built.item_ids)} items, {built.story_count} stories",
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


@main.command("sources")
@config_option
def sources_command(config: Path | None) -> None:
    """Show each source: last success, last error, failures in a row, items stored."""
    settings = _settings(config)
    try:
        rows = source_status(settings)
    except DigestError as exc:
        _fail(exc.reason)
        return
    table = Table(show_edge=False)
    for name, justify in (("source", "left"), ("last success", "left"), ("last error", "left"),
                          ("failures", "right"), ("items", "right")):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
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


@main.command("preview")
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
    settings = _settings(config)
    try:
        page = preview_page(settings, edition)
        server = preview_server(settings.paths.outbox, port)
    except DigestError as exc:
        _fail(exc.reason)
        return
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    out.print(f"{url}{page}", markup=False, soft_wrap=True)
    err.print(f"serving {settings.paths.outbox.resolve()} at {url}; Ctrl-C stops", markup=False)
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


@main.command("send")
@click.argument("edition", required=False)
@click.option("--all", "every", is_flag=True, help="Every edition of the outbox, oldest first.")
@click.option("--dry-run", is_flag=True, help="Count what would be sent; send and write nothing.")
@config_option
def send_command(edition: str | None, every: bool, dry_run: bool, config: Path | None) -> None:
    """Send EDITION (default: the newest) to the subscribers who have not had it."""
    settings = _settings(config)

    def show(result: EditionReport) -> None:
        out.print(result.summary(), markup=False, soft_wrap=True)

    try:
        send_editions(settings, edition, every=every, dry_run=dry_run, report=_warn, done=show)
    except DigestError as exc:
        _fail(exc.reason)


def _when(moment: datetime | None, settings: Settings) -> str:
    return f"{moment.astimezone(settings.zone):%Y-%m-%d %H:%M}" if moment else ""


def _warn(problem: Problem) -> None:
    err.print(f"warning: {problem}", markup=False, soft_wrap=True)


def _show(report: BuildReport, settings: Settings) -> None:
    table = Table(title=None, show_edge=False)
    table.add_column("edition")
    table.add_column("items", justify="right")
    table.add_column("stories", justify="right")
    table.add_column("themes", justify="right")
    table.add_column("files written", justify="right")
    for result in report.editions:
        table.add_row(
            result.id,
            str(result.items),
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
    stored = report.stored
    out.print(
        f"items: {stored.added} new, {stored.updated} updated, {stored.unchanged} unchanged; "
        f"editions: {len(report.editions)}; feeds rewritten: {report.feeds_changed}; "
        f"problems: {len(report.problems)}",
        markup=False,
        soft_wrap=True,
    )
    out.print(f"outbox: {settings.paths.outbox.resolve()}", markup=False, soft_wrap=True)


class _ProgressBar:
    """A rich progress bar on stderr, drawn only on a terminal."""

    def __init__(self) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        )
        self._task: Any = None

    def __enter__(self) -> _ProgressBar:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def start(self, total: int, what: str) -> None:
        self._task = self._bar.add_task(what, total=total)

    def advance(self) -> None:
        if self._task is not None:
            self._bar.advance(self._task)


@main.group("schedule", invoke_without_command=True)
@config_option
@click.pass_context
def schedule_group(ctx: click.Context, config: Path | None) -> None:
    """Run the [[schedules]] of the settings until SIGTERM or SIGINT; or list them, run one."""
    ctx.obj = config
    if ctx.invoked_subcommand is not None:
        return
    from digest.schedule.daemon import serve  # APScheduler only for this command

    settings = _settings(config)
    _log_to_stderr()
    try:
        serve(settings)
    except DigestError as exc:
        _fail(exc.reason)


@schedule_group.command("list")
@config_option
@click.pass_obj
def schedule_list_command(group_config: Path | None, config: Path | None) -> None:
    """Show each schedule, its next run (in its timezone) and the last period it did."""
    from digest.schedule.runner import schedule_status

    settings = _settings(config or group_config)
    try:
        statuses = schedule_status(settings)
    except DigestError as exc:
        _fail(exc.reason)
        return
    if not statuses:
        out.print("no schedule in the settings: add a [[schedules]] entry", markup=False)
        return
    table = _table("schedules", "schedule", "cron", "period", "misfire", "next run", "last done")
    for status in statuses:
        schedule, last = status.schedule, status.last
        table.add_row(
            schedule.name,
            status.expression,
            schedule.period,
            schedule.misfire,
            f"{status.next_run:%Y-%m-%d %H:%M %Z}" if status.next_run else "never",
            f"{last.period_key} {last.outcome}" if last is not None else "-",
        )
    out.print(table)
    zones = sorted({status.schedule.timezone for status in statuses})
    out.print(f"next runs in local time ({', '.join(zones)})", markup=False)


@schedule_group.command("run")
@click.argument("name")
@config_option
@click.pass_obj
def schedule_run_command(group_config: Path | None, name: str, config: Path | None) -> None:
    """Run schedule NAME now: build the period that just ended (unchanged stays unchanged)."""
    from digest.schedule.runner import run_schedule

    settings = _settings(config or group_config)
    try:
        report = run_schedule(settings, name, force=True, report=_warn)
    except DigestError as exc:
        _fail(exc.reason)
        return
    for line in report.lines():
        out.print(line, markup=False, soft_wrap=True)


def _log_to_stderr() -> None:
    """Log lines of digest schedule on stderr, with their time; APScheduler's warnings only."""
    import logging

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr, force=True
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


@main.group("themes")
def themes_group() -> None:
    """Check the taxonomy (themes.toml) against the stored items."""


@themes_group.command("explain")
@click.argument("item_id")
@config_option
def themes_explain_command(item_id: str, config: Path | None) -> None:
    """Show which rules fired for one stored item, the scores and the themes assigned."""
    settings = _settings(config)
    try:
        item, explanation = explain_stored(settings, item_id)
    except DigestError as exc:
        _fail(exc.reason)
        return
    out.print(f"{item.id} ({item.language}): {item.title}", markup=False, soft_wrap=True)
    rules = _table("rules that fired", "theme", "term", "where", ">count", ">weight", ">points")
    for hit in explanation.hits:
        term = f"{hit.term} (support)" if hit.support else hit.term
        row = (hit.theme_id, term, hit.where, str(hit.count), _num(hit.weight), _num(hit.points))
        rules.add_row(*row)
    out.print(rules if explanation.hits else "no rule fired", markup=False)
    if explanation.exclusions:
        vetoes = _table(
            "exclusions applied", "theme", "exclusion", "where", ">count", ">cancelled", ">penalty"
        )
        for veto in explanation.exclusions:
            counts = (str(veto.count), str(veto.cancelled), _num(veto.penalty))
            vetoes.add_row(veto.theme_id, veto.term, veto.where, *counts)
        out.print(vetoes)
    scores = _table("scores", "theme", ">score", "assigned")
    for theme_id, score in sorted(explanation.scores.items(), key=lambda s: (-s[1], s[0])):
        scores.add_row(theme_id, _num(score), "yes" if theme_id in explanation.assigned else "")
    if explanation.scores:
        out.print(scores)
    chosen = ", ".join(explanation.assigned) or "none (general section)"
    out.print(f"assigned (score >= {_num(explanation.threshold)}): {chosen}", markup=False)


@themes_group.command("check")
@config_option
def themes_check_command(config: Path | None) -> None:
    """Themes and rules that never match, and precision/recall against the articles' themes."""
    settings = _settings(config)
    try:
        report = check_store(settings)
    except DigestError as exc:
        _fail(exc.reason)
        return
    general = f"in the general section (no theme): {report.general}"
    out.print(f"items: {report.items}; {general}", markup=False)
    usage = _table("themes", "theme", ">matched", ">assigned")
    for row in report.usage:
        usage.add_row(row.theme_id, str(row.matched), str(row.assigned))
    out.print(usage)
    unmatched = ", ".join(report.unmatched_themes) or "none"
    out.print(f"themes that matched nothing: {unmatched}", markup=False, soft_wrap=True)
    idle: dict[tuple[str, str], list[str]] = {}
    for rule in report.idle_rules:
        idle.setdefault((rule.theme_id, rule.language), []).append(rule.term)
    if idle:
        title = f"rules that never fired ({len(report.idle_rules)})"
        rules = _table(title, "theme", "lang", "terms")
        for (theme_id, language), terms in idle.items():
            rules.add_row(theme_id, language, ", ".join(terms))
        out.print(rules)
    else:
        out.print("rules that never fired: none")
    if report.languages_without_items:
        skipped = ", ".join(report.languages_without_items)
        out.print(f"(rules in {skipped} not checked: no item in that language)", markup=False)
    if report.unknown_expected:
        unknown = ", ".join(report.unknown_expected)
        out.print(f"expected themes not in the taxonomy: {unknown}", markup=False, soft_wrap=True)
    if report.macro_f1 is None:
        out.print("no article file names its expected themes (front matter `themes:`)")
        return
    quality = _table(
        f"against the articles' themes ({report.evaluated} items)",
        "theme",
        ">expected",
        ">assigned",
        ">precision",
        ">recall",
        ">F1",
    )
    for q in report.quality:
        quality.add_row(
            q.theme_id,
            str(q.true_positives + q.false_negatives),
            str(q.true_positives + q.false_positives),
            f"{q.precision:.2f}",
            f"{q.recall:.2f}",
            f"{q.f1:.2f}",
        )
    out.print(quality)
    out.print(f"macro-F1: {report.macro_f1:.3f}")


def _table(title: str, *columns: str) -> Table:
    """A table with these columns; a name starting with ">" is right-aligned (numbers)."""
    table = Table(title=title, show_edge=False)
    for column in columns:
        right = column.startswith(">")
        table.add_column(column.lstrip(">"), justify="right" if right else "left")
    return table


def _num(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"


@main.group("translate")
def translate_group() -> None:
    """Reviewed translations: export what lacks one as XLIFF, import the translated file."""


@translate_group.command("export")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Choice(SUPPORTED_LANGUAGES),
    help="Language to translate into.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="XLIFF 1.2 file to write (default: standard output).",
)
@config_option
def translate_export_command(target: str, out: Path | None, config: Path | None) -> None:
    """Write the titles and key points the editions show without a reviewed translation."""
    settings = _settings(config)
    try:
        export = export_missing(settings, target, report=_warn)
        if out is None:
            sys.stdout.buffer.write(export.data)
            sys.stdout.flush()
        else:
            out.write_bytes(export.data)
    except DigestError as exc:
        _fail(exc.reason)
        return
    except OSError as exc:
        _fail(f"{out}: cannot write: {exc.strerror or exc}")
        return
    where = f" to {out}" if out is not None else ""
    suggested = f" ({export.suggested} with a machine suggestion)" if export.suggested else ""
    err.print(
        f"{export.units} texts to translate into {target}{suggested} written{where}",
        markup=False,
        soft_wrap=True,
    )


@translate_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@config_option
def translate_import_command(file: Path, config: Path | None) -> None:
    """Load the translated units of an XLIFF 1.2 FILE as reviewed translations."""
    settings = _settings(config)
    try:
        counts = import_file(settings, file)
    except DigestError as exc:
        _fail(exc.reason)
        return
    out.print(
        f"{file}: {counts.translated} translated ({counts.added} new, {counts.updated} updated, "
        f"{counts.unchanged} unchanged), {counts.empty} left untranslated",
        markup=False,
        soft_wrap=True,
    )
