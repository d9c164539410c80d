"""'At least N weeks since X' in an inclusion rules out recent X; it never requires X."""

from __future__ import annotations

import pytest

from trialscout.eligibility.model import (
    CriterionKind,
    Expect,
    MedicationRule,
    PriorTherapyRule,
    ProcedureRule,
)
from trialscout.eligibility.rules.read import read_rules

EXPOSURES = (PriorTherapyRule, ProcedureRule, MedicationRule)


@pytest.mark.parametrize(
    ("text", "weeks"),
    [
        ("Must have not received any cancer treatment for at least 2 weeks.", 2),  # NCT06576635 I6
        ("At least 4 weeks since prior chemotherapy", 4),
        ("Prior radiotherapy must be completed at least 2 weeks before the first dose", 2),
    ],
)
def test_a_washout_rules_out_recent_exposure(text: str, weeks: int) -> None:
    rules = [r for r in read_rules(text, CriterionKind.INCLUSION) if isinstance(r, EXPOSURES)]
    assert rules
    for rule in rules:
        assert rule.expect is Expect.ABSENT
        assert rule.window is not None and rule.window.relation == "within"
        assert rule.window.days == weeks * 7


def test_a_required_duration_stays_required() -> None:
    (rule,) = [
        r
        for r in read_rules(
            "Patients on a stable dose of anticoagulation for at least 6 weeks", CriterionKind.INCLUSION
        )
        if isinstance(r, MedicationRule)
    ]
    assert rule.expect is Expect.PRESENT
    assert rule.window is not None and rule.window.relation == "at_least"


def test_an_exclusion_of_recent_exposure_is_unchanged() -> None:
    (rule,) = [
        r
        for r in read_rules(
            "Major surgery within 28 days prior to initiation of study treatment.", CriterionKind.EXCLUSION
        )
        if isinstance(r, ProcedureRule)
    ]
    assert rule.expect is Expect.ABSENT and rule.window is not None and rule.window.relation == "within"
