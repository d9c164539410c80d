"""Criteria are split the way a clinician reads them, and every one keeps its exact words."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import REPO
from trialscout.eligibility.model import CriterionKind
from trialscout.eligibility.split import Piece, split_criteria
from trialscout.store.sqlite import SQLiteStore

SEED = (REPO / ".." / "shared" / "seeds" / "001_f4cf7e912a3874fc.txt").resolve()


def seed_criteria() -> str:
    """The eligibility text of NCT06937905 as its registry page shows it."""
    lines = SEED.read_text().splitlines()
    start = lines.index("Inclusion Criteria")
    end = next(n for n, line in enumerate(lines) if line.startswith("Minimum Eligible Age"))
    return "\n".join(lines[start:end])


def criteria_of(store: SQLiteStore, nct_id: str) -> str:
    eligibility = store.trial(nct_id).eligibility
    assert eligibility is not None and eligibility.criteria
    return eligibility.criteria


def by_id(pieces: list[Piece]) -> dict[str, Piece]:
    return {p.id: p for p in pieces}


def test_numbered_lists_with_sub_points() -> None:
    text = seed_criteria()
    pieces = split_criteria(text)
    tops = [p for p in pieces if p.parent is None]
    assert [p.id for p in tops if p.kind is CriterionKind.INCLUSION] == [f"I{n}" for n in range(1, 17)]
    assert [p.id for p in tops if p.kind is CriterionKind.EXCLUSION] == [f"E{n}" for n in range(1, 26)]
    found = by_id(pieces)
    assert found["I1"].text == "Signed Informed consent:"
    assert [p.parent for p in pieces if p.id.startswith("I1.")] == ["I1", "I1"]
    assert found["I3"].text == "WHO Performance status 0 - 1."
    assert found["E6"].text.startswith("Untreated or symptomatic central nervous system (CNS) metastases")
    children = [p for p in pieces if p.parent == "E6"]
    assert any("treated brain metastases are eligible provided" in p.text for p in children)
    assert found["E2"].text == "Previous treatment targeting DLL3"
    assert found["E7"].text == "Leptomeningeal metastasis"


def test_every_span_is_the_exact_text() -> None:
    text = seed_criteria()
    for piece in split_criteria(text):
        assert text[piece.span.start : piece.span.end] == piece.text
        assert piece.text == piece.text.strip() and piece.text


def test_the_nci_format_keeps_topics_and_skips_not_specified(registry: SQLiteStore) -> None:
    pieces = split_criteria(criteria_of(registry, "NCT00023673"))
    topics = {p.topic: p.text for p in pieces if p.topic}
    assert topics["Performance status"] == "Zubrod 0-1"
    assert "Granulocyte count at least 1,500/mm^3" in [p.text for p in pieces if p.topic == "Hematopoietic"]
    assert not any(p.text.lower().startswith("not specified") for p in pieces)
    assert all(p.kind is CriterionKind.INCLUSION for p in pieces)  # the NCI format lists requirements
    first = pieces[0]
    assert first.text.endswith("non-small cell lung\n     cancer")  # the continuation line belongs to it
    assert [p.text for p in pieces if p.parent == first.id][:2] == [
        "Squamous cell carcinoma",
        "Adenocarcinoma",
    ]


def test_labels_over_lists_are_topics_and_sub_points_have_parents(registry: SQLiteStore) -> None:
    pieces = split_criteria(criteria_of(registry, "NCT05809934"))
    found = by_id(pieces)
    assert found["I1"].topic == "Age"
    assert found["E1"].topic == "Medical Conditions"
    assert found["E5"].text == "Any of the following confirmed at the screening visit:"
    assert [p.id for p in pieces if p.parent == "E5"][:3] == ["E5.1", "E5.2", "E5.3"]
    assert "Medical Conditions" not in [p.text for p in pieces]


def test_sentence_headings_and_numbered_headings(registry: SQLiteStore) -> None:
    they = split_criteria(criteria_of(registry, "NCT00000359"))
    assert [p.kind for p in they].count(CriterionKind.INCLUSION) == 3
    assert [p.kind for p in they].count(CriterionKind.EXCLUSION) == 5
    assert not any("eligible for this study if" in p.text for p in they)
    numbered = split_criteria(criteria_of(registry, "NCT05266716"))
    exclusion = [p for p in numbered if p.kind is CriterionKind.EXCLUSION]
    assert exclusion and not any("EXCLUSION CRITERIA" in p.text for p in numbered)


def test_run_on_paragraphs_split_into_sentences_but_not_at_abbreviations() -> None:
    text = (
        "Exclusion Criteria:\n\nPatients with a recent history of other malignancies except adequately "
        "treated non-melanoma skin cancer. Patients with history of solid tumors, e.g. adenocarcinoma, "
        "treated in a curative way can be included. Major surgery within 28 days prior to treatment."
    )
    pieces = split_criteria(text)
    assert [p.id for p in pieces] == ["E1", "E2", "E3"]
    assert pieces[1].text.startswith("Patients with history of solid tumors, e.g. adenocarcinoma")


def test_no_heading_means_requirements() -> None:
    pieces = split_criteria("* Age 4 to <8 years\n* Monocular amblyopia")
    assert [(p.id, p.kind) for p in pieces] == [
        ("I1", CriterionKind.INCLUSION),
        ("I2", CriterionKind.INCLUSION),
    ]


def test_every_trial_in_the_store_splits_into_exact_spans(registry: SQLiteStore) -> None:
    total = 0
    for nct in registry.nct_ids():
        eligibility = registry.trial(nct).eligibility
        if eligibility is None or not eligibility.criteria:
            continue
        text = eligibility.criteria
        pieces = split_criteria(text)
        ids = [p.id for p in pieces]
        assert len(ids) == len(set(ids)), nct
        for piece in pieces:
            assert text[piece.span.start : piece.span.end] == piece.text, nct
        total += len(pieces)
    assert total > 70_000


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Inclusion Criteria:",
                "Exclusion",
                "Criteria",
                ":",
                "-",
                "*",
                "1.",
                "(a)",
                "ii.",
                "\n",
                "\n\n",
                "  ",
                "\t",
                "•",
                "o ",
                ";",
                "e.g.",
                "\\>",
                "≥",
                "Age",
                "18",
                "years",
                "Patients",
                ".",
            ]
        ),
        max_size=80,
    ).map("".join)
)
def test_any_text_splits_without_error(text: str) -> None:
    for piece in split_criteria(text):
        assert 0 <= piece.span.start < piece.span.end <= len(text)
        assert text[piece.span.start : piece.span.end] == piece.text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_unicode_splits_without_error(text: str) -> None:
    for piece in split_criteria(text):
        assert text[piece.span.start : piece.span.end] == piece.text


def test_repo_root_is_found() -> None:
    assert Path(SEED).exists()
