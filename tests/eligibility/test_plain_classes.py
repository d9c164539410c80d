"""Classes of slip in the plain sentences (issue 11), each held by criteria written for the test
or like those of other records, never the gold's: a built sentence is grammatical and keeps the
criterion's meaning; where none can be built, the registry's words are shown, marked as such."""

from __future__ import annotations

import pytest

from trialscout.eligibility.model import CriterionKind
from trialscout.eligibility.parse import parse_criteria_text
from trialscout.eligibility.plain import strip_explanations
from trialscout.eligibility.plain.faithful import faithful
from trialscout.eligibility.plain.sound import mend, sound

INC = CriterionKind.INCLUSION
EXC = CriterionKind.EXCLUSION


def shown(text: str, kind: CriterionKind = INC) -> tuple[str, bool]:
    """The sentence a patient sees for one criterion, and whether it is the registry's words."""
    heading = "Inclusion Criteria:" if kind is INC else "Exclusion Criteria:"
    criteria = parse_criteria_text(f"{heading}\n- {text}")
    assert len(criteria) == 1, [c.text for c in criteria]
    return strip_explanations(criteria[0].plain), criteria[0].plain_original


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Active seizure disorder Not pregnant or nursing", EXC),
        ("Clear cell renal cell carcinoma Evaluable or measurable disease", EXC),
        ("DONOR: Age less than 12 years", EXC),
        ("A Recent History Of, Or Current, Alcohol Abuse", EXC),
    ],
)
def test_run_ons_headings_and_title_case_show_the_registry_words(text: str, kind: CriterionKind) -> None:
    """Items the splitter left together, a heading in capitals, Title Case and brackets run into a
    word are not made into a garbled sentence: the original words are shown, marked."""
    sentence, original = shown(text, kind)
    assert original
    assert sentence == text


@pytest.mark.parametrize(
    "sentence",
    [
        "I have breast cancer Radiographic evidence of disease.",
        "I have a tumour (stage M0) Radiographic evidence of spread.",
        "I have the ability to swallow tablets.",
        "I am carriers of the BRCA1 mutation.",
        "I am at risk preschoolers.",
        "You cannot join if the patient has a condition that limits their ability to walk.",
        "My hemoglobin is more than /= 9 g/dL.",
        "My ANC is at least 1,500/mm3 OR.",
        "I have MULTIPLE SCLEROSIS CONTROLS.",
        "You cannot join if you have had or current chemotherapy given with radiotherapy to the pelvis.",
    ],
)
def test_the_last_gate_rejects_the_known_slips(sentence: str) -> None:
    assert not sound(strip_explanations(mend(sentence)))


@pytest.mark.parametrize(
    "sentence",
    [
        "I have clear cell renal cell carcinoma.",
        "I have Kaposi's sarcoma.",
        "My heart failure is no worse than New York Heart Association class II.",
        "I have Non-Hodgkin lymphoma.",
        "I am able to swallow tablets.",
        "I have HIV and my CD4 count is at least 200/mm³.",
        "I have HIV RNA quantifiable by PCR.",
        "I have normal blood counts [see the table of laboratory values].",
        "My platelet count is at least 100 × 10⁹/L.",
        "I am male.",
    ],
)
def test_the_last_gate_keeps_sound_sentences(sentence: str) -> None:
    assert sound(mend(sentence)), sentence


@pytest.mark.parametrize(
    ("text", "kind", "want"),
    [
        (
            "No concurrent systemic glucocorticoids",
            INC,
            "I am not taking concurrent systemic glucocorticoids.",
        ),
        (
            "No other concurrent investigational drugs",
            INC,
            "I am not taking other concurrent investigational drugs.",
        ),
        ("No other prior chemotherapy", INC, "I have not had other prior chemotherapy."),
        ("Previous or concurrent malignancy", EXC, "You cannot join if you have had or now have malignancy."),
    ],
)
def test_medications_and_therapies_are_taken_or_had(text: str, kind: CriterionKind, want: str) -> None:
    """A drug is taken, a past therapy was had: neither is "had" as a condition is."""
    sentence, original = shown(text, kind)
    assert not original
    assert sentence == want


def test_their_in_the_patients_own_sentence_is_mine_or_yours() -> None:
    sentence, original = shown(
        "Serious medical condition that would impair their ability to receive treatment", EXC
    )
    assert not original
    assert "impair your ability to receive treatment" in sentence
    sentence, original = shown("Willing to receive text messages on their own phone")
    assert not original
    assert "on my own phone" in sentence


def test_a_bracket_run_into_a_word_is_spaced_and_a_stray_bracket_dropped() -> None:
    sentence, original = shown("Uncontrolled hypertension(systolic pressure >160 mmHg)", EXC)
    assert not original
    assert "hypertension (systolic pressure more than 160 mmHg)" in sentence
    assert mend("I am taking azithromycin.].") == "I am taking azithromycin."
    assert mend("My CD4(+) count is at least 200.") == "My CD4(+) count is at least 200."


def test_other_concurrent_illness_is_still_had() -> None:
    sentence, _ = shown("No other concurrent malignancy")
    assert sentence == "I do not have other concurrent malignancy."


@pytest.mark.parametrize(
    ("text", "kind", "want"),
    [
        ("Known allergy to penicillin", INC, "I have a known allergy to penicillin."),
        ("Prior hysterectomy", EXC, "You cannot join if you have had a hysterectomy."),
        (
            "Lifetime diagnosis of bipolar disorder",
            EXC,
            "You cannot join if you have a lifetime diagnosis of bipolar",
        ),
        (
            "Condition that impairs ability to swallow pills",
            EXC,
            "You cannot join if you have a condition that",
        ),
    ],
)
def test_a_singular_noun_takes_its_article(text: str, kind: CriterionKind, want: str) -> None:
    sentence, original = shown(text, kind)
    assert not original
    assert sentence.startswith(want), sentence


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("Hemoglobin >/= 9 g/dL", "at least 9 g/dL"),
        ("Platelets </= 100,000/mm3", "My platelets are at most"),
    ],
)
def test_symbols_are_translated_whole(text: str, want: str) -> None:
    sentence, original = shown(text)
    assert not original
    assert want in sentence
    assert "/=" not in sentence


def test_a_name_keeps_its_capitals_when_a_sentence_starts_with_it() -> None:
    from trialscout.eligibility.plain.text import lower_first

    assert lower_first("New York Heart Association class II") == "New York Heart Association class II"
    assert lower_first("Prior chemotherapy") == "prior chemotherapy"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # a requirement said as a bar
        ("Provides written informed consent", EXC),
        ("Likely to be available for follow-up", EXC),
        # a noun's complement dropped: only resection OF brain metastases bars
        ("Prior surgical resection of brain metastases", EXC),
        # an "OR" alternative said without its verb, a new item run on after a value
        ("Serum creatinine <= 1.5 mg/dL OR creatinine clearance >= 60 mL/min", INC),
        ("Platelet count at least 100,000/mm3 Thrombocytopenia must have resolved", INC),
        ("Bilirubin < 1.5 times ULN SGPT < 2.5 times ULN", INC),
        # a phrase said as had or as being that is none
        ("Hematologic function normal", INC),
        ("ELISA and Western blot negative for HIV", INC),
        ("Alcohol or drug dependence", EXC),
        ("Pregnant at entry or unwillingness to use contraception", EXC),
        ("Malignant tumor or those who have had a tumor in the past 5 years", EXC),
        # an item run on after an acronym, a bracketed name before its acronym
        ("Known allergy to Tween 80 No other serious illness", EXC),
        ("Severe anemia(Red Blood Cell Count)RBC<3 million/mm3", EXC),
    ],
)
def test_inverted_added_or_garbled_meanings_show_the_registry_words(text: str, kind: CriterionKind) -> None:
    """A requirement is not said as a bar, a dropped complement or alternative does not narrow or
    widen a criterion, and a run-on is not made one sentence: the original words are shown."""
    sentence, original = shown(text, kind)
    assert original, sentence
    assert sentence == text


def test_a_window_is_said_or_the_sentence_falls_back() -> None:
    """Chemotherapy within 6 weeks bars only recent chemotherapy: the sentence says the window."""
    sentence, original = shown("Chemotherapy within 6 weeks prior to enrollment", EXC)
    assert not original
    assert "6 weeks" in sentence
    assert not faithful("You cannot join if you have had chemotherapy.", "Chemotherapy within 6 weeks")


def test_words_the_criterion_never_says_cost_the_sentence() -> None:
    """ "spinal cord" where the criterion says only "brain", or another item's limit, is not said."""
    assert faithful("You cannot join if you have cancer that has spread to the brain.", "Brain metastases")
    assert not faithful(
        "You cannot join if you have cancer that has spread to the brain or spinal cord.", "Brain metastases"
    )
    assert not faithful("Hormone receptor status: at least 3 months.", "Life expectancy at least 3 months")


def test_legacy_labels_stand_only_on_a_plain_name() -> None:
    """ "Allowed:" stands on a drug name; a recommendation or a completion under it is shown as written."""
    criteria = parse_criteria_text(
        "PRIOR CONCURRENT THERAPY:\nAllowed:\n- Bisphosphonates\n- Growth factors recommended\n"
        "- Completion of radiotherapy"
    )
    shown_words = [(strip_explanations(c.plain), c.plain_original) for c in criteria]
    assert shown_words == [
        ("Allowed: Bisphosphonates.", False),
        ("Growth factors recommended", True),
        ("Completion of radiotherapy", True),
    ]
    # a window of the label that is not the item's own
    assert not faithful(
        "Not allowed within 4 weeks: Tamoxifen within 6 weeks.", "Tamoxifen within 6 weeks", "4 weeks"
    )
    assert not faithful("Not allowed within 4 weeks: Tamoxifen.", "Tamoxifen", "Hormonal therapy")


def test_an_allowance_is_not_said_as_a_requirement() -> None:
    assert not faithful("I have stable brain metastases.", "Stable brain metastases also eligible")
    sentence, original = shown("Patients with stable brain metastases are also eligible", INC)
    assert original or "can join" in sentence


def test_a_gloss_inside_a_phrase_is_dropped() -> None:
    """ "disease beyond (metastatic: ...) the axilla" reads as nonsense: the phrase is kept whole."""
    assert mend("I have disease beyond (metastatic: spread to other parts) the axilla.") == (
        "I have disease beyond the axilla."
    )
    kept = "I have autoimmune disease (autoimmune: the body attacks itself) of the skin."
    assert mend(kept) == kept


def test_someone_elses_their_stays_theirs_and_an_unclosed_bracket_is_not_said() -> None:
    """ "Their" is the patient's only where the sentence speaks of no one else; a bracket the
    registry opened and never closed means the words were cut, so they are shown as written."""
    from trialscout.eligibility.plain.sound import mend, sound

    said = mend("I am on HRT. Women whose status is in doubt must stop their HRT.")
    assert "their HRT" in said and "my HRT" not in said
    assert mend("I can use their own smartphone.") == "I can use my own smartphone."
    assert not sound("I am postmenopausal [in questionable cases a blood sample.")
    assert sound("I am postmenopausal (no periods for 12 months).")


def test_what_a_criterion_takes_from_around_it_is_kept_or_its_words_are_shown() -> None:
    """A window from the heading above, an exclusion's polarity, an alternative running on to
    the next item, "and" between two labs, a procedure's object, an allowance: a sentence that
    loses one of them is not said (the registry's words are shown instead)."""
    from trialscout.eligibility.plain.faithful import faithful

    heading = "Excluded within 8 weeks of study entry:"
    assert not faithful("You cannot join if you have had interferon.", "Interferon.", parent=heading)
    assert faithful(
        "You cannot join if you have had interferon in the last 8 weeks.", "Interferon.", parent=heading
    )
    assert not faithful(
        "You cannot join if you have had interferon.", "Interferon.", topic="Prior Medication", excluding=True
    )
    words = "History of retinal surgery in the study eye."
    assert not faithful("History of retinal surgery in the study eye.", words, excluding=True)
    assert faithful(
        "You cannot join if you have had retinal surgery in the study eye.", words, excluding=True
    )
    assert not faithful(
        "My creatinine is at most 1.5 times ULN.", "Creatinine no greater than 1.5 times normal OR"
    )
    assert not faithful(
        "You cannot join if your AST or your ALT is more than 3 times ULN.",
        "AST and ALT > 3 times normal",
        excluding=True,
    )
    assert not faithful(
        "I do not have cancer that has spread to the liver and I have not had surgical resection.",
        "No prior surgical resection for liver metastases",
    )
    assert not faithful(
        "I have prior grade 2 glioma with no prior radiotherapy also eligible.",
        "Patients with prior grade 2 glioma with no prior radiotherapy also eligible",
    )
    assert not faithful(
        "I do not have metastases on bone scan (required only if ALP is raised) Bilateral cancer.",
        "No metastases on bone scan (required only if ALP is raised) Bilateral cancer allowed",
    )
    assert not faithful(
        "I have co-enrollment in the imaging substudy is required.",
        "Co-enrollment in the imaging substudy is required.",
    )
