"""The dates of a clinical note: resolved against the profile's date and given to the fact they date,
so a time window ("no major surgery within 4 weeks") can be settled from a note."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import DATA, NSCLC, TODAY
from trialscout.evaluation.corpus import read_corpus
from trialscout.matching.check import Verdict, check_trial
from trialscout.model.patient import PatientProfile, decode_profile, encode_profile
from trialscout.patients.note import NoteExtraction, extract_profile
from trialscout.sources.ctgov_json import trial_from_v2

SIGIR = DATA / "trialgpt" / "dataset" / "sigir" / "queries.jsonl"
SIGIR_CORPUS = DATA / "sigir-trialgpt-format" / "devon-smith_sigir_corpus_subset.jsonl"


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def read(note: str) -> NoteExtraction:
    return extract_profile(note, as_of=TODAY)


def dated(profile: PatientProfile) -> dict[str, dict[str, dt.date]]:
    """Every fact of the profile that has a date: its name -> {field: day}."""
    found: dict[str, dict[str, dt.date]] = {}
    for field in ("diagnoses", "other_conditions", "prior_therapies", "medications", "procedures", "labs"):
        for item in getattr(profile, field):
            days = {
                k: getattr(item, k) for k in item.__struct_fields__ if isinstance(getattr(item, k), dt.date)
            }
            if days:
                found[getattr(item, "name", None) or item.analyte] = days
    return found


def date_facts(extraction: NoteExtraction) -> list[str]:
    return [fact.value for fact in extraction.facts if fact.field == "dates"]


# ------------------------------------------------------------------------------ one note per pattern


@pytest.mark.parametrize(
    ("note", "name", "field", "day"),
    [
        # counts back from as_of, as the windows count them (months 30.44 days, years 365.25)
        ("He had a myocardial infarction 6 months ago.", "myocardial infarction", "diagnosed", days_ago(183)),
        ("She was diagnosed with breast cancer 2 years ago.", "breast cancer", "diagnosed", days_ago(731)),
        ("He sustained a hip fracture 3 weeks prior.", "hip fracture", "diagnosed", days_ago(21)),
        ("He completed chemotherapy 4 weeks ago.", "chemotherapy", "end", days_ago(28)),
        ("She underwent surgery 10 days ago.", "surgery", "date", days_ago(10)),
        ("He had a seizure yesterday.", "seizure", "diagnosed", days_ago(1)),
        ("He had a total hip replacement two weeks prior to presentation.", "total hip replacement", "date",
         days_ago(14)),
        ("Three weeks ago, she had a stroke.", "stroke", "diagnosed", days_ago(21)),
        ("Hb 9.8 g/dL two weeks ago.", "hemoglobin", "date", days_ago(14)),
        ("She was started on metformin 3 months ago.", "metformin", "start", days_ago(92)),
        ("He stopped smoking 10 years ago.", "smoking", "resolved", days_ago(3653)),
        ("She underwent a mastectomy on March 3, 2025.", "mastectomy", "date", dt.date(2025, 3, 3)),
        ("The patient progressed on osimertinib 2 months ago.", "osimertinib", "end", days_ago(61)),
    ],
)  # fmt: skip
def test_a_date_the_words_give_is_set_on_the_fact(note: str, name: str, field: str, day: dt.date) -> None:
    assert dated(read(note).profile)[name] == {field: day}


@pytest.mark.parametrize(
    ("note", "name", "shown"),
    [
        ("She had a stroke last month.", "stroke", "a month alone"),
        ("She was treated with radiotherapy in March 2025.", "radiotherapy", "a month alone"),
        ("Diabetes was diagnosed in 2019.", "Diabetes", "a year alone"),
        ("She has been on metformin since 2021.", "metformin", "a year alone"),
        ("He is s/p lobectomy (2023).", "lobectomy", "a year alone"),
        ("He had a heart attack last week.", "heart attack", "a week alone"),
        ("She has had dysphagia that began several months ago.", "dysphagia", "not said exactly"),
        ("She noticed swelling about 4 months ago.", "swelling", "not said exactly"),
    ],
)
def test_a_month_or_a_year_alone_is_shown_but_not_set(note: str, name: str, shown: str) -> None:
    """The profile holds one day and no precision: a month or a year stored as its first day
    would put the event certainly inside or outside a window whose edge falls within it."""
    extraction = read(note)
    assert dated(extraction.profile) == {}
    facts = date_facts(extraction)
    assert len(facts) == 1 and facts[0].startswith(name) and shown in facts[0] and "left unset" in facts[0]


def test_a_date_goes_to_the_nearest_fact_in_its_clause() -> None:
    profile = read(
        "The patient had an uncomplicated myocardial infarction 2 years earlier and a transient ischemic "
        "attack 6 months ago."
    ).profile
    assert dated(profile) == {
        "myocardial infarction": {"diagnosed": days_ago(731)},
        "transient ischemic attack": {"diagnosed": days_ago(183)},
    }


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("He has had dyspnea and cough for 2 days.", {"dyspnea": days_ago(2), "cough": days_ago(2)}),
        (
            "A 62 yo male presents with four days of non-productive cough and one day of fever.",
            {"cough": days_ago(4), "fever": days_ago(1)},
        ),
        ("She presents with a 9 month history of weight loss.", {"weight loss": days_ago(274)}),
        ("A 4-year-old girl presents with persistent fever for the past week.", {"fever": days_ago(7)}),
        ("He developed a fever yesterday.", {"fever": days_ago(1)}),
        ("Chest pain began 3 weeks prior.", {"Chest pain": days_ago(21)}),
    ],
)
def test_the_onset_of_a_condition_that_goes_on_is_shown_not_set(
    note: str, expected: dict[str, dt.date]
) -> None:
    """A fever that began 5 days ago and goes on is a fever "within the past 24 hours": its onset
    stored as its one date would be read as when it was, and the patient ruled out."""
    extraction = read(note)
    assert dated(extraction.profile) == {}
    assert sorted(date_facts(extraction)) == sorted(
        f"{name}: began {day.isoformat()} (it goes on: left unset)" for name, day in expected.items()
    )


def test_the_onset_of_a_past_condition_is_its_date() -> None:
    profile = read("She developed pneumonia 2 years ago.").profile  # told as past: not going on
    assert dated(profile) == {"pneumonia": {"diagnosed": days_ago(731)}}


def test_how_long_a_medication_has_been_taken_gives_its_start() -> None:
    profile = read("She has been taking aspirin for the past two years.").profile
    assert dated(profile) == {"aspirin": {"since": days_ago(731)}}


@pytest.mark.parametrize(
    "note",
    [
        "She has regular menses lasting for 6 days.",
        "He was hospitalized for 3 days with pneumonia.",
        "Past medical history remarkable for two years of infertility treatment.",
        "She received chemotherapy for 6 months.",
        "She takes ibuprofen during the first few days of her menstrual period.",
    ],
)
def test_a_duration_of_something_over_gives_no_onset(note: str) -> None:
    assert dated(read(note).profile) == {}


def test_a_performance_status_a_biomarker_and_a_result_are_dated() -> None:
    profile = read(
        "ECOG 1 two weeks ago. EGFR exon 19 deletion found 3 months ago. Platelets 90,000/mm3 yesterday."
    ).profile
    assert profile.performance_status is not None and profile.performance_status.date == days_ago(14)
    assert [b.date for b in profile.biomarkers] == [days_ago(92)]
    assert [lab.date for lab in profile.labs] == [days_ago(1)]


def test_a_relative_clause_dates_the_fact_it_follows() -> None:
    profile = read("She has hypertension, which was diagnosed 2 years ago.").profile
    assert dated(profile) == {"hypertension": {"diagnosed": days_ago(731)}}


def test_a_date_said_of_something_else_does_not_cross_a_comma_to_a_fact() -> None:
    # the spotting increased since yesterday; the tenderness after the comma is not dated by it
    profile = read(
        "She presents with vaginal spotting that has increased since yesterday, lower abdominal pain."
    ).profile
    assert dated(profile) == {}


def test_a_cue_of_the_fact_before_does_not_give_the_role() -> None:
    profile = read("She had a stroke, which resolved, and a myocardial infarction 3 months ago.").profile
    assert dated(profile) == {"myocardial infarction": {"diagnosed": days_ago(92)}}


def test_a_treatment_for_a_condition_is_what_the_date_dates() -> None:
    profile = read(
        "She underwent a lobectomy for lung cancer 3 years ago and now presents with cough."
    ).profile
    assert dated(profile) == {"lobectomy": {"date": days_ago(1096)}}


def test_the_drugs_of_a_regimen_share_its_date() -> None:
    profile = read("She received carboplatin and pemetrexed, last dose 3 weeks ago.").profile
    assert dated(profile) == {"carboplatin": {"end": days_ago(21)}, "pemetrexed": {"end": days_ago(21)}}


def test_a_treatment_with_progression_is_a_prior_therapy_ended_then() -> None:
    profile = read(
        "Metastatic NSCLC, treated with carboplatin/pemetrexed with progression 3 months ago, then "
        "docetaxel, last dose 5 weeks ago."
    ).profile
    assert {t.name: (t.progression, t.end) for t in profile.prior_therapies} == {
        "carboplatin": (True, days_ago(92)),
        "pemetrexed": (True, days_ago(92)),
    }


def test_a_current_medications_last_dose_is_shown_not_taken_as_its_start() -> None:
    extraction = read("He takes metformin daily, last dose yesterday.")
    assert [m.since for m in extraction.profile.medications] == [None]
    assert date_facts(extraction) == [
        "metformin: ended yesterday (the profile has no place for it: left unset)"
    ]


@pytest.mark.parametrize(
    "note",
    [
        "Her mother was diagnosed with breast cancer 2 years ago.",
        "His wife had a stroke 3 months ago.",
        "Her father had a myocardial infarction 6 months ago.",
    ],
)
def test_a_relatives_date_dates_nothing_of_the_patients(note: str) -> None:
    extraction = read(note)
    assert dated(extraction.profile) == {} and date_facts(extraction) == []


def test_a_date_beside_someone_elses_fact_is_not_given_to_the_patients() -> None:
    profile = read("She had knee surgery 2 weeks ago; her father had a stroke 3 years ago.").profile
    assert dated(profile) == {"knee surgery": {"date": days_ago(14)}}


def test_a_hypothetical_fact_takes_no_date() -> None:
    profile = read("A 60-year-old man with cough. Rule out pulmonary embolism 2 days ago.").profile
    assert dated(profile) == {}


@pytest.mark.parametrize(
    "note",
    [
        "She developed a fever 2 weeks after surgery.",
        "He developed a rash 3 days later.",
        "She had a stroke a week prior to the biopsy.",
    ],
)
def test_a_date_relative_to_another_event_is_not_resolved(note: str) -> None:
    assert dated(read(note).profile) == {}


@pytest.mark.parametrize("as_of", [dt.date(2026, 3, 1), dt.date(2026, 8, 31), dt.date(2024, 2, 29)])
def test_six_months_ago_is_outside_within_six_months_on_any_day(as_of: dt.date) -> None:
    # A calendar count would give 181 days back from March 1 (inside "within 6 months", 182.64
    # days, and short of "at least 6 months since") but 184 from August 31.
    profile = extract_profile("He completed chemotherapy 6 months ago.", as_of=as_of).profile
    assert [t.end for t in profile.prior_therapies] == [as_of - dt.timedelta(days=183)]


def test_a_future_date_is_not_read() -> None:
    assert dated(read("Her mastectomy was on March 3, 2027.").profile) == {}


def test_as_of_defaults_to_today() -> None:
    profile = extract_profile("She underwent surgery 10 days ago.").profile
    assert profile.procedures[0].date == dt.date.today() - dt.timedelta(days=10)


# ---------------------------------------------------------------------------------- benchmark notes


@cache
def sigir(query_id: str) -> str:
    for line in SIGIR.read_text(encoding="utf-8").splitlines():
        if line.strip() and json.loads(line)["_id"] == query_id:
            return str(json.loads(line)["text"])
    raise KeyError(query_id)


def test_benchmark_note_hip_replacement_two_weeks_before_presentation() -> None:
    # sigir-20153: "he underwent a right total hip replacement two weeks prior to presentation"
    assert dated(read(sigir("sigir-20153")).profile) == {"total hip replacement": {"date": days_ago(14)}}


def test_benchmark_note_infarction_and_tia_dated_apart() -> None:
    # sigir-201430: "an uncomplicated myocardial infarction 2 years earlier and a transient
    # ischemic attack 6 months ago. Over the past month, his blood pressure has worsened"
    found = dated(read(sigir("sigir-201430")).profile)
    assert found == {
        "myocardial infarction": {"diagnosed": days_ago(731)},
        "transient ischemic attack": {"diagnosed": days_ago(183)},
    }


def test_benchmark_note_the_wifes_cold_is_not_the_patients() -> None:
    # sigir-201524: "developing cold symptoms one week ago that were improving until two days ago,
    # when he developed a new fever ... His wife also had cold symptoms a week ago"
    extraction = read(sigir("sigir-201524"))
    assert date_facts(extraction) == [
        f"cold symptoms: began {days_ago(7).isoformat()} (it goes on: left unset)",
        f"fever: began {days_ago(2).isoformat()} (it goes on: left unset)",
    ]
    assert dated(extraction.profile) == {}


# ------------------------------------------------------------------------- what a time window decides


@cache
def nsclc_trials() -> dict[str, dict[str, Any]]:
    studies: list[dict[str, Any]] = json.loads(NSCLC.read_text(encoding="utf-8"))
    return {s["protocolSection"]["identificationModule"]["nctId"]: s for s in studies}


def verdict(nct_id: str, words: str, note: str) -> Verdict:
    trial = trial_from_v2(nsclc_trials()[nct_id])
    result = check_trial(read(note).profile, trial)
    return next(c.verdict for c in result.criteria if words in c.text)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("10 days ago", Verdict.NOT_MET),
        ("3 months ago", Verdict.MET),
        ("in 2025", Verdict.UNKNOWN),  # a year alone: maybe inside the 28 days, maybe not
        ("", Verdict.UNKNOWN),
    ],
)
def test_major_surgery_within_28_days_is_settled_by_the_notes_date(when: str, expected: Verdict) -> None:
    note = f"A 60-year-old man is diagnosed with stage IV lung adenocarcinoma. He had major surgery {when}."
    assert verdict("NCT02179567", "Major surgery within 28 days", note) is expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [("10 days ago", Verdict.NOT_MET), ("3 months ago", Verdict.MET), ("last month", Verdict.UNKNOWN)],
)
def test_chemotherapy_within_4_weeks_is_settled_by_the_notes_date(when: str, expected: Verdict) -> None:
    note = (
        f"A 60-year-old man is diagnosed with stage IV lung adenocarcinoma. He completed chemotherapy {when}."
    )
    assert verdict("NCT06480136", "chemotherapy within 4 weeks", note) is expected


def test_fever_that_goes_on_is_not_ruled_out_of_fever_within_24_hours() -> None:
    # sigir-201524 has had a fever for two days and a temperature of 103.4 at the visit: the
    # trial's "Documented fever ... within 24 hrs of admission" must not be read as not met.
    corpus = read_corpus([SIGIR_CORPUS], only={"NCT02258763"}).trials
    result = check_trial(read(sigir("sigir-201524")).profile, corpus["NCT02258763"].trial)
    fever = next(c for c in result.criteria if "fever" in c.text and "24 hrs" in c.text)
    assert fever.verdict is not Verdict.NOT_MET


# ----------------------------------------------------------------------------------- any text at all

_DATE_WORDS = st.sampled_from(
    [
        *(
            "6 months ago",
            "2 years earlier",
            "3 weeks prior",
            "prior to admission",
            "last month",
            "last week",
        ),
        *("yesterday", "the day before", "in March 2025", "in 2019", "since 2021", "(2023)", "March 3, 2025"),
        *(
            "3/4/2025",
            "13/2/2024",
            "2025-02-30",
            "999 years ago",
            "half an hour before",
            "several months ago",
        ),
        *(
            "about a week ago",
            "later",
            "after surgery",
            "s/p lobectomy",
            "completed chemotherapy",
            "underwent",
        ),
        *("surgery", "her mother had", "stroke", "myocardial infarction", "rule out", "carboplatin and"),
        *(
            "pemetrexed",
            "Hb 9.8 g/dL",
            "ECOG 1",
            "started",
            "stopped",
            "resolved",
            "when",
            ",",
            ".",
            ";",
            "and",
        ),
    ]
)


def check(text: str, as_of: dt.date | None) -> None:
    extraction = extract_profile(text, as_of=as_of)
    profile = extraction.profile
    assert decode_profile(encode_profile(profile)) == profile
    on = as_of or dt.date.today()
    for days in dated(profile).values():
        assert all(day <= on for day in days.values())  # a date from the note is never in the future
    for fact in extraction.facts:
        assert extraction.profile.notes is not None
        assert extraction.profile.notes[fact.span.start : fact.span.end] == fact.text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(_DATE_WORDS, st.text(max_size=4)), max_size=60).map(" ".join),
    st.one_of(st.none(), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))),
)
def test_any_note_with_dates_gives_a_profile(text: str, as_of: dt.date | None) -> None:
    check(text, as_of)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(exclude_categories=()), max_size=300), st.dates())
def test_any_text_at_any_date_gives_a_profile(text: str, as_of: dt.date) -> None:
    check(text, as_of)
