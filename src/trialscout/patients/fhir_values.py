"""Small readers of FHIR R4 data types, shared by the resource readers of the FHIR import.

A CodeableConcept's name, codes, LOINC codes and words; a date, dateTime or Period as dates; a
number and a Quantity's unit; the keys a Reference may be filed under; and which of two dated
results is the newer. None of them raises on odd input: what cannot be read is None (or empty).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TypeAlias

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.quantity import Quantity

from trialscout.patients.fhir_codes import LOINC, clean_name

#: Records one resource (or part of one) that could not be used: its label and the reason.
Skip: TypeAlias = Callable[[str, str], None]


def concept_name(concept: CodeableConcept | None) -> str | None:
    """The text a person reads: the concept's text, else a coding's display (SNOMED CT first)."""
    if concept is None:
        return None
    if concept.text and concept.text.strip():
        return clean_name(concept.text)
    codings = [coding for coding in concept.coding or () if coding.display and coding.display.strip()]
    codings.sort(key=lambda coding: 0 if coding.system == "http://snomed.info/sct" else 1)
    return clean_name(codings[0].display) if codings else None


def concept_codes(concept: CodeableConcept | None) -> set[str]:
    return {coding.code for coding in (concept.coding or ()) if coding.code} if concept else set()


def loinc_codes(concept: CodeableConcept | None) -> set[str]:
    if concept is None:
        return set()
    return {
        coding.code
        for coding in concept.coding or ()
        if coding.code
        and (coding.system == LOINC or (coding.system is None and re.fullmatch(r"\d+-\d", coding.code)))
    }


def concept_words(concept: CodeableConcept | None) -> str:
    """The concept's text and displays, for matching names."""
    if concept is None:
        return ""
    texts = [concept.text or ""] + [coding.display or "" for coding in concept.coding or ()]
    return " | ".join(text for text in texts if text)


def first_code(concept: CodeableConcept | None) -> str | None:
    return next((coding.code for coding in (concept.coding or ()) if coding.code), None) if concept else None


def as_date(value: object) -> dt.date | None:
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


def period_dates(period: Period | None) -> tuple[dt.date | None, dt.date | None]:
    return (as_date(period.start), as_date(period.end)) if period is not None else (None, None)


def as_number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError):
        return None
    return number if math.isfinite(number) else None


def unit_of(quantity: Quantity) -> str | None:
    unit = quantity.unit or quantity.code
    return unit.strip() or None if unit else None


def reference_keys(reference: str) -> tuple[str, ...]:
    """The keys a reference may be filed under: as written, and as "Type/id"."""
    reference = re.sub(r"/_history/[^/]*$", "", reference)
    parts = reference.rstrip("/").split("/")
    return (reference, "/".join(parts[-2:])) if len(parts) > 2 else (reference,)


def is_newer(new: dt.date | None, old: dt.date | None) -> bool:
    """Whether a result dated `new` replaces one dated `old`: the latest wins, a dated one wins
    over an undated one, and among undated ones the last seen."""
    if new is None:
        return old is None
    return old is None or new >= old
