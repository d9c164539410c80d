"""Every layout of the registry's criteria splits into the atomic criteria a coordinator reads.

Real records are read from the 2023 XML slice of ../shared/data; small texts mimic a layout
where the point is one detail.
"""

from __future__ import annotations

import zipfile
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import DATA
from trialscout.eligibility.model import CriterionKind
from trialscout.eligibility.split import Piece, split_criteria
from trialscout.sources.files import RawRecord, SourceFormat, parse_record

SLICE = DATA / "ctgov-xml-2023-slice" / "ctgov_legacy_xml_6786.zip"


@cache
def criteria_of(nct_id: str) -> str:
    """The eligibility text of one record of the 2023 XML slice."""
    member = f"{nct_id[:7]}xxxx/{nct_id}.xml"
    with zipfile.ZipFile(SLICE) as archive:
        data = archive.read(member)
    trial = parse_record(
        RawRecord(file=str(SLICE), record=member, format=SourceFormat.CTGOV_LEGACY_XML, data=data)
    )
    assert trial.eligibility is not None and trial.eligibility.criteria
    return trial.eligibility.criteria


def seen(pieces: list[Piece]) -> list[tuple[str, str | None, str | None, str]]:
    """(id, topic, parent, text with its wrapping undone): what a user reads."""
    return [(p.id, p.topic, p.parent, " ".join(p.text.split())) for p in pieces]


def texts_under(pieces: list[Piece], topic: str) -> list[str]:
    return [" ".join(p.text.split()) for p in pieces if p.topic == topic]


HEADINGS = ("CHARACTERISTICS", "CONCURRENT THERAPY", "PROTOCOL ENTRY", "Characteristics--")


# -- the legacy NCI layout -------------------------------------------------------------------


def test_a_legacy_record_that_lost_its_line_breaks_splits_at_headings_topics_and_items() -> None:
    pieces = split_criteria(criteria_of("NCT00003664"))
    assert all(p.kind is CriterionKind.INCLUSION for p in pieces)
    assert not any(h in p.text for p in pieces for h in HEADINGS)
    found = seen(pieces)
    assert found[:3] == [
        ("I1", None, None, "Histologically proven metastatic or unresectable carcinoma of the kidney"),
        ("I2", None, None, "No CNS metastases"),
        ("I3", "Age", None, "18 to 70"),
    ]
    assert texts_under(pieces, "Performance status") == ["ECOG 0-2"]
    assert texts_under(pieces, "Life expectancy") == ["Greater than 4 months"]
    assert texts_under(pieces, "Cardiovascular") == [
        "No active angina",
        "No uncontrolled congestive heart failure",
        "No uncontrolled arrhythmias",
        "No myocardial infarction within 6 months",
    ]
    assert texts_under(pieces, "Chemotherapy") == [
        "No prior gemcitabine",
        "No prior fluorouracil other than adjuvant fluorouracil received at least 1 year prior to study",
        "No other concurrent chemotherapy",
    ]
    assert [p.id for p in pieces] == [f"I{n}" for n in range(1, len(pieces) + 1)]  # no gaps


def test_an_exception_list_after_a_colon_stays_with_its_criterion() -> None:
    """The list "except: Nonmelanoma skin cancer Carcinoma in situ ..." lost its bullets: cutting it would
    make each exception a requirement, so the words after the ":" stay in one criterion."""
    pieces = split_criteria(criteria_of("NCT00003664"))
    [malignancy] = [p for p in pieces if "second malignancy" in p.text]
    assert malignancy.topic == "Other"
    assert "except:" in malignancy.text and "Carcinoma in situ of the cervix" in malignancy.text
    assert not any(p.text.startswith(("Nonmelanoma", "Carcinoma in situ")) for p in pieces)


def test_protocol_entry_criteria_with_dashed_headings() -> None:
    pieces = split_criteria(criteria_of("NCT00004297"))
    assert not any("--" in p.text or "PROTOCOL ENTRY" in p.text for p in pieces)
    assert seen(pieces)[1] == ("I2", None, None, "No chronic benzodiazepines for seizure disorder")
    assert texts_under(pieces, "Cardiovascular")[:2] == [
        "Systolic blood pressure at least 100 mm Hg",
        "No second- or third- degree atrioventricular block",
    ]
    assert texts_under(pieces, "Pulmonary") == [
        "No history of asthma",
        "No history of chronic obstructive airway disease",
        "No history of limited pulmonary reserve",
    ]


def test_bulleted_legacy_labels_without_colons_stay_topics() -> None:
    pieces = split_criteria(criteria_of("NCT00002560"))
    assert "Chemotherapy" not in [p.text for p in pieces]
    assert texts_under(pieces, "Chemotherapy") == [
        "Standard chemotherapy to which disease is resistant or myeloablative therapy followed by"
        " disease recurrence required"
    ]


def test_topic_and_content_on_one_line_and_every_heading_variant() -> None:
    text = (
        "DISEASE CHARACTERISTICS: Histologically confirmed breast cancer\n\n"
        "PATIENT CHARACTERISTICS\n\nAge: 18 and over\n\nPerformance status: ECOG 0-1\n\n"
        "PRIOR/CONCURRENT THERAPY:\n\nBiologic therapy: Not specified\n\n"
        "Chemotherapy: No prior chemotherapy. At least 4 weeks since prior hormonal therapy."
    )
    assert seen(split_criteria(text)) == [
        ("I1", None, None, "Histologically confirmed breast cancer"),
        ("I2", "Age", None, "18 and over"),
        ("I3", "Performance status", None, "ECOG 0-1"),
        ("I4", "Chemotherapy", None, "No prior chemotherapy."),
        ("I5", "Chemotherapy", None, "At least 4 weeks since prior hormonal therapy."),
    ]


def test_a_mixed_case_heading_with_text_keeps_the_text() -> None:
    text = "Disease Characteristics: Stage IV breast cancer\n\nPATIENT CHARACTERISTICS: Age: 18 and over"
    assert seen(split_criteria(text)) == [
        ("I1", None, None, "Stage IV breast cancer"),
        ("I2", "Age", None, "18 and over"),
    ]


def test_a_run_together_patient_section() -> None:
    text = (
        "PATIENT CHARACTERISTICS: Age: 18 and over Performance status: ECOG 0-1 Hematopoietic: WBC\n"
        "at least 3,000/mm3 Platelet count at least 100,000/mm3 Hepatic: Bilirubin normal Other: No\n"
        "active infection (e.g., hepatitis B or C) No history of Parkinson's disease Not pregnant\n\n"
        "PRIOR CONCURRENT THERAPY: Biologic therapy: No prior Herceptin therapy"
    )
    assert seen(split_criteria(text)) == [
        ("I1", "Age", None, "18 and over"),
        ("I2", "Performance status", None, "ECOG 0-1"),
        ("I3", "Hematopoietic", None, "WBC at least 3,000/mm3"),
        ("I4", "Hematopoietic", None, "Platelet count at least 100,000/mm3"),
        ("I5", "Hepatic", None, "Bilirubin normal"),
        ("I6", "Other", None, "No active infection (e.g., hepatitis B or C)"),
        ("I7", "Other", None, "No history of Parkinson's disease"),  # not cut before a name
        ("I8", "Other", None, "Not pregnant"),
        ("I9", "Biologic therapy", None, "No prior Herceptin therapy"),
    ]


def test_a_sentence_that_says_not_eligible_is_no_exclusion_heading() -> None:
    text = "PATIENT CHARACTERISTICS: Other: Not eligible for allograft No active infection"
    pieces = split_criteria(text)
    assert [(p.kind, p.text) for p in pieces] == [
        (CriterionKind.INCLUSION, "Not eligible for allograft"),
        (CriterionKind.INCLUSION, "No active infection"),
    ]
    alone = split_criteria("Inclusion Criteria:\n\nNot eligible for allograft\n\nAge 18 or over")
    assert {p.kind for p in alone} == {CriterionKind.INCLUSION}


# -- inline enumerations ---------------------------------------------------------------------


def test_an_inline_enumeration_after_an_intro_becomes_its_sub_points() -> None:
    pieces = split_criteria(criteria_of("NCT00006292"))
    [intro] = [p for p in pieces if p.text.startswith("Active synovitis")]
    assert intro.text.endswith("all of the following:")
    children = [" ".join(p.text.split()) for p in pieces if p.parent == intro.id]
    assert len(children) == 4
    assert children[1] == "tenderness or pain on movement of at least 4 joints"
    assert children[3].startswith("elevated acute phase reactants (ESR greater than 20 mm/hr")
    assert [p.id for p in pieces if p.parent == intro.id] == [f"{intro.id}.{n}" for n in range(1, 5)]


def test_numbered_labs_in_parentheses_inside_a_sentence() -> None:
    pieces = split_criteria(criteria_of("NCT00491075"))
    [intro] = [p for p in pieces if p.text.endswith("marrow function as defined below:")]
    children = [" ".join(p.text.split()) for p in pieces if p.parent == intro.id]
    assert children[:3] == [
        "Hemoglobin >/= 9g/dl",
        "absolute neutrophil count >/= 1,500/microL",
        "platelets >/=100,000/microL",
    ]


def test_letters_with_semicolons_keep_their_joining_words() -> None:
    pieces = split_criteria(criteria_of("NCT00001953"))
    [intro] = [p for p in pieces if p.text == "Willingness to:"]
    assert [" ".join(p.text.split()) for p in pieces if p.parent == intro.id] == [
        "participate in phase I and II of the protocol",
        "follow the guidelines set to prepare for the OGTT; and",
        "modify current medical therapy if necessary.",
    ]


def test_enumeration_styles_intros_and_siblings() -> None:
    assert seen(
        split_criteria("Participants must be (a) female; (b) aged 45 or older; or (c) postmenopausal.")
    ) == [
        ("I1", None, None, "Participants must be"),
        ("I1.1", None, "I1", "female"),
        ("I1.2", None, "I1", "aged 45 or older; or"),  # the "or" stays: alternatives are read from it
        ("I1.3", None, "I1", "postmenopausal."),
    ]
    assert seen(split_criteria("Exclusion Criteria:\n\nMedications a) warfarin b) heparin")) == [
        ("E1", None, None, "Medications"),
        ("E1.1", None, "E1", "warfarin"),
        ("E1.2", None, "E1", "heparin"),
    ]
    assert seen(split_criteria("1) age 18 or over 2) ECOG 0-1 3) signed consent")) == [
        ("I1", None, None, "age 18 or over"),
        ("I2", None, None, "ECOG 0-1"),
        ("I3", None, None, "signed consent"),
    ]
    roman = split_criteria("Adequate function, including: i) bilirubin normal ii) creatinine normal")
    assert [p.text for p in roman] == [
        "Adequate function, including:",
        "bilirubin normal",
        "creatinine normal",
    ]
    bullet = split_criteria("- Women must use one of: a) an IUD b) a barrier method\n- Age over 18")
    assert seen(bullet) == [
        ("I1", None, None, "Women must use one of:"),
        ("I1.1", None, "I1", "an IUD"),
        ("I1.2", None, "I1", "a barrier method"),
        ("I2", None, None, "Age over 18"),
    ]


def test_things_that_only_look_like_markers_are_not_cut() -> None:
    for text in (
        "Neuropathy (grade 1) or 2) allowed",
        "No toxicity above grade 2) or Type 2 diabetes",
        "Diffuse large (b) cell lymphoma",
        "Hemoglobin above 9.5 g/dL vs. 10.0 g/dL, e.g. in anemia",
        "Arm 1) and arm 2) patients are both eligible",
    ):
        assert [p.text for p in split_criteria(text)] == [text], text


# -- combined headings -----------------------------------------------------------------------


def test_a_combined_heading_is_a_section_of_requirements() -> None:
    for heading in (
        "Inclusion/Exclusion Criteria:",
        "Inclusion and exclusion criteria",
        "Exclusion/Inclusion criteria:",
        "Eligibility criteria:",
        "INCLUSION / EXCLUSION CRITERIA",
        "Key Inclusion & Exclusion Criteria:",
    ):
        pieces = split_criteria(f"{heading}\n\n- Age 18 or over\n- No prior chemotherapy")
        assert [(p.kind, p.text) for p in pieces] == [
            (CriterionKind.INCLUSION, "Age 18 or over"),
            (CriterionKind.INCLUSION, "No prior chemotherapy"),
        ], heading
    later = split_criteria(
        "Inclusion/Exclusion Criteria:\n- Age 18 or over\n\nExclusion Criteria:\n- Pregnancy"
    )
    assert [(p.id, p.text) for p in later] == [("I1", "Age 18 or over"), ("E1", "Pregnancy")]


def test_heading_with_text_on_its_line() -> None:
    pieces = split_criteria(
        "Inclusion Criteria: Age 18 or over\n\nExclusion Criteria: Pregnant women\n- Nursing"
    )
    assert [(p.id, p.topic, p.text) for p in pieces] == [
        ("I1", None, "Age 18 or over"),
        ("E1", None, "Pregnant women"),
        ("E2", None, "Nursing"),
    ]
    kept = split_criteria("Inclusion Criteria: Patients Must\n\n1. Be 18 or over")
    assert [p.text for p in kept] == ["Be 18 or over"]


# -- any text --------------------------------------------------------------------------------

LAYOUT_WORDS = st.sampled_from(
    [
        "DISEASE CHARACTERISTICS:",
        "PATIENT CHARACTERISTICS",
        "PRIOR/CONCURRENT THERAPY:",
        "--Disease Characteristics--",
        "Inclusion/Exclusion Criteria:",
        "Exclusion Criteria:",
        "Age:",
        "Other:",
        "Performance status:",
        "Not specified",
        "See Disease Characteristics",
        "No",
        "Platelet count",
        "prior",
        "(a)",
        "b)",
        "(1)",
        "2)",
        "i)",
        "ii)",
        "including:",
        "grade 2)",
        "e.g.",
        "1.5",
        ";",
        ".",
        ":",
        "(",
        ")",
        "-",
        "  ",
        "\n",
        "\n\n",
        "\t",
        "x",
    ]
)


def check_exact(text: str) -> None:
    cursor = 0
    ids = set()
    for piece in split_criteria(text):
        assert cursor <= piece.span.start < piece.span.end <= len(text)
        assert text[piece.span.start : piece.span.end] == piece.text
        assert piece.id not in ids
        ids.add(piece.id)
        cursor = piece.span.end


@settings(max_examples=500, deadline=None)
@given(st.lists(LAYOUT_WORDS, max_size=60).map(" ".join))
def test_any_layout_text_gives_exact_ordered_non_overlapping_spans(text: str) -> None:
    check_exact(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_exact_ordered_non_overlapping_spans(text: str) -> None:
    check_exact(text)
