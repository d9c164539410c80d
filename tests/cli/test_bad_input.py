"""Values no trial has and arguments no command can use: the record loads with the value
unknown, and the command says what is wrong (and writes nothing)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import DATA, NSCLC, TODAY
from trialscout.cli import cli
from trialscout.store.load import load_paths
from trialscout.store.sqlite import SQLiteStore

STUDIES: list[dict[str, Any]] = json.loads(NSCLC.read_text())
XML = DATA / "trec2023-xml-sample" / "xml" / "NCT00055081.xml"


def with_enrollment(count: object) -> dict[str, Any]:
    study = copy.deepcopy(STUDIES[0])
    study["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = count
    return study


@pytest.mark.parametrize("count", [2**63, 10**30, 2**64 + 1])
def test_an_impossible_enrollment_is_unknown_and_the_rest_loads(tmp_path: Path, count: int) -> None:
    path = tmp_path / "studies.json"
    path.write_text(json.dumps([with_enrollment(count), *STUDIES[1:5]]))
    with SQLiteStore(tmp_path / "t.db") as store:
        report = load_paths(store, [path], today=TODAY, workers=0)
        assert (report.new, len(report.rejected)) == (5, 0)
        trial = store.trial(STUDIES[0]["protocolSection"]["identificationModule"]["nctId"])
        assert trial.enrollment is not None and trial.enrollment.count is None


@pytest.mark.parametrize(
    ("text", "expected"), [("1e30", None), ("99999999999999999999999", None), ("320", 320)]
)
def test_an_impossible_xml_enrollment_is_unknown(tmp_path: Path, text: str, expected: int | None) -> None:
    xml = XML.read_text().replace(
        '<enrollment type="Actual">320</enrollment>', f'<enrollment type="Actual">{text}</enrollment>'
    )
    path = tmp_path / "NCT00055081.xml"
    path.write_text(xml)
    with SQLiteStore(tmp_path / "t.db") as store:
        report = load_paths(store, [path], today=TODAY, workers=0)
        assert (report.new, len(report.rejected)) == (1, 0)
        enrollment = store.trial("NCT00055081").enrollment
        assert enrollment is not None and enrollment.count == expected


@pytest.mark.parametrize("date", ["2024-02-30", "2023-02-29", "2024-04-31", "0000-01-01"])
def test_a_day_that_does_not_exist_is_an_unknown_date(tmp_path: Path, date: str) -> None:
    study = copy.deepcopy(STUDIES[0])
    study["protocolSection"]["statusModule"]["startDateStruct"] = {"date": date, "type": "ACTUAL"}
    study["protocolSection"]["statusModule"]["primaryCompletionDateStruct"] = {
        "date": date,
        "type": "ESTIMATED",
    }
    path = tmp_path / "studies.json"
    path.write_text(json.dumps([study, *STUDIES[1:3]]))
    with SQLiteStore(tmp_path / "t.db") as store:
        report = load_paths(store, [path], today=TODAY, workers=0)
        assert (report.new, len(report.rejected)) == (3, 0)
        trial = store.trial(study["protocolSection"]["identificationModule"]["nctId"])
        assert trial.start_date is None and trial.primary_completion_date is None


def test_a_leap_day_is_a_date(tmp_path: Path) -> None:
    study = copy.deepcopy(STUDIES[0])
    study["protocolSection"]["statusModule"]["startDateStruct"] = {"date": "2024-02-29", "type": "ACTUAL"}
    path = tmp_path / "studies.json"
    path.write_text(json.dumps([study]))
    with SQLiteStore(tmp_path / "t.db") as store:
        load_paths(store, [path], today=TODAY, workers=0)
        start = store.trial(study["protocolSection"]["identificationModule"]["nctId"]).start_date
        assert start is not None and start.date == "2024-02-29"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_loading_a_path_that_does_not_exist_fails_and_loads_nothing(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    code, out = run("--db", str(db), "load", str(NSCLC), str(tmp_path / "missing.json"))
    assert code == 2 and "does not exist" in out
    assert not db.exists()


def test_a_store_url_of_another_kind_is_refused_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for command in (["load", str(NSCLC)], ["show", "NCT06576635"], ["search", "asthma"]):
        code, out = run("--db", "mysql://user@host/db", *command)
        assert code == 1 and "mysql:// stores are not supported" in out, out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("page", ["1000000000000", "99999999999999999999999"])
def test_a_page_far_past_the_results_is_a_clear_error(full_load: tuple[Path, Any], page: str) -> None:
    code, out = run("--db", str(full_load[0]), "search", "asthma", "--page", page)
    assert code == 1 and "narrow the search" in out


@pytest.mark.parametrize("limit", ["-1", "0"])
def test_match_needs_a_positive_limit(full_load: tuple[Path, Any], tmp_path: Path, limit: str) -> None:
    note = tmp_path / "note.txt"
    note.write_text("A 60-year-old woman with asthma.")
    code, out = run("--db", str(full_load[0]), "match", str(note), "--limit", limit)
    assert code == 2 and "--limit" in out
