"""`trialscout sync`: bring the store up to date from the live ClinicalTrials.gov API v2."""

from __future__ import annotations

import datetime as dt
import re
import time

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from trialscout.cli.app import Context, cli
from trialscout.cli.reports import default_rejects, print_ingest, stages
from trialscout.errors import TrialscoutError
from trialscout.model.enums import OverallStatus
from trialscout.services.ingest import IngestReport, Stage, sync_registry
from trialscout.sources.api import DEFAULT_DEADLINE, RegistryClient, StudyQuery
from trialscout.store.base import TrialStore
from trialscout.store.sync import SyncProgress, SyncReport

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def _duration(_ctx: click.Context, param: click.Parameter, value: object) -> float | None:
    """Seconds from "90", "90s", "30m" or "6h" (None for an option not given)."""
    if value is None:
        return None
    match = _DURATION.match(str(value))
    seconds = float(match.group(1)) * _UNIT_SECONDS[(match.group(2) or "s").lower()] if match else 0.0
    if seconds <= 0:
        raise click.BadParameter(
            f"{value!r} is not a duration such as 90s, 30m or 6h", param_hint=f"--{param.name}"
        )
    return seconds


def _shown(seconds: float) -> str:
    for unit, size in (("h", 3600.0), ("min", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


@cli.command("sync")
@click.option("--condition", help='A condition or disease, as the registry searches it ("lung cancer").')
@click.option("--term", help="Other search terms (an NCT ID, a drug, a sponsor, ...).")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice([s.value for s in OverallStatus], case_sensitive=False),
    help="Overall status to fetch; repeat for several.",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Only trials updated on or after this date (default: where the last sync of this query stopped).",
)
@click.option(
    "--max-records", type=click.IntRange(min=1), default=None, help="Stop after about this many records."
)
@click.option("--page-size", type=click.IntRange(1, 1000), default=100, show_default=True)
@click.option(
    "--base-url",
    default=None,
    help="The API v2 base URL, e.g. a mirror (default: $TRIALSCOUT_API, else the public registry's).",
)
@click.option(
    "--min-interval",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Seconds between requests; the default keeps to about one request per second.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Retries of a failing request (with growing waits) before giving up.",
)
@click.option(
    "--deadline",
    type=click.UNPROCESSED,
    callback=_duration,
    default=f"{DEFAULT_DEADLINE / 3600:g}h",
    show_default=True,
    metavar="DURATION",
    help="Stop the sync after this long (90s, 30m, 6h); what was stored stays stored.",
)
@click.option(
    "--every",
    type=click.UNPROCESSED,
    callback=_duration,
    default=None,
    metavar="DURATION",
    help="Keep running: start the same sync again this long after each one started (24h for a"
    " nightly job) until stopped. A run that fails is reported and the next one tries again.",
)
@click.option("--quiet", is_flag=True, help="No progress display.")
@click.pass_obj
def sync_command(
    obj: Context,
    condition: str | None,
    term: str | None,
    statuses: tuple[str, ...],
    since: dt.datetime | None,
    max_records: int | None,
    page_size: int,
    base_url: str | None,
    min_interval: float,
    retries: int,
    deadline: float,
    every: float | None,
    quiet: bool,
) -> None:
    """Fetch trials from ClinicalTrials.gov into the store, only what changed since last time.

    Each query remembers the last-update date it reached (its checkpoint), so running the same
    command again asks only for newer records. Requests are spaced about a second apart and
    retried with backoff when the registry is busy (429) or failing (5xx); pages stored before a
    failure stay stored, and running the command again completes the sync. A sync stops at its
    --deadline, and on pages larger than 64 MiB or paging that goes round, with a clear error.

    \b
    Examples:
      trialscout sync --condition "small cell lung cancer" --status RECRUITING --status NOT_YET_RECRUITING
      trialscout sync --term NCT06937905
      trialscout sync --condition asthma --since 2026-01-01 --max-records 500
      trialscout --db postgresql://trialscout@db/registry sync --every 24h --quiet
    """
    query = StudyQuery(
        condition=condition,
        term=term,
        statuses=tuple(OverallStatus(s.upper()) for s in statuses),
        page_size=page_size,
    )
    day = since.date() if since else None
    if every is None:
        _sync_once(obj, query, day, max_records, base_url, min_interval, retries, deadline, quiet)
        return
    while True:  # the writer: each run opens the store, and closes it (and its lock) when done
        started = time.monotonic()
        try:
            _sync_once(obj, query, day, max_records, base_url, min_interval, retries, deadline, quiet)
        except TrialscoutError as error:  # one bad night is reported; the next run tries again
            obj.err.print(f"Error: {error}. This sync stopped; what it stored stays stored.", soft_wrap=True)
        day = None  # later runs start where the last one stopped (its checkpoint)
        wait = max(0.0, every - (time.monotonic() - started))
        obj.err.print(f"The next sync starts in {_shown(round(wait))}; Ctrl+C stops.", soft_wrap=True)
        time.sleep(wait)


def _sync_once(
    obj: Context,
    query: StudyQuery,
    day: dt.date | None,
    max_records: int | None,
    base_url: str | None,
    min_interval: float,
    retries: int,
    deadline: float,
    quiet: bool,
) -> None:
    with (
        obj.open_writer() as store,
        RegistryClient(
            base_url or obj.settings.api, min_interval=min_interval, max_retries=retries, deadline=deadline
        ) as client,
    ):
        rejects_path = default_rejects(obj.db, store.index_folder)
        if quiet:
            report = sync_registry(store, client, query, since=day, max_records=max_records)
        else:
            report = _sync_with_progress(obj, store, client, query, day, max_records)
    assert isinstance(report.records, SyncReport)
    _print_sync(obj, report.records)
    print_ingest(obj, report, rejects_path, verb="Stored")


def _sync_with_progress(
    obj: Context,
    store: TrialStore,
    client: RegistryClient,
    query: StudyQuery,
    since: dt.date | None,
    max_records: int | None,
) -> IngestReport:
    with (
        Progress(
            SpinnerColumn(),
            TextColumn("[bold]Syncing[/bold] {task.fields[pages]} pages, {task.completed:,} records"),
            TextColumn("[dim]of {task.fields[matching]} matching[/dim]"),
            TimeElapsedColumn(),
            console=obj.err,
            transient=True,
        ) as progress,
        stages(obj) as on_stage,
    ):
        task = progress.add_task("sync", total=None, pages=0, matching="?")

        def on_progress(state: SyncProgress) -> None:
            total = f"{state.total:,}" if state.total is not None else "?"
            progress.update(task, completed=state.records, pages=state.pages, matching=total)

        def on_next_stage(stage: Stage) -> None:
            if stage is not Stage.SYNC:
                progress.stop()
            on_stage(stage)

        return sync_registry(
            store,
            client,
            query,
            since=since,
            max_records=max_records,
            on_progress=on_progress,
            on_stage=on_next_stage,
        )


def _print_sync(obj: Context, report: SyncReport) -> None:
    since = report.since.isoformat() if report.since else "the beginning"
    matched = f"{report.total_count:,}" if report.total_count is not None else "?"
    nxt = report.checkpoint_after.isoformat() if report.checkpoint_after else "the beginning"
    obj.out.print(
        f"Synced {report.pages:,} pages from the registry ({matched} trials match, updated since {since}); "
        f"the next sync of this query starts at {nxt}.",
        soft_wrap=True,
    )
