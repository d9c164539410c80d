"""A patient profile from a clinical note: the benchmark patient descriptions, TREC PM topics,
and one sentence per pattern (negation scope, family history, "no medications", infant ages)."""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.conftest import DATA
from trialscout.model.patient import PatientProfile, PatientSex, decode_profile, encode_profile
from trialscout.patients.note import NoteExtraction, describe_extraction, extract_profile

SIGIR = DATA / "trialgpt" / "dataset" / "sigir" / "queries.jsonl"
TREC_2022 = DATA / "trialgpt" / "dataset" / "trec_2022" / "queries.jsonl"
TREC_PM_TOPICS = [
    DATA / "trec-pm" / "bst-mug" / "topics2017.xml",
    DATA / "trec-pm" / "hyperlist" / "topics2018.xml",
    DATA / "trec-pm" / "hyperlist" / "topics2019.xml",
]


@cache
def descriptions() -> dict[str, str]:
    """The SIGIR and TREC 2022 patient descriptions, by query ID."""
    found = {}
    for path in (SIGIR, TREC_2022):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                found[record["_id"]] = record["text"]
    return found


@cache
def read(query_id: str) -> NoteExtraction:
    return extract_profile(descriptions()[query_id], patient_id=query_id)


def concepts(conditions: tuple[msgspec.Struct, ...]) -> set[str]:
    return {concept for condition in conditions for concept in getattr(condition, "concepts", ())}


def lab(profile: PatientProfile, analyte: str) -> list[tuple[float, str | None]]:
    return [(result.value, result.unit) for result in profile.labs if result.analyte == analyte]


# ---------------------------------------------------------------------------------- real descriptions


def test_chest_pain_woman_who_denies_smoking_and_takes_nothing() -> None:
    extraction = read("sigir-20141")
    profile = extraction.profile
    assert profile.age == 58 and profile.sex is PatientSex.FEMALE and profile.id == "sigir-20141"
    assert concepts(profile.diagnoses) == {"Chest Pain"}
    assert {"Hypertension", "Obesity"} <= concepts(profile.other_conditions)
    # "She denies smoking, diabetes, hypercholesterolemia, or a family history of heart disease."
    assert {"smoking", "Diabetes Mellitus", "Hypercholesterolemia"} <= concepts(profile.absent)
    assert "Heart Diseases" not in concepts(profile.absent) | concepts(profile.conditions())
    family = [fact for fact in extraction.facts if fact.field == "family_history"]
    assert [fact.text for fact in family] == ["heart disease"]
    # "She currently takes no medications."
    assert profile.medications == () and profile.prior_therapies == ()
    assert any(f.field == "medications" and f.value == "none" for f in extraction.facts)
    assert profile.notes == descriptions()["sigir-20141"]


def test_pregnant_woman_with_blood_counts_in_si_units() -> None:
    profile = read("sigir-201514").profile
    assert profile.pregnant is True and profile.age == 27
    # "a hemoglobin (Hb) of 9.0 g/dL, white blood cell count 6.3 x 109/L, platelet count 119 x 109/L"
    assert lab(profile, "hemoglobin")[0] == (9.0, "g/dL")
    assert lab(profile, "wbc")[0] == (6.3, "10^9/L")
    assert lab(profile, "platelets") == [(119.0, "10^9/L"), (108.0, "10^9/L")]
    assert [m.name for m in profile.medications] == ["iron"]  # "She already receives iron supplementation."


def test_diagnosis_stated_at_the_end_with_vital_signs() -> None:
    profile = read("trec-20223").profile
    assert concepts(profile.diagnoses) == {"Hemochromatosis"}
    assert "Fatigue" in concepts(profile.other_conditions)  # the complaint, once the diagnosis is known
    assert lab(profile, "systolic_bp") == [(120.0, "mmHg")] and lab(profile, "diastolic_bp") == [
        (80.0, "mmHg")
    ]
    assert lab(profile, "oxygen_saturation") == [(99.0, "%")]
    assert lab(profile, "bmi") == [(24.0, "kg/m²")]
    assert lab(profile, "ferritin") == [(550.0, "µg/L")]
    assert "smoking" in concepts(profile.absent)  # "The patient doesn't smoke"


def test_current_and_earlier_drugs_and_a_past_infarction() -> None:
    profile = read("sigir-201430").profile
    # "despite previous control with diltiazem, hydrochlorothiazide, and propranolol.
    #  His is currently taking isosorbide dinitrate, hydrochlorothiazide, and aspirin."
    assert {m.name for m in profile.medications} == {"isosorbide dinitrate", "hydrochlorothiazide", "aspirin"}
    assert {t.name for t in profile.prior_therapies} >= {"diltiazem", "propranolol"}
    infarction = next(c for c in profile.other_conditions if "Myocardial Infarction" in c.concepts)
    assert infarction.status == "history"  # "an uncomplicated myocardial infarction 2 years earlier"


def test_a_table_of_results_gives_the_value_and_the_upper_limit_of_normal() -> None:
    profile = read("trec-202222").profile
    glucose = next(r for r in profile.labs if r.analyte == "glucose")
    creatinine = next(r for r in profile.labs if r.analyte == "creatinine")
    assert (glucose.value, glucose.unit, glucose.upper_limit_normal) == (95.0, "mg/dL", 120.0)
    assert (creatinine.value, creatinine.upper_limit_normal) == (0.8, 1.4)
    assert profile.medications == ()


def test_an_infant_in_weeks_and_the_mothers_age_is_not_the_patients() -> None:
    profile = read("trec-202245").profile
    # "A 15-week-old infant ... born on 39th week to a 39-year-old woman"
    assert profile.age == pytest.approx(15 * 7 / 365.25, abs=0.001)
    assert profile.sex is PatientSex.MALE
    assert "Down Syndrome" in concepts(profile.diagnoses)


def test_a_relatives_condition_is_not_the_patients() -> None:
    profile = read("trec-202214").profile
    # "his older brother who is 41 years old is healthy with no history of gouty arthritis"
    assert "Gout" in concepts(profile.diagnoses) and "Gout" not in concepts(profile.absent)
    assert [m.name for m in profile.medications] == ["Allopurinol"]


def test_every_fact_quotes_the_note_at_its_span() -> None:
    for query_id, text in descriptions().items():
        for fact in read(query_id).facts:
            assert text[fact.span.start : fact.span.end] == fact.text, (query_id, fact)
            assert fact.text.strip() and fact.value


def test_describe_lists_what_was_read_and_where() -> None:
    lines = describe_extraction(read("sigir-20141"))
    assert lines[0] == 'age: 58 years  ← "58-year-old"'
    assert 'sex: female  ← "woman"' in lines
    assert 'absent: diabetes  ← "diabetes"' in lines


def test_coverage_over_the_benchmark_descriptions() -> None:
    """Every SIGIR and TREC 2022 description gives an age and a sex; nearly all a diagnosis."""
    profiles = [read(query_id).profile for query_id in descriptions()]
    share = len(profiles) / 100
    assert len(profiles) == 109
    assert sum(p.age is not None for p in profiles) / share >= 99
    assert sum(p.sex is not None for p in profiles) / share >= 99
    assert sum(bool(p.diagnoses) for p in profiles) / share >= 85
    assert sum(any(c.concepts for c in p.diagnoses) for p in profiles) / share >= 75


# ---------------------------------------------------------------------------------- TREC PM topics


def pm_topics() -> list[tuple[str, dict[str, str]]]:
    topics = []
    for path in TREC_PM_TOPICS:
        for topic in etree.parse(str(path)).getroot().iter("topic"):
            fields = {child.tag: (child.text or "").strip() for child in topic}
            topics.append((f"{path.stem}-{topic.get('number')}", fields))
    return topics


def pm_note(fields: dict[str, str]) -> str:
    other = fields.get("other", "None")
    history = f" Medical history: {other}." if other and other != "None" else ""
    return (
        f"A {fields['demographic']} with {fields['disease']}. Molecular testing: {fields['gene']}.{history}"
    )


def test_trec_pm_topic_reads_as_a_profile() -> None:
    fields = dict(pm_topics())["topics2017-10"]
    assert fields["gene"] == "KRAS (G12C)"
    profile = extract_profile(pm_note(fields)).profile
    assert profile.age == 61 and profile.sex is PatientSex.FEMALE
    assert [c.name for c in profile.diagnoses] == ["Lung adenocarcinoma"]
    assert profile.diagnoses[0].histology == "adenocarcinoma"
    assert [(b.marker, b.alteration, b.detail, b.positive) for b in profile.biomarkers] == [
        ("KRAS", "mutation", "G12C", True)
    ]
    assert {"Hypertension", "Hypercholesterolemia"} <= concepts(profile.other_conditions)


def test_every_protein_change_of_the_trec_pm_topics_is_read() -> None:
    """Each variant in parentheses becomes a biomarker of its gene: "BRAF (V600E)", "NF2 (K322),
    AKT1(E17K)", "KIT Exon 9 (A502_Y503dup)"."""
    checked = 0
    for name, fields in pm_topics():
        variants = re.findall(r"([A-Z][A-Z0-9]+)\s*(?:Exon \d+ )?\(([^)]+)\)", fields["gene"])
        if not variants or "instability" in fields["gene"]:
            continue
        read_markers = {(b.marker, b.detail) for b in extract_profile(pm_note(fields)).profile.biomarkers}
        for gene, variant in variants:
            gene = {"ERBB2": "HER2"}.get(gene, gene)
            assert any(marker == gene and variant in (detail or "") for marker, detail in read_markers), name
            checked += 1
    assert checked >= 40


@pytest.mark.parametrize(
    ("gene", "marker", "alteration", "detail"),
    [
        ("CDK4 Amplification", "CDK4", "amplification", None),
        ("EML4-ALK Fusion transcript", "ALK", "fusion", "EML4-ALK"),
        ("ERBB2 amplification", "HER2", "amplification", None),
        ("PTEN loss of function", "PTEN", "deletion", None),
        ("NTRK1 rearrangement", "NTRK1", "rearrangement", None),
        ("high tumor mutational burden", "TMB", "high", None),
    ],
)
def test_gene_alterations_of_trec_pm_topics(
    gene: str, marker: str, alteration: str, detail: str | None
) -> None:
    note = f"A 52-year-old male with lung cancer. Molecular testing: {gene}."
    biomarkers = extract_profile(note).profile.biomarkers
    assert [(b.marker, b.alteration, b.detail, b.positive) for b in biomarkers] == [
        (marker, alteration, detail, True)
    ]


# ---------------------------------------------------------------------------------- one pattern each


def test_negation_scope_ends_at_but() -> None:
    profile = extract_profile("He has no fever, but has a productive cough.").profile
    assert concepts(profile.absent) == {"Fever"}
    assert "cough" in concepts(profile.conditions())


def test_negation_over_a_list_and_after_the_phrase() -> None:
    profile = extract_profile(
        "She denies chest pain, nausea, or vomiting. Pulmonary embolism was ruled out. She has asthma."
    ).profile
    assert {"Chest Pain", "Nausea", "Vomiting", "Pulmonary Embolism"} <= concepts(profile.absent)
    assert concepts(profile.conditions()) == {"Asthma"}


def test_family_history_is_not_the_patients() -> None:
    extraction = extract_profile(
        "Her mother had breast cancer. Family history of diabetes. She has hypertension."
    )
    profile = extraction.profile
    assert concepts(profile.conditions()) == {"Hypertension"} and profile.absent == ()
    assert sorted(f.text for f in extraction.facts if f.field == "family_history") == [
        "breast cancer",
        "diabetes",
    ]


def test_hypothetical_findings_are_set_aside() -> None:
    extraction = extract_profile("CT scan to rule out pneumonia. He is at risk of stroke. He has COPD.")
    assert concepts(extraction.profile.conditions()) == {"Pulmonary Disease, Chronic Obstructive"}
    assert extraction.profile.absent == ()
    assert {f.text for f in extraction.facts if f.field == "hypothetical"} == {"pneumonia", "stroke"}


def test_no_medications_gives_none() -> None:
    for note in ("He takes no medications.", "She is not on any medications.", "No medications."):
        extraction = extract_profile(note)
        assert extraction.profile.medications == () and extraction.profile.prior_therapies == ()
        assert [f.value for f in extraction.facts if f.field == "medications"] == ["none"], note


@pytest.mark.parametrize(
    ("note", "years"),
    [
        ("A 3-month-old boy with fever.", 0.25),
        ("An 18 month old girl with a rash.", 1.5),
        ("A 10-day-old newborn with jaundice.", 10 / 365.25),
        ("A newborn with jaundice.", 0.0),
        ("58 yo F with cough.", 58.0),
        ("Patient, aged 71, with cough.", 71.0),
        ("A 66yo female smoker.", 66.0),
        ("A woman in her 60s with cough.", 65.0),
        ("A man in his early forties.", 42.0),
    ],
)
def test_ages(note: str, years: float) -> None:
    assert extract_profile(note).profile.age == pytest.approx(years, abs=0.001)


def test_an_event_age_is_not_the_patients_age() -> None:
    profile = extract_profile("Menarche was at age 12. A 31-year-old woman with amenorrhea.").profile
    assert profile.age == 31


@pytest.mark.parametrize(
    ("note", "sex"),
    [
        ("A 40-year-old woman presents with cough. He denies fever.", PatientSex.FEMALE),
        ("Mr. Jones is seen today. He reports fatigue; his wife says she is worried.", PatientSex.MALE),
        ("The patient presents with cough. She denies fever.", PatientSex.FEMALE),
        ("A 4 year old boy. His mother reports that she heard him coughing.", PatientSex.MALE),
        ("A 45-year-old transgender woman with HIV.", None),
        ("A 30-year-old with cough.", None),
    ],
)
def test_sex(note: str, sex: PatientSex | None) -> None:
    assert extract_profile(note).profile.sex is sex


def test_oncology_note() -> None:
    note = (
        "A 62-year-old man with stage IIIB squamous cell lung cancer and metastases to the brain, treated "
        "with radiosurgery. EGFR exon 19 deletion; ALK rearrangement negative; PD-L1 TPS 60%. He progressed "
        "on osimertinib. He previously received 4 cycles of carboplatin. ECOG PS of 1. Hb 9.8 g/dL, "
        "platelets 90,000/mm3, creatinine of 1.4 mg/dL, O2 sat 92% on room air, EF of 55%. He takes "
        "metformin 500 mg twice daily."
    )
    profile = extract_profile(note).profile
    cancer = profile.diagnoses[0]
    assert (cancer.name, cancer.stage, cancer.histology, cancer.setting) == (
        "squamous cell lung cancer",
        "IIIB",
        "squamous cell",
        "metastatic",
    )
    brain = next(c for c in profile.other_conditions if "brain metastases" in c.concepts)
    assert brain.treated is True
    biomarkers = {(b.marker, b.alteration): b for b in profile.biomarkers}
    assert biomarkers["EGFR", "deletion"].detail == "exon 19" and biomarkers["EGFR", "deletion"].positive
    assert biomarkers["ALK", "rearrangement"].positive is False
    assert biomarkers["PD-L1", "expression"].percent == 60
    assert profile.performance_status is not None and profile.performance_status.score == 1
    therapies = {t.name: t for t in profile.prior_therapies}
    assert therapies["osimertinib"].progression is True and "carboplatin" in therapies
    assert lab(profile, "platelets") == [(90000.0, "/mm3")]
    assert lab(profile, "creatinine") == [(1.4, "mg/dL")]
    assert lab(profile, "oxygen_saturation") == [(92.0, "%")] and lab(profile, "lvef") == [(55.0, "%")]
    metformin = profile.medications[0]
    assert (metformin.name, metformin.dose, metformin.dose_unit) == ("metformin", 1000.0, "mg/day")


@pytest.mark.parametrize(
    ("note", "marker", "positive"),
    [
        ("Biopsy: ALK-positive adenocarcinoma.", "ALK", True),
        ("HER2-negative breast cancer.", "HER2", False),
        ("BRAF V600E mutated melanoma.", "BRAF", True),
        ("MSI-high colon cancer.", "MSI", True),
        ("She carries a BRCA1 mutation.", "BRCA1", True),
        ("Her mother carries a BRCA1 mutation.", None, None),
    ],
)
def test_biomarkers(note: str, marker: str | None, positive: bool | None) -> None:
    biomarkers = extract_profile(note).profile.biomarkers
    assert [(b.marker, b.positive) for b in biomarkers] == ([(marker, positive)] if marker else [])


def test_triple_negative_is_three_negative_receptors() -> None:
    biomarkers = extract_profile("A 45-year-old woman with triple negative breast cancer.").profile.biomarkers
    assert {(b.marker, b.positive) for b in biomarkers} == {("ER", False), ("PR", False), ("HER2", False)}


@pytest.mark.parametrize(
    ("note", "scale", "score"),
    [
        ("ECOG 1.", "ECOG", 1),
        ("ECOG performance status of 2.", "ECOG", 2),
        ("KPS 80.", "KARNOFSKY", 80),
        ("Karnofsky 70%.", "KARNOFSKY", 70),
    ],
)
def test_performance_status(note: str, scale: str, score: int) -> None:
    status = extract_profile(note).profile.performance_status
    assert status is not None and (status.scale, status.score) == (scale, score)


@pytest.mark.parametrize(
    ("note", "pregnant", "breastfeeding"),
    [
        ("A 27-year-old woman at 11 weeks gestation.", True, None),
        ("A 28-year-old G2P1 at 32 weeks presents with headache.", True, None),
        ("She is not pregnant and is breastfeeding.", False, True),
        ("Urine β-hCG is negative.", False, None),
        ("She would like to become pregnant.", None, None),
        ("The boy was born at 38 weeks gestation.", None, None),
    ],
)
def test_pregnancy(note: str, pregnant: bool | None, breastfeeding: bool | None) -> None:
    profile = extract_profile(note).profile
    assert (profile.pregnant, profile.breastfeeding) == (pregnant, breastfeeding)


@pytest.mark.parametrize(
    ("words", "analyte", "value", "unit"),
    [
        ("Hb 9.8 g/dL", "hemoglobin", 9.8, "g/dL"),
        ("platelets 90,000/mm3", "platelets", 90000, "/mm3"),
        ("WBC 12.3 K/uL", "wbc", 12.3, "10^3/µL"),
        ("ANC 1.2 x 10^9/L", "anc", 1.2, "10^9/L"),
        ("creatinine of 1.4 mg/dl", "creatinine", 1.4, "mg/dL"),
        ("CrCl 60 mL/min", "creatinine_clearance", 60, "mL/min"),
        ("eGFR 45 mL/min/1.73m2", "egfr", 45, "mL/min/1.73m²"),
        ("total bilirubin 22 umol/L", "bilirubin", 22, "µmol/L"),
        ("AST 2 x ULN", "ast", 2, "xULN"),
        ("INR 1.2", "inr", 1.2, None),
        ("EF of 35%", "lvef", 35, "%"),
        ("O2 sat 92% on room air", "oxygen_saturation", 92, "%"),
        ("HbA1c 7.2%", "hba1c", 7.2, "%"),
        ("troponin T was 0.40 ng/ml", "troponin", 0.4, "ng/mL"),
        ("pulse is 70/min", "heart_rate", 70, "/min"),
        ("T: 39.5 C", "temperature", 39.5, "°C"),
        ("temperature 103.4", "temperature", 103.4, "°F"),
        ("BMI is 24 kg/m2", "bmi", 24, "kg/m²"),
    ],
)
def test_laboratory_values_and_vital_signs(words: str, analyte: str, value: float, unit: str | None) -> None:
    profile = extract_profile(f"A 60-year-old man. {words}.").profile
    assert lab(profile, analyte) == [(value, unit)]


def test_a_lab_name_without_a_value_reads_nothing() -> None:
    profile = extract_profile(
        "Her hemoglobin, hematocrit and TSH are within normal limits. ER+ 90%, PR+."
    ).profile
    assert profile.labs == ()


def test_history_status_and_procedures() -> None:
    profile = extract_profile(
        "A 70-year-old man presents with dyspnea. Past medical history is notable for hypertension and "
        "a myocardial infarction. He is s/p appendectomy and a total hip replacement."
    ).profile
    assert concepts(profile.diagnoses) == {"Dyspnea"}
    assert {c.status for c in profile.other_conditions} == {"history"}
    assert {p.name for p in profile.procedures} == {"appendectomy", "total hip replacement"}


def test_as_of_and_id_are_kept() -> None:
    profile = extract_profile("A 50-year-old man.", as_of=dt.date(2026, 1, 2), patient_id="p1").profile
    assert (profile.as_of, profile.id, profile.age) == (dt.date(2026, 1, 2), "p1", 50.0)


# ---------------------------------------------------------------------------------- any text at all

_CLINICAL_WORDS = st.sampled_from(
    [
        *(
            "no",
            "not",
            "denies",
            "without",
            "family history of",
            "her mother had",
            "his wife has",
            "she",
            "he",
        ),
        *("A 58-year-old woman", "3-month-old", "in her 60s", "fever", "cough", "hypertension", "diabetes"),
        *("breast cancer", "stage IV", "adenocarcinoma", "metastases to the brain", "takes", "currently"),
        *("previously received", "progressed on", "osimertinib", "aspirin 500 mg daily", "Hb 9.8 g/dL"),
        *("platelets 90,000/mm3", "BP 120/80", "ECOG 1", "KPS 80", "EGFR exon 19 deletion", "KRAS (G12C)"),
        *("PD-L1 50%", "pregnant", "negative", "positive", "but", "however", ",", ".", ";", "(", ")", ":"),
        *("-", "/", "1", "12", "x 109/L", "rule out", "s/p", "past medical history", "takes no medications"),
    ]
)


def check_extraction(text: str) -> None:
    extraction = extract_profile(text)
    text = re.sub("[\ud800-\udfff]", "\ufffd", text)  # lone surrogates cannot be stored: U+FFFD
    assert extraction.profile.notes == text
    for fact in extraction.facts:
        assert 0 <= fact.span.start < fact.span.end <= len(text)
        assert text[fact.span.start : fact.span.end] == fact.text
    assert decode_profile(encode_profile(extraction.profile)) == extraction.profile
    msgspec.json.encode(extraction)
    describe_extraction(extraction)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(exclude_categories=()), max_size=400))  # control characters, surrogates too
def test_any_text_gives_a_profile(text: str) -> None:
    check_extraction(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_CLINICAL_WORDS, st.text(max_size=3)), max_size=80).map(" ".join))
def test_any_clinical_word_salad_gives_a_profile(text: str) -> None:
    check_extraction(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\x01\x02\ud800fever\udfff\x7f" * 50,
        " " * 50_000,
        "1" * 50_000,
        "(" * 20_000,
        "her mother has " * 3_000,
        "fever, " * 5_000,
        "WBC 5 x 10 " * 4_000,
        "KRAS (G12C) " * 3_000,
        "A 58-year-old woman with stage IV lung adenocarcinoma. Hb 9.8 g/dL. She takes aspirin. " * 500,
    ],
    ids=lambda text: repr(text[:12]),
)
def test_odd_and_very_long_notes(text: str) -> None:
    check_extraction(text)


def test_an_illness_told_as_childhood_is_history_not_current() -> None:
    profile = extract_profile(
        "He had repeated ear infections during his childhood. He now has a cough."
    ).profile
    status = {c.name: c.status for c in profile.conditions()}
    assert status.get("cough") == "active"
    assert any(name.endswith("infections") and s == "history" for name, s in status.items())
