"""The readers find every study in the forms users have, and say why they skip anything else."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.conftest import AACT, NSCLC, XML_SLICE
from trialscout.model.enums import SourceFormat
from trialscout.sources.files import (
    ArchivedRecord,
    RawRecord,
    Rejection,
    SkippedFile,
    iter_source,
    parse_record,
)
from trialscout.store.load import load_paths
from trialscout.store.sqlite import SQLiteStore

NSCLC_STUDIES = json.loads(NSCLC.read_text())


def records(*paths: Path) -> list[RawRecord]:
    items = list(iter_source(paths))
    return [
        i.read() if isinstance(i, ArchivedRecord) else i
        for i in items
        if isinstance(i, (RawRecord, ArchivedRecord))
    ]


def rejections(*paths: Path) -> list[Rejection]:
    return [i for i in iter_source(paths) if isinstance(i, Rejection)]


def nct_ids(raws: list[RawRecord]) -> list[str]:
    return [parse_record(r).nct_id for r in raws]


def expected_ids(studies: list[dict]) -> list[str]:
    return [s["protocolSection"]["identificationModule"]["nctId"] for s in studies]


def test_a_json_array_download_yields_each_study() -> None:
    assert nct_ids(records(NSCLC)) == expected_ids(NSCLC_STUDIES)


def test_one_study_object_per_file() -> None:
    path = AACT / "json_v2" / "NCT00763412.json"
    (raw,) = records(path)
    assert raw.format is SourceFormat.CTGOV_API_V2_JSON
    assert parse_record(raw).nct_id == "NCT00763412"
    assert raw.data == path.read_bytes()  # the record is kept byte for byte


def test_an_api_page_yields_its_studies(tmp_path: Path) -> None:
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"studies": NSCLC_STUDIES[:7], "nextPageToken": "abc"}))
    assert nct_ids(records(page)) == expected_ids(NSCLC_STUDIES[:7])


def test_a_directory_and_a_zip_of_per_study_files(tmp_path: Path) -> None:
    folder = tmp_path / "bulk"
    folder.mkdir()
    archive = tmp_path / "bulk.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for study in NSCLC_STUDIES[:20]:
            nct = study["protocolSection"]["identificationModule"]["nctId"]
            (folder / f"{nct}.json").write_text(json.dumps(study))
            z.writestr(f"{nct[:7]}xxxx/{nct}.json", json.dumps(study))
    assert sorted(nct_ids(records(folder))) == sorted(expected_ids(NSCLC_STUDIES[:20]))
    assert sorted(nct_ids(records(archive))) == sorted(expected_ids(NSCLC_STUDIES[:20]))


def test_json_lines_of_studies(tmp_path: Path) -> None:
    path = tmp_path / "studies.jsonl"
    path.write_text("\n".join(json.dumps(s) for s in NSCLC_STUDIES[:5]) + "\n")
    assert nct_ids(records(path)) == expected_ids(NSCLC_STUDIES[:5])


def test_legacy_xml_file_directory_and_archive() -> None:
    one = AACT / "xml_legacy" / "NCT00482794.xml"
    assert nct_ids(records(one)) == ["NCT00482794"]
    folder_ids = nct_ids(
        [
            r
            for r in records(AACT / "xml_legacy")
            if r.format is SourceFormat.CTGOV_LEGACY_XML and b"<clinical_study" in r.data
        ]
    )
    assert "NCT00482794" in folder_ids
    assert len(folder_ids) >= 60
    with zipfile.ZipFile(XML_SLICE) as z:
        members = [n for n in z.namelist() if n.endswith(".xml")]
    archived = [i for i in iter_source([XML_SLICE]) if isinstance(i, ArchivedRecord)]
    assert len(archived) == len(members) == 6786
    assert archived[0].read().data.startswith(b"<clinical_study")


def test_the_classic_api_is_rejected_with_its_name_and_the_way_out() -> None:
    rejected = rejections(AACT / "json_classic_api")
    assert len(rejected) == 6
    for r in rejected:
        assert r.reason.startswith("retired classic ClinicalTrials.gov API JSON")
        assert "API v2" in r.reason


def test_a_broken_member_is_reported_and_the_rest_of_the_archive_reads(tmp_path: Path) -> None:
    archive = tmp_path / "mixed.zip"
    good = (AACT / "xml_legacy" / "NCT00482794.xml").read_bytes()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("NCT00482794.xml", good)
        z.writestr("broken.xml", good[:500])
        z.writestr("NCT00763412.json", (AACT / "json_v2" / "NCT00763412.json").read_bytes())
        z.writestr("notes.txt", "not a record")
    items = list(iter_source([archive]))
    assert sum(isinstance(i, SkippedFile) for i in items) == 1
    raws = [
        i.read() if isinstance(i, ArchivedRecord) else i
        for i in items
        if isinstance(i, (RawRecord, ArchivedRecord))
    ]
    parsed, failed = [], []
    for raw in raws:
        try:
            parsed.append(parse_record(raw).nct_id)
        except Exception as exc:  # noqa: BLE001
            failed.append((raw.record, str(exc)))
    assert sorted(parsed) == ["NCT00482794", "NCT00763412"]
    assert failed
    assert failed[0][0] == "broken.xml"
    assert "malformed XML" in failed[0][1]


def test_a_truncated_array_loads_the_records_before_the_break(tmp_path: Path) -> None:
    text = json.dumps(NSCLC_STUDIES[:10])
    cut = text.index(json.dumps(NSCLC_STUDIES[6])[:200])  # inside the 7th study
    path = tmp_path / "truncated.json"
    path.write_text(text[: cut + 150])
    with SQLiteStore(tmp_path / "t.db") as store:
        report = load_paths(store, [path], workers=0)
        assert sorted(store.nct_ids()) == sorted(expected_ids(NSCLC_STUDIES[:6]))
    assert report.new == 6
    (rejection,) = report.rejected
    assert "malformed JSON" in rejection.reason
    assert "[6]" in rejection.record


def test_studies_in_any_key_order_all_load(tmp_path: Path) -> None:
    # Registry downloads start every study with protocolSection; other tools may not.
    studies = [dict(reversed(list(s.items()))) if n % 3 == 1 else s for n, s in enumerate(NSCLC_STUDIES[:12])]
    first_reordered = [dict(reversed(list(s.items()))) for s in NSCLC_STUDIES[12:15]]
    (tmp_path / "mixed.json").write_text(json.dumps(studies))
    (tmp_path / "reordered.json").write_text(json.dumps(first_reordered))
    with SQLiteStore(tmp_path / "k.db") as store:
        report = load_paths(store, [tmp_path / "mixed.json", tmp_path / "reordered.json"], workers=0)
        assert sorted(store.nct_ids()) == sorted(expected_ids(NSCLC_STUDIES[:15]))
    assert (report.new, report.rejected) == (15, [])


def test_the_fast_split_gives_each_study_its_exact_bytes() -> None:
    raws = records(NSCLC)
    assert [json.loads(r.data) for r in raws] == NSCLC_STUDIES
    assert raws[3].record == f"[3] {expected_ids(NSCLC_STUDIES)[3]}"


def test_a_file_of_something_else_is_rejected_once_not_per_item(tmp_path: Path) -> None:
    path = tmp_path / "corpus.json"
    path.write_text(json.dumps([{"_id": "NCT00000102", "text": "x"}] * 50))
    (rejection,) = rejections(path)
    assert "not API v2 studies" in rejection.reason


def test_missing_and_empty_paths_are_reported(tmp_path: Path) -> None:
    (tmp_path / "empty.json").write_bytes(b"")
    reasons = [r.reason for r in rejections(tmp_path / "nope.json", tmp_path / "empty.json")]
    assert reasons == ["no such file or directory", "empty file"]
