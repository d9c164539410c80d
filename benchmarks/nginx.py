"""What the documented nginx costs: docs/deployment.md's configuration (a fresh connection to
the workers for each request, so that a request a dying worker dropped can only be sent on to
a live one) beside the same configuration with `keepalive 32` (connections to the workers kept
open, which a killed worker can leave dead for both of nginx's tries), and beside no proxy.

One `trialscout serve --workers 2 --no-access-log` on the real store of `benchmarks.corpus`
(every registry-format record of ../shared/data), and in front of it two nginx processes
(Debian's, one worker each, as `tests.nginx` runs them): the documented configuration and the
keep-alive variant. In each round, each way in (the order rotated) gets the search and the
trial-page workloads of `benchmarks.api` from its load generator (its own process, 10 clients,
each on one keep-alive connection to nginx or to uvicorn), after a warm-up. Reported: medians
over the rounds of requests/s, median and p95 latency, errors, and each round's ratio of the
documented configuration to the keep-alive one.

    python -m benchmarks.nginx [--rounds R]     # writes docs/benchmarks/nginx.md
    python -m benchmarks.nginx --page-from benchmarks/.work/nginx-cells.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from benchmarks.api import Server, load, paths, workload
from benchmarks.common import WORK, median, write_page
from benchmarks.corpus import real_store
from tests.nginx import running_nginx
from trialscout.store.sqlite import SQLiteStore

CLIENTS = 10
REQUESTS = {"search": 600, "trial": 3000}
ENDPOINTS = ("search", "trial")
TITLE = "nginx in front of the API: fresh connections to the workers, or kept alive"
DOCUMENTED = "nginx, as documented (a fresh connection a request)"
KEPT_ALIVE = "nginx with keepalive 32"
DIRECT = "no proxy (uvicorn directly)"
#: Every cell of the last run, so that the page can be written again (--page-from).
CELLS = WORK / "nginx-cells.json"


def _keep_alive(conf: str) -> str:
    """The documented configuration with connections to the workers kept alive, as nginx's
    documentation of `keepalive` sets it up."""
    line = "    server 127.0.0.1:8000 max_fails=0;\n"
    timeout = "        proxy_read_timeout"
    assert line * 2 in conf
    assert timeout in conf
    conf = conf.replace(line * 2, line * 2 + "    keepalive 32;\n")
    http11 = '        proxy_http_version 1.1;\n        proxy_set_header Connection "";\n'
    return conf.replace(timeout, http11 + timeout, 1)


Cells = dict[str, list[dict[str, Any]]]


def measure(rounds: int) -> tuple[Cells, int]:
    db = real_store()
    work = workload(db)
    cells: Cells = {}
    serving = Server(db, 2)
    variants: dict[str, Callable[[str], str]] = {DOCUMENTED: lambda conf: conf, KEPT_ALIVE: _keep_alive}
    try:
        with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
            ports = {DIRECT: serving.port}
            for n, (name, edit) in enumerate(variants.items()):
                nginx = stack.enter_context(
                    running_nginx(Path(folder) / str(n), f"127.0.0.1:{serving.port}", edit)
                )
                ports[name] = nginx.port
            for round_ in range(rounds):
                order = list(ports)[round_ % len(ports) :] + list(ports)[: round_ % len(ports)]
                for name in order:
                    for endpoint in ENDPOINTS:
                        lines = paths(work, endpoint)
                        load(ports[name], lines, 4, 40)  # warm-up
                        figures = load(ports[name], lines, CLIENTS, REQUESTS[endpoint])
                        cells.setdefault(f"{name}/{endpoint}", []).append(figures)
                        print(
                            f"round {round_ + 1} {name} {endpoint}: {figures['requests_per_s']:.0f}/s,"
                            f" median {figures['median_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms,"
                            f" {figures['errors']} errors",
                            file=sys.stderr,
                        )
    finally:
        serving.stop()
    with SQLiteStore(db) as store:
        return cells, store.count()


def page(cells: Cells, rounds: int, trials: int) -> str:
    def mid(key: str, field: str) -> float:
        return median([c[field] for c in cells[key]])

    def ratios(endpoint: str, field: str) -> list[float]:
        """Each round's figure for the documented configuration over the keep-alive one's."""
        pairs = zip(cells[f"{DOCUMENTED}/{endpoint}"], cells[f"{KEPT_ALIVE}/{endpoint}"], strict=True)
        return [a[field] / b[field] for a, b in pairs]

    lines = [
        f"Records: the real records of ../shared/data, {trials:,} trials (SQLite). One",
        f"`trialscout serve --workers 2 --no-access-log`; {CLIENTS} clients of `benchmarks.loadgen`",
        "(keep-alive connections to nginx or to uvicorn); one nginx worker process; everything,",
        f"load generator included, on the same 2 cores. {rounds} rounds, the order rotated; medians",
        "over the rounds. `python -m benchmarks.nginx`.",
        "",
        "| endpoint | way in | requests/s | median | p95 | errors |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for endpoint in ENDPOINTS:
        for name in (DOCUMENTED, KEPT_ALIVE, DIRECT):
            key = f"{name}/{endpoint}"
            errors = sum(int(c["errors"]) for c in cells[key])
            lines.append(
                f"| {endpoint} | {name} | {mid(key, 'requests_per_s'):.0f} | {mid(key, 'median_ms'):.1f} ms"
                f" | {mid(key, 'p95_ms'):.1f} ms | {errors} |"
            )
    lines += ["", "The documented configuration as a share of the keep-alive one, each round's ratio:", ""]
    for endpoint in ENDPOINTS:
        rates, p95s = ratios(endpoint, "requests_per_s"), ratios(endpoint, "p95_ms")
        lines.append(
            f"- {endpoint}: throughput {median(rates):.2f} ({', '.join(f'{r:.2f}' for r in rates)}),"
            f" p95 {median(p95s):.2f} ({', '.join(f'{r:.2f}' for r in p95s)})"
        )
    direct = [f"{c['requests_per_s']:.0f}" for c in cells[f"{DIRECT}/trial"]]
    every = [r for endpoint in ENDPOINTS for r in ratios(endpoint, "requests_per_s")]
    lines += [
        "",
        "What it means:",
        "",
        "- Kept-alive connections to the workers are faster here, but a request can meet two of them",
        "  that a killed worker left dead, use up both of nginx's tries and get a 502 (it did in the",
        "  fault test on a busy machine: 1 run in 8, and once in CI). docs/deployment.md keeps the",
        "  fresh connections, which lose no request, and says what keep-alive would cost.",
        "- The two configurations differ only in that: a new connection a request, which nginx and",
        "  uvicorn both pay for, on these 2 cores shared by the load generator, nginx and both workers.",
        "  Where the workers have cores of their own and a trial page takes a few",
        "  milliseconds (`postgres-api.md`: 2.5 to 3.1 ms of CPU at 580,000 trials), the share",
        "  should be smaller; that is not measured here.",
        f"- The rounds vary much (one round's throughput ratio: {min(every):.2f} to {max(every):.2f}):",
        "  compare runs by their medians, not by one round.",
        "- Straight to uvicorn, each client's one connection stays on the worker that took it, so",
        f"  the rounds vary (trial pages: {', '.join(direct)} requests/s), probably with how the",
        "  10 connections fell between the 2 workers (not checked). nginx spreads each request anew.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--page-from", type=Path, help="write the page from the cells a run kept")
    args = parser.parse_args(argv)
    if args.page_from:
        kept = json.loads(args.page_from.read_text())
        cells, trials = kept["cells"], kept["trials"]
    else:
        cells, trials = measure(args.rounds)
        CELLS.write_text(json.dumps({"cells": cells, "trials": trials}))
    rounds = len(cells[f"{DIRECT}/trial"])
    print(write_page("nginx", TITLE, page(cells, rounds, trials)))


if __name__ == "__main__":
    main()
