"""Performance status, life expectancy, measurable disease and biomarkers.

The criteria are real ones from ../shared/data (NCT IDs in the comments), quoted as inputs.
"""

from __future__ import annotations

import pytest

from tests.eligibility.test_quantities import EXCLUSION, INCLUSION, bound, of_type, one, part, words
from trialscout.eligibility.model import (
    BiomarkerRule,
    CriterionKind,
    Expect,
    LifeExpectancyRule,
    MeasurableDiseaseRule,
    PartRole,
    PerformanceStatusRule,
)
from trialscout.eligibility.rules.performance import ecog_of_karnofsky


@pytest.mark.parametrize(
    ("text", "scale", "score", "ecog", "name", "value"),
    [
        ("ECOG 0-1", "ECOG", bound(0, 1), bound(0, 1), "ECOG", "0-1"),
        ("ECOG PS ≤ 2", "ECOG", bound(high=2), bound(high=2), "ECOG PS", "≤ 2"),
        ("WHO performance status 0 - 1", "WHO", bound(0, 1), bound(0, 1), "WHO performance status", "0 - 1"),
        ("performance status of 0 or 1", "ECOG", bound(0, 1), bound(0, 1), "performance status", "0 or 1"),
        (
            "ECOG performance status of 1 or 0.",
            "ECOG",
            bound(0, 1),
            bound(0, 1),
            "ECOG performance status",
            "1 or 0",
        ),
        ("KPS ≥ 70%", "KARNOFSKY", bound(70), bound(0, 2), "KPS", "≥ 70%"),
        ("Karnofsky ≥ 60", "KARNOFSKY", bound(60), bound(0, 2), "Karnofsky", "≥ 60"),
        (
            "Performance status: Zubrod 0-1",
            "ZUBROD",
            bound(0, 1),
            bound(0, 1),
            "Performance status: Zubrod",
            "0-1",
        ),
        (
            "Eastern Cooperative Oncology Group (ECOG) performance status of 0, 1, or 2",
            "ECOG",
            bound(0, 2),
            bound(0, 2),
            "Eastern Cooperative Oncology Group (ECOG) performance status",
            "0, 1, or 2",
        ),
        (
            "Karnofsky performance status of 60% or more",
            "KARNOFSKY",
            bound(60),
            bound(0, 2),
            "Karnofsky performance status",
            "60% or more",
        ),
        (
            "Performance status of less than or equal to ECOG 2.",
            "ECOG",
            bound(high=2),
            bound(high=2),
            "Performance status",
            "less than or equal to ECOG 2",
        ),
    ],
)
def test_performance_status(
    text: str, scale: str, score: object, ecog: object, name: str, value: str
) -> None:
    rule = one(text, PerformanceStatusRule)
    assert (rule.scale, rule.score, rule.ecog) == (scale, score, ecog)
    assert part(text, rule, PartRole.MEASUREMENT) == [name]
    assert part(text, rule, PartRole.VALUE) == [value]
    assert rule.expect is Expect.PRESENT


def test_karnofsky_maps_to_ecog_by_the_standard_table() -> None:
    assert ecog_of_karnofsky(bound(100)) == bound(0, 0)
    assert ecog_of_karnofsky(bound(80)) == bound(0, 1)
    assert ecog_of_karnofsky(bound(70)) == bound(0, 2)
    assert ecog_of_karnofsky(bound(50)) == bound(0, 3)
    assert ecog_of_karnofsky(bound(high=30)) == bound(4, 5)


def test_two_scales_in_one_criterion() -> None:
    # NCT00002461 (the NCI format, read after its topic)
    text = "Performance status: Karnofsky 70-100% OR ECOG 0-1"
    rules = {r.scale: r for r in of_type(text, PerformanceStatusRule)}
    assert rules["KARNOFSKY"].score == bound(70, 100) and rules["KARNOFSKY"].ecog == bound(0, 2)
    assert rules["ECOG"].score == bound(0, 1)
    assert words(text, rules["ECOG"].span) == "ECOG 0-1"


def test_lansky_and_karnofsky_by_age() -> None:
    text = "Karnofsky ≥ 50 for patients > 16 years of age and Lansky ≥ 50 for patients ≤ 16 years of age"
    rules = {r.scale: r for r in of_type(text, PerformanceStatusRule)}
    assert rules["KARNOFSKY"].ages == bound(16, low_inclusive=False)
    assert rules["LANSKY"].ages == bound(high=16)
    assert rules["LANSKY"].ecog == bound(0, 3)
    assert words(text, rules["LANSKY"].span) == "Lansky ≥ 50 for patients ≤ 16 years of age"
    # NCT00002619
    pdq = "Performance status: Karnofsky 70%-100% (over age 16) Lansky 70%-100% (ages 6-16)"
    by_scale = {r.scale: r for r in of_type(pdq, PerformanceStatusRule)}
    assert by_scale["LANSKY"].ages == bound(6, 16) and by_scale["KARNOFSKY"].ages == bound(
        16, low_inclusive=False
    )


def test_an_exclusion_of_poor_performance() -> None:
    rule = one("ECOG performance status ≥ 3", PerformanceStatusRule, EXCLUSION)
    assert rule.expect is Expect.ABSENT and rule.score == bound(3)


@pytest.mark.parametrize("text", ["WHO grade 2 glioma", "Performance status: Not specified", "CTC count ≥ 5"])
def test_no_performance_status(text: str) -> None:
    assert of_type(text, PerformanceStatusRule) == []


@pytest.mark.parametrize(
    ("text", "weeks", "value"),
    [
        ("Life expectancy > 12 weeks", bound(12, low_inclusive=False), "> 12 weeks"),
        ("life expectancy ≥ 3 months", bound(13.05), "≥ 3 months"),
        ("Estimated life expectancy of at least 6 months.", bound(26.09), "at least 6 months"),
        ("Life expectancy: At least 12 weeks", bound(12), "At least 12 weeks"),
        ("Expected survival of at least three months", bound(13.05), "at least three months"),
        ("At least 3 months life expectancy", bound(13.05), "At least 3 months"),
    ],
)
def test_life_expectancy_in_weeks(text: str, weeks: object, value: str) -> None:
    rule = one(text, LifeExpectancyRule)
    assert rule.weeks == weeks and rule.expect is Expect.PRESENT
    assert part(text, rule, PartRole.VALUE) == [value]


def test_short_life_expectancy_excludes() -> None:
    rule = one("Life expectancy less than 3 months", LifeExpectancyRule, EXCLUSION)
    assert rule.expect is Expect.ABSENT and rule.weeks == bound(high=13.05, high_inclusive=False)
    assert (
        of_type("Life expectancy: Not specified Hematopoietic: WBC at least 4,000/mm3", LifeExpectancyRule)
        == []
    )


@pytest.mark.parametrize(
    ("text", "standard", "evaluable", "span"),
    [
        ("measurable disease per RECIST 1.1", "RECIST 1.1", False, "measurable disease per RECIST 1.1"),
        (
            "at least one measurable lesion according to RECIST v1.1",
            "RECIST 1.1",
            False,
            "at least one measurable lesion according to RECIST v1.1",
        ),
        ("Evaluable disease", None, True, "Evaluable disease"),
        ("Measurable or evaluable disease", None, True, "Measurable or evaluable disease"),
        ("Measurable disease by RANO criteria", "RANO", False, "Measurable disease by RANO"),
        (
            "Disease must be measurable per iRECIST",
            "iRECIST",
            False,
            "Disease must be measurable per iRECIST",
        ),
        # NCT00460317
        (
            "Measurable or non-measurable disease per modified RECIST criteria",
            "mRECIST",
            True,
            "Measurable or non-measurable disease per modified RECIST",
        ),
        (
            "Measurable disease according to the Lugano classification",
            "Lugano",
            False,
            "Measurable disease according to the Lugano",
        ),
    ],
)
def test_measurable_disease(text: str, standard: str | None, evaluable: bool, span: str) -> None:
    rule = one(text, MeasurableDiseaseRule)
    assert (rule.standard, rule.evaluable, rule.expect) == (standard, evaluable, Expect.PRESENT)
    assert words(text, rule.span) == span


@pytest.mark.parametrize("text", ["No measurable disease", "Patients with only non-measurable disease"])
def test_an_exclusion_of_no_measurable_disease_requires_it(text: str) -> None:
    assert one(text, MeasurableDiseaseRule, EXCLUSION).expect is Expect.PRESENT


def test_measurable_residual_disease_is_not_measurable_disease() -> None:
    assert of_type("Measurable residual disease ≥ 0.1%", MeasurableDiseaseRule) == []


def markers(text: str, kind: CriterionKind = INCLUSION) -> dict[str, BiomarkerRule]:
    return {r.marker: r for r in of_type(text, BiomarkerRule, kind)}


@pytest.mark.parametrize(
    ("text", "marker", "alteration", "qualifier", "expect"),
    [
        ("activating EGFR mutation", "EGFR", "mutation", "activating", Expect.PRESENT),
        ("HER2-positive", "HER2", "positive", None, Expect.PRESENT),
        ("KRAS G12C mutation", "KRAS", "mutation", "G12C", Expect.PRESENT),
        ("BRAF V600E", "BRAF", "mutation", "V600E", Expect.PRESENT),
        ("EGFR wild-type", "EGFR", "mutation", None, Expect.ABSENT),
        ("HER2-negative breast cancer", "HER2", "positive", None, Expect.ABSENT),
        ("Patients with MSS colorectal cancer", "MSI", "high", None, Expect.ABSENT),
        (
            "Philadelphia chromosome-positive acute lymphocytic leukemia",
            "BCR-ABL1",
            "positive",
            None,
            Expect.PRESENT,
        ),
        # NCT00499369
        ("patients must have wild type KRAS", "KRAS", "mutation", None, Expect.ABSENT),
        (
            "Documented EGFR exon 19 deletion or L858R mutation",
            "EGFR",
            "mutation",
            "exon 19 deletion, L858R",
            Expect.PRESENT,
        ),
    ],
)
def test_biomarkers(text: str, marker: str, alteration: str, qualifier: str | None, expect: Expect) -> None:
    rule = markers(text)[marker]
    assert (rule.alteration, rule.qualifier, rule.expect) == (alteration, qualifier, expect)


def test_two_markers_share_one_alteration() -> None:
    text = "ALK or ROS1 rearrangement"
    rules = markers(text)
    assert set(rules) == {"ALK", "ROS1"}
    assert {r.alteration for r in rules.values()} == {"rearrangement"}
    assert part(text, rules["ROS1"], PartRole.MEASUREMENT) == ["ROS1"]
    assert part(text, rules["ROS1"], PartRole.VALUE) == ["rearrangement"]


def test_expression_thresholds() -> None:
    pdl1 = markers("PD-L1 TPS ≥ 50%")["PD-L1"]
    assert (pdl1.alteration, pdl1.qualifier, pdl1.expression) == ("expression", "TPS", bound(50))
    text = "expression of DLL3 in at least 1% of tumor cells"
    dll3 = markers(text)["DLL3"]
    assert dll3.alteration == "expression" and dll3.expression == bound(1)
    assert words(text, dll3.span) == text
    # NCT07134413: "\<" is a markdown escape
    negative = markers("demonstrated PD-L1 TPS \\<1% 9. appropriate organ function")["PD-L1"]
    assert negative.expression == bound(high=1, high_inclusive=False) and negative.expect is Expect.PRESENT


def test_msi_high_and_mismatch_repair_deficiency() -> None:
    rules = markers("MSI-H/dMMR")
    assert (rules["MSI"].alteration, rules["MMR"].alteration) == ("high", "deficient")
    proficient = markers("pMMR/MSS")
    assert proficient["MMR"].expect is Expect.ABSENT and proficient["MSI"].expect is Expect.ABSENT


def test_receptor_status() -> None:
    both = markers("ER/PR positive")
    assert {m: (r.alteration, r.expect) for m, r in both.items()} == {
        "ER": ("positive", Expect.PRESENT),
        "PR": ("positive", Expect.PRESENT),
    }
    mixed = markers("HR+/HER2- breast cancer")
    assert mixed["HR"].expect is Expect.PRESENT and mixed["HER2"].expect is Expect.ABSENT
    triple = markers("triple negative breast cancer")
    assert set(triple) == {"ER", "PR", "HER2"}
    assert {(r.alteration, r.expect) for r in triple.values()} == {("positive", Expect.ABSENT)}


def test_known_driver_mutations_in_an_exclusion_are_absent() -> None:
    rules = markers("Known EGFR activating mutation", EXCLUSION)
    assert rules["EGFR"].expect is Expect.ABSENT and rules["EGFR"].qualifier == "activating"
    # NCT06332300
    text = (
        "Genetic tests suggesting ALK fusion, ROS1 fusion, BRAF mutation, ERBB2 (HER2) "
        "amplification/mutation, RET rearrangement, MET amplification/MET14 exon jumping mutation and "
        "NTRK fusion positivity."
    )
    drivers = markers(text, EXCLUSION)
    assert {"ALK", "ROS1", "BRAF", "HER2", "RET", "MET", "NTRK"} <= set(drivers)
    assert {r.expect for r in drivers.values()} == {Expect.ABSENT}
    assert drivers["HER2"].alteration == "amplification"


def test_negation_reaches_both_markers() -> None:
    rules = markers("No EGFR mutation or ALK rearrangement")
    assert rules["EGFR"].expect is Expect.ABSENT and rules["ALK"].expect is Expect.ABSENT


@pytest.mark.parametrize(
    "text",
    [
        "Prior treatment with EGFR TKIs",
        "regardless of PD-L1 expression",
        "Prior EGFR- or VEGFR- based therapy.",
        "Known MSI status",
        # NCT v2 export: a drug class, not the patient's tumour
        "previous treatment with poziotinib or any other EGFR or HER2 exon 20 insertion mutation-selective "
        "tyrosine kinase inhibitor (TKI)",
    ],
)
def test_drug_targets_and_indifference_are_not_biomarker_rules(text: str) -> None:
    assert markers(text, EXCLUSION) == {}
