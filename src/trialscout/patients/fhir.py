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

This module reads the document, validates each resource and reads the Patient; the other
resources are read by `fhir_conditions`, `fhir_observations` and `fhir_treatments`, with the
data-type readers of `fhir_values` and the code tables of `fhir_codes`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import msgspec
import orjson
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.address import Address
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition as FhirCondition
from fhir.resources.R4B.medication import Medication as FhirMedication
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure as FhirProcedure
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from trialscout.errors import ProfileError
from trialscout.model.patient import Location, PatientProfile, PatientSex
from trialscout.patients.fhir_codes import BUNDLE_TYPES
from trialscout.patients.fhir_conditions import ConditionReader
from trialscout.patients.fhir_observations import ObservationReader
from trialscout.patients.fhir_treatments import TreatmentReader
from trialscout.patients.fhir_values import as_date, as_number, reference_keys


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


def _label(kind: str, index: int) -> str:
    """How a skipped resource is named to the user: its type and place in the bundle, never
    its id (resource ids are often record numbers that identify the patient)."""
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


# --- the reader ------------------------------------------------------------------------------


class _Reader:
    """Reads validated resources into the parts of a profile, keeping the skipped lines."""

    def __init__(self, skipped: list[str]) -> None:
        self.skipped = skipped
        self.patient: Patient | None = None
        self.patient_keys: set[str] = set()
        self.other_patient_keys: set[str] = set()
        self.conditions = ConditionReader(self.skip)
        self.observations = ObservationReader(self.skip)
        self.treatments = TreatmentReader(self.skip)

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
            label = _label(kind, entry.index)
            try:
                resource = model.model_validate(entry.resource)
            except (ValidationError, ValueError, TypeError) as error:
                self.skip(label, f"not valid FHIR R4 ({_problems(error)})")
                continue
            keys = {f"{kind}/{resource.id}"} if resource.id else set()
            if entry.full_url:
                keys.update(reference_keys(entry.full_url))
            if isinstance(resource, Patient):
                self._index_patient(resource, keys, label)
            elif isinstance(resource, FhirMedication):
                self.treatments.index_medication(resource, keys)
            else:
                resources.append((label, resource))
        for label, resource in resources:
            subject = getattr(resource, "subject", None)
            if isinstance(subject, Reference) and self._another_patient(subject):
                self.skip(label, "about another patient")
            elif isinstance(resource, FhirCondition):
                self.conditions.read(resource, label)
            elif isinstance(resource, Observation):
                self.observations.read(resource, label)
            elif isinstance(resource, MedicationStatement | MedicationRequest):
                self.treatments.medication(resource, label)
            elif isinstance(resource, FhirProcedure):
                self.treatments.procedure(resource, label)

    def _index_patient(self, patient: Patient, keys: set[str], label: str) -> None:
        if self.patient is None:
            self.patient, self.patient_keys = patient, keys
        elif not keys & self.patient_keys:
            self.other_patient_keys.update(keys)
            self.skip(label, "a second patient; only the first is read")

    def _another_patient(self, subject: Reference) -> bool:
        keys = reference_keys(subject.reference) if subject.reference else ()
        return any(key in self.other_patient_keys for key in keys) and not any(
            key in self.patient_keys for key in keys
        )

    def result(self, as_of: dt.date | None, *, bundle: bool) -> FhirImport:
        patient = self.patient
        if patient is None and bundle:
            self.skipped.append("Bundle: no Patient resource, so age, sex and place are unknown")
        observations, treatments = self.observations, self.treatments
        diagnoses, others = self.conditions.split(observations.stages)
        profile = PatientProfile(
            id=patient.id if patient is not None else None,
            birth_date=as_date(patient.birthDate) if patient is not None else None,
            sex={"female": PatientSex.FEMALE, "male": PatientSex.MALE}.get(patient.gender or "")
            if patient
            else None,
            location=_location(patient.address) if patient is not None else None,
            as_of=as_of,
            pregnant=observations.pregnant[0] if observations.pregnant is not None else None,
            diagnoses=diagnoses,
            other_conditions=others,
            absent=tuple(self.conditions.absent.values()),
            biomarkers=tuple(observations.biomarkers.values()),
            performance_status=observations.performance,
            labs=tuple(observations.labs.values()),
            prior_therapies=tuple(treatments.therapies.values()),
            medications=tuple(treatments.medications.values()),
            procedures=tuple(treatments.procedures.values()),
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
                    latitude = as_number(part.valueDecimal)
                elif part.url == "longitude":
                    longitude = as_number(part.valueDecimal)
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        latitude = longitude = None
    if place is None and latitude is None:
        return None
    return Location(place=place, latitude=latitude, longitude=longitude)
