"""FHIR Condition resources -> the diagnoses, other conditions and absent findings of a profile.

A refuted Condition is a finding the patient does *not* have. The diagnoses are the conditions
marked primary (an mCODE primary cancer condition, a category or extension that says
"primary"), else the current cancers (named by words: there is no SNOMED hierarchy offline),
else the first active condition; the rest are other conditions. Metastases and resolved
cancers are other conditions; an active metastasis makes the diagnosis "metastatic". A stage
group read from an Observation stages the condition it is about (or the current cancer) unless
the Condition gave its own stage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import msgspec
from fhir.resources.R4B.condition import Condition as FhirCondition

from trialscout.model.patient import Condition, Finding
from trialscout.patients.fhir_codes import (
    ACTIVE_CONDITION,
    BENIGN,
    CANCER,
    HISTOLOGIES,
    METASTASIS,
    RESOLVED_CONDITION,
    stage_text,
)
from trialscout.patients.fhir_values import (
    Skip,
    as_date,
    concept_codes,
    concept_name,
    concept_words,
    first_code,
    period_dates,
)


class Stage(msgspec.Struct, frozen=True):
    """A stage group from an Observation, and the keys of the conditions it is about."""

    stage: str
    date: dt.date | None
    focus: frozenset[str]


class _ConditionRead(msgspec.Struct):
    condition: Condition
    keys: frozenset[str]
    primary: bool
    cancer: bool
    metastasis: bool
    current: bool  # active, recurrent or in remission: the patient's disease now
    staged: bool  # the Condition itself gave the stage


class ConditionReader:
    """Reads validated Condition resources, keeping the skipped lines through `skip`."""

    def __init__(self, skip: Skip) -> None:
        self.skip = skip
        self.conditions: list[_ConditionRead] = []
        self.absent: dict[str, Finding] = {}

    def read(self, resource: FhirCondition, label: str) -> None:
        verification = first_code(resource.verificationStatus)
        if verification == "entered-in-error":
            self.skip(label, "entered in error")
            return
        name = concept_name(resource.code)
        if name is None:
            self.skip(label, "no name, only codes" if concept_codes(resource.code) else "no code")
            return
        if verification == "refuted":
            self.absent.setdefault(name.lower(), Finding(name=name))
            return
        clinical = first_code(resource.clinicalStatus)
        onset_start, _ = period_dates(resource.onsetPeriod)
        abatement_start, abatement_end = period_dates(resource.abatementPeriod)
        resolved = as_date(resource.abatementDateTime) or abatement_end or abatement_start
        if clinical in RESOLVED_CONDITION or (clinical not in ACTIVE_CONDITION and resolved is not None):
            status = "resolved"
        else:
            status = "active"
        stage = next((stage_text(concept_name(s.summary)) for s in resource.stage or () if s.summary), None)
        condition = Condition(
            name=name,
            histology=_histology(resource, name),
            stage=stage,
            setting="recurrent" if clinical in {"recurrence", "relapse"} else None,
            diagnosed=as_date(resource.onsetDateTime) or onset_start,
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

    def split(self, stages: Iterable[Stage]) -> tuple[tuple[Condition, ...], tuple[Condition, ...]]:
        """The diagnoses and the other conditions, staged by `stages` (the latest stage last)."""
        reads = self.conditions
        for stage in sorted(stages, key=lambda s: s.date or dt.date.min):
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


def _marked_primary(condition: FhirCondition) -> bool:
    for category in condition.category or ():
        if "primary" in concept_words(category).lower() or any(
            "primary" in code.lower() for code in concept_codes(category)
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
            found = concept_name(ext.valueCodeableConcept)
            if found:
                return found
    return next((histology for histology, pattern in HISTOLOGIES if pattern.search(name)), None)
