"""Matching by concept on the real registry: trials about the patient's disease come first, a
sibling disease's trials do not pass for it, and when nothing is about it the results say so."""

from __future__ import annotations

import datetime as dt
import re

from trialscout.matching.check import TrialResult
from trialscout.model.patient import Condition, PatientProfile, PatientSex, PerformanceStatus
from trialscout.services.match import About, MatchRequest, match_patient
from trialscout.services.registry import LocalRegistry
from trialscout.store.sqlite import SQLiteStore

_NSCLC = re.compile(r"non[- ]?small|\bnsclc\b", re.IGNORECASE)

SCLC_PATIENT = PatientProfile(
    age=58,
    sex=PatientSex.FEMALE,
    as_of=dt.date(2026, 11, 1),
    diagnoses=(Condition(name="small cell lung cancer", stage="extensive stage"),),
    performance_status=PerformanceStatus(scale="ECOG", score=1),
)


def test_a_small_cell_patient_gets_small_cell_trials_first(
    registry: SQLiteStore, local_registry: LocalRegistry
) -> None:
    results = match_patient(local_registry, SCLC_PATIENT, MatchRequest(limit=20, statuses=()))
    first = results.matches[0]
    assert first.about is About.DISEASE
    assert "small cell" in " ".join(registry.trial(first.nct_id).conditions).lower()
    seen_other = False
    for match in results.matches:
        conditions = registry.trial(match.nct_id).conditions
        only_nsclc = bool(conditions) and all(_NSCLC.search(c) for c in conditions)
        if only_nsclc:
            assert match.about is About.OTHER, match.nct_id
            seen_other = True
        elif seen_other and match.check.result is not TrialResult.NOT_ELIGIBLE:
            assert match.about is About.OTHER  # nothing about the disease after the others
    assert not any("nsclc" in q.text.lower() or "non-small" in q.text.lower() for q in results.questions)


def test_when_no_trial_is_about_the_disease_the_results_say_so(local_registry: LocalRegistry) -> None:
    patient = PatientProfile(
        age=30, sex=PatientSex.FEMALE, diagnoses=(Condition(name="Erdheim-Chester disease"),)
    )
    results = match_patient(local_registry, patient, MatchRequest(statuses=()))
    assert results.matches  # trials that share the word "disease"
    assert all(m.about is not About.DISEASE for m in results.matches)
    assert any("No candidate trial is about Erdheim-Chester disease" in n for n in results.notes)


def test_when_nothing_shares_a_word_the_results_say_so(local_registry: LocalRegistry) -> None:
    patient = PatientProfile(age=30, diagnoses=(Condition(name="fibrodysplasia ossificans progressiva"),))
    results = match_patient(local_registry, patient, MatchRequest(statuses=()))
    assert results.matches == ()
    assert any("nothing is about fibrodysplasia ossificans progressiva" in n for n in results.notes)


def test_the_scores_of_each_part_are_shown(local_registry: LocalRegistry) -> None:
    results = match_patient(local_registry, SCLC_PATIENT, MatchRequest(limit=5, statuses=()))
    for match in results.matches:
        s = match.scores
        assert 0 <= s.concept <= 1 and 0 <= s.text <= 1 and 0 <= s.eligibility <= 1
        assert s.total == match.score


def test_an_inverted_mesh_heading_is_its_disease_not_its_head_word(local_registry: LocalRegistry) -> None:
    # NCT06940401 excludes small cell and neuroendocrine carcinoma (E1.1). A non-small cell lung
    # cancer patient whose diagnosis carries MeSH's "Carcinoma, Non-Small-Cell Lung" was read as a
    # bare "carcinoma" and failed it: a wrong "no".
    from trialscout.matching.check import Verdict
    from trialscout.services.match import check_patient

    def check(concepts: tuple[str, ...]) -> dict[str, Verdict]:
        profile = PatientProfile(
            age=60,
            sex=PatientSex.MALE,
            as_of=dt.date(2026, 11, 1),
            diagnoses=(Condition(name="non-small cell lung cancer", concepts=concepts),),
        )
        return {c.id: c.verdict for c in check_patient(local_registry, profile, "NCT06940401").criteria}

    by_name = check(())
    with_heading = check(("Carcinoma, Non-Small-Cell Lung",))
    assert "E1.1" in with_heading
    assert with_heading["E1.1"] is not Verdict.NOT_MET
    assert [k for k, v in with_heading.items() if v is Verdict.NOT_MET] == [
        k for k, v in by_name.items() if v is Verdict.NOT_MET
    ]
