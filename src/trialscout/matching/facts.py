"""The patient's side of a check: profile facts in the units and scales criteria use.

Laboratory results are converted to the criterion's canonical unit (or to a multiple of the
upper limit of normal) by the analyte catalogue, `trialscout.model.labs`, performance status to
the ECOG scale, and events (therapies, procedures, conditions) are placed in time relative to
the profile's date, so a rule can ask "was this within 28 days?".
"""

from __future__ import annotations

import datetime as dt

import msgspec

from trialscout.eligibility.model import TimeWindow
from trialscout.model import labs as catalogue
from trialscout.model.labs import CANONICAL_UNITS, TYPICAL_ULN, ULN, analyte_key, unit_key
from trialscout.model.patient import LabResult, PatientProfile, PerformanceStatus


class LabValue(msgspec.Struct, frozen=True):
    """A result in the unit a rule compares: ``value`` in ``unit``; ``note`` says how it was had."""

    value: float
    unit: str
    note: str
    result: LabResult


def lab_value(profile: PatientProfile, analyte: str, unit: str) -> LabValue | None:
    """The patient's latest result for ``analyte`` in ``unit`` (canonical or xULN), or None
    when there is none or its unit cannot be converted."""
    results = [r for r in profile.labs if analyte_key(r.analyte) == analyte]
    if not results:
        return None
    result = max(results, key=lambda r: r.date or dt.date.min)
    given = _unit_of(result, analyte)
    absolute = _absolute(result.value, given, analyte)
    if unit == ULN:
        if result.unit and result.unit.lower().replace(" ", "").replace("×", "x") in {"xuln", "uln"}:
            return LabValue(result.value, ULN, "as reported", result)
        if absolute is None:
            return None
        if result.upper_limit_normal:
            uln = _absolute(result.upper_limit_normal, given, analyte)
            if uln:
                return LabValue(absolute / uln, ULN, "against the lab's upper limit of normal", result)
        if analyte in TYPICAL_ULN:
            return LabValue(
                absolute / TYPICAL_ULN[analyte],
                ULN,
                f"against a typical upper limit of normal"
                f" ({TYPICAL_ULN[analyte]:g} {CANONICAL_UNITS[analyte]})",
                result,
            )
        return None
    if absolute is None:
        return None
    return LabValue(absolute, unit, "converted" if unit_key(result.unit) != unit_key(unit) else "", result)


def _unit_of(result: LabResult, analyte: str) -> str | None:
    """The unit a result is in: as reported; a bare number by its size ("platelets 150000" is
    per µL), and so is a count labelled with the canonical unit ("1500 10^9/L" is per µL too)."""
    if not result.unit or (
        analyte in catalogue.BLOOD_COUNTS and unit_key(result.unit) == unit_key(CANONICAL_UNITS[analyte])
    ):
        return catalogue.bare_unit(analyte, result.value)
    return result.unit


def _absolute(value: float, unit: str | None, analyte: str) -> float | None:
    """``value`` in ``unit`` converted by the catalogue to the analyte's canonical unit."""
    if analyte not in CANONICAL_UNITS or unit is None:
        return None
    return catalogue.convert(analyte, value, unit)


# The standard Karnofsky/Lansky -> ECOG mapping (Oken et al. 1982; Buccheri et al. 1996).
def ecog_score(status: PerformanceStatus) -> float:
    scale = status.scale.strip().upper()
    if scale in ("KARNOFSKY", "KPS", "LANSKY"):
        k = status.score
        return (
            0.0
            if k >= 100
            else 1.0
            if k >= 80
            else 2.0
            if k >= 60
            else 3.0
            if k >= 40
            else 4.0
            if k > 0
            else 5.0
        )
    return status.score


def karnofsky_range(ecog: float) -> tuple[float, float]:
    """The Karnofsky scores an ECOG score stands for."""
    return {0: (100.0, 100.0), 1: (80.0, 90.0), 2: (60.0, 70.0), 3: (40.0, 50.0), 4: (10.0, 30.0)}.get(
        int(ecog), (0.0, 0.0)
    )


def in_window(event: dt.date | None, window: TimeWindow, on: dt.date) -> bool | None:
    """Whether an event dated ``event`` falls inside ``window`` before ``on`` (None: no date)."""
    if event is None:
        return None
    days = (on - event).days
    if window.relation == "at_least":
        return days >= window.days
    return 0 <= days <= window.days if days >= 0 else True  # a planned or ongoing event counts as within


def therapy_in_window(
    start: dt.date | None, end: dt.date | None, window: TimeWindow, on: dt.date
) -> bool | None:
    """Whether a treatment's last dose falls inside ``window``. With no end date it may still
    be going on: its start proves it was given within a window, but not that it stopped before
    one (None then)."""
    if end is not None:
        return in_window(end, window, on)
    started = in_window(start, window, on)
    if started is None:
        return None
    if window.relation == "at_least":
        return None if started else False  # started long ago, maybe still taken
    return True if started else None
