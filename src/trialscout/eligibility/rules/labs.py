"""Laboratory and physiological thresholds, with units normalised to one unit per analyte.

`read_labs` reads "ANC ≥ 1,500/mm3", "platelets ≥ 100 × 10^9/L", "Hemoglobin > 9 g/dL",
"AST/ALT ≤ 2.5 × ULN", "creatinine clearance ≥ 60 mL/min", "LVEF ≥ 50%", "QTcF > 470 ms" ->
one `LabRule` per analyte (a list that shares a threshold, "AST and ALT < 3 x ULN", gives one
rule for each), with the bound as the words say it, in the analyte's canonical unit
(`CANONICAL_UNITS`) or as a multiple of the upper limit of normal ("xULN").

A stated exception stays on the rules it qualifies, never becomes a rule of its own: "total
bilirubin ≤ 1.5 × ULN except subjects with Gilbert's syndrome who must have ≤ 3.0 mg/dL",
"AST/ALT ≤ 2.5 × ULN (≤ 5 × ULN if liver metastases)". An exception goes to the rules just
before it in the same list item, and to every rule of the sentence whose analyte it names.

Without a unit, the unit is inferred from the size of the number where the field leaves no
doubt ("platelets ≥ 100,000" is per mm³, "hemoglobin ≥ 90" is g/L); a value that is not
plausible for the analyte in any unit is not read.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import msgspec

from trialscout.eligibility.model import (
    Bound,
    CriterionKind,
    LabRule,
    Part,
    PartRole,
    Rule,
    Span,
    StatedException,
)
from trialscout.eligibility.polarity import expect
from trialscout.eligibility.rules.thresholds import (
    COMPARATOR,
    Threshold,
    lowered,
    negated_before,
    read_threshold,
    scale,
    threshold_pattern,
)
from trialscout.model import labs as catalogue
from trialscout.model.labs import AGAINST_ULN, CANONICAL_UNITS, ULN

__all__ = ["READERS", "read_labs"]


_ANALYTES: list[tuple[str, str]] = [
    (
        "creatinine_clearance",
        r"creatinine\s+clearance|(?-i:Cr\s?Cl|CrCL|CLcr|CLCr|CCr|CRCL)\b"
        r"|clearance\s+of\s+creatinine|(?:calculated|measured|estimated)\s+(?:creatinine\s+)?clearance",
    ),
    ("egfr", r"(?-i:eGFR|GFR|e-GFR)\b|(?:estimated\s+)?glomerular\s+filtration\s+rate"),
    ("creatinine", r"(?:serum\s+)?creatinine(?!\s+(?:clearance|kinase|phospho))\b|(?-i:S?Cr|sCr|Creat)\b"),
    ("cd4", r"CD4\+?(?:\s*T)?(?:[\s-]*(?:cells?|lymphocytes?|T[\s-]*cells?))?(?:\s+counts?)?"),
    (
        "anc",
        r"absolute\s+neutrophils?(?:\s+counts?)?|(?:absolute\s+)?neutrophil(?:e|s)?(?:\s+(?:granulocytes?|counts?))?"
        r"|(?-i:ANC|AGC|PMN)\b|(?:absolute\s+)?granulocytes?(?:\s+counts?)?"
        r"|polymorphonuclear\s+(?:leu[ck]ocytes|neutrophils|cells)",
    ),
    ("platelets", r"platelets?(?:\s+counts?)?|thrombocytes?(?:\s+counts?)?|(?-i:PLTs?|Plts?)\b"),
    (
        "hemoglobin",
        r"(?<!glycated\s)(?<!glycosylated\s)ha?emoglobin(?!\s{0,3}-?\s{0,3}a1c)\b|(?-i:Hg?b|HGB)\b(?![\s-]*A1c)",
    ),
    (
        "wbc",
        r"white\s+blood\s+cells?(?:\s+counts?)?|white\s+(?:blood\s+)?(?:cell\s+)?counts?|(?-i:WBCs?|WCC)\b"
        r"|(?:total\s+)?leu[ck]ocytes?(?:\s+counts?)?",
    ),
    ("lymphocytes", r"(?:absolute\s+)?lymphocytes?(?:\s+counts?)?|(?-i:ALC)\b"),
    (
        "bun",
        r"blood\s+urea\s+nitrogen|(?-i:BUN)\b|(?:serum\s+)?urea(?:\s+nitrogen)?(?!\s+(?:breath|cycle))\b",
    ),
    ("direct_bilirubin", r"(?:direct|conjugated)\s+(?:serum\s+)?bilirubin"),
    ("bilirubin", r"(?:(?:total|serum|blood)\s+)*bilirubin|(?-i:T\.?\s?[Bb]ili|TBILI?|TBil|Bili|BILI)\b"),
    (
        "transaminases",
        r"(?:serum\s+|liver\s+|hepatic\s+)?(?:amino)?transaminases?|aminotransferases|(?-i:LFTs?)\b",
    ),
    ("ast", r"(?-i:AST|SGOT|ASAT|GOT)\b|aspartate\s+(?:amino\s*)?trans(?:ferase|aminase)"),
    ("alt", r"(?-i:ALT|SGPT|ALAT|GPT)\b|alanine\s+(?:amino\s*)?trans(?:ferase|aminase)"),
    ("alkaline_phosphatase", r"alkaline\s+phosphatases?|(?-i:ALP|Alk\.?\s?Phos|ALK\s?PHOS)\b"),
    ("albumin", r"(?:serum\s+)?albumin(?!\s*(?:uria|-to-|/))\b"),
    ("inr", r"(?-i:INR)\b|international\s+normali[sz]ed\s+ratio"),
    ("ptt", r"(?-i:a?PTT|APTT)\b|(?:activated\s+)?partial\s+thromboplastin\s+times?"),
    ("pt", r"(?-i:PT)\b|prothrombin\s+times?"),
    ("lvef", r"(?:left\s+ventricular\s+)?ejection\s+fractions?|(?-i:LVEF|LV\s?EF|EF)\b"),
    (
        "oxygen_saturation",
        r"(?:oxygen|O2)\s+saturations?|(?-i:SpO2|SaO2|SPO2|O2\s?sat)\b|pulse\s+oximetry|saturation\s+(?:of\s+)?(?:oxygen|O2)",
    ),
    ("qtc", r"QT\s?c[FB]?\b|corrected\s+QT(?:\s+interval)?|QT\s+interval"),
]
_ANALYTE = re.compile(
    r"\b(?:" + "|".join(f"(?P<a{i}>{pattern})" for i, (_, pattern) in enumerate(_ANALYTES)) + ")",
    re.IGNORECASE,
)
_KEYS = {f"a{i}": key for i, (key, _) in enumerate(_ANALYTES)}
_LAB_HINT = re.compile(
    r"neutro|granulocyt|platelet|thrombocyt|h[a]?emoglobin|creat|clearance|gfr|glomerular|bili|transaminase|amino"
    r"|phos|albumin|thromboplastin|prothrombin|ejection|saturation|oximetry|leu[ck]ocyt|white|lymph|urea"
    r"|\b(?:anc|agc|plts?|hg?b|ast|alt|got|gpt|asat|alat|sgot|sgpt|alp|inr|a?ptt|pt|ef|lv\s?ef|o2|sp[ao]2|qt\s?c?[fb]?"
    r"|wbcs?|wcc|cd4|s?cr|pmn|lfts?|bun|crcl|clcr|ccr|tbili?|alc)\b"
)

# Units, each a named group: what a written unit is.
_PER_MICROLITRE = r"(?:µ|u|μ|mc|micro)\s*l(?:iter|itre)?\b"
_UNITS: list[tuple[str, str]] = [
    (
        "e9",
        r"(?:(?:x|\*)\s*)?10\s*(?:\^|\*\*|e|E)?\s*\(?\s*(?:9|⁹)\s*\)?\s*(?:cells?\s*)?(?:/|per\s+)\s*l(?:iter|itre)?\b",
    ),
    (
        "e3",
        r"(?:(?:x|\*)\s*)?10\s*(?:\^|\*\*|e|E)?\s*\(?\s*(?:3|³)\s*\)?\s*(?:cells?\s*)?(?:/|per\s+)\s*"
        rf"(?:{_PER_MICROLITRE}|mm\s*(?:\^\s*)?(?:3|³)|cu\.?\s*mm)",
    ),
    ("giga", r"(?-i:G|Giga)\s*/\s*(?-i:L)\b"),
    ("kul", rf"(?:(?-i:K)|thou(?:sand)?s?)\s*/\s*{_PER_MICROLITRE}"),
    (
        "ml173",
        r"m\s*l\s*/\s*min(?:ute)?\s*(?:/|per)?\s*1[.,]73\s*(?:m\s*(?:\^?\s*2|²)|square\s+met(?:er|re)s?|m\b)?",
    ),
    ("mlmin", r"(?:m\s*l|cc)\s*/\s*min(?:ute)?s?\b|m\s*l\s+per\s+min(?:ute)?\b"),
    ("mls", r"m\s*l\s*/\s*s(?:ec)?\b"),
    (
        "perul",
        r"(?:cells?\s*)?(?:/|per\s+)\s*(?:mm\s*(?:\^\s*)?(?:3|³)|cu\.?\s*mm|cubic\s+(?:mm|millimet(?:er|re)s?)"
        rf"|{_PER_MICROLITRE}|m\s*l\b)|(?:cells?\s*)?mm\s*(?:\^\s*)?(?:3|³)",
    ),
    (
        "gdl",
        r"g(?:m|r|rams?)?\s*/\s*d\s*l\b|g(?:m|r)?\s*/\s*100\s*m\s*l\b|g(?:m|r)?\s*%|grams?\s+per\s+deciliter",
    ),
    ("gl", r"g(?:m|r|rams?)?\s*/\s*l\b|grams?\s+per\s+lit(?:er|re)"),
    ("mgdl", r"mg\s*/\s*d\s*l\b|mg\s*%|mg\s*/\s*100\s*m\s*l\b|milligrams?\s+per\s+deciliter"),
    ("umol", r"(?:µ|u|μ|mc|micro)\s*mol(?:es)?\s*/\s*l\b|(?-i:[µuμ]M)\b"),
    ("mmol", r"mmol\s*/\s*l\b"),
    (
        "uln",
        r"(?:(?:x|\*|times|-?fold)\s*)?(?:of\s+)?(?:the\s+)?(?:(?:institutional|institution'?s?|local|laboratory|lab|site"
        r"|reference|normal)\s+)*(?:ULN|IULN|UNL|ULRR|LSN|upper\s+(?:limits?\s+)?(?:of\s+)?(?:the\s+)?"
        r"(?:institutional\s+|normal\s+|reference\s+)?(?:normal|norm|reference)(?:\s+(?:range|limits?|values?))?"
        r"|upper\s+normal\s+(?:limits?|values?)|normal\s+upper\s+limits?|upper\s+limits?)\b"
        r"|(?:x|\*|times)\s*(?:the\s+)?(?:normal\b|(?-i:N)\b)|(?-i:N)\b",
    ),
    ("ul", r"(?:i\.?\s*)?u(?:nits?)?\s*/\s*l\b|iu/l|ui/l"),
    ("pct", r"%|percent\b|per\s*cent\b"),
    ("ms", r"m\s*sec(?:onds?)?\b|ms\b|milli\s*seconds?"),
    ("sec", r"sec(?:onds?)?\b|s(?=\s*(?:$|[,;.)]))"),
]
_UNIT = "|".join(pattern for _, pattern in _UNITS)
_UNIT_KIND = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _UNITS), re.IGNORECASE)
_FILLER = (
    r"(?:\s++|[:=,\-)]|\([^()\d]{0,40}\)|\b(?:count|counts|level|levels|value|values|concentration|serum|plasma|blood"
    r"|total|of|is|are|must|should|be|has|have|to|measured|calculated|estimated|by|using|the|a|an|result|results"
    r"|test|function|as|per|Cockcroft|Gault|CKD|EPI|MDRD|formula|equation|institutional|at|screening|baseline"
    r"|ratio|fraction|rate|absolute|either|ideally|required|needs?)\b){0,24}?"
)
_THRESHOLD = re.compile(_FILLER + "(?P<t>" + threshold_pattern(f"(?:{_UNIT})") + ")", re.IGNORECASE)
_ULN_WORDS = dict(_UNITS)["uln"]
_ULN_ONLY = re.compile(
    rf"{_FILLER}(?P<t>{COMPARATOR}\s*(?:to\s+|of\s+)?(?P<uln>(?:the\s+)?{_ULN_WORDS}))", re.IGNORECASE
)
_WITHIN_NORMAL = re.compile(
    _FILLER + r"(?P<t>(?:within|in)\s+(?:the\s+)?(?:(?:institutional|laboratory|normal|reference)\s+)*"
    r"(?:normal|reference)\s+(?:institutional\s+)?(?:limits?|ranges?|values?)"
    r"|normal\b(?!\s+(?:organ|bone|marrow|hepatic|renal|function)))",
    re.IGNORECASE,
)
_CONNECT = re.compile(
    r"(?:\s|[,/&()\[\]\-]|\b(?:and|or|nor|and/or|plus|serum|total|levels?|counts?)\b)*", re.I
)
_PAREN = re.compile(r"\s*[(\[](?P<body>[^()\[\]]{1,200})[)\]]")
_EXCEPTION_CUE = re.compile(
    r"\b(?:unless|except(?:\s+(?:for|in|when|if|that))?|excepting|excluding|with\s+the\s+exception\s+of"
    r"|other\s+than|apart\s+from|aside\s+from|provided(?:\s+that)?|as\s+long\s+as|if|in\s+(?:the\s+)?(?:presence"
    r"|case|setting|context)\s+of|in\s+case\s+of|in\s+(?:patients?|subjects?|participants?|cases?|those|individuals"
    r"|people|pts)|for\s+(?:patients?|subjects?|participants?|those|individuals|people|cases|pts)|when|where"
    r"|such\s+as\s+(?:liver|hepatic|bone|gilbert)|with\s+(?:documented\s+|known\s+|confirmed\s+)?(?:liver|hepatic"
    r"|bone|gilbert)\w*|(?:is|are)\s+(?:allowed|permitted|acceptable|eligible))\b",
    re.IGNORECASE,
)
_CUE_HINT = re.compile(
    r"unless|except|exclud|other\s+than|apart|aside|provided|as\s+long|\bif\b|\bin\s|\bfor\s|when|where"
    r"|such\s+as|with|allowed|permitted|acceptable|eligible"
)
_ALTERNATIVE = re.compile(
    rf"(?:\s*\([^()\d]{{0,40}}\))*\s*(?:[(\[,]\s*)?(?:(?:or|and|but)\s+)?(?P<t>{threshold_pattern(f'(?:{_UNIT})')})\s*,?\s*",
    re.I,
)
_NEW_ITEM = re.compile(r",\s*(?:and\s+)?$")
_SENTENCE_END = re.compile(r";|\.(?:\s|$)|\n\s*\n")
_LIST_BREAK = re.compile(r"[;]|\.(?:\s|$)|\n\s*\n")

# What a written unit (a named group of `_UNITS`) is, spelt as the catalogue spells it.
_KIND_UNITS: dict[str, str] = {
    "e9": "10^9/L",
    "e3": "10^3/µL",
    "giga": "G/L",  # giga per litre for a count, grams per litre for haemoglobin or albumin
    "kul": "K/µL",
    "perul": "/µL",
    "ml173": "mL/min/1.73m²",
    "mlmin": "mL/min",
    "mls": "mL/s",
    "gdl": "g/dL",
    "gl": "g/L",
    "mgdl": "mg/dL",
    "umol": "µmol/L",
    "mmol": "mmol/L",
    "ul": "U/L",
    "pct": "%",
    "ms": "ms",
    "sec": "s",
}
# Units criteria write for another: haemoglobin "≥ 9 mg/dL" is a common slip for g/dL.
_MISWRITTEN: dict[tuple[str, str], str] = {("hemoglobin", "mgdl"): "g/dL"}
# Analytes whose bare number ("BUN ≤ 20") is not read: mg/dL or mmol/L would both be plausible.
_UNIT_REQUIRED = frozenset({"bun"})


class _Reading(msgspec.Struct, frozen=True):
    bound: Bound
    unit: str


def _top(bound: Bound) -> float:
    return max(v for v in (bound.low, bound.high) if v is not None)


def _in_canonical(bound: Bound, kind: str | None, analyte: str) -> _Reading | None:
    """The bound converted by the catalogue from the written unit (none: the size of the
    number decides) to the analyte's canonical unit; None when the analyte is not given in it."""
    if kind is None:
        if analyte in _UNIT_REQUIRED:
            return None
        unit = catalogue.bare_unit(analyte, _top(bound))
    else:
        unit = _MISWRITTEN.get((analyte, kind)) or _KIND_UNITS.get(kind)
    factor = catalogue.factor(analyte, unit)
    if factor is None:
        return None
    return _Reading(scale(bound, factor), CANONICAL_UNITS[analyte])


def _count(bound: Bound, kind: str | None, words: tuple[str, ...], analyte: str) -> _Reading | None:
    """Blood counts in 10^9/L: per mm³ or µL divided by 1000; no unit: by the size of the number."""
    if kind == "perul" and _top(bound) < 1000 and any(re.fullmatch(r"\d{1,3}\.\d{3}", w) for w in words):
        return _Reading(bound, CANONICAL_UNITS[analyte])  # "100.000/mm3" writes 100,000
    return _in_canonical(bound, kind, analyte)


def _absolute(bound: Bound, kind: str | None, words: tuple[str, ...], analyte: str) -> _Reading | None:
    """In the canonical unit, or as a multiple of ULN for an analyte measured against it."""
    if kind == "uln" and analyte in AGAINST_ULN:
        return _Reading(bound, ULN)
    return _in_canonical(bound, kind, analyte)


def _clearance(bound: Bound, kind: str | None, words: tuple[str, ...], analyte: str) -> _Reading | None:
    """Clearance and eGFR keep the unit family written: per 1.73 m² of body surface or not."""
    if kind == "ml173":
        return _Reading(bound, "mL/min/1.73m²")
    if kind in ("mlmin", None):
        return _Reading(bound, "mL/min" if kind == "mlmin" else CANONICAL_UNITS[analyte])
    if kind == "mls":
        factor = catalogue.factor(analyte, "mL/s")
        return None if factor is None else _Reading(scale(bound, factor), "mL/min")
    return None


def _transaminase(bound: Bound, kind: str | None, words: tuple[str, ...], analyte: str) -> _Reading | None:
    if kind == "uln" or (kind is None and _top(bound) <= 10):
        return _Reading(bound, ULN)  # "AST ≤ 2.5": a multiple of ULN is what is meant
    return _in_canonical(bound, kind, analyte)


def _clotting(bound: Bound, kind: str | None, words: tuple[str, ...], analyte: str) -> _Reading | None:
    value = _top(bound)
    if kind == "uln":
        return _Reading(bound, ULN)
    if analyte == "inr":
        return _Reading(bound, CANONICAL_UNITS[analyte]) if kind is None else None
    if kind == "sec" or (kind is None and value > 5):
        return _in_canonical(bound, "sec", analyte)
    if kind is None:
        return _Reading(bound, "ratio")  # "PT ≤ 1.5": the prothrombin ratio
    return None


_CONVERT: dict[str, Callable[[Bound, str | None, tuple[str, ...], str], _Reading | None]] = {
    **dict.fromkeys(catalogue.BLOOD_COUNTS, _count),
    **dict.fromkeys(("creatinine_clearance", "egfr"), _clearance),
    **dict.fromkeys(("ast", "alt", "alkaline_phosphatase"), _transaminase),
    **dict.fromkeys(("inr", "ptt", "pt"), _clotting),
    **dict.fromkeys(
        ("cd4", "hemoglobin", "creatinine", "bun", "bilirubin", "direct_bilirubin", "albumin"), _absolute
    ),
    **dict.fromkeys(("lvef", "oxygen_saturation", "qtc"), _absolute),
}


def _plausible(reading: _Reading, analyte: str) -> bool:
    values = [v for v in (reading.bound.low, reading.bound.high) if v is not None]
    if reading.unit == ULN:
        low, high = catalogue.PLAUSIBLE_ULN_MULTIPLE
        return all(low <= v <= high for v in values)
    return all(catalogue.plausible(analyte, v) for v in values)


class _Mention(msgspec.Struct, frozen=True):
    analyte: str
    start: int
    end: int


class _Group(msgspec.Struct):
    mentions: list[_Mention]

    @property
    def start(self) -> int:
        return self.mentions[0].start

    @property
    def end(self) -> int:
        return self.mentions[-1].end

    def analytes(self) -> list[str]:
        seen: list[str] = []
        for mention in self.mentions:
            for analyte in ("ast", "alt") if mention.analyte == "transaminases" else (mention.analyte,):
                if analyte not in seen:
                    seen.append(analyte)
        return seen


class _Exception(msgspec.Struct, frozen=True):
    start: int
    end: int
    analytes: frozenset[str]


def _mentions(view: str) -> list[_Mention]:
    return [_Mention(_KEYS[m.lastgroup or ""], m.start(), m.end()) for m in _ANALYTE.finditer(view)]


def _groups(view: str, mentions: list[_Mention]) -> list[_Group]:
    groups: list[_Group] = []
    for mention in mentions:
        if groups and _CONNECT.fullmatch(view, groups[-1].end, mention.start):
            groups[-1].mentions.append(mention)
        else:
            groups.append(_Group([mention]))
    return groups


def _threshold_at(view: str, position: int, analytes: list[str]) -> Threshold | None:
    """The threshold stated for a group of analytes whose words end at ``position``."""
    match = _THRESHOLD.match(view, position)
    if match:
        threshold = read_threshold(match, "t")
        if threshold is not None and threshold.directed:
            return threshold
    uln_capable = any(a in AGAINST_ULN for a in analytes)
    if uln_capable:
        only = _ULN_ONLY.match(view, position)
        if only:
            groups = only.groupdict()
            if groups.get("ge") or groups.get("gt"):
                bound = Bound(low=1.0, low_inclusive=not groups.get("gt"))
            else:
                bound = Bound(high=1.0, high_inclusive=not groups.get("lt"))
            return Threshold(
                bound=bound, unit="ULN", start=only.start("t"), end=only.end(), words=(), directed=True
            )
        normal = _WITHIN_NORMAL.match(view, position)
        if normal:
            return Threshold(
                bound=Bound(high=1.0),
                unit="ULN",
                start=normal.start("t"),
                end=normal.end(),
                words=(),
                directed=True,
            )
    return None


def _read(threshold: Threshold, analyte: str) -> _Reading | None:
    kind = None
    if threshold.unit:
        unit = _UNIT_KIND.fullmatch(threshold.unit.strip())
        kind = unit.lastgroup if unit else None
        if kind is None:
            return None
    reading = _CONVERT[analyte](threshold.bound, kind, threshold.words, analyte)
    if reading is None or not _plausible(reading, analyte):
        return None
    return reading


def _exception_end(view: str, cue_start: int, mentions: list[_Mention]) -> int:
    """Where an exception's words end: its parenthesis closes, its sentence ends, or a new list
    item (", platelets ...") begins."""
    depth = view.count("(", 0, cue_start) - view.count(")", 0, cue_start)
    end_match = _SENTENCE_END.search(view, cue_start)
    end = end_match.start() if end_match else len(view)
    if depth > 0:
        close = view.find(")", cue_start)
        if close != -1:
            end = min(end, close)
    sentence_start = max(view.rfind(";", 0, cue_start), view.rfind(". ", 0, cue_start), 0)
    named_before = {m.analyte for m in mentions if sentence_start <= m.start < cue_start}
    for mention in mentions:
        if (
            cue_start < mention.start < end
            and mention.analyte not in named_before  # "..., such as liver metastases, ALT and AST ≤ 5 ULN"
            and _NEW_ITEM.search(view, max(0, mention.start - 8), mention.start)
        ):
            end = mention.start
            break
    return end


def _find_exceptions(view: str, mentions: list[_Mention]) -> list[_Exception]:
    if not _CUE_HINT.search(lowered(view)):
        return []
    found: list[_Exception] = []
    for cue in _EXCEPTION_CUE.finditer(view):
        if found and cue.start() < found[-1].end:
            continue
        start = cue.start()
        depth = view.count("(", 0, start) - view.count(")", 0, start)
        if depth > 0:
            opening = view.rfind("(", 0, start)
            if opening != -1 and ")" not in view[opening:start]:
                start = opening + 1  # an exception in parentheses is the whole parenthesis
        end = _exception_end(view, cue.end(), mentions)
        while end > start and view[end - 1] in " ,":
            end -= 1
        if end - start <= len(cue.group(0)):
            continue
        named = frozenset(
            a
            for m in mentions
            if start <= m.start < end
            for a in (("ast", "alt") if m.analyte == "transaminases" else (m.analyte,))
        )
        found.append(_Exception(start, end, named))
    return found


def _alternative_start(view: str, position: int, exceptions: list[_Exception]) -> list[_Exception]:
    """An alternative threshold right before an exception's cue belongs to the exception:
    "≤ 2.5 × ULN or < 5 × ULN in the presence of liver metastases"."""
    alternative = _ALTERNATIVE.match(view, position)
    if alternative is None:
        return exceptions
    for index, exception in enumerate(exceptions):
        if exception.start == alternative.end() or (
            exception.start > alternative.start("t") and exception.start <= alternative.end()
        ):
            widened = _Exception(alternative.start("t"), exception.end, exception.analytes)
            return [*exceptions[:index], widened, *exceptions[index + 1 :]]
    return exceptions


def read_labs(text: str, view: str, kind: CriterionKind) -> list[Rule]:
    """One `LabRule` per analyte with a stated threshold, exceptions kept on their rules."""
    if not _LAB_HINT.search(lowered(view)):
        return []
    mentions = _mentions(view)
    if not mentions:
        return []
    exceptions = _find_exceptions(view, mentions)
    pending: list[tuple[_Group, Threshold, list[tuple[str, _Reading]]]] = []
    for group in _groups(view, mentions):
        if any(e.start <= group.start < e.end for e in exceptions):
            continue  # a threshold inside an exception is the exception's, not a rule
        analytes = group.analytes()
        threshold = _threshold_at(view, group.end, analytes)
        if threshold is None:
            continue
        readings = [(a, r) for a in analytes if (r := _read(threshold, a)) is not None]
        if not readings:
            continue
        exceptions = _alternative_start(view, threshold.end, exceptions)
        pending.append((group, threshold, readings))
    attached = _attach(view, exceptions, pending)
    rules: list[Rule] = []
    previous_end = 0
    for index, (group, threshold, readings) in enumerate(pending):
        is_negated = negated_before(view, group.start, previous_end)
        previous_end = threshold.end
        for analyte, reading in readings:
            stated = tuple(
                StatedException(text=text[e.start : e.end], span=Span(e.start, e.end))
                for e in exceptions
                if (index, analyte) in attached.get(e.start, ())
            )
            parts = [
                Part(PartRole.MEASUREMENT, Span(m.start, m.end)) for m in group.mentions if _names(m, analyte)
            ]
            parts.append(Part(PartRole.VALUE, Span(threshold.start, threshold.end)))
            rules.append(
                LabRule(
                    expect=expect(kind, is_negated),
                    span=Span(group.start, threshold.end),
                    parts=tuple(parts),
                    exceptions=stated,
                    analyte=analyte,
                    bound=reading.bound,
                    unit=reading.unit,
                    original=text[threshold.start : threshold.end],
                )
            )
    return rules


def _attach(
    view: str,
    exceptions: list[_Exception],
    pending: list[tuple[_Group, Threshold, list[tuple[str, _Reading]]]],
) -> dict[int, set[tuple[int, str]]]:
    """Which rules (index, analyte) each exception (by its start) qualifies: the rules just
    before it in the same list item, those inside whose words it sits, those of the sentence
    whose analyte it names; a leading exception ("Except for ..., bilirubin ...") the rule after."""
    attached: dict[int, set[tuple[int, str]]] = {}
    for exception in exceptions:
        targets: set[tuple[int, str]] = set()
        for index, (group, threshold, readings) in enumerate(pending):
            next_start = pending[index + 1][0].start if index + 1 < len(pending) else len(view)
            inside = group.start <= exception.start <= threshold.end
            after = exception.start > threshold.end and not _LIST_BREAK.search(
                view, threshold.end, exception.start
            )
            for analyte, _ in readings:
                if inside or (after and (exception.start <= next_start or analyte in exception.analytes)):
                    targets.add((index, analyte))
        if not targets:
            following = [i for i, (g, _, _) in enumerate(pending) if g.start >= exception.end]
            if following and not view[exception.end : pending[following[0]][0].start].strip(" ,:"):
                targets = {(following[0], a) for a, _ in pending[following[0]][2]}
        attached[exception.start] = targets
    return attached


def _names(mention: _Mention, analyte: str) -> bool:
    return mention.analyte == analyte or (mention.analyte == "transaminases" and analyte in ("ast", "alt"))


READERS = [read_labs]
