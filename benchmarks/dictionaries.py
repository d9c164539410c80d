"""Do the store's zstd dictionaries only fit the records they were trained on? A held-out check.

The shipped dictionaries (src/trialscout/store/dictionaries/) were trained on samples of the
real records of ../shared/data, the same records the store's bytes per trial are measured on.
Here each kind's records (the normalised trial record, the original API v2 JSON, the original
legacy XML) are shuffled with a fixed seed and halved; a fresh dictionary is trained, as
scripts/train_dictionaries.py trains (64 KiB, up to 2,000 samples), on the first half only, and
both it and the shipped one compress the second half at the store's level. If the shipped
dictionary were fitted to those very records, it would beat the held-out one by a wide margin.
Baseline in the same run: the same level with no dictionary.

    python -m benchmarks.dictionaries      # writes docs/benchmarks/dictionaries.md
"""

from __future__ import annotations

import random
import sqlite3

import zstandard

from benchmarks.common import write_page
from benchmarks.corpus import real_store
from trialscout.store.records import _ZSTD_DICT_LEVEL, _dictionary, decompress, record_json

SIZE = 64 * 1024
SAMPLES = 2_000
SEED = 7


def _records() -> dict[str, list[bytes]]:
    conn = sqlite3.connect(f"file:{real_store()}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT record, raw, source_format FROM trials ORDER BY nct_id").fetchall()
    finally:
        conn.close()
    kinds: dict[str, list[bytes]] = {"record": [], "raw-json": [], "raw-xml": []}
    for record, raw, source_format in rows:
        kinds["record"].append(record_json(record))
        kinds["raw-xml" if "xml" in source_format else "raw-json"].append(decompress(raw))
    return kinds


def _mean_size(compressor: zstandard.ZstdCompressor, records: list[bytes]) -> float:
    return sum(len(compressor.compress(r)) for r in records) / len(records)


def main() -> None:
    rows = []
    gaps = []
    for kind, records in _records().items():
        shuffled = list(records)
        rng = random.Random(SEED)
        rng.shuffle(shuffled)
        half = len(shuffled) // 2
        train, test = shuffled[:half], shuffled[half:]
        fresh = zstandard.train_dictionary(SIZE, rng.sample(train, min(SAMPLES, len(train))))
        shipped = _mean_size(
            zstandard.ZstdCompressor(level=_ZSTD_DICT_LEVEL, dict_data=_dictionary(kind)), test
        )
        held_out = _mean_size(zstandard.ZstdCompressor(level=_ZSTD_DICT_LEVEL, dict_data=fresh), test)
        plain = _mean_size(zstandard.ZstdCompressor(level=_ZSTD_DICT_LEVEL), test)
        raw = sum(map(len, test)) / len(test)
        gaps.append(held_out / shipped - 1)
        rows.append(
            f"| {kind} | {len(test):,} | {raw:,.0f} | {shipped:,.0f} | {held_out:,.0f}"
            f" ({held_out / shipped - 1:+.1%}) | {plain:,.0f} |"
        )
    body = "\n".join(
        [
            "Data: the real records of ../shared/data as benchmarks/.work/real.db holds them, each kind",
            f"shuffled (seed {SEED}) and halved; the second half is compressed (zstd level"
            f" {_ZSTD_DICT_LEVEL}, the store's level with a dictionary) with the shipped dictionary and with"
            " one trained on the",
            "first half only. Mean bytes per record.",
            "",
            "| kind | held-out records | uncompressed | shipped dictionary | trained on the other half only"
            " | no dictionary (baseline) |",
            "|---|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"A dictionary that never saw the records makes them at most {max(gaps):.1%} larger than the"
            " shipped one does"
            + (
                ": the store's bytes per trial are not an artefact of training on the measured records."
                if max(gaps) < 0.05
                else ": the store's bytes per trial flatter it; expect that much more on other records."
            ),
        ]
    )
    print(
        write_page("dictionaries", "zstd dictionaries on records they were not trained on", body).read_text()
    )


if __name__ == "__main__":
    main()
