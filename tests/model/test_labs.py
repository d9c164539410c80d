"""The analyte catalogue: one conversion for every part of trialscout that reads a lab value.

A criterion's threshold (criteria parsing), a patient's result read from a clinical note, the
same result imported from a FHIR record, and matching's comparison of the two all go through
`trialscout.model.labs`, so they agree on the canonical value of the same quantity.
"""

from __future__ import annotations

from typing import Any

import pytest

from trialscout.eligibility.model import CriterionKind, LabRule
from trialscout.eligibility.rules.labs import read_labs
from trialscout.eligibility.text import matchable
from trialscout.matching.facts import lab_value
from trialscout.model import labs
from trialscout.model.patient import LabResult, PatientProfile
from trialscout.patients.fhir import profile_from_fhir
from trialscout.patients.note import extract_profile

LOINC = "http://loinc.org"
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1960-01-01"}


def criterion(text: str) -> LabRule:
    (rule,) = [r for r in read_labs(text, matchable(text), CriterionKind.INCLUSION) if isinstance(r, LabRule)]
    return rule


def threshold(rule: LabRule) -> float:
    value = rule.bound.high if rule.bound.high is not None else rule.bound.low
    assert value is not None
    return value


def from_note(text: str) -> PatientProfile:
    return extract_profile(text).profile


def from_fhir(code: str, value: float, unit: str, **extra: Any) -> PatientProfile:
    observation = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2025-05-01",
        "valueQuantity": {"value": value, "unit": unit},
        **extra,
    }
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in (PATIENT, observation)]
    return profile_from_fhir({"resourceType": "Bundle", "type": "collection", "entry": entries}).profile


def canonical(profile: PatientProfile, analyte: str) -> float:
    value = lab_value(profile, analyte, labs.CANONICAL_UNITS[analyte])
    assert value is not None, f"no {analyte} in {profile.labs}"
    return value.value


# --- the catalogue's own facts --------------------------------------------------------------------


def test_creatinine_1_2_mg_dl_is_106_1_umol_l() -> None:
    assert labs.convert("creatinine", 106.1, "µmol/L") == pytest.approx(1.2, abs=0.001)
    assert labs.from_canonical("creatinine", 1.2, "µmol/L") == pytest.approx(106.1, abs=0.05)
    assert labs.CREATININE_UMOL_PER_MG_DL == 88.42


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "expected"),
    [
        ("bilirubin", 17.1, "µmol/L", 1.0),
        ("glucose", 5.5, "mmol/L", 99.088),
        ("bun", 10, "mmol/L", 28.0),
        ("hemoglobin", 100, "g/L", 10.0),
        ("hemoglobin", 6.2, "mmol/L", 9.9882),
        ("albumin", 35, "g/L", 3.5),
        ("platelets", 150000, "/mm3", 150.0),
        ("anc", 1.5, "10*9/L", 1.5),  # UCUM, as FHIR writes it
        ("wbc", 6.3, "K/uL", 6.3),
        ("cd4", 0.35, "10^9/L", 350.0),
        ("ast", 1.0, "µkat/L", 60.0),
        ("creatinine_clearance", 1.0, "mL/s", 60.0),
        ("qtc", 0.45, "s", 450.0),
        ("temperature", 98.6, "°F", 37.0),
    ],
)
def test_conversions_to_the_canonical_unit(analyte: str, value: float, unit: str, expected: float) -> None:
    assert labs.convert(analyte, value, unit) == pytest.approx(expected, rel=1e-4)


def test_one_unit_spelt_many_ways_is_one_unit() -> None:
    spellings = ("µmol/L", "umol/L", "μmol/L", "µmol/l", " umol / L ")  # micro sign, u, Greek mu
    assert {labs.convert("creatinine", 120, unit) for unit in spellings} == {120 / 88.42}
    assert labs.unit_key("x10*9/L") == labs.unit_key("10^9/L")
    assert labs.unit_key("[IU]/L") == labs.unit_key("IU/L")


def test_a_unit_the_analyte_is_never_given_in_converts_to_nothing() -> None:
    assert labs.convert("creatinine", 1.2, "%") is None
    assert labs.convert("lvef", 55, "mg/dL") is None
    assert labs.convert("no_such_analyte", 1.0, "mg/dL") is None


def test_a_bare_number_is_read_by_its_size() -> None:
    assert labs.convert("platelets", 150000, None) == pytest.approx(150)
    assert labs.convert("platelets", 150, None) == 150
    assert labs.convert("anc", 1500, None) == pytest.approx(1.5)
    assert labs.convert("creatinine", 120, None) == pytest.approx(120 / 88.42)
    assert labs.convert("creatinine", 1.2, None) == 1.2
    assert labs.convert("hemoglobin", 98, None) == pytest.approx(9.8)


def test_names_aliases_and_codes() -> None:
    assert labs.analyte_key("Hgb") == "hemoglobin"
    assert labs.analyte_key("SGOT") == "ast"
    assert labs.analyte_key("Direct bilirubin") == "direct_bilirubin"
    assert labs.analyte_key("Ferritin") == "ferritin"
    assert labs.name_of("anc") == "absolute neutrophil count"
    assert labs.plain_name("anc") == "neutrophils"
    assert labs.analyte_coded({"2160-0"}) == "creatinine"
    assert labs.analyte_coded({"0000-0"}) is None
    keys = [a.key for a in labs.ANALYTES]
    assert len(keys) == len(set(keys))
    codes = [code for a in labs.ANALYTES for code in a.loinc]
    assert len(codes) == len(set(codes)), "a LOINC code names one analyte"


def test_every_range_typical_limit_and_factor_is_stated_for_a_canonical_unit() -> None:
    for analyte in labs.ANALYTES:
        if analyte.plausible is not None:
            low, high = analyte.plausible
            assert 0 <= low < high
        if analyte.uln is not None or analyte.factors:
            assert analyte.unit is not None, analyte.key
        if analyte.uln is not None:
            assert labs.plausible(analyte.key, analyte.uln), analyte.key
    assert set(labs.TYPICAL_ULN) <= labs.AGAINST_ULN


# --- criteria, note, FHIR and matching agree ------------------------------------------------------


@pytest.mark.parametrize(
    ("analyte", "criterion_text", "note_text", "fhir", "expected"),
    [
        (
            "creatinine",
            "Serum creatinine ≤ 120 µmol/L",
            "Creatinine 120 µmol/L.",
            ("2160-0", 120, "umol/L"),
            1.3571,
        ),
        ("bilirubin", "Total bilirubin ≤ 25 µmol/L", "Bilirubin 25 umol/L.", ("1975-2", 25, "umol/L"), 1.462),
        ("hemoglobin", "Hemoglobin ≥ 90 g/L", "Hb 90 g/L.", ("718-7", 90, "g/L"), 9.0),
        ("hemoglobin", "Haemoglobin ≥ 5.6 mmol/L", "Hb 5.6 mmol/L.", ("718-7", 5.6, "mmol/L"), 9.0216),
        ("platelets", "Platelets ≥ 100,000/mm3", "Platelets 100,000/mm3.", ("777-3", 100, "10*3/uL"), 100.0),
        ("anc", "ANC ≥ 1,500/µL", "ANC 1500/uL.", ("751-8", 1.5, "10*9/L"), 1.5),
        ("wbc", "WBC at least 4,000/mm3", "WBC 4000/mm3.", ("6690-2", 4, "10*3/uL"), 4.0),
        ("albumin", "Serum albumin ≥ 30 g/L", "Albumin 30 g/L.", ("1751-7", 30, "g/L"), 3.0),
        ("bun", "BUN ≤ 7 mmol/L", "BUN 7 mmol/L.", ("3094-0", 7, "mmol/L"), 19.6),
        ("ast", "AST less than 100 IU/L", "AST 100 IU/L.", ("1920-8", 100, "U/L"), 100.0),
        (
            "egfr",
            "eGFR ≥ 60 mL/min/1.73m2",
            "eGFR 60 mL/min/1.73m2.",
            ("33914-3", 60, "mL/min/{1.73_m2}"),
            60.0,
        ),
        ("cd4", "CD4 count ≥ 0.3 x 10^9/L", "CD4 count 0.3 x 10^9/L.", None, 300.0),
        ("creatinine_clearance", "Creatinine clearance ≥ 1 mL/s", None, ("2164-2", 1, "mL/s"), 60.0),
        ("qtc", "QTc ≤ 0.47 seconds", None, ("8636-3", 0.47, "s"), 470.0),
    ],
)
def test_criteria_notes_and_fhir_give_the_same_canonical_value(
    analyte: str,
    criterion_text: str,
    note_text: str | None,
    fhir: tuple[str, float, str] | None,
    expected: float,
) -> None:
    rule = criterion(criterion_text)
    assert rule.analyte == analyte and rule.unit == labs.CANONICAL_UNITS[analyte]
    values = {"criterion": threshold(rule)}
    if note_text is not None:
        values["note"] = canonical(from_note(note_text), analyte)
    if fhir is not None:
        values["FHIR"] = canonical(from_fhir(*fhir), analyte)
    assert values == {source: pytest.approx(expected, rel=1e-3) for source in values}
    # the same factor everywhere: only the criterion's rounding to 4 decimals between them
    assert values == {source: pytest.approx(values["criterion"], abs=1e-4) for source in values}


def test_a_criterion_in_mg_dl_and_a_result_in_umol_l_meet_in_one_unit() -> None:
    rule = criterion("Creatinine ≤ 1.5 mg/dL")
    assert rule.bound.high == 1.5 and rule.unit == "mg/dL"
    by_note = lab_value(from_note("Labs today: creatinine 120 µmol/L."), "creatinine", rule.unit)
    by_fhir = lab_value(from_fhir("2160-0", 120, "umol/L"), "creatinine", rule.unit)
    by_profile = lab_value(
        PatientProfile(labs=(LabResult(analyte="Serum creatinine", value=120, unit="μmol/L"),)),
        "creatinine",
        "mg/dL",
    )
    assert by_note is not None and by_fhir is not None and by_profile is not None
    assert by_note.value == by_fhir.value == by_profile.value == pytest.approx(120 / 88.42)
    assert rule.bound.contains(by_note.value) and rule.bound.contains(by_fhir.value)


def test_a_multiple_of_the_upper_limit_of_normal_uses_the_lab_s_own_or_the_catalogue_s_typical_one() -> None:
    rule = criterion("AST ≤ 2.5 x ULN")
    assert rule.unit == labs.ULN
    typical = lab_value(from_note("AST 100 U/L."), "ast", rule.unit)
    assert typical is not None and typical.value == pytest.approx(100 / labs.TYPICAL_ULN["ast"])
    own = lab_value(
        from_fhir("1920-8", 100, "U/L", referenceRange=[{"high": {"value": 50}}]), "ast", rule.unit
    )
    assert own is not None and own.value == pytest.approx(2.0)


def test_criteria_and_notes_share_one_plausible_range() -> None:
    # SpO2 45% is a real (if grave) reading: both read it; 101% is no reading: neither does.
    assert criterion("Oxygen saturation ≥ 45% on room air").bound.low == 45
    assert [lab.value for lab in from_note("SpO2 45% on room air.").labs] == [45]
    assert not read_labs(
        "Oxygen saturation ≥ 101%", matchable("Oxygen saturation ≥ 101%"), CriterionKind.INCLUSION
    )
    assert not from_note("SpO2 101% on room air.").labs


def test_the_analytes_a_note_names_are_catalogue_keys() -> None:
    note = (
        "Labs: Hb 11.2 g/dL, WBC 6.3 x 10^9/L, platelets 210,000/mm3, creatinine 0.9 mg/dL, "
        "glucose 105 mg/dL, sodium 139 mEq/L, ferritin 85 ng/mL, TSH 2.1 mIU/L. "
        "Vitals: HR 78, RR 16, T: 37.2 C, BMI is 24 kg/m2."
    )
    analytes = {lab.analyte for lab in from_note(note).labs}
    assert {
        "hemoglobin",
        "wbc",
        "platelets",
        "creatinine",
        "glucose",
        "heart_rate",
        "temperature",
    } <= analytes
    assert all(labs.analyte(key) is not None for key in analytes), analytes
