"""The registry-scale benchmark's download zips, at a small scale: the layouts the registry
publishes, synthetic IDs inside and out, copy-major order, and that `trialscout load` reads
them back as the same trials; and that the benchmark reads what `trialscout load` prints."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import msgspec
import pytest

from benchmarks.corpus import _retag, real_v2_records, real_xml_records, write_download_zip
from benchmarks.registry import measure_once
from tests.conftest import AACT, TODAY
from trialscout.model.trial import Trial
from trialscout.store.load import load_paths
from trialscout.store.records import decode_trial
from trialscout.store.sqlite import SQLiteStore

_NCT_IN_XML = re.compile(rb"<nct_id>(NCT\d{8})</nct_id>")


@pytest.fixture(scope="module")
def source_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The AACT fixtures' real records (legacy XML and API v2), stored without index or criteria."""
    db = tmp_path_factory.mktemp("source") / "source.db"
    with SQLiteStore(db) as store:
        load_paths(store, [AACT / "xml_legacy", AACT / "json_v2"], today=TODAY, workers=0)
    return db


def _loaded(zip_path: Path, tmp_path: Path) -> dict[str, Trial]:
    with SQLiteStore(tmp_path / "loaded.db") as store:
        report = load_paths(store, [zip_path], today=TODAY, workers=0)
        assert not report.rejected
        return store.trials(store.nct_ids())


def _same_but_id(copy: Trial, original: Trial) -> bool:
    """The same trial under another ID (and, for a converted one, read from another format)."""
    return msgspec.structs.replace(copy, nct_id=original.nct_id, source=original.source) == original


def test_xml_zip_is_the_allpublicxml_layout_of_copies_under_synthetic_ids(
    source_store: Path, tmp_path: Path
) -> None:
    originals = list(real_xml_records(source_store))
    assert len(originals) > 50
    trials = 2 * len(originals) + 3  # two whole copies and the start of a third
    out = tmp_path / "xml.zip"
    assert write_download_zip(out, partial(real_xml_records, source_store), trials, "xml") == trials

    with zipfile.ZipFile(out) as archive:
        names = [i.filename for i in archive.infolist() if not i.is_dir()]
        assert names == [f"NCT9000xxxx/NCT9{n:07d}.xml" for n in range(trials)]
        for n, name in enumerate(names):
            data = archive.read(name)
            original_id, original = originals[n % len(originals)]
            assert _NCT_IN_XML.findall(data) == [name[12:23].encode()]
            assert original_id.encode() not in data
            assert data.replace(name[12:23].encode(), original_id.encode()) == original

    loaded = _loaded(out, tmp_path)
    assert len(loaded) == trials
    with SQLiteStore(source_store, read_only=True) as store:
        real = store.trials([nct for nct, _ in originals])
    assert _same_but_id(loaded["NCT90000000"], real[originals[0][0]])
    assert _same_but_id(loaded[f"NCT9{len(originals):07d}"], real[originals[0][0]])  # copy-major


def test_v2_zip_is_the_ctg_studies_layout_and_loads_as_the_same_trials(
    source_store: Path, tmp_path: Path
) -> None:
    originals = list(real_v2_records(source_store))
    with SQLiteStore(source_store, read_only=True) as store:
        real = store.trials(store.nct_ids())
        formats = {nct: store.raw_record(nct)[0].value for nct in real}
    assert len(originals) == len(real)  # every trial, whatever it was read from
    assert {"ctgov-api-v2-json", "ctgov-legacy-xml"} <= set(formats.values())
    out = tmp_path / "v2.zip"
    write_download_zip(out, partial(real_v2_records, source_store), len(originals) + 2, "v2")

    with zipfile.ZipFile(out) as archive:
        names = [i.filename for i in archive.infolist()]
    assert names == [f"NCT9{n:07d}.json" for n in range(len(originals) + 2)]

    loaded = _loaded(out, tmp_path)
    assert len(loaded) == len(originals) + 2
    differing = [
        nct
        for n, (nct, _) in enumerate(originals)
        if not _same_but_id(loaded[f"NCT9{n:07d}"], _as_converted(real[nct], formats[nct]))
    ]
    # An API v2 record (the registry's own bytes, the ID aside) loads back as the same trial, and
    # so does a legacy XML one converted to API v2, less what the converter says it leaves out.
    assert differing == []
    assert any(
        s.investigators for nct, f in formats.items() if f == "ctgov-legacy-xml" for s in real[nct].locations
    )


def _as_converted(trial: Trial, source_format: str) -> Trial:
    """The trial as `study_json` keeps it: API v2 has no place for legacy XML's site investigators."""
    if source_format != "ctgov-legacy-xml":
        return trial
    sites = tuple(msgspec.structs.replace(s, investigators=()) for s in trial.locations)
    return msgspec.structs.replace(trial, locations=sites)


def _first_twenty(source_store: Path) -> Iterator[tuple[str, bytes]]:
    yield from list(real_v2_records(source_store))[:20]


def test_benchmark_reads_each_stage_of_a_real_load(source_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "tiny.zip"
    write_download_zip(out, partial(_first_twenty, source_store), 30, "v2")
    for inline, printed in ((True, ("load", "index", "criteria")), (False, ("load", "index"))):
        result = measure_once("v2", out, work=tmp_path, inline_criteria=inline)
        stages = result["stages"]
        assert tuple(stages) == printed
        assert [stages[s]["trials"] for s in printed] == [30] * len(printed)
        assert sum(stages[s]["seconds"] for s in stages) <= result["seconds"]
        assert all(stages[s]["peak"] > 0 for s in stages)
        assert result["tables"]["trials"] > 0 and result["files"]["index"] > 0
        assert sum(result["tables"].values()) <= result["files"]["db"]
        assert not list(tmp_path.glob("registry-bench-v2.db*"))  # the store is removed after


def test_a_synthetic_copy_of_a_stored_record_carries_its_new_id(source_store: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(f"file:{source_store}?mode=ro", uri=True)
    nct_id, record = conn.execute("SELECT nct_id, record FROM trials ORDER BY nct_id LIMIT 1").fetchone()
    conn.close()
    assert isinstance(record, bytes)  # compressed since store migration 6: SQL replace() cannot see the ID
    original = decode_trial(record)
    copy = decode_trial(_retag(record, nct_id, "NCT90000001"))
    assert copy.nct_id == "NCT90000001" and original.nct_id == nct_id
    assert copy.brief_title == original.brief_title and copy.locations == original.locations
