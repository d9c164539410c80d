"""A concept is claimed only when it is one, and every rule keeps the span it came from.

The criteria quoted are real ones, from the API v2 exports under ../shared/data; what is asserted
is what a coordinator would see: which rules come out of a criterion's words. Organisations,
scales, laboratory methods, specimens, a part of the body alone and a drug named as a laboratory
value make no rule of their own.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

from tests.conftest import v2_studies
from trialscout.eligibility.mentions import find_mentions, term_key
from trialscout.eligibility.model import (
    CnsMetastasesRule,
    ConditionRule,
    Criterion,
    CriterionKind,
    DiagnosisRule,
    Expect,
    MeasurableDiseaseRule,
    MedicationRule,
    PerformanceStatusRule,
    PriorTherapyRule,
    ProcedureRule,
    Rule,
)
from trialscout.eligibility.names import NOT_CONCEPTS
from trialscout.eligibility.parse import parse_criteria_text
from trialscout.eligibility.rules.read import read_rules

INC, EXC = CriterionKind.INCLUSION, CriterionKind.EXCLUSION


def seen(text: str, kind: CriterionKind) -> list[tuple[str, str]]:
    """The rules a criterion's words make, as a page lists them: the rule's type and what it names."""
    return [(type(r).__name__, key) for r in read_rules(text, kind) for key in keys(r) or ("",)]


def keys(rule: Rule) -> tuple[str, ...]:
    if isinstance(rule, (ConditionRule, DiagnosisRule)):
        return (rule.condition,)
    if isinstance(rule, MedicationRule):
        return (rule.medication,)
    if isinstance(rule, PriorTherapyRule):
        return rule.therapies
    if isinstance(rule, ProcedureRule):
        return (rule.procedure,)
    return ()


# ------------------------------------------------------------------ organisations and scales


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Eastern Cooperative Oncology Group (ECOG) score standard: 0-2.", "Eastern"),  # NCT02778893
        # NCT00492778
        ("Patients must have Gynecologic Oncology Group (GOG) performance status 0, 1, or 2", "Gynecologic"),
        ("World Health Organisation (WHO) performance status 0-2", "World"),  # NCT02179567
    ],
)
def test_the_group_that_wrote_a_scale_is_no_condition(text: str, name: str) -> None:
    (rule,) = read_rules(text, INC)
    assert isinstance(rule, PerformanceStatusRule)
    assert text[rule.span.start :].startswith(name)  # the scale's words, its full name with them


def test_a_cooperative_group_s_protocol_is_no_condition() -> None:
    # NCT00023673: "Oncology" was an excluded condition
    assert (
        seen("Ineligible for currently open Radiation Therapy Oncology Group (RTOG) phase III lung", EXC)
        == []
    )


def test_a_condition_graded_on_a_named_scale_is_the_condition_alone() -> None:
    # NCT05913115: no "Adverse Events" condition from the scale's name
    text = (
        "Peripheral sensory neuropathy \\>/= Common Terminology Criteria for Adverse Events (CTCAE) Grade 2"
    )
    assert seen(text, EXC) == [("ConditionRule", "neuropathy")]
    # NCT05883644: the toxicities' cause, not "Adverse Events", is what is read
    text = (
        "Persistent toxicities (Common Terminology Criteria for Adverse Events \\[CTCAE\\] Grade \\> 2)"
        " caused by previous anticancer therapy"
    )
    assert ("ConditionRule", "Adverse Events") not in seen(text, EXC)
    # NCT02552212
    text = "Class III or IV congestive heart failure - New York Heart Association (NYHA)"
    assert seen(text, EXC) == [("ConditionRule", "congestive heart failure")]


def test_measurable_disease_per_recist_asks_for_no_solid_tumour() -> None:
    # NCT06062823: "Solid Tumors" of the standard's name is no diagnosis the patient must have
    text = (
        "The presence of measurable disease as defined by Response Evaluation Criteria in Solid Tumors"
        " (RECIST) 1.1 criteria (28)."
    )
    rules = read_rules(text, INC)
    assert [type(r) for r in rules] == [MeasurableDiseaseRule]


def test_a_questionnaire_is_no_condition() -> None:
    # NCT03795987: the test's name is no alcohol use disorder to exclude
    assert seen("Alcohol Use Disorders Inventory Test (AUDIT) (score of 8 or higher)", EXC) == []
    # NCT00004670: this exclusion asked for depression, from the scale's name
    assert seen("No Hamilton Depression Rating Scale score greater than 10", EXC) == []
    # NCT00463580: the ideation, not "Depression"
    text = "Active suicidal ideation (defined as a score of ≥3 on Hamilton Depression Rating Scale"
    assert seen(text, EXC) == [("ConditionRule", "suicidal ideation")]


def test_the_institute_that_grades_a_condition_is_no_cancer() -> None:
    # NCT02465060: neither "Cancer" nor "Adverse Events" is excluded
    text = (
        "Cardiac arrhythmia (ongoing cardiac dysrhythmias of National Cancer Institute Common Terminology"
        " Criteria for Adverse Events grade ≥ 2)"
    )
    assert seen(text, EXC) == [
        ("ConditionRule", "Cardiac arrhythmia"),
        ("ConditionRule", "cardiac dysrhythmias"),
    ]


def test_a_classification_by_its_authors_is_no_condition() -> None:
    # NCT05863234
    text = (
        "Patients diagnosed with ANKL (regardless of whether the disease is first or recurrent) based on"
        " diagnostic criteria developed with reference to the World Health Organization (WHO) 4th edition"
        " (2017) criteria."
    )
    assert all("World Health" not in key for _, key in seen(text, INC))


# ------------------------------------------------------------ methods, specimens, body parts


def test_the_methods_that_show_a_marker_are_no_conditions_or_procedures() -> None:
    # NCT04764188: the marker and the prior therapy; no "FISH" condition, no sequencing procedure
    text = (
        "ALK-positive as confirmed by immunohistochemistry (IHC), fluorescent in situ hybridization (FISH),"
        " next generation sequencing (NGS), or other non-specified sequencing methods, documented prior to"
        " receiving treatment with an ALK inhibitor"
    )
    assert seen(text, INC) == [("BiomarkerRule", ""), ("PriorTherapyRule", "ALK inhibitors")]
    # NCT02759614: neither "sensitivity" (of the test) nor "tumor" (the tissue tested) is excluded
    text = (
        "A positive result for the exon 20 T790M mutation from any high-sensitivity EGFR mutation test"
        " such as digital PCR using tumor tissue or cells."
    )
    assert seen(text, EXC) == [("BiomarkerRule", "")]


@pytest.mark.parametrize(
    "text",
    [
        # NCT04736823
        "Be able to provide formalin fixed, paraffin-embedded (FFPE) tumor tissue obtained from either a"
        " core or excisional tumor biopsy.",
        # NCT07050056
        "Willing to provide PD-L1 immunohistochemistry slides and corresponding pathology reports for"
        " biomarker evaluation",
        # NCT06823401
        "Possibility to obtain blood samples",
    ],
)
def test_a_specimen_to_provide_asks_for_no_condition_drug_or_past_procedure(text: str) -> None:
    assert seen(text, INC) == []


def test_a_biopsy_within_a_window_is_still_a_recent_procedure() -> None:
    # NCT07247227
    text = (
        "Major surgical treatment, incisional biopsy, or significant traumatic injury within 28 days"
        " before 1st line therapy."
    )
    (biopsy,) = [r for r in read_rules(text, EXC) if isinstance(r, ProcedureRule)]
    assert biopsy.procedure == "biopsy" and biopsy.expect is Expect.ABSENT
    assert biopsy.window is not None and biopsy.window.days == 28


def test_a_body_part_is_no_condition_the_whole_phrase_is() -> None:
    # NCT05838768: "Central Nervous System" alone was a condition to exclude
    text = "Patients with a primary Central Nervous System (CNS) tumor or tumor metastatic to the CNS"
    conditions = [key for name, key in seen(text, EXC) if name == "ConditionRule"]
    assert "Central Nervous System" not in conditions
    assert conditions[0] == "Central Nervous System (CNS) tumor"
    # NCT07134413: the metastases, once
    text = (
        "Patients with symptomatic, neurologically unstable central nervous system (CNS) metastases, or CNS"
        " diseases that require increased steroid doses to control"
    )
    rules = read_rules(text, EXC)
    assert [type(r) for r in rules][:1] == [CnsMetastasesRule]
    assert not any("nervous system" in key.lower() for r in rules for key in keys(r))


def test_a_body_part_with_its_condition_is_the_whole_phrase() -> None:
    # NCT00001927: "vascular" alone was the condition
    assert seen("History of aneurysm or vascular malformations.", EXC) == [
        ("ConditionRule", "aneurysm"),
        ("ConditionRule", "vascular malformations"),
    ]


# ------------------------------------------------------------------ sections of legacy records


def test_a_section_that_states_nothing_asks_nothing() -> None:
    # NCT00002545: "Biologic therapy: Not specified" was a biologic therapy the patient must take,
    # and the surgery's "5 weeks" the chemotherapy's window
    text = (
        "PRIOR CONCURRENT THERAPY: Biologic therapy: Not specified Chemotherapy: No prior chemotherapy"
        " Endocrine therapy: Not specified Radiotherapy: No prior radiotherapy to the head and neck"
        " Surgery: No more than 5 weeks between surgery and initiation of treatment Recovery from surgery"
        " and any postoperative complications required"
    )
    rules = read_rules(text, INC)
    named = [key.lower() for r in rules for key in keys(r)]
    assert "biological therapy" not in named and "hormone therapy" not in named
    prior = [r for r in rules if isinstance(r, PriorTherapyRule)]  # one a section
    assert [r.therapies for r in prior] == [("chemotherapy",), ("radiotherapy",)]
    assert all(r.expect is Expect.ABSENT and r.window is None for r in prior)


def test_a_label_s_section_says_what_it_asks() -> None:
    # NCT00006108: "Biologic therapy: No prior trastuzumab" asked for prior trastuzumab
    text = (
        "PRIOR CONCURRENT THERAPY: Biologic therapy: No prior trastuzumab (Herceptin) No concurrent"
        " hematopoietic growth factors Chemotherapy: No prior chemotherapy for metastatic disease"
    )
    rules = [r for r in read_rules(text, INC) if isinstance(r, PriorTherapyRule)]
    assert rules and all(r.expect is Expect.ABSENT for r in rules)
    assert "biological therapy" not in [t for r in rules for t in r.therapies]
    # NCT00003779: the label's section is negated; NCT00003357: its window is the section's own
    text = "Biologic therapy: No prior BCG therapy Chemotherapy: At least 3 months since prior chemotherapy"
    assert all(r.expect is Expect.ABSENT for r in read_rules(text, INC))
    text = "Biologic therapy: At least 6 weeks since prior immunotherapy Chemotherapy: At least 4 weeks since"
    (immunotherapy,) = [r for r in read_rules(text, INC) if isinstance(r, PriorTherapyRule)][:1]
    assert immunotherapy.expect is Expect.ABSENT and immunotherapy.window is not None
    assert immunotherapy.window.days == 42
    # NCT00004885: "Concurrent corticosteroids allowed" is no corticosteroid the patient must take
    assert (
        seen(
            "Endocrine therapy: Concurrent corticosteroids allowed Radiotherapy: See Disease Characteristics",
            INC,
        )
        == []
    )
    # NCT00005598: an allowance asks for nothing
    text = "Radiotherapy: Prior radiotherapy for nonleukemic malignancy allowed Surgery: Not specified"
    assert seen(text, INC) == []
    # NCT00004030, NCT00003120: nor a surgery, nor a drug allowed on a condition
    assert seen("Radiotherapy: Not specified Surgery: Prior surgery allowed", INC) == []
    assert seen("Prior carboplatin allowed if initial dose at least 300 mg/m2 or AUC at least 4", INC) == []


# ------------------------------------------------------------------- values and test results


def test_a_laboratory_value_is_no_medication() -> None:
    # NCT05798663: calcium is measured here, not taken
    text = (
        "Uncontrolled or symptomatic hypercalcemia (ionized calcium \\> 1.5 mmol/L, calcium \\> 12 mg/dL or"
        " corrected serum calcium \\> ULN)."
    )
    assert seen(text, EXC) == [("ConditionRule", "hypercalcemia")]
    # NCT00004468: ... and a supplement with its dose is still a medication
    (rule,) = read_rules("No calcium supplement greater than 1,000 mg per day", EXC)
    assert isinstance(rule, MedicationRule) and rule.medication == "Calcium" and rule.dose is not None


def test_an_antibody_a_test_finds_is_no_medication() -> None:
    # NCT05821933: HIV, HBV and HCV are excluded; no "Antibodies" medication
    text = (
        "Known presence and activity of any of the following infectious diseases: positive HIV antibody"
        " test result; positive HBsAg with positive HBV DNA (i.e., copy number ≥ 2000 copies/ml); positive"
        " HCV antibody with positive HCV RNA."
    )
    rules = read_rules(text, EXC)
    assert not any(isinstance(r, MedicationRule) for r in rules)
    assert {getattr(r, "infection", None) for r in rules} >= {"HIV", "HBV", "HCV"}
    # NCT00000721, NCT00000431: antibodies the patient has, not a medication to stop
    assert seen("Preexisting antibodies to rCD4.", EXC) == []
    assert [
        name for name, _ in seen("Seropositive for hepatitis B surface antigen or hepatitis C antibody.", EXC)
    ] == [
        "InfectionRule",
        "InfectionRule",
    ]
    # NCT00496860: ... while an antibody given is still a prior therapy
    assert seen("More than 8 weeks since prior monoclonal antibody therapy", EXC) == [
        ("PriorTherapyRule", "monoclonal antibody therapies")
    ]


def test_a_word_inside_a_longer_name_is_no_mention() -> None:
    # NCT00494910, NCT00006286
    assert [m.text for m in find_mentions("Memorial Sloan-Kettering Cancer Center.")] == []
    text = "Children's Depression Rating Scale-R total score at least 45; Ages 12-17 inclusive;"
    assert [m.text for m in find_mentions(text)] == []


# --------------------------------------------------------------- over a few hundred criteria


@functools.cache
def real_criteria() -> list[tuple[str, str, Criterion]]:
    """Every criterion of every fourth API v2 export record: (NCT ID, eligibility text, criterion)."""
    found = []
    for study in v2_studies()[::4]:
        protocol: dict[str, Any] = study["protocolSection"]
        text = protocol.get("eligibilityModule", {}).get("eligibilityCriteria") or ""
        nct = protocol["identificationModule"]["nctId"]
        found.extend((nct, text, criterion) for criterion in parse_criteria_text(text))
    return found


def test_the_sample_is_a_few_hundred_criteria_with_concept_rules() -> None:
    criteria = real_criteria()
    assert len(criteria) >= 300
    assert sum(1 for _, _, c in criteria if any(keys(r) for r in c.rules)) >= 200


def test_every_rule_lies_inside_its_criterion_and_covers_its_words() -> None:
    for nct, text, criterion in real_criteria():
        # a scope's rules lie in the scope's words (a parent's, for a sub-point that inherits it)
        scoped = [(r, criterion.scope.span) for r in criterion.scope.rules] if criterion.scope else []
        for rule, inside in [*((r, criterion.span) for r in criterion.rules), *scoped]:
            where = f"{nct} {criterion.id} {type(rule).__name__}"
            assert inside.start <= rule.span.start < rule.span.end <= inside.end, where
            for part in rule.parts:  # the words read, less a stated exception's (its own span)
                if not any(
                    e.span.start <= part.span.start and part.span.end <= e.span.end for e in rule.exceptions
                ):
                    assert rule.span.start <= part.span.start <= part.span.end <= rule.span.end, where
            if isinstance(rule, ConditionRule):  # in the registry's words, which the span holds
                words = " ".join(f"{criterion.topic or ''} {text[rule.span.start : rule.span.end]}".split())
                assert " ".join(rule.condition.split()).lower() in words.lower(), where


NON_CONCEPT_KEYS = {term_key(name) for name in NOT_CONCEPTS} | {
    "oncology",
    "central nervous system",
    "polymerase chain reaction",
    "immunohistochemistry",
    "next generation sequencing",
    "tumor tissue",
    "blood sample",
    "world health organization",
}


def test_no_rule_names_an_organisation_a_scale_a_method_or_a_body_part() -> None:
    named = [
        (nct, criterion.id, key)
        for nct, _, criterion in real_criteria()
        for rule in criterion.rules
        for key in keys(rule)
        for piece in key.split(" or ")
        if term_key(piece) in NON_CONCEPT_KEYS
    ]
    assert named == []
