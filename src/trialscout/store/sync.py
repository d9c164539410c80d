"""Bring the store up to date with the live registry, asking only for what changed.

`sync(store, client, query)` asks ClinicalTrials.gov for the studies matching ``query`` whose
last update was posted on or after the query's checkpoint, oldest first, and stores them page
by page (one `load_items` call, so one or more committed transactions, per page).

The checkpoint is the latest ``lastUpdatePostDate`` among the records a sync has stored (or
reported as unreadable), kept in the store's state under ``"sync.checkpoint " + query.key()``.
It is written only after the page that carries it has been stored, so a sync that fails or is
killed never moves it past what the store holds, and the next sync resumes from there. The
range asked for includes the checkpoint day itself: records of that day that were already
stored come back "unchanged", and none posted later that day is missed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import msgspec

from trialscout.sources.api import RegistryClient, StudyPage, StudyQuery
from trialscout.store.base import TrialStore
from trialscout.store.load import LoadReport, load_items

CHECKPOINT_PREFIX = "sync.checkpoint "


class SyncProgress(msgspec.Struct, frozen=True, kw_only=True):
    """Where a sync is after each stored page."""

    pages: int
    records: int
    rejected: int
    total: int | None
    checkpoint: dt.date | None


class SyncReport(LoadReport, kw_only=True):
    """What a sync did: the load's counts, plus the pages fetched and the checkpoint moved.

    ``since`` is the first last-update day asked for (None: everything the query matches);
    ``total_count`` what the registry said matches; ``checkpoint_after`` where the next sync starts.
    """

    query: str = ""
    since: dt.date | None = None
    pages: int = 0
    total_count: int | None = None
    checkpoint_before: dt.date | None = None
    checkpoint_after: dt.date | None = None

    def add(self, page: LoadReport) -> None:
        """Count one page's load into the whole sync."""
        self.new += page.new
        self.updated += page.updated
        self.unchanged += page.unchanged
        self.superseded += page.superseded
        self.rejected.extend(page.rejected)
        self.skipped_files += page.skipped_files


SyncProgressCallback = Callable[[SyncProgress], None]


def checkpoint_key(query: StudyQuery) -> str:
    """The state key under which a query's checkpoint is kept."""
    return CHECKPOINT_PREFIX + query.key()


def stored_checkpoint(store: TrialStore, query: StudyQuery) -> dt.date | None:
    """The last-update day the next sync of ``query`` starts from, or None if it never ran."""
    value = store.get_state(checkpoint_key(query))
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None  # not a date we wrote: sync everything again rather than guess


def sync(
    store: TrialStore,
    client: RegistryClient,
    query: StudyQuery,
    *,
    since: dt.date | None = None,
    today: dt.date | None = None,
    workers: int = 0,
    max_records: int | None = None,
    on_progress: SyncProgressCallback | None = None,
) -> SyncReport:
    """Store every study matching ``query`` updated since ``since`` (default: the checkpoint).

    Without ``since`` a sync starts at the stored checkpoint, or at ``query.updated_since`` if
    that is later, or from the beginning. A ``since`` later than the stored checkpoint would leave
    a gap of days never asked for, so such a sync stores what it gets but leaves the checkpoint
    where it was. Raises `RegistryError` if the registry keeps failing; every page stored before
    stays stored, and running the sync again completes it. ``max_records`` stops after the
    page that reaches it; the checkpoint then covers exactly the pages stored.
    """
    started = time.perf_counter()
    key = checkpoint_key(query)
    before = stored_checkpoint(store, query)
    start = since if since is not None else _later(before, query.updated_since)
    may_advance = before is None or start is None or start <= before
    report = SyncReport(query=query.key(), since=start, checkpoint_before=before, checkpoint_after=before)
    newest: dt.date | None = None
    in_order = True  # the registry sorts by last update; if it did not, only a complete sync may advance

    for page in client.iter_pages(msgspec.structs.replace(query, updated_since=start)):
        dates = _page_dates(page)
        report.add(load_items(store, page.records(), today=today, workers=workers))
        report.pages += 1
        if report.total_count is None:
            report.total_count = page.total_count
        for date in dates:
            if newest is not None and date < newest:
                in_order = False
            newest = date if newest is None else max(newest, date)
        if in_order and may_advance:
            report.checkpoint_after = _advance(store, key, report.checkpoint_after, newest)
        if on_progress is not None:
            on_progress(
                SyncProgress(
                    pages=report.pages,
                    records=report.records,
                    rejected=len(report.rejected),
                    total=report.total_count,
                    checkpoint=report.checkpoint_after,
                )
            )
        if max_records is not None and report.records >= max_records:
            break

    if may_advance:
        report.checkpoint_after = _advance(store, key, report.checkpoint_after, newest)
    report.seconds = time.perf_counter() - started
    return report


def _advance(store: TrialStore, key: str, current: dt.date | None, newest: dt.date | None) -> dt.date | None:
    """Move the stored checkpoint forward to ``newest``; never back."""
    if newest is None or (current is not None and newest <= current):
        return current
    store.set_state(key, newest.isoformat())
    return newest


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def _page_dates(page: StudyPage) -> list[dt.date]:
    """The last-update posted date of each study on a page that has a readable one."""
    return [date for date in map(_last_update_posted, page.studies) if date is not None]


def _last_update_posted(study: dict[str, Any]) -> dt.date | None:
    value: Any = study
    for key in ("protocolSection", "statusModule", "lastUpdatePostDateStruct", "date"):
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None
