"""Laboratory results and vital signs in a clinical note, each with the span of its words.

`read_labs` reads an analyte name followed by its value and unit: "Hb 9.8 g/dL", "platelets
90,000/mm3", "creatinine of 1.4 mg/dL", "WBC 6.3 x 109/L", "O2 sats are 100% on room air", "EF of
35%", "BP 150/90", "pulse is 70/min", "T: 39.5 C", "BMI is 24 kg/m2", and a table row "Glucose
90-120 mg/dl 95 mg/dl" (the value, with the range's top as the upper limit of normal). Values are
as written; units get one clean spelling ("mg/dl" -> "mg/dL", "x 109/L" -> "10^9/L", "K/uL" ->
"10^3/µL", "/mm" -> "/mm3"), except a temperature without one, whose size says °C or °F. Analyte
keys are those of the catalogue, `trialscout.model.labs` ("anc", "platelets", "hemoglobin",
"creatinine", "lvef", "oxygen_saturation", "glucose", "ferritin", "heart_rate", "systolic_bp",
...). A value outside what the analyte can be (the catalogue's plausible range, checked for the
vital signs and the analytes always given in one unit), or in a unit it is never given in, is
not read.
"""

from __future__ import annotations

import bisect
import re

from trialscout.eligibility.model import Span
from trialscout.model import labs as catalogue
from trialscout.patients.note_values import Reading, number_text


class LabReading(Reading, frozen=True):
    analyte: str
    value: float
    unit: str | None = None
    upper_limit_normal: float | None = None
    second_value: float | None = None  # a blood pressure's diastolic value


# (analyte key, pattern): the keys are the catalogue's (`trialscout.model.labs.ANALYTES`).
_ANALYTES: list[tuple[str, str]] = [
    ("hba1c", r"(?:ha?emoglobin|Hb)\s*-?\s*A1c|(?-i:HbA1c|HBA1C|A1c|A1C)|glycated\s+ha?emoglobin"),
    ("creatinine_clearance", r"creatinine\s+clearance|(?-i:CrCl|CrCL|CLcr|CCr)"),
    ("egfr", r"(?-i:eGFR|GFR)|(?:estimated\s+)?glomerular\s+filtration\s+rate"),
    ("creatinine", r"(?:serum\s+)?creatinine(?!\s+(?:clearance|kinase))|(?-i:Cr|Creat|SCr)"),
    ("anc", r"absolute\s+neutrophils?(?:\s+count)?|(?-i:ANC)|neutrophils?(?:\s+count)?"),
    (
        "wbc",
        r"white\s+blood\s+cells?(?:\s+count)?|white\s+(?:cell\s+)?count|(?-i:WBCs?|WCC)(?:\s+count)?"
        r"|leu[ck]ocytes?(?:\s+count)?|leu[ck]ocyte\s+count",
    ),
    ("lymphocytes", r"(?:absolute\s+)?lymphocytes?(?:\s+count)?|(?-i:ALC)"),
    ("platelets", r"platelets?(?:\s+count)?|(?-i:PLTs?|Plts?)"),
    ("hemoglobin", r"ha?emoglobin|(?-i:Hg?b|HGB)"),
    ("hematocrit", r"ha?ematocrit|(?-i:Hct|HCT)"),
    ("mcv", r"mean\s+corpuscular\s+volume|(?-i:MCV)"),
    ("reticulocytes", r"reticulocytes?(?:\s+count)?"),
    ("bun", r"blood\s+urea\s+nitrogen|(?-i:BUN)|(?:serum\s+)?urea"),
    ("direct_bilirubin", r"(?:direct|conjugated)\s+bilirubin"),
    ("bilirubin", r"(?:total\s+|serum\s+)?bilirubin|(?-i:T\.?\s?[Bb]ili|TBili|Bili)"),
    ("ast", r"(?-i:AST|SGOT)|aspartate\s+(?:amino)?transferase"),
    ("alt", r"(?-i:ALT|SGPT)|alanine\s+(?:amino)?transferase"),
    ("alkaline_phosphatase", r"alkaline\s+phosphatase|(?-i:ALP|Alk\s?Phos)"),
    ("albumin", r"(?:serum\s+)?albumin(?!uria)"),
    ("inr", r"(?-i:INR)|international\s+normali[sz]ed\s+ratio"),
    ("ptt", r"(?-i:a?PTT|APTT)|(?:activated\s+)?partial\s+thromboplastin\s+time"),
    ("pt", r"(?-i:PT)|prothrombin\s+time"),
    ("lvef", r"(?:left\s+ventricular\s+)?ejection\s+fraction|(?-i:LVEF|LV\s?EF|EF)"),
    ("transferrin_saturation", r"transferrin\s+saturation"),
    (
        "oxygen_saturation",
        r"(?:oxygen|O2)\s+sat(?:uration)?s?|(?-i:SpO2|SaO2|SPO2|O2\s?[Ss]ats?)|pulse\s+ox(?:imetry)?",
    ),
    ("qtc", r"(?-i:QTc[FB]?)|corrected\s+QT(?:\s+interval)?"),
    ("glucose", r"(?:fasting\s+)?(?:plasma\s+|blood\s+|serum\s+)?glucose|blood\s+sugar"),
    ("sodium", r"(?:serum\s+)?sodium|(?-i:Na)"),
    ("potassium", r"(?:serum\s+)?potassium"),
    ("chloride", r"chloride"),
    ("calcium", r"(?:serum\s+)?calcium|(?-i:Ca)"),
    ("bicarbonate", r"bicarbonate|(?-i:HCO3|CO2)"),
    ("magnesium", r"magnesium"),
    ("troponin", r"(?:high[\s-]sensitivity\s+)?troponin(?:\s+[TI])?|(?-i:cTnI|cTnT|TnI|TnT|hs-?TnT)"),
    ("ck_mb", r"(?-i:CK-MB|CKMB|CK\s+MB)"),
    ("ck", r"creatine\s+(?:phospho)?kinase|(?-i:CK|CPK)(?![\s-]*(?:MB|index))"),
    ("nt_probnp", r"(?-i:NT-?pro-?BNP)"),
    ("bnp", r"(?-i:BNP)|brain\s+natriuretic\s+peptide"),
    ("crp", r"C[\s-]reactive\s+protein|(?-i:CRP|hs-?CRP)"),
    ("esr", r"erythrocyte\s+sedimentation\s+rate|(?-i:ESR)|sed\s+rate"),
    ("tsh", r"thyroid[\s-]stimulating\s+hormone|(?-i:TSH)"),
    ("ferritin", r"(?:serum\s+)?ferritin"),
    ("iron", r"(?:serum\s+)?iron"),
    ("ldh", r"lactate\s+dehydrogenase|(?-i:LDH)"),
    ("d_dimer", r"d-?dimer"),
    ("hcg", r"(?:β|beta)[\s-]*h?CG|(?-i:b-?hCG|bhCG|hCG|HCG)"),
    ("testosterone", r"(?:serum\s+)?(?:free\s+|total\s+)?testosterone"),
    ("prolactin", r"prolactin"),
    ("psa", r"prostate[\s-]specific\s+antigen|(?-i:PSA)"),
    ("cea", r"carcinoembryonic\s+antigen|(?-i:CEA)"),
    ("ca_125", r"(?-i:CA)[\s-]?125"),
    ("cd4", r"CD4\+?(?:\s+(?:T[\s-]?cell\s+)?count)?"),
    ("factor_viii", r"(?-i:FVIII)(?::C)?(?:\s+activity)?|factor\s+VIII(?:\s+activity)?"),
    ("ldl", r"(?-i:LDL)(?:[\s-]?(?:C\b|cholesterol))?"),
    ("hdl", r"(?-i:HDL)(?:[\s-]?(?:C\b|cholesterol))?"),
    ("triglycerides", r"triglycerides?"),
    ("cholesterol", r"(?:total\s+)?cholesterol"),
    ("fev1", r"(?-i:FEV1)"),
    ("ph", r"(?:blood\s+|arterial\s+)?(?-i:pH)"),
    ("heart_rate", r"heart\s+rate|pulse(?:\s+rate)?|(?-i:HR|PR)"),
    ("respiratory_rate", r"respiratory\s+rate|respirations?(?:\s+rate)?|(?-i:RR)"),
    ("temperature", r"(?:body\s+)?temperature|(?-i:Temp|temp|T)(?=\s*:)"),
    ("bmi", r"body\s+mass\s+index|(?-i:BMI)"),
    ("weight", r"(?:body\s+)?weight|(?-i:Wt)"),
    ("height", r"height|(?-i:Ht)"),
]
_ANALYTE = re.compile(
    r"(?<![\w-])(?=[^\W\d_])(?:"
    + "|".join(f"(?P<a{i}>{pattern})" for i, (_, pattern) in enumerate(_ANALYTES))
    + r")(?![\w])",
    re.IGNORECASE,
)
_ANALYTE_KEYS = {f"a{i}": key for i, (key, _) in enumerate(_ANALYTES)}
_NOT_BLOOD = re.compile(r"\b(?:excretion|urine|urinary|stool|fecal|csf|fluid)\b[^.;,]{0,12}$", re.IGNORECASE)

_MICRO = r"(?:µ|u|μ|mc)"
_TEN = r"(?:x|\*|×)\s*10\s*(?:\^|\*\*|e)?\s*"
_UNITS: list[tuple[str, str]] = [
    ("xULN", r"(?:x|\*|×|times)\s*(?:the\s+)?(?:ULN|upper\s+limits?\s+of\s+(?:the\s+)?normal)\b"),
    ("10^12/L", rf"{_TEN}(?:12|¹²)\s*/\s*l\b|(?:x|\*|×)\s*1012\s*/\s*l\b"),
    ("10^9/L", rf"{_TEN}(?:9|⁹)\s*(?:cells\s*)?/\s*l\b|(?:x|\*|×)\s*109\s*/\s*l\b|(?-i:G)\s*/\s*(?-i:L)\b"),
    (
        "10^3/µL",
        rf"{_TEN}(?:3|³)\s*/\s*(?:{_MICRO}l\b|mm\s*\^?\s*(?:3|³))|(?:x|\*|×)\s*103\s*/\s*{_MICRO}l\b"
        rf"|(?-i:K)\s*/\s*{_MICRO}l\b",
    ),
    (
        "mL/min/1.73m²",
        r"m\s*l\s*/\s*min(?:ute)?\s*/?\s*(?:per\s+)?1[.,]73\s*(?:m\s*(?:\^?\s*2|²)|square\s+met\w+)?",
    ),
    ("mL/min", r"m\s*l\s*/\s*min(?:ute)?\b"),
    ("mmHg", r"mm\s*hg\b"),
    ("mm/h", r"mm\s*/\s*(?:h|hr|hour)\b"),
    (
        "/mm3",
        r"(?:cells\s*)?/\s*(?:mm\s*\^?\s*(?:3|³)|cu\.?\s*mm|mm(?![a-z]))|(?:cells\s*)?per\s+(?:cubic\s+)?mm(?:3|³)?\b",
    ),
    ("/µL", rf"(?:cells\s*)?/\s*{_MICRO}l\b"),
    ("g/dL", r"g(?:m|r)?\s*/\s*dl\b|g\s*%"),
    ("mg/dL", r"mg\s*/\s*dl\b|mg\s*%"),
    ("µg/dL", rf"{_MICRO}g\s*/\s*dl\b"),
    ("ng/dL", r"ng\s*/\s*dl\b"),
    ("pg/mL", r"pg\s*/\s*ml\b"),
    ("ng/mL", r"ng\s*/\s*ml\b"),
    ("µg/mL", rf"{_MICRO}g\s*/\s*ml\b"),
    ("g/L", r"g\s*/\s*l\b"),
    ("mg/L", r"mg\s*/\s*l\b"),
    ("µg/L", rf"{_MICRO}g\s*/\s*l\b"),
    ("ng/L", r"ng\s*/\s*l\b"),
    ("mmol/mol", r"mmol\s*/\s*mol\b"),
    ("mmol/L", r"mmol\s*/\s*l\b|(?-i:mM)\b"),
    ("µmol/L", rf"{_MICRO}mol\s*/\s*l\b"),
    ("mEq/L", r"meq\s*/\s*l\b"),
    ("mIU/mL", r"miu\s*/\s*ml\b"),
    ("µIU/mL", rf"{_MICRO}iu\s*/\s*ml\b"),
    ("mIU/L", r"miu\s*/\s*l\b"),
    ("IU/mL", r"iu\s*/\s*ml\b"),
    ("IU/dL", r"iu\s*/\s*dl\b"),
    ("IU/L", r"iu\s*/\s*l\b"),
    ("U/L", r"units?\s*/\s*l\b|u\s*/\s*l\b"),
    ("mIU", r"miu\b"),
    ("kg/m²", r"kg\s*/\s*m\s*(?:\^?\s*2|²)"),
    ("kg", r"kgs?\b|kilograms?\b"),
    ("lb", r"lbs?\b|pounds?\b"),
    ("cm", r"cm\b|centimet(?:er|re)s?\b"),
    ("fL", r"fl\b"),
    ("pg", r"pg\b"),
    ("/min", r"/\s*min(?:ute)?\b|bpm\b|(?:beats|breaths)\s+(?:per|/)\s*min(?:ute)?\b"),
    ("%", r"%|percent\b"),
    ("mg", r"mg\b"),
    ("ms", r"ms(?:ec)?\b|milliseconds?\b"),
    ("s", r"sec(?:onds?)?\b|s\b"),
]
_UNIT = re.compile(
    r"\s{0,2}(?:" + "|".join(f"(?P<u{i}>{pattern})" for i, (_, pattern) in enumerate(_UNITS)) + ")",
    re.IGNORECASE,
)
_UNIT_NAMES = {f"u{i}": name for i, (name, _) in enumerate(_UNITS)}
_TEMPERATURE_UNIT = re.compile(
    r"\s{0,2}(?:°\s*(?P<c1>C)|°\s*(?P<f1>F)|(?P<c2>(?-i:C))\b|(?P<f2>(?-i:F))\b|degrees?\s+(?:(?P<c3>celsius|centigrade|c)"
    r"|(?P<f3>fahrenheit|f))\b)",
    re.IGNORECASE,
)
_FILLER = (
    r"(?:\s++|\([^()\d]{0,40}\)|[:=,(]|\b(?:is|was|were|are|of|at|level|levels|count|counts|value|values|measured"
    r"|found|to|be|elevated|increased|decreased|low|high|reduced|raised|concentration|activity|rate|index|on|the|a"
    r"|an|repeat|repeated|initial|serum|plasma|blood|total|fasting|as|showed|shows|revealed|reveals|result"
    r"|results|rose|dropped|remains|remained|markedly|mildly|slightly|significantly|moderately|irregular|regular"
    r"|about|approximately|around|only|now|currently|his|her|their|patient's|body|today)\b){0,16}?"
)
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,6}(?:\.\d+)?"
_VALUE = re.compile(
    rf"{_FILLER}(?P<cmp><=|>=|≤|≥|<|>|~)?\s?(?P<num>{_NUMBER})(?![\d,]\d|\.\d|\s?(?:st|nd|rd|th|-year|-month)\b)"
    rf"(?:\s?(?:-|–|to)\s?(?P<num2>{_NUMBER})(?![\d,]\d|\.\d))?",
    re.IGNORECASE,
)
_ROW_VALUE = re.compile(
    rf"[ \t]{{1,40}}(?P<cmp><=|>=|≤|≥|<|>)?\s?(?P<num>{_NUMBER})(?![\d,]\d|\.\s*\d)", re.I
)
_BLOOD_PRESSURE = re.compile(
    r"\b(?:(?:systolic\s+(?:and\s+diastolic\s+)?)?blood\s+pressures?|(?-i:BP|B/P))"
    r"(?:\s++|[:=,]|\b(?:is|was|were|of|at|reading|measured|remains|remained|the|on|admission|arrival|currently"
    r"|now|elevated|high|low|his|her)\b){0,8}?"
    r"(?P<sys>\d{2,3})\s?/\s?(?P<dia>\d{2,3})(?![\d/])(?P<unit>\s?mm\s?hg\b)?",
    re.IGNORECASE,
)
# Units a reading of these analytes may have (None: none written); a reading with another is dropped.
_ALLOWED_UNITS: dict[str, set[str | None]] = {
    "heart_rate": {None, "/min"},
    "respiratory_rate": {None, "/min"},
    "oxygen_saturation": {None, "%"},
    "lvef": {None, "%"},
    "fev1": {"%", None},
    "bmi": {None, "kg/m²"},
    "weight": {"kg", "lb"},
    "height": {"cm"},
    "transferrin_saturation": {"%"},
    "ph": {None},
    "pt": {None, "s"},
    "ptt": {None, "s"},
    "inr": {None},
    "qtc": {None, "ms"},
}
_NOT_LAB_UNITS = {"/min", "kg", "lb", "cm", "kg/m²", "mmHg", "s", "ms"}
# Readings checked against the catalogue's plausible range: those always stated in one unit.
_CHECKED = frozenset(
    {"heart_rate", "respiratory_rate", "oxygen_saturation", "lvef", "bmi", "ph", "inr", "egfr", "temperature"}
)


def _unit_at(view: str, position: int, analyte: str) -> tuple[str | None, int]:
    if analyte == "temperature":
        match = _TEMPERATURE_UNIT.match(view, position)
        if match is None:
            return None, position
        celsius = match.group("c1") or match.group("c2") or match.group("c3")
        return ("°C" if celsius else "°F"), match.end()
    unit_match = _UNIT.match(view, position)
    if unit_match is None:
        return None, position
    return _UNIT_NAMES[unit_match.lastgroup or ""], unit_match.end()


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _display(analyte: str, comparator: str, value: float, unit: str | None) -> str:
    name = analyte.replace("_", " ")
    amount = f"{comparator}{number_text(value)}"
    if unit is None:
        return f"{name} {amount}"
    return f"{name} {amount}{'' if unit in ('%', '°C', '°F') else ' '}{unit}"


def read_labs(view: str) -> list[LabReading]:
    """Every laboratory value and vital sign the note states, in the note's order."""
    readings: list[LabReading] = []
    pressures: list[tuple[int, int]] = []
    for match in _BLOOD_PRESSURE.finditer(view):
        systolic, diastolic = float(match.group("sys")), float(match.group("dia"))
        if not (50 <= systolic <= 300 and 20 <= diastolic <= 200 and diastolic < systolic):
            continue
        span = Span(match.start(), match.end())
        display = f"blood pressure {number_text(systolic)}/{number_text(diastolic)} mmHg"
        readings.append(
            LabReading(
                display, span, analyte="systolic_bp", value=systolic, unit="mmHg", second_value=diastolic
            )
        )
        pressures.append((span.start, span.end))
    pressure_starts = [start for start, _ in pressures]
    read_to = 0
    for match in _ANALYTE.finditer(view):
        index = bisect.bisect_right(pressure_starts, match.start()) - 1
        if match.start() < read_to or (index >= 0 and match.start() < pressures[index][1]):
            continue
        reading = _lab_at(view, match)
        if reading is not None:
            readings.append(reading)
            read_to = reading.span.end
    readings.sort(key=lambda r: r.span.start)
    return readings


def _lab_at(view: str, match: re.Match[str]) -> LabReading | None:
    analyte = _ANALYTE_KEYS[match.lastgroup or ""]
    if _NOT_BLOOD.search(view, max(0, match.start() - 30), match.start()):
        return None  # "fractional excretion of sodium", "urine sodium"
    value_match = _VALUE.match(view, match.end())
    if value_match is None:
        return None
    comparator = value_match.group("cmp") or ""
    value = _number(value_match.group("num"))
    end = value_match.end("num")
    upper_limit = None
    if value_match.group("num2") is not None:
        # A range: a table row's normal range when the patient's value follows it on the line.
        _, range_end = _unit_at(view, value_match.end(), analyte)
        row = _ROW_VALUE.match(view, range_end)
        if row is None:
            return None
        upper_limit = _number(value_match.group("num2"))
        comparator = row.group("cmp") or ""
        value, end = _number(row.group("num")), row.end("num")
    unit, unit_end = _unit_at(view, end, analyte)
    if upper_limit is not None and unit is None:
        upper_limit = None
    if analyte == "temperature" and unit is None:
        unit = "°F" if value > 50 else "°C"  # no unit written: the size of the number says which
    allowed = _ALLOWED_UNITS.get(analyte)
    if allowed is not None and unit not in allowed:
        return None
    if allowed is None and unit in _NOT_LAB_UNITS:
        return None
    if analyte in _CHECKED and not catalogue.plausible(
        analyte, catalogue.convert(analyte, value, unit) or value
    ):
        return None
    span = Span(match.start(), unit_end if unit_end > end else end)
    return LabReading(
        _display(analyte, comparator, value, unit),
        span,
        analyte=analyte,
        value=value,
        unit=unit,
        upper_limit_normal=upper_limit,
    )
