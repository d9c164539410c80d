"""API v2 study JSON maps to the model field by field, for every real record we have."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.conftest import v2_studies
from trialscout.errors import RecordError
from trialscout.model.enums import DateType, SourceFormat
from trialscout.sources.ctgov_json import trial_from_v2

STUDIES = v2_studies()


def test_we_have_the_real_records() -> None:
    assert len(STUDIES) >= 289


@pytest.mark.parametrize(
    "study", STUDIES, ids=lambda s: s["protocolSection"]["identificationModule"]["nctId"]
)
def test_each_record_maps_faithfully(study: dict[str, Any]) -> None:
    p = study["protocolSection"]
    t = trial_from_v2(study)
    assert t.source.format is SourceFormat.CTGOV_API_V2_JSON
    assert t.nct_id == p["identificationModule"]["nctId"]
    assert t.brief_title == p["identificationModule"].get("briefTitle")
    status = p.get("statusModule", {})
    assert (t.overall_status.value if t.overall_status else None) == status.get("overallStatus")
    design = p.get("designModule", {})
    assert [x.value for x in t.phases] == design.get("phases", [])
    enrollment = design.get("enrollmentInfo")
    if enrollment:
        assert t.enrollment is not None
        assert t.enrollment.count == enrollment.get("count")
        assert (t.enrollment.type.value if t.enrollment.type else None) == enrollment.get("type")
    arms = p.get("armsInterventionsModule", {})
    assert [
        (a.label, a.type.value if a.type else None, list(a.intervention_names)) for a in t.arm_groups
    ] == [(a["label"], a.get("type"), a.get("interventionNames", [])) for a in arms.get("armGroups", [])]
    assert [(i.name, i.type.value if i.type else None, list(i.other_names)) for i in t.interventions] == [
        (i["name"], i.get("type"), i.get("otherNames", [])) for i in arms.get("interventions", [])
    ]
    locations = p.get("contactsLocationsModule", {}).get("locations", [])
    assert [
        (s.facility, s.status.value if s.status else None, s.latitude, s.longitude) for s in t.locations
    ] == [
        (
            loc.get("facility"),
            loc.get("status"),
            loc.get("geoPoint", {}).get("lat"),
            loc.get("geoPoint", {}).get("lon"),
        )
        for loc in locations
    ]
    officials = p.get("contactsLocationsModule", {}).get("overallOfficials", [])
    assert [(o.name, o.role.value if o.role else None) for o in t.overall_officials] == [
        (o.get("name"), o.get("role")) for o in officials
    ]
    meshes = study.get("derivedSection", {}).get("interventionBrowseModule", {}).get("meshes", [])
    assert [m.term for m in t.intervention_mesh_terms] == [m["term"] for m in meshes]


def test_the_enrollment_placeholder_is_unknown_not_a_number() -> None:
    study = copy.deepcopy(STUDIES[0])
    study["protocolSection"]["designModule"]["enrollmentInfo"] = {"count": 99999999, "type": "ESTIMATED"}
    t = trial_from_v2(study)
    assert t.enrollment is not None
    assert t.enrollment.count is None
    assert t.enrollment.type is DateType.ESTIMATED


def test_partial_records_load_with_unknowns() -> None:
    partial = next(
        s for s in STUDIES if s["protocolSection"]["identificationModule"]["nctId"] == "NCT00465816"
    )
    t = trial_from_v2(partial)
    assert t.overall_status is None
    assert t.eligibility is None
    assert t.brief_title


def test_a_study_without_an_nct_id_is_rejected() -> None:
    study = copy.deepcopy(STUDIES[0])
    study["protocolSection"]["identificationModule"]["nctId"] = "12345"
    with pytest.raises(RecordError, match="malformed NCT ID"):
        trial_from_v2(study)


def test_an_unknown_status_token_becomes_unknown_and_does_not_raise() -> None:
    study = copy.deepcopy(STUDIES[0])
    study["protocolSection"]["statusModule"]["overallStatus"] = "SOMETHING_NEW"
    assert trial_from_v2(study).overall_status is None
