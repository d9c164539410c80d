"""What the patient has but the profile cannot settle: unknown, leaning where it likely fails,
never a "not met" on a guess."""

from __future__ import annotations

import datetime as dt

from trialscout.matching.check import TrialCheck, Verdict, check_trial
from trialscout.matching.ranking import eligibility_score
from trialscout.model.enums import SourceFormat
from trialscout.model.patient import Condition, PatientProfile, PatientSex, Procedure
from trialscout.model.trial import Eligibility, SourceInfo, Trial

TODAY = dt.date(2026, 11, 1)


def check(profile: PatientProfile, criteria: str) -> TrialCheck:
    trial = Trial(
        nct_id="NCT00000002",
        eligibility=Eligibility(criteria=criteria),
        source=SourceInfo(format=SourceFormat.CTGOV_API_V2_JSON),
    )
    return check_trial(profile, trial)


def patient(*conditions: Condition, procedures: tuple[Procedure, ...] = ()) -> PatientProfile:
    return PatientProfile(
        age=45, sex=PatientSex.FEMALE, as_of=TODAY, other_conditions=conditions, procedures=procedures
    )


WINDOW = "Exclusion Criteria:\n- Stroke within the last 2 years\n"


def test_an_undated_condition_against_a_window_is_unknown_and_leans_not_met() -> None:
    had = check(patient(Condition(name="stroke")), WINDOW)
    never_asked = check(patient(), WINDOW)
    (criterion,) = had.criteria
    assert criterion.verdict is Verdict.UNKNOWN and criterion.leaning_not_met
    assert any(q.key == "when:stroke" for q in criterion.questions)
    assert not never_asked.criteria[0].leaning_not_met
    assert eligibility_score(had) < eligibility_score(never_asked)


def test_a_dated_condition_outside_the_window_is_met() -> None:
    old = check(patient(Condition(name="stroke", diagnosed=dt.date(2019, 5, 1))), WINDOW)
    assert old.criteria[0].verdict is Verdict.MET and not old.criteria[0].leaning_not_met


def test_surgery_of_one_kind_is_not_evidenced_by_another_operation() -> None:
    appendix = (Procedure(name="appendectomy"),)
    kind = check(
        patient(procedures=appendix), "Exclusion Criteria:\n- Prior surgical management of this gestation\n"
    )
    assert kind.criteria[0].verdict is not Verdict.NOT_MET
    major = check(patient(procedures=appendix), "Exclusion Criteria:\n- Prior major surgery\n")
    assert major.criteria[0].verdict is Verdict.NOT_MET


def test_a_past_pneumonia_is_no_active_infection() -> None:
    criteria = "Exclusion Criteria:\n- Active infection requiring antibiotics\n"
    past = check(patient(Condition(name="pneumonia", status="history")), criteria)
    now = check(patient(Condition(name="pneumonia")), criteria)
    assert past.criteria[0].verdict is Verdict.UNKNOWN
    assert now.criteria[0].verdict is Verdict.NOT_MET
