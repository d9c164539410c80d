"""Session fixtures: the real records under ../shared/data, and a store built from them once."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tests.store.postgres_server import PostgresServer, running_server
from trialscout.services.ingest import load_files
from trialscout.services.registry import LocalRegistry
from trialscout.store.load import LoadReport
from trialscout.store.sqlite import SQLiteStore

REPO = Path(__file__).resolve().parents[1]
#: The real records: ../shared/data beside the repository, or $TRIALSCOUT_DATA.
DATA = Path(os.environ.get("TRIALSCOUT_DATA") or REPO / ".." / "shared" / "data").resolve()
V2_EXPORTS = DATA / "ctgov-api-v2-exports"
AACT = DATA / "aact-fixtures"
XML_SLICE = DATA / "ctgov-xml-2023-slice" / "ctgov_legacy_xml_6786.zip"
NSCLC = V2_EXPORTS / "nsclcbench" / "ctg-studies.json"

#: The registry-format inputs under ../shared/data (v2 JSON and legacy XML).
REGISTRY_INPUTS = [
    V2_EXPORTS,
    AACT,
    XML_SLICE,
    DATA / "trec2023-xml-sample" / "xml",
    DATA / "trec-pm" / "bst-mug" / "clinicaltrials-samples",
]

#: A fixed "today" so that checks that depend on the date give the same answer every day.
TODAY = dt.date(2026, 11, 21)


def pytest_configure(config: pytest.Config) -> None:
    if not DATA.is_dir():
        raise pytest.UsageError(
            f"the shared data folder is missing: {DATA} (tests read real records from it)"
        )


def v2_studies() -> list[dict[str, Any]]:
    """Every API v2 study object in the exports, de-duplicated by NCT ID (last one wins)."""
    studies: dict[str, dict[str, Any]] = {}
    for path in sorted(V2_EXPORTS.rglob("*.json")):
        for study in json.loads(path.read_text()):
            studies[study["protocolSection"]["identificationModule"]["nctId"]] = study
    for path in sorted((AACT / "json_v2").glob("*.json")):
        study = json.loads(path.read_text())
        studies.setdefault(study["protocolSection"]["identificationModule"]["nctId"], study)
    return list(studies.values())


@pytest.fixture(scope="session")
def full_load(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> tuple[Path, LoadReport]:
    """A store holding every registry-format record of ../shared/data, loaded once per test run
    (the parallel test workers share it), with its search index and parsed criteria, as
    `trialscout load` leaves it."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent  # one folder per run, for every worker
    folder = shared / "full-registry"
    db = folder / "registry.db"
    done = folder / "load-report.json"
    with (shared / "full-registry.lock").open("a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker loads; the others wait, then read it
        if not done.exists():
            folder.mkdir(exist_ok=True)
            with SQLiteStore(db) as store:
                report = load_files(store, [DATA], today=TODAY).records
            done.write_bytes(msgspec.json.encode(report))
    return db, msgspec.json.decode(done.read_bytes(), type=LoadReport)


@pytest.fixture
def registry(full_load: tuple[Path, LoadReport]) -> Iterator[SQLiteStore]:
    """The session's full store, opened read-only for one test."""
    with SQLiteStore(full_load[0], read_only=True) as store:
        yield store


@pytest.fixture(scope="session")
def local_registry(full_load: tuple[Path, LoadReport]) -> Iterator[LocalRegistry]:
    """The session's full store and its search index, as the read services take them."""
    with LocalRegistry(SQLiteStore(full_load[0], read_only=True)) as opened:
        yield opened


def sql(path: Path, query: str, *args: object) -> list[tuple[Any, ...]]:
    """An independent oracle: plain SQL on the store's file, read-only."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    """An empty store for a test that writes."""
    with SQLiteStore(tmp_path / "test.db") as s:
        yield s


@pytest.fixture(scope="session")
def trial_search(local_registry: LocalRegistry) -> Any:
    """Search over the full store (its index built once per session, by the load)."""
    return local_registry.search


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server of this test worker, in a temporary folder, stopped at the end.
    Fails (never skips) where PostgreSQL is not installed: `make test` installs it."""
    with running_server() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the session's server, dropped after the test: its URL."""
    url = postgres_server.database()
    yield url
    postgres_server.drop(url)
