"""The embedded store of record: one SQLite file in WAL mode, keyed on the NCT ID.

Writes go in batches, each in one transaction: a process killed mid-load leaves every batch
either fully stored or not at all, and loading again completes the store. Readers open the file
read-only (``read_only=True``): they run no migration and write nothing, so they neither block
nor break the writer, and they work on read-only files. Each thread gets its own connection.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sqlite3
import threading
import uuid
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from trialscout.eligibility.model import Criterion, ParsedEligibility
from trialscout.errors import BUSY_RETRY_S, UNKNOWN_RETRY_S, StoreError, TrialNotFoundError
from trialscout.model.enums import SourceFormat
from trialscout.model.trial import Trial
from trialscout.store.base import (
    CriteriaState,
    DueTrial,
    Freshness,
    IndexRow,
    InterventionTrial,
    OrganizationTrial,
    Outcome,
    ParsedTrial,
    PreparedRecord,
    SiteRow,
    StoredTrial,
    TrialCard,
)
from trialscout.store.criteria_rows import (
    CRITERIA_COLUMNS,
    DUE_SQL,
    PARSE_COLUMNS,
    SAVE_SQL,
    criteria_blob,
    criteria_heads,
    criterion_from_row,
    current_parse,
    current_parses,
    due_chunks,
)
from trialscout.store.records import (
    TRIAL_COLUMNS,
    decode_trial,
    decompress,
    record_json,
    stored_version_key,
)
from trialscout.store.rows import (
    CARD_COLUMNS,
    RECHECK_SQL,
    STORE_ID_KEY,
    STORED_COLUMNS,
    StoredVersions,
    batch_outcomes,
    card,
    group_rows,
    intervention_trials,
    organization_trials,
    recheck_recruitment,
    stored_trial,
    translate_errors,
)
from trialscout.store.schema import MIGRATIONS, migrate, pending_migrations

#: The migration that added trials.stale_grade: the store grades its open trials after it.
GRADE_MIGRATION = 5


def default_index_folder(path: Path) -> Path:
    """Where a store file's search index lives unless told otherwise: ``<file>.index``."""
    return path.with_name(path.name + ".index")


class SQLiteStore:
    """A local copy of the registry in one SQLite file (see `trialscout.store.base`)."""

    def __init__(
        self, path: str | Path, *, read_only: bool = False, index_folder: str | Path | None = None
    ) -> None:
        self.path = Path(path)
        self._read_only = read_only
        self._index_folder = Path(index_folder) if index_folder else default_index_folder(self.path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._immutable = False
        self.applied_migrations: list[int] = []
        self._writer_lock: IO[bytes] | None = None
        if read_only:
            if not self.path.is_file():
                raise StoreError(
                    f"no store at {self.path}. Load records first: trialscout --db {self.path} load PATH"
                )
            self._check_schema()
            return
        try:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer_lock = _take_writer_lock(self.path)
            conn = self._conn
            self.applied_migrations = migrate(conn)
            if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='criteria'").fetchone():
                self._compact_criteria()
            if GRADE_MIGRATION in self.applied_migrations:
                # The grades of the open trials need the Python check: graded once, here.
                self.refresh_recruitment_checks(dt.date.today())
            conn.execute(
                "INSERT INTO state(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                (STORE_ID_KEY, uuid.uuid4().hex),
            )
        except sqlite3.Error as exc:
            self.close()
            raise store_error(self.path, exc) from exc
        except OSError as exc:
            self.close()
            raise StoreError(
                f"cannot open the store at {self.path} for writing: {exc.strerror or exc}"
            ) from exc

    # --- connections ---------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            if self._read_only:
                conn = self._connect_read_only()
            else:
                conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=10000")
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from exc
        except OSError as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc.strerror or exc}") from exc
        with self._lock:
            self._connections.append(conn)
        return conn

    def _connect_read_only(self) -> sqlite3.Connection:
        uri = self.path.resolve().as_uri()
        if not self._immutable:
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return conn
            except sqlite3.OperationalError:
                conn.close()
                # A WAL file on a read-only disk cannot be opened for reading unless SQLite is
                # told that nobody writes it (no writer can, there).
                if os.access(self.path.parent, os.W_OK):
                    raise
                self._immutable = True
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None, check_same_thread=False)

    @property
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _check_schema(self) -> None:
        try:
            pending = pending_migrations(self._conn)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path} is not a trialscout store ({exc})") from exc
        if len(pending) == len(MIGRATIONS):
            raise StoreError(
                f"{self.path} holds no trialscout store yet. Load records first: "
                f"trialscout --db {self.path} load PATH"
            )
        if pending:
            raise StoreError(
                f"the store at {self.path} was made by an older trialscout; "
                f"upgrade it first: trialscout --db {self.path} migrate"
            )

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
        if self._writer_lock is not None:
            self._writer_lock.close()  # releases the lock
            self._writer_lock = None

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def index_folder(self) -> Path:
        return self._index_folder

    @property
    def read_only(self) -> bool:
        return self._read_only

    def identity(self) -> str:
        return self.get_state(STORE_ID_KEY) or ""

    # --- reading -------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM trials").fetchone()[0])

    def has(self, nct_id: str) -> bool:
        return self._conn.execute("SELECT 1 FROM trials WHERE nct_id=?", (nct_id,)).fetchone() is not None

    def get(self, nct_id: str) -> StoredTrial:
        row = self._conn.execute(f"SELECT {STORED_COLUMNS} FROM trials WHERE nct_id=?", (nct_id,)).fetchone()
        if row is None:
            raise TrialNotFoundError(nct_id)
        return stored_trial(row)

    def trial(self, nct_id: str) -> Trial:
        return self.get(nct_id).trial

    def raw_record(self, nct_id: str) -> tuple[SourceFormat, bytes]:
        row = self._conn.execute("SELECT source_format, raw FROM trials WHERE nct_id=?", (nct_id,)).fetchone()
        if row is None:
            raise TrialNotFoundError(nct_id)
        return SourceFormat(row[0]), decompress(row[1])

    def raw_records(self, nct_ids: Sequence[str]) -> dict[str, tuple[SourceFormat, bytes]]:
        return {
            nct_id: (SourceFormat(source), decompress(raw))
            for nct_id, source, raw in self._rows_of("nct_id, source_format, raw", nct_ids)
        }

    def trials(self, nct_ids: Sequence[str]) -> dict[str, Trial]:
        return {nct_id: decode_trial(record) for nct_id, record in self._rows_of("nct_id, record", nct_ids)}

    def _rows_of(self, columns: str, nct_ids: Sequence[str]) -> list[tuple[Any, ...]]:
        """These columns of the trials with these NCT IDs, in batches the driver takes."""
        ids = list(dict.fromkeys(nct_ids))
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows += self._conn.execute(f"SELECT {columns} FROM trials WHERE nct_id IN ({marks})", chunk)
        return rows

    def iter_trials(self, since_seq: int = 0, batch_size: int = 500) -> Iterator[tuple[int, Trial]]:
        # Start past every NCT ID of change ``since_seq`` itself: only later changes are wanted.
        last_seq, last_id = since_seq, "\uffff"
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
                yield seq, decode_trial(record)
            last_seq, last_id = rows[-1][0], rows[-1][1]

    def last_change_seq(self) -> int:
        return int(self._conn.execute("SELECT coalesce(max(change_seq), 0) FROM trials").fetchone()[0])

    def nct_ids(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT nct_id FROM trials ORDER BY nct_id")]

    def index_rows(self, since_seq: int, until_seq: int) -> Iterator[IndexRow]:
        rows = self._conn.execute(
            "SELECT nct_id, record, possibly_stale FROM trials WHERE change_seq > ? AND change_seq <= ?",
            (since_seq, until_seq),
        )
        while batch := rows.fetchmany(2000):
            for nct_id, record, stale in batch:
                yield IndexRow(nct_id, record_json(record), bool(stale))

    def site_rows(self, nct_ids: Sequence[str] | None = None) -> Iterator[SiteRow]:
        query = (
            "SELECT nct_id, ordinal, facility, city, state, zip, country, status, latitude, longitude"
            " FROM sites"
        )
        if nct_ids is None:
            cursors: Iterator[sqlite3.Cursor] = iter([self._conn.execute(query)])
        else:
            wanted = sorted(set(nct_ids))
            cursors = (
                self._conn.execute(query + f" WHERE nct_id IN ({','.join('?' * len(chunk))})", chunk)
                for chunk in (wanted[i : i + 500] for i in range(0, len(wanted), 500))
            )
        for cursor in cursors:
            while rows := cursor.fetchmany(100_000):
                for row in rows:
                    yield SiteRow(*row)

    def sites_at(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], SiteRow]:
        found: dict[tuple[str, int], SiteRow] = {}
        for key in dict.fromkeys(keys):  # each one a primary-key lookup, in process
            row = self._conn.execute(
                "SELECT nct_id, ordinal, facility, city, state, zip, country, status, latitude, longitude"
                " FROM sites WHERE nct_id=? AND ordinal=?",
                key,
            ).fetchone()
            if row:
                found[key] = SiteRow(*row)
        return found

    def cards(self, nct_ids: Sequence[str]) -> dict[str, TrialCard]:
        ids = list(dict.fromkeys(nct_ids))
        if not ids:
            return {}
        condition_rows: list[tuple[Any, ...]] = []
        rows = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows += self._conn.execute(
                f"SELECT {CARD_COLUMNS} FROM trials WHERE nct_id IN ({marks})", chunk
            ).fetchall()
            condition_rows += self._conn.execute(
                f"SELECT nct_id, name FROM conditions WHERE nct_id IN ({marks}) ORDER BY nct_id, ordinal",
                chunk,
            ).fetchall()
        conditions = group_rows(condition_rows)
        return {row[0]: card(row, conditions.get(row[0], [])) for row in rows}

    def organization_trials(self, name: str) -> list[OrganizationTrial]:
        rows = self._conn.execute(
            "SELECT t.nct_id, min(o.role), t.overall_status, t.study_type, t.enrollment,"
            " t.enrollment_type, t.stale_grade"
            " FROM organizations AS o JOIN trials AS t ON t.nct_id = o.nct_id"
            " WHERE o.name = ? COLLATE NOCASE GROUP BY t.nct_id ORDER BY t.nct_id",
            (name,),
        ).fetchall()
        return organization_trials(rows)

    def intervention_trials(
        self, names: Sequence[str], *, completed_before: str, limit: int = 3
    ) -> list[InterventionTrial]:
        wanted = list(dict.fromkeys(n for n in names if n))
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = self._conn.execute(
            "SELECT t.nct_id, min(i.name), t.brief_title, t.phases, t.overall_status, t.completion_date"
            # CROSS JOIN keeps this order: the few rows of the names first, not every completed trial
            " FROM interventions AS i CROSS JOIN trials AS t ON t.nct_id = i.nct_id"
            f" WHERE i.name COLLATE NOCASE IN ({marks}) AND t.overall_status = 'COMPLETED'"
            " AND t.completion_date < ? GROUP BY t.nct_id ORDER BY t.completion_date DESC, t.nct_id"
            " LIMIT ?",
            (*wanted, completed_before, limit),
        ).fetchall()
        return intervention_trials(rows)

    # --- state ---------------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def freshness(self) -> Freshness:
        loaded = self._conn.execute(
            "SELECT loaded_at FROM trials ORDER BY change_seq DESC LIMIT 1"
        ).fetchone()
        version = self._conn.execute("SELECT max(version_date) FROM trials").fetchone()
        newest = self._conn.execute("SELECT max(last_update) FROM trials").fetchone()
        return Freshness(
            last_loaded_at=loaded[0] if loaded else None,
            registry_version=version[0] if version else None,
            newest_update=newest[0] if newest else None,
        )

    def state_items(self, prefix: str) -> dict[str, str]:
        return {
            str(k): str(v)
            for k, v in self._conn.execute(
                "SELECT key, value FROM state WHERE substr(key, 1, ?) = ? ORDER BY key", (len(prefix), prefix)
            )
        }

    def set_state(self, key: str, value: str) -> None:
        self._writable()
        self._conn.execute(
            "INSERT INTO state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    # --- criteria ------------------------------------------------------------------------

    _DUE = DUE_SQL.format(mark="?")

    def criteria_state(self, parser_version: int) -> CriteriaState:
        due = int(self._conn.execute(f"SELECT count(*) FROM ({self._DUE})", (parser_version,)).fetchone()[0])
        return CriteriaState(parsed=self.count() - due, due=due)

    def stored_criteria(self, nct_id: str, parser_version: int) -> ParsedEligibility | None:
        row = self._conn.execute(
            f"SELECT {PARSE_COLUMNS} FROM trials t"
            " LEFT JOIN parsed_eligibility p ON p.nct_id = t.nct_id WHERE t.nct_id=?",
            (nct_id,),
        ).fetchone()
        if row is None:
            raise TrialNotFoundError(nct_id)
        return current_parse(nct_id, row, parser_version)

    def stored_criteria_many(
        self, nct_ids: Sequence[str], parser_version: int
    ) -> dict[str, ParsedEligibility]:
        rows: list[tuple[Any, ...]] = []
        ids = list(dict.fromkeys(nct_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows += self._conn.execute(
                f"SELECT t.nct_id, {PARSE_COLUMNS} FROM trials t JOIN parsed_eligibility p"
                f" ON p.nct_id = t.nct_id WHERE t.nct_id IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
        return current_parses(rows, parser_version)

    def due_criteria(
        self,
        parser_version: int,
        *,
        rebuild: bool,
        batch_size: int,
        nct_ids: Sequence[str] | None = None,
    ) -> Iterator[list[DueTrial]]:
        # The IDs are read first: saving parses writes to the table the query reads.
        if rebuild:
            ids = [r[0] for r in self._conn.execute("SELECT nct_id FROM trials ORDER BY nct_id")]
        else:
            ids = [r[0] for r in self._conn.execute(self._DUE + " ORDER BY t.nct_id", (parser_version,))]
        for chunk in due_chunks(ids, nct_ids, batch_size):
            marks = ",".join("?" * len(chunk))
            yield [
                DueTrial(nct_id, seq, record_json(record))
                for nct_id, seq, record in self._conn.execute(
                    f"SELECT nct_id, change_seq, record FROM trials WHERE nct_id IN ({marks})", chunk
                )
            ]

    def save_criteria(self, batch: Sequence[ParsedTrial]) -> tuple[int, int]:
        self._writable()
        heads, total, typed_total = criteria_heads(batch)
        conn = self._conn
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(SAVE_SQL.format(marks=",".join("?" * 7)), heads)
        return total, typed_total

    def _compact_criteria(self) -> None:
        """Stores made before migration 6 kept each criterion as a row of the `criteria` table,
        its words, plain sentence, rules and structure each in a column (15 KB per trial): turn
        them into one compressed blob per trial, then drop the table. Each batch commits on its
        own, so an interrupted open resumes where it stopped."""
        conn = self._conn
        while True:
            query = "SELECT nct_id FROM parsed_eligibility WHERE criteria_blob IS NULL ORDER BY 1 LIMIT ?"
            ids = [r[0] for r in conn.execute(query, (2000,))]
            if not ids:
                break
            marks = ",".join("?" * len(ids))
            grouped: dict[str, list[Criterion]] = {i: [] for i in ids}
            for nct_id, *row in conn.execute(
                f"SELECT nct_id, {', '.join(CRITERIA_COLUMNS)} FROM criteria"
                f" WHERE nct_id IN ({marks}) ORDER BY nct_id, ordinal",
                ids,
            ):
                grouped[nct_id].append(criterion_from_row(row))
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(
                    "UPDATE parsed_eligibility SET criteria_blob=? WHERE nct_id=?",
                    [(criteria_blob(found), nct_id) for nct_id, found in grouped.items()],
                )
        conn.execute("DROP TABLE criteria")

    # --- writing -------------------------------------------------------------------------

    def _writable(self) -> None:
        if self._read_only:
            raise StoreError(f"the store at {self.path} is open for reading only")

    def store_batch(self, batch: Sequence[PreparedRecord]) -> list[Outcome]:
        self._writable()
        if not batch:
            return []
        ids = sorted({item.nct_id for item in batch})
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            outcomes, chosen, replaced = batch_outcomes(batch, self._current_versions(ids))
            if chosen:
                self._write(chosen, [(nct,) for nct in replaced])
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return outcomes

    def _current_versions(self, ids: Sequence[str]) -> StoredVersions:
        found: StoredVersions = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for nct, last_update, fmt, version, digest in self._conn.execute(
                "SELECT nct_id, last_update, source_format, version_date, content_hash"
                f" FROM trials WHERE nct_id IN ({marks})",
                chunk,
            ):
                found[nct] = (stored_version_key(last_update, fmt, version), digest)
        return found

    def _write(self, rows: list[PreparedRecord], replaced: list[tuple[str]]) -> None:
        conn = self._conn
        seq = self.last_change_seq() + 1
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        for table in ("sites", "conditions", "interventions", "organizations"):
            conn.executemany(f"DELETE FROM {table} WHERE nct_id=?", replaced)
        conn.executemany(_UPSERT, [(*item.trial_row, seq, now) for item in rows])
        conn.executemany(
            "INSERT INTO sites VALUES (?,?,?,?,?,?,?,?,?,?)", [r for item in rows for r in item.sites]
        )
        conn.executemany(
            "INSERT INTO conditions VALUES (?,?,?)", [r for item in rows for r in item.conditions]
        )
        conn.executemany(
            "INSERT INTO interventions VALUES (?,?,?,?)", [r for item in rows for r in item.interventions]
        )
        conn.executemany(
            "INSERT INTO organizations VALUES (?,?,?)", [r for item in rows for r in item.organizations]
        )

    def refresh_recruitment_checks(self, today: dt.date) -> int:
        self._writable()
        conn = self._conn
        rows = conn.execute(RECHECK_SQL.format(mark="?"), (today.isoformat(),)).fetchall()
        checked, flipped = recheck_recruitment(rows, today)
        if checked or flipped:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                update = (
                    "UPDATE trials SET possibly_stale=?, stale_reasons=?, stale_checked_on=?, stale_grade=?"
                )
                conn.executemany(update + " WHERE nct_id=?", checked)
                if flipped:
                    seq = self.last_change_seq() + 1
                    conn.executemany(update + f", change_seq={seq} WHERE nct_id=?", flipped)
        return int(conn.execute("SELECT count(*) FROM trials WHERE possibly_stale=1").fetchone()[0])

    # --- checks --------------------------------------------------------------------------

    def integrity_problems(self) -> list[str]:
        conn = self._conn
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"foreign key: {r}" for r in conn.execute("PRAGMA foreign_key_check")]
        orphans = conn.execute(
            "SELECT count(*) FROM sites WHERE nct_id NOT IN (SELECT nct_id FROM trials)"
        ).fetchone()[0]
        if orphans:
            problems.append(f"{orphans} sites without a trial")
        return problems


def store_error(path: Path, exc: BaseException) -> StoreError:
    """One clear line for what SQLite said, with the next step."""
    text = str(exc)
    lowered = text.lower()
    if "disk is full" in lowered or "disk full" in lowered:
        return StoreError(
            f"the disk holding {path} is full; free some space and run the same command again"
            " (what was stored before is kept)"
        )
    if "malformed" in lowered or "not a database" in lowered:
        return StoreError(
            f"the store at {path} is damaged ({text}); load the records again into a new store file"
        )
    if "readonly" in lowered or "read-only" in lowered:
        return StoreError(f"the store at {path} cannot be written (its file or folder is read-only)")
    if "locked" in lowered or "busy" in lowered:
        return StoreError(
            f"the store at {path} is busy ({text}); try again in a moment", retry_after_s=BUSY_RETRY_S
        )
    return StoreError(f"the store at {path} failed: {text}", retry_after_s=UNKNOWN_RETRY_S)


def _store_error(store: SQLiteStore, exc: BaseException) -> StoreError:
    return store_error(store.path, exc)


translate_errors(SQLiteStore, sqlite3.Error, _store_error)


#: The writer locks this process holds: a forked child (a parsing worker) closes its copies at
#: once, so that only the writer's own process holds the lock, and a killed writer's lock goes
#: with it, not with its workers a moment later.
_HELD_LOCKS: weakref.WeakSet[IO[bytes]] = weakref.WeakSet()


def _close_inherited_locks() -> None:
    for handle in list(_HELD_LOCKS):
        handle.close()


os.register_at_fork(after_in_child=_close_inherited_locks)


def _take_writer_lock(path: Path) -> IO[bytes]:
    """One writer at a time: an exclusive lock on ``<store>.lock``, held while the writer is
    open and released when it closes or its process dies (readers never take it)."""
    handle = path.with_name(path.name + ".lock").open("a+b")
    _HELD_LOCKS.add(handle)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise StoreError(
            f"another trialscout process is writing to {path} (a load, sync, migrate or"
            " criteria run);"
            " run this again when it has finished"
        ) from None
    return handle


_UPSERT = (
    f"INSERT INTO trials ({', '.join(TRIAL_COLUMNS)}, change_seq, loaded_at)"
    f" VALUES ({','.join('?' * (len(TRIAL_COLUMNS) + 2))})"
    " ON CONFLICT(nct_id) DO UPDATE SET "
    + ", ".join(f"{c}=excluded.{c}" for c in (*TRIAL_COLUMNS[1:], "change_seq", "loaded_at"))
)
