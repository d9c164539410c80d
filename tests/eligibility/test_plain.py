"""Plain sentences a patient understands, faithful to the criterion: typed rules, words, exceptions."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.eligibility.test_split import seed_criteria
from trialscout.eligibility.model import (
    AgeRule,
    Bound,
    CnsMetastasesRule,
    Criterion,
    CriterionKind,
    DiagnosisRule,
    Expect,
    InfectionRule,
    LabRule,
    LifeExpectancyRule,
    PerformanceStatusRule,
    PriorTherapyRule,
    Rule,
    SexRule,
    Span,
    StatedException,
)
from trialscout.eligibility.parse import parse_criteria_text
from trialscout.eligibility.plain import plain_sentence, plain_sentences
from trialscout.eligibility.plain.sentences import Unsayable, compose
from trialscout.eligibility.plain.sound import mend
from trialscout.eligibility.plain.text import explain, glossary, strip_explanations, tidy

INC = CriterionKind.INCLUSION
EXC = CriterionKind.EXCLUSION


def criterion(
    text: str, kind: CriterionKind = INC, rules: tuple[Rule, ...] = (), **more: object
) -> Criterion:
    return Criterion(
        id="I1" if kind is INC else "E1", kind=kind, span=Span(0, len(text)), text=text, rules=rules, **more
    )  # type: ignore[arg-type]


def whole(text: str) -> Span:
    return Span(0, len(text))


# --- typed rules ------------------------------------------------------------------------------------


def test_ecog_grades_use_the_standard_wording() -> None:
    text = "ECOG performance status 0-1"
    rule = PerformanceStatusRule(
        expect=Expect.PRESENT,
        span=whole(text),
        scale="ECOG",
        score=Bound(low=0, high=1),
        ecog=Bound(low=0, high=1),
    )
    assert plain_sentence(criterion(text, rules=(rule,))) == (
        "I am fully active or able to carry out light work (ECOG 0-1)."
    )
    text = "ECOG 0-2"
    rule = PerformanceStatusRule(
        expect=Expect.PRESENT,
        span=whole(text),
        scale="ECOG",
        score=Bound(low=0, high=2),
        ecog=Bound(low=0, high=2),
    )
    said = plain_sentence(criterion(text, rules=(rule,)))
    assert said.startswith("I am at least able to look after myself and up and about for more than half")


def test_an_excluded_performance_status_says_what_is_lost() -> None:
    text = "ECOG performance status ≥ 2"
    rule = PerformanceStatusRule(
        expect=Expect.ABSENT, span=whole(text), scale="ECOG", score=Bound(low=2), ecog=Bound(low=2)
    )
    assert plain_sentence(criterion(text, EXC, (rule,))) == (
        "You cannot join if you are not able to carry out light work (ECOG 2 or higher)."
    )


def test_karnofsky_by_its_lowest_score() -> None:
    text = "Karnofsky performance status ≥ 70%"
    rule = PerformanceStatusRule(
        expect=Expect.PRESENT, span=whole(text), scale="KARNOFSKY", score=Bound(low=70), ecog=Bound(high=2)
    )
    said = plain_sentence(criterion(text, rules=(rule,)))
    assert "able to look after myself" in said and "(Karnofsky score 70 or higher)" in said


def test_labs_are_said_by_organ_with_the_normalised_threshold() -> None:
    text = "Creatinine clearance > 50 mL/min"
    rule = LabRule(
        expect=Expect.PRESENT,
        span=whole(text),
        analyte="creatinine_clearance",
        bound=Bound(low=50, low_inclusive=False),
        unit="mL/min",
        original="> 50 mL/min",
    )
    assert plain_sentence(criterion(text, rules=(rule,))) == (
        "My kidneys work well enough (creatinine clearance more than 50 mL/min)."
    )
    text = "Neutrophils ≥ 1500/mm3 and platelets ≥ 100,000/mm3"
    rules = (
        LabRule(
            expect=Expect.PRESENT,
            span=Span(0, 23),
            analyte="anc",
            bound=Bound(low=1.5),
            unit="10^9/L",
            original="≥ 1500/mm3",
        ),
        LabRule(
            expect=Expect.PRESENT,
            span=Span(28, len(text)),
            analyte="platelets",
            bound=Bound(low=100),
            unit="10^9/L",
            original="≥ 100,000/mm3",
        ),
    )
    assert plain_sentence(criterion(text, rules=rules)) == (
        "My blood counts are high enough (neutrophils at least 1.5 × 10⁹/L, platelets at least 100 × 10⁹/L)."
    )


def test_an_excluding_lab_value_is_an_exclusion() -> None:
    text = "AST > 3 x ULN"
    rule = LabRule(
        expect=Expect.ABSENT,
        span=whole(text),
        analyte="ast",
        bound=Bound(low=3, low_inclusive=False),
        unit="xULN",
        original="> 3 x ULN",
    )
    assert (
        plain_sentence(criterion(text, EXC, (rule,)))
        == "You cannot join if your AST is more than 3 times ULN."
    )


def test_ages() -> None:
    text = "Age ≥ 18 years"
    assert (
        plain_sentence(
            criterion(text, rules=(AgeRule(expect=Expect.PRESENT, span=whole(text), years=Bound(low=18)),))
        )
        == "I am 18 or older."
    )
    text = "Age < 18 years"
    rule = AgeRule(expect=Expect.ABSENT, span=whole(text), years=Bound(high=18, high_inclusive=False))
    assert plain_sentence(criterion(text, EXC, (rule,))) == "You cannot join if you are younger than 18."
    text = "Aged 18 to 75 years"
    rule = AgeRule(expect=Expect.PRESENT, span=whole(text), years=Bound(low=18, high=75))
    assert plain_sentence(criterion(text, rules=(rule,))) == "I am between 18 and 75 years old."


def test_diagnosis_life_expectancy_sex_infection() -> None:
    text = "Histologically confirmed non-small cell lung cancer"
    rule = DiagnosisRule(
        expect=Expect.PRESENT,
        span=whole(text),
        condition="non-small cell lung cancer",
        confirmation="histological",
    )
    assert plain_sentence(criterion(text, rules=(rule,))) == (
        "My cancer is a non-small cell lung cancer, confirmed by a biopsy."
    )
    text = "Life expectancy of at least 3 months"
    rule = LifeExpectancyRule(expect=Expect.PRESENT, span=whole(text), weeks=Bound(low=13.04))
    assert plain_sentence(criterion(text, rules=(rule,))).startswith("My life expectancy")
    assert "at least 3 months" in plain_sentence(criterion(text, rules=(rule,)))
    text = "Female"
    assert plain_sentence(
        criterion(text, rules=(SexRule(expect=Expect.PRESENT, span=whole(text), sex="FEMALE"),))
    ) == ("I am female.")
    text = "Known HIV infection"
    rule = InfectionRule(expect=Expect.ABSENT, span=whole(text), infection="HIV", qualifier="known")
    assert plain_sentence(criterion(text, EXC, (rule,))).startswith(
        "You cannot join if you are known to have HIV"
    )


def test_a_typed_rule_that_leaves_words_unsaid_gives_way_to_the_words() -> None:
    text = "Male or female"
    rule = SexRule(expect=Expect.PRESENT, span=whole(text), sex="FEMALE")  # a reader that saw only one word
    said = plain_sentence(criterion(text, rules=(rule,)))
    assert "male or female" in said.lower()
    text = "Pregnant or breastfeeding women"
    from trialscout.eligibility.model import ReproductiveRule

    rule2 = ReproductiveRule(expect=Expect.ABSENT, span=Span(0, 8), state="pregnant")
    said = plain_sentence(criterion(text, EXC, (rule2,)))
    assert "breastfeeding" in said and said.startswith("You cannot join if")


def test_brain_metastases_are_not_widened_to_the_spinal_cord() -> None:
    text = "No brain metastases"
    rule = CnsMetastasesRule(expect=Expect.ABSENT, span=Span(3, len(text)), state="any")
    said = plain_sentence(criterion(text, rules=(rule,)))
    assert said.startswith("I do not have") and "brain" in said and "spinal" not in said


# --- words: frames, negations, exceptions ---------------------------------------------------------------


def test_negated_inclusions_stay_negated() -> None:
    assert plain_sentence(criterion("No brain metastases")).startswith("I do not have brain metastases")
    assert plain_sentence(criterion("No prior chemotherapy")) == "I have not had chemotherapy."
    assert plain_sentence(criterion("Not pregnant or nursing")) == "I am not pregnant or nursing."
    assert plain_sentence(criterion("Patients must not have received prior radiotherapy")).startswith(
        "I have not received prior radiotherapy"
    )
    # a comparison, not a negation, and no frame fits it: the registry's words are shown instead
    assert plain_sentence(criterion("No more than 2 prior regimens")) == ""


def test_exclusions_never_read_as_what_the_patient_must_be() -> None:
    said = plain_sentence(criterion("Patients who are pregnant or breast-feeding", EXC))
    assert said == "You cannot join if you are pregnant or breast-feeding."
    said = plain_sentence(criterion("Patients must not have received prior anti-PD-1 therapy", EXC))
    assert said == "You cannot join if you have received prior anti-PD-1 therapy."  # the exclusion said again
    said = plain_sentence(criterion("Patients without measurable disease", EXC))
    assert said.startswith("You cannot join if you do not have measurable disease")  # a double negative


def test_exceptions_are_kept_after_the_main_clause_as_exceptions() -> None:
    # the competitor's page shows this exception as if it were the exclusion
    said = plain_sentence(
        criterion("Prior cetuximab, unless as curative therapy without progression for ≥ 6 months", EXC)
    )
    assert said.startswith("You cannot join if you have had cetuximab, unless as curative")
    assert "at least 6 months" in said
    said = plain_sentence(criterion("Except for alopecia, toxicities from prior therapy must have resolved"))
    assert said.lower().index("toxicities") < said.index("except for alopecia")
    said = plain_sentence(
        criterion("Small cell lung NEC (except as a minor \\<30% component in mixed tumors)", EXC)
    )
    expected = "You cannot join if you have small cell lung NEC (except as a minor less than 30% component"
    assert said == f"{expected} in mixed tumors)."


def test_an_allowing_sentence_is_an_allowance_not_the_rule() -> None:
    text = (
        "Known acute or chronic B or C hepatitis by serological evaluation. Patients with serological "
        "sequellae of hepatitis (antibodies test serologically positive for virus) without hepatitis could "
        "be included."
    )
    said = strip_explanations(plain_sentence(criterion(text, EXC)))
    first, second = said.split(". ", 1)
    assert first.startswith("You cannot join if you are known to have acute or chronic B or C hepatitis")
    assert second.startswith("You can still join if you have serological sequellae of hepatitis")


def test_allowing_sub_points_are_exceptions_of_their_parent() -> None:
    text = "Brain metastases:\n- Patients with treated brain metastases are eligible if stable for 4 weeks"
    parent = Criterion(
        id="E1",
        kind=EXC,
        span=Span(0, 17),
        text="Brain metastases:",
        exceptions=(StatedException(text=text[20:], span=Span(20, len(text))),),
    )
    said = plain_sentence(parent)
    assert said.startswith("You cannot join if you have brain metastases")
    assert "You can still join if you have treated brain metastases, if stable for 4 weeks" in said


# --- glossary and tidying ----------------------------------------------------------------------------


def test_signs_and_markdown_become_words() -> None:
    assert tidy("Life expectancy \\> 12 weeks.") == "Life expectancy more than 12 weeks"
    assert tidy("ANC ≥ 1.5 x 10^9/L; Grade ≥2 toxicity (e.g. alopecia)") == (
        "ANC at least 1.5 × 10⁹/L; Grade 2 or higher toxicity (for example alopecia)"
    )
    assert tidy("**Bilirubin** \\<= 1.5 × ULN") == "Bilirubin at most 1.5 times ULN"


def test_glossary_explains_each_term_once_and_not_what_the_registry_explains() -> None:
    assert explain("AST < 3 times ULN and ALT < 3 times ULN") == (
        "AST (a liver enzyme; high levels can mean liver damage) < 3 times ULN (upper limit of normal) and "
        "ALT < 3 times ULN"
    )
    assert explain("ULN (upper limit of normal)") == "ULN (upper limit of normal)"
    assert explain("central nervous system (CNS) metastases") == (
        "central nervous system (CNS: the brain and spinal cord) metastases (places the cancer has spread to)"
    )
    assert explain("eGFR and ECOG") != explain("egfr and ecog")  # acronyms match only as written
    assert len(glossary()) > 150
    for term in (
        "ULN",
        "ECOG",
        "RECIST",
        "metastases",
        "leptomeningeal",
        "hepatic",
        "renal",
        "creatinine clearance",
        "neutrophils",
        "platelets",
        "haemoglobin",
        "bilirubin",
        "AST",
        "ALT",
        "INR",
        "LVEF",
        "immunosuppressive",
    ):
        assert glossary().explanation(term), term
    assert strip_explanations(explain("Leptomeningeal metastasis and hepatic impairment")) == (
        "Leptomeningeal metastasis and hepatic impairment"
    )


# --- the seed trial (NCT06937905) ------------------------------------------------------------------------


def test_the_seed_trial_reads_as_a_patient_would_need() -> None:
    criteria = parse_criteria_text(seed_criteria())
    said = {c.id: strip_explanations(p) for c, p in zip(criteria, plain_sentences(criteria), strict=True)}
    assert said["I2"] == "I am 18 or older."
    assert said["I3"] == "I am fully active or able to carry out light work (WHO 0-1)."
    assert said["I4"] == "My life expectancy is more than 12 weeks."
    assert said["E2"] == "You cannot join if you have had a treatment that targets DLL3."
    assert said["E6"].startswith(
        "You cannot join if you have untreated or symptomatic central nervous system (CNS)"
    )
    assert "You can still join if you have asymptomatic CNS metastases, if clinically stable" in said["E6"]
    assert "You can still join if you have treated brain metastases, provided" in said["E6"]
    assert (
        said["E6.3"]
        == "For the exception above, this must also be true: I am asymptomatic from brain metastases."
    )
    assert said["E7"].startswith("You cannot join if you have")
    assert "You can still join if you have serological sequellae of hepatitis" in said["E19"]
    assert said["E23"].startswith("Vaccination with live or attenuated virus vaccines is not permitted")


# --- never raises ------------------------------------------------------------------------------------------

_texts = st.text(
    alphabet=st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyzABCNOPRSTUX0123456789 ()[]:;,.-/<>=≥≤\\*%^\n\x00\x01\x02")
    ),
    max_size=120,
) | st.sampled_from(
    [
        "No",
        "No prior",
        "Patients with",
        "Except for",
        "unless",
        "(except",
        "Not",
        "Age",
        "ECOG",
        "Allowed:",
        "Patients must not",
        "With the exception of",
        "Women of childbearing potential must",
        "At least 4 weeks since",
    ]
).flatmap(lambda lead: st.text(max_size=60).map(lambda tail: f"{lead} {tail}"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=_texts,
    kind=st.sampled_from(list(CriterionKind)),
    topic=st.none() | st.text(max_size=20),
    with_parent=st.booleans(),
)
def test_any_criterion_gives_a_sentence(
    text: str, kind: CriterionKind, topic: str | None, with_parent: bool
) -> None:
    item = Criterion(
        id="E1.1",
        kind=kind,
        span=Span(0, len(text)),
        text=text,
        topic=topic,
        parent="E1",
        rules=(
            PriorTherapyRule(
                expect=Expect.ABSENT, span=Span(0, max(0, len(text) // 2)), therapies=(text[:5],)
            ),
        ),
    )
    parent = Criterion(id="E1", kind=kind, span=Span(0, 0), text=f"{text}:") if with_parent else None
    try:
        said = compose(item, parent)  # the rewrite itself, not its safety net
    except Unsayable:
        said = ""  # no faithful sentence: the registry's words are shown
    assert isinstance(said, str)
    shown = plain_sentence(item, parent=parent)
    assert shown in {said, mend(said), ""}  # the rewrite, its one-wording mends, or the registry's words
