"""`trialscout load`: registry files into the store, with progress, summary and rejects report."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from trialscout.cli.app import Context, cli
from trialscout.cli.reports import default_rejects, print_ingest, stages
from trialscout.services.ingest import IngestReport, Stage, load_files
from trialscout.store.base import TrialStore
from trialscout.store.load import LoadProgress


class _RateColumn(ProgressColumn):
    """Records per second since the load started."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate:,.0f} records/s", style="cyan")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
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
    help="Where to write the rejects report (default: next to the store, <db>.rejects.tsv; for a"
    " PostgreSQL store, next to its index folder, <index>.rejects.tsv).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--no-criteria",
    "defer_criteria",
    is_flag=True,
    help="Store and index now; leave the criteria for the next load or sync (or criteria --rebuild).",
)
@click.pass_obj
def load(
    obj: Context,
    paths: tuple[Path, ...],
    workers: int | None,
    rejects_path: Path | None,
    quiet: bool,
    defer_criteria: bool,
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
      trialscout --db registry.db load --no-criteria AllPublicXML.zip
    """
    with obj.open_writer() as store:
        rejects_path = rejects_path or default_rejects(obj.db, store.index_folder)
        if quiet:
            report = load_files(store, paths, workers=workers, criteria=not defer_criteria)
        else:
            report = _load_with_progress(obj, store, paths, workers, criteria=not defer_criteria)
    print_ingest(obj, report, rejects_path)


def _load_with_progress(
    obj: Context, store: TrialStore, paths: tuple[Path, ...], workers: int | None, *, criteria: bool
) -> IngestReport:
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]Loading[/bold] {task.completed:,} records"),
        _RateColumn(),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[file]}[/dim]"),
    )
    with Progress(*columns, console=obj.err, transient=True) as progress, stages(obj) as on_stage:
        task = progress.add_task("load", total=None, file="")
        last = [0.0]

        def on_progress(state: LoadProgress) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.1:
                last[0] = now
                progress.update(task, completed=state.records, file=Path(state.file).name)

        def on_next_stage(stage: Stage) -> None:
            if stage is not Stage.LOAD:
                progress.stop()
            on_stage(stage)

        return load_files(
            store, paths, workers=workers, on_progress=on_progress, on_stage=on_next_stage, criteria=criteria
        )
