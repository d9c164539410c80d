"""Malformed and hostile inputs: each bad record is reported (file, record, reason) and skipped,
the good ones are stored, and nothing crashes, hangs or fills memory.

Every input is made here from a real record of ../shared/data, then damaged.
"""

from __future__ import annotations

import copy
import json
import os
import struct
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NSCLC, XML_SLICE
from trialscout.sources import files
from trialscout.sources.files import MAX_JSON_DEPTH, MAX_RECORD_BYTES, Rejection, iter_source
from trialscout.sources.values import coordinates
from trialscout.store.load import LoadReport, load_paths
from trialscout.store.sqlite import SQLiteStore

STUDIES: list[dict[str, Any]] = json.loads(NSCLC.read_text())


def _xml_records(n: int) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(XML_SLICE) as archive:
        names = [i.filename for i in archive.infolist() if i.filename.endswith(".xml")][:n]
        return [(name, archive.read(name)) for name in names]


def _nct(study: dict[str, Any]) -> str:
    return str(study["protocolSection"]["identificationModule"]["nctId"])


def _load(store: SQLiteStore, *paths: Path, workers: int = 0) -> LoadReport:
    return load_paths(store, paths, workers=workers)


def _only(report: LoadReport) -> Rejection:
    assert len(report.rejected) == 1, report.rejected
    return report.rejected[0]


# --- damaged zip members -------------------------------------------------------------------


def _central_entry(data: bytes, archive: zipfile.ZipFile, name: str) -> int:
    """Where the central directory entry of ``name`` starts."""
    position = archive.start_dir
    for info in archive.infolist():
        if info.filename == name:
            return position
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[position + 28 : position + 34])
        position += 46 + name_len + extra_len + comment_len
    raise KeyError(name)


def damage(path: Path, name: str, how: str) -> None:
    """Damage one member of a zip as a bad download or a foreign tool would."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
        central = _central_entry(bytes(data), archive, name)
    local = info.header_offset
    name_len, extra_len = struct.unpack("<HH", data[local + 26 : local + 30])
    start = local + 30 + name_len + extra_len
    if how == "corrupt":  # flipped bytes in the deflated data
        for i in range(start + 10, start + 60):
            data[i] ^= 0xFF
    elif how == "encrypted":  # general purpose flag bit 0: encrypted
        data[local + 6] |= 0x1
        data[central + 8] |= 0x1
    elif how == "method":  # compression method 99 (AES), which Python does not read
        struct.pack_into("<H", data, local + 8, 99)
        struct.pack_into("<H", data, central + 10, 99)
    elif how == "lying size":  # declares far fewer bytes than it holds, as a zip bomb can
        struct.pack_into("<I", data, central + 24, 100)
        struct.pack_into("<I", data, local + 22, 100)
    else:
        raise ValueError(how)
    path.write_bytes(bytes(data))


REASONS = {
    "corrupt": "the archive member is damaged",
    "encrypted": "the archive member is encrypted",
    "method": "compressed with method 99, which trialscout cannot read",
    "lying size": "the archive member is damaged",
}


@pytest.mark.parametrize("how", sorted(REASONS))
def test_a_damaged_json_member_is_reported_and_the_rest_of_the_zip_loads(
    tmp_path: Path, store: SQLiteStore, how: str
) -> None:
    path = tmp_path / "studies.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, study in enumerate(STUDIES[:5]):
            archive.writestr(f"study{n}.json", json.dumps(study))
    damage(path, "study2.json", how)
    report = _load(store, path)
    assert report.stored == 4
    assert not store.has(_nct(STUDIES[2]))
    rejected = _only(report)
    assert (rejected.file, rejected.record) == (str(path), "study2.json")
    assert REASONS[how] in rejected.reason


@pytest.mark.parametrize("how", sorted(REASONS))
def test_a_damaged_xml_member_is_reported_and_the_rest_of_the_zip_loads(
    tmp_path: Path, store: SQLiteStore, how: str
) -> None:
    path = tmp_path / "AllPublicXML.zip"
    records = _xml_records(5)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in records:
            archive.writestr(name, data)
    damage(path, records[2][0], how)
    report = _load(store, path)
    assert report.stored == 4
    rejected = _only(report)
    assert (rejected.file, rejected.record) == (str(path), records[2][0])
    assert REASONS[how] in rejected.reason


def test_damaged_members_read_in_worker_processes_are_reported_too(
    tmp_path: Path, store: SQLiteStore
) -> None:
    """The first few hundred records are read in this process, the rest in workers: a damaged
    member is a rejection in both."""
    path = tmp_path / "AllPublicXML.zip"
    records = _xml_records(660)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in records:
            archive.writestr(name, data)
    damaged = {records[3][0]: "corrupt", records[640][0]: "corrupt"}
    damaged |= {records[645][0]: "encrypted", records[650][0]: "method"}
    for name, how in damaged.items():
        damage(path, name, how)
    report = _load(store, path, workers=2)
    assert report.stored == len(records) - len(damaged)
    assert {r.record: r.reason for r in report.rejected}.keys() == damaged.keys()
    for r in report.rejected:
        assert r.file == str(path)
        assert REASONS[damaged[r.record]] in r.reason


def test_a_member_declared_larger_than_the_bound_is_not_read(
    tmp_path: Path, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "AllPublicXML.zip"
    records = _xml_records(3)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in records:
            archive.writestr(name, data)
        archive.writestr("NCT9/NCT99999999.xml", records[0][1] + b" " * 20_000)
    limit = max(len(data) for _, data in records) + 1_000
    monkeypatch.setattr(files, "MAX_RECORD_BYTES", limit)
    report = _load(store, path)
    assert report.stored == 3
    rejected = _only(report)
    assert rejected.record == "NCT9/NCT99999999.xml"
    assert "uncompressed, over the" in rejected.reason


# --- resource bounds -----------------------------------------------------------------------


def test_deeply_nested_json_is_rejected_without_filling_memory(tmp_path: Path, store: SQLiteStore) -> None:
    (tmp_path / "nested.json").write_text("[" * 100_000)
    (tmp_path / "nested-object.json").write_text('{"a": ' * 100_000)
    (tmp_path / "nested.jsonl").write_text("[" * 100_000 + "\n")
    (tmp_path / "study.json").write_text(json.dumps(STUDIES[0]))
    report = _load(store, tmp_path)
    assert report.stored == 1
    reasons = {Path(r.file).name: r.reason for r in report.rejected}
    assert reasons.keys() == {"nested.json", "nested-object.json", "nested.jsonl"}
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in reasons["nested.json"]
    assert reasons["nested-object.json"].startswith("malformed JSON")
    assert reasons["nested.jsonl"].startswith("malformed JSON")


def test_nesting_within_the_bound_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "corpus.json"
    path.write_text("[" * 10 + "]" * 10)
    (reason,) = [r.reason for r in iter_source([path]) if isinstance(r, Rejection)]
    assert reason.startswith("not API v2 studies")


def _huge(study: dict[str, Any]) -> dict[str, Any]:
    big = copy.deepcopy(study)
    big["protocolSection"]["descriptionModule"]["detailedDescription"] = "x" * (MAX_RECORD_BYTES + 1)
    return big


def test_a_study_over_the_record_bound_is_rejected_and_the_array_goes_on(
    tmp_path: Path, store: SQLiteStore
) -> None:
    path = tmp_path / "ctg-studies.json"
    studies = [STUDIES[0], _huge(STUDIES[1]), STUDIES[2]]
    path.write_text(json.dumps(studies, indent=2))
    report = _load(store, path)
    assert report.stored == 2
    rejected = _only(report)
    assert rejected.record == f"[1] {_nct(STUDIES[1])}"
    assert "larger than 32 MiB" in rejected.reason
    assert store.has(_nct(STUDIES[2]))


def test_records_over_the_bound_in_json_lines_and_single_files_are_rejected(
    tmp_path: Path, store: SQLiteStore
) -> None:
    huge = json.dumps(_huge(STUDIES[1]))
    (tmp_path / "studies.jsonl").write_text("\n".join([json.dumps(STUDIES[0]), huge, json.dumps(STUDIES[2])]))
    (tmp_path / "one.json").write_text(huge)
    report = _load(store, tmp_path)
    assert report.stored == 2
    reasons = {(Path(r.file).name, r.record): r.reason for r in report.rejected}
    assert reasons.keys() == {("studies.jsonl", "line 2"), ("one.json", _nct(STUDIES[1]))}
    assert all("larger than 32 MiB" in reason for reason in reasons.values())


def _load_with_deadline(store: SQLiteStore, *paths: Path) -> LoadReport:
    """Load, failing (instead of hanging the test run) if the load does not end."""
    result: list[LoadReport] = []
    worker = threading.Thread(target=lambda: result.append(_load(store, *paths)), daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert result, "the load did not end"
    return result[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_reported_not_read_in_a_folder_or_named(tmp_path: Path) -> None:
    folder = tmp_path / "download"
    folder.mkdir()
    (folder / "study.json").write_text(json.dumps(STUDIES[0]))
    os.mkfifo(folder / "pipe.json")
    os.mkfifo(tmp_path / "named.json")
    with SQLiteStore(tmp_path / "fifo.db") as store:
        report = _load_with_deadline(store, folder, tmp_path / "named.json")
    assert report.stored == 1
    reasons = {Path(r.file).name: r.reason for r in report.rejected}
    assert reasons.keys() == {"pipe.json", "named.json"}
    assert all(r.startswith("not a regular file: it is a FIFO") for r in reasons.values())


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_named_on_the_command_line_is_not_read(tmp_path: Path, store: SQLiteStore) -> None:
    study = tmp_path / "study.json"
    study.write_text(json.dumps(STUDIES[0]))
    report = _load(store, Path("/dev/zero"), study)
    assert report.stored == 1
    rejected = _only(report)
    assert rejected.file == "/dev/zero"
    assert rejected.reason.startswith("not a regular file: it is a character device")


# --- wrong data ----------------------------------------------------------------------------


def test_coordinates_off_the_globe_are_unknown() -> None:
    assert coordinates(35.68, 139.69) == (35.68, 139.69)
    assert coordinates(-90.0, 180.0) == (-90.0, 180.0)
    assert coordinates(500.0, -999.0) == (None, None)
    assert coordinates(45.0, -999.0) == (None, None)
    assert coordinates(91.0, 10.0) == (None, None)
    assert coordinates(float("nan"), 10.0) == (None, None)
    assert coordinates(None, 10.0) == (None, None)


def _locations(study: dict[str, Any]) -> list[dict[str, Any]]:
    module = study["protocolSection"].get("contactsLocationsModule", {})
    return list(module.get("locations", []))


def test_a_site_off_the_globe_is_stored_without_coordinates(tmp_path: Path, store: SQLiteStore) -> None:
    study = copy.deepcopy(next(s for s in STUDIES if len(_locations(s)) > 1))
    locations = _locations(study)
    good = locations[1].get("geoPoint")
    locations[0]["geoPoint"] = {"lat": 500, "lon": -999}
    path = tmp_path / "study.json"
    path.write_text(json.dumps(study))
    report = _load(store, path)
    assert report.stored == 1
    trial = store.trial(_nct(study))
    first, second = trial.locations[0], trial.locations[1]
    assert (first.latitude, first.longitude) == (None, None)
    assert first.city == locations[0].get("city")  # placed by its city and ZIP instead
    if good:
        assert (second.latitude, second.longitude) == (good["lat"], good["lon"])


def _xml_with_title(title: bytes) -> bytes:
    _, data = _xml_records(1)[0]
    start = data.index(b"<brief_title>") + len(b"<brief_title>")
    end = data.index(b"</brief_title>")
    data = data[:start] + title + data[end:]
    declaration_end = data.index(b"?>") + 2 if data.startswith(b"<?xml") else 0
    doctype = b'\n<!DOCTYPE clinical_study SYSTEM "clinical_study.dtd">'
    return data[:declaration_end] + doctype + data[declaration_end:]


def test_an_unresolved_xml_entity_is_kept_as_written(tmp_path: Path, store: SQLiteStore) -> None:
    path = tmp_path / "NCT.xml"
    path.write_bytes(_xml_with_title(b"Study of &unknown; in Adults &amp; Children <!-- c -->(PHASE)"))
    report = _load(store, path)
    assert report.stored == 1, report.rejected
    (nct,) = store.nct_ids()
    trial = store.trial(nct)
    assert trial.brief_title == "Study of &unknown; in Adults & Children (PHASE)"


@pytest.mark.parametrize("shape", ["study", "array", "page", "lines"])
def test_json_with_a_utf8_byte_order_mark_loads(tmp_path: Path, store: SQLiteStore, shape: str) -> None:
    study = STUDIES[0]
    text = {
        "study": json.dumps(study),
        "array": json.dumps([study]),
        "page": json.dumps({"studies": [study]}),
        "lines": json.dumps(study) + "\n",
    }[shape]
    path = tmp_path / ("studies.jsonl" if shape == "lines" else "studies.json")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    report = _load(store, path)
    assert report.rejected == []
    assert report.stored == 1
