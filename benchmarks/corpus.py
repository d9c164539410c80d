"""A registry-sized store for the scale benchmarks, built from the real records.

No registry-sized corpus is available offline, so this copies every real trial of a loaded
store N times under clearly synthetic NCT IDs (`NCT9` + 7 digits; real IDs are below
NCT08000000), with their sites, conditions and interventions. The copies keep the real text,
dates, statuses and sites; the original-record column (`raw`) is left empty to save disk, and
nothing else differs. Every figure measured on it says so.

`fill_raw` puts the originals' records into that column afterwards, for the benchmarks that
serve stored records (the API's `/api/v2/studies`): each copy then holds its original's record
byte for byte, so the NCT ID inside that record is the original's, not the copy's.

`xml_download_zip` and `v2_download_zip` write the registry's own download formats at any size
(default 580,000 trials, the whole registry) from the same real records, for `benchmarks.registry`:
the AllPublicXML layout (`NCT9000xxxx/NCT90000001.xml`) of the real legacy XML records, and the
`ctg-studies.json` layout (`NCT90000001.json`, one API v2 study per file) of every real trial,
the API v2 records as the registry served them and the legacy XML ones converted to API v2 by
`trialscout.sources.v2_shape.study_json` (what `/api/v2/studies` serves for them). In both the
NCT ID is rewritten inside the record (every occurrence) and in the member's name.

    python -m benchmarks.corpus                 # builds benchmarks/.work/synthetic-400k.db
    python -m benchmarks.corpus 580000          # ... or a store of another size
    python -m benchmarks.corpus fill-raw        # fills the 400k store's raw column from real.db
    python -m benchmarks.corpus zip xml 580000  # benchmarks/.work/registry-xml-580000.zip
    python -m benchmarks.corpus zip v2 580000   # benchmarks/.work/registry-v2-580000.zip
"""

from __future__ import annotations

import sqlite3
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

from benchmarks.common import DATA, WORK
from trialscout.model.enums import SourceFormat
from trialscout.search.index import published
from trialscout.services.ingest import load_files, update_index
from trialscout.sources.v2_shape import study_json
from trialscout.store.records import compress, record_json
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


def _retag(record: str | bytes, old: str, new: str) -> bytes:
    """A stored record (a compressed blob since store migration 6, text before) under a new NCT
    ID: SQL's replace() would look for the ID inside the compressed bytes and miss it."""
    return compress(record_json(record).replace(old.encode(), new.encode()), "record")


def synthetic_store(target_trials: int = 400_000) -> Path:
    """The real store copied under synthetic IDs until it holds at least ``target_trials``."""
    source = real_store()
    db = WORK / f"synthetic-{target_trials // 1000}k.db"
    if db.exists() and published(db.parent / (db.name + ".index")) is not None:
        return db
    partial = db.with_suffix(".partial")
    for leftover in WORK.glob(partial.name + "*"):
        leftover.unlink()
    SQLiteStore(partial).close()  # the schema, via the store's own migrations
    conn = sqlite3.connect(partial, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    conn.create_function("retag", 3, _retag, deterministic=True)
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
                values.append(f"retag(t.record, t.nct_id, {new_id})")
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


Layout = Literal["xml", "v2"]
REGISTRY_TRIALS = 580_000
_BATCH = 500


def real_xml_records(db: Path | None = None) -> Iterator[tuple[str, bytes]]:
    """(NCT ID, original bytes) of every trial a store (default: the real one) holds as legacy
    XML, by NCT ID."""
    with SQLiteStore(db or real_store(), read_only=True) as store:
        ids = store.nct_ids()
        for start in range(0, len(ids), _BATCH):
            chunk = ids[start : start + _BATCH]
            raws = store.raw_records(chunk)
            for nct_id in chunk:
                source, data = raws[nct_id]
                if source is SourceFormat.CTGOV_LEGACY_XML:
                    yield nct_id, data


def real_v2_records(db: Path | None = None) -> Iterator[tuple[str, bytes]]:
    """(NCT ID, API v2 study bytes) of every trial of a store (default: the real one), by NCT
    ID: the registry's own API v2 bytes where the store holds them, else the trial converted by
    `study_json`."""
    with SQLiteStore(db or real_store(), read_only=True) as store:
        ids = store.nct_ids()
        for start in range(0, len(ids), _BATCH):
            chunk = ids[start : start + _BATCH]
            raws = store.raw_records(chunk)
            trials = store.trials([n for n in chunk if raws[n][0] is not SourceFormat.CTGOV_API_V2_JSON])
            for nct_id in chunk:
                source, data = raws[nct_id]
                yield nct_id, data if source is SourceFormat.CTGOV_API_V2_JSON else study_json(trials[nct_id])


def xml_download_zip(trials: int = REGISTRY_TRIALS) -> Path:
    """The AllPublicXML layout of ``trials`` copies of the real legacy XML records (cached)."""
    return _download_zip("xml", trials)


def v2_download_zip(trials: int = REGISTRY_TRIALS) -> Path:
    """The ctg-studies.json layout of ``trials`` copies of every real trial in API v2 (cached)."""
    return _download_zip("v2", trials)


def download_zip(layout: Layout, trials: int = REGISTRY_TRIALS) -> Path:
    return _download_zip(layout, trials)


def _download_zip(layout: Layout, trials: int) -> Path:
    out = WORK / f"registry-{layout}-{trials}.zip"
    if out.exists():
        return out
    originals: Callable[[], Iterator[tuple[str, bytes]]] = (
        real_xml_records if layout == "xml" else real_v2_records
    )
    partial = out.with_suffix(".partial")
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    written = write_download_zip(partial, originals, trials, layout)
    partial.rename(out)
    print(
        f"{out.name}: {written:,} trials, {out.stat().st_size / 1e6:,.0f} MB "
        f"({out.stat().st_size / written / 1024:,.1f} KiB/trial) in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return out


def write_download_zip(
    out: Path, originals: Callable[[], Iterator[tuple[str, bytes]]], trials: int, layout: Layout
) -> int:
    """Write ``trials`` records into a zip at ``out``, copy-major: every original in turn under
    the next synthetic NCT ID (`NCT9` + 7 digits), then all again, streaming (one record in
    memory at a time). Returns the records written."""
    if trials >= 10_000_000:
        raise ValueError("synthetic NCT IDs have 7 digits after NCT9: at most 9,999,999 trials")
    n = 0
    folder = ""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        while n < trials:
            before = n
            for nct_id, data in originals():
                if n >= trials:
                    break
                new_id = f"NCT9{n:07d}"
                record = data.replace(nct_id.encode(), new_id.encode())
                if layout == "xml":
                    if new_id[:7] != folder[:7]:
                        folder = f"{new_id[:7]}xxxx/"
                        archive.writestr(zipfile.ZipInfo(folder, _STAMP), b"")
                    name = f"{folder}{new_id}.xml"
                else:
                    name = f"{new_id}.json"
                info = zipfile.ZipInfo(name, _STAMP)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, record)
                n += 1
            if n == before:
                raise RuntimeError(f"no real {layout} records to copy")
    return n


_STAMP = (2026, 1, 1, 0, 0, 0)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args == ["fill-raw"]:
        print(fill_raw(synthetic_store()))
    elif args[:1] == ["zip"] and len(args) in (2, 3) and args[1] in ("xml", "v2"):
        layout: Layout = "xml" if args[1] == "xml" else "v2"
        print(download_zip(layout, int(args[2]) if len(args) == 3 else REGISTRY_TRIALS))
    elif len(args) == 1 and args[0].isdigit():
        print(synthetic_store(int(args[0])))
    elif not args:
        print(synthetic_store())
    else:
        sys.exit(__doc__)
