"""`trialscout sync --every`: the nightly writer keeps running, and one failed run does not stop it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.registry_server import Fault, running_registry
from trialscout.store.sqlite import SQLiteStore


def test_sync_every_runs_again_from_its_checkpoint_and_survives_a_failed_run(tmp_path: Path) -> None:
    db, log = tmp_path / "nightly.db", tmp_path / "sync.log"
    with running_registry() as registry:
        expected = {
            s["protocolSection"]["identificationModule"]["nctId"]
            for s in registry.matching({"query.cond": "lung cancer"})
        }
        registry.faults.append(Fault(page=1, status=503))  # the first run's first page fails
        command = [
            sys.executable,
            "-m",
            "trialscout",
            "--db",
            str(db),
            "sync",
            "--base-url",
            registry.base_url,
            "--min-interval",
            "0",
            "--retries",
            "0",
            "--quiet",
            "--condition",
            "lung cancer",
            "--page-size",
            "25",
            "--every",
            "1s",
        ]
        with log.open("w") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 90
            while log.read_text().count("Synced") < 2 and time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()  # it keeps running
                time.sleep(0.2)
        finally:
            process.terminate()
            process.wait(timeout=30)
    text = log.read_text()
    runs = text.split("The next sync starts in")
    assert len(runs) >= 3, text
    assert "Error:" in runs[0] and "503" in runs[0] and "Synced" not in runs[0], text
    assert f"{len(expected):,} trials match" in runs[1], text
    assert "updated since the beginning" in runs[1], text
    assert "updated since 20" in runs[2], text  # the run after starts at the stored checkpoint
    with SQLiteStore(db, read_only=True) as store:
        assert set(store.nct_ids()) == expected
