"""A FHIR R4 record -> `PatientProfile`: the patient's own chart, exported as a FHIR Bundle.

`profile_from_fhir` reads a Bundle (collection, searchset, transaction, document, ...) or a single
Patient resource. Each resource it uses is validated on its own with the R4B models of
`fhir.resources` (R4B reads R4 resources), so one bad resource is reported in ``skipped`` and the
rest still load; only a document that is not JSON, or not a FHIR Bundle or Patient, raises
`ProfileError`.

What becomes what:

- Patient: birth date, sex (female/male; other and unknown stay unknown), the home address as a
  place ("Boston, MA 02115, US") and its geolocation extension as coordinates.
- Condition: a refuted one is a finding the patient does *not* have (``absent``). The diagnoses
  are the conditions marked primary (an mCODE primary cancer condition, a category or extension
  that says "primary"), else the current cancers (named by words: there is no SNOMED hierarchy
  offline), else the first active condition; the rest are ``other_conditions``. Metastases and
  resolved cancers are other conditions; an active metastasis makes the diagnosis "metastatic".
- Observation: ECOG (LOINC 89247-1, 89262-0) and Karnofsky (89243-0) scores, pregnancy status
  (82810-3), TNM stage groups (21908-9, 21902-2), labs by LOINC code (or by name when the code is
  not one trialscout knows; a result trialscout has no key for keeps its own name), tumour
  biomarkers (mCODE genomic variants, or a test named for a gene or protein: EGFR, ALK, PD-L1,
  ...). The latest result of each kind is kept (a dated one over an undated one).
- MedicationStatement / MedicationRequest: active ones are ``medications`` (dose per day when
  the dose and its timing say it), completed or stopped ones ``prior_therapies``; a status
  reason of progression marks the therapy ``progression``.
- Procedure: ``procedures``; radiotherapy and chemotherapy are also prior therapies.

Everything else (Encounter, Practitioner, Claim, ...) is ignored. Values are never put into a
message: a skipped line names the resource type, its id and the reason.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

import msgspec
import orjson
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.address import Address
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.condition import Condition as FhirCondition
from fhir.resources.R4B.dosage import Dosage
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.medication import Medication as FhirMedication
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation, ObservationComponent, ObservationReferenceRange
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.procedure import Procedure as FhirProcedure
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from trialscout.errors import ProfileError
from trialscout.model.labs import analyte_coded
from trialscout.model.patient import (
    Biomarker,
    Condition,
    Finding,
    LabResult,
    Location,
    Medication,
    PatientProfile,
    PatientSex,
    PerformanceStatus,
    Procedure,
    Therapy,
)
from trialscout.patients.fhir_codes import (
    ACTIVE_CONDITION,
    ACTIVE_MEDICATION,
    ALTERATIONS,
    BENIGN,
    BUNDLE_TYPES,
    CANCER,
    DAYS_PER_UNIT,
    ECOG,
    ECOG_ANSWERS,
    GENE_STUDIED,
    GENOMIC,
    HISTOLOGIES,
    KARNOFSKY,
    KARNOFSKY_ANSWERS,
    LOINC,
    METASTASIS,
    NEGATIVE,
    NEGATIVE_WORDS,
    NOT_PREGNANT,
    PAST_MEDICATION,
    PERFORMANCE_WORDS,
    POSITIVE,
    POSITIVE_WORDS,
    PREGNANCY,
    PREGNANT,
    PROGRESSION,
    RESOLVED_CONDITION,
    STAGE_GROUP,
    THERAPY_PROCEDURE,
    TIMES_A_DAY,
    TIMING_CODES,
    UNUSED_STATUS,
    VARIANT_DETAIL,
    VARIANT_KIND,
    analyte_named,
    clean_name,
    has_value,
    marker_named,
    stage_text,
)


class FhirImport(msgspec.Struct, frozen=True, kw_only=True):
    """The profile read from a FHIR record, and one line for each part that could not be used."""

    profile: PatientProfile
    skipped: tuple[str, ...] = ()


def profile_from_fhir(data: bytes | str | Mapping[str, Any], *, as_of: dt.date | None = None) -> FhirImport:
    """The profile in a FHIR R4 Bundle (or a single Patient resource).

    ``as_of`` becomes the profile's ``as_of``, the date its ages and time windows are computed
    at (default: the day it is checked); no result is left out for being later. Raises
    `ProfileError` when `data` is not JSON, or not a FHIR Bundle or Patient; anything inside it
    that cannot be used is left out and named in ``skipped``.
    """
    document = _json_object(data)
    kind = document.get("resourceType")
    skipped: list[str] = []
    if kind == "Patient":
        entries = [_Entry(0, None, document)]
    elif kind == "Bundle":
        entries, skipped = _bundle_entries(document)
    elif isinstance(kind, str) and _is_resource_type(kind):
        raise ProfileError(f"a FHIR {kind} resource is not a patient record: give a Bundle or a Patient")
    else:
        raise ProfileError(
            'not a FHIR record: expected a JSON object with "resourceType": "Bundle" or "Patient"'
        )
    reader = _Reader(skipped)
    reader.read(entries)
    return reader.result(as_of, bundle=kind == "Bundle")


# --- the document and its entries -------------------------------------------------------------

_FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")


class _Entry(msgspec.Struct, frozen=True):
    index: int  # 1-based position in Bundle.entry; 0 for a resource given on its own
    full_url: str | None
    resource: Mapping[str, Any]


def _json_object(data: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(data, Mapping):
        return dict(data)
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise ProfileError(f"not valid JSON (line {error.lineno}, column {error.colno})") from None
    if not isinstance(document, dict):
        raise ProfileError("not a FHIR record: the JSON is not an object")
    return document


def _is_resource_type(name: str) -> bool:
    try:
        return issubclass(get_fhir_model_class(name), Resource)
    except (ValueError, ImportError):
        return False


def _bundle_entries(document: Mapping[str, Any]) -> tuple[list[_Entry], list[str]]:
    """The entries that carry a resource; the Bundle itself (less its entries) is validated."""
    try:
        bundle = Bundle.model_validate({key: value for key, value in document.items() if key != "entry"})
    except (ValidationError, ValueError, TypeError) as error:
        raise ProfileError(f"not a valid FHIR R4 Bundle ({_problems(error)})") from None
    if bundle.type not in BUNDLE_TYPES:
        raise ProfileError(
            "not a valid FHIR R4 Bundle (Bundle.type is not a Bundle type, such as collection)"
        )
    raw = document.get("entry")
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        raise ProfileError("not a valid FHIR R4 Bundle (Bundle.entry is not a list)")
    entries: list[_Entry] = []
    skipped: list[str] = []
    for index, item in enumerate(raw, 1):
        if not isinstance(item, Mapping):
            skipped.append(f"Bundle entry {index}: not an object")
            continue
        resource = item.get("resource")
        if resource is None:
            continue  # a transaction's delete, a response: no resource
        if not isinstance(resource, Mapping):
            skipped.append(f"Bundle entry {index}: its resource is not an object")
            continue
        full_url = item.get("fullUrl")
        entries.append(_Entry(index, full_url if isinstance(full_url, str) else None, resource))
    return entries, skipped


def _problems(error: Exception) -> str:
    """Where validation failed, by element path; never the value that failed."""
    if not isinstance(error, ValidationError):
        return "unreadable"
    items = error.errors()
    parts = []
    for item in items[:3]:
        where = ".".join(str(step) for step in item["loc"])[:80] or "the resource"
        kind = str(item["type"])
        if "missing" in kind:
            parts.append(f"{where} missing")
        elif kind == "extra_forbidden":
            parts.append(f"{where} is not an R4 element")
        else:
            parts.append(f"{where} invalid")
    if len(items) > 3:
        parts.append(f"{len(items) - 3} more")
    return "; ".join(parts)


def _label(kind: str, raw_id: object, index: int) -> str:
    if isinstance(raw_id, str) and _FHIR_ID.fullmatch(raw_id):
        return f"{kind} {raw_id}"
    return f"{kind} (entry {index})" if index else kind


_MODELS: Final[dict[str, type[Resource]]] = {
    "Patient": Patient,
    "Condition": FhirCondition,
    "Observation": Observation,
    "MedicationStatement": MedicationStatement,
    "MedicationRequest": MedicationRequest,
    "Medication": FhirMedication,
    "Procedure": FhirProcedure,
}


# --- small readers of FHIR data types --------------------------------------------------------


def _concept_name(concept: CodeableConcept | None) -> str | None:
    """The text a person reads: the concept's text, else a coding's display (SNOMED CT first)."""
    if concept is None:
        return None
    if concept.text and concept.text.strip():
        return clean_name(concept.text)
    codings = [coding for coding in concept.coding or () if coding.display and coding.display.strip()]
    codings.sort(key=lambda coding: 0 if coding.system == "http://snomed.info/sct" else 1)
    return clean_name(codings[0].display) if codings else None


def _codes(concept: CodeableConcept | None) -> set[str]:
    return {coding.code for coding in (concept.coding or ()) if coding.code} if concept else set()


def _loinc_codes(concept: CodeableConcept | None) -> set[str]:
    if concept is None:
        return set()
    return {
        coding.code
        for coding in concept.coding or ()
        if coding.code
        and (coding.system == LOINC or (coding.system is None and re.fullmatch(r"\d+-\d", coding.code)))
    }


def _words(concept: CodeableConcept | None) -> str:
    """The concept's text and displays, for matching names."""
    if concept is None:
        return ""
    texts = [concept.text or ""] + [coding.display or "" for coding in concept.coding or ()]
    return " | ".join(text for text in texts if text)


def _first_code(concept: CodeableConcept | None) -> str | None:
    return next((coding.code for coding in (concept.coding or ()) if coding.code), None) if concept else None


def _day(value: object) -> dt.date | None:
    """A FHIR date or dateTime as a date; a partial date ("2023", "2023-04") is its first day."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        match = re.match(r"(\d{4})(?:-(\d{2}))?", value)
        if match:
            try:
                return dt.date(int(match[1]), int(match[2] or 1), 1)
            except ValueError:
                return None
    return None


def _period(period: Period | None) -> tuple[dt.date | None, dt.date | None]:
    return (_day(period.start), _day(period.end)) if period is not None else (None, None)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _unit(quantity: Quantity) -> str | None:
    unit = quantity.unit or quantity.code
    return unit.strip() or None if unit else None


def _keys(reference: str) -> tuple[str, ...]:
    """The keys a reference may be filed under: as written, and as "Type/id"."""
    reference = re.sub(r"/_history/[^/]*$", "", reference)
    parts = reference.rstrip("/").split("/")
    return (reference, "/".join(parts[-2:])) if len(parts) > 2 else (reference,)


def _newer(new: dt.date | None, old: dt.date | None) -> bool:
    """Whether a result dated `new` replaces one dated `old`: the latest wins, a dated one wins
    over an undated one, and among undated ones the last seen."""
    if new is None:
        return old is None
    return old is None or new >= old


# --- conditions ------------------------------------------------------------------------------


class _ConditionRead(msgspec.Struct):
    condition: Condition
    keys: frozenset[str]
    primary: bool
    cancer: bool
    metastasis: bool
    current: bool  # active, recurrent or in remission: the patient's disease now
    staged: bool  # the Condition itself gave the stage


def _marked_primary(condition: FhirCondition) -> bool:
    for category in condition.category or ():
        if "primary" in _words(category).lower() or any(
            "primary" in code.lower() for code in _codes(category)
        ):
            return True
    if condition.meta is not None and any(
        "primary-cancer" in (profile or "") for profile in condition.meta.profile or ()
    ):
        return True
    return any("primary" in (ext.url or "").lower() and ext.valueBoolean for ext in condition.extension or ())


def _histology(condition: FhirCondition, name: str) -> str | None:
    for ext in condition.extension or ():
        if "histology" in (ext.url or "").lower():
            found = _concept_name(ext.valueCodeableConcept)
            if found:
                return found
    return next((histology for histology, pattern in HISTOLOGIES if pattern.search(name)), None)


# --- observations ----------------------------------------------------------------------------


def _observation_date(observation: Observation) -> dt.date | None:
    start, end = _period(observation.effectivePeriod)
    return (
        _day(observation.effectiveDateTime)
        or end
        or start
        or _day(observation.effectiveInstant)
        or _day(observation.issued)
    )


def _upper_limit(ranges: Sequence[ObservationReferenceRange] | None) -> float | None:
    return next(
        (_number(r.high.value) for r in ranges or () if r.high is not None and r.high.value is not None), None
    )


def _component(observation: Observation, code: str) -> ObservationComponent | None:
    return next((part for part in observation.component or () if code in _loinc_codes(part.code)), None)


def _component_text(part: ObservationComponent | None) -> str | None:
    if part is None:
        return None
    if part.valueCodeableConcept is not None:
        return _concept_name(part.valueCodeableConcept) or _first_code(part.valueCodeableConcept)
    return part.valueString.strip() or None if part.valueString else None


def _polarity(
    concept: CodeableConcept | None, text: str | None, interpretations: Iterable[CodeableConcept]
) -> bool | None:
    codes = _codes(concept)
    if codes & NEGATIVE:
        return False
    if codes & POSITIVE:
        return True
    words = " ".join((_words(concept), text or ""))
    if NEGATIVE_WORDS.search(words):
        return False
    if POSITIVE_WORDS.search(words):
        return True
    for interpretation in interpretations:
        found = _polarity(interpretation, None, ())
        if found is not None:
            return found
    return None


# --- medications and procedures --------------------------------------------------------------


def _times_per_day(dosage: Dosage) -> float | None:
    if dosage.asNeededBoolean or dosage.asNeededCodeableConcept is not None:
        return None
    timing = dosage.timing
    if timing is not None and timing.repeat is not None:
        repeat = timing.repeat
        days = DAYS_PER_UNIT.get(repeat.periodUnit or "")
        period = _number(repeat.period)
        frequency = _number(repeat.frequency) if repeat.frequency is not None else 1.0
        if days is not None and period and period > 0 and frequency and frequency > 0:
            return frequency / (period * days)
    if timing is not None and timing.code is not None:
        for code in _codes(timing.code):
            if code.upper() in TIMING_CODES:
                return TIMING_CODES[code.upper()]
    text = " ".join((dosage.text or "", _words(timing.code) if timing is not None else ""))
    return next((times for pattern, times in TIMES_A_DAY if pattern.search(text)), None)


def _daily_dose(dosages: Sequence[Dosage] | None) -> tuple[float | None, str | None]:
    """The dose per day ("mg/day") when the dose and its timing say it, else one dose as given."""
    for dosage in dosages or ():
        quantity = next(
            (d.doseQuantity for d in dosage.doseAndRate or () if d.doseQuantity is not None), None
        )
        amount = _number(quantity.value) if quantity is not None else None
        unit = _unit(quantity) if quantity is not None else None
        if amount is None or unit is None:
            continue
        times = _times_per_day(dosage)
        if times is not None:
            return round(amount * times, 6), f"{unit}/day"
        return amount, unit
    return None, None


def _progression(reasons: Iterable[CodeableConcept], extensions: Iterable[Extension]) -> bool | None:
    concepts = list(reasons) + [
        ext.valueCodeableConcept
        for ext in extensions
        if ext.valueCodeableConcept is not None and "reason" in (ext.url or "").lower()
    ]
    for concept in concepts:
        if "266721009" in _codes(concept) or PROGRESSION.search(_words(concept)):
            return True
    return None


# --- the reader ------------------------------------------------------------------------------


class _Stage(msgspec.Struct, frozen=True):
    stage: str
    date: dt.date | None
    focus: frozenset[str]


class _Reader:
    """Reads validated resources into the parts of a profile, keeping the skipped lines."""

    def __init__(self, skipped: list[str]) -> None:
        self.skipped = skipped
        self.patient: Patient | None = None
        self.patient_keys: set[str] = set()
        self.other_patient_keys: set[str] = set()
        self.medication_index: dict[str, FhirMedication] = {}
        self.conditions: list[_ConditionRead] = []
        self.absent: dict[str, Finding] = {}
        self.labs: dict[str, LabResult] = {}
        self.biomarkers: dict[tuple[str, str | None], Biomarker] = {}
        self.performance: PerformanceStatus | None = None
        self.pregnant: tuple[bool, dt.date | None] | None = None
        self.stages: list[_Stage] = []
        self.medications: dict[str, Medication] = {}
        self.therapies: dict[tuple[str, dt.date | None, dt.date | None], Therapy] = {}
        self.procedures: dict[tuple[str, dt.date | None], Procedure] = {}

    def skip(self, label: str, reason: str) -> None:
        self.skipped.append(f"{label}: {reason}")

    def read(self, entries: Iterable[_Entry]) -> None:
        resources: list[tuple[str, Resource]] = []
        for entry in entries:
            kind = entry.resource.get("resourceType")
            if not isinstance(kind, str):
                self.skip(f"Bundle entry {entry.index}", "no resourceType")
                continue
            model = _MODELS.get(kind)
            if model is None:
                continue  # a resource a profile has no place for (Encounter, Claim, ...)
            label = _label(kind, entry.resource.get("id"), entry.index)
            try:
                resource = model.model_validate(entry.resource)
            except (ValidationError, ValueError, TypeError) as error:
                self.skip(label, f"not valid FHIR R4 ({_problems(error)})")
                continue
            keys = {f"{kind}/{resource.id}"} if resource.id else set()
            if entry.full_url:
                keys.update(_keys(entry.full_url))
            if isinstance(resource, Patient):
                self._index_patient(resource, keys, label)
            elif isinstance(resource, FhirMedication):
                self.medication_index.update(dict.fromkeys(keys, resource))
            else:
                resources.append((label, resource))
        for label, resource in resources:
            subject = getattr(resource, "subject", None)
            if isinstance(subject, Reference) and self._another_patient(subject):
                self.skip(label, "about another patient")
            elif isinstance(resource, FhirCondition):
                self._condition(resource, label)
            elif isinstance(resource, Observation):
                self._observation(resource, label)
            elif isinstance(resource, MedicationStatement | MedicationRequest):
                self._medication(resource, label)
            elif isinstance(resource, FhirProcedure):
                self._procedure(resource, label)

    def _index_patient(self, patient: Patient, keys: set[str], label: str) -> None:
        if self.patient is None:
            self.patient, self.patient_keys = patient, keys
        elif not keys & self.patient_keys:
            self.other_patient_keys.update(keys)
            self.skip(label, "a second patient; only the first is read")

    def _another_patient(self, subject: Reference) -> bool:
        keys = _keys(subject.reference) if subject.reference else ()
        return any(key in self.other_patient_keys for key in keys) and not any(
            key in self.patient_keys for key in keys
        )

    # conditions

    def _condition(self, resource: FhirCondition, label: str) -> None:
        verification = _first_code(resource.verificationStatus)
        if verification == "entered-in-error":
            self.skip(label, "entered in error")
            return
        name = _concept_name(resource.code)
        if name is None:
            self.skip(label, "no name, only codes" if _codes(resource.code) else "no code")
            return
        if verification == "refuted":
            self.absent.setdefault(name.lower(), Finding(name=name))
            return
        clinical = _first_code(resource.clinicalStatus)
        onset_start, _ = _period(resource.onsetPeriod)
        abatement_start, abatement_end = _period(resource.abatementPeriod)
        resolved = _day(resource.abatementDateTime) or abatement_end or abatement_start
        if clinical in RESOLVED_CONDITION or (clinical not in ACTIVE_CONDITION and resolved is not None):
            status = "resolved"
        else:
            status = "active"
        stage = next((stage_text(_concept_name(s.summary)) for s in resource.stage or () if s.summary), None)
        condition = Condition(
            name=name,
            histology=_histology(resource, name),
            stage=stage,
            setting="recurrent" if clinical in {"recurrence", "relapse"} else None,
            diagnosed=_day(resource.onsetDateTime) or onset_start,
            resolved=resolved if status == "resolved" else None,
            status=status,
        )
        keys = {f"Condition/{resource.id}"} if resource.id else set()
        cancer = bool(CANCER.search(name)) and not BENIGN.search(name)
        self.conditions.append(
            _ConditionRead(
                condition=condition,
                keys=frozenset(keys),
                primary=_marked_primary(resource),
                cancer=cancer,
                metastasis=bool(METASTASIS.search(name)),
                current=clinical in ACTIVE_CONDITION | {"remission"}
                or (clinical is None and resolved is None),
                staged=stage is not None,
            )
        )

    def _split_conditions(self) -> tuple[tuple[Condition, ...], tuple[Condition, ...]]:
        reads = self.conditions
        for stage in sorted(self.stages, key=lambda s: s.date or dt.date.min):
            target = next((r for r in reads if r.keys & stage.focus), None) or next(
                (r for r in reads if r.cancer and r.current and not r.metastasis), None
            )
            if target is not None and not target.staged:
                target.condition = msgspec.structs.replace(target.condition, stage=stage.stage)
        chosen = [r for r in reads if r.primary]
        if not chosen:
            chosen = [r for r in reads if r.cancer and r.current and not r.metastasis]
        if not chosen:
            chosen = [r for r in reads if r.condition.status == "active"][:1]
        metastatic = any(r.metastasis and r.current for r in reads)
        diagnoses: list[Condition] = []
        for read in chosen:
            condition = read.condition
            if metastatic and condition.setting is None:
                condition = msgspec.structs.replace(condition, setting="metastatic")
            if condition not in diagnoses:
                diagnoses.append(condition)
        others: list[Condition] = []
        for read in reads:
            if read not in chosen and read.condition not in others:
                others.append(read.condition)
        return tuple(diagnoses), tuple(others)

    # observations

    def _observation(self, observation: Observation, label: str) -> None:
        if observation.status in {"cancelled", "entered-in-error"}:
            self.skip(label, "cancelled" if observation.status == "cancelled" else "entered in error")
            return
        codes, loinc = _codes(observation.code), _loinc_codes(observation.code)
        words = _words(observation.code)
        date = _observation_date(observation)
        if codes & (ECOG | KARNOFSKY) or PERFORMANCE_WORDS.search(words):
            self._performance(observation, label, codes, words, date)
        elif loinc & PREGNANCY or re.search(r"pregnancy\s+status", words, re.I):
            self._pregnancy(observation, label, date)
        elif loinc & STAGE_GROUP:
            stage = stage_text(_concept_name(observation.valueCodeableConcept) or observation.valueString)
            if stage is None:
                self.skip(label, "no value")
            else:
                focus = {
                    key for ref in observation.focus or () if ref.reference for key in _keys(ref.reference)
                }
                self.stages.append(_Stage(stage, date, frozenset(focus)))
        elif analyte := analyte_coded(loinc):
            self._lab(observation, analyte, label, date)
        elif not self._biomarker(observation, label, loinc, date):
            categories = {code for concept in observation.category or () for code in _codes(concept)}
            if not categories or categories & {"laboratory", "vital-signs"}:
                self._lab(observation, None, label, date)

    def _performance(
        self, observation: Observation, label: str, codes: set[str], words: str, date: dt.date | None
    ) -> None:
        karnofsky = bool(codes & KARNOFSKY) or "karnofsky" in words.lower()
        scale = "KARNOFSKY" if karnofsky else "LANSKY" if "lansky" in words.lower() else "ECOG"
        answers = ECOG_ANSWERS if scale == "ECOG" else KARNOFSKY_ANSWERS
        score: float | None = _number(observation.valueInteger)
        if score is None and observation.valueQuantity is not None:
            score = _number(observation.valueQuantity.value)
        for concept in [observation.valueCodeableConcept, *(observation.interpretation or ())]:
            if score is None:
                score = next((answers[code] for code in _codes(concept) if code in answers), None)
        if score is None:
            text = " ".join(
                (_concept_name(observation.valueCodeableConcept) or "", observation.valueString or "")
            )
            number = re.search(r"(?<![\d.])(\d{1,3})(?![\d.])", text)
            score = float(number[1]) if number else None
        if score is None:
            self.skip(
                label,
                "no value" if not has_value(observation) else "a performance score that cannot be read",
            )
            return
        if not 0 <= score <= (5 if scale == "ECOG" else 100):
            self.skip(label, f"score out of range for {scale}")
            return
        if self.performance is None or _newer(date, self.performance.date):
            self.performance = PerformanceStatus(scale=scale, score=float(score), date=date)

    def _pregnancy(self, observation: Observation, label: str, date: dt.date | None) -> None:
        value = observation.valueBoolean
        codes = _codes(observation.valueCodeableConcept)
        words = " ".join((_words(observation.valueCodeableConcept), observation.valueString or "")).lower()
        if value is None:
            if codes & NOT_PREGNANT or re.search(r"\bnot\s+pregnant\b", words):
                value = False
            elif codes & PREGNANT or re.search(r"\bpregnant\b", words):
                value = True
        if value is None:
            self.skip(label, "no value" if not has_value(observation) else "pregnancy status unknown")
        elif self.pregnant is None or _newer(date, self.pregnant[1]):
            self.pregnant = (value, date)

    def _lab(self, observation: Observation, analyte: str | None, label: str, date: dt.date | None) -> None:
        uln = _upper_limit(observation.referenceRange)
        quantity = observation.valueQuantity
        if quantity is not None:
            self._add_lab(observation.code, quantity.value, _unit(quantity), analyte, uln, date, label)
        elif observation.valueInteger is not None:
            self._add_lab(observation.code, observation.valueInteger, None, analyte, uln, date, label)
        elif has_value(observation):
            self.skip(label, "a result that is not a number")
        elif parts := [part for part in observation.component or () if part.valueQuantity is not None]:
            for part in parts:
                key = analyte_coded(_loinc_codes(part.code))
                if (quantity := part.valueQuantity) is not None:
                    uln = _upper_limit(part.referenceRange)
                    self._add_lab(part.code, quantity.value, _unit(quantity), key, uln, date, label)
        elif not observation.hasMember:  # a panel's results are its members
            self.skip(label, "no value")

    def _add_lab(
        self,
        code: CodeableConcept,
        given: object,
        unit: str | None,
        analyte: str | None,
        uln: float | None,
        date: dt.date | None,
        label: str,
    ) -> None:
        value = _number(given)
        if value is None:
            self.skip(label, "no value")
            return
        if analyte is None:
            name = _concept_name(code)
            if name is None:
                self.skip(label, "a result with no name, only codes")
                return
            analyte = analyte_named(name, unit) or name
        self._keep_lab(LabResult(analyte=analyte, value=value, unit=unit, upper_limit_normal=uln, date=date))

    def _keep_lab(self, result: LabResult) -> None:
        kept = self.labs.get(result.analyte)
        if kept is None or _newer(result.date, kept.date):
            self.labs[result.analyte] = result

    def _biomarker(self, observation: Observation, label: str, codes: set[str], date: dt.date | None) -> bool:
        """Reads a tumour biomarker result; False when the observation is not one."""
        gene = _component_text(_component(observation, GENE_STUDIED))
        marker = (marker_named(gene) or gene) if gene else marker_named(_words(observation.code))
        if marker is None:
            if codes & GENOMIC:
                self.skip(label, "a genetic result that names no gene")
                return True
            return False
        quantity = observation.valueQuantity
        if quantity is not None and _unit(quantity) and "ml/min" in (_unit(quantity) or "").lower():
            return False  # "EGFR" written for the eGFR lab
        detail = next(
            (text for code in VARIANT_DETAIL if (text := _component_text(_component(observation, code)))),
            None,
        )
        if (
            detail is None
            and observation.valueString
            and not (
                NEGATIVE_WORDS.fullmatch(observation.valueString.strip())
                or POSITIVE_WORDS.fullmatch(observation.valueString.strip())
            )
        ):
            detail = observation.valueString.strip()
        percent: float | None = None
        if quantity is not None and (value := _number(quantity.value)) is not None:
            if _unit(quantity) == "%":
                percent = value
            elif detail is None:
                detail = f"{value:g} {_unit(quantity) or ''}".strip()
        positive = _polarity(
            observation.valueCodeableConcept, observation.valueString, observation.interpretation or ()
        )
        if observation.valueBoolean is not None:
            positive = observation.valueBoolean
        if positive is None and percent is None and detail is None:
            self.skip(
                label, "no value" if not has_value(observation) else "a biomarker result that cannot be read"
            )
            return True
        kind_text = _component_text(_component(observation, VARIANT_KIND)) or ""
        text = " ".join((_words(observation.code), detail or "", kind_text))
        alteration = next((name for name, pattern in ALTERATIONS if pattern.search(text)), None)
        if alteration is None:
            alteration = "mutation" if codes & GENOMIC else "expression" if percent is not None else None
        result = Biomarker(
            marker=marker, alteration=alteration, detail=detail, positive=positive, percent=percent, date=date
        )
        key = (marker, detail)
        kept = self.biomarkers.get(key)
        if kept is None or _newer(date, kept.date):
            self.biomarkers[key] = result
        return True

    # medications and procedures

    def _drug_name(self, resource: MedicationStatement | MedicationRequest) -> str | None:
        if resource.medicationCodeableConcept is not None:
            return _concept_name(resource.medicationCodeableConcept)
        reference = resource.medicationReference.reference if resource.medicationReference else None
        if not reference:
            return None
        medication: FhirMedication | None = None
        if reference.startswith("#"):
            medication = next(
                (
                    c
                    for c in resource.contained or ()
                    if isinstance(c, FhirMedication) and c.id == reference[1:]
                ),
                None,
            )
        else:
            medication = next(
                (self.medication_index[k] for k in _keys(reference) if k in self.medication_index), None
            )
        return _concept_name(medication.code) if medication is not None else None

    def _medication(self, resource: MedicationStatement | MedicationRequest, label: str) -> None:
        status = resource.status or "unknown"
        if isinstance(resource, MedicationRequest) and resource.intent in {"proposal", "plan"}:
            self.skip(label, "a proposal or plan, not an order")
            return
        if status not in ACTIVE_MEDICATION | PAST_MEDICATION:
            self.skip(label, UNUSED_STATUS.get(status, "status draft or unknown"))
            return
        name = self._drug_name(resource)
        if name is None:
            named = resource.medicationReference is not None
            self.skip(label, "its Medication is not in the bundle" if named else "no medication named")
            return
        if isinstance(resource, MedicationStatement):
            start, end = _period(resource.effectivePeriod)
            start = start or _day(resource.effectiveDateTime)
            dose, unit = _daily_dose(resource.dosage)
            reasons = list(resource.statusReason or ())
        else:
            timing = next((d.timing for d in resource.dosageInstruction or () if d.timing is not None), None)
            bounds = timing.repeat.boundsPeriod if timing is not None and timing.repeat is not None else None
            start, end = _period(bounds)
            start = start or _day(resource.authoredOn)
            dose, unit = _daily_dose(resource.dosageInstruction)
            reasons = [resource.statusReason] if resource.statusReason is not None else []
        if status in ACTIVE_MEDICATION:
            medication = Medication(name=name, dose=dose, dose_unit=unit, since=start)
            kept = self.medications.get(name.lower())
            if kept is None or _newer(start, kept.since):
                self.medications[name.lower()] = medication
            return
        therapy = Therapy(
            name=name, start=start, end=end, progression=_progression(reasons, resource.extension or ())
        )
        self.therapies.setdefault((name.lower(), start, end), therapy)

    def _procedure(self, resource: FhirProcedure, label: str) -> None:
        if resource.status in UNUSED_STATUS:
            self.skip(label, UNUSED_STATUS[resource.status or ""])
            return
        name = _concept_name(resource.code)
        if name is None:
            self.skip(label, "no name, only codes" if _codes(resource.code) else "no code")
            return
        start, end = _period(resource.performedPeriod)
        date = _day(resource.performedDateTime) or start
        self.procedures.setdefault((name.lower(), date), Procedure(name=name, date=date))
        if THERAPY_PROCEDURE.search(name):
            self.therapies.setdefault((name.lower(), date, end), Therapy(name=name, start=date, end=end))

    # the profile

    def result(self, as_of: dt.date | None, *, bundle: bool) -> FhirImport:
        patient = self.patient
        if patient is None and bundle:
            self.skipped.append("Bundle: no Patient resource, so age, sex and place are unknown")
        diagnoses, others = self._split_conditions()
        profile = PatientProfile(
            id=patient.id if patient is not None else None,
            birth_date=_day(patient.birthDate) if patient is not None else None,
            sex={"female": PatientSex.FEMALE, "male": PatientSex.MALE}.get(patient.gender or "")
            if patient
            else None,
            location=_location(patient.address) if patient is not None else None,
            as_of=as_of,
            pregnant=self.pregnant[0] if self.pregnant is not None else None,
            diagnoses=diagnoses,
            other_conditions=others,
            absent=tuple(self.absent.values()),
            biomarkers=tuple(self.biomarkers.values()),
            performance_status=self.performance,
            labs=tuple(self.labs.values()),
            prior_therapies=tuple(self.therapies.values()),
            medications=tuple(self.medications.values()),
            procedures=tuple(self.procedures.values()),
        )
        return FhirImport(profile=profile, skipped=tuple(self.skipped))


def _location(addresses: Sequence[Address] | None) -> Location | None:
    """The home address (else the first current one) as a place, with its geolocation if given."""
    current = [address for address in addresses or () if address.use != "old"]
    current.sort(key=lambda address: 0 if address.use == "home" else 1)
    if not current:
        return None
    address = current[0]
    region = " ".join(part.strip() for part in (address.state, address.postalCode) if part and part.strip())
    parts = [part.strip() for part in (address.city, region, address.country) if part and part.strip()]
    place = ", ".join(parts) or (" ".join(address.text.split()) if address.text else None)
    latitude = longitude = None
    for ext in address.extension or ():
        if ext.url == "http://hl7.org/fhir/StructureDefinition/geolocation":
            for part in ext.extension or ():
                if part.url == "latitude":
                    latitude = _number(part.valueDecimal)
                elif part.url == "longitude":
                    longitude = _number(part.valueDecimal)
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        latitude = longitude = None
    if place is None and latitude is None:
        return None
    return Location(place=place, latitude=latitude, longitude=longitude)
