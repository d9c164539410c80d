"""`trialscout serve` as a user runs it: a real server process on 127.0.0.1, real HTTP requests.

What the access log holds matters as much as what the API answers: a patient's note or profile
is sent in a request body and must never reach the log, nor may a search's query string.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.net import free_port
from trialscout.store.load import LoadReport

SECRET = "Zebulon-Quartermain-7731"  # a name no record or vocabulary holds
STARTUP_S = 60


@dataclass
class Server:
    process: subprocess.Popen[str]
    base_url: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _start(db: Path, log: Path, *args: str) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "trialscout", "--db", str(db), "serve", "--port", str(port), *args]
    handle = log.open("w")
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, text=True)
    server = Server(process=process, base_url=f"http://127.0.0.1:{port}", log=log)
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {server.log_text()}")
        try:
            if httpx.get(server.base_url + "/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"the server did not answer within {STARTUP_S} s: {server.log_text()}")


def _stop(server: Server) -> int:
    server.process.send_signal(signal.SIGTERM)
    try:
        return server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        raise


@pytest.fixture(scope="module")
def server(full_load: tuple[Path, LoadReport], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db, _ = full_load
    started = _start(db, tmp_path_factory.mktemp("serve") / "server.log", "--workers", "2")
    yield started
    if started.process.poll() is None:
        _stop(started)


def test_it_serves_on_loopback_and_says_where(server: Server, full_load: tuple[Path, LoadReport]) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    log = server.log_text()
    assert f"at {server.base_url}/" in log and "trials from" in log
    health = httpx.get(server.base_url + "/health").json()
    assert health["trials"] > 7000 and health["index"]["current"]


def test_two_workers_answer_many_requests_without_an_error(server: Server) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        statuses = [
            client.get("/api/v1/search", params={"q": q, "per_page": 5}).status_code
            for q in ("asthma", "lung cancer", "diabetes", "melanoma") * 5
        ]
    assert statuses == [200] * 20


def test_the_access_log_never_holds_a_patient_or_a_query(server: Server) -> None:
    note = f"Patient {SECRET}, 61 year old man with type 2 diabetes, HbA1c 8.1%."
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        matched = client.post("/api/v1/match", json={"note": note, "limit": 3})
        checked = client.post("/api/v1/trials/NCT06576635/check", json={"note": note})
        searched = client.get("/api/v1/search", params={"q": f"{SECRET} diabetes", "near": "Chicago"})
        refused = client.post("/api/v1/match", json={"profile": {"sex": SECRET}})
    assert (matched.status_code, checked.status_code, searched.status_code) == (200, 200, 200)
    assert refused.status_code == 400 and SECRET not in refused.text
    # the answer holds what was read from the note (the client asked for it) ...
    assert matched.json()["patient"]["profile"]["age"] == 61
    time.sleep(0.5)  # let the workers flush their log lines
    log = server.log_text()
    assert '"POST /api/v1/match" 200' in log and '"GET /api/v1/search" 200' in log
    # ... but the log holds none of it, nor the search's words or place
    assert SECRET not in log and "diabetes" not in log and "Chicago" not in log and "HbA1c" not in log


def test_a_missing_store_is_one_clear_line_and_no_server(tmp_path: Path) -> None:
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "trialscout", "--db", str(tmp_path / "none.db"), "serve", "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "none.db" in result.stderr and "load" in result.stderr
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)


def test_it_stops_cleanly_on_sigterm(full_load: tuple[Path, LoadReport], tmp_path: Path) -> None:
    db, _ = full_load
    single = _start(db, tmp_path / "one.log")
    assert httpx.get(single.base_url + "/api/v1/trials/NCT06576635").status_code == 200
    # uvicorn finishes its requests, then ends by the signal it was sent, as a Unix server should
    assert _stop(single) in (0, -signal.SIGTERM)
    assert "Finished server process" in single.log_text()


def test_serve_opens_the_store_read_only(full_load: tuple[Path, LoadReport], tmp_path: Path) -> None:
    db, _ = full_load
    before = {p.name: p.stat().st_mtime_ns for p in db.parent.iterdir() if p.is_file()}
    single = _start(db, tmp_path / "ro.log")
    httpx.get(single.base_url + "/api/v1/search", params={"q": "asthma"})
    _stop(single)
    after = {p.name: p.stat().st_mtime_ns for p in db.parent.iterdir() if p.is_file()}
    changed = {name for name in before if name in after and after[name] != before[name]}
    # SQLite's shared-memory file may be touched by any reader; the store itself never is
    assert db.name not in changed, changed
    assert os.access(db, os.R_OK)
