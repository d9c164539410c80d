"""kill -9 in the middle of a load: the store stays sound, and loading again completes it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import XML_SLICE
from trialscout.store.records import record_json
from trialscout.store.sqlite import SQLiteStore


def stored(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(conn.execute("SELECT count(*) FROM trials").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def load(db: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "trialscout", "--db", str(db), "load", "--quiet", str(XML_SLICE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # so the kill takes the parsing workers down too
    )


def test_kill_9_mid_load_then_reload(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    process = load(db)
    deadline = time.monotonic() + 120
    while stored(db) < 1000 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    assert process.poll() is None, "the load finished before it could be interrupted"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL

    with SQLiteStore(db) as store:
        partial = store.count()
        assert 1000 <= partial < 6786
        assert store.integrity_problems() == []

    second = subprocess.run(
        [sys.executable, "-m", "trialscout", "--db", str(db), "load", "--quiet", str(XML_SLICE)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "6,786 records" in second.stdout
    conn = sqlite3.connect(db)
    new = int(
        next(
            line.split()[1] for line in second.stdout.splitlines() if line.strip().startswith("new")
        ).replace(",", "")
    )
    assert new == 6786 - partial
    with SQLiteStore(db) as store:
        assert store.count() == 6786
        assert store.integrity_problems() == []
    # No duplicates and no half-written trials: every site row belongs to exactly one listed location.
    sites = conn.execute("SELECT count(*) FROM sites").fetchone()[0]
    listed = sum(
        len(json.loads(record_json(r))["locations"]) for (r,) in conn.execute("SELECT record FROM trials")
    )
    assert sites == listed
    assert conn.execute("SELECT count(DISTINCT nct_id) FROM trials").fetchone()[0] == 6786
