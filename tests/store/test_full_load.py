"""Loading everything under ../shared/data stores every registry record and reports the rest."""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from pathlib import Path

from tests.conftest import DATA, REGISTRY_INPUTS
from trialscout.store.load import LoadReport
from trialscout.store.records import record_json
from trialscout.store.sqlite import SQLiteStore

_NCT = re.compile(rb"<nct_id>\s*(NCT\d{8})\s*</nct_id>")


def registry_ids() -> set[str]:
    """The NCT IDs of every registry-format record, found without trialscout's readers."""
    ids: set[str] = set()

    def xml(data: bytes) -> None:
        if b"<clinical_study" in data[:2000] and (m := _NCT.search(data)):
            ids.add(m.group(1).decode())

    for root in REGISTRY_INPUTS:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as z:
                    for name in z.namelist():
                        if name.endswith(".xml"):
                            xml(z.read(name))
            elif path.suffix == ".xml":
                xml(path.read_bytes())
            elif path.suffix == ".json":
                data = json.loads(path.read_bytes())
                for study in data if isinstance(data, list) else [data]:
                    if isinstance(study, dict) and "protocolSection" in study:
                        ids.add(study["protocolSection"]["identificationModule"]["nctId"])
    return ids


def test_every_registry_record_is_stored(full_load: tuple[Path, LoadReport], registry: SQLiteStore) -> None:
    expected = registry_ids()
    assert len(expected) >= 7223
    assert set(registry.nct_ids()) == expected


def test_the_load_reports_what_it_did_not_store(full_load: tuple[Path, LoadReport]) -> None:
    _, report = full_load
    classic = [r for r in report.rejected if "json_classic_api" in r.file]
    assert len(classic) == 6
    assert all("retired classic ClinicalTrials.gov API JSON" in r.reason for r in classic)
    # The RSS search feeds among the XML fixtures are not studies either.
    assert {Path(r.file).name for r in report.rejected if "<rss>" in r.reason} == {
        "covid_search.xml",
        "empty_search.xml",
    }
    # Every report row names the file, the record and a reason.
    assert all(r.file and r.record and r.reason for r in report.rejected)
    # The benchmarks' own corpora are not registry records: reported, not stored.
    assert any(str(DATA / "sigir-trialgpt-format") in r.file for r in report.rejected)
    assert report.new == len(registry_ids())


def test_the_store_is_sound_and_sites_match_the_records(registry: SQLiteStore) -> None:
    assert registry.integrity_problems() == []
    conn = sqlite3.connect(registry.path)
    sites = conn.execute("SELECT count(*) FROM sites").fetchone()[0]
    listed = sum(
        len(json.loads(record_json(r))["locations"]) for (r,) in conn.execute("SELECT record FROM trials")
    )
    assert sites == listed > 80_000
    with_coordinates = conn.execute("SELECT count(*) FROM sites WHERE latitude IS NOT NULL").fetchone()[0]
    # Every geoPoint of the stored API v2 records, read from the kept original, is a site's coordinates.
    geo_points = 0
    for nct in registry.nct_ids():
        fmt, raw = registry.raw_record(nct)
        if fmt.value == "ctgov-api-v2-json":
            study = json.loads(raw)
            locations = study["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])
            geo_points += sum("geoPoint" in loc for loc in locations)
    assert with_coordinates == geo_points > 3000
