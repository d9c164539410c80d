"""The code tables `trialscout.patients.fhir` reads FHIR resources with: LOINC, SNOMED CT and FHIR
value-set codes (labs, performance status, pregnancy, stage groups, biomarkers, medication status
and timing), the words that name cancers and therapies, and the small lookups that use them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from trialscout.model.labs import BLOOD_COUNTS

if TYPE_CHECKING:
    from fhir.resources.R4B.observation import Observation, ObservationComponent


# --- the document ---------------------------------------------------------------------------

BUNDLE_TYPES: Final = frozenset(
    {
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    }
)


# --- names and codes ------------------------------------------------------------------------

LOINC = "http://loinc.org"
SEMANTIC_TAG = re.compile(
    r"\s*\((?:disorder|finding|procedure|situation|morphologic abnormality|qualifier value|observable entity"
    r"|regime/therapy|body structure|substance|product|medicinal product|clinical drug|event)\)\s*$"
)


def clean_name(text: str | None) -> str | None:
    if text is None:
        return None
    text = SEMANTIC_TAG.sub("", " ".join(text.split()))
    return text or None


# --- conditions ------------------------------------------------------------------------------

CANCER: Final = re.compile(
    r"cancer|carcinoma|neoplas|tumou?r|lymphoma|leuka?emia|melanoma|sarcoma|myeloma|glioma|glioblastoma"
    r"|blastoma|mesothelioma|malignan",
    re.IGNORECASE,
)
METASTASIS: Final = re.compile(r"metasta|secondary malignan|secondary neoplasm", re.IGNORECASE)
BENIGN: Final = re.compile(r"\bbenign\b", re.IGNORECASE)
HISTOLOGIES: Final = (
    ("adenosquamous carcinoma", re.compile(r"adenosquamous", re.I)),
    ("adenocarcinoma", re.compile(r"adenocarcinoma", re.I)),
    ("squamous cell carcinoma", re.compile(r"squamous[\s-]cell", re.I)),
    ("small cell", re.compile(r"(?<!non-)(?<!non )\bsmall[\s-]cell", re.I)),
    ("large cell", re.compile(r"\blarge[\s-]cell", re.I)),
)
ACTIVE_CONDITION: Final = frozenset({"active", "recurrence", "relapse"})
RESOLVED_CONDITION: Final = frozenset({"inactive", "remission", "resolved"})


def stage_text(text: str | None) -> str | None:
    """ "Stage IVA" / "stage 4a" -> "IVA"; anything else as given."""
    if not text:
        return None
    roman = re.search(r"(?<![A-Za-z0-9])(0|IV|I{1,3})([ABC][1-3]?)?(?![A-Za-z0-9])", text)
    if roman:
        return roman[1] + (roman[2] or "")
    arabic = re.search(r"\bstage\s*([0-4])([abc][1-3]?)?\b", text, re.IGNORECASE)
    if arabic:
        return ("0", "I", "II", "III", "IV")[int(arabic[1])] + (arabic[2] or "").upper()
    return text


# --- observations ----------------------------------------------------------------------------

#: A lab's name -> analyte key, for codes not in the catalogue's `LOINC_CODES` (first match wins).
LAB_NAMES: Final = tuple(
    (key, re.compile(pattern, re.IGNORECASE))
    for key, pattern in (
        ("creatinine_clearance", r"creatinine\s+(?:renal\s+)?clearance|\bcr\s?cl\b"),
        ("egfr", r"glomerular\s+filtration|\begfr\b"),
        ("creatinine", r"\bcreatinine\b"),
        ("anc", r"neutrophil|\banc\b"),
        ("platelets", r"platelets?\b(?!\s+(?:mean|distribution))|\bplt\b"),
        ("hemoglobin", r"\bha?emoglobin\b(?!\s*a1c)|\bhgb\b"),
        ("wbc", r"\bleukocytes\b|white\s+blood\s+cells?|\bwbc\b"),
        ("lymphocytes", r"\blymphocytes\b"),
        ("direct_bilirubin", r"bilirubin\W+direct|direct\s+bilirubin|conjugated\s+bilirubin"),
        ("bilirubin", r"\bbilirubin\b"),
        ("ast", r"aspartate\s+aminotransferase|\bast\b|\bsgot\b"),
        ("alt", r"alanine\s+aminotransferase|\balt\b|\bsgpt\b"),
        ("alkaline_phosphatase", r"alkaline\s+phosphatase|\balp\b"),
        ("albumin", r"\balbumin\b"),
        ("inr", r"\binr\b|international\s+normali[sz]ed\s+ratio"),
        ("ptt", r"partial\s+thromboplastin|\ba?ptt\b"),
        ("pt", r"prothrombin\s+time|\bpt\b"),
        ("lvef", r"ejection\s+fraction|\blvef\b"),
        ("oxygen_saturation", r"oxygen\s+saturation|\bsp[ao]2\b"),
        ("qtc", r"\bqtc\b|q-?t\s+interval\s+corrected"),
    )
)
#: Names that are not the analyte they mention: a share or ratio ("Neutrophils/100 leukocytes",
#: "Albumin/Creatinine"), another specimen, a red cell index, HbA1c.
NOT_THE_ANALYTE: Final = re.compile(
    r"/\s*(?:100\b|[a-z]{4,})|\bratio\b|\burine\b|\bcsf\b|\bfluid\b|corpuscular|distribution\s+width|\bmean\b"
    r"|kinase|a1c",
    re.IGNORECASE,
)
BRACKETS: Final = re.compile(r"\[[^\]]*\]")  # LOINC's "[#/volume]", "[Mass/volume]"

ECOG: Final = frozenset({"89247-1", "89262-0", "423740007"})
KARNOFSKY: Final = frozenset({"89243-0", "761869008"})
PERFORMANCE_WORDS: Final = re.compile(r"\becog\b|\bzubrod\b|karnofsky|lansky|performance\s+status", re.I)
# LOINC answer list LL529-9 and SNOMED CT grades; LOINC LL4986-7 (LA9627-6 is "Dead" in both).
ECOG_ANSWERS: Final[dict[str, int]] = dict(
    zip(("LA9622-7", "LA9623-5", "LA9624-3", "LA9625-0", "LA9626-8", "LA9627-6"), range(6), strict=True)
) | dict(
    zip(("425389002", "422512005", "422894000", "423053003", "423237006", "423409001"), range(6), strict=True)
)
KARNOFSKY_ANSWERS: Final[dict[str, int]] = dict(
    zip(
        (
            *("LA29175-9", "LA29176-7", "LA29177-5", "LA29178-3", "LA29179-1", "LA29180-9"),
            *("LA29181-7", "LA29182-5", "LA29183-3", "LA29184-1", "LA9627-6"),
        ),
        range(100, -1, -10),
        strict=True,
    )
)
PREGNANCY: Final = frozenset({"82810-3"})
PREGNANT: Final = frozenset({"LA15173-0", "77386006"})
NOT_PREGNANT: Final = frozenset({"LA26683-5", "60001007"})
STAGE_GROUP: Final = frozenset({"21908-9", "21902-2"})

#: mCODE genomics: a variant assessment and its parts.
GENOMIC: Final = frozenset({"69548-6", "81247-9"})
GENE_STUDIED: Final = "48018-6"
VARIANT_DETAIL: Final = ("47998-0", "48005-3", "81252-9", "48004-6")  # display name, p.HGVS, variant, c.HGVS
VARIANT_KIND: Final = "48019-4"  # DNA change type: deletion, insertion, ...
MARKERS: Final = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("EGFR", r"\bEGFR\b(?!\s*\(?(?:CKD|MDRD))|(?i:epidermal growth factor receptor)"),
        ("ALK", r"\bALK\b|(?i:anaplastic lymphoma kinase)"),
        ("ROS1", r"\bROS-?1\b"),
        ("KRAS", r"\bK-?RAS\b"),
        ("NRAS", r"\bN-?RAS\b"),
        ("BRAF", r"\bB-?RAF\b"),
        ("HER2", r"\bHER-?2\b|\bERBB-?2\b|(?i:\bher2/neu\b)"),
        ("MET", r"\b(?:c-)?MET\b"),
        ("RET", r"\bRET\b"),
        (None, r"\bNTRK[1-3]?\b|\bBRCA[12]\b|\bIDH[12]\b|\bFGFR[1-4]\b"),
        ("PIK3CA", r"\bPIK3CA\b"),
        ("TP53", r"\bTP53\b"),
        ("STK11", r"\bSTK11\b"),
        ("KEAP1", r"\bKEAP1\b"),
        ("NRG1", r"\bNRG1\b"),
        ("ESR1", r"\bESR1\b"),
        ("PD-L1", r"\bPD-?L1\b|(?i:programmed (?:cell )?death[- ]ligand[- ]1)"),
        ("DLL3", r"\bDLL-?3\b|(?i:delta-like (?:ligand )?3)"),
        ("MSI", r"\bMSI(?:-H)?\b|(?i:microsatellite)"),
        ("MMR", r"\b[dp]?MMR\b|(?i:mismatch repair)"),
        ("TMB", r"\bTMB\b|(?i:tumou?r mutation(?:al)? burden)"),
        ("ER", r"(?i:o?estrogen receptor)"),
        ("PR", r"(?i:progesterone receptor)"),
    )
)
POSITIVE: Final = frozenset(
    {"LA9633-4", "LA6576-8", "LA11882-0", "10828004", "260373001", "52101004", "POS", "DET"}
)
NEGATIVE: Final = frozenset(
    {"LA9634-2", "LA6577-6", "LA11883-8", "260385009", "260415000", "2667000", "NEG", "ND"}
)
NEGATIVE_WORDS: Final = re.compile(
    r"\bnot\s+(?:detected|present|identified|found)\b|\bundetected\b|\bnegative\b|\babsent\b|\bwild[\s-]?type\b"
    r"|\bno\s+(?:\w+\s+)?(?:mutation|variant|alteration|amplification|fusion|rearrangement)s?\b",
    re.IGNORECASE,
)
POSITIVE_WORDS: Final = re.compile(
    r"\bdetected\b|\bpositive\b|\bpresent\b|\bmutated\b|\bamplified\b|\brearranged\b|\boverexpressed\b", re.I
)
ALTERATIONS: Final = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("fusion", r"fusion"),
        ("rearrangement", r"rearrang|translocation"),
        ("amplification", r"amplif|copy number gain"),
        ("expression", r"express|immunohisto|immune stain|\bIHC\b|\bTPS\b|\bCPS\b|proportion score"),
        ("mutation", r"mutat|variant|deletion|insertion|substitution|duplication|\bexon\s*\d+|\bp\.|\bc\.\d"),
    )
)
VALUE_FIELDS: Final = (
    "valueQuantity",
    "valueCodeableConcept",
    "valueString",
    "valueBoolean",
    "valueInteger",
    "valueRange",
    "valueRatio",
    "valueSampledData",
    "valueTime",
    "valueDateTime",
    "valuePeriod",
)


def has_value(item: Observation | ObservationComponent) -> bool:
    return any(getattr(item, field, None) is not None for field in VALUE_FIELDS)


def analyte_named(name: str, unit: str | None) -> str | None:
    """The analyte key a lab's name gives, when it names one trialscout knows."""
    key = next((key for key, pattern in LAB_NAMES if pattern.search(name)), None)
    if key is None or (key != "inr" and NOT_THE_ANALYTE.search(BRACKETS.sub("", name))):
        return None
    return None if key in BLOOD_COUNTS and unit == "%" else key  # a share of the white cells


def marker_named(text: str | None) -> str | None:
    for name, pattern in MARKERS:
        match = pattern.search(text or "")
        if match:
            return name or match[0].upper()
    return None


# --- medications and procedures --------------------------------------------------------------

ACTIVE_MEDICATION: Final = frozenset({"active", "intended", "on-hold"})
PAST_MEDICATION: Final = frozenset({"completed", "stopped"})
UNUSED_STATUS: Final = {
    "entered-in-error": "entered in error",
    "cancelled": "cancelled",
    "not-taken": "not taken",
    "not-done": "not done",
    "preparation": "not yet done",
}
DAYS_PER_UNIT: Final[dict[str, float]] = {
    "s": 1 / 86400,
    "min": 1 / 1440,
    "h": 1 / 24,
    "d": 1.0,
    "wk": 7.0,
    "mo": 30.4375,
    "a": 365.25,
}
TIMING_CODES: Final[dict[str, float]] = {
    "QD": 1,
    "AM": 1,
    "PM": 1,
    "BED": 1,
    "BID": 2,
    "TID": 3,
    "QID": 4,
    "QOD": 0.5,
    "Q4H": 6,
    "Q6H": 4,
    "Q8H": 3,
}
TIMES_A_DAY: Final = (
    (re.compile(r"\bfour\s+times\s+(?:a\s+|per\s+)?da(?:y|ily)\b|\bqid\b", re.I), 4.0),
    (re.compile(r"\bthree\s+times\s+(?:a\s+|per\s+)?da(?:y|ily)\b|\btid\b", re.I), 3.0),
    (re.compile(r"\btwice\s+(?:a\s+|per\s+)?da(?:y|ily)\b|\bbid\b|\bevery\s+12\s+hours\b", re.I), 2.0),
    (
        re.compile(r"\bonce\s+(?:a\s+|per\s+)?da(?:y|ily)\b|\bdaily\b|\bqd\b|\bevery\s+24\s+hours\b", re.I),
        1.0,
    ),
)
PROGRESSION: Final = re.compile(r"progress|no response to treatment|refractory", re.IGNORECASE)
THERAPY_PROCEDURE: Final = re.compile(
    r"radiotherapy|radiation\s+(?:therapy|treatment|oncology)|brachytherapy|radiosurgery|irradiation"
    r"|chemotherapy|chemoradiation|immunotherapy",
    re.IGNORECASE,
)
