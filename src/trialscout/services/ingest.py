"""The one writer: registry records in, then the search index, then the parsed criteria.

`load_files` and `sync_registry` are the two ways in (files, the live API); each stores the
records, brings the search index up to date with the store, and parses the criteria of every
trial that is due, in that order, so that a reader finds all three in step. Each stage is safe
to interrupt: the next run completes it. ``on_stage`` is told when each stage starts, for a
progress display.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path

import msgspec

from trialscout.eligibility.model import PARSER_VERSION
from trialscout.errors import StoreError
from trialscout.search.index import IndexReport, SearchIndex
from trialscout.services.registry import open_writer
from trialscout.settings import is_postgres_url
from trialscout.sources.api import RegistryClient, StudyQuery
from trialscout.store.base import TrialReader, TrialStore
from trialscout.store.criteria import ParseReport, update_parsed_criteria
from trialscout.store.load import LoadProgress, LoadReport, load_paths
from trialscout.store.sync import SyncProgress, SyncReport, sync


class Stage(StrEnum):
    LOAD = "load"
    SYNC = "sync"
    INDEX = "index"
    CRITERIA = "criteria"


StageCallback = Callable[[Stage], None]


class IngestReport(msgspec.Struct, frozen=True, kw_only=True):
    """What a load or sync did, stage by stage, and how many trials the store holds after."""

    records: LoadReport  # a SyncReport for a sync
    index: IndexReport
    criteria: ParseReport
    total: int


def load_files(
    store: TrialStore,
    paths: Iterable[str | os.PathLike[str]],
    *,
    workers: int | None = None,
    today: dt.date | None = None,
    on_progress: Callable[[LoadProgress], None] | None = None,
    on_stage: StageCallback | None = None,
    criteria: bool = True,
) -> IngestReport:
    """Load registry files (folders, zips) into the store, then index and parse criteria.

    With ``criteria=False`` the parse is left for later (the next load or sync, or `criteria
    --rebuild`): trials whose criteria are due are still matched, parsed as they are read."""
    _tell(on_stage, Stage.LOAD)
    report = load_paths(store, paths, today=today, workers=workers, on_progress=on_progress)
    return _follow(store, report, on_stage, criteria=criteria)


def sync_registry(
    store: TrialStore,
    client: RegistryClient,
    query: StudyQuery,
    *,
    since: dt.date | None = None,
    max_records: int | None = None,
    today: dt.date | None = None,
    deadline: float | None = None,
    on_progress: Callable[[SyncProgress], None] | None = None,
    on_stage: StageCallback | None = None,
) -> IngestReport:
    """Fetch what changed in the live registry for ``query``, then index and parse criteria
    (``deadline``: seconds the fetching may take in all; see `trialscout.store.sync.sync`)."""
    _tell(on_stage, Stage.SYNC)
    report: SyncReport = sync(
        store,
        client,
        query,
        since=since,
        today=today,
        max_records=max_records,
        on_progress=on_progress,
        deadline=deadline,
    )
    return _follow(store, report, on_stage)


def update_index(store: TrialReader, *, rebuild: bool = False) -> IndexReport:
    """Bring the search index up to date with the store (from scratch with ``rebuild``); the
    store is only read, so a read-only one will do."""
    return SearchIndex.update(store, rebuild=rebuild)


def update_criteria(store: TrialStore, *, rebuild: bool = False) -> ParseReport:
    """Parse the criteria of every trial that is due (all of them with ``rebuild``)."""
    return update_parsed_criteria(store, rebuild=rebuild)


def migrate(db: str | Path) -> list[int]:
    """Apply the schema migrations a store (a file, or a PostgreSQL URL) lacks; return the
    versions applied."""
    if not is_postgres_url(db) and not Path(db).is_file():
        raise StoreError(f"no store at {db}. Load records first: trialscout --db {db} load PATH")
    with open_writer(db) as store:
        applied: list[int] = getattr(store, "applied_migrations", [])
        return applied


def write_rejects(report: LoadReport, target: Path) -> None:
    """The rejects report: one row per rejected record, as file, record, reason (TSV).

    Raises StoreError naming ``target`` when it cannot be written (a missing or read-only
    folder, a full disk); the records of the load are stored by then, and the message says so.
    """
    try:
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
            writer.writerow(["file", "record", "reason"])
            for r in report.rejected:
                writer.writerow([r.file, r.record, r.reason])
    except OSError as exc:
        raise StoreError(
            f"the records read are stored, but the rejects report ({len(report.rejected):,} "
            f"rejected records) could not be written to {target}: {exc.strerror or exc}; "
            "give --rejects a file in a folder that exists and can be written"
        ) from exc


def _follow(
    store: TrialStore, report: LoadReport, on_stage: StageCallback | None, *, criteria: bool = True
) -> IngestReport:
    total = store.count()
    _tell(on_stage, Stage.INDEX)
    index = SearchIndex.update(store)
    if criteria:
        _tell(on_stage, Stage.CRITERIA)
        parsed = update_parsed_criteria(store)
    else:
        due = store.criteria_state(PARSER_VERSION).due
        parsed = ParseReport(parsed=0, criteria=0, typed=0, seconds=0.0, deferred=due)
    return IngestReport(records=report, index=index, criteria=parsed, total=total)


def _tell(on_stage: StageCallback | None, stage: Stage) -> None:
    if on_stage is not None:
        on_stage(stage)
