"""A registry-sized store for the scale benchmarks, built from the real records.

No registry-sized corpus is available offline, so this copies every real trial of a loaded
store N times under clearly synthetic NCT IDs (`NCT9` + 7 digits; real IDs are below
NCT08000000), with their sites, conditions and interventions. The copies keep the real text,
dates, statuses and sites; the original-record column (`raw`) is left empty to save disk, and
nothing else differs. Every figure measured on it says so.

`fill_raw` puts the originals' records into that column afterwards, for the benchmarks that
serve stored records (the API's `/api/v2/studies`): each copy then holds its original's record
byte for byte, so the NCT ID inside that record is the original's, not the copy's.

    python -m benchmarks.corpus            # builds benchmarks/.work/synthetic-400k.db
    python -m benchmarks.corpus fill-raw   # ... and fills its raw column from real.db
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

from benchmarks.common import DATA, WORK
from trialscout.services.ingest import load_files, update_index
from trialscout.store.sqlite import SQLiteStore

REGISTRY_INPUTS = [
    DATA / "ctgov-api-v2-exports",
    DATA / "aact-fixtures",
    DATA / "ctgov-xml-2023-slice" / "ctgov_legacy_xml_6786.zip",
    DATA / "trec2023-xml-sample" / "xml",
    DATA / "trec-pm" / "bst-mug" / "clinicaltrials-samples",
]


def real_store() -> Path:
    """Every registry-format record of ../shared/data, loaded once into benchmarks/.work/real.db."""
    db = WORK / "real.db"
    if not db.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        with SQLiteStore(db) as store:
            load_files(store, REGISTRY_INPUTS)  # as `trialscout load` does: records, index, criteria
    return db


def synthetic_store(target_trials: int = 400_000) -> Path:
    """The real store copied under synthetic IDs until it holds at least ``target_trials``."""
    source = real_store()
    db = WORK / f"synthetic-{target_trials // 1000}k.db"
    if db.exists() and (db.parent / (db.name + ".index") / "meta.json").exists():
        return db
    partial = db.with_suffix(".partial")
    for leftover in WORK.glob(partial.name + "*"):
        leftover.unlink()
    SQLiteStore(partial).close()  # the schema, via the store's own migrations
    conn = sqlite3.connect(partial, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    real = conn.execute("SELECT count(*) FROM src.trials").fetchone()[0]
    copies = -(-target_trials // real)
    conn.execute(
        "CREATE TEMP TABLE ids AS SELECT nct_id, row_number() OVER (ORDER BY nct_id) - 1 AS n FROM src.trials"
    )
    conn.execute("CREATE INDEX temp.ids_nct ON ids(nct_id)")
    columns = [r[1] for r in conn.execute("PRAGMA src.table_info(trials)")]
    started = time.perf_counter()
    for copy in range(copies):
        new_id = f"printf('NCT9%07d', {copy} * {real} + ids.n)"
        values = []
        for column in columns:
            if column == "nct_id":
                values.append(new_id)
            elif column == "record":
                values.append(f"replace(t.record, t.nct_id, {new_id})")
            elif column == "raw":
                values.append("x''")
            else:
                values.append(f"t.{column}")
        conn.execute("BEGIN")
        conn.execute(
            f"INSERT INTO trials ({', '.join(columns)}) SELECT {', '.join(values)}"
            " FROM src.trials t JOIN ids ON ids.nct_id = t.nct_id"
        )
        for table in ("sites", "conditions", "interventions", "organizations"):
            cols = [r[1] for r in conn.execute(f"PRAGMA src.table_info({table})")]
            select = ", ".join(new_id if c == "nct_id" else f"x.{c}" for c in cols)
            conn.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select}"
                f" FROM src.{table} x JOIN ids ON ids.nct_id = x.nct_id"
            )
        conn.execute("COMMIT")
        print(f"copy {copy + 1}/{copies}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    conn.execute("DETACH DATABASE src")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    partial.rename(db)
    with SQLiteStore(db) as store:  # the search index, as the writer builds it after a load
        update_index(store, rebuild=True)
    return db


def fill_raw(db: Path, batch: int = 20_000) -> int:
    """Give every copy in ``db`` whose original record is empty its original's record from the
    real store (copy ``NCT9`` + 7 digits = copy * real + n, the original being the n-th real trial
    by NCT ID). Only `raw` changes: not `change_seq`, not the index. Returns the rows filled."""
    source = real_store()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    real = conn.execute("SELECT count(*) FROM src.trials").fetchone()[0]
    conn.execute("CREATE TEMP TABLE originals (n INTEGER PRIMARY KEY, nct_id TEXT NOT NULL)")
    conn.execute(
        "INSERT INTO temp.originals SELECT row_number() OVER (ORDER BY nct_id) - 1, nct_id FROM src.trials"
    )
    last = conn.execute("SELECT coalesce(max(rowid), 0) FROM main.trials").fetchone()[0]
    filled = 0
    started = time.perf_counter()
    for low in range(0, last + 1, batch):
        conn.execute("BEGIN")
        filled += conn.execute(
            "UPDATE main.trials SET raw = (SELECT s.raw FROM src.trials s JOIN temp.originals o"
            " ON o.nct_id = s.nct_id WHERE o.n = CAST(substr(main.trials.nct_id, 5) AS INTEGER) % ?)"
            " WHERE rowid >= ? AND rowid < ? AND length(raw) = 0 AND nct_id LIKE 'NCT9%'",
            (real, low, low + batch),
        ).rowcount
        conn.execute("COMMIT")
        print(f"raw: {filled:,} rows filled, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    conn.execute("DETACH DATABASE src")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return filled


if __name__ == "__main__":
    if sys.argv[1:] == ["fill-raw"]:
        print(fill_raw(synthetic_store()))
    else:
        print(synthetic_store())
