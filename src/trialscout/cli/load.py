"""`trialscout load`: registry files into the store, with progress, summary and rejects report."""

from __future__ import annotations

import csv
import time
from collections import Counter
from pathlib import Path

import click
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from trialscout.cli.app import Context, cli
from trialscout.cli.criteria import parse_store, print_parse_report
from trialscout.cli.search import print_index_report, update_index
from trialscout.store.database import TrialStore
from trialscout.store.load import LoadProgress, LoadReport, load_paths


class _RateColumn(ProgressColumn):
    """Records per second since the load started."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate:,.0f} records/s", style="cyan")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=None,
    help="Parsing processes (default: one per core; 0 parses in this process).",
)
@click.option(
    "--rejects",
    "rejects_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the rejects report (default: next to the store, <db>.rejects.tsv).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def load(
    obj: Context, paths: tuple[Path, ...], workers: int | None, rejects_path: Path | None, quiet: bool
) -> None:
    """Load ClinicalTrials.gov records from files, directories or zip archives.

    Reads API v2 JSON (one study, a JSON array as the website downloads it, an API page, or
    a directory or zip of per-study files) and legacy <clinical_study> XML (one file, a
    directory, or the AllPublicXML zip). Anything else is reported and skipped. Loading again
    is safe: stored records come back as unchanged, and an interrupted load is completed.

    \b
    Examples:
      trialscout load ../shared/data/ctgov-xml-2023-slice/ctgov_legacy_xml_6786.zip
      trialscout --db registry.db load ctg-studies.json AllPublicXML.zip
    """
    with obj.open_store() as store:
        if quiet:
            report = load_paths(store, paths, workers=workers)
        else:
            report = _load_with_progress(obj, store, paths, workers)
        total = store.count()
        print_summary(obj, report, total)
        report_rejects(obj, report, rejects_path)
        print_index_report(obj, update_index(obj, store))
        print_parse_report(obj, parse_store(obj, store))


def _load_with_progress(
    obj: Context, store: TrialStore, paths: tuple[Path, ...], workers: int | None
) -> LoadReport:
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]Loading[/bold] {task.completed:,} records"),
        _RateColumn(),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[file]}[/dim]"),
    )
    with Progress(*columns, console=obj.err, transient=True) as progress:
        task = progress.add_task("load", total=None, file="")
        last = [0.0]

        def on_progress(state: LoadProgress) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.1:
                last[0] = now
                progress.update(task, completed=state.records, file=Path(state.file).name)

        return load_paths(store, paths, workers=workers, on_progress=on_progress)


def report_rejects(obj: Context, report: LoadReport, target: Path | None) -> None:
    """Write the rejects report (default: next to the store) and print its most common reasons."""
    if not report.rejected:
        return
    target = target or obj.db.with_name(obj.db.name + ".rejects.tsv")
    write_rejects(report, target)
    _print_rejects(obj, report, target)


def print_summary(obj: Context, report: LoadReport, total: int, verb: str = "Loaded") -> None:
    obj.out.print(
        f"{verb} {report.stored:,} records into {obj.db} in {report.seconds:.1f} s "
        f"({report.records_per_second:,.0f} records/s); the store now holds {total:,} trials.",
        soft_wrap=True,
    )
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(justify="left")
    table.add_column(justify="right")
    table.add_column(style="dim")
    table.add_row("new", f"{report.new:,}", "")
    table.add_row("updated", f"{report.updated:,}", "a more recent version replaced the stored one")
    table.add_row("unchanged", f"{report.unchanged:,}", "already stored as is")
    if report.superseded:
        table.add_row("superseded", f"{report.superseded:,}", "the store already holds a more recent version")
    table.add_row("rejected", f"{len(report.rejected):,}", "not stored; see the rejects report")
    if report.skipped_files:
        table.add_row("skipped files", f"{report.skipped_files:,}", "not a registry file type")
    obj.out.print(table)


def _print_rejects(obj: Context, report: LoadReport, target: Path) -> None:
    reasons = Counter(r.reason.split(":")[0] for r in report.rejected)
    obj.out.print(f"Rejects report ({len(report.rejected):,} records): {target}", soft_wrap=True)
    for reason, n in reasons.most_common(5):
        obj.out.print(f"  {n:>6,}  {reason}")


def write_rejects(report: LoadReport, target: Path) -> None:
    """The rejects report: one row per rejected record, as file, record, reason (TSV)."""
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["file", "record", "reason"])
        for r in report.rejected:
            writer.writerow([r.file, r.record, r.reason])
