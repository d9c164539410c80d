"""Bring the store up to date with the live registry, asking only for what changed.

`sync(store, client, query)` asks ClinicalTrials.gov for the studies matching ``query`` whose
last update was posted on or after the query's checkpoint, oldest first, and stores them page
by page (one `load_items` call, so one or more committed transactions, per page).

The checkpoint is the latest ``lastUpdatePostDate`` among the records a sync has stored, kept
in the store's state under ``"sync.checkpoint " + query.key()``. It is written only after the
page that carries it has been stored, so a sync that fails, is killed or passes its deadline
never moves it past what the store holds, and the next sync resumes from there. The range asked
for includes the checkpoint day itself: records of that day that were already stored come back
"unchanged", and none posted later that day is missed.

A rejected record (one that cannot be read as a trial) gets one second chance. The first sync
that rejects it lists it in its report (``rejected``, and ``held_for``) and does not move the
checkpoint past its last-update day, so the next sync asks for it again: a record rejected
because of a passing fault, or a reader fixed since, is stored then. A record rejected a second
time at the same last-update day would be rejected forever, so the second rejection no longer
holds the checkpoint back (it is still listed among ``rejected``); once the registry posts a new
version of it, the new version gets its own second chance. The records that had their chance are
kept under ``"sync.rejected " + query.key()`` (NCT ID and day), for as long as the checkpoint has
not passed their day. A rejected entry with no readable last-update day cannot hold anything and
is only reported.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import orjson

from trialscout.sources.api import RegistryClient, StudyPage, StudyQuery
from trialscout.sources.files import RawRecord, Rejection
from trialscout.store.base import TrialStore
from trialscout.store.load import LoadReport, load_items

CHECKPOINT_PREFIX = "sync.checkpoint "
REJECTED_PREFIX = "sync.rejected "

_Retried = set[tuple[str, str]]  # (NCT ID or "", last-update day) of rejected records


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
    ``held_for`` names the rejected records (file record labels) the checkpoint was held back
    for, so the next sync asks for them once more; ``held_at`` is the day it was held at.
    """

    query: str = ""
    since: dt.date | None = None
    pages: int = 0
    total_count: int | None = None
    checkpoint_before: dt.date | None = None
    checkpoint_after: dt.date | None = None
    held_for: list[str] = msgspec.field(default_factory=list)
    held_at: dt.date | None = None

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
    deadline: float | None = None,
) -> SyncReport:
    """Store every study matching ``query`` updated since ``since`` (default: the checkpoint).

    Without ``since`` a sync starts at the stored checkpoint, or at ``query.updated_since`` if
    that is later, or from the beginning. A ``since`` later than the stored checkpoint would leave
    a gap of days never asked for, so such a sync stores what it gets but leaves the checkpoint
    where it was. Raises `RegistryError` if the registry keeps failing; every page stored before
    stays stored, and running the sync again completes it. ``max_records`` stops after the
    page that reaches it; the checkpoint then covers exactly the pages stored. ``deadline`` is
    the most seconds the sync may take (default: the client's, 6 h); past it, `RegistryError`.
    """
    started = time.perf_counter()
    before = stored_checkpoint(store, query)
    start = since if since is not None else _later(before, query.updated_since)
    may_advance = before is None or start is None or start <= before
    report = SyncReport(query=query.key(), since=start, checkpoint_before=before, checkpoint_after=before)
    newest: dt.date | None = None
    in_order = True  # the registry sorts by last update; if it did not, only a complete sync may advance
    complete = False
    retried = _load_retried(store, query)
    holding: _Retried = set()  # rejected records this sync holds the checkpoint back for
    hold: dt.date | None = None

    pages = client.iter_pages(msgspec.structs.replace(query, updated_since=start), deadline=deadline)
    for page in pages:
        seen: dict[str, tuple[str, dt.date | None]] = {}
        loaded = load_items(store, _labelled(page, seen), today=today, workers=workers)
        report.add(loaded)
        report.pages += 1
        if report.total_count is None:
            report.total_count = page.total_count
        rejected = {r.record for r in loaded.rejected}
        for label, (nct, date) in seen.items():
            if date is None:
                continue
            if newest is not None and date < newest:
                in_order = False
            if label in rejected and may_advance and (nct, date.isoformat()) not in retried:
                holding.add((nct, date.isoformat()))
                report.held_for.append(label)
                hold = date if hold is None else min(hold, date)
                continue
            newest = date if newest is None else max(newest, date)
        if in_order and may_advance:
            report.checkpoint_after = _move(store, query, report, retried | holding, newest, hold)
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
    else:
        complete = True

    if may_advance and (in_order or complete):
        report.checkpoint_after = _move(store, query, report, retried | holding, newest, hold)
    report.seconds = time.perf_counter() - started
    return report


def _move(
    store: TrialStore,
    query: StudyQuery,
    report: SyncReport,
    retried: _Retried,
    newest: dt.date | None,
    hold: dt.date | None,
) -> dt.date | None:
    """Record which rejected records had their chance, then move the checkpoint: to ``newest``,
    but not past ``hold``, the day of the first rejected record still owed a second chance."""
    if hold is not None:
        report.held_at = hold
        newest = hold if newest is None else min(newest, hold)
    current = report.checkpoint_after
    after = newest if newest is not None and (current is None or newest > current) else current
    _save_retried(store, query, retried, after)
    return _advance(store, checkpoint_key(query), current, newest)


def _load_retried(store: TrialStore, query: StudyQuery) -> _Retried:
    value = store.get_state(REJECTED_PREFIX + query.key())
    try:
        pairs = orjson.loads(value) if value else []
    except orjson.JSONDecodeError:
        return set()  # not what we wrote: every rejected record gets its chance again
    if not isinstance(pairs, list):
        return set()
    return {(str(p[0]), str(p[1])) for p in pairs if isinstance(p, list) and len(p) == 2}


def _save_retried(
    store: TrialStore, query: StudyQuery, retried: _Retried, checkpoint: dt.date | None
) -> None:
    """Keep the rejected records that had their chance, while a sync may still ask for them."""
    key = REJECTED_PREFIX + query.key()
    keep = sorted(r for r in retried if checkpoint is None or r[1] >= checkpoint.isoformat())
    value = orjson.dumps([list(r) for r in keep]).decode() if keep else ""
    if (store.get_state(key) or "") != value:
        store.set_state(key, value)


def _labelled(
    page: StudyPage, seen: dict[str, tuple[str, dt.date | None]]
) -> Iterator[RawRecord | Rejection]:
    """The page's records, noting each one's NCT ID and last-update day under its label."""
    for item, study in zip(page.records(), page.studies, strict=True):
        seen[item.record] = (_nct(study), _last_update_posted(study))
        yield item


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


def _nct(study: dict[str, Any]) -> str:
    protocol = study.get("protocolSection")
    ident = protocol.get("identificationModule") if isinstance(protocol, dict) else None
    nct = ident.get("nctId") if isinstance(ident, dict) else None
    return nct if isinstance(nct, str) else ""


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
