"""The patient profile: what trialscout checks a trial's criteria against.

A profile is plain JSON (`docs/patient-profile.md` documents it; `profile_schema()` gives its
JSON Schema). Every part is optional: what the profile does not say is *unknown*, and a
criterion that needs it gets the verdict "unknown", never a guess. Findings the patient is known
not to have ("no history of stroke", "denies smoking") are kept apart in ``absent``, so an
exclusion can be answered "not met" with evidence rather than by silence.

Profiles are health data: trialscout reads them locally, never sends them anywhere and never
writes them to a log.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import msgspec


class PatientSex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class _Part(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    pass


class Location(_Part, frozen=True, kw_only=True):
    """Where the patient is: a place name ("Palo Alto, CA", a US ZIP code) or coordinates."""

    place: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class Condition(_Part, frozen=True, kw_only=True):
    """A diagnosis or another condition. ``concepts`` are normalised names (filled in by
    trialscout from ``name`` when left out); ``status`` says whether it is current."""

    name: str
    concepts: tuple[str, ...] = ()
    histology: str | None = None  # "adenocarcinoma", "small cell", ...
    stage: str | None = None  # "IV", "IIIB", "extensive stage", ...
    setting: str | None = None  # "metastatic", "recurrent", "locally advanced"
    diagnosed: dt.date | None = None
    resolved: dt.date | None = None
    status: str = "active"  # "active", "resolved", "history"
    treated: bool | None = None  # for brain metastases: treated (and stable) or not
    symptomatic: bool | None = None


class Biomarker(_Part, frozen=True, kw_only=True):
    """A tumour or blood biomarker result: "EGFR exon 19 deletion", "PD-L1 60%", "DLL3 negative"."""

    marker: str  # gene or protein: "EGFR", "ALK", "PD-L1", "DLL3", "HER2"
    alteration: str | None = None  # "mutation", "rearrangement", "fusion", "amplification", "expression"
    detail: str | None = None  # "exon 19 deletion", "T790M", "3+"
    positive: bool | None = None  # the alteration or expression is present
    percent: float | None = None  # expression, percent of cells (tumour proportion score)
    date: dt.date | None = None


class PerformanceStatus(_Part, frozen=True, kw_only=True):
    scale: str = "ECOG"  # "ECOG" (= WHO, Zubrod), "KARNOFSKY", "LANSKY"
    score: float
    date: dt.date | None = None


class LabResult(_Part, frozen=True, kw_only=True):
    """A laboratory or physiological result. ``analyte`` is one of trialscout's analyte keys
    ("anc", "platelets", "hemoglobin", "creatinine", "creatinine_clearance", "egfr",
    "bilirubin", "ast", "alt", "inr", "lvef", "oxygen_saturation", ...) or a name trialscout
    recognises ("ALT", "Hgb", "neutrophils"). ``unit`` is as reported ("/mm3", "10^9/L",
    "g/L", "µmol/L"); it is converted to the criterion's unit when compared."""

    analyte: str
    value: float
    unit: str | None = None
    upper_limit_normal: float | None = None  # the lab's ULN, for "≤ 3 x ULN" criteria
    date: dt.date | None = None


class Therapy(_Part, frozen=True, kw_only=True):
    """A prior (or ongoing) anticancer or other treatment: a drug, a regimen or a modality."""

    name: str  # "osimertinib", "carboplatin + pemetrexed", "radiotherapy"
    drug_class: str | None = None  # "EGFR TKI", "platinum-based chemotherapy", "anti-PD-1"
    line: int | None = None  # line of therapy (1 = first line)
    setting: str | None = None  # "metastatic", "adjuvant", "neoadjuvant"
    start: dt.date | None = None
    end: dt.date | None = None
    progression: bool | None = None  # the disease progressed on or after it


class Medication(_Part, frozen=True, kw_only=True):
    """A current medication."""

    name: str
    dose: float | None = None
    dose_unit: str | None = None  # "mg/day"
    since: dt.date | None = None


class Procedure(_Part, frozen=True, kw_only=True):
    """A procedure the patient had: surgery, radiotherapy, a transplant."""

    name: str
    date: dt.date | None = None


class Finding(_Part, frozen=True, kw_only=True):
    """Something the patient is known *not* to have or have had ("no history of stroke")."""

    name: str
    concepts: tuple[str, ...] = ()


class CandidateDiagnosis(_Part, frozen=True, kw_only=True):
    """A diagnosis the note's findings suggest but the note does not name ("Turner syndrome" for a
    webbed neck, short stature and amenorrhoea): a lead for finding trials, never a diagnosis."""

    name: str
    concepts: tuple[str, ...] = ()  # its vocabulary ids ("ORPHA:881", "OMIM:...")
    score: float  # 0-1, how well the findings fit it against the other candidates
    supporting: tuple[str, ...] = ()  # the note's findings it explains
    against: tuple[str, ...] = ()  # findings it usually has that the note denies


class PatientProfile(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """One patient. Give ``birth_date`` or ``age`` (years). ``as_of`` is the date the profile
    describes (default: today); ages and time windows are computed at that date."""

    id: str | None = None
    birth_date: dt.date | None = None
    age: float | None = None
    sex: PatientSex | None = None
    location: Location | None = None
    as_of: dt.date | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    childbearing_potential: bool | None = None
    uses_contraception: bool | None = None
    diagnoses: tuple[Condition, ...] = ()  # the disease(s) a trial is sought for
    other_conditions: tuple[Condition, ...] = ()  # comorbidities and history
    absent: tuple[Finding, ...] = ()  # negated findings
    # suggested by the findings when the note names no diagnosis that explains them
    candidate_diagnoses: tuple[CandidateDiagnosis, ...] = ()
    biomarkers: tuple[Biomarker, ...] = ()
    performance_status: PerformanceStatus | None = None
    labs: tuple[LabResult, ...] = ()
    prior_therapies: tuple[Therapy, ...] = ()
    medications: tuple[Medication, ...] = ()
    procedures: tuple[Procedure, ...] = ()
    notes: str | None = None  # free text (a clinical note); also used to rank trials

    def reference_date(self) -> dt.date:
        return self.as_of or dt.date.today()

    def age_years(self) -> float | None:
        """The patient's age in years at `reference_date`, from the birth date when known."""
        if self.birth_date is not None:
            on = self.reference_date()
            years = (
                on.year
                - self.birth_date.year
                - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))
            )
            return float(years)
        return self.age

    def conditions(self) -> tuple[Condition, ...]:
        return self.diagnoses + self.other_conditions

    def only_notes(self) -> bool:
        """Whether the profile says nothing but its free-text notes (it is then read as a note)."""
        return bool(self.notes) and self == PatientProfile(id=self.id, as_of=self.as_of, notes=self.notes)


_decoder = msgspec.json.Decoder(PatientProfile)


def decode_profile(data: bytes | str) -> PatientProfile:
    """A profile from its JSON; a `msgspec.ValidationError` names the field that is wrong."""
    return _decoder.decode(data)


def encode_profile(profile: PatientProfile) -> bytes:
    return msgspec.json.encode(profile)


def profile_schema() -> dict[str, Any]:
    """The JSON Schema of a profile (the one `docs/patient-profile.schema.json` holds)."""
    return msgspec.json.schema(PatientProfile)
