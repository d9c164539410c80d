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
  prior therapies and procedures;
- `trialscout.patients.note_dates`: the note's dates ("6 months ago", "s/p lobectomy (2023)"),
  resolved against ``as_of`` (default today) and given to the fact they date, each listed as a
  "dates" fact. Only a day the words name is set in the profile; a month or a year alone is listed,
  not set (the profile has no place for its precision), and so is the onset of a condition that
  goes on ("a fever for 2 days": its one date would be read as when the fever was);
- `trialscout.concepts.diagnoses`: the diagnoses the note's findings suggest when it does not name
  them ("webbed neck, short stature, primary amenorrhea": Turner syndrome), each a
  "candidate_diagnoses" fact with the findings it explains and its score; one the note names stays
  a diagnosis and is not suggested again, nor is what it explains.

Nothing here raises on any text, and nothing here writes the note anywhere: notes are health data.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TypeVar

import msgspec

from trialscout.concepts.diagnoses import NoteFinding, finding_label, note_findings, suggest_diagnoses
from trialscout.eligibility.model import Span
from trialscout.eligibility.text import matchable
from trialscout.matching.terms import matches, terms
from trialscout.model.patient import (
    CandidateDiagnosis,
    Condition,
    LabResult,
    Medication,
    PatientProfile,
    Therapy,
)
from trialscout.patients.note_context import NoteContext
from trialscout.patients.note_dates import DatedFact, Target, attach_dates, read_dates
from trialscout.patients.note_findings import Findings, read_findings
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
    "candidate_diagnoses",
    "biomarkers",
    "performance_status",
    "labs",
    "medications",
    "prior_therapies",
    "procedures",
    "dates",
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
    targets = list(findings.targets)
    targets += [Target("labs", i, (reading.span,)) for i, reading in enumerate(labs)]
    targets += [Target("biomarkers", i, (reading.span,)) for i, reading in enumerate(biomarkers)]
    if performance is not None:
        targets.append(Target("performance_status", 0, (performance.span,)))
    dated = attach_dates(context, read_dates(context, as_of or dt.date.today()), targets)
    dates = _dates(dated, findings)
    results = _lab_results(build, labs, dates)
    status = performance.status if performance is not None else None
    if status is not None and ("performance_status", 0, "date") in dates:
        status = msgspec.structs.replace(status, date=dates["performance_status", 0, "date"])
    profile = PatientProfile(
        id=patient_id,
        age=age.years if age is not None else None,
        sex=sex.sex if sex is not None else None,
        as_of=as_of,
        pregnant=states.get("pregnant"),
        breastfeeding=states.get("breastfeeding"),
        uses_contraception=states.get("uses_contraception"),
        diagnoses=_dated("diagnoses", findings.diagnoses, dates),
        other_conditions=_dated("other_conditions", findings.other_conditions, dates),
        absent=tuple(findings.absent),
        biomarkers=_dated("biomarkers", [b.biomarker for b in biomarkers], dates),
        performance_status=status,
        labs=tuple(results),
        prior_therapies=_dated("prior_therapies", findings.prior_therapies, dates),
        medications=_dated("medications", findings.medications, dates),
        procedures=_dated("procedures", findings.procedures, dates),
        notes=text,
    )
    _date_facts(build, dated, profile, findings)
    candidates = _candidates(build, profile)
    if candidates:
        profile = msgspec.structs.replace(profile, candidate_diagnoses=candidates)
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


def _candidates(build: _Builder, profile: PatientProfile) -> tuple[CandidateDiagnosis, ...]:
    """The diagnoses the note's findings suggest (`trialscout.concepts.diagnoses`), less those
    the note names already, each listed as a fact over the words of the findings it explains."""
    try:
        findings = note_findings(build.text)
        suggested = suggest_diagnoses(
            findings, sex=profile.sex.value if profile.sex is not None else None, age=profile.age
        )
    except OSError:  # the ontology's files cannot be read: no suggestion rather than no profile
        return ()
    named = [terms(c.name, *c.concepts) for c in profile.diagnoses]
    # A candidate the note names stays the diagnosis; so do the findings it explains.
    explained: set[str] = set()
    for candidate in suggested:
        have = terms(candidate.name)
        if any(matches(have, n) or matches(n, have) for n in named):
            explained |= set(candidate.supporting)
    kept = []
    for candidate in suggested:
        if explained and set(candidate.supporting) <= explained:
            continue
        kept.append(candidate)
        words = ", ".join(candidate.supporting)
        value = f"{candidate.name} (suggested by {words}; score {candidate.score:.2f})"
        build.fact("candidate_diagnoses", value, _span_of(candidate, findings))
    return tuple(kept)


def _span_of(candidate: CandidateDiagnosis, findings: list[NoteFinding]) -> Span:
    """From the first to the last mention of the findings that support ``candidate``."""
    spans = [
        (f.start, f.end) for f in findings if not f.negated and finding_label(f.name) in candidate.supporting
    ]
    if not spans:
        return Span(0, 0)
    return Span(min(s for s, _ in spans), max(e for _, e in spans))


def _lab_results(
    build: _Builder, labs: list[LabReading], dates: dict[tuple[str, int, str], dt.date]
) -> list[LabResult]:
    results: list[LabResult] = []
    for index, reading in enumerate(labs):
        build.fact("labs", reading.display, reading.span)
        date = dates.get(("labs", index, "date"))
        results.append(
            LabResult(
                analyte=reading.analyte,
                value=reading.value,
                unit=reading.unit,
                upper_limit_normal=reading.upper_limit_normal,
                date=date,
            )
        )
        if reading.second_value is not None:
            results.append(
                LabResult(analyte="diastolic_bp", value=reading.second_value, unit=reading.unit, date=date)
            )
    return results


# How a "dates" fact says each role.
_ROLE_WORDS = {"start": "started", "end": "ended", "date": "dated", "onset": "began", "when": "dated"}
_Item = TypeVar("_Item", bound=msgspec.Struct)

# The profile's field each role fills, by the list the fact is in.
_ROLE_FIELDS = {
    "diagnosed": "diagnosed",
    "onset": "diagnosed",
    "when": "diagnosed",
    "resolved": "resolved",
    "start": "start",
    "end": "end",
    "since": "since",
    "date": "date",
}


def _dates(dated: list[DatedFact], findings: Findings) -> dict[tuple[str, int, str], dt.date]:
    """The day each fact's role gets: (field, index, role) -> day; the first said wins, and only a
    day the words name (`NoteDate.settable`), and not a day of a condition that goes on that is
    not an event (`_goes_on`)."""
    dates: dict[tuple[str, int, str], dt.date] = {}
    for fact in dated:
        if fact.target is None or fact.role is None or fact.when.date is None or not fact.when.settable:
            continue
        if _goes_on(fact, findings):
            continue
        role = "diagnosed" if fact.role in ("onset", "when") else fact.role
        dates.setdefault((fact.target.field, fact.target.index, role), fact.when.date)
    return dates


def _goes_on(fact: DatedFact, findings: Findings) -> bool:
    """Whether ``fact`` dates the onset of a condition the note tells as current ("a fever for 2
    days", "chest pain that began two days earlier"). Its day is left unset: the profile has one
    date per condition, which a time window reads as when it happened, so "fever within the past
    24 hours" would be read as not met for a fever that began 5 days ago and goes on."""
    if fact.target is None or fact.role not in ("onset", "when"):
        return False
    conditions = {"diagnoses": findings.diagnoses, "other_conditions": findings.other_conditions}
    listed = conditions.get(fact.target.field, [])
    return 0 <= fact.target.index < len(listed) and listed[fact.target.index].status == "active"


def _dated(field: str, items: list[_Item], dates: dict[tuple[str, int, str], dt.date]) -> tuple[_Item, ...]:
    """The items of one of the profile's lists, each with the days given to it."""
    dated = []
    for index, item in enumerate(items):
        changes = {
            _ROLE_FIELDS[role]: date
            for (where, at, role), date in dates.items()
            if where == field and at == index and _ROLE_FIELDS[role] in item.__struct_fields__
        }
        dated.append(msgspec.structs.replace(item, **changes) if changes else item)
    return tuple(dated)


def _date_facts(build: _Builder, dated: list[DatedFact], profile: PatientProfile, findings: Findings) -> None:
    """A "dates" fact for each date given to a fact: what it dates, and the day, or why none."""
    named: dict[str, list[str]] = {
        "diagnoses": [c.name for c in profile.diagnoses],
        "other_conditions": [c.name for c in profile.other_conditions],
        "prior_therapies": [t.name for t in profile.prior_therapies],
        "medications": [m.name for m in profile.medications],
        "procedures": [p.name for p in profile.procedures],
        "biomarkers": [b.marker for b in profile.biomarkers],
        "performance_status": ["performance status"],
        "labs": [f.value for f in build.facts if f.field == "labs"],
    }
    fields: dict[str, tuple[str, ...]] = {
        "diagnoses": Condition.__struct_fields__,
        "other_conditions": Condition.__struct_fields__,
        "prior_therapies": Therapy.__struct_fields__,
        "medications": Medication.__struct_fields__,
    }
    for fact in dated:
        if fact.target is None or fact.role is None:
            continue
        names = named.get(fact.target.field, [])
        name = names[fact.target.index] if 0 <= fact.target.index < len(names) else fact.target.field
        when = fact.when
        verb = _ROLE_WORDS.get(fact.role, fact.role)
        if _ROLE_FIELDS[fact.role] not in fields.get(fact.target.field, (_ROLE_FIELDS[fact.role],)):
            value = f"{name}: {verb} {when.display} (the profile has no place for it: left unset)"
        elif when.settable and when.date is not None and _goes_on(fact, findings):
            value = f"{name}: {verb} {when.date.isoformat()} (it goes on: left unset)"
        elif when.settable and when.date is not None:
            value = f"{name}: {verb} {when.date.isoformat()}"
        elif when.date is not None:
            value = f"{name}: {verb} {when.display.strip('()')} (a {when.precision} alone: left unset)"
        elif when.precision == "other event":
            value = f"{name}: {verb} {when.display} (relative to another event: left unset)"
        else:
            value = f"{name}: {verb} {when.display} (not said exactly: left unset)"
        build.fact("dates", value, when.span)
