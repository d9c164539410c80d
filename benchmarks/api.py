"""The HTTP API under load: `trialscout serve` with 1 and 2 workers, 1, 10 and 50 clients.

For each store (the real records of ../shared/data; the synthetic 404,600-trial store of
`benchmarks.corpus`, its `raw` column filled from the originals by `corpus.fill_raw`), and in
each of a few interleaved rounds:

- baseline: a fresh process opens the registry and calls the same services in-process, one
  call at a time (`search_trials`, `trial_page`, `trial_criteria`; for v2, the service its
  route calls), each request of the workload once, after a warm-up;
- for 1 and 2 workers: a real `trialscout serve --no-access-log` on 127.0.0.1, awaited on
  /health and warmed up, then for each endpoint and 1, 10 and 50 clients a run of the load
  generator (`benchmarks.loadgen`, its own process, keep-alive connections); at the end the
  resident memory of each worker process (/proc/<pid>/status).

The workload comes from the store: 100 trials drawn at random (seed 13); their first conditions
are the search words (a quarter plain, a quarter open trials only, a quarter within 50 miles of a
city, a quarter both) and the v2 `query.cond`; their IDs are the trial pages and criteria. The
figures quoted are the medians over the rounds of each run's median, p95 and requests/s.

    python -m benchmarks.api                  # both stores; writes docs/benchmarks/api.md
    python -m benchmarks.api --store real --quick
    python -m benchmarks.api --store 400k --endpoints v2   # one endpoint again, merged in
    python -m benchmarks.api profile criteria --store 400k # where an endpoint's time goes
    python -m benchmarks.api page             # the page again from the saved results
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.common import REPO, WORK, median, write_page
from benchmarks.corpus import real_store, synthetic_store
from benchmarks.loadgen import percentile

ENDPOINTS = ("search", "trial", "criteria", "v2")
WORKERS = (1, 2)
CLIENTS = (1, 10, 50)
CITIES = [
    "Chicago",
    "Boston",
    "Houston",
    "Paris, France",
    "Toronto",
    "Seattle",
    "Lyon, France",
    "Atlanta",
]
SAMPLE = 100
#: Requests per run, by clients; v2 pages of 100 studies are far heavier, so it runs fewer.
FULL = {"rounds": 3, "requests": {1: 150, 10: 300, 50: 500}, "v2_share": 0.3}
QUICK = {"rounds": 1, "requests": {1: 40, 10: 80, 50: 150}, "v2_share": 0.5}
TARGETS = {
    "search": 50.0,
    "trial": 20.0,
    "v2": 100.0,
}  # p95 ms, 400k+, 2 workers, 10 clients
MEMORY_TARGET_MIB = 1024.0
RESULTS = WORK / "api-results.json"


# --- the workload ----------------------------------------------------------------------------


def workload(db: Path) -> dict[str, Any]:
    """The requests, drawn from the store: search parameters, trial IDs, v2 conditions."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    ids = [r[0] for r in conn.execute("SELECT nct_id FROM trials ORDER BY nct_id")]
    chosen = random.Random(13).sample(ids, SAMPLE)
    searches: list[dict[str, Any]] = []
    conditions: list[str] = []
    for n, nct in enumerate(chosen):
        row = conn.execute(
            "SELECT name FROM conditions WHERE nct_id = ? ORDER BY ordinal LIMIT 1",
            (nct,),
        ).fetchone()
        words = row[0] if row else "cancer"
        conditions.append(words)
        params: dict[str, Any] = {"q": words}
        if n % 4 in (1, 3):
            params["status"] = "RECRUITING"
        if n % 4 in (2, 3):
            params |= {"near": CITIES[n % len(CITIES)], "radius": "50mi"}
        searches.append(params)
    conn.close()
    return {"searches": searches, "ids": chosen, "conditions": conditions}


def paths(work: dict[str, Any], endpoint: str) -> list[str]:
    if endpoint == "search":
        return [f"/api/v1/search?{urlencode(p)}" for p in work["searches"]]
    if endpoint == "trial":
        return [f"/api/v1/trials/{i}" for i in work["ids"]]
    if endpoint == "criteria":
        return [f"/api/v1/trials/{i}/criteria" for i in work["ids"]]
    return [f"/api/v2/studies?{urlencode({'query.cond': c, 'pageSize': 100})}" for c in work["conditions"]]


def v2_available() -> bool:
    from trialscout.web import ctgov_v2

    return any(getattr(r, "path", "").startswith("/api/v2/studies") for r in ctgov_v2.router.routes)


def store_criteria(db: Path, ids: Sequence[str]) -> None:
    """Parse and store the sampled trials' criteria (a store loaded by `trialscout load` has
    them all; the synthetic copies have few), so /criteria reads stored ones as it would."""
    from trialscout.store.criteria import update_parsed_criteria
    from trialscout.store.sqlite import SQLiteStore

    with SQLiteStore(db) as writer:
        update_parsed_criteria(writer, nct_ids=list(ids))


# --- the in-process baseline -----------------------------------------------------------------


def service_calls(db: Path, work: dict[str, Any]) -> dict[str, list[Callable[[], object]]]:
    from trialscout.search.results import SearchRequest
    from trialscout.services.registry import open_registry
    from trialscout.services.search import search_trials
    from trialscout.services.trials import trial_criteria, trial_page

    registry = open_registry(db)

    def request(p: dict[str, Any]) -> SearchRequest:
        statuses = (p["status"],) if "status" in p else ()
        return SearchRequest(query=p["q"], statuses=statuses, near=p.get("near"), radius=p.get("radius"))

    calls: dict[str, list[Callable[[], object]]] = {
        "search": [functools.partial(search_trials, registry, request(p)) for p in work["searches"]],
        "trial": [functools.partial(trial_page, registry, i) for i in work["ids"]],
        "criteria": [functools.partial(trial_criteria, registry, i) for i in work["ids"]],
    }
    v2 = v2_service(registry)
    if v2 is not None:
        calls["v2"] = [functools.partial(v2, c) for c in work["conditions"]]
    return calls


def v2_service(registry: Any) -> Callable[[str], object] | None:
    """What /api/v2/studies?query.cond=...&pageSize=100 does below HTTP: read the registry's
    parameters into a search, run it, assemble the page of records (None without the route)."""
    if not v2_available():
        return None
    try:
        from trialscout.web import ctgov_v2
        from trialscout.web.ctgov_v2_csv import COLUMN_NAMES
        from trialscout.web.ctgov_v2_params import read_studies_query
    except ImportError:
        return None
    page = getattr(ctgov_v2, "_page", None)
    if page is None:
        return None

    def call(condition: str) -> object:
        places = registry.search.index.sites.known_places
        query = read_studies_query({"query.cond": condition, "pageSize": "100"}, places, COLUMN_NAMES)
        return page(registry, query)

    return call


def baseline(db: Path, work: dict[str, Any], endpoints: Sequence[str]) -> dict[str, Any]:
    calls = service_calls(db, work)
    out: dict[str, Any] = {}
    for endpoint in endpoints:
        if endpoint not in calls:
            continue
        for call in calls[endpoint][:10]:  # warm-up: the index, the gazetteer, the page cache
            call()
        times = []
        for call in calls[endpoint]:
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        out[endpoint] = {
            "median_ms": percentile(times, 50),
            "p95_ms": percentile(times, 95),
        }
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


# --- the server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as answer:
            status: int = answer.status
            return status
    except OSError:
        return 0


class Server:
    """`trialscout serve` in its own process group, started and awaited; stopped with Ctrl+C.

    Python's fault handler is on in the server, so a worker that crashes leaves the tracebacks
    of its threads in the server's log, which `crashes` reads back."""

    def __init__(self, db: Path | str, workers: int, index: Path | None = None) -> None:
        self.port = _free_port()
        self.workers = workers
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        command = [sys.executable, "-m", "trialscout", "--db", str(db)]
        command += ["--index", str(index)] if index is not None else []
        command += ["serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(workers), "--no-access-log"]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
            cwd=REPO,
            env=os.environ | {"PYTHONFAULTHANDLER": "1"},
        )
        started = time.perf_counter()
        while _get(self.port, "/health") != 200 or len(self.worker_pids()) < workers:
            if self.process.poll() is not None or time.perf_counter() - started > 300:
                raise RuntimeError(f"trialscout serve did not start: {self.log_tail()!r}")
            time.sleep(0.5)
        self.start_s = time.perf_counter() - started
        self.pids = set(self.worker_pids())
        self.seen_faults = 0

    def log_tail(self, size: int = 3000) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-size:]

    def worker_pids(self) -> list[int]:
        if self.process.poll() is not None:
            return []
        if self.workers == 1:
            return [self.process.pid]
        pids = []
        try:
            for task in Path(f"/proc/{self.process.pid}/task").iterdir():
                for child in (task / "children").read_text().split():
                    cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
                    if b"resource_tracker" not in cmdline:
                        pids.append(int(child))
        except OSError:
            pass
        return pids

    def crashes(self) -> list[str]:
        """What crashed since the last call: each fault handler report (or exit) in the log."""
        self.log.seek(0)
        text = self.log.read().decode("utf-8", "replace")
        reports = text.split("Fatal Python error")[1:]
        fresh = reports[self.seen_faults :]
        self.seen_faults = len(reports)
        found = ["Fatal Python error" + r[:20_000] for r in fresh]
        if found:
            time.sleep(1)  # the supervisor reaps the crashed worker (and starts another)
        now = set(self.worker_pids())
        if not found and self.pids - now:  # a worker gone without a report
            found.append(f"workers {sorted(self.pids)} became {sorted(now)}; exit {self.process.poll()}")
        self.pids = now
        return found

    def alive(self) -> bool:
        return self.process.poll() is None

    def memory(self) -> list[dict[str, float]]:
        """Each worker's resident memory now and its peak (VmRSS, VmHWM), in MiB."""
        out = []
        for pid in self.worker_pids():
            fields = {}
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    name, _, value = line.partition(":")
                    if name in ("VmRSS", "VmHWM"):
                        fields[name] = int(value.split()[0]) / 1024
            except OSError:
                continue
            if "VmRSS" in fields:  # not a worker that has just exited
                out.append({"rss_mib": fields["VmRSS"], "peak_mib": fields["VmHWM"]})
        return out

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGINT)
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:  # the group is gone already (a crash)
            self.process.wait()
        self.log.close()


def load(port: int, lines: list[str], clients: int, requests: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as listed:
        listed.write("\n".join(lines))
        listed.flush()
        command = [sys.executable, "-m", "benchmarks.loadgen", "--port", str(port)]
        command += [
            "--concurrency",
            str(clients),
            "--requests",
            str(requests),
            listed.name,
        ]
        out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO).stdout
    result: dict[str, Any] = json.loads(out)
    return result


# --- the driver ------------------------------------------------------------------------------


def measure(name: str, db: Path, endpoints: Sequence[str], plan: dict[str, Any]) -> dict[str, Any]:
    work = workload(db)
    store_criteria(db, work["ids"])
    if "v2" in endpoints and not v2_available():
        print("v2: /api/v2/studies has no route yet; skipped", file=sys.stderr)
        endpoints = [e for e in endpoints if e != "v2"]
    result: dict[str, Any] = {"cells": {}, "baseline": {}, "memory": {}, "start_s": {}, "crashes": []}
    result["load_average_start"] = os.getloadavg()
    started = time.perf_counter()
    for round_ in range(plan["rounds"]):
        step = json.dumps({"db": str(db), "work": work, "endpoints": list(endpoints)})
        command = [sys.executable, "-m", "benchmarks.api", "baseline-step"]
        done = subprocess.run(command, input=step, capture_output=True, text=True, check=True, cwd=REPO)
        for endpoint, figures in json.loads(done.stdout).items():
            result["baseline"].setdefault(endpoint, []).append(figures)
        for workers in WORKERS:
            server = Server(db, workers)
            result["start_s"].setdefault(str(workers), []).append(server.start_s)
            try:
                for endpoint in endpoints:
                    lines = paths(work, endpoint)
                    shift = round_ * 37 % len(lines)
                    lines = lines[shift:] + lines[:shift]
                    for clients in (0, *CLIENTS):  # 0: the warm-up, 40 requests from 4 clients
                        requests = plan["requests"].get(clients, 40)
                        if endpoint == "v2" and clients:
                            requests = max(20, int(requests * plan["v2_share"]))
                        figures = load(server.port, lines, clients or 4, requests)
                        key = f"{endpoint}/{workers}/{clients or 'warm-up'}"
                        crashed = server.crashes()
                        if crashed:
                            result["crashes"].append({"round": round_ + 1, "run": key, "reports": crashed})
                        if not server.alive():  # start it again, so the other runs still measure
                            server.stop()
                            server = Server(db, workers)
                        if not clients:
                            continue
                        figures["crashes"] = len(crashed)
                        result["cells"].setdefault(key, []).append(figures)
                        print(
                            f"{name} round {round_ + 1} {key}: median {figures['median_ms']:.1f} ms,"
                            f" p95 {figures['p95_ms']:.1f} ms, {figures['requests_per_s']:.0f}/s,"
                            f" {figures['errors']} errors, {len(crashed)} crashes"
                            f" ({time.perf_counter() - started:.0f} s)",
                            file=sys.stderr,
                        )
                result["memory"].setdefault(str(workers), []).append(server.memory())
            finally:
                server.stop()
    result["load_average_end"] = os.getloadavg()
    result["seconds"] = time.perf_counter() - started
    result["endpoints"] = list(endpoints)
    result["rounds"] = plan["rounds"]
    result["trials"] = (
        sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("SELECT count(*) FROM trials").fetchone()[0]
    )
    return result


def merge(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """``new`` with the cells of endpoints it did not run kept from ``old``."""
    if old is None:
        return new
    merged = dict(new)
    for part in ("cells", "baseline"):
        kept = {k: v for k, v in old.get(part, {}).items() if k.split("/")[0] not in new["endpoints"]}
        merged[part] = kept | new[part]
    merged["crashes"] = [
        c for c in old.get("crashes", []) if c["run"].split("/")[0] not in new["endpoints"]
    ] + new["crashes"]
    merged["endpoints"] = sorted(set(old.get("endpoints", [])) | set(new["endpoints"]), key=ENDPOINTS.index)
    merged["runs"] = [*old.get("runs", [old.get("meta")]), new["meta"]]
    merged["start_s"] = {
        w: old.get("start_s", {}).get(w, []) + new["start_s"].get(w, [])
        for w in {*old.get("start_s", {}), *new["start_s"]}
    }
    merged["memory"] = {  # every run's rounds, the latest last
        w: old.get("memory", {}).get(w, []) + new["memory"].get(w, [])
        for w in {*old.get("memory", {}), *new["memory"]}
    }
    return merged


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return done.stdout.strip() or "unknown"


def _errors(cell: list[dict[str, Any]]) -> str:
    errors, crashes = sum(c["errors"] for c in cell), sum(c.get("crashes", 0) for c in cell)
    return f"{errors} ({crashes} crash{'es' if crashes > 1 else ''})" if crashes else str(errors)


def _crash_frames(report: str, frames: int = 8) -> list[str]:
    """The fault's first line and the first frames of the thread that crashed."""
    lines = report.splitlines()
    head = lines[:1]
    for n, line in enumerate(lines):
        if line.startswith("Current thread"):
            return head + lines[n : n + 1 + frames]
    return lines[: frames + 1]


def _peak(rounds: list[list[dict[str, float]]]) -> float:
    return max((w["peak_mib"] for workers in rounds for w in workers), default=float("nan"))


def _mid(values: list[dict[str, Any]], key: str) -> float:
    return median([v[key] for v in values])


def page(results: dict[str, dict[str, Any]], notes: str = "") -> str:
    first = next(iter(results.values()))
    runs = [run for r in results.values() for run in r["runs"]]
    lines = [
        "Targets (issue 13), at 400,000+ trials with 2 workers and 10 concurrent clients: search",
        "p95 ≤ 50 ms, trial page data p95 ≤ 20 ms, `/api/v2/studies?query.cond=...&pageSize=100`",
        "p95 ≤ 100 ms, no errors; resident memory per worker ≤ 1 GB.",
        "",
        "Stores: *real* = every registry-format record in ../shared/data (7,225 trials); *400k* =",
        "those records copied under synthetic NCT9xxxxxxx IDs to 404,600 trials (`benchmarks/corpus.py`;",
        "`fill_raw` then gave each copy its original's stored record, so the NCT ID *inside* a record",
        "/api/v2 returns is the original's, not the copy's). Most real records (6,924 of 7,225) are",
        "legacy XML; the rest API v2 JSON.",
        "",
        f"Workload per store: {SAMPLE} trials drawn at random (seed 13). Search: `q` = the trial's",
        "first condition, a quarter of them with `status=RECRUITING`, a quarter within 50 mi of a city",
        "(`near`, `radius`), a quarter both; page of 20. Trial page data: `/api/v1/trials/{id}` (the",
        "full model and 5 related trials). Criteria: `/api/v1/trials/{id}/criteria` (stored parses;",
        "the benchmark stores those of the sampled trials first, as `trialscout load` would have).",
        "v2: `/api/v2/studies?query.cond=<the condition>&pageSize=100`.",
        "",
        "Method: `trialscout serve --workers N --no-access-log` on 127.0.0.1, awaited on /health and",
        "warmed up (40 requests per endpoint from 4 clients). The load generator",
        "(`benchmarks/loadgen.py`) is its own process: plain asyncio HTTP/1.1, one keep-alive",
        "connection per client, a fixed number of requests per run; latency is from writing the",
        "request to the last byte of the body. It is Python rather than `wrk` because the machine has",
        "no network for `apt-get` and one file of asyncio needs nothing installed; it takes the CPU",
        "share of one core shown below. Baseline: the same service call in a fresh process, one at a",
        "time, each request of the workload once after a warm-up (no HTTP, no JSON encoding).",
        f"Rounds: {first.get('rounds', '?')}, interleaved (baseline, 1 worker, 2 workers,",
        "then again); each figure is the median over the rounds of that run's median, p95 and",
        "requests/s; errors are summed.",
        "",
        "Runs: "
        + "; ".join(
            f"{run.get('store', '')} {run['date']} at commit {run['commit']} ({', '.join(run['endpoints'])}),"
            " load average"
            f" {run['load_average_start'][0]:.2f} at the start, {run['load_average_end'][0]:.2f} at the end,"
            f" {run.get('seconds', 0):.0f} s"
            for run in runs
        )
        + ". The machine is shared: other work ran beside these runs.",
    ]
    for name, r in results.items():
        lines += [
            "",
            f"## {name} ({r['trials']:,} trials)",
            "",
            "| endpoint | workers | clients | median (ms) | p95 (ms) | req/s | errors"
            " | in-process median (ms) | in-process p95 (ms) | load generator CPU |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for endpoint in r["endpoints"]:
            base = r["baseline"].get(endpoint)
            b_med = f"{_mid(base, 'median_ms'):.1f}" if base else "n/a"
            b_p95 = f"{_mid(base, 'p95_ms'):.1f}" if base else "n/a"
            for workers in WORKERS:
                for clients in CLIENTS:
                    cell = r["cells"].get(f"{endpoint}/{workers}/{clients}")
                    if not cell:
                        continue
                    lines.append(
                        f"| {endpoint} | {workers} | {clients} | {_mid(cell, 'median_ms'):.1f}"
                        f" | {_mid(cell, 'p95_ms'):.1f} | {_mid(cell, 'requests_per_s'):.0f}"
                        f" | {_errors(cell)} | {b_med} | {b_p95}"
                        f" | {_mid(cell, 'cpu_share'):.0%} |"
                    )
        lines += [
            "",
            "| workers | resident per worker at the end of the last round (MiB)"
            " | highest peak of a worker, all rounds (MiB) | start (s) |",
        ]
        lines.append("|---:|---|---:|---:|")
        for workers in WORKERS:
            rounds = r["memory"].get(str(workers), [])
            if not rounds:
                continue
            rss = ", ".join(f"{w['rss_mib']:.0f}" for w in rounds[-1])
            lines.append(
                f"| {workers} | {rss} | {_peak(rounds):.0f} | {median(r['start_s'][str(workers)]):.1f} |"
            )
    big = results.get("400k")
    if big:
        lines += [
            "",
            "## Targets: 400k, 2 workers, 10 clients",
            "",
            "| | p95 (ms) | target (ms) | errors | met |",
            "|---|---:|---:|---:|---|",
        ]
        for endpoint, target in TARGETS.items():
            cell = big["cells"].get(f"{endpoint}/2/10")
            if not cell:
                lines.append(f"| {endpoint} | not measured | {target:.0f} | | no |")
                continue
            p95, errors = _mid(cell, "p95_ms"), _errors(cell)
            met = "yes" if p95 <= target and errors == "0" else "**no**"
            lines.append(f"| {endpoint} | {p95:.1f} | {target:.0f} | {errors} | {met} |")
        peak = _peak(big["memory"].get("2", []))
        met = "yes" if peak <= MEMORY_TARGET_MIB else "**no**"
        lines.append(f"| memory per worker, peak (MiB) | {peak:.0f} | {MEMORY_TARGET_MIB:.0f} | | {met} |")
    crashes = [(name, c) for name, r in results.items() for c in r.get("crashes", [])]
    if crashes:
        lines += [
            "",
            "## Crashes",
            "",
            f"{len(crashes)} runs saw a server process crash (errors above count its lost requests;",
            "the benchmark starts the server again, or uvicorn replaces the worker). The first frames",
            "of the crashing thread, from Python's fault handler:",
        ]
        for name, crash in crashes:
            for report in crash["reports"]:
                lines += ["", f"- {name}, round {crash['round']}, {crash['run']}:", "", "  ```"]
                lines += [f"  {line}" for line in _crash_frames(report)]
                lines.append("  ```")
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines)


#: What the figures and a profile of each endpoint (benchmarks.api profile) showed, for the page.
NOTES = """
## Where the time goes

The load average counts the benchmark too: two busy workers and the load generator hold about
2.5 of it, so a start near 0.8 means a quiet machine and an end near 5-6 means others were
running as well. An earlier run the same day, at a load average of 8-11 from other work and at
commit 169a40b (before related trials asked for fewer words and before /api/v2 batched its
reads), gave 374 / 158 / 551 ms p95 for search / trial / v2 at 400k, 2 workers, 10 clients.

With 10 clients each waiting for its answer, latency is about 10 / throughput (Little's law):
the misses are throughput on 2 cores, not slow single requests. One client at a time, every
endpoint is within its target at 400k (search p95 33 ms, trial 3.8 ms, v2 36 ms). A worker is
one process under the GIL, so 2 workers use at most the 2 cores, and the load generator takes
10-25% of one. From req/s, each request costs (2 cores / req/s): search about 14 ms of CPU,
trial page data about 3.2 ms, v2 about 18 ms. Meeting p95 at 10 clients needs roughly a third
of that for search and v2, and somewhat less for the trial page.

- **search** (p95 166 ms, target 50): the service alone is 9.6 ms median, 30 ms p95 in
  process; HTTP adds about 1-2 ms. cProfile of the 100 searches in process (400k): tantivy's
  `Searcher.search` 51% of the time (the `near` searches run it more than once), the distance
  filter and nearest sites (`search/sites.py` distances, nearest) about 20%, the page's cards
  from SQLite about 7%. Search is CPU in tantivy and in the site arithmetic; it needs to get
  2-3 times cheaper (or more cores) to hold 50 ms p95 at 10 clients on this machine.
- **trial page data** (p95 28 ms, target 20): the service is 1.4 ms median in process, of which
  the related-trials query (tantivy) is about 55%; through HTTP it is 2.5 ms at 1 client, so
  about 1 ms per request is FastAPI, the thread pool and encoding the full model as JSON. At
  630 req/s the 2 cores are full; the target needs about 40% more throughput.
- **v2 studies, pageSize=100** (p95 200 ms, target 100): 11.5 ms median in process. cProfile:
  assembling the page's 100 records (`ctgov_v2._records`) is 69% of the time: reading the
  trials' rows (`sqlite._rows_of`) 18%, zstd decompression 8%, decoding the stored model 9%,
  converting legacy-XML trials to the v2 shape (`sources/v2_shape.py`, 96% of the real records
  are legacy XML) about 23%; tantivy's search 9%. Each answer is about 1 MB of JSON to send.
  The route keeps each worker's last 2,000 converted studies; this workload repeats 100
  conditions, so later rounds find many of their studies converted already, which flatters v2
  (on real, the 1-client median is 3.9 ms).
- **criteria**: stored parses, 0.2 ms in process, 1.1 ms through HTTP; no target.

## A crash under load

Three times in this run a worker died of a segmentation fault while serving `/criteria` with 2
workers and 10 or 50 clients (errors in the tables; the crash section above has the tracebacks: the
thread was in `msgspec.convert` in `store/criteria_rows.py` `criterion_from_row`, msgspec
0.22.0). It is intermittent: a fresh 2-worker server on the real store took 9,000 `/criteria`
requests from 10 clients without a crash, as did six servers after 400 searches (three) or 400 trial
pages (three); one of three servers after 400 searches and then 400 trial pages crashed in its
next 3,000 `/criteria` requests. 16 threads calling `trial_criteria` (and encoding the result)
in one process for 40 s never crashed. A fault that needs earlier traffic and then shows in
one C call looks like memory misuse in that call's path, but this benchmark cannot say whose.
An earlier run also
crashed in zstd's decompressor, shared by the threads of a worker; the store now keeps one per
thread (commit b31fe04) and that crash has not recurred. Memory: the highest worker
peak was 757 MiB with 2 workers (808 MiB with 1); an earlier run, before /api/v2 batched its
reads, saw 1,316 MiB in a single worker under v2 at 50 clients.
"""


def profile(endpoint: str, db: Path) -> None:
    """cProfile of the endpoint's service calls in-process: the top functions by own time."""
    import cProfile
    import pstats

    work = workload(db)
    calls = service_calls(db, work)[endpoint]
    for call in calls[:10]:
        call()
    profiler = cProfile.Profile()
    profiler.enable()
    for call in calls:
        call()
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(30)
    stats.sort_stats("tottime").print_stats(20)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("step", nargs="?", choices=["run", "page", "baseline-step", "profile"], default="run")
    parser.add_argument("endpoint", nargs="?", choices=ENDPOINTS, help="for profile")
    parser.add_argument("--store", choices=["real", "400k", "both"], default="both")
    parser.add_argument("--endpoints", nargs="+", choices=ENDPOINTS, default=list(ENDPOINTS))
    parser.add_argument("--quick", action="store_true", help="one short round; prints, writes no page")
    args = parser.parse_args(argv)
    if args.step == "baseline-step":
        step = json.load(sys.stdin)
        print(json.dumps(baseline(Path(step["db"]), step["work"], step["endpoints"])))
        return
    stores = {"real": real_store, "400k": synthetic_store}
    names = ["real", "400k"] if args.store == "both" else [args.store]
    if args.step == "profile":
        profile(args.endpoint or "search", stores[names[-1]]())
        return
    target = RESULTS.with_name("api-results-quick.json") if args.quick else RESULTS
    saved: dict[str, Any] = json.loads(target.read_text()) if target.exists() else {}
    for name in names if args.step == "run" else []:
        fresh = measure(name, stores[name](), args.endpoints, QUICK if args.quick else FULL)
        fresh["meta"] = {
            "store": name,
            "date": time.strftime("%Y-%m-%d"),
            "commit": _commit(),
            "endpoints": fresh["endpoints"],
            "load_average_start": fresh["load_average_start"],
            "load_average_end": fresh["load_average_end"],
            "seconds": fresh["seconds"],
        }
        fresh["runs"] = [fresh["meta"]]
        saved[name] = merge(saved.get(name), fresh)
        target.write_text(json.dumps(saved, indent=2))
    text = page({n: saved[n] for n in ("real", "400k") if n in saved}, NOTES)
    if args.quick:
        print(text)
    else:
        print(write_page("api", "The HTTP API under load", text).read_text())


if __name__ == "__main__":
    main()
