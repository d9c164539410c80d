"""An eligibility text far longer than the registry allows is read up to a bound, and the rest is
one free-text criterion, so no check calls the trial's criteria all met."""

from __future__ import annotations

import json
import time

import msgspec

from tests.conftest import NSCLC
from trialscout.eligibility.parse import MAX_CRITERIA_CHARS, parse_criteria_text, parse_eligibility
from trialscout.matching.check import TrialResult, check_trial
from trialscout.model.patient import PatientProfile
from trialscout.model.trial import Trial
from trialscout.sources.ctgov_json import trial_from_v2_json

STUDY = json.loads(NSCLC.read_text())[0]
REAL = STUDY["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]


def long_trial(size: int) -> Trial:
    study = json.loads(json.dumps(STUDY))
    text = REAL
    while len(text) < size:
        text += "\n" + REAL.split("Exclusion Criteria", 1)[-1]
    study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = text
    return trial_from_v2_json(msgspec.json.encode(study))


def test_a_normal_text_is_read_whole() -> None:
    criteria = parse_criteria_text(REAL)
    assert len(REAL) < MAX_CRITERIA_CHARS
    assert criteria[-1].span.end <= len(REAL) and "longer than trialscout reads" not in criteria[-1].plain


def test_a_huge_text_is_read_to_the_bound_and_the_rest_is_left_to_the_study_team() -> None:
    trial = long_trial(3_000_000)
    text = trial.eligibility.criteria if trial.eligibility else ""
    started = time.process_time()
    parsed = parse_eligibility(trial)
    assert time.process_time() - started < 30  # reading all 3 MB would take about 30 s
    rest = parsed.criteria[-1]
    assert "longer than trialscout reads" in rest.plain and not rest.rules
    assert rest.span.end == len(text) and rest.span.start <= MAX_CRITERIA_CHARS
    assert len({c.id for c in parsed.criteria}) == len(parsed.criteria)
    check = check_trial(PatientProfile(age=60), trial, parsed)
    assert check.result is not TrialResult.ELIGIBLE
