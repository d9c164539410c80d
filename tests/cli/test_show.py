"""`trialscout show`: the registry page in a terminal, and the model as JSON that agrees with the source."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import sql
from trialscout.cli import cli
from trialscout.store.load import LoadReport
from trialscout.store.sqlite import SQLiteStore


def run(db: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def source_study(file: str, record: str) -> dict[str, Any]:
    """The study object a stored trial was read from, found by its file and record label."""
    data = json.loads(Path(file).read_text())
    match = re.match(r"\[(\d+)\]", record)
    if isinstance(data, list):
        assert match, record
        return data[int(match.group(1))]
    return data


def v2_trials(registry: SQLiteStore) -> list[str]:
    rows = sql(
        registry.path, "SELECT nct_id FROM trials WHERE source_format='ctgov-api-v2-json' ORDER BY nct_id"
    )
    return [r[0] for r in rows]


def test_show_json_agrees_with_the_source_record(
    full_load: tuple[Path, LoadReport], registry: SQLiteStore
) -> None:
    db, _ = full_load
    ids = v2_trials(registry)
    assert len(ids) >= 280
    for nct in ids:
        result = run(db, "show", nct, "--json")
        assert result.exit_code == 0, result.output
        shown = json.loads(result.output)
        study = source_study(shown["stored_from"]["file"], shown["stored_from"]["record"])
        p = study["protocolSection"]
        assert shown["nct_id"] == nct == p["identificationModule"]["nctId"]
        assert shown["brief_title"] == p["identificationModule"]["briefTitle"]
        assert shown["overall_status"] == p.get("statusModule", {}).get("overallStatus")
        design = p.get("designModule", {})
        assert shown["phases"] == design.get("phases", [])
        enrollment = design.get("enrollmentInfo", {})
        if enrollment:
            assert shown["enrollment"] == {"count": enrollment.get("count"), "type": enrollment.get("type")}
        arms = p.get("armsInterventionsModule", {})
        assert [(a["label"], a["type"], a["intervention_names"]) for a in shown["arm_groups"]] == [
            (a["label"], a.get("type"), a.get("interventionNames", [])) for a in arms.get("armGroups", [])
        ]
        assert [(i["name"], i["type"], i["arm_group_labels"]) for i in shown["interventions"]] == [
            (i["name"], i.get("type"), i.get("armGroupLabels", [])) for i in arms.get("interventions", [])
        ]
        locations = p.get("contactsLocationsModule", {}).get("locations", [])
        assert [(s["status"], s["latitude"], s["longitude"]) for s in shown["locations"]] == [
            (loc.get("status"), loc.get("geoPoint", {}).get("lat"), loc.get("geoPoint", {}).get("lon"))
            for loc in locations
        ]
        officials = p.get("contactsLocationsModule", {}).get("overallOfficials", [])
        assert [(o["name"], o["role"]) for o in shown["overall_officials"]] == [
            (o.get("name"), o.get("role")) for o in officials
        ]


def test_show_prints_every_section_of_the_registry_page(full_load: tuple[Path, LoadReport]) -> None:
    db, _ = full_load
    result = run(db, "show", "NCT05835856")
    assert result.exit_code == 0
    text = result.output
    for heading in (
        "Snapshot",
        "Brief summary",
        "Conditions",
        "Study design",
        "Arms and groups",
        "Interventions",
        "Eligibility",
        "Inclusion criteria",
        "Exclusion criteria",
        "Sponsors",
        "People",
        "Locations",
        "Identifiers",
    ):
        assert heading in text, heading
    for fact in ("Recruitment status", "Phase", "Enrollment", "Study type", "Primary completion", "Results"):
        assert fact in text
    assert "Study director" in text
    assert "principal investigator" in text.lower()
    assert "Lead sponsor" in text
    assert "Responsible party" in text


def test_show_a_legacy_record_with_sites_and_contacts(full_load: tuple[Path, LoadReport]) -> None:
    db, _ = full_load
    text = run(db, "show", "NCT00482794").output
    assert "Duke University Medical Center" in text
    assert "[Recruiting]" in text
    assert "thomas.ortel@duke.edu" in text
    assert "Principal investigator" in text


def test_sentinel_ages_read_as_no_limit_not_zero(full_load: tuple[Path, LoadReport]) -> None:
    db, _ = full_load
    text = run(db, "show", "NCT00496392").output
    assert "18 years and older" in text
    shown = json.loads(run(db, "show", "NCT00496392", "--json").output)
    assert shown["eligibility"]["maximum_age_years"] is None
    assert shown["eligibility"]["maximum_age_text"] == "N/A"


def test_stale_recruiting_claims_are_flagged_with_the_reason(
    full_load: tuple[Path, LoadReport], registry: SQLiteStore
) -> None:
    db, _ = full_load
    nct = sql(
        registry.path,
        "SELECT nct_id FROM trials WHERE overall_status='RECRUITING' AND possibly_stale=1"
        " AND primary_completion_date < '2026-11'",
    )[0][0]
    text = run(db, "show", nct).output
    assert "Possibly stale" in text
    assert "primary completion date" in text
    shown = json.loads(run(db, "show", nct, "--json").output)
    assert shown["recruitment_check"]["possibly_stale"] is True


def test_several_ids_give_a_json_array(full_load: tuple[Path, LoadReport]) -> None:
    db, _ = full_load
    shown = json.loads(run(db, "show", "NCT00496392", "nct 482794", "--json").output)
    assert [t["nct_id"] for t in shown] == ["NCT00496392", "NCT00482794"]


def test_raw_gives_the_source_record(full_load: tuple[Path, LoadReport]) -> None:
    db, _ = full_load
    assert run(db, "show", "NCT00496392", "--raw").output.startswith("<clinical_study>")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["show", "NCT99999999"], 1, "NCT99999999 is not in the local store"),
        (["show", "banana"], 2, "'banana' is not an NCT ID"),
    ],
)
def test_unknown_or_malformed_ids_exit_non_zero(
    full_load: tuple[Path, LoadReport], args: list[str], code: int, message: str
) -> None:
    result = CliRunner().invoke(cli, ["--db", str(full_load[0]), *args])
    assert result.exit_code == code
    assert message in result.output


def test_show_without_a_store_says_how_to_make_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "show", "NCT00496392"])
    assert result.exit_code == 1
    assert "no store at" in result.output
    assert "load" in result.output
    assert not (tmp_path / "none.db").exists()


def test_show_lists_related_trials_when_the_index_exists(
    full_load: tuple[Path, LoadReport], trial_search: object
) -> None:
    text = run(full_load[0], "show", "NCT06576635").output
    assert "Related trials" in text
    section = text[text.index("Related trials") :]
    assert section.count("NCT") >= 3 and "NCT06576635" not in section


def test_show_puts_the_patient_layer_first_and_pages_the_sites(full_load: tuple[Path, LoadReport]) -> None:
    db, _ = full_load
    total = sql(db, "SELECT count(*) FROM sites WHERE nct_id='NCT02465060'")[0][0]
    result = run(db, "show", "NCT02465060", "--near", "Boston, MA")
    assert result.exit_code == 0, result.output
    text = result.output
    headings = ("At a glance", "Design in plain words", "Find a clinic near you", "Research team", "Sponsor")
    for heading in headings:
        assert heading in text, heading
    assert text.index("Find a clinic near you") < text.index("The registry page") < text.index("Snapshot")
    assert f"Sites 1-10 of {total:,} (open sites first, nearest to Boston" in text
    assert "More sites: --sites-page 2" in text
    # NCI-MATCH lists 1,218 sites: the page shows ten (each with its contacts), not all of them.
    clinic = text[text.index("Find a clinic near you") : text.index("Research team")]
    assert "Boston" in clinic and " mi " in clinic
    assert len(clinic.splitlines()) < 80
    locations = text[text.index("Locations") : text.index("Identifiers")]
    assert len(locations.splitlines()) < 5 and f"{total:,} sites" in locations
    second = run(db, "show", "NCT02465060", "--near", "Boston, MA", "--sites-page", "2").output
    assert f"Sites 11-20 of {total:,}" in second


def test_show_why_prints_each_rule_and_the_registry_words(full_load: tuple[Path, LoadReport]) -> None:
    db, _ = full_load
    plain = run(db, "show", "NCT05835856").output
    why = run(db, "show", "NCT05835856", "--why").output
    assert "rule:" not in plain
    assert "rule:" in why and "protocolSection.designModule" in why
    # A Study Director stays a Study Director in the research team.
    team = why[why.index("Research team") : why.index("Sponsor")]
    assert "Study Director" in team


def test_show_patient_json_is_the_api_twin(full_load: tuple[Path, LoadReport]) -> None:
    db, _ = full_load
    result = run(db, "show", "NCT02465060", "--patient-json", "--sites-page", "3")
    assert result.exit_code == 0, result.output
    layer = json.loads(result.output)
    assert layer["nct_id"] == "NCT02465060" and layer["sites"]["offset"] == 20
    assert {"badges", "design", "team", "sponsor", "results_status", "money", "explainers"} <= set(layer)
