"""The store of record on a PostgreSQL server, for a deployment with many API workers.

`PostgresStore(dsn)` behaves as `SQLiteStore` does (see `trialscout.store.base`) and passes the
same contract tests: change sequence numbers, batch outcomes, stored criteria keyed by parser
version and change, state, identity, freshness, cards and lookups. What it decides from its rows
is shared with the SQLite store (`trialscout.store.rows`, `criteria_rows`), and both store what
`trialscout.store.records.prepare_record` made, column for column.

The normalised record is kept as the same dictionary-compressed zstd blob as in the SQLite store
(``trials.record``, bytea), not as JSONB, because every path in and out works on that blob:
`PreparedRecord` carries the record only compressed (made in the load's worker processes), and
every read (`decode_trial`, `IndexRow`, `DueTrial`) wants JSON bytes, which the blob gives with
one zstd call in the reader. As JSONB the writer would decompress and the server re-parse every
record, each read would re-render JSON text from JSONB and send it uncompressed (about four
times the bytes over the wire, on the real records); and JSONB cannot hold the ``\\u0000`` a
registry text may contain. No query looks inside the record: what queries need is a column.
The original record is kept whole, also zstd, in ``trials.raw``.

Connections come from a `psycopg_pool.ConnectionPool` (autocommit; each write is one explicit
transaction), so every method may be called from any thread. A read is not preceded by a check
of its connection (that would be one more round trip per query, and a page is two queries):
when the server dropped the connection (a restart), the pool checks all its connections, keeps
those alive, and the read runs once more on a good one; a read changes nothing, so running it
again is safe. A write, rarer and not safe to repeat, checks its connection first. A call waits
at most `POOL_WAIT_S` for a connection: while the server is down every call fails with a
`StoreError` that says so (the API answers 503), and once it is back the pool reconnects by
itself. A read-only store runs
``SET default_transaction_read_only = on`` on each of its connections, never migrates, and says
plainly when the database holds no store. The writer takes a session advisory lock for as long
as it is open (one writer at a time, as the SQLite store's lock file), migrates
(`trialscout.store.postgres_schema`), and writes each batch in one transaction: the trial rows
COPY'd into a temporary table and upserted from there, their sites, conditions, interventions
and organisations COPY'd straight into their tables.

The search index, a local folder, defaults to ``~/.local/share/trialscout/indexes/<identity>``
(`default_index_folder`): a folder per store, named after its identity, so that two databases
never share one. ``--index`` or ``$TRIALSCOUT_INDEX`` put it elsewhere.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import psycopg.errors
import psycopg_pool

from trialscout.eligibility.model import ParsedEligibility
from trialscout.errors import (
    BUSY_RETRY_S,
    UNKNOWN_RETRY_S,
    UNREACHABLE_RETRY_S,
    StoreError,
    TrialNotFoundError,
)
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
    DUE_SQL,
    PARSE_COLUMNS,
    SAVE_SQL,
    criteria_heads,
    current_parse,
    current_parses,
    due_chunks,
)
from trialscout.store.postgres_schema import MIGRATIONS, migrate, pending_migrations
from trialscout.store.records import TRIAL_COLUMNS, decode_trial, decompress, record_json
from trialscout.store.records import stored_version_key as version_of
from trialscout.store.rows import (
    CARD_COLUMNS,
    RECHECK_SQL,
    STORE_ID_KEY,
    STORED_COLUMNS,
    batch_outcomes,
    card,
    intervention_trials,
    organization_trials,
    recheck_recruitment,
    stored_trial,
    translate_errors,
)

#: The advisory lock the writer holds while it is open ("tswriter" read as a number).
WRITER_LOCK = 0x7473777269746572
#: Connections a store's pool keeps at most (the threads of one API worker share them).
POOL_SIZE = 8
#: How long a call waits for a pooled connection before it fails with a `StoreError` (an API
#: worker answers 503): bounded, so that an unreachable server never holds a request for long.
POOL_WAIT_S = 3.0
#: How long opening one connection may take (a server that accepts but does not answer).
CONNECT_TIMEOUT_S = 5
#: How many NCT IDs one query asks for at most; rows read in one page at most.
_CHUNK = 5000
_PAGE = 2000
_SITE_PAGE = 50_000
_CHILD_TABLES = ("sites", "conditions", "interventions", "organizations", "parsed_eligibility")

Connection = psycopg.Connection[tuple[Any, ...]]


def default_index_folder(identity: str, home: Path | None = None) -> Path:
    """Where the search index of the store with this identity lives unless told otherwise."""
    return (home or Path.home()) / ".local" / "share" / "trialscout" / "indexes" / identity


def shown_location(dsn: str) -> str:
    """The DSN as messages show it: without its password."""
    shown = re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", dsn)
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", shown)


class PostgresStore:
    """The registry in a PostgreSQL database (see `trialscout.store.base`)."""

    def __init__(
        self,
        dsn: str,
        *,
        read_only: bool = False,
        index_folder: str | Path | None = None,
        pool_size: int = POOL_SIZE,
    ) -> None:
        self.dsn = dsn
        self._location = shown_location(dsn)
        self._read_only = read_only
        self.applied_migrations: list[int] = []
        self._writer: Connection | None = None
        self._writer_guard = threading.Lock()
        self._pool: psycopg_pool.ConnectionPool[Connection] | None = None
        try:
            if read_only:
                with self._connect() as conn:
                    conn.execute("SET default_transaction_read_only = on")
                    self._check_schema(conn)
                    identity = _identity(conn)
            else:
                self._writer = conn = self._connect()
                if not _take_writer_lock(conn):
                    raise StoreError(
                        f"another trialscout process is writing to {self._location} (a load, sync,"
                        " migrate or criteria run); run this again when it has finished"
                    )
                self.applied_migrations = migrate(conn)
                conn.execute(
                    "INSERT INTO state(key, value) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
                    (STORE_ID_KEY, uuid.uuid4().hex),
                )
                identity = _identity(conn)
            self._index_folder = Path(index_folder) if index_folder else default_index_folder(identity)
            # No check= on checkout: `_fetch` and `_live_connection` deal with a dropped one.
            self._pool = psycopg_pool.ConnectionPool(
                dsn,
                min_size=1,
                max_size=max(1, pool_size),
                timeout=POOL_WAIT_S,
                kwargs={
                    "autocommit": True,
                    "application_name": "trialscout",
                    "connect_timeout": CONNECT_TIMEOUT_S,
                },
                configure=self._configure,
                name="trialscout",
                open=True,
            )
        except psycopg.Error as exc:
            self.close()
            raise postgres_error(self._location, exc) from exc
        except BaseException:
            self.close()
            raise

    # --- connections ---------------------------------------------------------------------

    def _connect(self) -> Connection:
        return psycopg.connect(self.dsn, autocommit=True, application_name="trialscout", connect_timeout=10)

    def _configure(self, conn: Connection) -> None:
        """Each pooled connection, once: read-only for a reader; the writer's staging table."""
        if self._read_only:
            conn.execute("SET default_transaction_read_only = on")
        else:
            conn.execute(
                "CREATE TEMPORARY TABLE incoming_trials (LIKE trials INCLUDING DEFAULTS)"
                " ON COMMIT DELETE ROWS"
            )

    def _check_schema(self, conn: Connection) -> None:
        try:
            pending = pending_migrations(conn)
        except psycopg.Error as exc:
            raise StoreError(f"{self._location} is not a trialscout store ({exc})") from exc
        if len(pending) == len(MIGRATIONS):
            raise StoreError(
                f"{self._location} holds no trialscout store yet. Load records first: "
                f"trialscout --db {self._location} load PATH"
            )
        if pending:
            raise StoreError(
                f"the store at {self._location} was made by an older trialscout; "
                f"upgrade it first: trialscout --db {self._location} migrate"
            )

    def _fetch(
        self, query: str, params: Sequence[Any] = (), *, binary: bool = False
    ) -> list[tuple[Any, ...]]:
        """The rows of one query, on a connection of the pool (``binary``: bytea as bytes on
        the wire, for the blobs, instead of hex text)."""
        assert self._pool is not None, "the store is closed"
        for attempt in (1, 2):
            with self._pool.connection() as conn, conn.cursor(binary=binary) as cur:
                try:
                    cur.execute(query, params)
                    return cur.fetchall()
                except psycopg.OperationalError:
                    if attempt == 2 or not conn.broken:
                        raise
            # The server dropped the connection (a restart; the pool discarded it as the block
            # ended): its other idle connections went with it, so check them all once, then
            # run the read again on one that works.
            self._pool.check()
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def _live_connection(self) -> Iterator[Connection]:
        """A pooled connection checked with one round trip before use (writes, checks), so
        that one the server dropped is replaced instead of failing a write half-way."""
        assert self._pool is not None, "the store is closed"
        with self._pool.connection() as conn:
            try:
                psycopg_pool.ConnectionPool.check_connection(conn)
                alive = True
            except psycopg.OperationalError:
                alive = False  # broken: the pool discards it when the block ends
            if alive:
                yield conn
                return
        self._pool.check()
        with self._pool.connection() as conn:
            yield conn

    def _fetch_chunked(
        self, query: str, nct_ids: Sequence[str], *, binary: bool = False
    ) -> list[tuple[Any, ...]]:
        """``query`` (``... = ANY(%s)``) for these NCT IDs, a chunk at a time."""
        ids = list(dict.fromkeys(nct_ids))
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), _CHUNK):
            rows += self._fetch(query, (ids[start : start + _CHUNK],), binary=binary)
        return rows

    def _one(self, query: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        rows = self._fetch(query, params)
        return rows[0] if rows else None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._writer is not None:
            # Released here, not left to the server noticing the closed session a moment later.
            with contextlib.suppress(psycopg.Error):
                self._writer.execute("SELECT pg_advisory_unlock_all()")
            self._writer.close()
            self._writer = None

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def location(self) -> str:
        return self._location

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
        return int(self._fetch("SELECT count(*) FROM trials")[0][0])

    def has(self, nct_id: str) -> bool:
        return self._one("SELECT 1 FROM trials WHERE nct_id = %s", (nct_id,)) is not None

    def get(self, nct_id: str) -> StoredTrial:
        rows = self._fetch(f"SELECT {STORED_COLUMNS} FROM trials WHERE nct_id = %s", (nct_id,), binary=True)
        if not rows:
            raise TrialNotFoundError(nct_id)
        return stored_trial(rows[0])

    def trial(self, nct_id: str) -> Trial:
        return self.get(nct_id).trial

    def raw_record(self, nct_id: str) -> tuple[SourceFormat, bytes]:
        rows = self._fetch("SELECT source_format, raw FROM trials WHERE nct_id = %s", (nct_id,), binary=True)
        if not rows:
            raise TrialNotFoundError(nct_id)
        return SourceFormat(rows[0][0]), decompress(rows[0][1])

    def raw_records(self, nct_ids: Sequence[str]) -> dict[str, tuple[SourceFormat, bytes]]:
        rows = self._fetch_chunked(
            "SELECT nct_id, source_format, raw FROM trials WHERE nct_id = ANY(%s)", nct_ids, binary=True
        )
        return {nct_id: (SourceFormat(source), decompress(raw)) for nct_id, source, raw in rows}

    def trials(self, nct_ids: Sequence[str]) -> dict[str, Trial]:
        rows = self._fetch_chunked(
            "SELECT nct_id, record FROM trials WHERE nct_id = ANY(%s)", nct_ids, binary=True
        )
        return {nct_id: decode_trial(record) for nct_id, record in rows}

    def _changed(
        self, columns: str, since_seq: int, until_seq: int | None, page: int
    ) -> Iterator[tuple[Any, ...]]:
        """Rows (change_seq, nct_id, *columns) of the trials changed after ``since_seq`` (up to
        ``until_seq``), in change order, a page at a time (no connection held between pages)."""
        bound = "" if until_seq is None else f" AND change_seq <= {int(until_seq)}"
        query = f"SELECT change_seq, nct_id, {columns} FROM trials WHERE change_seq > %s{bound}"
        rows = self._fetch(query + " ORDER BY change_seq, nct_id LIMIT %s", (since_seq, page), binary=True)
        while rows:
            yield from rows
            last_seq, last_id = rows[-1][0], rows[-1][1]
            rows = self._fetch(
                f"SELECT change_seq, nct_id, {columns} FROM trials"
                f" WHERE (change_seq, nct_id) > (%s, %s){bound} ORDER BY change_seq, nct_id LIMIT %s",
                (last_seq, last_id, page),
                binary=True,
            )

    def iter_trials(self, since_seq: int = 0, batch_size: int = 500) -> Iterator[tuple[int, Trial]]:
        for seq, _nct_id, record in self._changed("record", since_seq, None, batch_size):
            yield seq, decode_trial(record)

    def last_change_seq(self) -> int:
        return int(self._fetch("SELECT coalesce(max(change_seq), 0) FROM trials")[0][0])

    def nct_ids(self) -> list[str]:
        return [r[0] for r in self._fetch("SELECT nct_id FROM trials ORDER BY nct_id")]

    def index_rows(self, since_seq: int, until_seq: int) -> Iterator[IndexRow]:
        for _seq, nct_id, record, stale in self._changed(
            "record, possibly_stale", since_seq, until_seq, _PAGE
        ):
            yield IndexRow(nct_id, record_json(record), bool(stale))

    _SITE_COLUMNS = "nct_id, ordinal, facility, city, state, zip, country, status, latitude, longitude"

    def site_rows(self, nct_ids: Sequence[str] | None = None) -> Iterator[SiteRow]:
        query = f"SELECT {self._SITE_COLUMNS} FROM sites"
        if nct_ids is not None:
            wanted = sorted(set(nct_ids))
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                for row in self._fetch(query + " WHERE nct_id = ANY(%s) ORDER BY nct_id, ordinal", (chunk,)):
                    yield SiteRow(*row)
            return
        rows = self._fetch(query + " ORDER BY nct_id, ordinal LIMIT %s", (_SITE_PAGE,))
        while rows:
            for row in rows:
                yield SiteRow(*row)
            last = rows[-1]
            rows = self._fetch(
                query + " WHERE (nct_id, ordinal) > (%s, %s) ORDER BY nct_id, ordinal LIMIT %s",
                (last[0], last[1], _SITE_PAGE),
            )

    def sites_at(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], SiteRow]:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        rows = self._fetch(
            f"SELECT {self._SITE_COLUMNS} FROM sites"
            " WHERE (nct_id, ordinal) IN (SELECT * FROM unnest(%s::text[], %s::int[]))",
            ([k[0] for k in wanted], [k[1] for k in wanted]),
        )
        return {(row[0], row[1]): SiteRow(*row) for row in rows}

    def cards(self, nct_ids: Sequence[str]) -> dict[str, TrialCard]:
        # The conditions come in the same query (one round trip per page of hits).
        rows = self._fetch_chunked(
            f"SELECT {CARD_COLUMNS}, ARRAY(SELECT c.name FROM conditions AS c"
            " WHERE c.nct_id = trials.nct_id ORDER BY c.ordinal) FROM trials WHERE nct_id = ANY(%s)",
            nct_ids,
        )
        return {row[0]: card(row[:-1], row[-1]) for row in rows}

    def organization_trials(self, name: str) -> list[OrganizationTrial]:
        rows = self._fetch(
            "SELECT t.nct_id, min(o.role), t.overall_status, t.study_type, t.enrollment,"
            " t.enrollment_type, t.stale_grade"
            " FROM organizations AS o JOIN trials AS t ON t.nct_id = o.nct_id"
            " WHERE lower(o.name) = lower(%s) GROUP BY t.nct_id ORDER BY t.nct_id",
            (name,),
        )
        return organization_trials(rows)

    def intervention_trials(
        self, names: Sequence[str], *, completed_before: str, limit: int = 3
    ) -> list[InterventionTrial]:
        wanted = list(dict.fromkeys(n for n in names if n))
        if not wanted:
            return []
        rows = self._fetch(
            'SELECT t.nct_id, min(i.name COLLATE "C"), t.brief_title, t.phases, t.overall_status,'
            " t.completion_date FROM interventions AS i JOIN trials AS t ON t.nct_id = i.nct_id"
            " WHERE lower(i.name) IN (SELECT lower(n) FROM unnest(%s::text[]) AS n)"
            " AND t.overall_status = 'COMPLETED' AND t.completion_date < %s"
            " GROUP BY t.nct_id ORDER BY t.completion_date DESC, t.nct_id LIMIT %s",
            (wanted, completed_before, limit),
        )
        return intervention_trials(rows)

    # --- state ---------------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        row = self._one("SELECT value FROM state WHERE key = %s", (key,))
        return None if row is None else str(row[0])

    def freshness(self) -> Freshness:
        row = self._fetch(
            "SELECT (SELECT loaded_at FROM trials ORDER BY change_seq DESC LIMIT 1),"
            " max(version_date), max(last_update) FROM trials"
        )[0]
        return Freshness(last_loaded_at=row[0], registry_version=row[1], newest_update=row[2])

    def state_items(self, prefix: str) -> dict[str, str]:
        rows = self._fetch("SELECT key, value FROM state WHERE starts_with(key, %s) ORDER BY key", (prefix,))
        return {str(k): str(v) for k, v in rows}

    def set_state(self, key: str, value: str) -> None:
        self._writable()
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO state(key, value) VALUES (%s, %s)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # --- criteria ------------------------------------------------------------------------

    _DUE = DUE_SQL.format(mark="%s")

    def criteria_state(self, parser_version: int) -> CriteriaState:
        row = self._fetch(
            f"SELECT count(*), (SELECT count(*) FROM trials) FROM ({self._DUE}) AS due", (parser_version,)
        )
        due, total = int(row[0][0]), int(row[0][1])
        return CriteriaState(parsed=total - due, due=due)

    def stored_criteria(self, nct_id: str, parser_version: int) -> ParsedEligibility | None:
        rows = self._fetch(
            f"SELECT {PARSE_COLUMNS} FROM trials t"
            " LEFT JOIN parsed_eligibility p ON p.nct_id = t.nct_id WHERE t.nct_id = %s",
            (nct_id,),
            binary=True,
        )
        if not rows:
            raise TrialNotFoundError(nct_id)
        return current_parse(nct_id, rows[0], parser_version)

    def stored_criteria_many(
        self, nct_ids: Sequence[str], parser_version: int
    ) -> dict[str, ParsedEligibility]:
        rows = self._fetch_chunked(
            f"SELECT t.nct_id, {PARSE_COLUMNS} FROM trials t"
            " JOIN parsed_eligibility p ON p.nct_id = t.nct_id WHERE t.nct_id = ANY(%s)",
            nct_ids,
            binary=True,
        )
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
            ids = self.nct_ids()
        else:
            ids = [r[0] for r in self._fetch(self._DUE + " ORDER BY t.nct_id", (parser_version,))]
        for chunk in due_chunks(ids, nct_ids, batch_size):
            rows = self._fetch(
                "SELECT nct_id, change_seq, record FROM trials WHERE nct_id = ANY(%s) ORDER BY nct_id",
                (chunk,),
                binary=True,
            )
            yield [DueTrial(nct_id, seq, record_json(record)) for nct_id, seq, record in rows]

    def save_criteria(self, batch: Sequence[ParsedTrial]) -> tuple[int, int]:
        self._writable()
        heads, total, typed_total = criteria_heads(batch)
        with self._transaction() as conn, conn.cursor() as cur:
            cur.executemany(SAVE_SQL.format(marks=", ".join(["%s"] * 7)), heads)
        return total, typed_total

    # --- writing -------------------------------------------------------------------------

    def _writable(self) -> None:
        if self._read_only:
            raise StoreError(f"the store at {self._location} is open for reading only")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """A pooled connection inside one transaction: committed when the block ends, rolled
        back when it raises."""
        self._still_the_writer()
        with self._live_connection() as conn, conn.transaction():
            yield conn

    def _still_the_writer(self) -> None:
        """The writer's lock lives in the session of its own connection, and a server restart
        ends that session and the lock with it; the pool's connections come back, so without
        this check the writer would go on writing without the lock, beside a second writer
        that took it. One round trip before each write: the lock is taken again on a new
        connection, or, when another process took it meanwhile, this writer stops with a
        clear error (what it stored is kept; every batch is one transaction)."""
        with self._writer_guard:
            if self._writer is None:
                return
            try:
                self._writer.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                self._writer.close()
                self._writer = None
            conn = self._connect()
            if not _take_writer_lock(conn):
                conn.close()
                raise StoreError(
                    f"this writer lost its lock on {self._location} (the database server restarted)"
                    " and another trialscout process is writing to it now; what was stored before"
                    " is kept: run this again when that one has finished"
                )
            self._writer = conn

    def store_batch(self, batch: Sequence[PreparedRecord]) -> list[Outcome]:
        self._writable()
        if not batch:
            return []
        ids = sorted({item.nct_id for item in batch})
        with self._transaction() as conn:
            current = {
                nct: (version_of(last_update, fmt, version), bytes(digest))
                for nct, last_update, fmt, version, digest in conn.execute(
                    "SELECT nct_id, last_update, source_format, version_date, content_hash"
                    " FROM trials WHERE nct_id = ANY(%s)",
                    (ids,),
                )
            }
            outcomes, chosen, replaced = batch_outcomes(batch, current)
            if chosen:
                _write(conn, chosen, set(current), replaced)
        return outcomes

    def refresh_recruitment_checks(self, today: dt.date) -> int:
        self._writable()
        rows = self._fetch(RECHECK_SQL.format(mark="%s"), (today.isoformat(),), binary=True)
        checked, flipped = recheck_recruitment(rows, today)
        if checked or flipped:
            update = (
                "UPDATE trials SET possibly_stale=%s, stale_reasons=%s, stale_checked_on=%s, stale_grade=%s"
            )
            with self._transaction() as conn, conn.cursor() as cur:
                cur.executemany(update + " WHERE nct_id=%s", checked)
                if flipped:
                    seq = _next_seq(conn)
                    cur.executemany(update + f", change_seq={seq} WHERE nct_id=%s", flipped)
        return int(self._fetch("SELECT count(*) FROM trials WHERE possibly_stale=1")[0][0])

    # --- checks --------------------------------------------------------------------------

    def integrity_problems(self) -> list[str]:
        problems: list[str] = []
        with self._live_connection() as conn:
            pending = pending_migrations(conn)
            if pending:
                problems.append(f"migrations not applied: {', '.join(str(m.version) for m in pending)}")
                return problems
            for table in _CHILD_TABLES:
                orphans = conn.execute(
                    f"SELECT count(*) FROM {table} AS c WHERE NOT EXISTS"
                    " (SELECT 1 FROM trials AS t WHERE t.nct_id = c.nct_id)"
                ).fetchone()
                if orphans and orphans[0]:
                    problems.append(f"{orphans[0]} {table} without a trial")
            for (index,) in conn.execute(
                "SELECT indexrelid::regclass::text FROM pg_index JOIN pg_class c ON c.oid = indrelid"
                " WHERE NOT indisvalid AND c.relnamespace = current_schema()::regnamespace"
            ):
                problems.append(f"index {index} is not valid (rebuild it: REINDEX INDEX {index})")
            if _identity(conn) == "":
                problems.append("the store has no identity (state 'store.id')")
        return problems


def _take_writer_lock(conn: Connection) -> bool:
    """The session advisory lock of the one writer, if no other session holds it."""
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (WRITER_LOCK,)).fetchone()
    return bool(row and row[0])


def _identity(conn: Connection) -> str:
    row = conn.execute("SELECT value FROM state WHERE key = %s", (STORE_ID_KEY,)).fetchone()
    return str(row[0]) if row else ""


def _next_seq(conn: Connection) -> int:
    row = conn.execute("SELECT coalesce(max(change_seq), 0) + 1 FROM trials").fetchone()
    assert row is not None
    return int(row[0])


#: Each column's type on the wire, for the binary COPY of the prepared rows.
_TRIAL_TYPES = {
    "has_results": "int4",
    "enrollment": "int8",
    "minimum_age_years": "float8",
    "maximum_age_years": "float8",
    "healthy_volunteers": "int4",
    "record": "bytea",
    "raw": "bytea",
    "content_hash": "bytea",
    "possibly_stale": "int4",
    "change_seq": "int8",
}
_TRIAL_WRITE_COLUMNS = (*TRIAL_COLUMNS, "change_seq", "loaded_at")
_TRIAL_COPY = [(c, _TRIAL_TYPES.get(c, "text")) for c in _TRIAL_WRITE_COLUMNS]
_COPY_COLUMNS = {
    "trials": _TRIAL_COPY,
    "incoming_trials": _TRIAL_COPY,
    "sites": [
        ("nct_id", "text"),
        ("ordinal", "int4"),
        *((c, "text") for c in ("facility", "city", "state", "zip", "country", "status")),
        ("latitude", "float8"),
        ("longitude", "float8"),
    ],
    "conditions": [("nct_id", "text"), ("ordinal", "int4"), ("name", "text")],
    "interventions": [("nct_id", "text"), ("ordinal", "int4"), ("type", "text"), ("name", "text")],
    "organizations": [("nct_id", "text"), ("name", "text"), ("role", "text")],
}
_UPSERT = (
    f"INSERT INTO trials ({', '.join(_TRIAL_WRITE_COLUMNS)}) SELECT {', '.join(_TRIAL_WRITE_COLUMNS)}"
    " FROM incoming_trials ON CONFLICT (nct_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _TRIAL_WRITE_COLUMNS[1:])
)


def _copy(cur: psycopg.Cursor[tuple[Any, ...]], table: str, rows: Sequence[Sequence[object]]) -> None:
    """COPY ``rows`` into ``table`` (binary: the blobs go as they are, not as hex text)."""
    if not rows:
        return
    columns = _COPY_COLUMNS[table]
    with cur.copy(f"COPY {table} ({', '.join(c for c, _ in columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([t for _, t in columns])
        for row in rows:
            copy.write_row(row)


def _write(conn: Connection, rows: list[PreparedRecord], stored: set[str], replaced: list[str]) -> None:
    """Write the chosen records of a batch, inside the batch's transaction: the trials new to
    the store COPY'd into `trials`, those it holds (``stored``) through the staging table."""
    seq = _next_seq(conn)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with conn.cursor() as cur:
        if replaced:
            for table in _CHILD_TABLES[:-1]:  # a trial's parsed criteria stay, keyed by its change
                cur.execute(f"DELETE FROM {table} WHERE nct_id = ANY(%s)", (replaced,))
        _copy(cur, "trials", [(*item.trial_row, seq, now) for item in rows if item.nct_id not in stored])
        known = [(*item.trial_row, seq, now) for item in rows if item.nct_id in stored]
        if known:
            _copy(cur, "incoming_trials", known)
            cur.execute(_UPSERT)
        _copy(cur, "sites", [r for item in rows for r in item.sites])
        _copy(cur, "conditions", [r for item in rows for r in item.conditions])
        _copy(cur, "interventions", [r for item in rows for r in item.interventions])
        _copy(cur, "organizations", [r for item in rows for r in item.organizations])


def postgres_error(location: str, exc: BaseException) -> StoreError:
    """One clear line for what PostgreSQL (or the pool) said, with the next step."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, psycopg.errors.DiskFull):
        return StoreError(
            f"the disk of the database server of {location} is full; free some space and run the same"
            " command again (what was stored before is kept)"
        )
    if isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
        return StoreError(f"the store at {location} cannot be written (its connection is read-only)")
    if isinstance(exc, psycopg.errors.UndefinedTable):
        return StoreError(
            f"{location} holds no trialscout store ({text}). Load records first:"
            f" trialscout --db {location} load PATH"
        )
    if isinstance(exc, psycopg_pool.PoolTimeout):
        return StoreError(
            f"the store at {location} gave no connection in time ({text}): its PostgreSQL server"
            " is busy or cannot be reached; try again in a moment",
            retry_after_s=UNREACHABLE_RETRY_S,
        )
    if isinstance(exc, psycopg.errors.LockNotAvailable | psycopg.errors.DeadlockDetected):
        return StoreError(
            f"the store at {location} is busy ({text}); try again in a moment", retry_after_s=BUSY_RETRY_S
        )
    if isinstance(exc, psycopg.OperationalError):
        if "does not exist" in text:
            return StoreError(
                f"cannot open the store at {location}: {text}; create the database first (createdb)"
            )
        return StoreError(
            f"cannot reach the store at {location}: {text}; is the PostgreSQL server running?",
            retry_after_s=UNREACHABLE_RETRY_S,
        )
    return StoreError(f"the store at {location} failed: {text}", retry_after_s=UNKNOWN_RETRY_S)


def _store_error(store: PostgresStore, exc: BaseException) -> StoreError:
    return postgres_error(store.location, exc)


translate_errors(PostgresStore, psycopg.Error, _store_error)
