"""The decision policy: "not met" only from a typed, unconditional criterion certainly failed by
a current fact of the profile; everything else is unknown, with the question to ask."""

from __future__ import annotations

import datetime as dt

import pytest

from trialscout.matching.check import TrialResult, Verdict, check_trial
from trialscout.model.enums import OverallStatus, SourceFormat
from trialscout.model.patient import (
    Condition,
    Finding,
    LabResult,
    Medication,
    PatientProfile,
    PatientSex,
    Therapy,
)
from trialscout.model.trial import Eligibility, SourceInfo, Trial
from trialscout.store.criteria import current_criteria
from trialscout.store.sqlite import SQLiteStore

TODAY = dt.date(2026, 11, 15)


def trial(criteria: str, status: OverallStatus | None = OverallStatus.RECRUITING) -> Trial:
    return Trial(
        nct_id="NCT00000002",
        overall_status=status,
        eligibility=Eligibility(criteria=criteria),
        source=SourceInfo(format=SourceFormat.CTGOV_API_V2_JSON),
    )


def verdicts(profile: PatientProfile, criteria: str) -> dict[str, Verdict]:
    return {v.id: v.verdict for v in check_trial(profile, trial(criteria)).criteria}


SCLC = PatientProfile(
    age=61,
    sex=PatientSex.MALE,
    as_of=TODAY,
    diagnoses=(Condition(name="small cell lung cancer", stage="extensive"),),
)


def test_a_conditional_requirement_is_met_by_a_patient_it_does_not_cover() -> None:
    text = """Inclusion Criteria:
- Patients with brain metastases are eligible provided they meet the following criteria:
  * radiotherapy for brain metastases was completed at least 2 weeks before the first dose
"""
    no_brain = PatientProfile(age=61, as_of=TODAY, absent=(Finding(name="brain metastases"),))
    check = check_trial(no_brain, trial(text))
    point = next(v for v in check.criteria if v.id == "I1.1")
    assert point.verdict is Verdict.MET and "does not apply" in point.reason
    silent = check_trial(SCLC, trial(text))
    assert silent.result is not TrialResult.NOT_ELIGIBLE  # no profile says whether: never a "no"


def test_an_exception_never_excludes_and_rescues_to_unknown() -> None:
    text = """Exclusion Criteria:
- Other malignancy within the last 2 years except:
  * effectively treated non-melanoma skin cancer
  * other effectively treated malignancy considered cured by local treatment
"""
    bcc = PatientProfile(
        age=61,
        as_of=TODAY,
        diagnoses=(Condition(name="small cell lung cancer"),),
        other_conditions=(
            Condition(name="basal cell carcinoma", diagnosed=dt.date(2025, 6, 1), treated=True),
        ),
    )
    check = check_trial(bcc, trial(text))
    assert [v.id for v in check.criteria] == ["E1"]  # the exceptions are not checked on their own
    assert check.criteria[0].verdict is Verdict.UNKNOWN
    assert "exception" in check.criteria[0].reason


def test_brain_metastases_are_not_leptomeningeal_disease() -> None:
    text = "Exclusion Criteria:\n- Known leptomeningeal disease\n"
    brain = PatientProfile(
        age=61, as_of=TODAY, other_conditions=(Condition(name="brain metastases", treated=True),)
    )
    assert verdicts(brain, text)["E1"] is Verdict.UNKNOWN


def test_a_drug_the_profile_does_not_list_is_unknown_leaning_not_met() -> None:
    text = "Inclusion Criteria:\n- On a stable dose of metformin for at least 3 months\n"
    on_other = PatientProfile(age=61, as_of=TODAY, medications=(Medication(name="lisinopril"),))
    check = check_trial(on_other, trial(text))
    verdict = check.criteria[0]
    assert verdict.verdict is Verdict.UNKNOWN and verdict.leaning_not_met
    assert check.result is TrialResult.POSSIBLY_ELIGIBLE and check.leaning_not_met == 1


@pytest.mark.parametrize(
    ("date", "expected"), [(dt.date(2026, 11, 1), Verdict.NOT_MET), (dt.date(2025, 1, 5), Verdict.UNKNOWN)]
)
def test_only_a_current_result_rules_a_patient_out(date: dt.date, expected: Verdict) -> None:
    text = "Inclusion Criteria:\n- Platelets at least 100,000/mm3\n"
    low = PatientProfile(
        age=61, as_of=TODAY, labs=(LabResult(analyte="platelets", value=60, unit="10^9/L", date=date),)
    )
    assert verdicts(low, text)["I1"] is expected


def test_an_absent_finding_only_denies_the_same_or_a_narrower_thing() -> None:
    text = "Inclusion Criteria:\n- Diffuse large B-cell lymphoma or other non-Hodgkin lymphoma\n"
    no_cns = PatientProfile(
        age=61,
        as_of=TODAY,
        diagnoses=(Condition(name="follicular lymphoma"),),
        absent=(Finding(name="CNS lymphoma"), Finding(name="other malignancy")),
    )
    assert verdicts(no_cns, text)["I1"] is not Verdict.NOT_MET
    no_cancer = PatientProfile(age=40, as_of=TODAY, absent=(Finding(name="lymphoma"),))
    assert verdicts(no_cancer, text)["I1"] is Verdict.NOT_MET


def test_stroke_patients_with_dysphagia_need_both() -> None:
    text = "Inclusion Criteria:\n- Stroke patients with dysphagia\n"
    dysphagia_only = PatientProfile(
        age=70, as_of=TODAY, other_conditions=(Condition(name="dysphagia"),), absent=(Finding(name="stroke"),)
    )
    assert verdicts(dysphagia_only, text)["I1"] is Verdict.NOT_MET
    exclusion = "Exclusion Criteria:\n- Stroke patients with dysphagia\n"
    stroke_only = PatientProfile(
        age=70, as_of=TODAY, other_conditions=(Condition(name="stroke"),), absent=(Finding(name="dysphagia"),)
    )
    assert verdicts(stroke_only, exclusion)["E1"] is Verdict.MET


def test_a_closed_trial_says_so_beside_its_verdict() -> None:
    check = check_trial(SCLC, trial("Inclusion Criteria:\n- Age 18 or older\n", OverallStatus.COMPLETED))
    assert not check.open and "not recruiting" in check.summary and "completed" in check.summary
    open_check = check_trial(SCLC, trial("Inclusion Criteria:\n- Age 18 or older\n"))
    assert open_check.open and open_check.summary == open_check.headline


def test_the_issue_cases_on_the_real_record(registry: SQLiteStore) -> None:
    """NCT05879978 (the issue's examples, as regressions): a patient with no brain metastases
    is not ruled out by the conditions for brain metastases, nor a patient with a treated
    basal-cell carcinoma by the other-cancer exclusion's exceptions."""
    record = registry.trial("NCT05879978")
    parsed = current_criteria(registry, "NCT05879978")
    patient = PatientProfile(
        age=62,
        sex=PatientSex.FEMALE,
        as_of=TODAY,
        diagnoses=(Condition(name="small cell lung cancer", stage="extensive"),),
        other_conditions=(
            Condition(name="basal cell carcinoma", diagnosed=dt.date(2025, 3, 1), treated=True),
        ),
        absent=(Finding(name="brain metastases"),),
    )
    check = check_trial(patient, record, parsed)
    assert check.result is not TrialResult.NOT_ELIGIBLE, [
        (v.id, v.reason) for v in check.criteria if v.verdict is Verdict.NOT_MET
    ]
    by_id = {v.id: v for v in check.criteria}
    assert by_id["I7.1"].verdict is Verdict.MET
    assert "E2.4" not in by_id  # an exception, not a requirement


def test_a_treatment_with_no_end_date_may_still_be_going_on() -> None:
    started = PatientProfile(
        age=61,
        as_of=TODAY,
        prior_therapies=(
            Therapy(name="carboplatin", drug_class="platinum-based chemotherapy", start=dt.date(2025, 6, 1)),
        ),
    )
    washout = "Exclusion Criteria:\n- Chemotherapy within 4 weeks before the first dose\n"
    assert verdicts(started, washout)["E1"] is Verdict.UNKNOWN  # not "does not apply": it may be ongoing
    stopped = PatientProfile(
        age=61,
        as_of=TODAY,
        prior_therapies=(
            Therapy(
                name="carboplatin",
                drug_class="platinum-based chemotherapy",
                start=dt.date(2025, 6, 1),
                end=dt.date(2025, 9, 1),
            ),
        ),
    )
    assert verdicts(stopped, washout)["E1"] is Verdict.MET
