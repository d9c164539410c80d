"""The whole registry, as a data person builds it: `trialscout load` of a registry download zip.

One command measures the full path of issue 16 from the registry's own download formats, at
registry size (default 580,000 trials): the AllPublicXML zip (`NCT0000xxxx/NCT00000102.xml`)
and the `ctg-studies.json` zip (one API v2 study per file), written by `benchmarks.corpus` from
the real records under synthetic NCT IDs (`NCT9` + 7 digits) and cached in benchmarks/.work/.

Each run is `trialscout --db <fresh store> load --quiet --no-criteria <zip>` as a fresh
process, which stores the records and builds the search index (`load_files`), printing each
stage's time; then the criteria stage, `trialscout --db <copy of the real store> criteria
--rebuild` as a fresh process, parses every distinct real trial (7,225) with its worker
processes. The criteria are timed on the real trials and projected to the registry's size
because parsing every copy takes well over an hour there; the copies would be no faster
(docs/benchmarks/criteria.md: at the parser's default memory size the hit rate copy after copy
is that of the real trials). The build time at registry size is the load and index measured at
that size plus the criteria projected from their real rate (`--inline-criteria` parses every
copy inside the load instead: the whole build, measured).

Reported per stage: trials, rate, seconds and the peak resident memory (RSS, summed: pages
forked workers share are counted in each) of the process and its workers; then the whole
build's wall time and peak, and the store's size on disk (per table, from SQLite's dbstat, and
the index folder) in bytes per trial, beside the targets of issue 16 (the criteria table of the
deferred store is empty: its size is taken per trial from the real store's, times the trials).
Baseline in the same run: reading every record's bytes from the zip without parsing (the I/O
floor of the load stage).

    python -m benchmarks.registry                          # 580,000 trials, both formats
    python -m benchmarks.registry --trials 5000 --format v2  # a small dry run

It writes docs/benchmarks/registry.md. Stage peaks come from memory sampled every 20 ms, cut
into stages by the stage times the command prints, counted back from its end (the command
closes the store after the criteria: a short tail, counted in the criteria stage).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import sys
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.common import WORK, median, run_sampled, today, tree_bytes, trialscout, write_page
from benchmarks.corpus import REGISTRY_TRIALS, Layout, download_zip, real_store
from benchmarks.load import read_floor

#: Issue 16, on a 2-core machine with 580,000+ trials. Units are decimal (1 GB = 10^9 bytes).
TARGET_BUILD_S = 600.0
TARGET_CRITERIA_PER_CORE = 1_000.0
TARGET_LOAD_RATE = 5_000.0
TARGET_PEAK_BYTES = 2e9
TARGET_BYTES_PER_TRIAL = 10_000.0

_LOADED = re.compile(r"Loaded ([\d,]+) records into .* in ([\d.]+) s \(([\d,]+) records/s\)")
_INDEXED = re.compile(r"(?:Rebuilt|Updated) the search index: ([\d,]+) trials indexed in ([\d.]+) s")
_PARSED = re.compile(r"Parsed the eligibility criteria of ([\d,]+) trials in ([\d.]+) s")
_STAGE_LINES = {"load": _LOADED, "index": _INDEXED, "criteria": _PARSED}
_FORMATS: dict[str, str] = {
    "xml": "AllPublicXML layout (legacy XML, NCT9000xxxx/NCT9xxxxxxx.xml)",
    "v2": "ctg-studies.json layout (API v2 JSON, NCT9xxxxxxx.json)",
}


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def parse_output(
    stdout: str, stages_printed: tuple[str, ...] = ("load", "index", "criteria")
) -> dict[str, tuple[int, float]]:
    """The (trials, seconds) of each stage as `trialscout load` (or `criteria`) prints them."""
    text = " ".join(stdout.split())
    stages: dict[str, tuple[int, float]] = {}
    for stage in stages_printed:
        match = _STAGE_LINES[stage].search(text)
        if match is None:
            raise RuntimeError(f"trialscout printed no {stage} line: {stdout[-2000:]}")
        stages[stage] = (_number(match.group(1)), float(match.group(2)))
    return stages


def store_sizes(db: Path) -> dict[str, int]:
    """Bytes on disk of each table of the store with its indexes (dbstat), by table name."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            # Page by page: the aggregated form of dbstat wraps a table's size at 2^32 bytes.
            "SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat('main') d"
            " LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
    finally:
        conn.close()
    return {str(name): int(size) for name, size in rows}


def _fresh(db: Path) -> None:
    for leftover in db.parent.glob(db.name + "*"):
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()


def measure_criteria(work: Path = WORK) -> dict[str, Any]:
    """`trialscout criteria --rebuild` on a copy of the real store, as a fresh process."""
    db = work / "registry-bench-criteria.db"
    _fresh(db)
    shutil.copyfile(real_store(), db)
    try:
        run = run_sampled(trialscout("--db", str(db), "criteria", "--rebuild"))
    finally:
        _fresh(db)
    trials, seconds = parse_output(run.stdout, ("criteria",))["criteria"]
    return {"trials": trials, "seconds": seconds, "rate": trials / seconds, "peak": run.peak_mib}


def measure_once(
    layout: Layout, zip_path: Path, keep: bool = False, work: Path = WORK, inline_criteria: bool = False
) -> dict[str, Any]:
    """One `trialscout load` of the zip into a fresh store in ``work``: stages, wall, peaks, sizes."""
    db = work / f"registry-bench-{layout}.db"
    _fresh(db)
    busy = os.getloadavg()[0]
    try:
        defer = () if inline_criteria else ("--no-criteria",)
        run = run_sampled(trialscout("--db", str(db), "load", "--quiet", *defer, str(zip_path)))
        printed = ("load", "index", "criteria") if inline_criteria else ("load", "index")
        stages = parse_output(run.stdout, printed)
        windows: dict[str, tuple[float, float]] = {}
        previous = run.seconds  # stage windows, counted back from the end of the process
        for stage in reversed(printed[1:]):
            windows[stage] = (previous - stages[stage][1], previous)
            previous = windows[stage][0]
        windows["load"] = (0.0, previous)
        tables = store_sizes(db)
        files = {
            "db": sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file()),
            "index": tree_bytes(db.parent / (db.name + ".index")),
        }
    finally:
        if not keep:
            _fresh(db)
    return {
        "seconds": run.seconds,
        "peak": run.peak_mib,
        "load_average": (busy, os.getloadavg()[0]),
        "stages": {
            name: {
                "trials": n,
                "seconds": s,
                "rate": n / s if s else 0.0,
                "peak": run.peak_between(*windows[name]),
            }
            for name, (n, s) in stages.items()
        },
        "tables": tables,
        "files": files,
    }


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over rounds of every figure (sizes are the same in each round)."""
    first = runs[0]
    return {
        "rounds": len(runs),
        "seconds": median([r["seconds"] for r in runs]),
        "peak": median([r["peak"] for r in runs]),
        "peak_max": max(r["peak"] for r in runs),
        "load_average": [r["load_average"] for r in runs],
        "stages": {
            name: {key: median([r["stages"][name][key] for r in runs]) for key in first["stages"][name]}
            for name in first["stages"]
        },
        "tables": first["tables"],
        "files": first["files"],
    }


def _mark(ok: bool) -> str:
    return "meets" if ok else "**misses**"


def real_counts() -> dict[str, int]:
    """Trials of the real store by the format they were read in."""
    conn = sqlite3.connect(f"file:{real_store()}?mode=ro", uri=True)
    try:
        return {
            str(f): int(n) for f, n in conn.execute("SELECT source_format, count(*) FROM trials GROUP BY 1")
        }
    finally:
        conn.close()


def report(
    trials: int,
    results: dict[str, dict[str, Any]],
    zips: dict[str, dict[str, Any]],
    criteria: dict[str, Any] | None = None,
) -> str:
    """The page. ``criteria``: the criteria stage measured apart (loads run with --no-criteria)."""
    cores = os.cpu_count() or 1
    real = real_counts()
    real_parsed_bytes = (
        store_sizes(real_store()).get("parsed_eligibility", 0) / max(1, sum(real.values()))
        if criteria
        else 0.0
    )
    xml, v2 = real.get("ctgov-legacy-xml", 0), real.get("ctgov-api-v2-json", 0)
    scale = trials / REGISTRY_TRIALS
    lines = []
    if trials < REGISTRY_TRIALS:
        lines += [
            f"**Dry run at {trials:,} trials** ({scale:.1%} of the registry): not the registry-scale",
            f"figure; rerun with `python -m benchmarks.registry` ({REGISTRY_TRIALS:,} trials). Times at",
            "this size are dominated by fixed costs and projected linearly below only as a hint.",
            "",
        ]
    lines += [
        "Targets (issue 16, on a 2-core machine, 580,000+ trials): the full build (load + index +",
        "criteria) within 10 minutes wall; load at least 5,000 records/s; criteria at least 1,000",
        "trials/s per core; peak memory (process + workers) at most 2 GB; store + index at most",
        "10 KB per trial (decimal units: 1 KB = 1,000 bytes, 1 GB = 10^9 bytes).",
        "",
        f"Command: `python -m benchmarks.registry --trials {trials}`; each format's figure is the",
        "median of its rounds (formats interleaved round by round), each round `trialscout --db",
        "<fresh store> load --quiet --no-criteria <zip>` as a fresh process, then `trialscout --db",
        "<copy of the real store> criteria --rebuild` (the distinct real trials, projected: parsing",
        "every copy takes well over an hour, and copies parse no faster, see criteria.md); the build",
        "at registry size is the two added up. Stage times and counts are what the",
        "command prints; stage peaks are resident memory (RSS, summed over the process and its",
        "workers, so pages they share count in each) sampled",
        "every 20 ms, cut into stages by those times counted back from the process's end.",
        "",
        "## Data",
        "",
        "Synthetic registry downloads made from the real records of ../shared/data (benchmarks/corpus.py),",
        "copy-major (every original once, then again), under synthetic NCT IDs NCT9 + 7 digits",
        "(real IDs are below NCT08000000), rewritten inside each record and in its member's name:",
        "",
        f"- xml: the {xml:,} real legacy XML records (the 2023 XML slice, AACT fixtures, TREC 2023 and",
        "  TREC PM samples, one version per NCT ID as benchmarks/.work/real.db holds them), each",
        f"  repeated {trials / xml:,.1f} times;",
        f"- v2: all {xml + v2:,} real trials as API v2 JSON: the {v2:,} held as API v2 records with the",
        f"  registry's own bytes, the {xml:,} legacy XML ones converted by",
        "  `trialscout.sources.v2_shape.study_json` (what /api/v2/studies serves for them), each",
        f"  repeated {trials / (xml + v2):,.1f} times.",
        "  A converted study holds what the model holds: no results section, no documents.",
        "",
        "| format | zip | trials | zip size | per 1,000 trials | uncompressed per 1,000 "
        "| I/O floor (records/s, one process) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for layout, z in zips.items():
        lines.append(
            f"| {_FORMATS[layout]} | {z['name']} | {z['trials']:,} | {z['bytes'] / 1e6:,.0f} MB "
            f"| {z['bytes'] / z['trials'] / 1e3:,.1f} MB | {z['raw_bytes'] / z['trials'] / 1e3:,.1f} MB "
            f"| {z['floor']:,.0f} |"
        )
    for layout, r in results.items():
        st = r["stages"]
        deferred = "criteria" not in st
        if deferred:
            if criteria is None:
                raise ValueError("loads ran with --no-criteria: the criteria stage measured apart is needed")
            st = {**st, "criteria": criteria}
        crit_per_core = st["criteria"]["rate"] / cores
        # Deferred: the criteria table at this size, from the real store's bytes per trial.
        parsed_bytes = round(real_parsed_bytes * trials) if deferred else 0
        tables = dict(r["tables"])
        if deferred:
            tables["parsed_eligibility"] = parsed_bytes
        build_s = r["seconds"] + (trials / st["criteria"]["rate"] if deferred else 0.0)
        peak = max(r["peak"], st["criteria"]["peak"])
        total_bytes = r["files"]["db"] + r["files"]["index"] + parsed_bytes
        per_trial = total_bytes / trials
        lines += [
            "",
            f"## {_FORMATS[layout]}",
            "",
            f"{r['rounds']} round(s). Whole build: **{build_s:,.1f} s wall**"
            + (
                f" ({r['seconds']:,.1f} s of `load --no-criteria` measured at {trials:,} trials, plus"
                f" the criteria of {trials:,} trials at the rate measured on the real ones,"
                f" {trials / st['criteria']['rate']:,.0f} s)"
                if deferred
                else ""
            )
            + f", peak memory **{peak:,.0f} MiB** (max over rounds {r['peak_max']:,.0f} MiB)."
            " The machine's load average (1 min) before and after each round: "
            + ", ".join(f"{a:.1f} -> {b:.1f}" for a, b in r["load_average"])
            + f" ({cores} cores; above {cores} other work shared them).",
            "",
            "| stage | trials | seconds | rate (trials/s) | peak memory (MiB) | target |",
            "|---|---:|---:|---:|---:|---|",
            f"| load (read, parse, store) | {st['load']['trials']:,.0f} | {st['load']['seconds']:,.1f} "
            f"| {st['load']['rate']:,.0f} | {st['load']['peak']:,.0f} "
            f"| >= 5,000 records/s: {_mark(st['load']['rate'] >= TARGET_LOAD_RATE)} |",
            f"| search index | {st['index']['trials']:,.0f} | {st['index']['seconds']:,.1f} "
            f"| {st['index']['rate']:,.0f} | {st['index']['peak']:,.0f} | |",
            f"| criteria{' (the distinct real trials, `criteria --rebuild`)' if deferred else ''} "
            f"| {st['criteria']['trials']:,.0f} | {st['criteria']['seconds']:,.1f} "
            f"| {st['criteria']['rate']:,.0f} ({crit_per_core:,.0f} per core, {cores} cores) "
            f"| {st['criteria']['peak']:,.0f} "
            f"| >= 1,000 trials/s per core: {_mark(crit_per_core >= TARGET_CRITERIA_PER_CORE)} |",
            f"| whole build{' (criteria projected)' if deferred else ''} | {trials:,} | {build_s:,.1f} "
            f"| {trials / build_s:,.0f} | {peak:,.0f} | <= 600 s at 580,000: "
            f"{_mark(build_s / scale <= TARGET_BUILD_S)}"
            + (f" (projected {build_s / scale:,.0f} s)" if trials < REGISTRY_TRIALS else "")
            + f"; <= 2 GB: {_mark(peak * 2**20 <= TARGET_PEAK_BYTES)} |",
            "",
            f"Store on disk: **{per_trial:,.0f} bytes/trial** ({total_bytes / 1e6:,.1f} MB: store files "
            f"{r['files']['db'] / 1e6:,.1f} MB"
            + (f", criteria as the real store holds them {parsed_bytes / 1e6:,.1f} MB" if deferred else "")
            + f", index folder {r['files']['index'] / 1e6:,.1f} MB); "
            f"target <= 10,000 bytes/trial: {_mark(per_trial <= TARGET_BYTES_PER_TRIAL)}.",
            "",
            "| part | MB | bytes/trial |",
            "|---|---:|---:|",
        ]
        for name, size in sorted(tables.items(), key=lambda item: -item[1]):
            estimated = (
                " (estimated from the real store)" if deferred and name == "parsed_eligibility" else ""
            )
            lines.append(
                f"| table {name}{estimated} (with its indexes) | {size / 1e6:,.1f} | {size / trials:,.0f} |"
            )
        lines.append(
            f"| index folder | {r['files']['index'] / 1e6:,.1f} | {r['files']['index'] / trials:,.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.registry", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--trials", type=int, default=REGISTRY_TRIALS, help="trials in each zip (default 580,000)"
    )
    parser.add_argument("--format", choices=["v2", "xml", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=1, help="runs per format, interleaved (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the last store built (benchmarks/.work)")
    parser.add_argument("--no-page", action="store_true", help="print the page; do not write docs/")
    parser.add_argument(
        "--inline-criteria",
        action="store_true",
        help="parse every copy's criteria inside the load: the whole build measured (over an hour at 580k)",
    )
    args = parser.parse_args(argv)
    layouts: list[Layout] = (
        ["xml", "v2"] if args.format == "both" else ["xml" if args.format == "xml" else "v2"]
    )
    zips: dict[str, dict[str, Any]] = {}
    for layout in layouts:
        path = download_zip(layout, args.trials)
        with zipfile.ZipFile(path) as archive:
            raw_bytes = sum(i.file_size for i in archive.infolist())
        count, floor = read_floor([path])
        zips[layout] = {
            "name": path.name,
            "trials": count,
            "bytes": path.stat().st_size,
            "raw_bytes": raw_bytes,
            "floor": floor,
        }
        print(f"{path.name}: {count:,} records, {path.stat().st_size / 1e6:,.0f} MB", file=sys.stderr)
    runs: dict[str, list[dict[str, Any]]] = {layout: [] for layout in layouts}
    parses: list[dict[str, Any]] = []
    for round_ in range(args.rounds):
        for layout in layouts:
            last = round_ == args.rounds - 1
            result = measure_once(
                layout,
                WORK / zips[layout]["name"],
                keep=args.keep and last,
                inline_criteria=args.inline_criteria,
            )
            runs[layout].append(result)
            print(
                f"{layout} round {round_ + 1}: {result['seconds']:,.1f} s, {result['peak']:,.0f} MiB",
                file=sys.stderr,
            )
        if not args.inline_criteria:
            parses.append(measure_criteria())
            print(f"criteria round {round_ + 1}: {parses[-1]['rate']:,.0f} trials/s", file=sys.stderr)
    results = {layout: _median_run(r) for layout, r in runs.items()}
    criteria = {key: median([p[key] for p in parses]) for key in parses[0]} if parses else None
    body = report(args.trials, results, zips, criteria)
    if args.no_page:
        print(f"# Registry scale ({today()})\n\n{body}")
    else:
        print(
            write_page(
                "registry", "Registry scale: a whole download, loaded, indexed and parsed", body
            ).read_text()
        )


if __name__ == "__main__":
    main()
