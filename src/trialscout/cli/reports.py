"""What the writer's commands print: a load or sync, stage by stage, and the spinners meanwhile."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.status import Status
from rich.table import Table

from trialscout.cli.app import Context
from trialscout.errors import StoreError
from trialscout.search.index import IndexReport
from trialscout.services.ingest import IngestReport, Stage, write_rejects
from trialscout.store.criteria import ParseReport
from trialscout.store.load import LoadReport

_STAGE_WORDS = {Stage.INDEX: "Indexing ...", Stage.CRITERIA: "Parsing eligibility criteria ..."}


@contextmanager
def stages(obj: Context) -> Iterator[Callable[[Stage], None]]:
    """A spinner naming the stage an ingest is in (the load and sync stages show their own
    progress)."""
    status: list[Status] = []

    def on_stage(stage: Stage) -> None:
        words = _STAGE_WORDS.get(stage)
        if words is None:
            return
        if status:
            status[0].update(words)
        else:
            status.append(Status(words, console=obj.err))
            status[0].start()

    try:
        yield on_stage
    finally:
        if status:
            status[0].stop()


def print_ingest(obj: Context, report: IngestReport, rejects_path: Path, verb: str = "Loaded") -> None:
    """The summary of a load or sync, stage by stage."""
    print_summary(obj, report.records, report.total, verb=verb)
    try:
        report_rejects(obj, report.records, rejects_path)
    except StoreError:
        # The load is stored and indexed: say so in full, then fail on the rejects report.
        print_index_report(obj, report.index)
        print_parse_report(obj, report.criteria)
        raise
    print_index_report(obj, report.index)
    print_parse_report(obj, report.criteria)


def default_rejects(db: str | Path, index_folder: Path) -> Path:
    """Where a load's or sync's rejects report goes unless named: next to a store file,
    ``<db>.rejects.tsv``; for a database URL, next to the search index folder,
    ``<index>.rejects.tsv`` (a folder of this machine's that the writer owns, never the folder
    the command happened to run in)."""
    if isinstance(db, Path):
        return db.with_name(db.name + ".rejects.tsv")
    return index_folder.with_name(index_folder.name + ".rejects.tsv")


def report_rejects(obj: Context, report: LoadReport, target: Path) -> None:
    """Write the rejects report to ``target`` and print its most common reasons. Raises
    StoreError, saying where, when the report cannot be written."""
    if not report.rejected:
        return
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


def print_index_report(obj: Context, report: IndexReport) -> None:
    if report.indexed == 0 and not report.rebuilt:
        obj.out.print(f"The search index is up to date ({report.total:,} trials).")
        return
    how = "Rebuilt" if report.rebuilt else "Updated"
    obj.out.print(
        f"{how} the search index: {report.indexed:,} trials indexed in {report.seconds:.1f} s; "
        f"it holds {report.total:,} trials and {report.sites:,} sites.",
        soft_wrap=True,
    )


def print_parse_report(obj: Context, report: ParseReport) -> None:
    if report.deferred:
        obj.out.print(
            f"The eligibility criteria of {report.deferred:,} trials are not parsed yet (--no-criteria):"
            " the next load or sync parses them, or `trialscout criteria --rebuild`; until then they"
            " are parsed as they are matched, which is slower.",
            soft_wrap=True,
        )
    if report.parsed == 0:
        return
    obj.out.print(
        f"Parsed the eligibility criteria of {report.parsed:,} trials in {report.seconds:.1f} s "
        f"({report.trials_per_second:,.0f} trials/s): {report.criteria:,} criteria,"
        f" {report.typed:,} with typed rules.",
        soft_wrap=True,
    )
