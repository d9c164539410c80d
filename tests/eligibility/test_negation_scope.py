"""How far a negation reaches in a list, qualifiers kept beside the sex, and definitions read as
definitions: what a user sees of each as rules (type, expect, count).

The criteria are real ones from ../shared/data (NCT IDs in the comments), quoted as inputs, and
literal texts of the same shapes.
"""

from __future__ import annotations

import pytest

from trialscout.eligibility.model import CriterionKind, Expect, ReproductiveRule, Rule, SexRule
from trialscout.eligibility.rules.clauses import is_definition
from trialscout.eligibility.rules.read import read_rules

INCLUSION = CriterionKind.INCLUSION
EXCLUSION = CriterionKind.EXCLUSION


def _expects(text: str, kind: CriterionKind) -> dict[str, Expect]:
    """The words of each rule and what the trial expects of them."""
    return {text[r.span.start : r.span.end]: r.expect for r in read_rules(text, kind)}


def _of(text: str, kind: CriterionKind, rule_type: type[Rule]) -> list[Rule]:
    return [r for r in read_rules(text, kind) if isinstance(r, rule_type)]


# --- a "no" that opens one item of an exclusion list --------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "No informed consent, pregnancy, breastfeeding",
        "No signed informed consent, pregnancy, breast-feeding",
        "No written consent, lactation, pregnancy",
    ],
)
def test_a_no_before_consent_does_not_reach_pregnancy_in_an_exclusion(text: str) -> None:
    states = {r.state: r.expect for r in _of(text, EXCLUSION, ReproductiveRule)}  # type: ignore[attr-defined]
    assert states == {"pregnant": Expect.ABSENT, "breastfeeding": Expect.ABSENT}


def test_items_of_another_kind_after_consent_are_ruled_out() -> None:
    found = _expects("No signed informed consent, HIV infection, pregnancy", EXCLUSION)
    assert found == {"HIV infection": Expect.ABSENT, "pregnancy": Expect.ABSENT}


# --- a "no" that opens a list of one kind reaches every item ------------------------------------


def test_no_history_of_a_list_of_conditions_is_absent_all() -> None:
    found = _expects("No history of MI, stroke or CHF", INCLUSION)
    assert found == {"MI": Expect.ABSENT, "stroke": Expect.ABSENT, "CHF": Expect.ABSENT}


def test_a_long_list_of_drugs_stays_negated_to_its_end() -> None:
    # NCT00004004: the later items are more than ten words from the "No"
    text = (
        "No concurrent ethanol, ephedrine, isoproterenol, epinephrine, tricyclic antidepressants, "
        "paragyliline, narcotic analgesics, antihistamines, phenothiazines, hypotensives, or barbiturates"
    )
    found = _expects(text, INCLUSION)
    assert len(found) >= 5
    assert set(found.values()) == {Expect.ABSENT}


def test_no_pregnant_females_nursing_mothers_is_absent_both() -> None:
    # NCT00001797
    text = (
        "No pregnant females, nursing mothers, or patients of childbearing age not practicing birth control"
    )
    states = {r.state: r.expect for r in _of(text, INCLUSION, ReproductiveRule)}  # type: ignore[attr-defined]
    assert states["pregnant"] is Expect.ABSENT and states["breastfeeding"] is Expect.ABSENT


def test_not_pregnant_nor_breast_feeding_is_absent_both() -> None:
    # NCT00000295
    text = "Not pregnant as determined by pregnancy screening nor breast feeding, and using birth control"
    states = {r.state: r.expect for r in _of(text, INCLUSION, ReproductiveRule)}  # type: ignore[attr-defined]
    assert states["pregnant"] is Expect.ABSENT and states["breastfeeding"] is Expect.ABSENT


def test_an_exclusion_list_past_the_reach_of_its_no_is_ruled_out() -> None:
    # NCT00004149: read literally, the double negative would require a psychiatric condition
    text = (
        "No other debilitating acute or chronic co-morbid medical, neurological, or psychiatric "
        "condition that would preclude study compliance"
    )
    assert set(_expects(text, EXCLUSION).values()) == {Expect.ABSENT}


@pytest.mark.parametrize(
    ("text", "words", "expect"),
    [
        # NCT00006039: "HIV negative" states its own polarity
        (
            "No active uncontrolled infections or infections requiring systemic antibiotics HIV negative",
            "HIV",
            Expect.ABSENT,
        ),
        # NCT00005896: a new sentence ran on without its full stop
        (
            "No acute viral, bacterial, or fungal infection Not pregnant or nursing Negative pregnancy test "
            "Fertile patients must use effective contraception",
            "contraception",
            Expect.PRESENT,
        ),
        # NCT00004080: the tumour the trial is for is no item of the list
        (
            "No prior interstitial chemotherapy such as Gliadel wafer implantation for present brain tumor",
            "brain tumor",
            Expect.PRESENT,
        ),
        # NCT00000294: an item that is a predicate of its own ("using ...") is no item of the list
        (
            "Not pregnant as determined by pregnancy screening nor breast feeding, using acceptable birth "
            "control methods",
            "birth control",
            Expect.PRESENT,
        ),
        # NCT00739882: "No washout period is required for ... psoriasis agents"
        (
            "No washout period is required for these traditional systemic psoriasis agents before entry",
            "psoriasis",
            Expect.PRESENT,
        ),
        # an age in a run-on list is never negated by the list's "No"
        (
            "No FAB L3 morphology CNS or overt testicular leukemia at diagnosis allowed "
            "High risk status 10-21 years old",
            "10-21 years old",
            Expect.PRESENT,
        ),
    ],
)
def test_a_list_negation_stops_where_the_list_does(text: str, words: str, expect: Expect) -> None:
    assert _expects(text, INCLUSION)[words] is expect


def test_a_negation_does_not_cross_its_clause() -> None:
    found = _expects("No prior chemotherapy; brain metastases", EXCLUSION)
    assert found.get("brain metastases") is Expect.ABSENT


# --- qualifiers kept beside the sex ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("Postmenopausal women, ages 45 to 64.", "postmenopausal"),  # NCT00000466
        ("Postmenopausal women with established coronary atherosclerosis.", "postmenopausal"),  # NCT00000549
        ("Women must be postmenopausal", "postmenopausal"),
        ("Premenopausal women", "premenopausal"),
    ],
)
def test_a_menopausal_woman_is_a_state_and_a_sex(text: str, state: str) -> None:
    rules = read_rules(text, INCLUSION)
    states = [r.state for r in rules if isinstance(r, ReproductiveRule)]
    sexes = [r.sex for r in rules if isinstance(r, SexRule)]
    assert states == [state] and sexes == ["FEMALE"]
    assert all(r.expect is Expect.PRESENT for r in rules if isinstance(r, (ReproductiveRule, SexRule)))


def test_an_excluded_menopausal_state_does_not_exclude_every_woman() -> None:
    rules = read_rules("Premenopausal women", EXCLUSION)
    assert [type(r) for r in rules] == [ReproductiveRule]
    assert rules[0].expect is Expect.ABSENT


@pytest.mark.parametrize(
    "text",
    [
        "Women must be postmenopausal or surgically sterile",
        "Pre- or post-menopausal women",
        "postmenopausal or with no intention of becoming pregnant",  # NCT00000161
        # NCT00491374: the state is named inside a scope's parenthesis
        "Female subjects of childbearing potential (including women who are less than 1 year postmenopausal)",
        "Women 56 years of age and older will be assumed to be postmenopausal.",  # NCT00001853
        "Postmenopausal estrogen therapy and 55 years of age or older",  # NCT00002920
        "Premenopausal myocardial infarction",  # NCT00000419: said of the infarction
        # NCT00005571
        "Women must be post-menopausal, surgically sterile or practicing approved contraception.",
    ],
)
def test_a_menopausal_state_among_alternatives_or_in_a_later_clause_is_no_requirement(text: str) -> None:
    for kind in (INCLUSION, EXCLUSION):
        states = [r.state for r in _of(text, kind, ReproductiveRule)]  # type: ignore[attr-defined]
        assert not [state for state in states if "menopausal" in state]


@pytest.mark.parametrize(
    "text",
    [
        "Women of childbearing potential must use contraception",
        # NCT00001475
        "Women of childbearing potential must agree to practice abstinence or use 2 forms of contraception",
    ],
)
def test_contraception_for_women_of_childbearing_potential_asks_nothing_else(text: str) -> None:
    rules = read_rules(text, INCLUSION)
    assert [(type(r), r.state, r.applies_to) for r in rules if isinstance(r, ReproductiveRule)] == [
        (ReproductiveRule, "contraception", ("childbearing_potential",))
    ]
    assert not [r for r in rules if isinstance(r, SexRule)]


@pytest.mark.parametrize("text", ["Male or female", "Men and women aged 18 or older"])
def test_both_sexes_is_no_sex_rule(text: str) -> None:
    assert _of(text, INCLUSION, SexRule) == []


# --- definitions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Post-menopausal is defined as no menses for 12 months without an alternative medical cause",
        "Adequate contraception is defined as two barrier methods, or one barrier method with a spermicide",
        "Childbearing potential means any woman who has not been surgically sterilised",
        # NCT02856893
        "Post-menopausal defined as aged more than 50 years and amenorrheic for at least 12 months following "
        "cessation of all exogenous hormonal treatments",
        # NCT05482516
        "A woman is considered to be of childbearing potential if she is postmenarchal, has not reached a "
        "postmenopausal state (≥ 12 continuous months of amenorrhea)",
        "Premenopausal women are defined as women who have had a menstrual period in the last 12 months",
        "Measurable disease is defined as any lesion that can be accurately measured in one dimension",
    ],
)
def test_a_definition_is_one_and_states_no_requirement(text: str) -> None:
    assert is_definition(text)
    quantities = [
        r
        for r in read_rules(text, INCLUSION)
        if type(r).__name__ in {"AgeRule", "SexRule", "ReproductiveRule"}
    ]
    assert quantities == []


@pytest.mark.parametrize(
    "text",
    [
        "Adequate hepatic function defined as bilirubin ≤ 1.5 mg/dL",
        "Arterial uncontrolled hypertension, which is defined as a systolic pressure > 150 mmHg",
        "Not of childbearing potential, defined as post-menopausal for at least 1 year or surgically sterile",
        "Women of childbearing potential must use contraception",
        "Patients must practice effective means of birth control.",  # NCT00001930
        "Postmenopausal women",
        # NCT00002580: the requirement, then what it means
        "Premenopausal, defined by 1 of the following criteria: Last menstrual period less than 1 year ago",
    ],
)
def test_a_requirement_stated_with_a_definition_is_no_definition(text: str) -> None:
    assert not is_definition(text)
