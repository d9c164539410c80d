"""What only the PostgreSQL store has: its server, its migrations table, its locks and its
read-only connections (the contract, shared with SQLite, is in test_contract.py)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import psycopg
import psycopg.errors
import pytest

from tests.conftest import NSCLC, TODAY
from tests.store.postgres_server import PostgresServer
from trialscout.errors import UNREACHABLE_RETRY_S, StoreError
from trialscout.services.registry import open_registry, open_writer
from trialscout.store.load import load_paths
from trialscout.store.postgres import PostgresStore, default_index_folder, shown_location
from trialscout.store.postgres_schema import MIGRATIONS, migrate
from trialscout.store.sqlite import SQLiteStore


def test_the_writer_records_each_migration_once(postgres_url: str, tmp_path: Path) -> None:
    with PostgresStore(postgres_url, index_folder=tmp_path) as store:
        assert store.applied_migrations == [m.version for m in MIGRATIONS]
    with PostgresStore(postgres_url, index_folder=tmp_path) as again:
        assert again.applied_migrations == []
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert rows == [(m.version, m.name) for m in MIGRATIONS]


def test_two_writers_migrating_at_once_apply_each_migration_once(postgres_url: str) -> None:
    """The migration lock: two connections migrate the same empty database at the same moment."""
    results: list[list[int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            with psycopg.connect(postgres_url, autocommit=True) as conn:
                start.wait()
                results.append(migrate(conn))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results, key=len) == [[], [m.version for m in MIGRATIONS]]


def test_a_second_writer_is_refused_while_the_first_is_open(postgres_url: str, tmp_path: Path) -> None:
    with PostgresStore(postgres_url, index_folder=tmp_path):
        with pytest.raises(StoreError, match="another trialscout process is writing"):
            PostgresStore(postgres_url, index_folder=tmp_path)
        with PostgresStore(postgres_url, read_only=True, index_folder=tmp_path) as reader:
            assert reader.count() == 0  # readers are never refused
    PostgresStore(postgres_url, index_folder=tmp_path).close()  # the lock went with the writer


def test_a_reader_of_an_empty_database_says_to_load_first_and_creates_nothing(postgres_url: str) -> None:
    with pytest.raises(StoreError, match=r"holds no trialscout store yet\. Load records first"):
        PostgresStore(postgres_url, read_only=True)
    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert tables == (0,)


def test_a_readers_connections_refuse_writes_in_the_server(postgres_url: str, tmp_path: Path) -> None:
    """Not only the store's own check: the server refuses a write on a reader's connection."""
    with PostgresStore(postgres_url, index_folder=tmp_path) as writer:
        load_paths(writer, [NSCLC], today=TODAY, workers=0)
    with PostgresStore(postgres_url, read_only=True, index_folder=tmp_path) as reader:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            reader._fetch("DELETE FROM trials RETURNING nct_id")
        assert reader.count() == 100


def _drop_trialscout_connections(url: str) -> int:
    """What a server restart does to the store's pooled connections: the server ends them."""
    with psycopg.connect(url, autocommit=True) as conn:
        ended = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'trialscout' AND pid <> pg_backend_pid()"
        ).fetchall()
    return sum(1 for (done,) in ended if done)


def test_reads_and_writes_go_on_when_the_server_drops_every_pooled_connection(
    postgres_url: str, tmp_path: Path
) -> None:
    """Reads do not check a connection before each query; the one that finds its connection
    dropped checks the pool and runs again, so the caller sees its rows, not an error."""
    with PostgresStore(postgres_url, index_folder=tmp_path) as writer:
        load_paths(writer, [NSCLC], today=TODAY, workers=0)
    with PostgresStore(postgres_url, read_only=True, index_folder=tmp_path, pool_size=3) as reader:
        nct = reader.nct_ids()[0]
        in_use = [threading.Thread(target=reader.get, args=(nct,)) for _ in range(6)]
        for thread in in_use:  # several connections in the pool, not only one
            thread.start()
        for thread in in_use:
            thread.join()
        assert _drop_trialscout_connections(postgres_url) >= 1
        assert reader.get(nct).trial.nct_id == nct
        assert reader.count() == 100
        assert _drop_trialscout_connections(postgres_url) >= 1
        assert len(reader.cards(reader.nct_ids()[:5])) == 5
    with PostgresStore(postgres_url, index_folder=tmp_path) as writer:
        writer.count()
        _drop_trialscout_connections(postgres_url)  # the writer's lock connection, too
        assert writer.integrity_problems() == []
        assert writer.refresh_recruitment_checks(TODAY) >= 0


def test_a_writer_whose_lock_went_with_a_restart_takes_it_again_or_stops(
    postgres_url: str, tmp_path: Path
) -> None:
    """The writer's lock lives in one session; a restart ends it while the pool reconnects.
    The writer takes the lock again before its next write, so a second writer is still refused;
    if a second writer took it in between, the first one stops instead of writing beside it."""
    with PostgresStore(postgres_url, index_folder=tmp_path) as writer:
        load_paths(writer, [NSCLC], today=TODAY, workers=0)
        _drop_trialscout_connections(postgres_url)
        writer.set_state("after.restart", "1")  # the write goes on, and the lock is back
        with pytest.raises(StoreError, match="another trialscout process is writing"):
            PostgresStore(postgres_url, index_folder=tmp_path)

        _drop_trialscout_connections(postgres_url)
        with PostgresStore(postgres_url, index_folder=tmp_path) as second:
            with pytest.raises(StoreError, match=r"this writer lost its lock .* another trialscout process"):
                writer.set_state("beside.the.second", "1")
            assert second.get_state("beside.the.second") is None
            second.set_state("by.the.second", "1")
        assert writer.get_state("after.restart") == "1"


def test_integrity_problems_name_rows_without_their_trial(postgres_url: str, tmp_path: Path) -> None:
    with PostgresStore(postgres_url, index_folder=tmp_path) as store:
        load_paths(store, [NSCLC], today=TODAY, workers=0)
        assert store.integrity_problems() == []
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute("ALTER TABLE sites DROP CONSTRAINT sites_nct_id_fkey")
            conn.execute("INSERT INTO sites(nct_id, ordinal) VALUES ('NCT99999999', 0)")
        assert store.integrity_problems() == ["1 sites without a trial"]


def test_a_server_that_is_not_there_is_one_clear_error(postgres_server: PostgresServer) -> None:
    url = f"postgresql://someone:secret@127.0.0.1:{postgres_server.port}/no_such_database"
    with pytest.raises(StoreError, match="does not exist; create the database first") as raised:
        PostgresStore(url, read_only=True)
    assert "secret" not in str(raised.value) and "someone:***@" in str(raised.value)
    assert raised.value.retry_after_s is None  # only an operator fixes that: no Retry-After


def test_a_server_that_cannot_be_reached_says_to_retry_in_seconds(postgres_server: PostgresServer) -> None:
    """The API sends `retry_after_s` as Retry-After: a restarting server is back in seconds."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # a port with no server behind it
        url = f"postgresql://trialscout@127.0.0.1:{sock.getsockname()[1]}/postgres"
        with pytest.raises(
            StoreError, match=r"cannot reach the store at .*is the PostgreSQL server running"
        ) as raised:
            PostgresStore(url, read_only=True)
    assert raised.value.retry_after_s == UNREACHABLE_RETRY_S
    assert shown_location("host=h dbname=d password=secret") == "host=h dbname=d password=***"


def test_the_index_folder_is_named_after_the_store_identity(postgres_url: str, tmp_path: Path) -> None:
    with PostgresStore(postgres_url) as store:
        assert store.index_folder == default_index_folder(store.identity())
        assert store.index_folder.name == store.identity() and len(store.identity()) == 32
    assert default_index_folder("abc", home=tmp_path) == tmp_path / ".local/share/trialscout/indexes/abc"
    with PostgresStore(postgres_url, read_only=True, index_folder=tmp_path / "elsewhere") as reader:
        assert reader.index_folder == tmp_path / "elsewhere"


def test_a_store_location_opens_the_store_it_names(postgres_url: str, tmp_path: Path) -> None:
    with open_writer(postgres_url, index_folder=tmp_path / "i") as store:
        assert isinstance(store, PostgresStore)
    with open_registry(postgres_url.replace("postgresql://", "postgres://", 1)) as registry:
        assert isinstance(registry.store, PostgresStore) and registry.store.read_only
    with open_writer(tmp_path / "file.db") as file_store:
        assert isinstance(file_store, SQLiteStore)


def test_both_stores_keep_the_same_rows_of_the_same_records(postgres_url: str, tmp_path: Path) -> None:
    """One preparation, two stores: every trial reads back the same from each."""
    with (
        PostgresStore(postgres_url, index_folder=tmp_path / "i") as pg,
        SQLiteStore(tmp_path / "s.db") as lite,
    ):
        for store in (pg, lite):
            load_paths(store, [NSCLC], today=TODAY, workers=0)
        ids = lite.nct_ids()
        assert pg.nct_ids() == ids
        assert pg.trials(ids) == lite.trials(ids)
        assert pg.raw_records(ids) == lite.raw_records(ids)
        assert pg.cards(ids) == lite.cards(ids)
        assert list(pg.site_rows(None)) == list(lite.site_rows(None))
        assert pg.criteria_state(1) == lite.criteria_state(1)
        for nct_id in ids[:10]:
            left, right = pg.get(nct_id), lite.get(nct_id)
            assert (left.trial, left.recruitment_check) == (right.trial, right.recruitment_check)
