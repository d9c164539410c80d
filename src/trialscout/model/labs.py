"""The one catalogue of laboratory analytes (and the vital signs a note states): keys, names,
codes, units, conversions, plausible values and typical upper limits of normal.

Every part of trialscout that names an analyte or converts its unit reads it here: criteria
parsing (`trialscout.eligibility.rules.labs`), matching (`trialscout.matching.facts`), note
reading (`trialscout.patients.note_labs`) and FHIR import (`trialscout.patients.fhir`). So a
criterion "creatinine ≤ 130 µmol/L" and a patient's "creatinine 1.2 mg/dL", whether from a
profile, a note or a FHIR record, meet in the same canonical unit by the same factor.

- `ANALYTES`: one `Analyte` per key ("anc", "creatinine", "lvef", ...), with its display
  ``name``, a ``plain`` name for plain-language text, ``aliases`` a profile may use, its LOINC
  codes, the canonical ``unit`` and the factors from other units to it.
- `convert(analyte, value, unit)`: a value in the canonical unit, or None when the unit is not
  one the analyte is given in. A bare number (no unit) is read by its size where that leaves no
  doubt (`bare_unit`): "platelets 150000" is per µL, "creatinine 120" is µmol/L.
- `plausible(analyte, value)`: whether a value in the canonical unit can be a real one.
- `CANONICAL_UNITS`, `TYPICAL_ULN`, `LOINC_CODES`, `BLOOD_COUNTS`: the same facts as lookups.

Conversion factors come from molar masses: creatinine 113.1 g/mol (1 mg/dL = 88.42 µmol/L),
bilirubin 584.7 g/mol (17.1), glucose 180.16 g/mol (18.016), urea nitrogen 28 g/mol (1 mmol/L
= 2.8 mg/dL), haemoglobin as the 16.1 kDa monomer (1 mmol/L = 1.611 g/dL); enzyme activity
1 µkat/L = 60 U/L.

Pure domain: no I/O, nothing imported from the rest of trialscout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

import msgspec

#: The "unit" of a value stated as a multiple of the upper limit of normal ("≤ 2.5 × ULN").
ULN: Final = "xULN"
#: Plausible multiples of the upper limit of normal.
PLAUSIBLE_ULN_MULTIPLE: Final = (0.1, 100.0)

CREATININE_UMOL_PER_MG_DL: Final = 88.42
BILIRUBIN_UMOL_PER_MG_DL: Final = 17.1
GLUCOSE_MG_DL_PER_MMOL: Final = 18.016
UREA_NITROGEN_MG_DL_PER_MMOL: Final = 2.8
HAEMOGLOBIN_G_DL_PER_MMOL: Final = 1.611
U_PER_UKAT: Final = 60.0


class Analyte(msgspec.Struct, frozen=True, kw_only=True):
    """One analyte: ``key`` is trialscout's name for it everywhere ("anc", "creatinine")."""

    key: str
    name: str  # how trialscout names it to a person: "absolute neutrophil count"
    plain: str  # in plain-language text: "neutrophils"
    unit: str | None = None  # the canonical unit (absolute values are compared in it)
    factors: Mapping[str, float] = {}  # a unit spelling -> the factor to the canonical unit
    aliases: tuple[str, ...] = ()  # other names a profile may give it ("Hgb", "SGOT")
    loinc: tuple[str, ...] = ()  # the LOINC codes a FHIR record may give it by
    plausible: tuple[float, float] | None = None  # values a real result can take, canonical unit
    uln: float | None = None  # a typical adult upper limit of normal, canonical unit
    against_uln: bool = False  # criteria may state it as a multiple of the upper limit of normal
    count: bool = False  # a blood cell count (per µL or 10^9/L)
    bare: tuple[float, str] | None = None  # a bare number at or above this is in that unit


# --- units ---------------------------------------------------------------------------------------


def unit_key(unit: str | None) -> str:
    """One spelling of a unit to look it up by: "x10*9/L" and "10^9/l" -> "10^9/l", "umol/L"
    and "μmol/L" -> "µmol/l", "K/uL" -> "k/µl", "[IU]/L" -> "iu/l"."""
    if not unit:
        return ""
    u = unit.strip().lower().replace("μ", "µ").replace(" ", "")  # Greek mu -> micro sign
    u = u.replace("*", "^").replace("mcl", "µl").replace("ul", "µl").replace("µµl", "µl")
    u = re.sub(r"^[x×](?=10\^)", "", u)  # "x10^9/l": the "times" of "× 10^9/L"
    u = re.sub(r"(?<![a-zµ])u(?=mol|kat)|mc(?=mol|g)", "µ", u)
    return u.replace("[iu]", "iu")


_COUNT_FACTORS: Final = {  # -> 10^9/L
    "10^9/L": 1.0,
    "G/L": 1.0,  # "giga per litre", as some labs write it
    "10^3/µL": 1.0,
    "K/µL": 1.0,
    "10^3/mm3": 1.0,
    "/µL": 0.001,
    "/mm3": 0.001,
    "/mm^3": 0.001,
    "cells/µL": 0.001,
    "cells/mm3": 0.001,
    "10^6/L": 0.001,
}
_ENZYME_FACTORS: Final = {"U/L": 1.0, "IU/L": 1.0, "µkat/L": U_PER_UKAT}
_SECONDS: Final = {"s": 1.0, "sec": 1.0, "seconds": 1.0}


def _count(
    key: str,
    name: str,
    plain: str,
    *,
    loinc: tuple[str, ...],
    plausible: tuple[float, float],
    aliases: tuple[str, ...] = (),
) -> Analyte:
    """A blood cell count: "platelets 150000" and "ANC 1500", with no unit, are per µL."""
    return Analyte(
        key=key,
        name=name,
        plain=plain,
        unit="10^9/L",
        factors=_COUNT_FACTORS,
        aliases=aliases,
        loinc=loinc,
        plausible=plausible,
        count=True,
        bare=(2000.0 if key == "platelets" else 50.0, "/µL"),
    )


def _named(
    key: str,
    name: str | None = None,
    *,
    unit: str | None = None,
    factors: Mapping[str, float] | None = None,
    plausible: tuple[float, float] | None = None,
) -> Analyte:
    """An analyte trialscout reads from notes but reads no criterion threshold for."""
    shown = name or key.replace("_", " ")
    return Analyte(key=key, name=shown, plain=shown, unit=unit, factors=factors or {}, plausible=plausible)


# --- the catalogue -------------------------------------------------------------------------------

ANALYTES: Final[tuple[Analyte, ...]] = (
    _count(
        "anc",
        "absolute neutrophil count",
        "neutrophils",
        aliases=("neutrophils", "absolute neutrophil count", "neutrophil count", "agc"),
        loinc=("751-8", "26499-4", "753-4"),
        plausible=(0.05, 50.0),
    ),
    _count(
        "wbc",
        "white blood cell count",
        "white blood cells",
        aliases=("white blood cells", "leukocytes", "white blood cell count"),
        loinc=("6690-2", "26464-8"),
        plausible=(0.1, 200.0),
    ),
    _count(
        "lymphocytes", "lymphocyte count", "lymphocytes", loinc=("731-0", "26474-7"), plausible=(0.05, 50.0)
    ),
    _count(
        "platelets",
        "platelet count",
        "platelets",
        aliases=("platelet", "platelet count", "plt"),
        loinc=("777-3", "26515-7"),
        plausible=(1.0, 2000.0),
    ),
    Analyte(
        key="cd4",
        name="CD4 count",
        plain="CD4 count",
        unit="cells/µL",
        factors={
            "cells/µL": 1.0,
            "/µL": 1.0,
            "/mm3": 1.0,
            "cells/mm3": 1.0,
            "10^9/L": 1000.0,
            "G/L": 1000.0,
            "10^3/µL": 1000.0,
            "K/µL": 1000.0,
        },
        plausible=(1.0, 5000.0),
    ),
    Analyte(
        key="hemoglobin",
        name="haemoglobin",
        plain="haemoglobin",
        unit="g/dL",
        factors={"g/L": 0.1, "mmol/L": HAEMOGLOBIN_G_DL_PER_MMOL},
        aliases=("hb", "hgb", "haemoglobin"),
        loinc=("718-7",),
        plausible=(2.0, 25.0),
        bare=(25.0, "g/L"),  # "hemoglobin ≥ 90" is g/L
    ),
    Analyte(
        key="creatinine",
        name="creatinine",
        plain="creatinine",
        unit="mg/dL",
        factors={"µmol/L": 1 / CREATININE_UMOL_PER_MG_DL, "mmol/L": 1000 / CREATININE_UMOL_PER_MG_DL},
        aliases=("scr", "serum creatinine"),
        loinc=("2160-0", "38483-4", "14682-9"),
        plausible=(0.1, 20.0),
        uln=1.2,
        against_uln=True,
        bare=(20.0, "µmol/L"),
    ),
    Analyte(
        key="creatinine_clearance",
        name="creatinine clearance",
        plain="creatinine clearance",
        unit="mL/min",
        factors={"mL/s": 60.0},
        aliases=("crcl", "creatinine clearance"),
        loinc=("2164-2",),
        plausible=(5.0, 250.0),
    ),
    Analyte(
        key="egfr",
        name="eGFR (kidney filtration rate)",
        plain="eGFR",
        unit="mL/min/1.73m²",
        factors={
            "mL/min/1.73m2": 1.0,
            "mL/min/{1.73_m2}": 1.0,
            "mL/min": 1.0,
            "mL/s": 60.0,
            "mL/s/1.73m²": 60.0,
        },
        aliases=("gfr", "estimated gfr"),
        loinc=("33914-3", "48642-3", "48643-1", "50044-7", "62238-1", "88293-6", "88294-4", "98979-8"),
        plausible=(1.0, 250.0),
    ),
    Analyte(
        key="bun",
        name="blood urea nitrogen (BUN)",
        plain="blood urea nitrogen",
        unit="mg/dL",
        factors={"mmol/L": UREA_NITROGEN_MG_DL_PER_MMOL},
        loinc=("3094-0",),
        plausible=(2.0, 200.0),
        against_uln=True,
    ),
    Analyte(
        key="bilirubin",
        name="bilirubin",
        plain="bilirubin",
        unit="mg/dL",
        factors={"µmol/L": 1 / BILIRUBIN_UMOL_PER_MG_DL},
        aliases=("total bilirubin", "tbili"),
        loinc=("1975-2", "14631-6"),
        plausible=(0.1, 50.0),
        uln=1.2,
        against_uln=True,
        bare=(10.0, "µmol/L"),
    ),
    Analyte(
        key="direct_bilirubin",
        name="direct bilirubin",
        plain="direct bilirubin",
        unit="mg/dL",
        factors={"µmol/L": 1 / BILIRUBIN_UMOL_PER_MG_DL},
        loinc=("1968-7",),
        plausible=(0.05, 30.0),
        uln=0.3,
        against_uln=True,
        bare=(10.0, "µmol/L"),
    ),
    Analyte(
        key="ast",
        name="AST (a liver test)",
        plain="AST",
        unit="U/L",
        factors=_ENZYME_FACTORS,
        aliases=("sgot",),
        loinc=("1920-8",),
        plausible=(5.0, 5000.0),
        uln=40.0,
        against_uln=True,
    ),
    Analyte(
        key="alt",
        name="ALT (a liver test)",
        plain="ALT",
        unit="U/L",
        factors=_ENZYME_FACTORS,
        aliases=("sgpt",),
        loinc=("1742-6",),
        plausible=(5.0, 5000.0),
        uln=40.0,
        against_uln=True,
    ),
    Analyte(
        key="alkaline_phosphatase",
        name="alkaline phosphatase",
        plain="alkaline phosphatase",
        unit="U/L",
        factors=_ENZYME_FACTORS,
        aliases=("alp", "alkaline phosphatase"),
        loinc=("6768-6",),
        plausible=(10.0, 5000.0),
        uln=120.0,
        against_uln=True,
    ),
    Analyte(
        key="albumin",
        name="albumin",
        plain="albumin",
        unit="g/dL",
        factors={"g/L": 0.1},
        loinc=("1751-7",),
        plausible=(0.5, 10.0),
        bare=(10.0, "g/L"),
    ),
    Analyte(
        key="inr",
        name="INR (a clotting test)",
        plain="INR",
        unit="ratio",
        factors={"{INR}": 1.0},
        loinc=("6301-6", "34714-6"),
        plausible=(0.5, 15.0),
        uln=1.1,
        against_uln=True,
    ),
    Analyte(
        key="ptt",
        name="PTT (a clotting test)",
        plain="PTT",
        unit="s",
        factors=_SECONDS,
        loinc=("3173-2", "14979-9"),
        plausible=(10.0, 300.0),
        uln=35.0,
        against_uln=True,
    ),
    Analyte(
        key="pt",
        name="prothrombin time (a clotting test)",
        plain="prothrombin time",
        unit="s",
        factors=_SECONDS,
        loinc=("5902-2",),
        plausible=(5.0, 300.0),
        uln=13.5,
        against_uln=True,
    ),
    Analyte(
        key="lvef",
        name="heart ejection fraction (LVEF)",
        plain="LVEF",
        unit="%",
        aliases=("ejection fraction", "ef"),
        loinc=("10230-1", "18043-0", "8806-2", "8808-8", "8810-4", "8811-2"),
        plausible=(5.0, 95.0),
    ),
    Analyte(
        key="oxygen_saturation",
        name="oxygen saturation",
        plain="oxygen saturation",
        unit="%",
        aliases=("spo2", "o2 sat", "oxygen saturation"),
        loinc=("2708-6", "59408-5"),
        plausible=(40.0, 100.0),
    ),
    Analyte(
        key="qtc",
        name="QTc interval on an ECG",
        plain="QTc",
        unit="ms",
        factors={"msec": 1.0, "s": 1000.0},
        aliases=("qtcf", "qt"),
        loinc=("8636-3",),
        plausible=(200.0, 1000.0),
    ),
    # Read from notes (and kept on a profile), with no criterion threshold trialscout reads.
    _named("glucose", unit="mg/dL", factors={"mmol/L": GLUCOSE_MG_DL_PER_MMOL}),
    _named("hba1c", "HbA1c"),
    _named("hematocrit", "haematocrit"),
    _named("mcv", "MCV"),
    _named("reticulocytes"),
    _named("transferrin_saturation"),
    *(_named(key) for key in ("sodium", "potassium", "chloride", "calcium", "bicarbonate", "magnesium")),
    _named("troponin"),
    _named("ck_mb", "CK-MB"),
    _named("ck", "creatine kinase"),
    _named("nt_probnp", "NT-proBNP"),
    _named("bnp", "BNP"),
    _named("crp", "CRP"),
    _named("esr", "ESR"),
    _named("tsh", "TSH"),
    *(_named(key) for key in ("ferritin", "iron")),
    _named("ldh", "LDH"),
    _named("d_dimer", "D-dimer"),
    _named("hcg", "hCG"),
    *(_named(key) for key in ("testosterone", "prolactin")),
    _named("psa", "PSA"),
    _named("cea", "CEA"),
    _named("ca_125", "CA-125"),
    _named("factor_viii", "factor VIII"),
    _named("ldl", "LDL cholesterol"),
    _named("hdl", "HDL cholesterol"),
    *(_named(key) for key in ("triglycerides", "cholesterol")),
    _named("fev1", "FEV1"),
    _named("ph", "pH", plausible=(6.5, 8.0)),
    # Vital signs and body measures.
    _named("heart_rate", unit="/min", plausible=(20.0, 300.0)),
    _named("respiratory_rate", unit="/min", plausible=(4.0, 90.0)),
    _named("temperature", unit="°C", plausible=(30.0, 45.0)),  # °F converts: see `convert`
    _named("bmi", "BMI", unit="kg/m²", plausible=(8.0, 100.0)),
    *(_named(key) for key in ("weight", "height")),
    _named("systolic_bp", "systolic blood pressure", unit="mmHg"),
    _named("diastolic_bp", "diastolic blood pressure", unit="mmHg"),
)

_BY_KEY: Final = {analyte.key: analyte for analyte in ANALYTES}
_BY_ALIAS: Final = {alias: analyte.key for analyte in ANALYTES for alias in analyte.aliases}
_FACTORS: Final = {
    analyte.key: {unit_key(unit): factor for unit, factor in analyte.factors.items()}
    | ({unit_key(analyte.unit): 1.0} if analyte.unit else {})
    for analyte in ANALYTES
}

#: The canonical unit of each analyte that has one.
CANONICAL_UNITS: Final[dict[str, str]] = {a.key: a.unit for a in ANALYTES if a.unit is not None}
#: Typical adult upper limits of normal, in the canonical unit (used only when a result does not
#: state its own, and the evidence then says so).
TYPICAL_ULN: Final[dict[str, float]] = {a.key: a.uln for a in ANALYTES if a.uln is not None}
#: LOINC code -> analyte key.
LOINC_CODES: Final[dict[str, str]] = {code: a.key for a in ANALYTES for code in a.loinc}
#: The blood cell counts (given per µL, per mm³ or in 10^9/L).
BLOOD_COUNTS: Final = frozenset(a.key for a in ANALYTES if a.count)
#: The analytes criteria may state as a multiple of the upper limit of normal.
AGAINST_ULN: Final = frozenset(a.key for a in ANALYTES if a.against_uln)


def analyte(key: str) -> Analyte | None:
    """The catalogue's entry for ``key`` (a key, not an alias), or None."""
    return _BY_KEY.get(key)


def analyte_key(name: str) -> str:
    """The analyte key a name stands for: a key ("direct bilirubin" -> "direct_bilirubin"), an
    alias ("Hgb" -> "hemoglobin", "SGOT" -> "ast"), else the name itself, lower case, with
    underscores."""
    key = re.sub(r"[\s_\-]+", " ", name.strip().lower())
    if key.replace(" ", "_") in _BY_KEY:
        return key.replace(" ", "_")
    return _BY_ALIAS.get(key, key.replace(" ", "_"))


def analyte_coded(codes: Iterable[str]) -> str | None:
    """The analyte a set of LOINC codes names (by the first code in order that is one)."""
    return next((LOINC_CODES[code] for code in sorted(codes) if code in LOINC_CODES), None)


def name_of(key: str) -> str:
    """How trialscout names an analyte to a person ("absolute neutrophil count")."""
    entry = _BY_KEY.get(key)
    return entry.name if entry is not None else key.replace("_", " ")


def plain_name(key: str) -> str:
    """The analyte's name in plain-language text ("neutrophils"), by key or alias."""
    entry = _BY_KEY.get(analyte_key(key))
    return entry.plain if entry is not None else key.replace("_", " ")


def bare_unit(key: str, value: float) -> str | None:
    """The unit a number stated without one is in: the size of the number decides where the
    analyte leaves no doubt ("platelets 150000" per µL, "creatinine 120" µmol/L), else the
    canonical unit."""
    entry = _BY_KEY.get(key)
    if entry is None:
        return None
    if entry.bare is not None and value >= entry.bare[0]:
        return entry.bare[1]
    return entry.unit


def factor(key: str, unit: str | None) -> float | None:
    """The factor from ``unit`` to the analyte's canonical unit (1.0 for the canonical unit
    itself), or None when the analyte is not given in that unit."""
    return _FACTORS.get(key, {}).get(unit_key(unit))


def convert(key: str, value: float, unit: str | None) -> float | None:
    """``value`` in ``unit`` as a value in the analyte's canonical unit, or None when the unit
    is not one the analyte is given in. No unit: read by the size of the number (`bare_unit`).

    >>> round(convert("creatinine", 106.1, "µmol/L") or 0, 2)
    1.2
    """
    if not unit:
        unit = bare_unit(key, value)
        if unit is None:
            return None
    if key == "temperature" and unit_key(unit) in ("°f", "f", "degf", "[degf]"):
        return (value - 32) * 5 / 9
    scale = factor(key, unit)
    return None if scale is None else value * scale


def from_canonical(key: str, value: float, unit: str) -> float | None:
    """A value in the canonical unit expressed in ``unit`` (the inverse of `convert`).

    >>> round(from_canonical("creatinine", 1.2, "µmol/L") or 0, 1)
    106.1
    """
    scale = factor(key, unit)
    return None if not scale else value / scale


def plausible(key: str, value: float) -> bool:
    """Whether ``value`` (in the canonical unit) can be a real result of the analyte; an analyte
    with no known range takes any value."""
    entry = _BY_KEY.get(key)
    if entry is None or entry.plausible is None:
        return True
    low, high = entry.plausible
    return low <= value <= high
