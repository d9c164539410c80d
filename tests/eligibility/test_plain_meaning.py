"""Plain sentences keep the criterion's meaning: polarity, exceptions, whom it applies to, grammar.

One test per class of error seen on the real records (docs/eligibility-readability.md,
2026-12-02): each with literal cases and cases from other real records of ../shared/data.
Where no faithful sentence can be built the sentence is "" (the registry's words are shown).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialscout.eligibility.model import Criterion, CriterionKind, Scope, Span
from trialscout.eligibility.parse import parse_criteria_text, parse_eligibility
from trialscout.eligibility.plain import plain_sentence, plain_sentences, strip_explanations
from trialscout.store.sqlite import SQLiteStore

INC = CriterionKind.INCLUSION
EXC = CriterionKind.EXCLUSION


def said(text: str, kind: CriterionKind = INC) -> str:
    """The sentence of one criterion, read as the parser reads it (with its rules)."""
    heading = "Inclusion Criteria:" if kind is INC else "Exclusion Criteria:"
    criteria = parse_criteria_text(f"{heading}\n- {text}")
    assert len(criteria) == 1, [c.text for c in criteria]
    return criteria[0].plain if not criteria[0].plain_original else ""


def real(store: SQLiteStore, nct_id: str, anchor: str) -> str:
    """The sentence of the criterion of a real record that contains ``anchor`` ("" if the
    registry's words are shown)."""
    parsed = parse_eligibility(store.trial(nct_id))
    hits = [c for c in parsed.criteria if anchor in " ".join(c.text.split())]
    assert hits, f"no criterion of {nct_id} contains {anchor!r}"
    sentence = plain_sentences(hits[:1])[0] if hits[0].parent is None else hits[0].plain
    return strip_explanations(sentence)


# --- "No X" under an exclusion heading restates the exclusion ----------------------------------------


def test_no_x_in_an_exclusion_rules_out_x_not_its_absence() -> None:
    assert said("No major surgery within 4 weeks", EXC).startswith(
        "You cannot join if you have had major surgery"
    )
    assert said("No prior chemotherapy", EXC) == "You cannot join if you have had chemotherapy."
    assert said("No anemia", EXC).startswith("You cannot join if you have anemia")
    assert (
        said("no pregnant or breast-feeding women", EXC)
        == "You cannot join if you are pregnant or you are breastfeeding."
    )
    # a lack of what a patient needs is what excludes
    assert said("No measurable disease", EXC) == "You cannot join if you do not have measurable disease."
    # neither a harm nor a need: no sentence of ours rather than a guess
    assert said("no PET/CT post 2 cycles performed", EXC) == ""
    # in an inclusion, "No X" means you can join only without X
    assert said("No major surgery within 4 weeks").startswith("I have not had major surgery")


def test_no_x_exclusions_of_real_records_keep_their_polarity(registry: SQLiteStore) -> None:
    sentence = real(registry, "NCT00499460", "No history of learning disabilities")
    assert sentence.startswith("You cannot join if you have a history of learning disabilities")
    sentence = real(registry, "NCT00001750", "No active infection")
    assert sentence.startswith("You cannot join if you have active infection")
    assert "do not have" not in sentence


# --- an allowance inside an exclusion keeps the exclusion ---------------------------------------------


def test_an_allowance_inside_an_exclusion_keeps_the_exclusion() -> None:
    sentence = said(
        "Patients who had previously been treated with a PARP inhibitor, but who had only received a PARP"
        " inhibitor as maintenance therapy could be enrolled",
        EXC,
    )
    assert sentence.startswith("You cannot join if you have previously been treated with a PARP inhibitor.")
    assert "You can still join if you have only received a PARP inhibitor as maintenance therapy" in sentence
    assert "have had previously" not in sentence and "have had only" not in sentence


def test_allowances_inside_real_exclusions(registry: SQLiteStore) -> None:
    sentence = real(registry, "NCT00006291", "Have serious heart problems")
    assert sentence.startswith("You cannot join if you have serious heart problems.")
    # "... but no heart disease may be eligible" allows: it is not a second exclusion
    assert "You can still join if you have high blood pressure controlled by" in sentence
    assert "You cannot join if you have high blood pressure" not in sentence


def test_items_that_are_exceptions_are_said_as_allowances() -> None:
    criteria = parse_criteria_text(
        "Inclusion Criteria:\n- No other malignancy within 5 years except:\n"
        "  - Adequately treated basal cell skin cancer\n  - Carcinoma in situ of the cervix"
    )
    said_items = [strip_explanations(c.plain) for c in criteria if c.parent is not None]
    assert said_items == [
        "You can still join if you have adequately treated basal cell skin cancer.",
        "You can still join if you have carcinoma in situ of the cervix.",
    ]


def test_real_exception_items(registry: SQLiteStore) -> None:
    # listed under "No concurrent corticosteroids except:", not a requirement to be on them
    assert real(registry, "NCT00002662", "Chronic therapy (more than 6 months)").startswith(
        "You can still join if you are receiving chronic therapy"
    )


# --- an inclusion phrased as a failure is a requirement --------------------------------------------------


def test_failure_and_progression_inclusions_are_requirements() -> None:
    assert said("Progression after prior treatment with an EGFR inhibitor") == (
        "My disease has got worse after prior treatment with an EGFR inhibitor."
    )
    assert strip_explanations(said("Failure of at least one prior platinum-based regimen")).startswith(
        "I have had at least one prior platinum-based regimen, and it did not work"
    )
    for text in ("Relapse after autologous transplant", "Disease progression on or after chemotherapy"):
        assert not said(text).startswith("You cannot join"), text
    # the same words under an exclusion heading exclude
    assert said("Progression on prior anti-PD-1 therapy", EXC).startswith(
        "You cannot join if your disease has got worse"
    )


def test_real_progression_inclusions(registry: SQLiteStore) -> None:
    assert real(registry, "NCT00007982", "Disease progression after radiotherapy") == (
        "My disease has got worse after radiotherapy."
    )
    assert real(registry, "NCT00493636", "Disease progression during or after treatment").startswith(
        "My disease has got worse during or after treatment"
    )


# --- a criterion for some people says whom ------------------------------------------------------------


def test_scoped_criteria_say_whom_they_apply_to() -> None:
    assert said("Women of childbearing potential must have a negative pregnancy test within 7 days") == (
        "If I could become pregnant, I must have a negative pregnancy test within 7 days."
    )
    assert said("Women of childbearing potential: negative pregnancy test").startswith(
        "If I could become pregnant,"
    )
    assert said("Negative serum pregnancy test within 7 days").startswith(
        "If I could become pregnant, I must have"
    )
    assert said("Women of childbearing potential not using effective contraception", EXC).startswith(
        "You cannot join if you could become pregnant and are not using effective contraception"
    )
    for text in (
        "Women of childbearing potential must agree to use contraception",
        "Negative pregnancy test",
    ):
        assert not said(text).startswith("I am a woman"), text


def test_the_parsers_scope_is_said_as_a_condition() -> None:
    text = "Women of childbearing potential must use two methods of contraception"
    criterion = Criterion(
        id="I1",
        kind=INC,
        span=Span(0, len(text)),
        text=text,
        scope=Scope(text="Women of childbearing potential", span=Span(0, 31)),
    )
    assert plain_sentence(criterion).startswith("If I could become pregnant, I ")


def test_real_scoped_criteria(registry: SQLiteStore) -> None:
    assert real(registry, "NCT00003895", "Women of childbearing potential must have a negative").startswith(
        "If I could become pregnant, I must have a negative pregnancy test"
    )
    assert real(registry, "NCT00001649", "Women of childbearing potential not using").startswith(
        "You cannot join if you could become pregnant and are not using"
    )


# --- grammar a patient would notice -----------------------------------------------------------------------

_SLIPS = re.compile(
    r"\b(?:is|are|am) (?:has|have|is|are)\b|\bhave had (?:previously|only) been\b"
    r"|\b(?:I am|you are) clinically significant"
    r"|\bI have (?!tested\b)\w+ negative\b|\)\("
)


def test_the_grammar_slips_seen_are_not_made() -> None:
    cases = [
        (
            "Clinically significant lung, heart, or autoimmune disease",
            EXC,
            "You cannot join if you have clinically",
        ),
        ("HER2 negative breast cancer", INC, "My cancer does not test positive for HER2"),
        ("ALK positive NSCLC", INC, "My cancer tests positive for ALK"),
        ("HIV negative", INC, "I have tested negative for HIV"),
        ("Must be HIV negative.", INC, "I have tested negative for HIV"),
        ("Karnofsky 60-100%", INC, "I am at least able to look after most of my own needs"),
    ]
    for text, kind, start in cases:
        sentence = said(text, kind)
        assert sentence.startswith(start), (text, sentence)
        assert not _SLIPS.search(strip_explanations(sentence)), sentence
    assert "at least 0" not in said("Karnofsky 90-100%")
    assert "had pathologically" not in said(
        "Histologically confirmed NSCLC that is ALK positive, and pathologically confirmed stage IV"
    )


def test_real_grammar(registry: SQLiteStore) -> None:
    assert real(registry, "NCT00461006", "clinically significant cardiovascular disease") == (
        "You cannot join if you have clinically significant cardiovascular disease."
    )
    assert real(registry, "NCT00006042", "HIV negative") == "I have tested negative for HIV."
    assert "60 or higher" in real(registry, "NCT00003471", "Karnofsky 60-100%")


def test_the_glossary_explains_whole_terms_only() -> None:
    sentence = said("HER2 amplification by fluorescence in situ hybridization")
    assert "in situ hybridization" in sentence
    assert "in situ (" not in sentence
    assert "angina pectoris" in said("Unstable angina pectoris", EXC)
    # a modifier is explained after the term it is part of, never inside it
    sentence = said("Clinically significant lung, heart, or autoimmune disease", EXC)
    assert "autoimmune disease (autoimmune: " in sentence
    assert strip_explanations(sentence) == (
        "You cannot join if you have clinically significant lung, heart, or autoimmune disease."
    )


def test_real_glossary(registry: SQLiteStore) -> None:
    for nct_id, anchor in (
        ("NCT00006228", "fluorescence in situ hybridization"),
        ("NCT00492635", "Unstable angina"),
    ):
        parsed = parse_eligibility(registry.trial(nct_id))
        plain = next(c.plain for c in parsed.criteria if anchor in " ".join(c.text.split()))
        assert anchor.lower() in plain.lower(), plain  # no explanation inside the term


# --- no sentence rather than a wrong one -------------------------------------------------------------------


def test_words_no_frame_fits_get_no_sentence() -> None:
    # in an exclusion, a requirement's words cannot be framed without inverting them
    assert said("Acute therapy must have been completed within 14 days prior to study treatment.", EXC) == ""
    assert said("Radiation therapy", EXC) != "You cannot join if: radiation therapy."


@pytest.mark.parametrize("kind", [INC, EXC])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(max_size=120)
    | st.sampled_from(
        ["No ", "Women of childbearing potential ", "Progression after ", "Failure of ", "Patients who "]
    ).flatmap(lambda lead: st.text(max_size=60).map(lambda tail: lead + tail)),
    scoped=st.booleans(),
)
def test_any_text_gives_a_sentence_or_nothing(kind: CriterionKind, text: str, scoped: bool) -> None:
    scope = Scope(text=text[: len(text) // 2], span=Span(0, len(text) // 2)) if scoped else None
    criterion = Criterion(id="X1", kind=kind, span=Span(0, len(text)), text=text, scope=scope)
    sentence = plain_sentence(criterion)
    assert isinstance(sentence, str)
    if sentence:
        assert not sentence.startswith(("You cannot join if:", "The trial requires: you"))
