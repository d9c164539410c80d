"""The patient profile: its documented schema, its example, and clear errors for bad ones."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import msgspec
import pytest

from trialscout.model.patient import PatientProfile, decode_profile, profile_schema

DOCS = Path(__file__).parents[2] / "docs"


def test_the_published_schema_is_the_models() -> None:
    published = json.loads((DOCS / "patient-profile.schema.json").read_text())
    assert published == json.loads(json.dumps(profile_schema()))


def test_the_documented_example_decodes() -> None:
    page = (DOCS / "patient-profile.md").read_text()
    example = re.search(r"```json\n(.*?)```", page, re.S)
    assert example is not None
    profile = decode_profile(example.group(1))
    assert profile.age_years() == 64.0  # born 1962-03-14, as of 2026-11-01
    assert profile.labs[2].unit == "µmol/L" and profile.biomarkers[0].positive is True


def test_birth_date_gives_age_at_the_profile_date() -> None:
    profile = PatientProfile(birth_date=dt.date(2000, 12, 1), as_of=dt.date(2026, 11, 30))
    assert profile.age_years() == 25.0


def test_a_misspelt_field_is_named() -> None:
    with pytest.raises(msgspec.ValidationError, match="ages"):
        decode_profile(b'{"ages": 40}')
    with pytest.raises(msgspec.ValidationError, match="sex"):
        decode_profile(b'{"sex": "unknown"}')
