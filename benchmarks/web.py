"""The web pages' server time and weight: the search page and the trial page beside their JSON twins.

Targets (issue 15), at 400,000+ trials: p95 <= 50 ms for `GET /?q=...`, <= 30 ms for
`GET /trials/{nct}`; page weight <= 200 KB without images (HTML, CSS, JS). Server time is in
process, no HTTP: a `TestClient` over `create_app(db)`, each request timed after a warm-up,
taking turns with its JSON twins (`/api/v1/search`, `/api/v1/trials/{id}/patient`,
`/api/v1/trials/{id}`). Workload and stores as `benchmarks.api`; the method is on the page.

    python -m benchmarks.web            # both stores, 5 rounds; writes docs/benchmarks/web.md
    python -m benchmarks.web --quick    # the real store, 2 rounds; prints, writes no page
    python -m benchmarks.web page       # the page again from the saved results
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gzip
import json
import math
import os
import pstats
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.api import SAMPLE, store_criteria, workload
from benchmarks.common import REPO, WORK, median, write_page
from benchmarks.corpus import fill_raw, real_store, synthetic_store
from benchmarks.loadgen import percentile

ENDPOINTS = ("search-page", "search-json", "search-json-facets", "trial-page", "patient-json", "trial-json")
PAGES = {"search-page": "search-json", "trial-page": "patient-json"}
LABELS = {
    "search-page": "search page `GET /?q=...`",
    "search-json": "twin `GET /api/v1/search?q=...`",
    "search-json-facets": "twin `GET /api/v1/search?q=...&facets=true` (the page's service call)",
    "trial-page": "trial page `GET /trials/{id}`",
    "patient-json": "twin `GET /api/v1/trials/{id}/patient`",
    "trial-json": "twin `GET /api/v1/trials/{id}`",
    "floor": "floor: an empty route through the TestClient",
}
TARGETS = {"search-page": 50.0, "trial-page": 30.0}  # p95 ms at 400k+
WEIGHT_TARGET_KB = 200.0
WARM_UP = 10
FULL_ROUNDS, QUICK_ROUNDS = 5, 2
RESULTS = WORK / "web-results.json"
ASSET = re.compile(r'<(?:link[^>]*rel="stylesheet"[^>]*href|script[^>]*src)="(/[^"]+)"')
IMAGE = re.compile(r"<img\b", re.IGNORECASE)


def paths(work: dict[str, Any]) -> dict[str, list[str]]:
    searches = [urlencode(p) for p in work["searches"]]
    return {
        "search-page": [f"/?{q}" for q in searches],
        "search-json": [f"/api/v1/search?{q}" for q in searches],
        "search-json-facets": [f"/api/v1/search?{q}&facets=true" for q in searches],
        "trial-page": [f"/trials/{i}" for i in work["ids"]],
        "patient-json": [f"/api/v1/trials/{i}/patient" for i in work["ids"]],
        "trial-json": [f"/api/v1/trials/{i}" for i in work["ids"]],
    }


def posted_without_raw(db: Path, ids: Sequence[str]) -> int:
    """Sampled trials with posted results whose original record is empty (synthetic copies):
    the trial page reads that record, so it must be there."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT nct_id, length(raw) FROM trials WHERE nct_id IN ({marks})", list(ids)
    ).fetchall()
    conn.close()
    from trialscout.store.sqlite import SQLiteStore
    from trialscout.trialpage.results import results_status

    empty = [nct for nct, size in rows if not size]
    if not empty:
        return 0
    with SQLiteStore(db, read_only=True) as store:
        found = store.trials(empty)
    return sum(1 for t in found.values() if results_status(t).posted)


# --- one round, in its own process -----------------------------------------------------------


def _floor_ms(requests: int = 200) -> dict[str, float]:
    from fastapi import FastAPI, Response
    from fastapi.testclient import TestClient

    bare = FastAPI()

    @bare.get("/")
    def empty() -> Response:
        return Response(b"")

    with TestClient(bare) as client:
        for _ in range(WARM_UP):
            client.get("/")
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get("/")
            times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}


def round_step(db: Path, work: dict[str, Any], round_: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from trialscout.web.app import create_app

    everything = paths(work)
    order = list(ENDPOINTS[round_ % len(ENDPOINTS) :] + ENDPOINTS[: round_ % len(ENDPOINTS)])
    out: dict[str, Any] = {"endpoints": {}, "order": order, "floor": _floor_ms()}
    started = time.perf_counter()
    with TestClient(create_app(db), raise_server_exceptions=False) as client:
        out["start_s"] = time.perf_counter() - started
        for endpoint in order:
            for path in everything[endpoint][:WARM_UP]:
                client.get(path)
        # Request by request across the endpoints, so a page and its twins see the same
        # moments of a noisy machine; each endpoint starts at its own offset, so no request
        # follows another endpoint's request for the same trial (whose rows it would find cached).
        times: dict[str, list[float]] = {e: [] for e in order}
        sizes: dict[str, dict[str, int]] = {e: {} for e in order}
        errors: dict[str, dict[str, int]] = {e: {} for e in order}
        for n in range(SAMPLE):
            for k, endpoint in enumerate(order):
                path = _order(everything[endpoint], round_, k)[n]
                began = time.perf_counter()
                answer = client.get(path)
                body = answer.content
                times[endpoint].append((time.perf_counter() - began) * 1000)
                sizes[endpoint][path] = len(body)
                if answer.status_code != 200:
                    errors[endpoint][path] = answer.status_code
        for endpoint in order:
            out["endpoints"][endpoint] = {
                "p50_ms": percentile(times[endpoint], 50),
                "p95_ms": percentile(times[endpoint], 95),
                "errors": errors[endpoint],
                "sizes": sizes[endpoint] if endpoint in PAGES else {},
                "times": dict(
                    zip(
                        _order(everything[endpoint], round_, order.index(endpoint)),
                        times[endpoint],
                        strict=True,
                    )
                ),
            }
        if round_ == 0:
            out["weight"] = page_weight(client, everything, out["endpoints"])
    return out


def _order(lines: list[str], round_: int, k: int) -> list[str]:
    """The workload's requests for the k-th endpoint of this round, in the order they are made."""
    shift = (round_ * 37 + k * 17) % len(lines)
    return lines[shift:] + lines[:shift]


def page_weight(client: Any, everything: dict[str, list[str]], figures: dict[str, Any]) -> dict[str, Any]:
    """Bytes of each page's HTML (its median and largest over the workload) and of the files it
    loads, uncompressed as served and gzipped for reference; the images it shows are counted."""
    out: dict[str, Any] = {"assets": {}, "pages": {}}
    for endpoint in PAGES:
        sizes = figures[endpoint]["sizes"]
        ordered = sorted(sizes, key=lambda p: (sizes[p], p))
        for which, path in (("median", ordered[len(ordered) // 2]), ("largest", ordered[-1])):
            html = client.get(path).text
            assets = sorted(set(ASSET.findall(html)))
            for asset in assets:
                if asset not in out["assets"]:
                    body = client.get(asset).content
                    out["assets"][asset] = {"bytes": len(body), "gzip": len(gzip.compress(body))}
            raw = html.encode()
            out["pages"][f"{endpoint}/{which}"] = {
                "path": path,
                "bytes": len(raw),
                "gzip": len(gzip.compress(raw)),
                "assets": assets,
                "images": len(IMAGE.findall(html)),
            }
    return out


# --- where the time goes ---------------------------------------------------------------------


def profile_step(db: Path, work: dict[str, Any], endpoint: str, top: int = 14) -> dict[str, Any]:
    """cProfile of the page's route function called directly (the TestClient runs the app in
    another thread, out of the profiler's sight) over the workload, after a warm-up: the
    trialscout functions with the most cumulative time, as shares of the whole."""
    from trialscout.services.places import complete_places
    from trialscout.services.registry import open_registry

    registry = open_registry(db)
    registry.search.index.concepts  # noqa: B018 - loaded at start, as the app's lifespan does
    complete_places(registry, "a")

    calls: list[Callable[[], object]]
    if endpoint == "search-page":
        calls = [functools.partial(_search, registry, urlencode(p)) for p in work["searches"]]
    else:
        calls = [functools.partial(_trial, registry, nct) for nct in work["ids"]]
    for call in calls[:WARM_UP]:
        call()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for call in calls:
        call()
    profiler.disable()
    wall = time.perf_counter() - started
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in raw.values())
    rows = []
    for (filename, line, name), (_, calls_n, tt, ct, _) in raw.items():
        where = _where(filename)
        if where is None:
            continue
        rows.append(
            {"function": f"{where}:{line} {name}", "calls": calls_n, "own": tt / total, "cum": ct / total}
        )
    rows.sort(key=lambda r: -r["cum"])
    own = sorted(
        (
            {"function": n if f == "~" else f"{_where(f) or Path(f).name}:{ln} {n}", "own": tt / total}
            for (f, ln, n), (_, _, tt, _, _) in raw.items()
        ),
        key=lambda r: -r["own"],
    )
    return {"requests": len(calls), "wall_s": wall, "cumulative": rows[:top], "own": own[:10]}


def _request(query: str) -> Any:
    from starlette.requests import Request

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": query.encode()}
    return Request(scope)


def _search(registry: Any, query: str) -> object:
    from trialscout.web.pages.search import search_page

    return search_page(_request(query), registry)


def _trial(registry: Any, nct_id: str) -> object:
    from trialscout.web.pages.trial import trial_html

    return trial_html(_request(""), registry, nct_id)


def _where(filename: str) -> str | None:
    """`trialscout/services/trial_page.py` for trialscout's own files, else None."""
    parts = Path(filename).parts
    if "trialscout" not in parts or "site-packages" in parts:
        return None
    return "/".join(parts[len(parts) - 1 - parts[::-1].index("trialscout") :])


# --- the driver ------------------------------------------------------------------------------


def _step(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.web", kind]
    done = subprocess.run(command, input=json.dumps(payload), capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} failed: {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def measure(name: str, db: Path, rounds: int, profiles: bool) -> dict[str, Any]:
    work = workload(db)
    store_criteria(db, work["ids"])  # as `trialscout load` would have (the copies have few)
    missing = posted_without_raw(db, work["ids"])
    if missing:
        print(f"{name}: {missing} sampled trials with results lack their record; fill_raw", file=sys.stderr)
        fill_raw(db)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    trials = conn.execute("SELECT count(*) FROM trials").fetchone()[0]
    conn.close()
    result: dict[str, Any] = {"trials": trials, "rounds": [], "load_average_start": os.getloadavg()}
    started = time.perf_counter()
    for round_ in range(rounds):
        figures = _step("round-step", {"db": str(db), "work": work, "round": round_})
        print(f"{name} round {round_ + 1}/{rounds}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
        result["rounds"].append(figures)
    result["organizations"] = _organizations(db, [p for p, _ in _slowest(result["rounds"], "trial-page")])
    if profiles:
        result["profiles"] = {
            endpoint: _step("profile-step", {"db": str(db), "work": work, "endpoint": endpoint})
            for endpoint in PAGES
        }
    result["load_average_end"] = os.getloadavg()
    result["seconds"] = time.perf_counter() - started
    result["date"] = time.strftime("%Y-%m-%d")
    result["commit"] = _commit()
    return result


def _slowest(rounds: list[dict[str, Any]], endpoint: str, n: int = 5) -> list[tuple[str, float]]:
    """The requests with the highest median time over the rounds (a path asked twice in one
    round keeps its last time)."""
    paths_ = rounds[0]["endpoints"][endpoint]["times"]
    mids = {p: median([r["endpoints"][endpoint]["times"][p] for r in rounds]) for p in paths_}
    return sorted(mids.items(), key=lambda item: -item[1])[:n]


def _organizations(db: Path, trial_paths: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
    """For each trial page, its organisations and how many trials of the store name each."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out = {}
    for path in trial_paths:
        nct = path.rsplit("/", 1)[-1]
        names = [
            r[0] for r in conn.execute("SELECT DISTINCT name FROM organizations WHERE nct_id = ?", (nct,))
        ]
        out[path] = [
            (
                name,
                conn.execute(
                    "SELECT count(DISTINCT nct_id) FROM organizations WHERE name = ?", (name,)
                ).fetchone()[0],
            )
            for name in names
        ]
    conn.close()
    return out


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    return done.stdout.strip() or "unknown"


# --- the page --------------------------------------------------------------------------------


def _mid(rounds: list[dict[str, Any]], endpoint: str, key: str) -> float:
    if endpoint == "floor":
        return median([r["floor"][key] for r in rounds])
    return median([r["endpoints"][endpoint][key] for r in rounds])


def _kb(n: int) -> str:
    return f"{n / 1000:.1f}"


def page(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "Targets (issue 15), at 400,000+ trials: server time p95 ≤ 50 ms for the search page",
        "(`GET /` with a query) and ≤ 30 ms for a trial page (`GET /trials/{id}`); page weight",
        "≤ 200 KB without images (the HTML and the CSS and JS the page loads).",
        "",
        "Stores: *real* = every registry-format record in ../shared/data; *400k* = those records",
        "copied under synthetic NCT9xxxxxxx IDs (`benchmarks/corpus.py`; the copies keep the real",
        "text, sites and dates). The trial page reads a trial's original record when it has posted",
        "results, and the sampled copies include such trials, so `corpus.fill_raw` first gave every",
        "copy its original's record (as for `benchmarks/api.py`).",
        "",
        f"Workload (as `benchmarks/api.py`): {SAMPLE} trials drawn at random (seed 13). Search: `q` =",
        "the trial's first condition, a quarter with `status=RECRUITING`, a quarter within 50 mi of",
        "a city (`near`, `radius=50mi`), a quarter both; the page asks for 20 results with facets,",
        "its twin gets the same query string (the API leaves facets out unless asked, so the twin",
        "is also timed with `facets=true`: the page's own service call). Trial pages: the 100 IDs,",
        "no place. The sampled trials' criteria are parsed and stored first, as `trialscout load`",
        "would have.",
        "",
        "Method: server time in process, no HTTP: a FastAPI `TestClient` over `create_app(db)`,",
        f"lifespan run, {WARM_UP} warm-up requests per endpoint, then each request of the workload",
        "once, timed from the call to the whole body. The JSON twins are timed in the same process",
        "the same way, as the baseline, taking turns with the page request by request; the floor is",
        "an empty route of a bare app through the same TestClient (its own cost, in every figure).",
        "Each round is a fresh process; rounds rotate the order of the endpoints and of the",
        "requests (no request follows another endpoint's request for the same trial); each figure",
        "is the median over the rounds of that round's p50 and p95. Page weight: bytes of the HTML",
        "as served (the app does not compress; gzip sizes for reference), for the workload's median",
        "and largest page, plus the files the page links (stylesheets, scripts).",
        "",
        "The machine is shared: another engineer's tests used the same 2 cores during these runs",
        "(load averages below), so single figures are noisy; compare the page with its twin in the",
        "same run (the ratio columns) rather than across runs.",
        "",
        "Runs: "
        + "; ".join(
            f"{name} {r['date']} at commit {r['commit']}, {len(r['rounds'])} rounds, load average"
            f" {r['load_average_start'][0]:.2f} at the start, {r['load_average_end'][0]:.2f} at the end,"
            f" {r['seconds']:.0f} s"
            for name, r in results.items()
        )
        + ".",
    ]
    for name, r in results.items():
        rounds = r["rounds"]
        lines += [
            "",
            f"## {name} ({r['trials']:,} trials): server time",
            "",
            "| request | p50 (ms) | p95 (ms) | page p50 / twin p50 | page p95 / twin p95 | non-200 |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for endpoint in (*ENDPOINTS, "floor"):
            p50, p95 = _mid(rounds, endpoint, "p50_ms"), _mid(rounds, endpoint, "p95_ms")
            ratio50 = ratio95 = ""
            if endpoint in PAGES:
                twin = PAGES[endpoint]
                ratio50 = f"{p50 / _mid(rounds, twin, 'p50_ms'):.2f}"
                ratio95 = f"{p95 / _mid(rounds, twin, 'p95_ms'):.2f}"
            errors = (
                ""
                if endpoint == "floor"
                else str(sum(len(x["endpoints"][endpoint]["errors"]) for x in rounds))
            )
            lines.append(f"| {LABELS[endpoint]} | {p50:.1f} | {p95:.1f} | {ratio50} | {ratio95} | {errors} |")
        bad = sorted({p for x in rounds for e in x["endpoints"].values() for p in e["errors"].items()})
        if bad:
            lines += ["", "Non-200 answers: " + ", ".join(f"`{p}` {s}" for p, s in bad[:10]) + "."]
        weight = rounds[0]["weight"]
        lines += [
            "",
            f"## {name}: page weight",
            "",
            "| page | HTML (KB) | HTML gzipped (KB) | files it loads | total (KB) | images | ≤ 200 KB |",
            "|---|---:|---:|---|---:|---:|---|",
        ]
        for key, p in weight["pages"].items():
            endpoint, which = key.split("/")
            assets = sum(weight["assets"][a]["bytes"] for a in p["assets"])
            total = p["bytes"] + assets
            files = ", ".join(f"`{a}` {_kb(weight['assets'][a]['bytes'])}" for a in p["assets"]) or "none"
            met = "yes" if total <= WEIGHT_TARGET_KB * 1000 else "**no**"
            shown = endpoint.replace("-", " ")
            lines.append(
                f"| {shown}, {which} of the workload: `{p['path']}` | {_kb(p['bytes'])} | {_kb(p['gzip'])}"
                f" | {files} | {_kb(total)} | {p['images']} | {met} |"
            )
        for endpoint in PAGES:
            sizes = [s for x in rounds[:1] for s in x["endpoints"][endpoint]["sizes"].values()]
            if sizes:
                lines.append(
                    f"\n{endpoint.replace('-', ' ').capitalize()} HTML, {len(sizes)} distinct requests:"
                    f" median {_kb(int(statistics.median(sizes)))} KB, smallest {_kb(min(sizes))} KB,"
                    f" largest {_kb(max(sizes))} KB."
                )
        lines += _slowest_table(r)
    big = results.get("400k")
    if big:
        lines += [
            "",
            "## Targets: 400k",
            "",
            "| | measured | target | met |",
            "|---|---:|---:|---|",
        ]
        for endpoint, target in TARGETS.items():
            p95 = _mid(big["rounds"], endpoint, "p95_ms")
            met = "yes" if p95 <= target else "**no**"
            lines.append(f"| {LABELS[endpoint]}, p95 (ms) | {p95:.1f} | {target:.0f} | {met} |")
        weight = big["rounds"][0]["weight"]
        heaviest = max(
            p["bytes"] + sum(weight["assets"][a]["bytes"] for a in p["assets"])
            for p in weight["pages"].values()
        )
        met = "yes" if heaviest <= WEIGHT_TARGET_KB * 1000 else "**no**"
        lines.append(
            f"| heaviest page of the workload, with its files (KB) | {_kb(heaviest)} | 200 | {met} |"
        )
    for name, r in results.items():
        for endpoint, prof in r.get("profiles", {}).items():
            target = TARGETS[endpoint]
            p95 = _mid(r["rounds"], endpoint, "p95_ms")
            verdict = "misses" if p95 > target else "meets"
            lines += [
                "",
                f"## Where the time goes: {endpoint.replace('-', ' ')}, {name}",
                "",
                f"The {endpoint.replace('-', ' ')} {verdict} its target here (p95 {p95:.1f} ms, target"
                f" {target:.0f} ms). cProfile of its route function called directly, {prof['requests']}"
                f" requests after a warm-up ({prof['wall_s']:.1f} s under the profiler, which slows"
                " small calls most): trialscout's functions by cumulative time, as shares of the whole.",
                "",
                "| function | calls | cumulative | own |",
                "|---|---:|---:|---:|",
            ]
            for row in prof["cumulative"]:
                lines.append(
                    f"| `{row['function']}` | {row['calls']:,} | {row['cum']:.0%} | {row['own']:.0%} |"
                )
            lines += [
                "",
                "Most own time (any code): "
                + "; ".join(f"`{row['function']}` {row['own']:.0%}" for row in prof["own"][:6])
                + ".",
            ]
    return "\n".join(lines)


#: What the figures, the profiles and a few single requests timed by hand showed (2026-12-03,
#: 400k store, commit 5a53fc1), for the page; `page` adds it after the generated sections.
NOTES = """
## What this means

**Latest run (commit b3ded95, an idle machine: load average 0.2-1.0).** After this benchmark's
first run found the sponsor box to be 60% of a trial page, `services/trial_page.py` keeps each
sponsor box per process, keyed by the store's last change and the trial's organisations. At 400k
the trial page's p50 fell from 68.5 to 13.9 ms, but its p95 is still 194 ms against the 30 ms
target: the p95 is now the *first* page that names a big sponsor in a process, which still reads
and counts all of that sponsor's trials (97,720 for NCI here); the patient twin's p95 (1,365 ms)
is the same first-time cost landing on the twin, since the two share the cache and take turns.
Counting in SQL, or keeping the counts per organisation at load time, would remove that first
cost; it is not done. The search page is unchanged (p95 329 ms, target 50). The paragraphs below
were written from the first run (commit 5a53fc1, a busy machine) and still describe where the
time goes.

**Both server-time targets are missed at 400k; page weight is met.** On the real store (7,225
trials) the trial page's p95 (about 25 ms) is within 30 ms and the search page's (about 50 ms) at
the edge; at 404,600 trials the search page's p95 is about 330 ms and the trial page's about
250 ms, 7 and 8 times the targets. Pages are 16-66 KB with their CSS and JS (no images), far under
200 KB. The machine was busy (load average 3-4 on 2 cores), which inflates the figures: a
quick run of the real store while the 400k index was being built measured about 3 times these.
The misses at 400k are larger than that.

**Trial page: the patient layer is the time, and in it the sponsor box.** The page costs about
what its twin `/api/v1/trials/{id}/patient` costs (the page calls the same `patient_page`, then
`trial_page` and the stored criteria, which `/api/v1/trials/{id}` shows to be about 5 ms); in
these runs the twin even measured slower than the page (ratio 0.8), which this benchmark does not
explain: timed alone after one warm call, the slowest page (`/trials/NCT90341840`) took 767 ms
and its twin 603 ms. In the profile, `trialpage/sponsor.py` `sponsor_box` is about 60% of the
page: for each organisation the trial names it reads every trial of the store naming that
organisation (`store/sqlite.py` `organization_trials`, about 17%) and counts them one by one in
Python (`_box`, `not_counted`: 3.9 million calls for 100 pages). The cost grows with the
organisation's size: four of the five slowest pages name the National Cancer Institute, which
97,720 trials of the 400k store name; the fifth (`NCT90038417`, St. Louis University, 112
trials) is slow for a reason this benchmark did not isolate. Looking up earlier trials of the
same drugs (`prior_trials`, `intervention_trials`) is another 13%. Caveat: the synthetic store
copies each real trial 56 times, so every organisation has 56 times its real-store count; how
many trials the largest sponsors of a real 400k registry have is not measured here, but the
cost is linear in it.

**Search page: the cards, not the search.** The page's own search (`facets=true`) has a p95
near 46 ms; the page adds the cards (`web/pages/search.py` `_cards`, about two thirds of the
profile): it decodes each result's whole stored trial (`store/sqlite.py` `trials`, msgspec
decode about 30% of all time) to give it a lay title and badges, whose placebo rule runs
regular expressions over the text (`trialpage/badges.py` `placebo_badge`, about 28%). The slow
tail is the `status=RECRUITING&near=Atlanta` searches for cancers, whose 20 results are trials
with very large records. Timed by hand, `q=Breast Cancer&status=RECRUITING&near=Atlanta
&radius=50mi` returns 20 trials whose stored records add up to 10.5 MB (up to 526 KB each,
24,360 sites in all; the store's mean record is 10 KB), and for the slowest such pages the
search took 23-49 ms, the cards 280-470 ms, of which decoding the 20 records 160-370 ms.

Not done here (not this benchmark's files): any optimisation. The profiles point at counting an
organisation's trials in SQL (or keeping the counts) rather than reading every row, and at
cards read from a lighter row than the whole trial.
"""

TWIN_OF_PATH = {"search-page": "search-json-facets", "trial-page": "patient-json"}


def _twin_path(endpoint: str, path: str) -> str:
    if endpoint == "search-page":
        return "/api/v1/search?" + path.removeprefix("/?") + "&facets=true"
    return f"/api/v1/trials/{path.rsplit('/', 1)[-1]}/patient"


def _slowest_table(r: dict[str, Any]) -> list[str]:
    rounds = r["rounds"]
    if "times" not in rounds[0]["endpoints"]["trial-page"]:
        return []
    lines = [
        "",
        "The five slowest requests of each page (median over the rounds), beside the same request's",
        "twin (search: `facets=true`; trial: the patient layer); for a trial page, the organisations",
        "it names and how many trials of this store name each:",
        "",
        "| request | page (ms) | twin (ms) | organisations (trials naming each) |",
        "|---|---:|---:|---|",
    ]
    for endpoint, twin in TWIN_OF_PATH.items():
        twins = {
            p: median([x["endpoints"][twin]["times"][p] for x in rounds])
            for p in rounds[0]["endpoints"][twin]["times"]
        }
        for path, ms in _slowest(rounds, endpoint):
            orgs = r.get("organizations", {}).get(path, [])
            named = (
                "; ".join(f"{name} ({count:,})" for name, count in orgs) if endpoint == "trial-page" else ""
            )
            lines.append(
                f"| `{path}` | {ms:.0f} | {twins.get(_twin_path(endpoint, path), math.nan):.0f} | {named} |"
            )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "step", nargs="?", choices=["run", "page", "round-step", "profile-step"], default="run"
    )
    parser.add_argument(
        "--quick", action="store_true", help="the real store, 2 rounds; prints, writes no page"
    )
    args = parser.parse_args(argv)
    if args.step in ("round-step", "profile-step"):
        step = json.load(sys.stdin)
        if args.step == "round-step":
            print(json.dumps(round_step(Path(step["db"]), step["work"], step["round"])))
        else:
            print(json.dumps(profile_step(Path(step["db"]), step["work"], step["endpoint"])))
        return
    rounds, names = (QUICK_ROUNDS, ["real"]) if args.quick else (FULL_ROUNDS, ["real", "400k"])
    target = RESULTS.with_name("web-results-quick.json") if args.quick else RESULTS
    saved: dict[str, Any] = json.loads(target.read_text()) if target.exists() else {}
    stores = {"real": real_store, "400k": synthetic_store}
    for name in names if args.step == "run" else []:
        saved[name] = measure(name, stores[name](), rounds, profiles=name == names[-1])
        target.write_text(json.dumps(saved, indent=2))
    text = page({n: saved[n] for n in ("real", "400k") if n in saved})
    if "400k" in saved:
        text += "\n\n" + NOTES.strip()
    if args.quick:
        print(text)
    else:
        print(write_page("web", "The web pages: server time and weight", text).read_text())


if __name__ == "__main__":
    main()
