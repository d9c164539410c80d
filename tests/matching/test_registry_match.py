"""One patient, the whole (real) registry: ranked trials with verdicts, sites and questions."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from trialscout.cli import cli
from trialscout.matching.check import TrialResult
from trialscout.model.patient import (
    Biomarker,
    Condition,
    Location,
    PatientProfile,
    PatientSex,
    PerformanceStatus,
    encode_profile,
)
from trialscout.services.match import About, MatchRequest, match_patient, missing_questions
from trialscout.services.registry import LocalRegistry
from trialscout.store.load import LoadReport
from trialscout.store.sqlite import SQLiteStore

NSCLC_PATIENT = PatientProfile(
    age=64,
    sex=PatientSex.FEMALE,
    as_of=dt.date(2026, 11, 1),
    location=Location(place="Chicago"),
    diagnoses=(Condition(name="non-small cell lung cancer", stage="IV"),),
    performance_status=PerformanceStatus(scale="ECOG", score=1),
    biomarkers=(Biomarker(marker="EGFR", alteration="mutation", positive=True),),
)


tier = {About.DISEASE: 0, About.UNSTATED: 0, About.BROADER: 1, About.OTHER: 2}


def test_matches_are_about_the_patient_and_open_to_them(
    registry: SQLiteStore, local_registry: LocalRegistry
) -> None:
    results = match_patient(local_registry, NSCLC_PATIENT, MatchRequest(limit=10))
    assert results.candidates == 100 and len(results.matches) == 10
    assert results.eligible + results.possibly + results.ruled_out == results.candidates
    for match in results.matches:
        assert match.check.result is not TrialResult.NOT_ELIGIBLE
        assert match.overall_status in ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION")
        trial = registry.trial(match.nct_id)
        text = " ".join([trial.title, *trial.conditions]).lower()
        assert "lung" in text or "nsclc" in text, trial.title
    ranked = [(-tier[m.about], m.score) for m in results.matches]
    assert ranked == sorted(ranked, reverse=True)  # about the disease first, then by score
    assert results.place is not None and results.place.label.startswith("Chicago")
    assert all(m.location for m in results.matches if m.nearest_site is not None)


def test_ruled_out_trials_are_kept_last_with_the_failing_criteria(
    registry: SQLiteStore, local_registry: LocalRegistry
) -> None:
    results = match_patient(
        local_registry,
        NSCLC_PATIENT,
        MatchRequest(limit=100, include_ineligible=True),
    )
    kinds = [m.check.result is TrialResult.NOT_ELIGIBLE for m in results.matches]
    assert kinds == sorted(kinds)  # every open one before every ruled-out one
    ruled_out = [m for m in results.matches if m.check.result is TrialResult.NOT_ELIGIBLE]
    assert ruled_out and all(m.check.failing for m in ruled_out)


def test_what_is_missing_asks_about_what_decides_most(
    registry: SQLiteStore, local_registry: LocalRegistry
) -> None:
    results = match_patient(
        local_registry,
        PatientProfile(diagnoses=NSCLC_PATIENT.diagnoses),
        MatchRequest(),
    )
    keys = [q.key for q in results.questions]
    assert 1 <= len(keys) <= 5
    assert {"age", "ecog"} & set(keys), keys  # an empty profile: age and ECOG decide many trials
    counts = {q.key: q.trials for q in results.questions}
    assert all(0 < n <= results.candidates for n in counts.values())


def test_missing_questions_prefers_the_question_that_settles_a_trial() -> None:
    assert missing_questions([]) == ()


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    return result.exit_code, result.output


def test_match_and_check_commands(full_load: tuple[Path, LoadReport], tmp_path: Path) -> None:
    patient = tmp_path / "patient.json"
    patient.write_bytes(encode_profile(NSCLC_PATIENT))
    code, out = run(full_load[0], "match", str(patient), "--limit", "3")
    assert code == 0, out
    assert "candidate trials near Chicago" in out and "What is missing" in out
    code, out = run(full_load[0], "match", str(patient), "--limit", "3", "--json")
    assert code == 0
    data = json.loads(out)
    nct = data["results"]["matches"][0]["nct_id"]
    code, out = run(full_load[0], "check", str(patient), nct)
    assert code == 0, out
    assert "Inclusion criteria" in out and "original:" in out and "why:" in out
    code, out = run(full_load[0], "check", str(patient), nct, "--json")
    assert json.loads(out)["check"]["nct_id"] == nct


def test_a_note_is_read_and_its_facts_shown(full_load: tuple[Path, LoadReport], tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text(
        "A 64-year-old woman with metastatic non-small cell lung cancer, EGFR exon 19 deletion."
        " She denies any history of HIV. ECOG 1."
    )
    code, out = run(full_load[0], "match", str(note), "--limit", "2")
    assert code == 0, out
    assert "Read from the note" in out and "64" in out


def test_bad_patient_files_give_one_clear_line(full_load: tuple[Path, LoadReport], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"age": "sixty"}')
    code, out = run(full_load[0], "match", str(bad))
    assert code == 1 and "not a valid patient profile" in out
    broken = tmp_path / "broken.json"
    broken.write_text('{"age": 6')
    code, out = run(full_load[0], "check", str(broken), "NCT06576635")
    assert code == 1 and "not valid JSON" in out
    code, out = run(full_load[0], "check", str(bad), "not-an-id")
    assert code == 2


def test_a_fhir_bundle_is_a_patient_too(full_load: tuple[Path, LoadReport]) -> None:
    bundle = Path(__file__).parents[1] / "patients" / "data" / "fhir" / "nsclc-egfr-bundle.json"
    code, out = run(full_load[0], "check", str(bundle), "NCT06576635", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["patient"]["source"] == "fhir"
    ecog = next(v for v in data["check"]["criteria"] if v["text"].startswith("ECOG performance status"))
    assert ecog["verdict"] == "met" and ecog["reason"].startswith("ECOG 1")


def test_nothing_of_the_patient_is_logged(
    registry: SQLiteStore, local_registry: LocalRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    from trialscout.patients.note import extract_profile

    note = "A 71-year-old man with Zebrowski syndrome and metastatic melanoma, BRAF V600E, ECOG 0."
    with caplog.at_level(logging.DEBUG):
        profile = extract_profile(note).profile
        match_patient(local_registry, profile, MatchRequest())
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "Zebrowski" not in logged and "71" not in logged and "V600E" not in logged


def test_quotes_and_colons_in_a_note_are_words_not_search_syntax(local_registry: LocalRegistry) -> None:
    plain = "A 64-year-old woman with non-small cell lung cancer, EGFR mutation, ECOG 1, coughing."
    quoted = (
        'A 64-year-old woman with non-small cell lung cancer, EGFR mutation, ECOG 1, "coffee ground"'
        " cough. Title: none."
    )
    found = {}
    for name, note in (("plain", plain), ("quoted", quoted)):
        profile = PatientProfile(age=64, sex=PatientSex.FEMALE, notes=note)
        found[name] = match_patient(local_registry, profile, MatchRequest(limit=100)).candidates
    assert found["quoted"] >= 50 and found["plain"] >= 50, found
