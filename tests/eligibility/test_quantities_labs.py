"""Laboratory thresholds: the right analyte, number, canonical unit, bound and polarity, and the
stated exceptions kept on the rules they qualify.

The criteria are real ones from ../shared/data (NCT IDs in the comments), quoted as inputs.
"""

from __future__ import annotations

import pytest

from tests.eligibility.test_quantities import EXCLUSION, INCLUSION, bound, of_type, part, words
from trialscout.eligibility.model import CriterionKind, Expect, LabRule, PartRole
from trialscout.model.labs import CANONICAL_UNITS

ORGAN_FUNCTION = (
    "Adequate organ function: creatinine clearance > 50 mL/min, Neutrophils count ≥ 1500/mm3; "
    "Platelets > 100 000/mm3 ; Hemoglobin > 9 g/dL; AST and ALT < 3 x ULN with total bilirubin ≤ 2 × ULN "
    "except subjects with documented Gilbert's syndrome or liver metastasis, who must have AST and ALT "
    "≤ 5 x ULN and a baseline total bilirubin ≤ 3.0 mg/dL."
)


def labs(text: str, kind: CriterionKind = INCLUSION) -> dict[str, LabRule]:
    found = of_type(text, LabRule, kind)
    by_analyte = {rule.analyte: rule for rule in found}
    assert len(by_analyte) == len(found), f"one rule per analyte expected: {found}"
    return by_analyte


def test_a_whole_organ_function_sentence() -> None:
    rules = labs(ORGAN_FUNCTION)
    assert set(rules) == {"creatinine_clearance", "anc", "platelets", "hemoglobin", "ast", "alt", "bilirubin"}
    assert rules["creatinine_clearance"].bound == bound(50, low_inclusive=False)
    assert rules["creatinine_clearance"].unit == "mL/min"
    assert rules["anc"].bound == bound(1.5) and rules["anc"].unit == "10^9/L"
    assert rules["platelets"].bound == bound(100, low_inclusive=False) and rules["platelets"].unit == "10^9/L"
    assert rules["hemoglobin"].bound == bound(9, low_inclusive=False) and rules["hemoglobin"].unit == "g/dL"
    for analyte in ("ast", "alt"):
        assert rules[analyte].bound == bound(high=3, high_inclusive=False)
        assert rules[analyte].unit == "xULN"
    assert rules["bilirubin"].bound == bound(high=2) and rules["bilirubin"].unit == "xULN"
    assert {r.expect for r in rules.values()} == {Expect.PRESENT}


def test_the_exception_stays_on_ast_alt_and_bilirubin_and_makes_no_rule() -> None:
    rules = labs(ORGAN_FUNCTION)
    gilbert = "except subjects with documented Gilbert's syndrome or liver metastasis"
    for analyte in ("ast", "alt", "bilirubin"):
        (exception,) = rules[analyte].exceptions
        assert exception.text.startswith(gilbert) and exception.text.endswith("total bilirubin ≤ 3.0 mg/dL")
        assert words(ORGAN_FUNCTION, exception.span) == exception.text
    for analyte in ("creatinine_clearance", "anc", "platelets", "hemoglobin"):
        assert rules[analyte].exceptions == ()
    # the "≤ 5 x ULN" and "≤ 3.0 mg/dL" inside the exception are not rules of their own
    assert rules["bilirubin"].bound.high == 2


def test_spans_and_parts_point_at_the_words() -> None:
    rules = labs(ORGAN_FUNCTION)
    ast = rules["ast"]
    assert words(ORGAN_FUNCTION, ast.span) == "AST and ALT < 3 x ULN"
    assert part(ORGAN_FUNCTION, ast, PartRole.MEASUREMENT) == ["AST"]
    assert part(ORGAN_FUNCTION, rules["alt"], PartRole.MEASUREMENT) == ["ALT"]
    assert part(ORGAN_FUNCTION, ast, PartRole.VALUE) == ["< 3 x ULN"]
    assert ast.original == "< 3 x ULN"
    assert part(ORGAN_FUNCTION, rules["anc"], PartRole.MEASUREMENT) == ["Neutrophils count"]
    assert rules["platelets"].original == "> 100 000/mm3"


@pytest.mark.parametrize(
    ("text", "analyte", "low", "unit"),
    [
        ("Absolute neutrophil count (ANC) ≥ 1.5 × 109/L", "anc", 1.5, "10^9/L"),  # NCT v2, superscript lost
        ("Absolute neutrophil count (ANC) ≥1.5 × 10⁹/L.", "anc", 1.5, "10^9/L"),
        ("neutrophil count ≥1.5×10\\^9/L", "anc", 1.5, "10^9/L"),  # markdown escape
        ("ANC ≥ 1,500/µL", "anc", 1.5, "10^9/L"),
        ("Granulocyte count at least 1,500/mm3", "anc", 1.5, "10^9/L"),
        ("Platelet count at least 100,000/mm3", "platelets", 100, "10^9/L"),
        ("Platelets ≥ 100.000/mm3", "platelets", 100, "10^9/L"),  # a European thousands point
        ("Platelet count (PLT) ≥ 90 × 109/L", "platelets", 90, "10^9/L"),  # NCT06029816
        ("WBC at least 4,000/mm3", "wbc", 4, "10^9/L"),
        ("Hb ≥ 90 g/L", "hemoglobin", 9, "g/dL"),
        ("Hemoglobin (HGB) ≥80 g/L.", "hemoglobin", 8, "g/dL"),
        ("Hemoglobin at least 9.0 g/dL", "hemoglobin", 9, "g/dL"),
        ("Creatinine clearance at least 60 mL/min", "creatinine_clearance", 60, "mL/min"),
        ("Serum albumin ≥ 3.0 g/dL", "albumin", 3, "g/dL"),
        ("Serum albumin ≥ 30 g/L", "albumin", 3, "g/dL"),
        ("LVEF ≥ 50% by echocardiogram or MUGA", "lvef", 50, "%"),
        ("Oxygen saturation ≥ 92% on room air", "oxygen_saturation", 92, "%"),
        ("Have a CD4 cell count greater than or equal to 300 cells/mm3.", "cd4", 300, "cells/µL"),
    ],
)
def test_lower_limits_in_the_canonical_unit(text: str, analyte: str, low: float, unit: str) -> None:
    rule = labs(text)[analyte]
    assert rule.bound.low == pytest.approx(low) and rule.bound.high is None
    assert rule.unit == unit == CANONICAL_UNITS[analyte]


@pytest.mark.parametrize(
    ("text", "analyte", "high", "unit"),
    [
        ("Haemoglobin ≤ 5.6 mmol/L", "hemoglobin", 9.02, "g/dL"),
        ("creatinine ≤ 130 µmol/L", "creatinine", 1.47, "mg/dL"),
        ("Creatinine less than 130 micromoles/L", "creatinine", 1.47, "mg/dL"),
        ("bilirubin ≤ 25 µmol/L", "bilirubin", 1.46, "mg/dL"),
        ("Bilirubin no greater than 1.5 mg/dL", "bilirubin", 1.5, "mg/dL"),
        ("Bilirubin no greater than 2.0", "bilirubin", 2.0, "mg/dL"),
        ("Serum creatinine (Cr)≤1.5ULN", "creatinine", 1.5, "xULN"),
        ("SGOT and SGPT no greater than 2.5 times ULN", "ast", 2.5, "xULN"),
        ("Bilirubin no greater than upper limit of normal (ULN)", "bilirubin", 1.0, "xULN"),
        ("Total bilirubin \\< 1.5 x UNL", "bilirubin", 1.5, "xULN"),
        ("Alkaline phosphatase no greater than 2 times normal", "alkaline_phosphatase", 2.0, "xULN"),
        ("INR ≤ 1.5", "inr", 1.5, "ratio"),
        ("aPTT ≤ 1.5 x ULN", "ptt", 1.5, "xULN"),
        ("AST less than 60 IU/L", "ast", 60, "U/L"),
    ],
)
def test_upper_limits_converted(text: str, analyte: str, high: float, unit: str) -> None:
    rule = labs(text)[analyte]
    assert rule.bound.high == pytest.approx(high, abs=0.01) and rule.bound.low is None
    assert rule.unit == unit


def test_within_normal_limits_is_at_most_the_upper_limit_of_normal() -> None:
    # NCT02778893
    text = (
        "Patients must have normal organ and marrow function as defined below, within two week prior to "
        "study: absolute neutrophil count\\>1,500/mL platelets\\>100,000/mL total bilirubin: within normal "
        "institutional limits AST/ALT\\<2.5X institutional upper limit of normal"
    )
    rules = labs(text)
    assert rules["bilirubin"].bound == bound(high=1) and rules["bilirubin"].unit == "xULN"
    assert rules["anc"].bound == bound(1.5, low_inclusive=False)
    assert rules["platelets"].bound == bound(100, low_inclusive=False)
    assert rules["ast"].bound == bound(high=2.5, high_inclusive=False) and rules["alt"].unit == "xULN"


def test_a_range() -> None:
    assert labs("Hemoglobin between 9 and 12 g/dL")["hemoglobin"].bound == bound(9, 12)


def test_an_exclusion_states_what_excludes() -> None:
    rule = labs("Hemoglobin < 9 g/dL", EXCLUSION)["hemoglobin"]
    assert rule.expect is Expect.ABSENT
    assert rule.bound == bound(high=9, high_inclusive=False)
    qtc = labs("Mean resting corrected QT interval (QTc) \\> 470 msec", EXCLUSION)["qtc"]  # NCT05466149
    assert qtc.expect is Expect.ABSENT and qtc.bound == bound(470, low_inclusive=False) and qtc.unit == "ms"


def test_a_negated_requirement_is_absent() -> None:
    text = (
        "Patients must not have impaired renal function (serum creatinine greater than or equal to "
        "twice the upper limit of normal for age)."
    )
    rule = labs(text)["creatinine"]
    assert rule.expect is Expect.ABSENT and rule.bound == bound(2) and rule.unit == "xULN"


def test_comparator_words_are_not_negations() -> None:
    rules = labs("Bilirubin not greater than 1.5 mg/dL, creatinine no more than 1.5 mg/dL")
    assert {r.expect for r in rules.values()} == {Expect.PRESENT}


def test_a_parenthesised_conditional_threshold_is_an_exception() -> None:
    text = "AST/ALT ≤ 2.5 × ULN (≤ 5 × ULN if liver metastases)"
    rules = labs(text)
    assert set(rules) == {"ast", "alt"}
    for rule in rules.values():
        assert rule.bound == bound(high=2.5)
        assert [e.text for e in rule.exceptions] == ["≤ 5 × ULN if liver metastases"]


def test_an_alternative_threshold_for_liver_metastases_is_an_exception() -> None:
    # NCT03058094
    text = (
        "Liver function: Alanine aminotransferase (ALT) and Aspartate aminotransferase (AST) ≤2.5 × the "
        "upper limit of normal (ULN) or \\<5 times ULN in the presence of liver metastases; "
        "Total bilirubin ≤1.5 × ULN"
    )
    rules = labs(text)
    assert rules["ast"].bound == bound(high=2.5) and rules["alt"].bound == bound(high=2.5)
    assert [e.text for e in rules["ast"].exceptions] == ["<5 times ULN in the presence of liver metastases"]
    assert rules["bilirubin"].exceptions == ()
    assert part(text, rules["alt"], PartRole.MEASUREMENT) == ["Alanine aminotransferase", "ALT"]


def test_gilbert_exception_in_its_own_words() -> None:
    text = "total bilirubin ≤ 1.5 × ULN except subjects with Gilbert's syndrome who must have ≤ 3.0 mg/dL"
    (rule,) = labs(text).values()
    assert rule.bound == bound(high=1.5) and rule.unit == "xULN"
    assert [e.text for e in rule.exceptions] == [
        "except subjects with Gilbert's syndrome who must have ≤ 3.0 mg/dL"
    ]


def test_an_exception_qualifies_only_its_own_list_item() -> None:
    text = "Bilirubin ≤ 1.5 x ULN unless Gilbert's syndrome, creatinine ≤ 1.5 mg/dL, platelets ≥ 100"
    rules = labs(text)
    assert [e.text for e in rules["bilirubin"].exceptions] == ["unless Gilbert's syndrome"]
    assert rules["creatinine"].exceptions == () and rules["platelets"].exceptions == ()
    assert rules["platelets"].bound == bound(100)  # a bare 100 for platelets is 10^9/L


def test_a_count_with_its_own_exception_in_parentheses() -> None:
    text = "ANC at least 1,000/mm3 (at least 500/mm3 if extensive bone marrow involvement)"
    rule = labs(text)["anc"]
    assert rule.bound == bound(1.0)
    assert [e.text for e in rule.exceptions] == ["at least 500/mm3 if extensive bone marrow involvement"]


def test_a_lab_list_shared_by_two_analytes_and_an_unrelated_word() -> None:
    # NCT06751901
    text = (
        "Hematologic parameters: neutrophil count ≥1.5×10\\^9/L, hemoglobin ≥10g/dL, platelet count "
        "≥100×10\\^9/L, total bilirubin ≤1.5 times the upper limit of normal, AST and ALT ≤2.5 times the "
        "upper limit of normal, creatinine and blood urea nitrogen ≤1.5 times the ULN"
    )
    rules = labs(text)
    assert rules["creatinine"].bound == bound(high=1.5) and rules["creatinine"].unit == "xULN"
    assert rules["bun"].bound == bound(high=1.5)
    assert rules["hemoglobin"].original == "≥10g/dL"


@pytest.mark.parametrize(
    "text",
    [
        "Platelet transfusion within 7 days",
        "HbA1c ≤ 8%",
        "Prior treatment with an EGFR inhibitor within 14 days",
        "Creatine kinase ≤ 2.5 x ULN",
    ],
)
def test_no_lab_rule_without_a_threshold_for_an_analyte(text: str) -> None:
    assert labs(text, EXCLUSION) == {}
