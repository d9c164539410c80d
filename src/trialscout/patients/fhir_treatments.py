"""FHIR MedicationStatement, MedicationRequest and Procedure resources -> a profile's treatments.

Active medications are ``medications`` (dose per day when the dose and its timing say it),
completed or stopped ones ``prior_therapies``; a status reason of progression marks the therapy
``progression``. A medication named by reference is looked up among the contained resources and
the bundle's Medication resources (`index_medication`). Procedures are ``procedures``;
radiotherapy and chemotherapy are also prior therapies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.dosage import Dosage
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.medication import Medication as FhirMedication
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.procedure import Procedure as FhirProcedure

from trialscout.model.patient import Medication, Procedure, Therapy
from trialscout.patients.fhir_codes import (
    ACTIVE_MEDICATION,
    DAYS_PER_UNIT,
    PAST_MEDICATION,
    PROGRESSION,
    THERAPY_PROCEDURE,
    TIMES_A_DAY,
    TIMING_CODES,
    UNUSED_STATUS,
)
from trialscout.patients.fhir_values import (
    Skip,
    as_date,
    as_number,
    concept_codes,
    concept_name,
    concept_words,
    is_newer,
    period_dates,
    reference_keys,
    unit_of,
)


class TreatmentReader:
    """Reads validated medication and procedure resources, keeping the skipped lines through `skip`."""

    def __init__(self, skip: Skip) -> None:
        self.skip = skip
        self.medication_index: dict[str, FhirMedication] = {}
        self.medications: dict[str, Medication] = {}
        self.therapies: dict[tuple[str, dt.date | None, dt.date | None], Therapy] = {}
        self.procedures: dict[tuple[str, dt.date | None], Procedure] = {}

    def index_medication(self, medication: FhirMedication, keys: Iterable[str]) -> None:
        """Files a bundle's Medication under the keys a reference to it may use."""
        self.medication_index.update(dict.fromkeys(keys, medication))

    def _drug_name(self, resource: MedicationStatement | MedicationRequest) -> str | None:
        if resource.medicationCodeableConcept is not None:
            return concept_name(resource.medicationCodeableConcept)
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
                (self.medication_index[k] for k in reference_keys(reference) if k in self.medication_index),
                None,
            )
        return concept_name(medication.code) if medication is not None else None

    def medication(self, resource: MedicationStatement | MedicationRequest, label: str) -> None:
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
            start, end = period_dates(resource.effectivePeriod)
            start = start or as_date(resource.effectiveDateTime)
            dose, unit = _daily_dose(resource.dosage)
            reasons = list(resource.statusReason or ())
        else:
            timing = next((d.timing for d in resource.dosageInstruction or () if d.timing is not None), None)
            bounds = timing.repeat.boundsPeriod if timing is not None and timing.repeat is not None else None
            start, end = period_dates(bounds)
            start = start or as_date(resource.authoredOn)
            dose, unit = _daily_dose(resource.dosageInstruction)
            reasons = [resource.statusReason] if resource.statusReason is not None else []
        if status in ACTIVE_MEDICATION:
            medication = Medication(name=name, dose=dose, dose_unit=unit, since=start)
            kept = self.medications.get(name.lower())
            if kept is None or is_newer(start, kept.since):
                self.medications[name.lower()] = medication
            return
        therapy = Therapy(
            name=name, start=start, end=end, progression=_progression(reasons, resource.extension or ())
        )
        self.therapies.setdefault((name.lower(), start, end), therapy)

    def procedure(self, resource: FhirProcedure, label: str) -> None:
        if resource.status in UNUSED_STATUS:
            self.skip(label, UNUSED_STATUS[resource.status or ""])
            return
        name = concept_name(resource.code)
        if name is None:
            self.skip(label, "no name, only codes" if concept_codes(resource.code) else "no code")
            return
        start, end = period_dates(resource.performedPeriod)
        date = as_date(resource.performedDateTime) or start
        self.procedures.setdefault((name.lower(), date), Procedure(name=name, date=date))
        if THERAPY_PROCEDURE.search(name):
            self.therapies.setdefault((name.lower(), date, end), Therapy(name=name, start=date, end=end))


def _times_per_day(dosage: Dosage) -> float | None:
    if dosage.asNeededBoolean or dosage.asNeededCodeableConcept is not None:
        return None
    timing = dosage.timing
    if timing is not None and timing.repeat is not None:
        repeat = timing.repeat
        days = DAYS_PER_UNIT.get(repeat.periodUnit or "")
        period = as_number(repeat.period)
        frequency = as_number(repeat.frequency) if repeat.frequency is not None else 1.0
        if days is not None and period and period > 0 and frequency and frequency > 0:
            return frequency / (period * days)
    if timing is not None and timing.code is not None:
        for code in concept_codes(timing.code):
            if code.upper() in TIMING_CODES:
                return TIMING_CODES[code.upper()]
    text = " ".join((dosage.text or "", concept_words(timing.code) if timing is not None else ""))
    return next((times for pattern, times in TIMES_A_DAY if pattern.search(text)), None)


def _daily_dose(dosages: Sequence[Dosage] | None) -> tuple[float | None, str | None]:
    """The dose per day ("mg/day") when the dose and its timing say it, else one dose as given."""
    for dosage in dosages or ():
        quantity = next(
            (d.doseQuantity for d in dosage.doseAndRate or () if d.doseQuantity is not None), None
        )
        amount = as_number(quantity.value) if quantity is not None else None
        unit = unit_of(quantity) if quantity is not None else None
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
        if "266721009" in concept_codes(concept) or PROGRESSION.search(concept_words(concept)):
            return True
    return None
