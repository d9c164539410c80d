"""The closed-world reading: a disease an inclusion requires that the profile never mentions
leans towards not met (and lowers the eligibility score), but is never "not met" alone."""

from __future__ import annotations

import datetime as dt
import functools

import pytest

from tests.conftest import DATA
from trialscout.eligibility.model import ConditionRule, CriterionKind, DiagnosisRule, ParsedEligibility
from trialscout.eligibility.parse import parse_eligibility
from trialscout.evaluation.corpus import BenchmarkTrial, read_corpus
from trialscout.matching.check import CriterionVerdict, TrialCheck, TrialResult, Verdict, check_trial
from trialscout.matching.ranking import eligibility_score
from trialscout.model.patient import CandidateDiagnosis, Condition, Finding, PatientProfile, PatientSex

TODAY = dt.date(2026, 11, 1)
SIGIR_TRIALS = DATA / "sigir-trialgpt-format"
ASTHMA_TRIAL = "NCT00042705"  # inclusion: "Physician diagnosed asthma", "Age less than 11 years", ...
LUPUS_TRIAL = "NCT00036491"  # inclusion: "Have SLE (by the American College of Rheumatology criteria)"


@functools.cache
def corpus() -> dict[str, BenchmarkTrial]:
    return read_corpus([SIGIR_TRIALS]).trials


@functools.cache
def parsed(nct_id: str) -> ParsedEligibility:
    return parse_eligibility(corpus()[nct_id].trial)


def check(profile: PatientProfile, nct_id: str, *, closed_world: bool) -> TrialCheck:
    return check_trial(profile, corpus()[nct_id].trial, parsed(nct_id), closed_world=closed_world)


def child(**parts: object) -> PatientProfile:
    return PatientProfile(age=8, sex=PatientSex.MALE, as_of=TODAY, **parts)  # type: ignore[arg-type]


def asthma_criterion(result: TrialCheck) -> CriterionVerdict:
    return next(c for c in result.criteria if c.text.startswith("Physician diagnosed asthma"))


def test_an_unmentioned_required_disease_leans_not_met_and_lowers_the_score() -> None:
    profile = child(other_conditions=(Condition(name="eczema"),))
    closed = check(profile, ASTHMA_TRIAL, closed_world=True)
    open_ = check(profile, ASTHMA_TRIAL, closed_world=False)
    assert asthma_criterion(closed).verdict is Verdict.UNKNOWN and asthma_criterion(closed).leaning_not_met
    assert asthma_criterion(open_).verdict is Verdict.UNKNOWN and not asthma_criterion(open_).leaning_not_met
    assert closed.result is TrialResult.POSSIBLY_ELIGIBLE and not closed.failing
    assert closed.leaning_not_met > open_.leaning_not_met
    assert eligibility_score(closed) < eligibility_score(open_)


def test_a_mentioned_disease_is_met() -> None:
    profile = child(diagnoses=(Condition(name="asthma"),))
    assert asthma_criterion(check(profile, ASTHMA_TRIAL, closed_world=True)).verdict is Verdict.MET
    lupus = PatientProfile(
        age=35,
        sex=PatientSex.FEMALE,
        as_of=TODAY,
        diagnoses=(Condition(name="systemic lupus erythematosus"),),
    )
    result = check(lupus, LUPUS_TRIAL, closed_world=True)
    have_sle = next(c for c in result.criteria if c.text.startswith("Have SLE (by the American"))
    assert have_sle.verdict is Verdict.MET


def test_a_suggested_diagnosis_is_a_mention_it_does_not_lean() -> None:
    suggested = (CandidateDiagnosis(name="asthma", score=0.6, supporting=("wheeze",)),)
    result = check(child(candidate_diagnoses=suggested), ASTHMA_TRIAL, closed_world=True)
    criterion = asthma_criterion(result)
    assert criterion.verdict is Verdict.UNKNOWN and not criterion.leaning_not_met


def test_a_denied_disease_is_not_met_as_the_rules_already_say_with_or_without_the_closed_world() -> None:
    profile = child(absent=(Finding(name="asthma"),))
    closed, open_ = (check(profile, ASTHMA_TRIAL, closed_world=w) for w in (True, False))
    assert asthma_criterion(closed).verdict is Verdict.NOT_MET
    assert closed.failing == open_.failing and closed.result is TrialResult.NOT_ELIGIBLE


PROFILES = (
    child(),
    child(other_conditions=(Condition(name="eczema"),)),
    PatientProfile(
        age=58,
        sex=PatientSex.FEMALE,
        as_of=TODAY,
        diagnoses=(Condition(name="type 2 diabetes"),),
        other_conditions=(Condition(name="hypertension"),),
    ),
)


def _about_a_condition(verdict: CriterionVerdict) -> bool:
    return any(r.rule in ("condition", "diagnosis") for r in verdict.rules)


@pytest.mark.parametrize("profile", PROFILES, ids=["silent", "eczema", "diabetes"])
def test_the_closed_world_alone_never_fails_a_criterion_and_touches_only_required_conditions(
    profile: PatientProfile,
) -> None:
    """On 120 real trials: the same criteria fail with and without the closed world (so the
    verdict is never 'not eligible' from it alone); only inclusions about a condition change,
    and only towards leaning; some do."""
    assert {ConditionRule.__struct_config__.tag, DiagnosisRule.__struct_config__.tag} == {
        "condition",
        "diagnosis",
    }
    leaned = 0
    for nct_id in sorted(corpus())[:120]:
        closed = check(profile, nct_id, closed_world=True)
        open_ = check(profile, nct_id, closed_world=False)
        assert closed.failing == open_.failing and closed.result == open_.result, nct_id
        for before, after in zip(open_.criteria, closed.criteria, strict=True):
            assert after.verdict is before.verdict, (nct_id, after.id)
            if after.leaning_not_met != before.leaning_not_met:
                assert after.leaning_not_met and after.kind is CriterionKind.INCLUSION, (nct_id, after.id)
                assert _about_a_condition(after), (nct_id, after.id, after.text)
                leaned += 1
    assert leaned > 10
