"""Concept rules for treatments: prior therapy (lines, progression, windows, targets),
procedures with their windows, concurrent medications with dose thresholds."""

from __future__ import annotations

from typing import Any, TypeVar

from trialscout.eligibility.model import (
    Bound,
    CriterionKind,
    Expect,
    MedicationRule,
    PartRole,
    PriorTherapyRule,
    ProcedureRule,
    Rule,
)
from trialscout.eligibility.rules.concepts import read_concepts
from trialscout.eligibility.text import matchable

INC, EXC = CriterionKind.INCLUSION, CriterionKind.EXCLUSION
PRESENT, ABSENT = Expect.PRESENT, Expect.ABSENT
R = TypeVar("R")


def read(text: str, kind: CriterionKind) -> list[Rule]:
    return read_concepts(text, matchable(text), kind)


def only(text: str, kind: CriterionKind, rule_type: type[R]) -> list[R]:
    return [r for r in read(text, kind) if isinstance(r, rule_type)]


def words(text: str, rule: Any, role: PartRole) -> list[str]:
    return [text[p.span.start : p.span.end] for p in rule.parts if p.role is role]


# -------------------------------------------------------------------------------- prior therapy


def test_no_prior_pd1_inhibitor_in_an_inclusion_is_absent() -> None:
    text = "No prior treatment with a PD-1 inhibitor"
    (rule,) = only(text, INC, PriorTherapyRule)
    assert (rule.therapies, rule.expect) == (("PD-1 inhibitors",), ABSENT)
    assert words(text, rule, PartRole.DRUG) == ["PD-1 inhibitor"]
    (required,) = only("Must have received prior treatment with a PD-1 inhibitor", INC, PriorTherapyRule)
    assert required.expect is PRESENT
    (excluded,) = only("Prior treatment with a PD-1 inhibitor", EXC, PriorTherapyRule)
    assert excluded.expect is ABSENT


def test_named_agents_and_classes() -> None:
    text = (
        "8. Has received prior therapy with an anti-PD-1, anti-PD-L1, or anti-PD-L2 agent or with an agent "
        "directed to another stimulatory or co-inhibitory T-cell receptor (eg, CTLA-4, OX-40, CD137)."
    )
    (rule,) = only(text, EXC, PriorTherapyRule)
    assert rule.therapies[:2] == ("PD-1 inhibitors", "PD-L1 inhibitors")
    assert rule.expect is ABSENT


def test_lines_of_therapy() -> None:
    (at_most,) = only(
        "No more than one line of systemic therapy in the metastatic setting", INC, PriorTherapyRule
    )
    assert at_most.lines == Bound(high=1.0)
    assert at_most.setting == "metastatic"
    assert at_most.expect is PRESENT  # "no more than" is a bound, not a negation
    (at_least,) = only("At least 2 prior lines of therapy", INC, PriorTherapyRule)
    assert at_least.lines == Bound(low=2.0)
    (after,) = only("3. Prior lines of systemic anti-tumor therapy ≥ 2.", INC, PriorTherapyRule)
    assert after.lines == Bound(low=2.0)
    (one,) = only("Received one prior platinum-based chemotherapy regimen", INC, PriorTherapyRule)
    assert one.lines == Bound(low=1.0, high=1.0)
    assert one.therapies == ("platinum-based chemotherapy",)


def test_progression_on_or_after_a_therapy() -> None:
    text = "Progression on or after a PD-(L)1 inhibitor"
    (rule,) = only(text, INC, PriorTherapyRule)
    assert rule.progression and rule.therapies == ("PD-1/PD-L1 inhibitors",)
    text = (
        "* Documented radiologic progression on or after prior platinum-based chemotherapy in the locally "
        "advanced or metastatic setting"
    )
    (rule,) = only(text, INC, PriorTherapyRule)
    assert rule.progression and rule.setting == "locally advanced or metastatic"


def test_washout_windows() -> None:
    text = "Chemotherapy within 28 days prior to first dose"
    (rule,) = only(text, EXC, PriorTherapyRule)
    assert rule.window is not None
    assert (rule.window.relation, rule.window.days, rule.window.anchor) == ("within", 28.0, "first dose")
    assert words(text, rule, PartRole.TEMPORAL) == ["within 28 days prior to first dose"]
    assert words(text, rule, PartRole.PROCEDURE) == ["Chemotherapy"]
    (since,) = only("At least 6 months since the last dose of adjuvant chemotherapy", INC, PriorTherapyRule)
    assert since.window is not None and since.window.relation == "at_least"
    assert since.expect is PRESENT and since.setting == "adjuvant"


def test_one_rule_per_window() -> None:
    text = "Chemotherapy within 21 days or radiotherapy within 14 days"
    rules = only(text, EXC, PriorTherapyRule)
    assert [(r.therapies, r.window.days if r.window else None) for r in rules] == [
        (("chemotherapy",), 21.0),
        (("radiotherapy",), 14.0),
    ]


def test_unstated_relation_is_read_by_kind() -> None:
    (excluded,) = only("Radiotherapy 4 weeks prior to the first dose", EXC, PriorTherapyRule)
    assert excluded.window is not None and excluded.window.relation == "within"
    (washout,) = only("Radiotherapy 4 weeks prior to the first dose", INC, PriorTherapyRule)
    assert washout.window is not None and washout.window.relation == "at_least"


def test_targeted_agents_without_a_lexicon_name() -> None:
    text = "Previous treatment targeting DLL3"
    (rule,) = only(text, EXC, PriorTherapyRule)
    assert rule.therapies == ("DLL3-targeted therapy",) and rule.expect is ABSENT
    assert [p.role for p in rule.parts] == [PartRole.PROCEDURE]


def test_allowed_agents_are_an_exception_of_the_prior_therapy() -> None:
    text = (
        "1. Previous treatment with T-cell-engager (TcE) or cell therapies targeting DLL3. Other DLL3 "
        "targeting "
        "agents (like RovaT) are allowed only if DLL3 positivity is documented after completion of treatment"
    )
    (rule,) = only(text, EXC, PriorTherapyRule)
    assert "DLL3-targeted therapy" in rule.therapies
    assert rule.exceptions[0].text.startswith("Other DLL3 targeting agents (like RovaT) are allowed")


def test_negation_before_the_first_cue_reaches_the_named_drug() -> None:
    text = "4. No prior therapy for metastatic ALK+ NSCLC including therapy with ALK inhibitors."
    (rule,) = only(text, INC, PriorTherapyRule)
    assert (rule.therapies, rule.expect) == (("ALK inhibitors",), ABSENT)


def test_treatment_naive() -> None:
    text = "* HIV-1 infected antiretroviral therapy (ART)-naive men or women aged 18 years or greater"
    (rule,) = only(text, INC, PriorTherapyRule)
    assert rule.expect is ABSENT and rule.therapies == ("antiretroviral agents",)
    (naive,) = only("Treatment-naive patients with advanced NSCLC", INC, PriorTherapyRule)
    assert (naive.therapies, naive.expect) == (("systemic therapy",), ABSENT)


def test_toxicities_of_prior_therapy_are_no_therapy_rule() -> None:
    assert read("Patients must have recovered from toxicities of prior chemotherapy", INC) == []


# ----------------------------------------------------------------------------------- procedures


def test_major_surgery_within_28_days() -> None:
    text = "Major surgery within 28 days"
    (rule,) = only(text, EXC, ProcedureRule)
    assert (rule.procedure, rule.expect) == ("major surgery", ABSENT)
    assert rule.window is not None and rule.window.days == 28.0
    assert words(text, rule, PartRole.PROCEDURE) == ["Major surgery"]


def test_allowed_minor_procedures_are_an_exception() -> None:
    text = (
        "5. Major surgery within 30 days of randomization. Minor surgical procedures, such as catheter "
        "placement or minimally invasive biopsies, are allowed."
    )
    rules = read(text, EXC)
    assert [type(r).__name__ for r in rules] == ["ProcedureRule"]
    assert rules[0].exceptions[0].text.startswith("Minor surgical procedures")


def test_planned_surgery_is_no_history() -> None:
    text = "9. Minor or major surgery planned to take place after screening and during the treatment period."
    assert only(text, EXC, ProcedureRule) == []


# ---------------------------------------------------------------------------------- medications


def test_corticosteroids_above_a_prednisone_equivalent_dose() -> None:
    text = "Systemic corticosteroids > 10 mg/day prednisone or equivalent within 14 days"
    (rule,) = only(text, EXC, MedicationRule)
    assert rule.medication == "corticosteroids"
    assert rule.dose == Bound(low=10.0, low_inclusive=False)
    assert rule.dose_unit == "mg/day prednisone-equivalent"
    assert rule.window is not None and rule.window.days == 14.0
    assert words(text, rule, PartRole.DRUG) == ["Systemic corticosteroids", "prednisone"]


def test_markdown_escaped_dose() -> None:
    text = (
        "* Subjects who received systemic treatment with corticosteroids (prednisone\\>10 mg/day or "
        "equivalent) "
        "within 2 weeks prior to enrollment."
    )
    (rule,) = only(text, EXC, MedicationRule)
    assert (rule.medication, rule.dose, rule.dose_unit) == (
        "corticosteroids",
        Bound(low=10.0, low_inclusive=False),
        "mg/day prednisone-equivalent",
    )


def test_cyp3a4_inhibitors_with_examples_and_anticoagulants() -> None:
    text = "Concurrent use of strong CYP3A4 inhibitors (e.g., ketoconazole, itraconazole) or anticoagulants"
    rules = only(text, EXC, MedicationRule)
    assert [r.medication for r in rules] == ["strong CYP3A4 inhibitors", "anticoagulants"]
    assert words(text, rules[0], PartRole.DRUG) == [
        "strong CYP3A4 inhibitors",
        "ketoconazole",
        "itraconazole",
    ]
    assert all(r.expect is ABSENT for r in rules)


def test_a_drug_named_for_an_allergy_is_part_of_the_condition() -> None:
    text = "Hypersensitivity to cetuximab or any excipient"
    rules = read(text, EXC)
    assert [type(r).__name__ for r in rules] == ["ConditionRule"]
    assert words(text, rules[0], PartRole.DRUG) == ["cetuximab"]
