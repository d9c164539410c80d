""" "Do I qualify?" on the real lung-cancer trials of the NSCLC benchmark export: the questions
come from each trial's own criteria, a "not sure" never turns into a "no", and an answer that
breaks an age limit says so, naming the criterion."""

from __future__ import annotations

import functools
import json
import re

import pytest

from tests.conftest import NSCLC
from trialscout.eligibility.model import (
    AgeRule,
    Criterion,
    CriterionRole,
    Expect,
    LabRule,
    PerformanceStatusRule,
    PriorTherapyRule,
)
from trialscout.errors import ProfileError
from trialscout.matching.check import TrialResult, Verdict
from trialscout.services.qualify import (
    MAX_QUESTIONS,
    NOT_SURE,
    AnswerError,
    QualifyResult,
    QuestionKind,
    Questionnaire,
    qualify,
    questionnaire,
)
from trialscout.services.registry import LocalRegistry
from trialscout.services.trials import trial_criteria

# Conmana with thalidomide for NSCLC: ages 18-75, ECOG 0-2, neutrophils and platelets floors,
# no allergy to thalidomide or icotinib (each checked against its parsed criteria below).
CONMANA = "NCT02778893"


@functools.cache
def nsclc_ids() -> tuple[str, ...]:
    return tuple(s["protocolSection"]["identificationModule"]["nctId"] for s in json.loads(NSCLC.read_text()))


def requirements(registry: LocalRegistry, nct_id: str) -> dict[str, Criterion]:
    parsed = trial_criteria(registry, nct_id).parsed
    return {c.id: c for c in parsed.criteria if c.role is CriterionRole.REQUIREMENT}


def verdicts(result: QualifyResult) -> dict[str, Verdict]:
    return {c.id: c.verdict for c in result.criteria}


def test_every_question_comes_from_criteria_that_test_it(local_registry: LocalRegistry) -> None:
    asked = {"ecog": 0, "lab": 0, "therapy": 0}
    for nct in nsclc_ids():
        form = questionnaire(local_registry, nct)
        trial = trial_criteria(local_registry, nct).trial
        criteria = requirements(local_registry, nct)
        keys = [q.key for q in form.questions]
        assert len(keys) == len(set(keys)) and len(keys) <= MAX_QUESTIONS, nct
        assert (
            sum(k.startswith("therapy:") for k in keys) <= 6 and sum(k.startswith("lab:") for k in keys) <= 4
        )
        for question in form.questions:
            assert question.criteria, (nct, question.key)  # never a question no criterion needs
            assert set(question.criteria) <= {*criteria, "R1"}, (nct, question.key)
            rules = [r for c in question.criteria if c in criteria for r in criteria[c].rules]
            section = question.key.split(":")[0]
            if section in asked:
                asked[section] += 1
            if question.key == "age":
                limits = trial.eligibility
                assert ("R1" in question.criteria and limits is not None) or any(
                    isinstance(r, AgeRule) for r in rules
                )
            elif question.key == "ecog":
                assert any(isinstance(r, PerformanceStatusRule) for r in rules), nct
                assert {o.value for o in question.options} == {"0", "1", "2", "3", "4", NOT_SURE}
            elif section == "lab":
                analyte = question.key.removeprefix("lab:")
                assert any(isinstance(r, LabRule) and r.analyte == analyte for r in rules), nct
                assert question.optional and question.unit and question.kind is QuestionKind.NUMBER
            elif section == "therapy":
                named = {
                    t.lower()
                    for c in criteria.values()
                    for r in c.rules
                    if isinstance(r, PriorTherapyRule)
                    for t in r.therapies
                }
                assert any(question.text.lower().rstrip("?").endswith(t) for t in named), question.text
    # most of these lung-cancer trials ask about performance status, labs and prior treatment
    assert asked["ecog"] >= 50 and asked["lab"] >= 50 and asked["therapy"] >= 100, asked


def test_a_trials_questions_name_its_limits(local_registry: LocalRegistry) -> None:
    criteria = requirements(local_registry, CONMANA)
    ecog = [c.id for c in criteria.values() if any(isinstance(r, PerformanceStatusRule) for r in c.rules)]
    ages = [c.id for c in criteria.values() if any(isinstance(r, AgeRule) for r in c.rules)]
    labs = {
        r.analyte for c in criteria.values() for r in c.rules if isinstance(r, LabRule) and r.unit != "xULN"
    }
    form = questionnaire(local_registry, CONMANA)
    by_key = {q.key: q for q in form.questions}
    assert form.title == "Conmana Combined With Thalidomide to Treat NSCLC"
    assert set(by_key["age"].criteria) == {"R1", *ages}
    assert set(by_key["ecog"].criteria) == set(ecog)
    assert {k.removeprefix("lab:") for k in by_key if k.startswith("lab:")} == labs == {"anc", "platelets"}
    assert (
        by_key["diagnosis:nsclc"].text == "Have you been diagnosed with non-small cell lung cancer (NSCLC)?"
    )
    assert {"pregnant", "breastfeeding"} <= set(by_key)
    # E3 names thalidomide and icotinib only as the cause of an allergy ("allergic reactions
    # attributed to compounds ... similar to thalidomide or icotinib"): having had them does not
    # decide it, so no answer would change a verdict, and neither is asked
    (allergy,) = [c for c in criteria.values() if any(isinstance(r, PriorTherapyRule) for r in c.rules)]
    assert "allergic reactions attributed to" in allergy.text
    assert not any(k.startswith("therapy:") for k in by_key)
    # what no question asks (consent, infections, heart disease, ...) is counted for the study team
    assert form.not_asked == len(criteria) - len({c for q in form.questions for c in q.criteria} - {"R1"})


def test_too_young_is_not_eligible_naming_the_age_criterion(local_registry: LocalRegistry) -> None:
    checked = 0
    for nct in nsclc_ids():
        trial = trial_criteria(local_registry, nct).trial
        low = trial.eligibility.minimum_age_years if trial.eligibility else None
        if low is None or low < 1:
            continue
        result = qualify(local_registry, nct, {"age": f"{low - 1:g}"})
        assert result.result is TrialResult.NOT_ELIGIBLE, nct
        assert "R1" in result.failing
        age_limit = next(c for c in result.criteria if c.id == "R1")
        assert age_limit.verdict is Verdict.NOT_MET and age_limit.reason.startswith(f"age {low - 1:g}")
        assert result.summary.startswith("Not eligible")
        checked += 1
    assert checked >= 90
    criteria = requirements(local_registry, CONMANA).values()
    ages = [c.id for c in criteria if any(isinstance(r, AgeRule) for r in c.rules)]
    ecog = [c.id for c in criteria if any(isinstance(r, PerformanceStatusRule) for r in c.rules)]
    result = qualify(local_registry, CONMANA, {"age": "17", "ecog": "1"})
    assert set(result.failing) == {"R1", *ages}  # "Patients be age >18 years and < 75 years"
    assert all(verdicts(result)[c] is Verdict.MET for c in ecog)
    assert result.answered == ("age", "ecog")


def test_not_sure_everywhere_never_says_no(local_registry: LocalRegistry) -> None:
    for nct in nsclc_ids():
        form = questionnaire(local_registry, nct)
        for answers in ({q.key: NOT_SURE for q in form.questions}, {}):
            result = qualify(local_registry, nct, answers)
            assert result.failing == () and result.result is not TrialResult.NOT_ELIGIBLE, nct
            assert Verdict.NOT_MET not in verdicts(result).values()
            assert result.answered == ()
            # every unknown criterion is among those to ask the study team about
            asked = {c for t in result.ask_study_team for c in t.criteria}
            assert {c.id for c in result.criteria if c.verdict is Verdict.UNKNOWN} == asked, nct


def test_a_no_rules_out_only_the_criteria_its_question_names(local_registry: LocalRegistry) -> None:
    ruled_out = 0
    for nct in nsclc_ids():
        form = questionnaire(local_registry, nct)
        for answer in ("yes", "no"):
            answers = {q.key: answer for q in form.questions if q.kind is QuestionKind.YESNO}
            informed = {c for q in form.questions if q.key in answers for c in q.criteria}
            result = qualify(local_registry, nct, answers)
            assert set(result.failing) <= informed, (nct, answer)
            ruled_out += bool(result.failing)
    assert ruled_out >= 50


def test_performance_status_in_plain_words(local_registry: LocalRegistry) -> None:
    criteria = requirements(local_registry, CONMANA)
    (ecog,) = [c for c in criteria.values() if any(isinstance(r, PerformanceStatusRule) for r in c.rules)]
    (rule,) = [r for r in ecog.rules if isinstance(r, PerformanceStatusRule)]
    assert rule.expect is Expect.PRESENT and rule.ecog.high == 2  # "ECOG ... 0-2"
    question = next(q for q in questionnaire(local_registry, CONMANA).questions if q.key == "ecog")
    light_work = next(o for o in question.options if o.value == "1")
    assert "light work" in light_work.label
    assert verdicts(qualify(local_registry, CONMANA, {"ecog": "1"}))[ecog.id] is Verdict.MET
    bedridden = qualify(local_registry, CONMANA, {"ecog": "3"})
    assert verdicts(bedridden)[ecog.id] is Verdict.NOT_MET and bedridden.failing == (ecog.id,)


def test_a_lab_below_the_floor_fails_its_criterion(local_registry: LocalRegistry) -> None:
    criteria = requirements(local_registry, CONMANA)
    (marrow,) = [
        c
        for c in criteria.values()
        if any(isinstance(r, LabRule) and r.analyte == "platelets" for r in c.rules)
    ]
    floor = next(r for r in marrow.rules if isinstance(r, LabRule) and r.analyte == "platelets").bound.low
    assert floor is not None
    low = qualify(local_registry, CONMANA, {"lab:platelets": f"{floor - 10:g}"})
    assert verdicts(low)[marrow.id] is Verdict.NOT_MET
    assert any(c.id == marrow.id and "platelets" in c.reason for c in low.criteria)
    # the other values of the same criterion (bilirubin, ...) are not asked: it stays unknown
    assert (
        verdicts(qualify(local_registry, CONMANA, {"lab:platelets": f"{floor + 50:g}"}))[marrow.id]
        is Verdict.UNKNOWN
    )


@pytest.mark.parametrize(
    ("answers", "names"),
    [
        ({"age": "abc"}, "age takes a number (years) from 0 to 120"),
        ({"age": "300"}, "out of range"),
        ({"age": "nan"}, "out of range"),
        ({"ecog": "7"}, "ecog takes one of: 0, 1, 2, 3, 4, not_sure"),
        ({"sex": "sometimes"}, "sex takes one of"),
        ({"lab:platelets": "-5"}, "lab:platelets takes a number"),
        ({"weight": "80"}, "not questions of this trial's questionnaire"),
    ],
)
def test_an_answer_that_cannot_be_used_says_which_and_why(
    local_registry: LocalRegistry, answers: dict[str, str], names: str
) -> None:
    with pytest.raises(AnswerError, match=re.escape(names)) as raised:
        qualify(local_registry, CONMANA, answers)
    assert isinstance(raised.value, ProfileError)  # the API answers it as a 400 problem
    value = next(iter(answers.values()))
    assert value not in str(raised.value).split()  # never repeats what was sent


def test_the_questionnaire_is_a_plain_struct(local_registry: LocalRegistry) -> None:
    form = questionnaire(local_registry, CONMANA)
    assert isinstance(form, Questionnaire) and form.nct_id == CONMANA
    assert all(q.text.endswith("?") for q in form.questions)
    yes_no = [q for q in form.questions if q.kind is QuestionKind.YESNO]
    assert yes_no and all([o.value for o in q.options] == ["yes", "no", NOT_SURE] for q in yes_no)
