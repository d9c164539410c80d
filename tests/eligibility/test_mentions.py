"""Dictionary mentions of conditions, drugs and procedures, and the packaged lexicon."""

from __future__ import annotations

from importlib import resources

from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.build_lexicon import build, clean_key, uninvert
from tests.conftest import DATA
from trialscout.eligibility.mentions import (
    LEXICON_FILE,
    Lexicon,
    LexiconEntry,
    MentionKind,
    find_mentions,
    format_entry,
    inflections,
    lexicon,
    read_lexicon,
    term_key,
)

C, D, P = MentionKind.CONDITION, MentionKind.DRUG, MentionKind.PROCEDURE


def found(text: str) -> list[tuple[str, MentionKind, str]]:
    return [(m.text, m.kind, m.concept) for m in find_mentions(text)]


def test_names_conditions_drugs_and_procedures_with_their_concepts() -> None:
    text = "Histologically or cytologically confirmed NSCLC; prior cisplatin; major surgery within 28 days"
    assert found(text) == [
        ("NSCLC", C, "Carcinoma, Non-Small-Cell Lung"),
        ("cisplatin", D, "Cisplatin"),
        ("major surgery", P, "major surgery"),
    ]


def test_spans_are_offsets_in_the_text_and_shift_by_offset() -> None:
    text = "History of myocardial infarction within 12 months"
    (mention,) = find_mentions(text)
    assert text[mention.span.start : mention.span.end] == "myocardial infarction"
    (shifted,) = find_mentions(text, offset=100)
    assert shifted.span.start == mention.span.start + 100


def test_longest_match_wins() -> None:
    assert found("non-small cell lung cancer") == [
        ("non-small cell lung cancer", C, "Carcinoma, Non-Small-Cell Lung")
    ]
    assert [m for m, *_ in found("Systemic corticosteroids")] == ["Systemic corticosteroids"]


def test_case_hyphens_and_brackets_do_not_matter() -> None:
    assert found("Progression on or after a PD-(L)1 inhibitor") == [
        ("PD-(L)1 inhibitor", D, "PD-1/PD-L1 inhibitors")
    ]
    assert found("STRONG cyp3a4 INHIBITORS") == [("STRONG cyp3a4 INHIBITORS", D, "strong CYP3A4 inhibitors")]


def test_plurals_and_simple_inflections() -> None:
    assert found("brain metastasis") == [("brain metastasis", C, "brain metastases")]
    assert found("brain metastases") == [("brain metastases", C, "brain metastases")]
    assert found("anthracyclines")[0][2] == "anthracyclines"
    assert inflections("metastasis") == ["metastases"]
    assert inflections("pd 1 inhibitors") == ["pd 1 inhibitor"]
    assert inflections("therapy") == ["therapies"]


def test_a_term_never_runs_over_a_comma() -> None:
    assert [m for m, *_ in found("uncontrolled hypertension, diabetes")] == [
        "uncontrolled hypertension",
        "diabetes",
    ]


def test_acronyms_that_are_words_match_only_in_capitals() -> None:
    assert found("Patients with ALL in first remission")[0][:2] == ("ALL", C)
    assert all(text != "all" for text, *_ in found("all patients with all other conditions"))


def test_generic_words_alone_are_no_mentions() -> None:
    assert found("disease, treatment, patients, the study, therapy") == []


def test_any_text_gives_mentions_inside_it() -> None:
    for text in ("", "   ", "\\> 10 mg/day", "İstanbul hepatitis B", "a" * 1000):
        for mention in find_mentions(text):
            assert text[mention.span.start : mention.span.end] == mention.text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_and_spans_hold(text: str) -> None:
    for mention in find_mentions(text):
        assert 0 <= mention.span.start < mention.span.end <= len(text)
        assert text[mention.span.start : mention.span.end] == mention.text


def test_lexicon_from_entries() -> None:
    small = Lexicon(
        [LexiconEntry(term="solid organ transplant", kind=P, concept="solid organ transplantation")]
    )
    (mention,) = small.find("prior solid-organ transplants")
    assert (mention.text, mention.concept) == ("solid-organ transplants", "solid organ transplantation")


def test_a_name_that_is_no_concept_hides_the_terms_inside_it() -> None:
    entries = [
        LexiconEntry(term="oncology", kind=C, concept="oncology"),
        LexiconEntry(term="solid tumors", kind=C, concept="solid tumors"),
        LexiconEntry(term="central nervous system metastases", kind=C, concept="brain metastases"),
    ]
    plain = Lexicon(entries)
    named = Lexicon(
        entries,
        not_concepts=["eastern cooperative oncology group", "response evaluation criteria in solid tumors"],
    )
    text = "Eastern Cooperative Oncology Group 0-1; Response Evaluation Criteria in Solid Tumors"
    assert [m.text for m in plain.find(text)] == ["Oncology", "Solid Tumors"]
    assert named.find(text) == []
    # a bracketed acronym between a term's words does not split it, once names are given
    text = "no central nervous system (CNS) metastases"
    assert [m.text for m in plain.find(text)] == []
    assert [m.text for m in named.find(text)] == ["central nervous system (CNS) metastases"]


def test_keys_and_cleaning() -> None:
    assert term_key("Crohn's  Disease") == "crohn s disease"
    assert clean_key("the brain metastases") == "brain metastases"
    assert clean_key("disease") is None
    assert clean_key("100 mg") is None
    assert uninvert("Carcinoma, Non-Small-Cell Lung") == "Non-Small-Cell Lung Carcinoma"


def test_packaged_lexicon_is_compact_sorted_and_readable() -> None:
    source = resources.files("trialscout.eligibility").joinpath("data", LEXICON_FILE)
    raw = source.read_bytes()
    assert len(raw) < 3_000_000
    lines = [line for line in raw.decode("utf-8").splitlines() if not line.startswith("#")]
    terms = [line.split("\t")[0] for line in lines]
    assert terms == sorted(terms) and len(set(terms)) == len(terms)
    entries = read_lexicon(lines)
    assert len(entries) == len(lines) > 10_000
    assert {e.kind for e in entries} == {C, D, P}
    assert len(lexicon()) > len(entries)  # inflected forms added at load


def test_packaged_lexicon_is_what_the_build_makes() -> None:
    """The committed file is the build script's output over ../shared/data (re-run the script
    after changing it or its sources)."""
    built = [format_entry(e) for e in build(DATA)]
    source = resources.files("trialscout.eligibility").joinpath("data", LEXICON_FILE)
    packaged = [line for line in source.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert built == packaged
