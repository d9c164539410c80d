"""The patient's side of a check: profile facts in the units and scales criteria use.

Laboratory results are converted to the criterion's canonical unit (or to a multiple of the
upper limit of normal), performance status to the ECOG scale, and events (therapies,
procedures, conditions) are placed in time relative to the profile's date, so a rule can ask
"was this within 28 days?".
"""

from __future__ import annotations

import datetime as dt
import re

import msgspec

from trialscout.eligibility.model import TimeWindow
from trialscout.eligibility.rules.labs import CANONICAL_UNITS, ULN
from trialscout.model.patient import LabResult, PatientProfile, PerformanceStatus

#: Typical upper limits of normal for adults, used only when a result does not state its own
#: (the evidence then says so).
TYPICAL_ULN: dict[str, float] = {
    "ast": 40.0,
    "alt": 40.0,
    "bilirubin": 1.2,
    "direct_bilirubin": 0.3,
    "alkaline_phosphatase": 120.0,
    "creatinine": 1.2,
    "inr": 1.1,
    "ptt": 35.0,
    "pt": 13.5,
}

# Names a profile may use for an analyte -> trialscout's key.
_ALIASES: dict[str, str] = {
    "neutrophils": "anc",
    "absolute neutrophil count": "anc",
    "neutrophil count": "anc",
    "agc": "anc",
    "platelet": "platelets",
    "platelet count": "platelets",
    "plt": "platelets",
    "hb": "hemoglobin",
    "hgb": "hemoglobin",
    "haemoglobin": "hemoglobin",
    "white blood cells": "wbc",
    "leukocytes": "wbc",
    "white blood cell count": "wbc",
    "crcl": "creatinine_clearance",
    "creatinine clearance": "creatinine_clearance",
    "gfr": "egfr",
    "estimated gfr": "egfr",
    "scr": "creatinine",
    "serum creatinine": "creatinine",
    "total bilirubin": "bilirubin",
    "tbili": "bilirubin",
    "sgot": "ast",
    "sgpt": "alt",
    "alp": "alkaline_phosphatase",
    "alkaline phosphatase": "alkaline_phosphatase",
    "ejection fraction": "lvef",
    "ef": "lvef",
    "spo2": "oxygen_saturation",
    "o2 sat": "oxygen_saturation",
    "oxygen saturation": "oxygen_saturation",
    "qtcf": "qtc",
    "qt": "qtc",
}


def analyte_key(name: str) -> str:
    key = re.sub(r"[\s_\-]+", " ", name.strip().lower())
    if key.replace(" ", "_") in CANONICAL_UNITS:
        return key.replace(" ", "_")
    return _ALIASES.get(key, key.replace(" ", "_"))


def _unit_key(unit: str | None) -> str:
    if not unit:
        return ""
    u = unit.strip().lower().replace("μ", "µ").replace(" ", "")
    return u.replace("*", "^").replace("mcl", "µl").replace("ul", "µl").replace("µµl", "µl")


# Factors to the canonical unit, by analyte family.
_COUNT_FACTORS = {  # -> 10^9/L
    "10^9/l": 1.0,
    "x10^9/l": 1.0,
    "g/l": 1.0,  # "giga per litre" as some labs write it
    "10^3/µl": 1.0,
    "x10^3/µl": 1.0,
    "k/µl": 1.0,
    "10^3/mm3": 1.0,
    "/µl": 0.001,
    "/mm3": 0.001,
    "/mm^3": 0.001,
    "cells/µl": 0.001,
    "cells/mm3": 0.001,
    "10^6/l": 0.001,
}
_FACTORS: dict[str, dict[str, float]] = {
    "hemoglobin": {"g/dl": 1.0, "g/l": 0.1, "mmol/l": 1.611},
    "albumin": {"g/dl": 1.0, "g/l": 0.1},
    "creatinine": {"mg/dl": 1.0, "µmol/l": 1 / 88.42, "umol/l": 1 / 88.42, "mmol/l": 1000 / 88.42},
    "bilirubin": {"mg/dl": 1.0, "µmol/l": 1 / 17.1, "umol/l": 1 / 17.1},
    "direct_bilirubin": {"mg/dl": 1.0, "µmol/l": 1 / 17.1, "umol/l": 1 / 17.1},
    "bun": {"mg/dl": 1.0, "mmol/l": 2.8},
    "creatinine_clearance": {"ml/min": 1.0, "ml/s": 60.0},
    "egfr": {"ml/min/1.73m²": 1.0, "ml/min/1.73m2": 1.0, "ml/min/{1.73_m2}": 1.0, "ml/min": 1.0},
    "ast": {"u/l": 1.0, "iu/l": 1.0, "µkat/l": 60.0},
    "alt": {"u/l": 1.0, "iu/l": 1.0, "µkat/l": 60.0},
    "alkaline_phosphatase": {"u/l": 1.0, "iu/l": 1.0},
    "lvef": {"%": 1.0},
    "oxygen_saturation": {"%": 1.0},
    "qtc": {"ms": 1.0, "msec": 1.0, "s": 1000.0},
    "ptt": {"s": 1.0, "sec": 1.0, "seconds": 1.0},
    "pt": {"s": 1.0, "sec": 1.0, "seconds": 1.0},
    "inr": {"ratio": 1.0, "{inr}": 1.0, "": 1.0},
    "cd4": {"cells/µl": 1.0, "/µl": 1.0, "/mm3": 1.0, "cells/mm3": 1.0, "10^9/l": 1000.0},
}
for _count in ("anc", "wbc", "lymphocytes", "platelets"):
    _FACTORS[_count] = _COUNT_FACTORS


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
    absolute = _absolute(result, analyte)
    if unit == ULN:
        if result.unit and result.unit.lower().replace(" ", "").replace("×", "x") in {"xuln", "uln"}:
            return LabValue(result.value, ULN, "as reported", result)
        if absolute is None:
            return None
        if result.upper_limit_normal:
            uln = _absolute(msgspec.structs.replace(result, value=result.upper_limit_normal), analyte)
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
    return LabValue(absolute, unit, "converted" if _unit_key(result.unit) != _unit_key(unit) else "", result)


def _absolute(result: LabResult, analyte: str) -> float | None:
    canonical = CANONICAL_UNITS.get(analyte)
    if canonical is None:
        return None
    given = _unit_key(result.unit)
    if not given or given == _unit_key(canonical):
        if analyte in ("anc", "wbc", "lymphocytes", "platelets") and result.value >= (
            2000 if analyte == "platelets" else 50
        ):
            return result.value / 1000  # "1500" with no unit is per µL
        return result.value
    factor = _FACTORS.get(analyte, {}).get(given)
    return None if factor is None else result.value * factor


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
