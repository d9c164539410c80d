"""A criterion's structure is read before its rules: scope, sub-point roles, alternatives, how
its rules combine, and the trial's own study drug."""

from __future__ import annotations

from trialscout.eligibility.model import (
    CnsMetastasesRule,
    CriterionKind,
    CriterionRole,
    Expect,
    MedicationRule,
    PriorTherapyRule,
)
from trialscout.eligibility.parse import parse_criteria_text
from trialscout.eligibility.rules.read import read_rules
from trialscout.eligibility.structure import leading_scope, rule_groups

BRAIN = """Inclusion Criteria:

1. Age 18 years or older
2. Patients with brain metastases are eligible provided they meet the following criteria:
   * whole brain radiotherapy or surgery was completed at least 4 weeks before the first dose
   * the patient is off corticosteroids for at least 14 days
3. For patients with liver metastases, AST at most 5 times the upper limit of normal.

Exclusion Criteria:

1. Other malignancy within 3 years, except:
   * adequately treated basal cell carcinoma of the skin
   * any other cancer considered cured by surgery alone
2. Prior anti-PD-1 therapy resulting in:
   * grade 3 or higher immune-related pneumonitis
   * permanent discontinuation for toxicity
3. Hypersensitivity to pembrolizumab or its excipients
4. Chemotherapy within 4 weeks before the first dose of pembrolizumab
"""


def _by_id(text: str, interventions: tuple[str, ...] = ()) -> dict[str, object]:
    return {c.id: c for c in parse_criteria_text(text, interventions)}


def test_an_allowance_is_the_scope_of_its_points_and_asks_nothing_itself() -> None:
    criteria = {c.id: c for c in parse_criteria_text(BRAIN)}
    allowance = criteria["I2"]
    assert allowance.role is CriterionRole.NOTE and not allowance.rules
    for point in ("I2.1", "I2.2"):
        scope = criteria[point].scope
        assert criteria[point].role is CriterionRole.REQUIREMENT
        assert scope is not None and scope.text == "Patients with brain metastases"
        assert any(isinstance(r, CnsMetastasesRule) and r.expect is Expect.PRESENT for r in scope.rules)


def test_a_leading_scope_is_taken_out_of_the_requirement() -> None:
    criterion = {c.id: c for c in parse_criteria_text(BRAIN)}["I3"]
    assert criterion.scope is not None and criterion.scope.text == "For patients with liver metastases"
    assert criterion.rules and all(r.span.start >= criterion.scope.span.end for r in criterion.rules)
    assert leading_scope("Women of childbearing potential must use two methods of contraception") == (0, 31)
    assert leading_scope("Patients with brain metastases are excluded") is None


def test_the_points_under_except_are_exceptions_that_can_only_rescue() -> None:
    criteria = {c.id: c for c in parse_criteria_text(BRAIN)}
    assert criteria["E1"].role is CriterionRole.REQUIREMENT
    assert criteria["E1.1"].role is CriterionRole.EXCEPTION
    assert criteria["E1.2"].role is CriterionRole.EXCEPTION
    assert any("basal cell" in e.text for e in criteria["E1"].exceptions)


def test_an_exclusions_points_inherit_their_parent() -> None:
    criteria = {c.id: c for c in parse_criteria_text(BRAIN)}
    intro = criteria["E2"]
    assert intro.role is CriterionRole.NOTE and not intro.rules  # "prior anti-PD-1" alone excludes no one
    scope = criteria["E2.1"].scope
    assert scope is not None and scope.text.startswith("Prior anti-PD-1 therapy resulting in")
    assert any(isinstance(r, PriorTherapyRule) and r.expect is Expect.PRESENT for r in scope.rules)


def test_the_trials_own_drug_is_not_a_prior_therapy_unless_the_words_say_prior_use() -> None:
    criteria = {c.id: c for c in parse_criteria_text(BRAIN, ("pembrolizumab",))}
    named = [r for r in criteria["E3"].rules if isinstance(r, (PriorTherapyRule, MedicationRule))]
    assert not any("pembrolizumab" in str(r) for r in named)
    washout = criteria["E4"].rules  # "chemotherapy within 4 weeks": the patient's own use, kept
    assert any(isinstance(r, PriorTherapyRule) and "chemotherapy" in r.therapies for r in washout)


def test_sibling_items_joined_by_or_are_alternatives() -> None:
    text = (
        "Inclusion Criteria:\n\n- Creatinine no greater than 1.5 mg/dL OR\n"
        "- Creatinine clearance at least 50 mL/min\n- ECOG 0-1\n"
    )
    criteria = {c.id: c for c in parse_criteria_text(text)}
    assert criteria["I1"].alternative_to == ("I2",)
    assert criteria["I2"].alternative_to == ("I1",)
    assert criteria["I3"].alternative_to == ()


def test_rules_combine_as_their_words_do() -> None:
    def groups(text: str, kind: CriterionKind) -> tuple[tuple[int, ...], ...]:
        return rule_groups(text, read_rules(text, kind))

    assert groups("ECOG performance status 0-1 or Karnofsky at least 70", CriterionKind.INCLUSION) == (
        (0, 1),
    )
    # an inclusion's "X with Y" needs both; an exclusion's "X with Y" is lifted by either one absent
    inclusion = read_rules("Stroke patients with dysphagia", CriterionKind.INCLUSION)
    if len(inclusion) == 2:
        assert groups("Stroke patients with dysphagia", CriterionKind.INCLUSION) == ((0,), (1,))
        assert groups("Stroke patients with dysphagia", CriterionKind.EXCLUSION) == ((0, 1),)
    # "no HIV, hepatitis B or hepatitis C": each must be absent
    assert groups("Known HIV, hepatitis B or hepatitis C infection", CriterionKind.EXCLUSION) == (
        (0,),
        (1,),
        (2,),
    )


def test_definitions_and_permissions_ask_nothing() -> None:
    text = (
        "Inclusion Criteria:\n\n- Postmenopausal women\n"
        "- Post-menopausal is defined as no menses for 12 months\n"
        "- Concurrent bisphosphonates allowed\n- Further inclusion criteria apply\n"
    )
    roles = [c.role for c in parse_criteria_text(text)]
    assert roles == [
        CriterionRole.REQUIREMENT,
        CriterionRole.DEFINITION,
        CriterionRole.NOTE,
        CriterionRole.NOTE,
    ]


def test_a_criterion_pointing_to_a_list_it_lacks_is_left_to_the_team() -> None:
    text = (
        "Exclusion Criteria:\n\n"
        "- Treatment with any of the following anti-cancer therapies within the stated timeframes.\n"
        "- Pregnancy\n"
    )
    first = parse_criteria_text(text)[0]
    assert first.rules == ()
