"""Load registry files into the store: read, parse, prepare, store in batches, report.

A malformed or foreign record is reported (file, record, reason) and skipped; the rest loads.
Every batch is one transaction, so an interrupted load leaves the store consistent and the
same command run again completes it (records already stored come back as "unchanged").
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice

import msgspec

from trialscout.errors import RecordError
from trialscout.sources.ctgov_json import ConcatenatedValuesError
from trialscout.sources.files import (
    ArchivedRecord,
    RawRecord,
    Rejection,
    SkippedFile,
    SourceItem,
    iter_source,
    parse_record,
    split_concatenated,
)
from trialscout.store.base import Outcome, PreparedRecord, TrialStore
from trialscout.store.records import prepare_record


class LoadProgress(msgspec.Struct, frozen=True):
    """Where a load is: records read so far (stored or rejected) and the file being read."""

    records: int
    rejected: int
    file: str


class LoadReport(msgspec.Struct, kw_only=True):
    """What a load did, by outcome, with every rejected record and its reason."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    superseded: int = 0
    rejected: list[Rejection] = msgspec.field(default_factory=list)
    skipped_files: int = 0
    seconds: float = 0.0

    @property
    def stored(self) -> int:
        return self.new + self.updated + self.unchanged + self.superseded

    @property
    def records(self) -> int:
        return self.stored + len(self.rejected)

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)


ProgressCallback = Callable[[LoadProgress], None]

#: Records per transaction: large enough to amortise the commit, small enough to lose little.
BATCH_SIZE = 500
_CHUNK = 100
_INLINE_FIRST = 600
#: A load allocates millions of short-lived objects and no reference cycles worth chasing;
#: collecting less often saves about a tenth of the CPU (measured on the v2 records).
_LOAD_GC_THRESHOLD = (50_000, 20, 20)


def _tune_gc() -> None:
    gc.freeze()
    gc.set_threshold(*_LOAD_GC_THRESHOLD)


def default_workers() -> int:
    """Parse in worker processes when there is more than one core to run them."""
    cores = os.cpu_count() or 1
    return cores if cores > 1 else 0


def load_paths(
    store: TrialStore,
    paths: Iterable[str | os.PathLike[str]],
    *,
    today: dt.date | None = None,
    workers: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> LoadReport:
    """Load every study record found under ``paths`` into ``store``."""
    return load_items(store, iter_source(paths), today=today, workers=workers, on_progress=on_progress)


def load_items(
    store: TrialStore,
    items: Iterable[SourceItem],
    *,
    today: dt.date | None = None,
    workers: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> LoadReport:
    """Load already-read source items (files or live API pages) into ``store``."""
    today = today or dt.date.today()
    workers = default_workers() if workers is None else workers
    threshold = gc.get_threshold()
    gc.set_threshold(*_LOAD_GC_THRESHOLD)
    try:
        return _load(store, items, today, workers, on_progress)
    finally:
        gc.set_threshold(*threshold)


def _load(
    store: TrialStore,
    items: Iterable[SourceItem],
    today: dt.date,
    workers: int,
    on_progress: ProgressCallback | None,
) -> LoadReport:
    report = LoadReport()
    started = time.perf_counter()
    file = ""
    pending: list[PreparedRecord] = []

    def flush() -> None:
        for outcome in store.store_batch(pending):
            report.count(outcome)
        pending.clear()

    def raw_only() -> Iterator[RawRecord | ArchivedRecord]:
        nonlocal file
        for item in items:
            if isinstance(item, (RawRecord, ArchivedRecord)):
                file = item.file
                yield item
            elif isinstance(item, Rejection):
                report.rejected.append(item)
            elif isinstance(item, SkippedFile):
                report.skipped_files += 1

    for prepared in _prepare_all(raw_only(), today, workers):
        if isinstance(prepared, Rejection):
            report.rejected.append(prepared)
        else:
            pending.append(prepared)
            if len(pending) >= BATCH_SIZE:
                flush()
        if on_progress is not None and (report.records + len(pending)) % 50 == 0:
            on_progress(LoadProgress(report.records + len(pending), len(report.rejected), file))
    flush()
    store.refresh_recruitment_checks(today)
    report.seconds = time.perf_counter() - started
    if on_progress is not None:
        on_progress(LoadProgress(report.records, len(report.rejected), file))
    return report


def prepare_raw(item: RawRecord | ArchivedRecord, today: dt.date) -> list[PreparedRecord | Rejection]:
    """Read (if still archived), parse and prepare one record, or say why it cannot be stored.

    Usually one result; several when a slice of a JSON array turns out to hold several values.
    """
    try:
        raw = item.read() if isinstance(item, ArchivedRecord) else item
    except RecordError as exc:  # encrypted, damaged, over the size bound: it says which
        return [Rejection(item.file, item.record, str(exc))]
    except Exception as exc:  # noqa: BLE001 - a damaged member is reported, the load goes on
        return [Rejection(item.file, item.record, f"cannot read the archive member: {exc}")]
    try:
        return [_prepare_one(raw, today)]
    except ConcatenatedValuesError:
        pass
    try:
        parts = split_concatenated(raw)
    except RecordError as exc:
        return [Rejection(raw.file, raw.record, str(exc))]
    results: list[PreparedRecord | Rejection] = []
    for part in parts:
        try:
            results.append(_prepare_one(part, today))
        except RecordError as exc:
            results.append(Rejection(part.file, part.record, str(exc)))
    return results


def _prepare_one(raw: RawRecord, today: dt.date) -> PreparedRecord | Rejection:
    """Raises ConcatenatedValuesError; reports every other failure as a Rejection."""
    try:
        trial = parse_record(raw)
    except ConcatenatedValuesError:
        raise
    except RecordError as exc:
        return Rejection(raw.file, raw.record, str(exc))
    except Exception as exc:  # noqa: BLE001 - a record we did not foresee must not stop a load
        return Rejection(raw.file, raw.record, f"unreadable record ({type(exc).__name__}: {exc})")
    return prepare_record(trial, raw.data, raw.file, raw.record, today)


def _prepare_chunk(
    chunk: list[RawRecord | ArchivedRecord], today: dt.date
) -> list[PreparedRecord | Rejection]:
    return [result for raw in chunk for result in prepare_raw(raw, today)]


def _prepare_all(
    raws: Iterator[RawRecord | ArchivedRecord], today: dt.date, workers: int
) -> Iterator[PreparedRecord | Rejection]:
    """Prepare records in order; in worker processes once the input proves large enough to
    repay starting them (a few hundred records parse faster than a pool starts)."""
    for raw in islice(raws, _INLINE_FIRST if workers > 0 else None):
        yield from prepare_raw(raw, today)
    if workers <= 0:
        return
    chunks = iter(lambda: list(islice(raws, _CHUNK)), [])
    first = next(chunks, None)
    if first is None:
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_tune_gc) as pool:
        # Keep a bounded number of chunks in flight so memory stays flat on any input size.
        in_flight = [pool.submit(_prepare_chunk, first, today)]
        for chunk in chunks:
            in_flight.append(pool.submit(_prepare_chunk, chunk, today))
            if len(in_flight) >= workers * 4:
                yield from in_flight.pop(0).result()
        for future in in_flight:
            yield from future.result()
