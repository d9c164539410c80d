"""The legacy NCI (PDQ) layout of criteria, including copies that lost their line breaks.

About a sixth of the registry's records use the PDQ layout: sections "DISEASE CHARACTERISTICS:",
"PATIENT CHARACTERISTICS:", "PRIOR CONCURRENT THERAPY:" (or "--Disease Characteristics--" under
"PROTOCOL ENTRY CRITERIA"), topics under them ("Age:", "Performance status:", "Hepatic:",
"Biologic therapy:") and a bulleted item per requirement. Many copies lost the bullets and the
line breaks, so a whole section reads as one paragraph::

    PATIENT CHARACTERISTICS: Age: 18 and over Performance status: ECOG 0-1 Hematopoietic: WBC
    at least 3,000/mm3 Platelet count at least 100,000/mm3 Hepatic: Bilirubin normal

This module finds, in such a paragraph, where headings and topics begin and end (`cuts`), and
where one lost bullet ends and the next begins (`item_starts`). Both are conservative: a break
is only made before a word that starts items in the records that kept their bullets (mined from
the registry's PDQ records: "No", "Creatinine", "Platelet", "Fertile", ...), and after a word
that can end one; inside parentheses, after a ":" (a sub-list, whose items may be alternatives)
or after "of", "or", "except" ... nothing is cut. A missed break leaves two requirements in one
criterion; a wrong one could turn an exception into a requirement.
"""

from __future__ import annotations

import re

#: A record in the PDQ layout: one of its section headings, anywhere in the text.
_LEGACY = re.compile(
    r"DISEASE\s+CHARACTERISTICS|PATIENTS?\s+CHARACTERISTICS|PRIOR\s*(?:/|AND\s+)?\s*CONCURRENT\s+THERAPY"
    r"|PROTOCOL\s+ENTRY\s+CRITERIA|--\s*(?i:disease|patients?|prior\s*/?\s*concurrent)\s"
)
#: Its section headings inside a paragraph: upper case ("PATIENT CHARACTERISTICS:") or set off by
#: dashes ("--Prior/Concurrent Therapy--").
_HEADING = re.compile(
    r"(?:--\s*(?i:disease\s+characteristics|patients?\s+characteristics|prior\s*(?:/|and\s+)?\s*concurrent"
    r"\s+therapy|protocol\s+entry\s+criteria)\s*--)"
    r"|(?:\b(?:DISEASE\s+CHARACTERISTICS|PATIENTS?\s+CHARACTERISTICS|PRIOR\s*(?:/|AND\s+)?\s*CONCURRENT"
    r"\s+THERAPY|PROTOCOL\s+ENTRY\s+CRITERIA|INCLUSION\s+CRITERIA|EXCLUSION\s+CRITERIA)\b\s*:?)"
)
#: The topics of the layout (each followed by ":").
_TOPIC = re.compile(
    r"(?<!\S)(?:Age|Sex|Gender|Menopausal\s+status|Performance\s+status|Life\s+expectancy|Hematopoietic"
    r"|Hematologic|Hepatic|Renal|Hepatic/renal|Cardiovascular|Cardiac|Pulmonary|Neurologic|Neurological"
    r"|Immunologic|Gastrointestinal|Metabolic|Psychiatric|Other|Biologic\s+therapy|Biological\s+therapy"
    r"|Immunotherapy|Chemotherapy|Endocrine\s+therapy|Endocrine|Hormonal\s+therapy|Radiotherapy"
    r"|Radiation\s+therapy|Surgery|Transplantation)\s*:(?=\s|$)",
    re.IGNORECASE,
)
#: "See Disease Characteristics": a whole item (it states nothing).
_SEE = re.compile(
    r"\bSee\s+(?:(?:Disease|Patient)\s+Characteristics|General\s+Eligibility\s+Criteria|Prior\s+Concurrent"
    r"\s+Therapy)\b",
    re.IGNORECASE,
)
#: Words that begin items in the PDQ records that kept their bullets, and rarely stand capitalized
#: inside an item.
_STARTERS = frozenset(
    [
        "No",
        "Not",
        "At",
        "Creatinine",
        "See",
        "Histologically",
        "Bilirubin",
        "Platelet",
        "Platelets",
        "Fertile",
        "Prior",
        "Negative",
        "WBC",
        "Must",
        "Absolute",
        "Concurrent",
        "SGOT",
        "SGPT",
        "Hemoglobin",
        "Measurable",
        "Patients",
        "Recovered",
        "Alkaline",
        "More",
        "Stage",
        "AST",
        "Diagnosis",
        "Greater",
        "Hormone",
        "Acute",
        "If",
        "Granulocyte",
        "Tumor",
        "Female",
        "Chronic",
        "LVEF",
        "Bone",
        "Anaplastic",
        "Refractory",
        "SGOT/SGPT",
        "Bidimensionally",
        "Adequate",
        "Normal",
        "Primary",
        "Evidence",
        "Recurrent",
        "Ejection",
        "Metastatic",
        "Ineligible",
        "BUN",
        "Failed",
        "Hepatitis",
        "Diffuse",
        "Previously",
        "Neutrophil",
        "Serum",
        "History",
        "Progressive",
        "AST/ALT",
        "Less",
        "Relapsed",
        "Complete",
        "Able",
        "Multiple",
        "Clinical",
        "Positive",
        "Eligible",
        "Clinically",
        "Evaluable",
        "Albumin",
        "Effective",
        "Cardiac",
        "Malignant",
        "Carcinoma",
        "Calcium",
        "Newly",
        "Relapse",
        "Brain",
        "Presence",
        "Adenocarcinoma",
        "ANC",
        "Transaminases",
        "Ascites",
        "Squamous",
        "Peripheral",
        "Severe",
        "Glioblastoma",
        "Active",
        "Glomerular",
        "Confirmed",
        "Adequately",
        "Myelodysplastic",
        "Liver",
        "Stable",
        "Postmenopausal",
        "Premenopausal",
        "Locally",
        "Documented",
        "Symptomatic",
        "Failure",
        "Shortening",
        "Known",
        "Resectable",
        "Unresectable",
        "Biopsy",
        "Women",
        "PT/PTT",
        "Cystic",
        "First",
        "Received",
        "Induction",
        "Adjuvant",
        "Pathologically",
        "Prothrombin",
        "Surgically",
        "Meets",
        "Leptomeningeal",
        "INR",
        "Non-Hodgkin's",
        "Hematocrit",
        "High-risk",
        "Inflammatory",
        "Pregnant",
        "Children",
        "Bilateral",
        "Lesions",
        "Lymphangitis",
        "Unstable",
        "Recurrence",
        "Corticosteroids",
        "Willing",
        "Histological",
        "Untreated",
        "Fully",
        "Absence",
        "Hypercalcemia",
        "Uncontrolled",
        "Free",
        "Life-threatening",
        "Nonpregnant",
        "Nursing",
        "Men",
    ]
)
#: Words after which an item cannot end ("history of | Parkinson's disease").
_CONTINUES = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "nor",
        "with",
        "without",
        "to",
        "for",
        "in",
        "on",
        "at",
        "by",
        "from",
        "than",
        "as",
        "per",
        "via",
        "into",
        "onto",
        "no",
        "not",
        "any",
        "all",
        "prior",
        "concurrent",
        "other",
        "except",
        "including",
        "include",
        "includes",
        "included",
        "plus",
        "within",
        "after",
        "before",
        "since",
        "between",
        "during",
        "under",
        "over",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "must",
        "may",
        "should",
        "can",
        "will",
        "such",
        "like",
        "versus",
        "vs",
        "vs.",
        "if",
        "that",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "both",
        "either",
        "neither",
        "each",
        "every",
        "its",
        "their",
        "his",
        "her",
        "e.g.",
        "i.e.",
        "e.g.,",
        "i.e.,",
        "defined",
        "following",
        "see",
        "also",
        "only",
        "unless",
        "until",
        "while",
        "whether",
        "because",
        "about",
        "against",
        "among",
        "toward",
        "towards",
        "following:",
        "called",
        "known",
        "and/or",
    ]
)
_UPPER_ENDS = frozenset({"ULN", "LLN", "II", "III", "IV", "ULN)", "LLN)", "IV)", "Hg", "mmHg"})
_WORD = re.compile(r"\S+")


def is_legacy(view: str) -> bool:
    """Whether the text is in the PDQ layout (one of its headings appears)."""
    return _LEGACY.search(view) is not None


def cuts(view: str, start: int, end: int) -> list[int]:
    """The offsets in [start, end) where a heading or a topic begins or ends: the paragraph's
    pieces are the spans between them."""
    found: set[int] = set()
    for pattern in (_HEADING, _TOPIC, _SEE):
        for match in pattern.finditer(view, start, end):
            if pattern is _TOPIC and not match.group(0)[0].isupper():
                continue
            found.update((match.start(), match.end()))
    return sorted(found - {start, end})


def _can_end(word: str) -> bool:
    """Whether an item can end with this word (a noun, a number, a unit, "ULN", a ")")."""
    if word.lower() in _CONTINUES or word[-1] in ",:;(/-":
        return False
    if word in _UPPER_ENDS or word.endswith(")"):
        return True  # "... 2.5 times ULN", "... (e.g., HIV, hepatitis B or C)"
    letters = [ch for ch in word if ch.isalpha()]
    if letters and letters[0].isupper():
        return False  # a name ("Ann Arbor | Stage") or an acronym ("FIGO | Stage")
    return word[-1].isalnum() or word[-1] in ")%'\"]"


def item_starts(view: str, start: int, end: int) -> list[int]:
    """Where lost bullets began inside [start, end): offsets of words that start a new item."""
    found = []
    depth = 0
    previous: str | None = None
    for match in _WORD.finditer(view, start, end):
        word = match.group(0)
        if depth == 0 and previous is not None and word in _STARTERS and _can_end(previous):
            found.append(match.start())
        depth = max(0, depth + word.count("(") + word.count("[") - word.count(")") - word.count("]"))
        if word.endswith(":"):
            break  # a sub-list follows: kept whole, its items may be alternatives
        previous = word
    return found
