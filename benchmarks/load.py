"""Load throughput and peak memory: the 6,786-record XML zip and the API v2 records.

Each configuration runs `trialscout load` as a fresh process into a fresh store, five times,
interleaved with the other configurations; the page reports medians. Baselines in the same
run: the same load parsing in one process (`--workers 0`), and reading the records without
parsing them (the I/O floor).

    python -m benchmarks.load            # writes docs/benchmarks/load.md
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from benchmarks.common import DATA, WORK, median, run_measured, trialscout, write_page
from trialscout.sources.files import ArchivedRecord, RawRecord, iter_source

XML_ZIP = DATA / "ctgov-xml-2023-slice" / "ctgov_legacy_xml_6786.zip"
V2_DIR = DATA / "ctgov-api-v2-exports"
RUNS = 5
_RATE = re.compile(r"Loaded ([\d,]+) records .* \(([\d,]+) records/s\)")


def synthetic_v2(copies: int) -> Path:
    """The real API v2 records repeated under clearly synthetic NCT IDs (NCT9xxxxxxx), as one array."""
    studies: dict[str, dict[str, Any]] = {}
    for path in sorted(V2_DIR.rglob("*.json")):
        for study in json.loads(path.read_text()):
            studies[study["protocolSection"]["identificationModule"]["nctId"]] = study
    out = WORK / f"v2-synthetic-x{copies}.json"
    if out.exists():
        return out
    WORK.mkdir(parents=True, exist_ok=True)
    n = 0
    with out.open("w") as handle:
        handle.write("[")
        for _copy in range(copies):
            for study in studies.values():
                ident = study["protocolSection"]["identificationModule"]
                original = ident["nctId"]
                ident["nctId"] = f"NCT9{n:07d}"
                handle.write(("," if n else "") + json.dumps(study))
                ident["nctId"] = original
                n += 1
        handle.write("]")
    return out


def read_floor(paths: list[Path]) -> tuple[int, float]:
    """Records/s of only reading the records' bytes (no parsing, no store)."""
    started = time.perf_counter()
    count = 0
    for item in iter_source(paths):
        if isinstance(item, ArchivedRecord):
            item.read()
            count += 1
        elif isinstance(item, RawRecord):
            count += 1
    return count, count / (time.perf_counter() - started)


def measure_once(paths: list[Path], workers: int | None) -> tuple[int, float, float, float]:
    """One `trialscout load` into a fresh store: records, load rate, wall rate, peak MiB."""
    db = WORK / "bench.db"
    for leftover in WORK.glob("bench.db*"):
        leftover.unlink()
    args = ["--db", str(db), "load", "--quiet", *(str(p) for p in paths)]
    if workers is not None:
        args[3:3] = ["--workers", str(workers)]
    result = run_measured(trialscout(*args))
    match = _RATE.search(result.stdout.replace("\n", " "))
    if not match:
        raise RuntimeError(f"unexpected output: {result.stdout}")
    records = int(match.group(1).replace(",", ""))
    return records, float(match.group(2).replace(",", "")), records / result.seconds, result.peak_mib


def measure(configs: list[tuple[str, list[Path], int | None]]) -> list[dict[str, Any]]:
    """Run every configuration once per round, RUNS rounds, so a slow spell of this shared
    machine hits all configurations alike; report medians."""
    samples: list[list[tuple[int, float, float, float]]] = [[] for _ in configs]
    for _ in range(RUNS):
        for index, (_, paths, workers) in enumerate(configs):
            samples[index].append(measure_once(paths, workers))
    rows = []
    for (label, _, _), runs in zip(configs, samples, strict=True):
        rows.append(
            {
                "label": label,
                "records": runs[0][0],
                "rate": median([r[1] for r in runs]),
                "wall_rate": median([r[2] for r in runs]),
                "peak": median([r[3] for r in runs]),
                "peak_max": max(r[3] for r in runs),
            }
        )
    return rows


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    synthetic = synthetic_v2(24)
    datasets = [
        ("legacy XML zip (real, 6,786 records)", [XML_ZIP]),
        ("API v2 exports (real, 299 records)", [V2_DIR]),
        ("API v2, real records x24 under synthetic IDs (6,936 records)", [synthetic]),
    ]
    configs: list[tuple[str, list[Path], int | None]] = []
    for name, paths in datasets:
        configs.append((f"{name}: trialscout load (default: parallel parsing)", paths, None))
        configs.append((f"{name}: baseline, parsing in one process (--workers 0)", paths, 0))
    rows = measure(configs)
    floors = [(name, *read_floor(paths)) for name, paths in datasets]

    lines = [
        "Target (issue 2): at least 1,500 records/s and under 500 MB peak resident memory.",
        "",
        f"Each row is the median of {RUNS} runs of `trialscout load --quiet` as a fresh process into a",
        "fresh store, the configurations interleaved run by run. *Load rate* is what the command",
        "reports (records read / load time); *wall rate* divides by the whole process time including",
        "Python start-up. Loads of fewer than 600 records parse in one process whatever the setting",
        "(a process pool costs more to start than it saves). Peak memory is the resident memory of",
        "the process and its parsing workers together, sampled every 20 ms (median; max in brackets).",
        "",
        "| configuration | records | load rate (rec/s) | wall rate (rec/s) | peak memory (MiB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['records']:,} | {r['rate']:,.0f} | {r['wall_rate']:,.0f} "
            f"| {r['peak']:,.0f} ({r['peak_max']:,.0f}) |"
        )
    lines += ["", "Ratios within this run (parallel / single-process load rate):", ""]
    for fast, slow in zip(rows[::2], rows[1::2], strict=True):
        lines.append(f"- {fast['label'].split(':')[0]}: {fast['rate'] / slow['rate']:.2f}x")
    lines += ["", "I/O floor (reading each record's bytes, no parsing, in one process):", ""]
    for name, count, rate in floors:
        lines.append(f"- {name}: {count:,} records at {rate:,.0f} records/s")
    page = write_page("load", "Load throughput and memory", "\n".join(lines))
    print(page.read_text())


if __name__ == "__main__":
    main()
