"""Loading into PostgreSQL beside SQLite, on the same records (issue 17).

Records: the synthetic registry downloads of `benchmarks.corpus` (the real records of
../shared/data under synthetic NCT9xxxxxxx IDs), in both of the registry's layouts, 20,000
trials each by default.

Server: PostgreSQL from Debian's binaries, started by this benchmark in a temporary folder as
the tests start theirs (`tests/store/postgres_server.py`), but durable as a deployment runs it
(fsync and synchronous commit on, the defaults), with the two settings an operator loading in
bulk would raise: shared_buffers 512 MB and max_wal_size 4 GB (no checkpoint every 1 GB of WAL).
It runs on the same 2 cores as the loader.

Two measurements, each store in turn with the order rotated every round, medians over rounds:

- *the command*: `trialscout --db <fresh store> load --quiet --no-criteria <zip>` as a fresh
  process, SQLite file or a fresh PostgreSQL database; the load stage (read, parse, prepare in
  worker processes, store) and the index stage as the command prints them;
- *the writer alone*: `store_batch` of the same prepared records in batches of 500 in this
  process, into a fresh store: what each store's own writing costs, with the parsing taken out.

    python -m benchmarks.postgres [--trials N] [--rounds R]     # writes docs/benchmarks/postgres.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.common import WORK, median, run_sampled, trialscout, write_page
from benchmarks.corpus import Layout, download_zip
from benchmarks.registry import parse_output
from tests.store.postgres_server import PostgresServer
from trialscout.model.enums import SourceFormat
from trialscout.sources.files import RawRecord, parse_record
from trialscout.store.base import PreparedRecord, TrialStore
from trialscout.store.postgres import PostgresStore
from trialscout.store.records import prepare_record
from trialscout.store.sqlite import SQLiteStore

#: Issue 17: loading into PostgreSQL at least 70% of the SQLite rate on the same records.
TARGET_SHARE = 0.70
BATCH = 500
SETTINGS = {"shared_buffers": "512MB", "max_wal_size": "4GB"}
_FORMATS = {"xml": SourceFormat.CTGOV_LEGACY_XML, "v2": SourceFormat.CTGOV_API_V2_JSON}


def prepared_records(path: Path, layout: Layout) -> list[PreparedRecord]:
    """Every record of a download zip, parsed and prepared as a load prepares it."""
    today = dt.date.today()
    prepared = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            data = archive.read(info)
            trial = parse_record(RawRecord(path.name, info.filename, _FORMATS[layout], data))
            prepared.append(prepare_record(trial, data, path.name, info.filename, today))
    return prepared


def write_alone(store: TrialStore, records: list[PreparedRecord]) -> float:
    """Records per second of `store_batch` alone, batch after batch, in one process."""
    started = time.perf_counter()
    for start in range(0, len(records), BATCH):
        store.store_batch(records[start : start + BATCH])
    return len(records) / (time.perf_counter() - started)


def _run_load(db: str, index: Path, zip_path: Path) -> dict[str, Any]:
    run = run_sampled(
        trialscout("--db", db, "--index", str(index), "load", "--quiet", "--no-criteria", str(zip_path))
    )
    stages = parse_output(run.stdout, ("load", "index"))
    (loaded, load_s), (indexed, index_s) = stages["load"], stages["index"]
    return {
        "load_rate": loaded / load_s,
        "index_rate": indexed / index_s,
        "seconds": run.seconds,
        "peak": run.peak_mib,
    }


def measure(layout: Layout, trials: int, rounds: int, server: PostgresServer) -> dict[str, Any]:
    zip_path = download_zip(layout, trials)
    records = prepared_records(zip_path, layout)
    command: dict[str, list[dict[str, Any]]] = {"sqlite": [], "postgres": []}
    alone: dict[str, list[float]] = {"sqlite": [], "postgres": []}
    for round_ in range(rounds):
        order = ["sqlite", "postgres"] if round_ % 2 == 0 else ["postgres", "sqlite"]
        for kind in order:
            with tempfile.TemporaryDirectory(dir=WORK) as scratch:
                folder = Path(scratch)
                url = server.database() if kind == "postgres" else ""
                try:
                    db = url or str(folder / "bench.db")
                    command[kind].append(_run_load(db, folder / "index", zip_path))
                    alone_url = server.database() if kind == "postgres" else ""
                    try:
                        store: TrialStore = (
                            PostgresStore(alone_url, index_folder=folder / "index-alone")
                            if alone_url
                            else SQLiteStore(folder / "alone.db")
                        )
                        with store:
                            alone[kind].append(write_alone(store, records))
                    finally:
                        if alone_url:
                            server.drop(alone_url)
                finally:
                    if url:
                        server.drop(url)
            print(
                f"{layout} round {round_ + 1} {kind}: load {command[kind][-1]['load_rate']:,.0f}/s,"
                f" writer alone {alone[kind][-1]:,.0f}/s",
                file=sys.stderr,
            )
    summary: dict[str, Any] = {
        "layout": layout,
        "zip": zip_path.name,
        "trials": len(records),
        "rounds": rounds,
    }
    for kind in command:
        summary[kind] = {
            key: median([r[key] for r in command[kind]])
            for key in ("load_rate", "index_rate", "seconds", "peak")
        } | {"alone": median(alone[kind])}
    return summary


def page(results: list[dict[str, Any]], version: str) -> str:
    lines = [
        f"Target (issue 17): loading into PostgreSQL at least {TARGET_SHARE:.0%} of the SQLite load rate",
        "on the same records.",
        "",
        f"Server: PostgreSQL {version} (Debian's package), started by the benchmark in a temporary",
        "folder on the same 2 cores, durable as deployed (fsync and synchronous commit on), with",
        ", ".join(f"{k} = {v}" for k, v in SETTINGS.items()) + " (for bulk loading); the client is",
        "psycopg 3 (COPY for new trials and their rows). SQLite: the store as `trialscout load`",
        "makes it (WAL). Records: synthetic registry downloads made from the real records of",
        "../shared/data (`benchmarks/corpus.py`). Each round loads into a fresh store of each kind",
        "in turn, the order rotated; medians over rounds.",
        "",
        "*Load*: `trialscout --db <store> load --quiet --no-criteria <zip>` as a fresh process (read,",
        "parse and prepare in worker processes, store); its load stage's rate as it prints it.",
        "*Writer alone*: `store_batch` of the same prepared records, batches of 500, in one process",
        "(the store's own writing, without parsing). *Index*: the search index built from the store",
        "after the load (the same code reading each store). *Peak RSS*: the trialscout command and its",
        "workers, summed; the PostgreSQL server's own processes are not counted.",
        "",
        "| records | trials | rounds | store | load (records/s) | share of SQLite | writer alone"
        " (records/s) | share of SQLite | index (trials/s) | load command (s) | peak RSS (MiB) |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for r in results:
        base = r["sqlite"]
        for kind, name in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
            m = r[kind]
            share = m["load_rate"] / base["load_rate"]
            alone_share = m["alone"] / base["alone"]
            lines.append(
                f"| {r['zip']} | {r['trials']:,} | {r['rounds']} | {name} | {m['load_rate']:,.0f}"
                f" | {share:.0%} | {m['alone']:,.0f} | {alone_share:.0%} | {m['index_rate']:,.0f}"
                f" | {m['seconds']:,.1f} | {m['peak']:,.0f} |"
            )
        share = r["postgres"]["load_rate"] / base["load_rate"]
        verdicts.append(f"{r['layout']}: {share:.0%} ({'meets' if share >= TARGET_SHARE else '**misses**'})")
    lines += [
        "",
        "PostgreSQL's load rate as a share of SQLite's, against the target: " + "; ".join(verdicts) + ".",
        "",
        "At registry scale (580,000 trials, one load each) and serving (requests/s and p95 of search",
        "and trial pages with 1, 2 and 4 workers on both stores): [postgres-api.md](postgres-api.md),",
        "`python -m benchmarks.postgres_api --zip benchmarks/.work/registry-xml-580000.zip`.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.postgres", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--trials", type=int, default=20_000, help="trials in each download zip (default 20,000)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds per store, interleaved (default 3)")
    parser.add_argument("--format", choices=["v2", "xml", "both"], default="both")
    parser.add_argument("--no-page", action="store_true", help="print the page; do not write docs/")
    args = parser.parse_args(argv)
    layouts: list[Layout] = (
        ["xml", "v2"] if args.format == "both" else ["xml" if args.format == "xml" else "v2"]
    )
    WORK.mkdir(parents=True, exist_ok=True)
    server = PostgresServer(durable=True, settings=SETTINGS)
    try:
        version = server.version()
        results = [measure(layout, args.trials, args.rounds, server) for layout in layouts]
    finally:
        server.stop()
    body = page(results, version)
    if args.no_page:
        print(body)
    else:
        print(write_page("postgres", "PostgreSQL beside SQLite", body).read_text())


if __name__ == "__main__":
    main(sys.argv[1:])
