"""FHIR Observation resources -> performance status, pregnancy, stage groups, labs and biomarkers.

ECOG (LOINC 89247-1, 89262-0) and Karnofsky (89243-0) scores, pregnancy status (82810-3), TNM
stage groups (21908-9, 21902-2), labs by LOINC code (or by name when the code is not one
trialscout knows; a result trialscout has no key for keeps its own name), and tumour biomarkers
(mCODE genomic variants, or a test named for a gene or protein: EGFR, ALK, PD-L1, ...). The
latest result of each kind is kept (a dated one over an undated one). A stage group is kept as
a `Stage` for the conditions to take.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.observation import Observation, ObservationComponent, ObservationReferenceRange

from trialscout.model.labs import analyte_coded
from trialscout.model.patient import Biomarker, LabResult, PerformanceStatus
from trialscout.patients.fhir_codes import (
    ALTERATIONS,
    ECOG,
    ECOG_ANSWERS,
    GENE_STUDIED,
    GENOMIC,
    KARNOFSKY,
    KARNOFSKY_ANSWERS,
    NEGATIVE,
    NEGATIVE_WORDS,
    NOT_PREGNANT,
    PERFORMANCE_WORDS,
    POSITIVE,
    POSITIVE_WORDS,
    PREGNANCY,
    PREGNANT,
    STAGE_GROUP,
    VARIANT_DETAIL,
    VARIANT_KIND,
    analyte_named,
    has_value,
    marker_named,
    stage_text,
)
from trialscout.patients.fhir_conditions import Stage
from trialscout.patients.fhir_values import (
    Skip,
    as_date,
    as_number,
    concept_codes,
    concept_name,
    concept_words,
    first_code,
    is_newer,
    loinc_codes,
    period_dates,
    reference_keys,
    unit_of,
)


class ObservationReader:
    """Reads validated Observation resources, keeping the skipped lines through `skip`."""

    def __init__(self, skip: Skip) -> None:
        self.skip = skip
        self.labs: dict[str, LabResult] = {}
        self.biomarkers: dict[tuple[str, str | None], Biomarker] = {}
        self.performance: PerformanceStatus | None = None
        self.pregnant: tuple[bool, dt.date | None] | None = None
        self.stages: list[Stage] = []

    def read(self, observation: Observation, label: str) -> None:
        if observation.status in {"cancelled", "entered-in-error"}:
            self.skip(label, "cancelled" if observation.status == "cancelled" else "entered in error")
            return
        codes, loinc = concept_codes(observation.code), loinc_codes(observation.code)
        words = concept_words(observation.code)
        date = _observation_date(observation)
        if codes & (ECOG | KARNOFSKY) or PERFORMANCE_WORDS.search(words):
            self._performance(observation, label, codes, words, date)
        elif loinc & PREGNANCY or re.search(r"pregnancy\s+status", words, re.I):
            self._pregnancy(observation, label, date)
        elif loinc & STAGE_GROUP:
            stage = stage_text(concept_name(observation.valueCodeableConcept) or observation.valueString)
            if stage is None:
                self.skip(label, "no value")
            else:
                focus = {
                    key
                    for ref in observation.focus or ()
                    if ref.reference
                    for key in reference_keys(ref.reference)
                }
                self.stages.append(Stage(stage, date, frozenset(focus)))
        elif analyte := analyte_coded(loinc):
            self._lab(observation, analyte, label, date)
        elif not self._biomarker(observation, label, loinc, date):
            categories = {code for concept in observation.category or () for code in concept_codes(concept)}
            if not categories or categories & {"laboratory", "vital-signs"}:
                self._lab(observation, None, label, date)

    def _performance(
        self, observation: Observation, label: str, codes: set[str], words: str, date: dt.date | None
    ) -> None:
        karnofsky = bool(codes & KARNOFSKY) or "karnofsky" in words.lower()
        scale = "KARNOFSKY" if karnofsky else "LANSKY" if "lansky" in words.lower() else "ECOG"
        answers = ECOG_ANSWERS if scale == "ECOG" else KARNOFSKY_ANSWERS
        score: float | None = as_number(observation.valueInteger)
        if score is None and observation.valueQuantity is not None:
            score = as_number(observation.valueQuantity.value)
        for concept in [observation.valueCodeableConcept, *(observation.interpretation or ())]:
            if score is None:
                score = next((answers[code] for code in concept_codes(concept) if code in answers), None)
        if score is None:
            text = " ".join(
                (concept_name(observation.valueCodeableConcept) or "", observation.valueString or "")
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
        if self.performance is None or is_newer(date, self.performance.date):
            self.performance = PerformanceStatus(scale=scale, score=float(score), date=date)

    def _pregnancy(self, observation: Observation, label: str, date: dt.date | None) -> None:
        value = observation.valueBoolean
        codes = concept_codes(observation.valueCodeableConcept)
        words = " ".join(
            (concept_words(observation.valueCodeableConcept), observation.valueString or "")
        ).lower()
        if value is None:
            if codes & NOT_PREGNANT or re.search(r"\bnot\s+pregnant\b", words):
                value = False
            elif codes & PREGNANT or re.search(r"\bpregnant\b", words):
                value = True
        if value is None:
            self.skip(label, "no value" if not has_value(observation) else "pregnancy status unknown")
        elif self.pregnant is None or is_newer(date, self.pregnant[1]):
            self.pregnant = (value, date)

    def _lab(self, observation: Observation, analyte: str | None, label: str, date: dt.date | None) -> None:
        uln = _upper_limit(observation.referenceRange)
        quantity = observation.valueQuantity
        if quantity is not None:
            self._add_lab(observation.code, quantity.value, unit_of(quantity), analyte, uln, date, label)
        elif observation.valueInteger is not None:
            self._add_lab(observation.code, observation.valueInteger, None, analyte, uln, date, label)
        elif has_value(observation):
            self.skip(label, "a result that is not a number")
        elif parts := [part for part in observation.component or () if part.valueQuantity is not None]:
            for part in parts:
                key = analyte_coded(loinc_codes(part.code))
                if (quantity := part.valueQuantity) is not None:
                    uln = _upper_limit(part.referenceRange)
                    self._add_lab(part.code, quantity.value, unit_of(quantity), key, uln, date, label)
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
        value = as_number(given)
        if value is None:
            self.skip(label, "no value")
            return
        if analyte is None:
            name = concept_name(code)
            if name is None:
                self.skip(label, "a result with no name, only codes")
                return
            analyte = analyte_named(name, unit) or name
        self._keep_lab(LabResult(analyte=analyte, value=value, unit=unit, upper_limit_normal=uln, date=date))

    def _keep_lab(self, result: LabResult) -> None:
        kept = self.labs.get(result.analyte)
        if kept is None or is_newer(result.date, kept.date):
            self.labs[result.analyte] = result

    def _biomarker(self, observation: Observation, label: str, codes: set[str], date: dt.date | None) -> bool:
        """Reads a tumour biomarker result; False when the observation is not one."""
        gene = _component_text(_component(observation, GENE_STUDIED))
        marker = (marker_named(gene) or gene) if gene else marker_named(concept_words(observation.code))
        if marker is None:
            if codes & GENOMIC:
                self.skip(label, "a genetic result that names no gene")
                return True
            return False
        quantity = observation.valueQuantity
        if quantity is not None and unit_of(quantity) and "ml/min" in (unit_of(quantity) or "").lower():
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
        if quantity is not None and (value := as_number(quantity.value)) is not None:
            if unit_of(quantity) == "%":
                percent = value
            elif detail is None:
                detail = f"{value:g} {unit_of(quantity) or ''}".strip()
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
        text = " ".join((concept_words(observation.code), detail or "", kind_text))
        alteration = next((name for name, pattern in ALTERATIONS if pattern.search(text)), None)
        if alteration is None:
            alteration = "mutation" if codes & GENOMIC else "expression" if percent is not None else None
        result = Biomarker(
            marker=marker, alteration=alteration, detail=detail, positive=positive, percent=percent, date=date
        )
        key = (marker, detail)
        kept = self.biomarkers.get(key)
        if kept is None or is_newer(date, kept.date):
            self.biomarkers[key] = result
        return True


def _observation_date(observation: Observation) -> dt.date | None:
    start, end = period_dates(observation.effectivePeriod)
    return (
        as_date(observation.effectiveDateTime)
        or end
        or start
        or as_date(observation.effectiveInstant)
        or as_date(observation.issued)
    )


def _upper_limit(ranges: Sequence[ObservationReferenceRange] | None) -> float | None:
    return next(
        (as_number(r.high.value) for r in ranges or () if r.high is not None and r.high.value is not None),
        None,
    )


def _component(observation: Observation, code: str) -> ObservationComponent | None:
    return next((part for part in observation.component or () if code in loinc_codes(part.code)), None)


def _component_text(part: ObservationComponent | None) -> str | None:
    if part is None:
        return None
    if part.valueCodeableConcept is not None:
        return concept_name(part.valueCodeableConcept) or first_code(part.valueCodeableConcept)
    return part.valueString.strip() or None if part.valueString else None


def _polarity(
    concept: CodeableConcept | None, text: str | None, interpretations: Iterable[CodeableConcept]
) -> bool | None:
    codes = concept_codes(concept)
    if codes & NEGATIVE:
        return False
    if codes & POSITIVE:
        return True
    words = " ".join((concept_words(concept), text or ""))
    if NEGATIVE_WORDS.search(words):
        return False
    if POSITIVE_WORDS.search(words):
        return True
    for interpretation in interpretations:
        found = _polarity(interpretation, None, ())
        if found is not None:
            return found
    return None
