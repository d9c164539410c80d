"""The note reader lists the diagnoses a note's findings suggest, for a person to check."""

from __future__ import annotations

import json

from tests.conftest import DATA
from trialscout.model.patient import decode_profile, encode_profile
from trialscout.patients.note import describe_extraction, extract_profile

TURNER = (
    "A 19-year-old woman presents with primary amenorrhoea. She has short stature, a webbed neck "
    "and a low posterior hairline."
)
TREC_2022 = DATA / "trialgpt" / "dataset" / "trec_2022" / "queries.jsonl"


def test_the_profile_gets_the_suggested_diagnosis_and_a_fact_for_it() -> None:
    extraction = extract_profile(TURNER)
    candidates = extraction.profile.candidate_diagnoses
    assert candidates[0].name == "Turner syndrome"
    assert "webbed neck" in candidates[0].supporting
    assert not any(c.name == "Turner syndrome" for c in extraction.profile.diagnoses)
    facts = [f for f in extraction.facts if f.field == "candidate_diagnoses"]
    assert len(facts) == len(candidates)
    first = facts[0]
    assert first.value.startswith(
        "Turner syndrome (suggested by primary amenorrhea, short stature, webbed neck"
    )
    assert f"score {candidates[0].score:.2f})" in first.value
    assert first.text == TURNER[first.span.start : first.span.end]
    assert first.text.startswith("primary amenorrhoea") and first.text.endswith("hairline")
    lines = describe_extraction(extraction)
    assert any(line.startswith("candidate diagnoses: Turner syndrome (suggested by") for line in lines)


def test_a_diagnosis_the_note_names_is_kept_and_not_suggested_again() -> None:
    note = TURNER.replace("presents with", "with Turner syndrome presents with")
    extraction = extract_profile(note)
    assert [c.name for c in extraction.profile.diagnoses] == ["Turner syndrome"]
    assert not any("Turner" in c.name for c in extraction.profile.candidate_diagnoses)
    # what Turner syndrome explains suggests nothing more
    assert not any(f.field == "candidate_diagnoses" for f in extraction.facts)


def test_the_sex_the_note_gives_rules_out_the_other_sexs_diseases() -> None:
    note = TURNER.replace("woman", "man").replace("She", "He")
    extraction = extract_profile(note)
    assert extraction.profile.sex is not None and extraction.profile.sex.value == "male"
    assert not any("Turner" in c.name for c in extraction.profile.candidate_diagnoses)


def test_one_finding_suggests_nothing() -> None:
    extraction = extract_profile("A 45-year-old man presents with a headache.")
    assert extraction.profile.candidate_diagnoses == ()
    assert not any(f.field == "candidate_diagnoses" for f in extraction.facts)


def test_candidates_survive_the_profiles_json() -> None:
    profile = extract_profile(TURNER).profile
    again = decode_profile(encode_profile(profile))
    assert again.candidate_diagnoses == profile.candidate_diagnoses


def test_a_benchmark_note_of_turner_features() -> None:
    notes = {}
    for line in TREC_2022.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            notes[record["_id"]] = record["text"]
    # webbed neck, short stature, low-set ears, cubitus valgus; the note never names the disease
    note = notes["trec-202242"]
    assert "turner" not in note.lower()
    names = [c.name for c in extract_profile(note).profile.candidate_diagnoses]
    assert "Turner syndrome" in names[:3]
