"""Train the zstd dictionaries the store compresses its blobs with (src/trialscout/store/dictionaries/).

Small records compress poorly alone: most of an API v2 record is the same keys and boilerplate
as every other. A dictionary trained on real records holds those once, so each stored blob
keeps only what is its own (about 40% smaller for trial records, see docs/benchmarks/registry.md).
Four dictionaries, one per kind of blob: the normalised trial record, the original record as
API v2 JSON and as legacy XML, and a trial's parsed criteria.

Trained from the store of every real record in ../shared/data (benchmarks/.work/real.db, built by
`python -m benchmarks.corpus` if missing), 2,000 samples of each kind drawn with a fixed seed.
A dictionary, once shipped, must never change under the same ID: stored blobs name the ID they
need. Retrain only with new IDs, keeping the old files.

    python scripts/train_dictionaries.py
"""

from __future__ import annotations

import random
import sqlite3
import sys
from pathlib import Path

import zstandard

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import real_store  # noqa: E402
from trialscout.store.records import DICTIONARY_FOLDER, DICTIONARY_IDS  # noqa: E402

SIZE = 64 * 1024
SAMPLES = 2000


def main() -> None:
    db = real_store()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    plain = zstandard.ZstdDecompressor()
    samples: dict[str, list[bytes]] = {kind: [] for kind in DICTIONARY_IDS}
    for record, source_format, raw in conn.execute("SELECT record, source_format, raw FROM trials"):
        samples["record"].append(record.encode() if isinstance(record, str) else plain.decompress(record))
        kind = "raw-xml" if source_format == "ctgov-legacy-xml" else "raw-json"
        samples[kind].append(plain.decompress(raw))
    from trialscout.eligibility.model import PARSER_VERSION
    from trialscout.store.criteria_rows import criteria_json
    from trialscout.store.sqlite import SQLiteStore

    with SQLiteStore(db, read_only=True) as store:
        for nct_id in store.nct_ids():
            parsed = store.stored_criteria(nct_id, PARSER_VERSION)
            if parsed is not None and parsed.criteria:
                samples["criteria"].append(criteria_json(parsed.criteria))
    DICTIONARY_FOLDER.mkdir(parents=True, exist_ok=True)
    rng = random.Random(16)
    for kind, dict_id in DICTIONARY_IDS.items():
        pool = samples[kind]
        chosen: list[bytes | bytearray | memoryview[int]] = list(rng.sample(pool, min(SAMPLES, len(pool))))
        trained = zstandard.train_dictionary(SIZE, chosen, dict_id=dict_id, level=3)
        path = DICTIONARY_FOLDER / f"{kind}.zdict"
        path.write_bytes(trained.as_bytes())
        size = len(trained.as_bytes())
        print(f"{path.relative_to(ROOT)}: {size:,} bytes from {len(chosen):,} of {len(pool):,} samples")


if __name__ == "__main__":
    main()
