"""The pipeline gives each criterion its role and the context its own words leave out."""

from __future__ import annotations

from tests.eligibility.test_split import seed_criteria
from trialscout.eligibility.model import (
    CnsMetastasesRule,
    ConditionRule,
    CriterionRole,
    Expect,
)
from trialscout.eligibility.parse import parse_criteria_text, parse_eligibility
from trialscout.store.sqlite import SQLiteStore


def test_allowing_sub_points_are_exceptions_with_their_conditions() -> None:
    criteria = {c.id: c for c in parse_criteria_text(seed_criteria())}
    e6 = criteria["E6"]
    assert e6.role is CriterionRole.REQUIREMENT
    assert any(isinstance(r, CnsMetastasesRule) and r.expect is Expect.ABSENT for r in e6.rules)
    assert criteria["E6.1"].role is CriterionRole.EXCEPTION
    assert criteria["E6.2"].role is CriterionRole.EXCEPTION
    # The registry page lost the indentation: the conditions of E6.2 follow it as siblings.
    assert criteria["E6.3"].text == "Subject is asymptomatic from brain metastases"
    assert criteria["E6.3"].role is CriterionRole.EXCEPTION_CONDITION
    assert criteria["E7"].role is CriterionRole.REQUIREMENT
    allowed = [e.text for e in e6.exceptions]
    assert any(
        text.startswith("Subjects with treated brain metastases are eligible provided") for text in allowed
    )
    assert "You cannot join" in e6.plain


def test_items_under_a_negated_list_inherit_the_negation(registry: SQLiteStore) -> None:
    criteria = {c.id: c for c in parse_eligibility(registry.trial("NCT00005856")).criteria}
    assert criteria["I19"].text.startswith("No prior biologic therapy")
    items = [c for c in criteria.values() if c.parent == "I19" and c.rules]
    assert len(items) >= 3
    assert all(r.expect is Expect.ABSENT for c in items for r in c.rules)


def test_a_restated_exclusion_is_not_a_double_negative(registry: SQLiteStore) -> None:
    (criterion,) = [
        c
        for c in parse_eligibility(registry.trial("NCT00001601")).criteria
        if "cognitive impairment" in c.text
    ]
    assert criterion.text == "No patients with significant cognitive impairment."
    rules = [r for r in criterion.rules if isinstance(r, ConditionRule)]
    assert rules and all(r.expect is Expect.ABSENT for r in rules)
    assert criterion.plain.startswith("You cannot join if you have significant cognitive impairment")
