"""Who may take part: age limits, a restriction by sex, pregnancy, breast-feeding, contraception.

The criteria are real ones from ../shared/data (NCT IDs in the comments), quoted as inputs.
"""

from __future__ import annotations

import pytest

from tests.eligibility.test_quantities import EXCLUSION, INCLUSION, bound, of_type, one, part, words
from trialscout.eligibility.model import AgeRule, CriterionKind, Expect, PartRole, ReproductiveRule, SexRule


@pytest.mark.parametrize(
    ("text", "years", "value"),
    [
        ("Age ≥ 18 years", bound(18), "≥ 18 years"),
        ("Aged ≥ 18 years", bound(18), "≥ 18 years"),
        ("aged 18 to 75", bound(18, 75), "18 to 75"),
        ("Patients must be 18 years of age or older.", bound(18), "18 years of age or older"),
        ("\\>=18 years old", bound(18), ">=18 years"),  # NCT v2 export, markdown escape
        ("18+ years of age", bound(18), "18+ years"),
        ("between 12 and 17 years", bound(12, 17), "between 12 and 17 years"),
        ("older than 65", bound(65, low_inclusive=False), "older than 65"),
        ("patients aged > 60", bound(60, low_inclusive=False), "> 60"),
        ("children 2 to < 18 years", bound(2, 18, high_inclusive=False), "2 to < 18 years"),
        ("Age: 18 and over", bound(18), "18 and over"),  # the NCI format: topic "Age:"
        ("Age: 65 and under", bound(high=65), "65 and under"),
        ("Age: Over 18", bound(18, low_inclusive=False), "Over 18"),
        ("Individuals should be healthy and over the age of 16.", bound(16, low_inclusive=False), "16"),
        # NCT00460213
        (
            "Outpatients aged over 20 years and less than 80 years, regardless of sex.",
            bound(20, 80, low_inclusive=False, high_inclusive=False),
            "over 20 years and less than 80 years",
        ),
        ("Age ≥ 18 and ≤ 75 years", bound(18, 75), "≥ 18 and ≤ 75 years"),
    ],
)
def test_age_limits_in_years(text: str, years: object, value: str) -> None:
    rule = one(text, AgeRule)
    assert rule.years == years
    assert rule.expect is Expect.PRESENT
    assert part(text, rule, PartRole.VALUE)[0] == value


def test_age_names_the_person_and_the_value() -> None:
    text = "Adults ≥ 18 years and diagnosed with cirrhosis of any aetiology."  # NCT06223893
    rule = one(text, AgeRule)
    assert part(text, rule, PartRole.PERSON) == ["Adults"]
    assert part(text, rule, PartRole.VALUE) == ["≥ 18 years"]
    assert words(text, rule.span) == "Adults ≥ 18 years"


def test_months_and_weeks_of_age_are_converted_to_years() -> None:
    assert one("≥ 6 months of age", AgeRule).years == bound(0.5)
    infants = one("Infants 6 to 12 weeks of age", AgeRule).years
    assert infants.low == pytest.approx(0.115, abs=0.001) and infants.high == pytest.approx(0.23, abs=0.001)


def test_an_exclusion_of_minors_is_an_absent_age_range() -> None:
    rule = one("Age less than 18 years.", AgeRule, EXCLUSION)
    assert rule.expect is Expect.ABSENT
    assert rule.years == bound(high=18, high_inclusive=False)
    assert words("Age less than 18 years.", rule.span) == "Age less than 18 years"


@pytest.mark.parametrize(
    "text",
    [
        "History of smoking ≥ 10 pack-years",
        "At least 3 years since last treatment",
        "Patients ≥ 3 months post-transplant",
        "Diabetes for ≥ 5 years",
        "Women of childbearing age must use contraception",
        "Gestational age ≥ 32 weeks",
        "Lansky ≥ 50 for patients < 16",  # the age says which scale applies, it is no limit
        "to rule out pregnancy in females over age 12.",
    ],
)
def test_durations_and_scopes_are_not_age_limits(text: str) -> None:
    assert of_type(text, AgeRule) == []


@pytest.mark.parametrize(
    ("text", "sex", "person"),
    [
        ("Postmenopausal women", "FEMALE", "women"),
        ("Female patients aged 18-75", "FEMALE", "Female patients"),
        ("Sex: Female", "FEMALE", "Female"),
        ("Healthy male volunteers aged 18-45 years", "MALE", "male volunteers"),
        ("Men, ages 30-64.", "MALE", "Men"),
    ],
)
def test_a_restriction_by_sex(text: str, sex: str, person: str) -> None:
    rule = one(text, SexRule)
    assert rule.sex == sex and rule.expect is Expect.PRESENT
    assert part(text, rule, PartRole.PERSON) == [person]


@pytest.mark.parametrize(
    "text",
    [
        "Male or female, aged ≥ 18",
        "Men and women, at least 16 years of age",
        "Women of childbearing potential must use highly effective contraception",
        "Female participants: Have adequate organ function as defined in the following table",
        "Women and man must accept to use high efficacy anticonceptive methods",
    ],
)
def test_no_sex_rule_when_both_sexes_or_a_reproductive_scope(text: str) -> None:
    assert of_type(text, SexRule) == []


def test_an_exclusion_excludes_a_sex_only_when_it_names_it_alone() -> None:
    assert one("Male patients", SexRule, EXCLUSION).expect is Expect.ABSENT
    assert of_type("Male patients with prostate cancer", SexRule, EXCLUSION) == []


def _states(text: str, kind: CriterionKind = INCLUSION) -> dict[str, ReproductiveRule]:
    return {r.state: r for r in of_type(text, ReproductiveRule, kind)}


def test_pregnant_or_breastfeeding_in_an_exclusion_is_two_absent_rules() -> None:
    text = "Pregnant or breast-feeding women"
    states = _states(text, EXCLUSION)
    assert set(states) == {"pregnant", "breastfeeding"}
    assert {r.expect for r in states.values()} == {Expect.ABSENT}
    assert words(text, states["breastfeeding"].span) == "breast-feeding"


def test_negation_reaches_every_state_of_a_coordination() -> None:
    states = _states("Not pregnant or nursing")
    assert states["pregnant"].expect is Expect.ABSENT and states["breastfeeding"].expect is Expect.ABSENT


def test_a_pregnancy_test_requires_not_being_pregnant() -> None:
    text = "Women of childbearing potential must have a negative serum or urine pregnancy test"
    rule = _states(text)["pregnant"]
    assert rule.expect is Expect.ABSENT
    assert words(text, rule.span) == "pregnancy test"
    assert rule.applies_to == ("childbearing_potential",)


def test_contraception_for_women_of_childbearing_potential_and_men() -> None:
    # NCT00001835
    text = "Women of child-bearing potential and men must agree to use adequate contraception."
    states = _states(text)
    assert set(states) == {"contraception"}  # childbearing potential only says whom it concerns
    assert states["contraception"].expect is Expect.PRESENT
    assert states["contraception"].applies_to == ("childbearing_potential", "male")


def test_unwillingness_to_use_contraception_in_an_exclusion_means_the_trial_needs_it() -> None:
    # NCT05798663
    text = (
        "Pregnancy, lactation, or inability or unwillingness to use medically acceptable forms of "
        "contraception if pregnancy is a risk."
    )
    states = _states(text, EXCLUSION)
    assert states["pregnant"].expect is Expect.ABSENT
    assert states["breastfeeding"].expect is Expect.ABSENT
    assert states["contraception"].expect is Expect.PRESENT


def test_must_not_be_pregnant_reads_the_same_in_either_section() -> None:
    # NCT00493064 lists this under exclusions
    for kind in (INCLUSION, EXCLUSION):
        states = _states("Patients may not be pregnant or lactating.", kind)
        assert states["pregnant"].expect is Expect.ABSENT
        assert states["breastfeeding"].expect is Expect.ABSENT


def test_childbearing_potential_as_the_requirement_itself() -> None:
    rule = _states("Women of childbearing potential", EXCLUSION)["childbearing_potential"]
    assert rule.expect is Expect.ABSENT
    assert words("Women of childbearing potential", rule.span) == "childbearing potential"


def test_conditional_pregnancy_and_nursing_homes_are_not_rules() -> None:
    assert _states("Should a woman become pregnant while on study, she must inform the doctor") == {}
    assert _states("Residents of a nursing home", EXCLUSION) == {}
