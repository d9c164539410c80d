"""Many threads reading one store at once (an API server's request threads) each get exactly
the record the store holds: the zstd decompressor behind `raw_record` is not shared."""

from __future__ import annotations

import concurrent.futures
import hashlib
from pathlib import Path

from trialscout.services.registry import open_registry
from trialscout.store.load import LoadReport


def test_concurrent_raw_record_reads_are_each_whole(full_load: tuple[Path, LoadReport]) -> None:
    db, _ = full_load
    with open_registry(db) as registry:
        store = registry.store
        ids = store.nct_ids()[:300]
        expected = {nct: hashlib.sha256(store.raw_record(nct)[1]).hexdigest() for nct in ids}

        def read(nct: str) -> tuple[str, str]:
            return nct, hashlib.sha256(store.raw_record(nct)[1]).hexdigest()

        with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
            for _ in range(4):
                wrong = [nct for nct, digest in pool.map(read, ids) if digest != expected[nct]]
                assert not wrong, f"{len(wrong)} records came back corrupted, e.g. {wrong[:3]}"
