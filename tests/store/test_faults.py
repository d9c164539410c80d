"""Faults the writer must survive: readers searching throughout a load, and kill -9 in the middle
of an index rebuild or a criteria rebuild. After each, the store is sound, the index and the
parsed criteria agree with the store, and running the command again completes the work."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import AACT, NSCLC, TODAY, V2_EXPORTS, XML_SLICE
from trialscout.eligibility.model import PARSER_VERSION
from trialscout.eligibility.parse import parse_eligibility
from trialscout.errors import StoreError
from trialscout.search.index import SearchIndex, index_state
from trialscout.search.results import SearchRequest
from trialscout.services.ingest import load_files
from trialscout.services.registry import open_registry
from trialscout.store.load import load_paths
from trialscout.store.sqlite import SQLiteStore


def trialscout(db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "trialscout", "--db", str(db), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a kill takes its worker processes down too
    )


def stored(db: Path) -> int:
    """How many trials the store holds now (0 while it is not there yet)."""
    try:
        with SQLiteStore(db, read_only=True) as store:
            return store.count()
    except StoreError:
        return 0


def copy_store(source: Path, folder: Path) -> Path:
    db = folder / source.name
    shutil.copy(source, db)
    shutil.copytree(source.with_name(source.name + ".index"), db.with_name(db.name + ".index"))
    return db


def assert_in_step(db: Path) -> None:
    """The store is sound; its index holds exactly its trials; every trial's criteria are parsed."""
    with SQLiteStore(db, read_only=True) as store:
        assert store.integrity_problems() == []
        state = index_state(store)
        assert state.current and state.trials == store.count(), state
        assert store.criteria_state(PARSER_VERSION).due == 0


@pytest.fixture(scope="module")
def slice_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 6,786-record XML slice, stored and indexed (criteria left to each test)."""
    db = tmp_path_factory.mktemp("slice") / "slice.db"
    with SQLiteStore(db) as store:
        load_paths(store, [XML_SLICE], today=TODAY)
        SearchIndex.update(store)
    return db


def test_readers_search_throughout_a_load_and_never_break_it(tmp_path: Path) -> None:
    db = tmp_path / "busy.db"
    with SQLiteStore(db) as store:
        load_files(store, [NSCLC], today=TODAY, workers=0)
    # Every stage runs while readers read: records stored in batches, the index updated, the
    # criteria parsed in worker processes.
    writer = trialscout(db, "load", "--quiet", str(V2_EXPORTS), str(AACT))
    searches = 0
    errors: list[str] = []
    deadline = time.monotonic() + 600
    while writer.poll() is None and time.monotonic() < deadline:
        try:
            with open_registry(db) as registry:
                found = registry.search.search(SearchRequest(query="cancer", near="Chicago", per_page=5))
                if found.hits:
                    registry.store.get(found.hits[0].nct_id)
            searches += 1
            time.sleep(0.05)  # a reader's pace, leaving the writer its share of the machine
        except StoreError as exc:  # the only failure a reader may have, and it must not happen here
            errors.append(str(exc))
    _, err = writer.communicate(timeout=600)
    assert writer.returncode == 0, err
    assert searches > 3 and not errors, (searches, len(errors), sorted(set(errors))[:5])
    assert_in_step(db)


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_9_mid_index_rebuild_then_index_again(slice_store: Path, tmp_path: Path, seed: int) -> None:
    db = copy_store(slice_store, tmp_path)
    with open_registry(db) as registry:
        before = [
            h.nct_id for h in registry.search.search(SearchRequest(query="breast cancer", per_page=50)).hits
        ]
    rebuild = trialscout(db, "index", "--rebuild")
    time.sleep(random.Random(seed).uniform(0.5, 3.0))
    os.killpg(rebuild.pid, signal.SIGKILL)
    rebuild.wait()
    again = subprocess.run(
        [sys.executable, "-m", "trialscout", "--db", str(db), "index"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    with open_registry(db) as registry:
        after = [
            h.nct_id for h in registry.search.search(SearchRequest(query="breast cancer", per_page=50)).hits
        ]
        state = index_state(registry.store)
        assert state.current and state.trials == registry.store.count() == 6786
    assert after == before


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_9_mid_criteria_rebuild_then_rebuild_again(tmp_path: Path, seed: int) -> None:
    db = tmp_path / "criteria.db"
    with SQLiteStore(db) as store:
        load_files(store, [NSCLC, AACT / "json_v2"], today=TODAY, workers=0)
    rebuild = trialscout(db, "criteria", "--rebuild")
    time.sleep(random.Random(seed).uniform(0.5, 2.5))
    os.killpg(rebuild.pid, signal.SIGKILL)
    rebuild.wait()
    with SQLiteStore(db, read_only=True) as store:
        assert store.integrity_problems() == []
        # Every stored parse is whole: the trial's criteria as the parser reads them now.
        for nct in store.nct_ids()[:: max(1, store.count() // 25)]:
            assert store.stored_criteria(nct, PARSER_VERSION) == parse_eligibility(store.trial(nct))
    again = subprocess.run(
        [sys.executable, "-m", "trialscout", "--db", str(db), "criteria", "--rebuild"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert_in_step(db)


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_9_mid_sync_then_sync_again(tmp_path: Path, seed: int) -> None:
    from tests.registry_server import running_registry

    db = tmp_path / "synced.db"
    with running_registry() as registry:
        expected = {
            s["protocolSection"]["identificationModule"]["nctId"]
            for s in registry.matching({"query.cond": "cancer"})
        }
        args = ["sync", "--base-url", registry.base_url, "--condition", "cancer", "--page-size", "10"]
        # 7 pages half a second apart; the kill comes once 1 to 3 pages (by the seed) are stored.
        first = trialscout(db, *args, "--min-interval", "0.5", "--quiet")
        wanted = 10 * random.Random(seed).randint(1, 3)
        deadline = time.monotonic() + 120
        while stored(db) < wanted and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.02)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        with SQLiteStore(db, read_only=True) as store:
            assert store.integrity_problems() == []
            partial = set(store.nct_ids())
            checkpoint = next(iter(store.state_items("sync.checkpoint ").values()), None)
            if checkpoint is not None:  # never past what is stored: everything up to it is here
                posted = {
                    s["protocolSection"]["identificationModule"]["nctId"]
                    for s in registry.matching({"query.cond": "cancer"})
                    if s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] < checkpoint
                }
                assert posted <= partial
        again = subprocess.run(
            [sys.executable, "-m", "trialscout", "--db", str(db), *args, "--min-interval", "0", "--quiet"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert again.returncode == 0, again.stderr
    assert partial < expected, "the kill came after the sync had finished"
    with SQLiteStore(db, read_only=True) as store:
        assert set(store.nct_ids()) == expected
    assert_in_step(db)
