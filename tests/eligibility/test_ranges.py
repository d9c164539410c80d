"""Age and laboratory ranges as a user reads them: each end in its own unit, and a value outside
a range on either side read as two limits, never one bound.

The criteria are real ones from ../shared/data (NCT IDs in the comments), quoted as inputs, and
literal texts of the same shapes.
"""

from __future__ import annotations

import pytest

from tests.eligibility.test_quantities import EXCLUSION, INCLUSION, bound, of_type, one
from trialscout.eligibility.model import AgeRule, Bound, CriterionKind, Expect, LabRule


@pytest.mark.parametrize(
    ("text", "years"),
    [
        (
            "Pediatric patients, ages 24 months to 16 years, with sickle cell anemia",
            bound(2, 16),
        ),  # NCT00000592
        ("Are 15 days to 2 years old.", bound(0.041, 2)),  # NCT00000872
        (
            "Are between 3 months and 16 years old (consent of parent or legal guardian required).",
            bound(0.25, 16),
        ),
        (
            "Is between the ages of 18 months and 18 years, with consent of parent or guardian.",
            bound(1.5, 18),
        ),
        (
            "Are between the ages of 4 weeks and 2 years (consent of parent or guardian required).",
            bound(0.077, 2),
        ),
        ("Healthy Children, Between 12 Months And 12 Years Of Age", bound(1, 12)),
        ("age 3 months to 16 years", bound(0.25, 16)),
        ("18 months to 5 years", bound(1.5, 5)),
        ("Patients between 28 days and 18 years of age", bound(0.077, 18)),
        ("age ≥2 weeks to 4 months", bound(0.038, 0.333)),
        ("aged 2 to 17 years", bound(2, 17)),
        ("Aged 50-75", bound(50, 75)),
        ("≥ 18 years of age", bound(18)),
        ("18 years and older", bound(18)),
        ("newborns up to 6 weeks", bound(high=0.115)),
    ],
)
def test_each_end_of_an_age_range_in_its_own_unit(text: str, years: Bound) -> None:
    rule = one(text, AgeRule)
    assert rule.expect is Expect.PRESENT
    assert (
        rule.years.low == pytest.approx(years.low, abs=0.001)
        if years.low is not None
        else rule.years.low is None
    )
    assert (
        rule.years.high == pytest.approx(years.high, abs=0.001)
        if years.high is not None
        else rule.years.high is None
    )


def test_an_age_under_the_age_topic() -> None:
    assert one("Age: up to 65", AgeRule).years == bound(high=65)


@pytest.mark.parametrize(
    ("text", "below", "above"),
    [
        ("Age less than 18 years or greater than 65 years.", 18, 65),  # NCT00001716
        ("Age younger than 18 or older than 80 years.", 18, 80),  # NCT00001783
        ("Age < 35 or > 75 years", 35, 75),  # NCT00005479
        ("Patients less than 6 or greater than 65 years of age.", 6, 65),  # NCT00001257
        ("age less than 18 or greater than 90 except for NIH patients with diseases", 18, 90),  # NCT00001532
        ("< 18 or > 75 years", 18, 75),
        ("Age of less than 3 years or 21 years or more at time of enrollment", 3, 21),
    ],
)
def test_an_age_outside_a_range_is_two_limits_an_exclusion_rules_out(
    text: str, below: float, above: float
) -> None:
    rules = of_type(text, AgeRule, EXCLUSION)
    assert [r.expect for r in rules] == [Expect.ABSENT, Expect.ABSENT]
    assert rules[0].years.low is None and rules[0].years.high == below
    assert rules[1].years.high is None and rules[1].years.low == above
    # a patient between the limits is ruled out by neither, one below the first by the first only
    assert not any(r.years.contains((below + above) / 2) for r in rules)
    assert rules[0].years.contains(below - 1) and not rules[1].years.contains(below - 1)


def test_an_age_outside_a_range_in_an_inclusion_is_two_alternatives() -> None:
    rules = of_type("age below 35 or above 86", AgeRule, INCLUSION)
    assert [r.expect for r in rules] == [Expect.PRESENT, Expect.PRESENT]
    assert rules[0].years == bound(high=35, high_inclusive=False)
    assert rules[1].years == bound(86, low_inclusive=False)


def test_a_negated_age_outside_a_range_is_the_range_between() -> None:
    rule = one("Not younger than 18 or older than 75 years", AgeRule, INCLUSION)
    assert rule.expect is Expect.PRESENT and rule.years == bound(18, 75)


@pytest.mark.parametrize(
    "text",
    ["BMI under 18 or over 40", "Less than 5 days after stroke or greater than 30 days after stroke."],
)
def test_other_numbers_either_side_are_no_ages(text: str) -> None:
    assert of_type(text, AgeRule, EXCLUSION) == []


@pytest.mark.parametrize(
    "text",
    [
        "Patients with an injury over 4 weeks old",
        "Participants must be between 18-60 years of age (no more than 10% of the volunteers to be over 50)",
        "Infants ≤32 weeks and 6 days EGA with high probability of receiving the agents",  # NCT00491426
        "Term infant (>= 37 weeks by 1st or second trimester sonogram)",  # NCT00496951
    ],
)
def test_ages_of_things_and_shares_are_no_age_limits(text: str) -> None:
    ages = [r.years for r in of_type(text, AgeRule)]
    assert all(y.low not in (0.077, 0.709) and y.high not in (10, 0.613) for y in ages)
    assert len(ages) <= 1


def _labs(text: str, kind: CriterionKind) -> list[tuple[str, Expect, Bound, str]]:
    return [(r.analyte, r.expect, r.bound, r.unit) for r in of_type(text, LabRule, kind)]


def test_a_lab_outside_a_range_is_two_limits_in_an_exclusion() -> None:
    assert _labs("INR < 1.5 or > 3 x ULN", EXCLUSION) == [
        ("inr", Expect.ABSENT, bound(high=1.5, high_inclusive=False), "xULN"),
        ("inr", Expect.ABSENT, bound(3, low_inclusive=False), "xULN"),
    ]
    assert _labs("Platelets <100,000/mm3 or >450,000/mm3", EXCLUSION) == [
        ("platelets", Expect.ABSENT, bound(high=100, high_inclusive=False), "10^9/L"),
        ("platelets", Expect.ABSENT, bound(450, low_inclusive=False), "10^9/L"),
    ]


def test_a_lab_outside_a_range_is_two_alternatives_in_an_inclusion() -> None:
    found = _labs("Hemoglobin below 10 or above 16 g/dL", INCLUSION)
    assert found == [
        ("hemoglobin", Expect.PRESENT, bound(high=10, high_inclusive=False), "g/dL"),
        ("hemoglobin", Expect.PRESENT, bound(16, low_inclusive=False), "g/dL"),
    ]


@pytest.mark.parametrize(
    ("text", "analyte", "low", "high"),
    [
        ("No hemoglobin less than 11.0 or greater than 19.0 gm/dL", "hemoglobin", 11.0, 19.0),  # NCT00001842
        ("No platelet counts less than 140 x 10(9)/L or greater than 500 x 10(9)/L.", "platelets", 140, 500),
    ],
)
def test_a_negated_inclusion_of_both_sides_asks_for_the_range_between(
    text: str, analyte: str, low: float, high: float
) -> None:
    assert _labs(text, INCLUSION) == [
        (analyte, Expect.PRESENT, bound(low, high), _labs(text, INCLUSION)[0][3])
    ]


def test_a_stricter_limit_for_some_patients_is_no_range() -> None:
    # the same side twice: an exception, not a range
    assert len(of_type("ALT > 3 x ULN or > 5 x ULN with liver metastases", LabRule, EXCLUSION)) == 1
