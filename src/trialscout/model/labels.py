"""Words for people: how the registry's tokens, ages and counts read on a page or a terminal.

Every label says exactly what the registry says; an unknown value reads "unknown" (or "not
stated"), never a guess.
"""

from __future__ import annotations

import re
from enum import StrEnum

from trialscout.model.enums import OverallStatus, Phase, Sex
from trialscout.model.trial import Eligibility, Enrollment, RegistryDate, Trial

UNKNOWN = "unknown"

_SPECIAL = {
    "ECT": "Educational/counselling/training",
    "NA": "Not applicable",
    "EARLY_PHASE1": "Early phase 1",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "FED": "US federal",
    "OTHER_GOV": "Other government",
    "INDIV": "Individual",
    "AMBIG": "Ambiguous",
    "NIH": "NIH",
    "NON_RANDOMIZED": "Non-randomized",
}


def label(value: StrEnum | str | None, missing: str = UNKNOWN) -> str:
    """'ACTIVE_NOT_RECRUITING' -> 'Active, not recruiting'; None -> 'unknown'."""
    if value is None:
        return missing
    token = str(value)
    if token in _SPECIAL:
        return _SPECIAL[token]
    if token == OverallStatus.ACTIVE_NOT_RECRUITING:
        return "Active, not recruiting"
    return token.replace("_", " ").capitalize()


def phases_label(phases: tuple[Phase, ...]) -> str:
    """(PHASE2, PHASE3) -> 'Phase 2/Phase 3'; () -> 'unknown'."""
    if not phases:
        return UNKNOWN
    return "/".join(label(p) for p in phases)


def date_label(date: RegistryDate | None) -> str:
    """'2026-09 (estimated)'; 'unknown' when the registry gave none."""
    if date is None:
        return UNKNOWN
    kind = f" ({date.type.value.lower()})" if date.type else ""
    return f"{date.date}{kind}"


def enrollment_label(enrollment: Enrollment | None) -> str:
    """'129 participants (estimated)'; 'unknown' for a missing count or a registry placeholder."""
    if enrollment is None or enrollment.count is None:
        return UNKNOWN
    noun = "participant" if enrollment.count == 1 else "participants"
    kind = f" ({enrollment.type.value.lower()})" if enrollment.type else ""
    return f"{enrollment.count:,} {noun}{kind}"


def _years(value: float) -> str:
    if value >= 1 and float(value).is_integer():
        return f"{int(value)} year{'s' if value != 1 else ''}"
    months = value * 12
    if months >= 1 and abs(months - round(months)) < 0.01:
        return f"{round(months)} month{'s' if round(months) != 1 else ''}"
    return f"{value:g} years"


def age_range_label(eligibility: Eligibility | None) -> str:
    """'18 years and older', '18 to 75 years', 'Up to 17 years', 'Any age' or 'unknown'."""
    if eligibility is None:
        return UNKNOWN
    low, high = eligibility.minimum_age_years, eligibility.maximum_age_years
    if low is None and high is None:
        return "Any age (no limits stated)"
    if high is None:
        return f"{_years(low or 0)} and older"
    if low is None or low == 0:
        return f"Up to {_years(high)}"
    if _years(low).split()[1:] == _years(high).split()[1:]:
        return f"{_years(low).split()[0]} to {_years(high)}"
    return f"{_years(low)} to {_years(high)}"


def sex_label(sex: Sex | None) -> str:
    return {Sex.ALL: "All", Sex.FEMALE: "Female", Sex.MALE: "Male"}.get(sex, UNKNOWN) if sex else UNKNOWN


def yes_no_label(value: bool | None) -> str:
    return UNKNOWN if value is None else ("Yes" if value else "No")


_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>^~|=])")


def readable_text(text: str, trial: Trial) -> str:
    """Registry text for reading: API v2 escapes markdown ('\\>' for '>'); show the character."""
    if trial.source.format.value == "ctgov-api-v2-json":
        return _MARKDOWN_ESCAPE.sub(r"\1", text)
    return text
