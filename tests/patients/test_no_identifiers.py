"""Nothing a patient document holds reaches a message: not a value typed in a coded field, not
a FHIR resource's id (often a record number)."""

from __future__ import annotations

import json

import pytest

from trialscout.errors import ProfileError
from trialscout.patients.intake import patient_from_bytes

SECRET = "John Smith MRN 4471-2290"


@pytest.mark.parametrize(
    "profile",
    [
        {"sex": SECRET, "age": 40},
        {"age": SECRET},
        {"performance_status": {"scale": "ECOG", "score": SECRET}},
        {"birth_date": SECRET},
    ],
)
def test_an_invalid_profile_value_is_named_by_its_field_only(profile: dict[str, object]) -> None:
    with pytest.raises(ProfileError) as raised:
        patient_from_bytes(json.dumps(profile).encode())
    message = str(raised.value)
    assert "Smith" not in message and "4471" not in message
    assert "$." in message  # says where


def test_skipped_fhir_resources_are_named_by_place_not_id() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Patient",
                    "id": "MRN4471229",
                    "gender": "female",
                    "birthDate": "1960-01-01",
                }
            },
            {"resource": {"resourceType": "Observation", "id": "MRN4471229-obs", "status": "not-a-status"}},
            {"resource": {"resourceType": "Encounter", "id": "MRN4471229-enc", "status": "finished"}},
        ],
    }
    imported = patient_from_bytes(json.dumps(bundle).encode())
    assert imported.skipped, "the bad Observation and the unused Encounter are reported"
    assert not any("4471" in line for line in imported.skipped), imported.skipped
    assert any("Observation (entry 2)" in line for line in imported.skipped), imported.skipped
