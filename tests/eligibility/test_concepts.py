"""Concept rules: diagnosis, conditions, CNS metastases, infections, transplant, autoimmune
disease and other malignancies, read from real criteria of the registry records."""

from __future__ import annotations

from typing import Any, TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from trialscout.eligibility.model import (
    AutoimmuneRule,
    CnsMetastasesRule,
    ConditionRule,
    CriterionKind,
    DiagnosisRule,
    Expect,
    InfectionRule,
    OtherMalignancyRule,
    PartRole,
    Rule,
    TransplantRule,
)
from trialscout.eligibility.rules.concepts import READERS, read_concepts
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


def test_concept_readers_are_exported() -> None:
    assert read_concepts in READERS


# ------------------------------------------------------------------------------------ diagnosis


def test_confirmed_diagnosis_with_stage() -> None:
    text = (
        "2. Histologically or cytologically confirmed non-small cell lung cancer, stage IIIB or IV "
        "according to IASLC 2009;"
    )
    (rule,) = only(text, INC, DiagnosisRule)
    assert rule.expect is PRESENT
    assert rule.condition == "non-small cell lung cancer"  # the registry's words, for people
    assert rule.concepts == ("Carcinoma, Non-Small-Cell Lung",)  # the concept, for matching
    assert rule.confirmation == "histological or cytological"
    assert rule.stage == "IIIB or IV"
    assert words(text, rule, PartRole.CONDITION) == ["non-small cell lung cancer"]


def test_setting_and_histology() -> None:
    text = "Unresectable locally advanced or metastatic poorly differentiated neuroendocrine carcinoma"
    (rule,) = only(text, INC, DiagnosisRule)
    assert rule.setting == "unresectable locally advanced or metastatic"
    assert rule.histology == "poorly differentiated neuroendocrine"
    assert rule.concepts == ("Carcinoma, Neuroendocrine",)
    assert rule.condition == "neuroendocrine carcinoma"


def test_stage_alone_is_a_rule_on_the_target_disease() -> None:
    (rule,) = only("Stage IIIB/IV", INC, DiagnosisRule)
    assert (rule.condition, rule.stage) == ("target disease", "IIIB/IV")


def test_a_history_is_no_diagnosis() -> None:
    text = "* Has had a myocardial infarction within the previous 6-months"
    assert only(text, EXC, DiagnosisRule) == []


# ----------------------------------------------------------------------------------- conditions


def test_conditions_with_qualifiers_and_one_window_for_the_list() -> None:
    text = (
        "* Myocardial infarction, unstable angina, or poorly controlled arrhythmia within 6 months prior "
        "to the scheduled BNCT."
    )
    rules = only(text, EXC, ConditionRule)
    assert [(r.concepts, r.qualifier) for r in rules] == [
        (("Myocardial Infarction",), None),
        (("Angina, Unstable",), "unstable"),
        (("Arrhythmias, Cardiac",), "poorly controlled"),
    ]
    assert rules[0].condition == "Myocardial infarction"
    assert all(r.expect is ABSENT and r.window is not None for r in rules)
    window = rules[0].window
    assert window is not None and (window.relation, window.days) == ("within", 182.64)
    assert words(text, rules[0], PartRole.TEMPORAL) == ["within 6 months"]


def test_uncontrolled_hypertension() -> None:
    (rule, diabetes) = only("* uncontrolled hypertension or diabetes.", EXC, ConditionRule)
    assert (rule.concepts, rule.qualifier, rule.expect) == (("Hypertension",), "uncontrolled", ABSENT)
    assert (diabetes.condition, diabetes.concepts) == ("diabetes", ("Diabetes Mellitus",))


def test_negation_in_an_inclusion_reaches_the_whole_list() -> None:
    text = "No history of myocardial infarction, stroke or seizures"
    rules = only(text, INC, ConditionRule)
    assert len(rules) == 3 and all(r.expect is ABSENT for r in rules)
    assert only("History of myocardial infarction", INC, ConditionRule)[0].expect is PRESENT


def test_a_drug_that_qualifies_a_condition_is_its_part() -> None:
    text = (
        "20. Has a history of (non-infectious) pneumonitis/interstitial lung disease that required steroids"
    )
    rules = only(text, EXC, ConditionRule)
    ild = next(r for r in rules if r.concepts == ("Lung Diseases, Interstitial",))
    assert words(text, ild, PartRole.DRUG) == ["steroids"]
    assert not any(type(r).__name__ == "MedicationRule" for r in read(text, EXC))


# ------------------------------------------------------------------------------ CNS metastases


def test_untreated_or_symptomatic_cns_metastases_with_the_allowance_as_exception() -> None:
    text = (
        "Untreated or symptomatic CNS metastases. Subjects with treated brain metastases are eligible "
        "provided they are stable for at least 4 weeks"
    )
    rules = only(text, EXC, CnsMetastasesRule)
    assert len(rules) == 1  # the allowed treated metastases make no rule of their own
    (rule,) = rules
    assert (rule.state, rule.expect) == ("active", ABSENT)
    assert [e.text for e in rule.exceptions] == [
        "Subjects with treated brain metastases are eligible provided they are stable for at least 4 weeks"
    ]


def test_cns_states() -> None:
    text = (
        "3. No symptomatic brain metastases, carcinomatous meningitis, or spinal metastases requiring "
        "radiotherapy"
    )
    rules = only(text, INC, CnsMetastasesRule)
    assert [(r.state, r.expect) for r in rules] == [("symptomatic", ABSENT), ("leptomeningeal", ABSENT)]
    (lepto,) = only("* History of leptomeningeal carcinomatosis", EXC, CnsMetastasesRule)
    assert lepto.state == "leptomeningeal"
    (stable,) = only("Treated and stable brain metastases", INC, CnsMetastasesRule)
    assert (stable.state, stable.expect) == ("treated_stable", PRESENT)


def test_an_allowing_sub_point_alone_makes_no_rule() -> None:
    text = (
        "* Patients with treated brain metastases are eligible if follow-up brain imaging shows no "
        "progression."
    )
    assert read(text, EXC) == []


# ----------------------------------------------------------------------------------- infections


def test_known_hiv_infection() -> None:
    (rule,) = only("Known HIV infection", EXC, InfectionRule)
    assert (rule.infection, rule.qualifier, rule.expect) == ("HIV", "known", ABSENT)


def test_hepatitis_b_and_c_with_their_markers_and_an_allowed_sequela() -> None:
    text = (
        "Active hepatitis B (HBsAg positive) or C (HCV RNA detectable); patients with serological sequelae "
        "of hepatitis without hepatitis could be included"
    )
    rules = only(text, EXC, InfectionRule)
    assert [(r.infection, r.qualifier, r.expect) for r in rules] == [
        ("HBV", "active, HBsAg positive", ABSENT),
        ("HCV", "active, HCV RNA detectable", ABSENT),
    ]
    for rule in rules:
        assert [e.text for e in rule.exceptions] == [
            "patients with serological sequelae of hepatitis without hepatitis could be included"
        ]


def test_hiv_with_undetectable_viral_load_allowed() -> None:
    text = "Known HIV infection (HIV with undetectable viral load allowed)"
    (rule,) = only(text, EXC, InfectionRule)
    assert rule.expect is ABSENT and rule.qualifier == "known"
    assert [e.text for e in rule.exceptions] == ["HIV with undetectable viral load allowed"]


def test_a_negative_result_turns_the_expectation_round() -> None:
    assert only("HIV negative", INC, InfectionRule)[0].expect is ABSENT
    assert only("HIV positive", INC, InfectionRule)[0].expect is PRESENT
    text = "All candidates must be serologically nonreactive for hepatitis B"
    assert only(text, INC, InfectionRule)[0].expect is ABSENT


def test_active_infection_requiring_systemic_therapy_is_one_rule() -> None:
    text = (
        "7. Patients who have or are suspected to have active infection (infection requiring treatment with "
        "systemic antimicrobial, antifungal, or antiviral agents) at the time of the screening"
    )
    rules = read(text, EXC)
    assert [(type(r).__name__, getattr(r, "infection", None)) for r in rules] == [
        ("InfectionRule", "active_infection")
    ]
    (rule,) = only("Active infection requiring systemic therapy", EXC, InfectionRule)
    assert rule.qualifier == "requiring systemic therapy"


def test_hiv_aids_and_hepatitis_in_one_criterion() -> None:
    text = (
        "* Known human immunodeficiency virus (HIV) or acquired immunodeficiency syndrome (AIDS)-related "
        "illness, "
        "or known active or chronic hepatitis B or C infection"
    )
    rules = read(text, EXC)
    assert [(type(r).__name__, getattr(r, "infection", None)) for r in rules] == [
        ("InfectionRule", "HIV"),
        ("InfectionRule", "HBV"),
        ("InfectionRule", "HCV"),
    ]


# ----------------------------------------------------------------------- transplant, autoimmune


def test_transplants_with_their_organs() -> None:
    rules = only("* Prior solid organ or bone marrow transplant", EXC, TransplantRule)
    assert [(r.organ, r.expect) for r in rules] == [("solid organ", ABSENT), ("stem cell", ABSENT)]
    (allo,) = only("Prior allogeneic stem cell transplant", EXC, TransplantRule)
    assert allo.organ == "allogeneic stem cell"


def test_a_transplant_to_come_is_no_history() -> None:
    text = "* Currently on the list for an organ transplant or previously received a transplant of any organ;"
    rules = read(text, EXC)
    assert [type(r).__name__ for r in rules] == ["TransplantRule"]
    assert (
        only("Corticosteroids discontinued at least 6 weeks prior to transplantation", INC, TransplantRule)
        == []
    )


def test_autoimmune_disease_with_window_and_exception() -> None:
    text = (
        "Active autoimmune disease requiring systemic treatment within the past 2 years "
        "(except replacement therapy)"
    )
    rules = read(text, EXC)
    assert len(rules) == 1
    (rule,) = rules
    assert isinstance(rule, AutoimmuneRule)
    assert rule.qualifier == "active, requiring systemic treatment"
    assert rule.window is not None and rule.window.days == 730.5
    assert [e.text for e in rule.exceptions] == ["except replacement therapy"]
    assert rule.expect is ABSENT


def test_allowed_autoimmune_conditions_are_exceptions() -> None:
    text = (
        "11. Active, known, or suspected autoimmune diseases. Vitiligo and Type I diabetes mellitus with no "
        "systemic treatment are allowed."
    )
    rules = read(text, EXC)
    assert [type(r).__name__ for r in rules] == ["AutoimmuneRule"]
    assert rules[0].exceptions[0].text.startswith("Vitiligo and Type I diabetes mellitus")


# -------------------------------------------------------------------------------- other malignancy


def test_another_malignancy_within_years_except_skin_and_cervix() -> None:
    text = (
        "History of another malignancy within 5 years except adequately treated non-melanoma skin cancer "
        "or carcinoma in situ of the cervix"
    )
    rules = read(text, EXC)
    assert len(rules) == 1  # the excepted cancers are no rules of their own
    (rule,) = rules
    assert isinstance(rule, OtherMalignancyRule)
    assert (rule.within_years, rule.expect) == (5.0, ABSENT)
    assert [e.text for e in rule.exceptions] == [
        "except adequately treated non-melanoma skin cancer or carcinoma in situ of the cervix"
    ]
    assert words(text, rule, PartRole.CONDITION) == [
        "malignancy",
        "non-melanoma skin cancer",
        "carcinoma in situ of the cervix",
    ]


def test_other_malignancy_in_the_last_years() -> None:
    text = (
        "6. Diagnosis of any other malignancy during the last 3 years, except for in situ carcinoma of "
        "cervix "
        "uteri and squamous cell carcinoma of the skin;"
    )
    (rule,) = only(text, EXC, OtherMalignancyRule)
    assert rule.within_years == 3.0 and len(rule.exceptions) == 1
    assert only("No other prior or concurrent malignancy", INC, OtherMalignancyRule)[0].expect is ABSENT


# -------------------------------------------------------------------------------------- any text


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=250), st.sampled_from([INC, EXC]))
def test_any_text_gives_rules_and_never_raises(text: str, kind: CriterionKind) -> None:
    for rule in read(text, kind):
        assert 0 <= rule.span.start <= rule.span.end <= len(text)
        for part in rule.parts:
            assert 0 <= part.span.start < part.span.end <= len(text)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "History of",
                "no",
                "HIV",
                "hepatitis B",
                "(",
                ")",
                "brain metastases",
                "except",
                "are eligible",
                "within 6 months",
                "prior",
                "PD-1 inhibitor",
                "surgery",
                "lines",
                "2",
                ">",
                "10 mg/day",
                "prednisone",
                ",",
                ";",
                ".",
                "transplant",
                "autoimmune disease",
                "another malignancy",
                "\n",
            ]
        ),
        max_size=25,
    ),
    st.sampled_from([INC, EXC]),
)
def test_criteria_like_word_salad_never_raises(pieces: list[str], kind: CriterionKind) -> None:
    text = " ".join(pieces)
    for rule in read(text, kind):
        assert 0 <= rule.span.start <= rule.span.end <= len(text)


def test_cns_metastases_with_the_abbreviation_in_brackets() -> None:
    # NCT06937905 E6, as its registry page writes it.
    rules = only("Untreated or symptomatic central nervous system (CNS) metastases:", EXC, CnsMetastasesRule)
    assert rules and {r.state for r in rules} <= {"active", "untreated", "symptomatic"}
    assert all(r.expect is ABSENT for r in rules)
    assert not only("Untreated or symptomatic central nervous system (CNS) metastases:", EXC, ConditionRule)
