"""A patient profile from a clinical note, with every fact it was read from, for a person to check.

`extract_profile(text)` reads a free-text description ("A 58-year-old woman presents with chest
pain. She is known to have hypertension. She denies smoking. She currently takes no
medications.") into a `PatientProfile`, and lists each `ExtractedFact`: the profile field it
fills, what was read ("58 years"), and the exact words and their span in the note.
`describe_extraction` gives one readable line per fact for the command line.

What a note says of someone else (family history, a partner), only considers (to rule out, a
risk, planned) or denies is kept apart: denied findings go to ``absent``; the rest stays a fact
outside the profile (fields "family_history", "hypothetical") so a person sees it was not taken
as the patient's.

The readers, each documented with the forms it reads:

- `trialscout.patients.note_context`: negation, family history, hypotheticals, history, timing;
- `trialscout.patients.note_values`: age, sex, performance status, pregnancy, biomarkers;
- `trialscout.patients.note_labs`: laboratory results and vital signs;
- `trialscout.patients.note_findings`: conditions (diagnoses, others, absent), medications,
  prior therapies and procedures.

Nothing here raises on any text, and nothing here writes the note anywhere: notes are health data.
"""

from __future__ import annotations

import datetime as dt
import re

import msgspec

from trialscout.eligibility.model import Span
from trialscout.eligibility.text import matchable
from trialscout.model.patient import LabResult, PatientProfile
from trialscout.patients.note_context import NoteContext
from trialscout.patients.note_findings import read_findings
from trialscout.patients.note_labs import LabReading, read_labs
from trialscout.patients.note_values import (
    age_matches,
    read_age,
    read_note_biomarkers,
    read_performance,
    read_reproductive,
    read_sex,
)


class ExtractedFact(msgspec.Struct, frozen=True, kw_only=True):
    """One thing read from the note: the profile ``field`` it fills ("age", "diagnoses", "labs",
    ..., or "family_history" / "hypothetical" for what is not the patient's), what was read
    (``value``: "58 years", "hypertension (history)"), and the note's words at ``span``."""

    field: str
    value: str
    span: Span
    text: str


class NoteExtraction(msgspec.Struct, frozen=True, kw_only=True):
    """The profile read from a note (``notes`` holds the note) and the facts it came from."""

    profile: PatientProfile
    facts: tuple[ExtractedFact, ...] = ()


#: The order facts are listed in: the profile's order, then what was set aside.
FIELD_ORDER = (
    "age",
    "sex",
    "pregnant",
    "breastfeeding",
    "uses_contraception",
    "diagnoses",
    "other_conditions",
    "absent",
    "biomarkers",
    "performance_status",
    "labs",
    "medications",
    "prior_therapies",
    "procedures",
    "family_history",
    "hypothetical",
)
_SURROGATES = re.compile("[\ud800-\udfff]")


class _Builder:
    """The facts, each with the note's words at its span, gathered while the note is read."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.facts: list[ExtractedFact] = []

    def fact(self, field: str, value: str, span: Span) -> None:
        self.facts.append(
            ExtractedFact(field=field, value=value, span=span, text=self.text[span.start : span.end])
        )


def extract_profile(
    text: str, *, as_of: dt.date | None = None, patient_id: str | None = None
) -> NoteExtraction:
    """A patient profile read from a clinical note, with the facts it was read from."""
    # A lone surrogate (no character at all) cannot be stored or sent as UTF-8: it becomes U+FFFD,
    # one character for one, so every offset still points at the same words.
    text = _SURROGATES.sub("\ufffd", text) if isinstance(text, str) else ""
    view = matchable(text)
    context = NoteContext(view)
    build = _Builder(text)
    ages = age_matches(view)
    age = read_age(view, ages)
    if age is not None:
        build.fact("age", age.display, age.span)
    sex = read_sex(view, age, ages)
    if sex is not None:
        build.fact("sex", sex.display, sex.span)
    states: dict[str, bool] = {}
    for state in read_reproductive(context):
        if state.field != "uses_contraception" and sex is not None and sex.sex.value == "male":
            continue
        states[state.field] = state.value
        build.fact(state.field, state.display, state.span)
    labs = read_labs(view)
    biomarkers = read_note_biomarkers(context)
    findings = read_findings(context, age, [r.span for r in labs] + [r.span for r in biomarkers])
    for reading in findings.readings:
        build.fact(reading.field, reading.display, reading.span)
    performance = read_performance(view)
    if performance is not None:
        build.fact("performance_status", performance.display, performance.span)
    for biomarker in biomarkers:
        build.fact("biomarkers", biomarker.display, biomarker.span)
    results = _lab_results(build, labs)
    profile = PatientProfile(
        id=patient_id,
        age=age.years if age is not None else None,
        sex=sex.sex if sex is not None else None,
        as_of=as_of,
        pregnant=states.get("pregnant"),
        breastfeeding=states.get("breastfeeding"),
        uses_contraception=states.get("uses_contraception"),
        diagnoses=tuple(findings.diagnoses),
        other_conditions=tuple(findings.other_conditions),
        absent=tuple(findings.absent),
        biomarkers=tuple(b.biomarker for b in biomarkers),
        performance_status=performance.status if performance is not None else None,
        labs=tuple(results),
        prior_therapies=tuple(findings.prior_therapies),
        medications=tuple(findings.medications),
        procedures=tuple(findings.procedures),
        notes=text,
    )
    order = {field: i for i, field in enumerate(FIELD_ORDER)}
    facts = sorted(build.facts, key=lambda f: (order.get(f.field, len(order)), f.span.start))
    return NoteExtraction(profile=profile, facts=tuple(facts))


def describe_extraction(extraction: NoteExtraction) -> list[str]:
    """One readable line per fact: 'age: 58 years  ← "58-year-old"'."""
    lines = []
    for fact in extraction.facts:
        words = " ".join(fact.text.split())
        if len(words) > 80:
            words = words[:77] + "..."
        lines.append(f'{fact.field.replace("_", " ")}: {fact.value}  ← "{words}"')
    return lines


def _lab_results(build: _Builder, labs: list[LabReading]) -> list[LabResult]:
    results: list[LabResult] = []
    for reading in labs:
        build.fact("labs", reading.display, reading.span)
        results.append(
            LabResult(
                analyte=reading.analyte,
                value=reading.value,
                unit=reading.unit,
                upper_limit_normal=reading.upper_limit_normal,
            )
        )
        if reading.second_value is not None:
            results.append(LabResult(analyte="diastolic_bp", value=reading.second_value, unit=reading.unit))
    return results
