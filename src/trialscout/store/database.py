"""The store of record: one SQLite file in WAL mode, keyed on the NCT ID.

Writes go in batches, each in one transaction: a process killed mid-load leaves every batch
either fully stored or not at all, and loading again completes the store. An incoming record
replaces the stored one only when it is a more recent version of the trial (its last update
date, then the richer format, then the registry's version date), so loading an old archive
over a fresh sync loses nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Iterator, Sequence
from enum import StrEnum
from pathlib import Path

import msgspec
import orjson
import zstandard

from trialscout.errors import StoreError, TrialNotFoundError
from trialscout.model.enums import SourceFormat
from trialscout.model.recruitment import RecruitmentCheck, check_recruitment
from trialscout.model.trial import Trial
from trialscout.store.schema import migrate

_ENCODER = msgspec.json.Encoder()
_ZSTD_LEVEL = 1


_COMPRESSOR = zstandard.ZstdCompressor(level=_ZSTD_LEVEL)  # one per process; processes do not share it
_DECOMPRESSOR = zstandard.ZstdDecompressor()


def _compress(raw: bytes) -> bytes:
    return _COMPRESSOR.compress(raw)


def _decompress(blob: bytes) -> bytes:
    return _DECOMPRESSOR.decompress(blob)


_DECODER = msgspec.json.Decoder(Trial)
_CHECK_DECODER = msgspec.json.Decoder(tuple[str, ...])

#: When two versions of a trial carry the same last-update date, the richer format wins.
_FORMAT_RANK = {SourceFormat.CTGOV_LEGACY_XML: 1, SourceFormat.CTGOV_API_V2_JSON: 2}


class Outcome(StrEnum):
    """What storing one record did."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SUPERSEDED = "superseded"  # the store already holds a more recent version; kept it


class PreparedRecord(msgspec.Struct, frozen=True):
    """One trial turned into the rows the store writes; built by `prepare_record`.

    Preparing is pure CPU work (encoding, hashing, compressing, the recruitment check), so it
    can run in worker processes while the writer only runs SQL.
    """

    nct_id: str
    version_key: tuple[str, int, str]
    content_hash: bytes
    trial_row: tuple[object, ...]
    sites: list[tuple[object, ...]]
    conditions: list[tuple[object, ...]]
    interventions: list[tuple[object, ...]]


def prepare_record(trial: Trial, raw: bytes, file: str, record: str, today: dt.date) -> PreparedRecord:
    encoded = _ENCODER.encode(trial)
    # Hash what the registry says, not where we read it (`source` is the last field), so the
    # same version from two downloads is unchanged.
    content = memoryview(encoded)[: encoded.rindex(b',"source":')]
    digest = hashlib.blake2b(content, digest_size=16).digest()
    nct = trial.nct_id
    return PreparedRecord(
        nct_id=nct,
        version_key=_version_key(trial),
        content_hash=digest,
        trial_row=_trial_row(trial, encoded, raw, digest, file, record, today),
        sites=[
            (
                nct,
                n,
                s.facility,
                s.city,
                s.state,
                s.zip,
                s.country,
                s.status.value if s.status else None,
                s.latitude,
                s.longitude,
            )
            for n, s in enumerate(trial.locations)
        ],
        conditions=[(nct, n, c) for n, c in enumerate(trial.conditions)],
        interventions=[
            (nct, n, i.type.value if i.type else None, i.name) for n, i in enumerate(trial.interventions)
        ],
    )


class StoredTrial(msgspec.Struct, frozen=True, kw_only=True):
    """A trial as the store holds it, with its provenance and recruitment check."""

    trial: Trial
    source_file: str
    source_record: str
    loaded_at: str
    recruitment_check: RecruitmentCheck


def _version_key(trial: Trial) -> tuple[str, int, str]:
    return (trial.last_update or "", _FORMAT_RANK[trial.source.format], trial.source.version_date or "")


class TrialStore:
    """A local copy of the registry in one SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA busy_timeout=10000")
            migrate(self._conn)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> TrialStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The SQLite connection, for the derived indexes that live beside the trials."""
        return self._conn

    # --- reading -------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM trials").fetchone()[0])

    def has(self, nct_id: str) -> bool:
        return self._conn.execute("SELECT 1 FROM trials WHERE nct_id=?", (nct_id,)).fetchone() is not None

    def get(self, nct_id: str) -> StoredTrial:
        row = self._conn.execute(
            "SELECT record, source_file, source_record, loaded_at, possibly_stale, stale_reasons,"
            " stale_checked_on FROM trials WHERE nct_id=?",
            (nct_id,),
        ).fetchone()
        if row is None:
            raise TrialNotFoundError(nct_id)
        record, file, source_record, loaded_at, stale, reasons, checked_on = row
        return StoredTrial(
            trial=_DECODER.decode(record),
            source_file=file,
            source_record=source_record,
            loaded_at=loaded_at,
            recruitment_check=RecruitmentCheck(
                possibly_stale=bool(stale),
                reasons=_CHECK_DECODER.decode(reasons) if reasons else (),
                checked_on=checked_on or "",
            ),
        )

    def trial(self, nct_id: str) -> Trial:
        return self.get(nct_id).trial

    def raw_record(self, nct_id: str) -> tuple[SourceFormat, bytes]:
        """The source record exactly as it was read."""
        row = self._conn.execute("SELECT source_format, raw FROM trials WHERE nct_id=?", (nct_id,)).fetchone()
        if row is None:
            raise TrialNotFoundError(nct_id)
        return SourceFormat(row[0]), _decompress(row[1])

    def iter_trials(self, since_seq: int = 0, batch_size: int = 500) -> Iterator[tuple[int, Trial]]:
        """Every trial changed after batch ``since_seq``, in change order, with its batch."""
        last_seq, last_id = since_seq, ""
        while True:
            rows = self._conn.execute(
                "SELECT change_seq, nct_id, record FROM trials"
                " WHERE (change_seq > ? OR (change_seq = ? AND nct_id > ?))"
                " ORDER BY change_seq, nct_id LIMIT ?",
                (last_seq, last_seq, last_id, batch_size),
            ).fetchall()
            if not rows:
                return
            for seq, _nct_id, record in rows:
                yield seq, _DECODER.decode(record)
            last_seq, last_id = rows[-1][0], rows[-1][1]

    def last_change_seq(self) -> int:
        return int(self._conn.execute("SELECT coalesce(max(change_seq), 0) FROM trials").fetchone()[0])

    def nct_ids(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT nct_id FROM trials ORDER BY nct_id")]

    # --- state ---------------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_state(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    # --- writing -------------------------------------------------------------------------

    def store_batch(self, batch: Sequence[PreparedRecord]) -> list[Outcome]:
        """Store a batch in one transaction; return what happened to each record, in order."""
        if not batch:
            return []
        ids = sorted({item.nct_id for item in batch})
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            current = self._current_versions(ids)
            existing = set(current)
            outcomes: list[Outcome] = []
            chosen: dict[str, PreparedRecord] = {}
            for item in batch:
                previous = current.get(item.nct_id)
                if previous is None:
                    outcome = Outcome.NEW
                elif previous[1] == item.content_hash:
                    outcome = Outcome.UNCHANGED
                elif item.version_key > previous[0]:
                    outcome = Outcome.UPDATED
                else:
                    outcome = Outcome.SUPERSEDED
                if outcome in (Outcome.NEW, Outcome.UPDATED):
                    current[item.nct_id] = (item.version_key, item.content_hash)
                    chosen[item.nct_id] = item
                outcomes.append(outcome)
            if chosen:
                replaced = [(nct,) for nct in chosen if nct in existing]
                self._write(list(chosen.values()), replaced)
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        return outcomes

    def _current_versions(self, ids: Sequence[str]) -> dict[str, tuple[tuple[str, int, str], bytes]]:
        found: dict[str, tuple[tuple[str, int, str], bytes]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for nct, last_update, fmt, version, digest in self._conn.execute(
                "SELECT nct_id, last_update, source_format, version_date, content_hash"
                f" FROM trials WHERE nct_id IN ({marks})",
                chunk,
            ):
                found[nct] = ((last_update or "", _FORMAT_RANK[SourceFormat(fmt)], version or ""), digest)
        return found

    def _write(self, rows: list[PreparedRecord], replaced: list[tuple[str]]) -> None:
        seq = self.last_change_seq() + 1
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        for table in ("sites", "conditions", "interventions"):
            self._conn.executemany(f"DELETE FROM {table} WHERE nct_id=?", replaced)
        self._conn.executemany(_UPSERT, [(*item.trial_row, seq, now) for item in rows])
        self._conn.executemany(
            "INSERT INTO sites VALUES (?,?,?,?,?,?,?,?,?,?)", [r for item in rows for r in item.sites]
        )
        self._conn.executemany(
            "INSERT INTO conditions VALUES (?,?,?)", [r for item in rows for r in item.conditions]
        )
        self._conn.executemany(
            "INSERT INTO interventions VALUES (?,?,?,?)", [r for item in rows for r in item.interventions]
        )

    def refresh_recruitment_checks(self, today: dt.date) -> int:
        """Re-run the recruiting-status check, as of ``today``, on the open trials not yet
        checked today; return how many trials are flagged in all. A trial whose flag changes
        counts as changed (a new ``change_seq``), so derived indexes pick the change up."""
        rows = self._conn.execute(
            "SELECT nct_id, record, possibly_stale FROM trials WHERE stale_checked_on < ?"
            " AND (possibly_stale=1 OR overall_status IN"
            " ('RECRUITING','NOT_YET_RECRUITING','ENROLLING_BY_INVITATION','AVAILABLE'))",
            (today.isoformat(),),
        ).fetchall()
        checked: list[tuple[int, str, str, str]] = []
        flipped: list[tuple[int, str, str, str]] = []
        for nct_id, record, was_stale in rows:
            check = check_recruitment(_DECODER.decode(record), today)
            values = (
                int(check.possibly_stale),
                orjson.dumps(check.reasons).decode(),
                check.checked_on,
                nct_id,
            )
            (flipped if bool(was_stale) != check.possibly_stale else checked).append(values)
        if checked or flipped:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                update = "UPDATE trials SET possibly_stale=?, stale_reasons=?, stale_checked_on=?"
                self._conn.executemany(update + " WHERE nct_id=?", checked)
                if flipped:
                    seq = self.last_change_seq() + 1
                    self._conn.executemany(update + f", change_seq={seq} WHERE nct_id=?", flipped)
        return int(self._conn.execute("SELECT count(*) FROM trials WHERE possibly_stale=1").fetchone()[0])

    # --- checks --------------------------------------------------------------------------

    def integrity_problems(self) -> list[str]:
        """SQLite's integrity and foreign-key checks plus the store's own invariants; [] if sound."""
        problems = [r[0] for r in self._conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key: {r}" for r in self._conn.execute("PRAGMA foreign_key_check")]
        orphans = self._conn.execute(
            "SELECT count(*) FROM sites WHERE nct_id NOT IN (SELECT nct_id FROM trials)"
        ).fetchone()[0]
        if orphans:
            problems.append(f"{orphans} sites without a trial")
        return problems


_UPSERT = """
INSERT INTO trials (
    nct_id, brief_title, official_title, acronym, overall_status, phases, study_type,
    start_date, primary_completion_date, completion_date, last_update, has_results,
    enrollment, enrollment_type, minimum_age_years, maximum_age_years, sex, healthy_volunteers,
    lead_sponsor, source_format, source_file, source_record, version_date, record, raw,
    content_hash, possibly_stale, stale_reasons, stale_checked_on, change_seq, loaded_at
) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT(nct_id) DO UPDATE SET
    brief_title=excluded.brief_title, official_title=excluded.official_title,
    acronym=excluded.acronym, overall_status=excluded.overall_status, phases=excluded.phases,
    study_type=excluded.study_type, start_date=excluded.start_date,
    primary_completion_date=excluded.primary_completion_date,
    completion_date=excluded.completion_date, last_update=excluded.last_update,
    has_results=excluded.has_results, enrollment=excluded.enrollment,
    enrollment_type=excluded.enrollment_type, minimum_age_years=excluded.minimum_age_years,
    maximum_age_years=excluded.maximum_age_years, sex=excluded.sex,
    healthy_volunteers=excluded.healthy_volunteers, lead_sponsor=excluded.lead_sponsor,
    source_format=excluded.source_format, source_file=excluded.source_file,
    source_record=excluded.source_record, version_date=excluded.version_date,
    record=excluded.record, raw=excluded.raw, content_hash=excluded.content_hash,
    possibly_stale=excluded.possibly_stale, stale_reasons=excluded.stale_reasons,
    stale_checked_on=excluded.stale_checked_on, change_seq=excluded.change_seq,
    loaded_at=excluded.loaded_at
"""


def _trial_row(
    t: Trial, encoded: bytes, raw: bytes, digest: bytes, file: str, record: str, today: dt.date
) -> tuple[object, ...]:
    """The trials row without its last two columns (change_seq, loaded_at), set at write time."""
    e = t.eligibility
    check = check_recruitment(t, today)

    def value(x: StrEnum | None) -> str | None:
        return x.value if x is not None else None

    return (
        t.nct_id,
        t.brief_title,
        t.official_title,
        t.acronym,
        value(t.overall_status),
        "|".join(p.value for p in t.phases) or None,
        value(t.study_type),
        t.start_date.date if t.start_date else None,
        t.primary_completion_date.date if t.primary_completion_date else None,
        t.completion_date.date if t.completion_date else None,
        t.last_update,
        int(t.has_results),
        t.enrollment.count if t.enrollment else None,
        value(t.enrollment.type) if t.enrollment else None,
        e.minimum_age_years if e else None,
        e.maximum_age_years if e else None,
        value(e.sex) if e else None,
        None if e is None or e.healthy_volunteers is None else int(e.healthy_volunteers),
        t.lead_sponsor.name if t.lead_sponsor else None,
        t.source.format.value,
        file,
        record,
        t.source.version_date,
        encoded.decode(),
        _compress(raw),
        digest,
        int(check.possibly_stale),
        orjson.dumps(check.reasons).decode(),
        check.checked_on,
    )
