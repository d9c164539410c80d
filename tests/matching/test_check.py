"""One patient, one trial: per-criterion verdicts with evidence, exceptions, units and dates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialscout.matching.check import CriterionVerdict, TrialCheck, TrialResult, Verdict, check_trial
from trialscout.model.enums import SourceFormat
from trialscout.model.patient import (
    Biomarker,
    Condition,
    Finding,
    LabResult,
    Medication,
    PatientProfile,
    PatientSex,
    PerformanceStatus,
    Procedure,
    Therapy,
)
from trialscout.model.trial import Eligibility, SourceInfo, Trial
from trialscout.store.criteria import current_criteria
from trialscout.store.sqlite import SQLiteStore

TODAY = dt.date(2026, 11, 1)

CRITERIA = """Inclusion Criteria:
- Histologically confirmed non-small cell lung cancer, stage IIIB or IV
- ECOG 0-1 or Karnofsky >= 70
- Prior treatment with platinum-based chemotherapy with progression
- ANC >= 1500/mm3, platelets >= 100,000/mm3, AST/ALT <= 2.5 x ULN (<= 5 x ULN if liver metastases)
- Creatinine <= 1.5 mg/dL
- EGFR activating mutation
Exclusion Criteria:
- History of myocardial infarction within 6 months
- Untreated brain metastases. Patients with treated, stable brain metastases are eligible.
- HIV infection or active hepatitis B
- Pregnant or breastfeeding women
- Corticosteroids > 10 mg/day prednisone equivalent
- Major surgery within 28 days
- Diabetes mellitus, hypertension, or asthma
"""


def trial(criteria: str = CRITERIA, **eligibility: object) -> Trial:
    return Trial(
        nct_id="NCT00000001",
        eligibility=Eligibility(criteria=criteria, **eligibility),  # type: ignore[arg-type]
        source=SourceInfo(format=SourceFormat.CTGOV_API_V2_JSON),
    )


FIT = PatientProfile(
    age=64,
    sex=PatientSex.FEMALE,
    as_of=TODAY,
    diagnoses=(Condition(name="non-small cell lung cancer", stage="IV"),),
    other_conditions=(Condition(name="brain metastases", treated=True, symptomatic=False),),
    absent=(
        Finding(name="HIV"),
        Finding(name="hepatitis B"),
        Finding(name="myocardial infarction"),
        Finding(name="diabetes"),
        Finding(name="hypertension"),
        Finding(name="asthma"),
    ),
    performance_status=PerformanceStatus(scale="ECOG", score=1),
    labs=(
        LabResult(analyte="ANC", value=2100, unit="/mm3"),
        LabResult(analyte="platelets", value=150, unit="10^9/L"),
        LabResult(analyte="AST", value=30, unit="U/L", upper_limit_normal=40),
        LabResult(analyte="ALT", value=1.2, unit="xULN"),
        LabResult(analyte="creatinine", value=88, unit="µmol/L"),
    ),
    prior_therapies=(Therapy(name="carboplatin", progression=True, end=dt.date(2026, 8, 1)),),
    medications=(Medication(name="dexamethasone", dose=1, dose_unit="mg/day"),),
    procedures=(Procedure(name="lobectomy", date=dt.date(2026, 1, 10)),),
    biomarkers=(Biomarker(marker="EGFR", alteration="mutation", detail="exon 19 deletion", positive=True),),
)


def verdict(check: TrialCheck, start: str) -> CriterionVerdict:
    return next(v for v in check.criteria if v.text.startswith(start))


def with_(profile: PatientProfile, **changes: object) -> PatientProfile:
    import msgspec

    return msgspec.structs.replace(profile, **changes)


def test_a_patient_who_fits_meets_every_checkable_criterion() -> None:
    check = check_trial(FIT, trial(minimum_age_years=18))
    assert check.failing == ()
    assert [v.id for v in check.criteria if v.verdict is Verdict.UNKNOWN] == []
    assert check.result is TrialResult.ELIGIBLE and check.summary.startswith("Eligible on all")
    assert "age 64" in verdict(check, "Pregnant").reason  # not asked of a woman of 64
    young = check_trial(with_(FIT, age=30), trial())
    assert young.result is TrialResult.POSSIBLY_ELIGIBLE and young.unknown == 1
    assert {q.key for q in young.questions} == {"pregnant", "breastfeeding"}
    assert verdict(check, "ECOG").reason.startswith("ECOG 1")
    assert "carboplatin" in verdict(check, "Prior treatment").reason


def test_units_are_converted_before_comparing() -> None:
    check = check_trial(FIT, trial())
    labs = verdict(check, "ANC")
    assert labs.verdict is Verdict.MET
    assert "2.1 10^9/L" in labs.reason and "0.75 x ULN" in labs.reason  # AST 30 of a ULN of 40
    creatinine = verdict(check, "Creatinine")
    assert creatinine.verdict is Verdict.MET and "0.995 mg/dL" in creatinine.reason  # 88 µmol/L
    high = with_(FIT, labs=(LabResult(analyte="creatinine", value=150, unit="umol/L"),))
    assert verdict(check_trial(high, trial()), "Creatinine").verdict is Verdict.NOT_MET  # 1.7 mg/dL


def test_a_failing_criterion_makes_the_trial_not_eligible_and_is_named() -> None:
    low = with_(FIT, labs=(LabResult(analyte="platelets", value=90000, unit="/µL"),))
    check = check_trial(low, trial())
    assert check.result is TrialResult.NOT_ELIGIBLE
    failing = verdict(check, "ANC")
    assert failing.id in check.failing and "platelets" in failing.reason
    assert check.summary.startswith("Not eligible: 1 criterion not met")


def test_inclusion_and_exclusion_polarity() -> None:
    sick = with_(FIT, other_conditions=(Condition(name="type 2 diabetes mellitus"),), absent=())
    check = check_trial(sick, trial())
    assert verdict(check, "Diabetes").verdict is Verdict.NOT_MET  # an exclusion that applies
    well = check_trial(FIT, trial())
    assert verdict(well, "Diabetes").verdict is Verdict.MET  # an exclusion that does not apply
    assert "no diabetes" in verdict(well, "Diabetes").reason


def test_an_exception_turns_a_failure_into_a_question_never_a_pass() -> None:
    untreated = with_(FIT, other_conditions=(Condition(name="brain metastases", treated=False),))
    check = check_trial(untreated, trial())
    brain = verdict(check, "Untreated brain")
    assert brain.verdict is Verdict.UNKNOWN
    assert "treated, stable brain metastases are eligible" in brain.reason
    assert verdict(check_trial(FIT, trial()), "Untreated brain").verdict is Verdict.MET


def test_time_windows_use_the_profile_date() -> None:
    recent = with_(
        FIT, other_conditions=(Condition(name="myocardial infarction", diagnosed=dt.date(2026, 8, 1)),)
    )
    assert verdict(check_trial(recent, trial()), "History of myocardial").verdict is Verdict.NOT_MET
    old = with_(
        FIT, other_conditions=(Condition(name="myocardial infarction", diagnosed=dt.date(2024, 1, 1)),)
    )
    assert verdict(check_trial(old, trial()), "History of myocardial").verdict is Verdict.MET
    surgery = with_(FIT, procedures=(Procedure(name="lobectomy", date=dt.date(2026, 10, 20)),))
    assert verdict(check_trial(surgery, trial()), "Major surgery").verdict is Verdict.NOT_MET


def test_steroid_dose_is_compared_in_prednisone_equivalents() -> None:
    # dexamethasone 4 mg/day = 26.7 mg prednisone: above 10 mg/day
    high = with_(FIT, medications=(Medication(name="dexamethasone", dose=4, dose_unit="mg/day"),))
    steroid = verdict(check_trial(high, trial()), "Corticosteroids")
    assert steroid.verdict is Verdict.NOT_MET and "26.7 mg/day prednisone-equivalent" in steroid.reason
    assert verdict(check_trial(FIT, trial()), "Corticosteroids").verdict is Verdict.MET


def test_performance_scales_map_to_ecog() -> None:
    karnofsky = with_(FIT, performance_status=PerformanceStatus(scale="KARNOFSKY", score=80))
    assert verdict(check_trial(karnofsky, trial()), "ECOG").verdict is Verdict.MET
    poor = with_(FIT, performance_status=PerformanceStatus(scale="ECOG", score=3))
    assert verdict(check_trial(poor, trial()), "ECOG").verdict is Verdict.NOT_MET


def test_registry_age_and_sex_limits() -> None:
    check = check_trial(with_(FIT, age=16), trial(minimum_age_years=18))
    assert "R1" in check.failing
    men_only = check_trial(FIT, trial(sex="MALE"))
    assert "R1" in men_only.failing and "sex female" in men_only.criteria[0].reason


def test_a_rule_for_other_people_does_not_apply() -> None:
    text = "Inclusion Criteria:\n- Men must agree to use contraception during the study\n"
    check = check_trial(FIT, trial(text))
    assert check.failing == ()


def test_non_small_cell_is_not_small_cell() -> None:
    text = "Exclusion Criteria:\n- Small cell lung cancer or mixed small cell histology\n"
    assert check_trial(FIT, trial(text)).failing == ()


def test_an_empty_profile_leaves_everything_unknown() -> None:
    check = check_trial(PatientProfile(), trial())
    assert check.result is TrialResult.POSSIBLY_ELIGIBLE
    assert all(v.verdict is Verdict.UNKNOWN for v in check.criteria)
    assert {"ecog", "lab:anc", "biomarker:egfr"} <= {q.key for q in check.questions}


def test_real_trial_from_the_store(registry: SQLiteStore) -> None:
    check = check_trial(FIT, registry.trial("NCT06576635"), current_criteria(registry, "NCT06576635"))
    ecog = next(v for v in check.criteria if v.text.startswith("ECOG performance status"))
    assert ecog.verdict is Verdict.MET
    assert check.result is not TrialResult.NOT_ELIGIBLE
    child = with_(FIT, age=12)
    assert check_trial(child, registry.trial("NCT06576635")).result is TrialResult.NOT_ELIGIBLE


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_any_criteria_text_gives_verdicts(text: str) -> None:
    check = check_trial(FIT, trial(text))
    assert check.result in TrialResult


@pytest.mark.parametrize("value", [0.0, -5.0, 1e12, float("nan")])
def test_odd_lab_values_never_raise(value: float) -> None:
    odd = with_(FIT, labs=(LabResult(analyte="platelets", value=value, unit="furlongs"),))
    assert check_trial(odd, trial()).result in TrialResult
