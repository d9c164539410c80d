"""A patient's chart as a FHIR R4 Bundle -> the profile trialscout matches trials against."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialscout.errors import ProfileError, TrialscoutError
from trialscout.model.patient import Biomarker, Finding, PatientSex, decode_profile, encode_profile
from trialscout.patients.fhir import FhirImport, profile_from_fhir

BUNDLE = Path(__file__).parent / "data" / "fhir" / "nsclc-egfr-bundle.json"
AS_OF = dt.date(2025, 6, 1)
LOINC = "http://loinc.org"
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1950-07-01"}


@pytest.fixture(scope="module")
def chart() -> FhirImport:
    return profile_from_fhir(BUNDLE.read_bytes(), as_of=AS_OF)


def bundle(*resources: dict[str, Any], patient: dict[str, Any] | None = PATIENT) -> dict[str, Any]:
    entries = [
        {"fullUrl": f"urn:uuid:{r.get('id', index)}", "resource": r}
        for index, r in enumerate([*([patient] if patient else []), *resources])
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def observation(id_: str, code: str, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": id_,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2025-05-01",
        **value,
    }


def condition(id_: str, name: str, clinical: str = "active") -> dict[str, Any]:
    system = "http://terminology.hl7.org/CodeSystem/condition-clinical"
    return {
        "resourceType": "Condition",
        "id": id_,
        "clinicalStatus": {"coding": [{"system": system, "code": clinical}]},
        "code": {"text": name},
        "subject": {"reference": "Patient/p1"},
    }


# --- the example chart: a 64-year-old woman with EGFR-mutant stage IV lung adenocarcinoma ---------


def test_demographics_come_from_the_patient_resource(chart: FhirImport) -> None:
    profile = chart.profile
    assert profile.age_years() == 64 and profile.sex is PatientSex.FEMALE
    assert profile.as_of == AS_OF and profile.pregnant is False
    assert profile.location is not None
    assert profile.location.place == "Boston, MA 02115, US"
    assert (profile.location.latitude, profile.location.longitude) == (42.3427, -71.0922)


def test_the_lung_cancer_is_the_diagnosis_with_its_histology_stage_and_spread(chart: FhirImport) -> None:
    (diagnosis,) = chart.profile.diagnoses
    assert diagnosis.name == "Non-small cell lung cancer"  # SNOMED's "(disorder)" tag left out
    assert (diagnosis.histology, diagnosis.stage, diagnosis.setting) == (
        "Adenocarcinoma",
        "IVA",
        "metastatic",
    )
    assert diagnosis.diagnosed == dt.date(2022, 11, 8) and diagnosis.status == "active"


def test_other_conditions_keep_their_status_and_a_refuted_one_is_absent(chart: FhirImport) -> None:
    others = {c.name: c for c in chart.profile.other_conditions}
    assert set(others) == {
        "Secondary malignant neoplasm of bone",
        "Hypertensive disorder, systemic arterial",
        "Acute bronchitis",
    }
    bronchitis = others["Acute bronchitis"]
    assert bronchitis.status == "resolved" and bronchitis.resolved == dt.date(2019, 2, 20)
    assert others["Hypertensive disorder, systemic arterial"].status == "active"
    assert chart.profile.absent == (Finding(name="Human immunodeficiency virus infection"),)
    assert all("immunodeficiency" not in c.name for c in chart.profile.conditions())


def test_biomarkers_from_a_genomic_variant_and_named_tests(chart: FhirImport) -> None:
    assert chart.profile.biomarkers == (
        Biomarker(
            marker="EGFR",
            alteration="mutation",
            detail="exon 19 deletion",
            positive=True,
            date=dt.date(2022, 11, 25),
        ),
        Biomarker(marker="PD-L1", alteration="expression", percent=60.0, date=dt.date(2022, 11, 25)),
        Biomarker(marker="ALK", alteration="rearrangement", positive=False, date=dt.date(2022, 11, 25)),
    )


def test_the_latest_ecog_score_is_kept(chart: FhirImport) -> None:
    status = chart.profile.performance_status
    assert status is not None
    assert (status.scale, status.score, status.date) == ("ECOG", 1.0, dt.date(2025, 5, 20))


def test_labs_by_loinc_code_keep_value_unit_and_upper_limit(chart: FhirImport) -> None:
    labs = {lab.analyte: lab for lab in chart.profile.labs}
    assert (labs["creatinine"].value, labs["creatinine"].unit, labs["creatinine"].upper_limit_normal) == (
        74.0,
        "umol/L",
        90.0,
    )
    assert (labs["anc"].value, labs["anc"].unit) == (3.1, "10*3/uL")
    assert (labs["hemoglobin"].value, labs["hemoglobin"].date) == (11.8, dt.date(2025, 5, 20))  # not 2024's
    assert (labs["egfr"].value, labs["egfr"].unit) == (78.0, "mL/min/{1.73_m2}")
    assert {"platelets", "bilirubin", "ast", "alt", "oxygen_saturation"} <= set(labs)
    assert labs["albumin"].value == 3.9  # a hospital's own code, read by its name
    assert labs["Neutrophils/100 leukocytes in Blood"].unit == "%"  # a share, not the count
    assert labs["Systolic Blood Pressure"].value == 134.0  # from the panel's components
    assert not {"Glucose [Mass/volume] in Serum or Plasma", "Lactate dehydrogenase"} & set(labs)


def test_medications_now_and_therapies_before(chart: FhirImport) -> None:
    medications = {m.name: m for m in chart.profile.medications}
    dexamethasone = medications["dexamethasone 4 MG Oral Tablet"]
    assert (dexamethasone.dose, dexamethasone.dose_unit, dexamethasone.since) == (
        8.0,
        "mg/day",
        dt.date(2025, 4, 2),
    )
    ondansetron = medications["ondansetron 8 MG Oral Tablet"]
    assert (ondansetron.dose, ondansetron.dose_unit) == (8.0, "mg")  # as needed: one dose, not per day
    therapies = {t.name: t for t in chart.profile.prior_therapies}
    osimertinib = therapies["osimertinib 80 MG Oral Tablet"]  # named by the Medication it references
    assert (osimertinib.start, osimertinib.end, osimertinib.progression) == (
        dt.date(2022, 12, 5),
        dt.date(2025, 3, 28),
        True,
    )
    assert therapies["amoxicillin 250 MG Oral Capsule"].progression is None
    assert therapies["Megavoltage radiation therapy using photons"].end == dt.date(2025, 4, 25)


def test_procedures(chart: FhirImport) -> None:
    procedures = {p.name: p.date for p in chart.profile.procedures}
    assert procedures == {
        "Lobectomy of lung": dt.date(2022, 11, 21),
        "Megavoltage radiation therapy using photons": dt.date(2025, 4, 14),
    }


def test_what_could_not_be_used_is_named_without_its_values_or_ids(chart: FhirImport) -> None:
    assert chart.skipped == (
        "Observation (entry 26): not valid FHIR R4 (valueQuantity.value invalid)",
        "Observation (entry 25): no value",
    )


def test_the_imported_profile_is_a_valid_profile_document(chart: FhirImport) -> None:
    assert decode_profile(encode_profile(chart.profile)) == chart.profile


def test_a_parsed_mapping_reads_like_the_bytes(chart: FhirImport) -> None:
    assert profile_from_fhir(json.loads(BUNDLE.read_text()), as_of=AS_OF) == chart


# --- other shapes of a chart ------------------------------------------------------------------


def test_a_single_patient_resource_gives_demographics_only() -> None:
    result = profile_from_fhir(json.dumps(PATIENT))
    assert result.profile.birth_date == dt.date(1950, 7, 1) and result.profile.sex is PatientSex.MALE
    assert result.profile.conditions() == () and result.skipped == ()


def test_a_bundle_without_a_patient_says_so() -> None:
    result = profile_from_fhir(bundle(condition("c1", "Glioblastoma"), patient=None))
    assert [c.name for c in result.profile.diagnoses] == ["Glioblastoma"]
    assert result.skipped == ("Bundle: no Patient resource, so age, sex and place are unknown",)


def test_without_a_cancer_the_first_active_condition_is_the_diagnosis() -> None:
    profile = profile_from_fhir(
        bundle(
            condition("c1", "History of breast cancer", "resolved"),
            condition("c2", "Type 2 diabetes mellitus"),
            condition("c3", "Hypertension"),
        )
    ).profile
    assert [c.name for c in profile.diagnoses] == ["Type 2 diabetes mellitus"]
    assert [c.name for c in profile.other_conditions] == ["History of breast cancer", "Hypertension"]


def test_a_stage_group_observation_stages_the_cancer() -> None:
    stage = observation("s1", "21908-9", valueCodeableConcept={"text": "Stage 3B"})
    profile = profile_from_fhir(bundle(condition("c1", "Small cell lung cancer"), stage)).profile
    assert (profile.diagnoses[0].stage, profile.diagnoses[0].histology) == ("IIIB", "small cell")


def test_performance_scores_in_other_forms() -> None:
    karnofsky = observation("k1", "89243-0", valueInteger=80)
    status = profile_from_fhir(bundle(karnofsky)).profile.performance_status
    assert status is not None and (status.scale, status.score) == ("KARNOFSKY", 80.0)
    wrong = profile_from_fhir(bundle(observation("e1", "89247-1", valueInteger=7)))
    assert wrong.profile.performance_status is None
    assert wrong.skipped == ("Observation (entry 2): score out of range for ECOG",)


def test_resources_about_another_patient_are_left_out() -> None:
    other = {**PATIENT, "id": "p2"}
    lab = observation(
        "o1", "718-7", valueQuantity={"value": 9.1, "unit": "g/dL"}, subject={"reference": "Patient/p2"}
    )
    result = profile_from_fhir(bundle(other, lab))
    assert result.profile.labs == () and result.profile.id == "p1"
    assert result.skipped == (
        "Patient (entry 2): a second patient; only the first is read",
        "Observation (entry 3): about another patient",
    )


def test_a_medication_the_bundle_does_not_hold_is_reported() -> None:
    statement = {
        "resourceType": "MedicationStatement",
        "id": "ms1",
        "status": "active",
        "medicationReference": {"reference": "Medication/m9"},
        "subject": {"reference": "Patient/p1"},
    }
    result = profile_from_fhir(bundle(statement))
    assert result.profile.medications == ()
    assert result.skipped == ("MedicationStatement (entry 2): its Medication is not in the bundle",)


def test_bad_entries_are_skipped_and_the_rest_kept() -> None:
    document = bundle(observation("o1", "777-3", valueQuantity={"value": 180, "unit": "10*3/uL"}))
    document["entry"] += [
        "not an entry",
        {"resource": {"id": "x"}},
        {"resource": {"resourceType": "Encounter"}},
    ]
    result = profile_from_fhir(document)
    assert [lab.analyte for lab in result.profile.labs] == ["platelets"]
    assert result.skipped == ("Bundle entry 3: not an object", "Bundle entry 4: no resourceType")


# --- documents that are not a FHIR chart ---------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('{"name": "Jane Roe", "diagnosis": "melanoma"}', 'expected a JSON object with "resourceType"'),
        ("[1, 2]", "the JSON is not an object"),
        (
            '{"resourceType": "Observation", "status": "final"}',
            "a FHIR Observation resource is not a patient record",
        ),
        ('{"resourceType": "Bundle", "entry": []}', "not a valid FHIR R4 Bundle (type missing)"),
        ('{"resourceType": "Bundle", "type": "collection", "entry": {}}', "Bundle.entry is not a list"),
        ('{"resourceType": "Bundle", "type": "diary"}', "Bundle.type is not a Bundle type"),
        ('{"resourceType": "Patient", "name": "Jane Roe"', "not valid JSON (line 1, column"),
    ],
)
def test_a_document_that_is_not_a_fhir_chart_raises_a_clear_error(data: str, message: str) -> None:
    with pytest.raises(ProfileError) as raised:
        profile_from_fhir(data)
    assert message in str(raised.value)
    assert "Jane" not in str(raised.value) and "melanoma" not in str(raised.value)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
_KINDS = st.sampled_from(
    [
        "Patient",
        "Condition",
        "Observation",
        "MedicationStatement",
        "MedicationRequest",
        "Medication",
        "Procedure",
    ]
)
_FIELDS = st.sampled_from(
    [
        "id",
        "status",
        "code",
        "valueQuantity",
        "valueInteger",
        "valueCodeableConcept",
        "component",
        "effectiveDateTime",
        "birthDate",
        "gender",
        "address",
        "clinicalStatus",
        "verificationStatus",
        "stage",
        "onsetDateTime",
        "medicationCodeableConcept",
        "medicationReference",
        "dosage",
        "performedPeriod",
        "subject",
    ]
)
_RESOURCES = st.builds(
    lambda kind, fields: {"resourceType": kind, **fields}, _KINDS, st.dictionaries(_FIELDS, _JSON)
)
_DOCUMENTS = (
    st.dictionaries(st.text(max_size=12), _JSON)
    | _RESOURCES
    | st.builds(
        lambda entries, kind: {
            "resourceType": "Bundle",
            "type": kind,
            "entry": [{"resource": r} for r in entries],
        },
        st.lists(_RESOURCES, max_size=5),
        st.sampled_from(["collection", "searchset"]) | _JSON,
    )
)


# Valid FHIR with odd values, so that the reading itself (not only validation) is exercised.
_CODE = st.sampled_from(
    (
        *("89247-1", "89243-0", "82810-3", "21908-9", "718-7", "751-8", "69548-6", "48018-6", "47998-0"),
        *(
            "LA9623-5",
            "LA26683-5",
            "260385009",
            "active",
            "refuted",
            "resolved",
            "BID",
            "EGFR",
            "PD-L1 TPS",
            "x",
        ),
    )
)
_TEXT = st.sampled_from(
    [
        "EGFR exon 19",
        "PD-L1 TPS",
        "ALK rearrangement",
        "ECOG",
        "Karnofsky 80",
        "Stage 4B",
        "not detected",
        "3",
    ]
) | st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=15).filter(
    str.strip
)
_CONCEPT = st.fixed_dictionaries(
    {},
    optional={
        "text": _TEXT,
        "coding": st.lists(
            st.fixed_dictionaries(
                {"code": _CODE},
                optional={"system": st.sampled_from([LOINC, "http://snomed.info/sct"]), "display": _TEXT},
            ),
            max_size=2,
        ),
    },
)
_LOINC_CONCEPT = st.fixed_dictionaries(
    {
        "coding": st.lists(
            st.fixed_dictionaries({"system": st.just(LOINC), "code": _CODE}), min_size=1, max_size=2
        )
    },
    optional={"text": _TEXT},
)
_NUMBER = st.integers(-(10**6), 10**6) | st.floats(-1e9, 1e9, allow_nan=False)
_QUANTITY = st.fixed_dictionaries(
    {}, optional={"value": _NUMBER, "unit": st.sampled_from(["%", "mg", "mL/min", "g/dL"])}
)
_DATE = st.sampled_from(
    ["1961", "2024-05", "2024-05-06", "2024-05-06T10:00:00Z", "2024-05-06T10:00:00+14:00"]
)
_PERIOD = st.fixed_dictionaries({}, optional={"start": _DATE, "end": _DATE})
_REFERENCE = st.fixed_dictionaries(
    {"reference": st.sampled_from(["Patient/p1", "Patient/p2", "#m", "urn:uuid:x"])}
)
_DOSAGE = st.fixed_dictionaries(
    {},
    optional={
        "text": _TEXT,
        "asNeededBoolean": st.booleans(),
        "timing": st.fixed_dictionaries(
            {},
            optional={
                "code": _CONCEPT,
                "repeat": st.fixed_dictionaries(
                    {},
                    optional={
                        "frequency": st.integers(0, 10**6),
                        "period": st.integers(0, 10**6) | st.floats(0, 1e6),
                        "periodUnit": st.sampled_from(["s", "min", "h", "d", "wk", "mo", "a"]),
                        "boundsPeriod": _PERIOD,
                    },
                ),
            },
        ),
        "doseAndRate": st.lists(st.fixed_dictionaries({"doseQuantity": _QUANTITY}), max_size=1),
    },
)
_ADDRESS = st.fixed_dictionaries(
    {}, optional={"city": _TEXT, "state": _TEXT, "country": _TEXT, "text": _TEXT}
)
_VALUE = st.one_of(
    st.fixed_dictionaries({"valueQuantity": _QUANTITY}),
    st.fixed_dictionaries({"valueInteger": st.integers(-(10**6), 10**6)}),
    st.fixed_dictionaries({"valueCodeableConcept": _CONCEPT}),
    st.fixed_dictionaries({"valueString": _TEXT}),
    st.fixed_dictionaries({"valueBoolean": st.booleans()}),
    st.just({}),
)
_COMPONENT = st.builds(
    lambda code, value: {"code": code, **value}, _CONCEPT, _VALUE.filter(lambda v: "valueBoolean" not in v)
)
_MEDICATION = st.one_of(
    st.fixed_dictionaries({"medicationCodeableConcept": _CONCEPT}),
    st.fixed_dictionaries({"medicationReference": _REFERENCE}),
)
_STATUS = st.sampled_from(
    ["final", "active", "stopped", "completed", "entered-in-error", "not-done", "unknown"]
)
_ID = st.sampled_from(["p1", "p2", "m", "x"])
_NO_VALUE = st.just({})


def _resource(kind: str, required: dict[str, Any], optional: dict[str, Any], value: Any = _NO_VALUE) -> Any:
    fields = st.fixed_dictionaries(required, optional={"id": _ID, **optional})
    return st.builds(lambda f, v: {"resourceType": kind, **f, **v}, fields, value)


_PLAUSIBLE = st.one_of(
    _resource(
        "Patient",
        {},
        {
            "gender": st.sampled_from(["female", "male", "other"]),
            "birthDate": _DATE.map(lambda d: d[:10]),
            "address": st.lists(_ADDRESS, max_size=2),
        },
    ),
    _resource(
        "Condition",
        {"subject": _REFERENCE},
        {
            "code": _CONCEPT,
            "category": st.lists(_CONCEPT, max_size=2),
            "clinicalStatus": _CONCEPT,
            "verificationStatus": _CONCEPT,
            "stage": st.lists(st.fixed_dictionaries({"summary": _CONCEPT}), max_size=1),
            "onsetDateTime": _DATE,
            "abatementPeriod": _PERIOD,
        },
    ),
    _resource(
        "Observation",
        {"status": _STATUS, "code": _LOINC_CONCEPT | _CONCEPT},
        {
            "subject": _REFERENCE,
            "category": st.lists(_CONCEPT, max_size=2),
            "focus": st.lists(_REFERENCE, max_size=1),
            "effectiveDateTime": _DATE,
            "interpretation": st.lists(_CONCEPT, max_size=1),
            "referenceRange": st.lists(st.fixed_dictionaries({}, optional={"high": _QUANTITY}), max_size=1),
            "component": st.lists(_COMPONENT, max_size=3),
        },
        _VALUE,
    ),
    _resource(
        "MedicationStatement",
        {"status": _STATUS, "subject": _REFERENCE},
        {
            "statusReason": st.lists(_CONCEPT, max_size=1),
            "effectivePeriod": _PERIOD,
            "dosage": st.lists(_DOSAGE, max_size=2),
        },
        _MEDICATION,
    ),
    _resource(
        "MedicationRequest",
        {"status": _STATUS, "intent": st.sampled_from(["order", "plan"]), "subject": _REFERENCE},
        {"statusReason": _CONCEPT, "authoredOn": _DATE, "dosageInstruction": st.lists(_DOSAGE, max_size=2)},
        _MEDICATION,
    ),
    _resource(
        "Procedure",
        {"status": _STATUS, "subject": _REFERENCE},
        {"code": _CONCEPT, "performedPeriod": _PERIOD},
    ),
    _resource("Medication", {}, {"code": _CONCEPT}),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCUMENTS)
def test_any_json_object_gives_a_profile_or_a_profile_error(document: dict[str, Any]) -> None:
    try:
        result = profile_from_fhir(document)
    except ProfileError:
        return
    assert isinstance(result, FhirImport)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PLAUSIBLE, max_size=6))
def test_any_bundle_of_odd_but_valid_resources_gives_a_profile(resources: list[dict[str, Any]]) -> None:
    result = profile_from_fhir(bundle(*resources, patient=None))
    assert decode_profile(encode_profile(result.profile)) == result.profile


def test_profile_error_is_a_trialscout_error() -> None:
    assert issubclass(ProfileError, TrialscoutError)
