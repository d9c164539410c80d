"""Is the patient's thing the criterion's thing? Names, concepts and drug classes compared.

A criterion says "platinum-based chemotherapy", "corticosteroids", "myocardial infarction"; a
profile says "carboplatin", "dexamethasone", "STEMI in 2023". `Terms` holds one side's words
(normalised keys plus the lexicon's concepts), and `matches` says whether a patient's term
falls under a criterion's: the same concept, the criterion's words inside the patient's ("type
2 diabetes mellitus" is a "diabetes mellitus"), or a drug in a class the criterion names.
Matching is deliberately one-way: a patient's "diabetes" does not prove "type 1 diabetes".
"""

from __future__ import annotations

import functools
import re

import msgspec

from trialscout.eligibility.mentions import find_mentions, term_key

#: Drug and treatment classes that criteria name, with the members a profile names. A class
#: also contains its sub-classes' members (listed by name in ``_INCLUDES``).
DRUG_CLASSES: dict[str, tuple[str, ...]] = {
    "platinum": ("cisplatin", "carboplatin", "oxaliplatin", "nedaplatin", "lobaplatin"),
    "taxane": ("paclitaxel", "docetaxel", "nab paclitaxel", "cabazitaxel", "abraxane"),
    "anthracycline": ("doxorubicin", "epirubicin", "daunorubicin", "idarubicin", "liposomal doxorubicin"),
    "fluoropyrimidine": ("fluorouracil", "5 fu", "capecitabine", "tegafur", "s 1"),
    "chemotherapy other": (
        "pemetrexed",
        "gemcitabine",
        "etoposide",
        "irinotecan",
        "topotecan",
        "vinorelbine",
        "vincristine",
        "vinblastine",
        "cyclophosphamide",
        "ifosfamide",
        "temozolomide",
        "methotrexate",
        "cytarabine",
        "bendamustine",
        "eribulin",
        "lurbinectedin",
        "trabectedin",
        "mitomycin",
        "bleomycin",
        "dacarbazine",
        "folfox",
        "folfiri",
        "folfirinox",
    ),
    "anti pd 1": (
        "pembrolizumab",
        "nivolumab",
        "cemiplimab",
        "dostarlimab",
        "tislelizumab",
        "sintilimab",
        "toripalimab",
        "camrelizumab",
        "retifanlimab",
        "serplulimab",
    ),
    "anti pd l1": ("atezolizumab", "durvalumab", "avelumab", "sugemalimab", "envafolimab", "adebrelimab"),
    "anti ctla 4": ("ipilimumab", "tremelimumab"),
    "egfr tki": (
        "erlotinib",
        "gefitinib",
        "afatinib",
        "dacomitinib",
        "osimertinib",
        "lazertinib",
        "icotinib",
        "almonertinib",
        "aumolertinib",
        "furmonertinib",
    ),
    "alk inhibitor": ("crizotinib", "alectinib", "brigatinib", "lorlatinib", "ceritinib", "ensartinib"),
    "kras inhibitor": ("sotorasib", "adagrasib", "divarasib"),
    "vegf inhibitor": ("bevacizumab", "ramucirumab", "aflibercept"),
    "her2 targeted": (
        "trastuzumab",
        "pertuzumab",
        "trastuzumab emtansine",
        "t dm1",
        "trastuzumab deruxtecan",
        "t dxd",
        "lapatinib",
        "tucatinib",
        "neratinib",
    ),
    "cdk4 6 inhibitor": ("palbociclib", "ribociclib", "abemaciclib"),
    "parp inhibitor": ("olaparib", "niraparib", "rucaparib", "talazoparib"),
    "endocrine therapy": (
        "tamoxifen",
        "letrozole",
        "anastrozole",
        "exemestane",
        "fulvestrant",
        "leuprolide",
        "goserelin",
        "enzalutamide",
        "abiraterone",
        "apalutamide",
        "darolutamide",
        "bicalutamide",
    ),
    "anti cd20": ("rituximab", "obinutuzumab", "ofatumumab"),
    "btk inhibitor": ("ibrutinib", "acalabrutinib", "zanubrutinib", "pirtobrutinib"),
    "corticosteroid": (
        "prednisone",
        "prednisolone",
        "methylprednisolone",
        "dexamethasone",
        "hydrocortisone",
        "betamethasone",
        "budesonide",
        "cortisone",
        "triamcinolone",
        "fludrocortisone",
    ),
    "anticoagulant": (
        "warfarin",
        "heparin",
        "enoxaparin",
        "dalteparin",
        "fondaparinux",
        "apixaban",
        "rivaroxaban",
        "dabigatran",
        "edoxaban",
        "acenocoumarol",
    ),
    "antiplatelet": ("aspirin", "clopidogrel", "prasugrel", "ticagrelor"),
    "immunosuppressant": (
        "tacrolimus",
        "cyclosporine",
        "ciclosporin",
        "mycophenolate",
        "azathioprine",
        "sirolimus",
        "everolimus",
    ),
    "radiotherapy": (
        "radiotherapy",
        "radiation",
        "radiation therapy",
        "sbrt",
        "stereotactic radiosurgery",
        "srs",
        "wbrt",
        "whole brain radiotherapy",
        "chemoradiotherapy",
        "chemoradiation",
        "brachytherapy",
        "proton therapy",
    ),
}
_INCLUDES: dict[str, tuple[str, ...]] = {
    "chemotherapy": ("platinum", "taxane", "anthracycline", "fluoropyrimidine", "chemotherapy other"),
    "cytotoxic": ("chemotherapy",),
    "checkpoint inhibitor": ("anti pd 1", "anti pd l1", "anti ctla 4"),
    "immunotherapy": ("checkpoint inhibitor",),
    "targeted therapy": (
        "egfr tki",
        "alk inhibitor",
        "kras inhibitor",
        "vegf inhibitor",
        "her2 targeted",
        "cdk4 6 inhibitor",
        "parp inhibitor",
        "btk inhibitor",
        "anti cd20",
    ),
    "tyrosine kinase inhibitor": ("egfr tki", "alk inhibitor", "btk inhibitor"),
    "systemic therapy": ("chemotherapy", "immunotherapy", "targeted therapy", "endocrine therapy"),
    "anticancer therapy": ("systemic therapy", "radiotherapy"),
}
# How criteria name the classes: a pattern over a term key -> the class.
_CLASS_NAMES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), c)
    for p, c in [
        (r"\bplatinum", "platinum"),
        (r"\btaxane", "taxane"),
        (r"\banthracycline", "anthracycline"),
        (r"\bfluoropyrimidine", "fluoropyrimidine"),
        (r"\b(?:anti )?pd 1\b|\bpd 1 (?:inhibitor|antibod|blockade)", "anti pd 1"),
        (r"\b(?:anti )?pd l1\b", "anti pd l1"),
        (r"\bctla 4\b", "anti ctla 4"),
        (r"\bcheckpoint", "checkpoint inhibitor"),
        (r"\bimmunotherap|\bimmune therap|\bimmuno oncology", "immunotherapy"),
        (r"\begfr (?:tki|tyrosine kinase|inhibitor)", "egfr tki"),
        (r"\balk (?:tki|inhibitor|tyrosine kinase)", "alk inhibitor"),
        (r"\bkras (?:g12c )?inhibitor", "kras inhibitor"),
        (r"\b(?:anti )?vegf", "vegf inhibitor"),
        (r"\b(?:anti )?her2 (?:targeted|directed|therap|agent|inhibitor)", "her2 targeted"),
        (r"\bcdk ?4 ?6", "cdk4 6 inhibitor"),
        (r"\bparp", "parp inhibitor"),
        (r"\bendocrine|\bhormon(?:al|e) therap|\bantiestrogen|\baromatase inhibitor", "endocrine therapy"),
        (r"\banti cd20", "anti cd20"),
        (r"\bbtk", "btk inhibitor"),
        (r"\b(?:cortico)?steroid|\bglucocorticoid", "corticosteroid"),
        (r"\banticoagula|\bblood thinner", "anticoagulant"),
        (r"\bantiplatelet", "antiplatelet"),
        (r"\bimmunosuppress", "immunosuppressant"),
        (r"\bradiat|\bradiotherap|\bradiosurgery|\birradiation", "radiotherapy"),
        (r"\btargeted (?:therap|agent)", "targeted therapy"),
        (r"\btyrosine kinase inhibitor|\btki\b", "tyrosine kinase inhibitor"),
        (r"\bsystemic (?:anti ?cancer |cancer )?(?:therap|treatment)|\bsystemic", "systemic therapy"),
        (
            r"\banti ?(?:cancer|neoplastic|tumou?r) (?:therap|treatment|agent)|\bcancer (?:therap|treatment)",
            "anticancer therapy",
        ),
        (r"\bchemo", "chemotherapy"),
        (r"\bcytotoxic", "cytotoxic"),
    ]
]


@functools.cache
def class_members(name: str) -> frozenset[str]:
    members = set(DRUG_CLASSES.get(name, ()))
    for sub in _INCLUDES.get(name, ()):
        members |= class_members(sub)
    return frozenset(members)


@functools.lru_cache(maxsize=16384)
def classes_named(key: str) -> tuple[str, ...]:
    """The drug classes a criterion's words name ("prior platinum-based chemotherapy")."""
    named = [cls for pattern, cls in _CLASS_NAMES if pattern.search(key)]
    # The most specific class wins: "platinum-based chemotherapy" is platinum, not any chemo.
    return tuple(c for c in named if not any(c != o and class_members(o) < class_members(c) for o in named))


class Terms(msgspec.Struct, frozen=True):
    """One side's words for a thing: term keys and the lexicon's concepts (lowercase)."""

    keys: frozenset[str]
    concepts: frozenset[str]


@functools.lru_cache(maxsize=65536)
def terms(*names: str) -> Terms:
    keys = {k for name in names if (k := term_key(name))}
    concepts = {name.lower() for name in names if name}
    for name in names:
        concepts |= _concepts(name)
    return Terms(frozenset(keys), frozenset(concepts))


def _concepts(name: str) -> set[str]:
    """The lexicon's concepts a name mentions. An inverted heading ("Carcinoma, Non-Small-Cell
    Lung", "Leukemia, Myeloid, Acute", as MeSH writes them) is read in reading order when that
    order is one concept: its head word alone ("carcinoma") is not what it names."""
    reading = _uninverted(name)
    if reading is not None:
        whole = [
            m.concept.lower()
            for m in find_mentions(reading)
            if m.span.start == 0 and m.span.end == len(reading)
        ]
        if whole:
            return set(whole)
    return {m.concept.lower() for m in find_mentions(name) if not _negated_in(name, m.span.start)}


def _uninverted(name: str) -> str | None:
    """ "Head, Qualifier[, Qualifier]" in reading order ("Qualifier Qualifier Head"), or None
    when the name is not such a heading (a list, a negation, a long phrase)."""
    parts = [part.strip() for part in name.split(",")]
    if not 2 <= len(parts) <= 3 or not all(1 <= len(part.split()) <= 4 for part in parts):
        return None
    if any(part.split()[0].lower() in (*_NEGATING, "and", "or", "denies") for part in parts[1:]):
        return None
    return " ".join([*reversed(parts[1:]), parts[0]])


_NEGATED_BEFORE = re.compile(
    r"\b(?:no|not|non|without|denies|negative\s+for|free\s+of)\s+(?:\w+\s+){0,2}$", re.IGNORECASE
)


def _negated_in(name: str, start: int) -> bool:
    """ "type 2 diabetes, no neuropathy": a mention a name itself negates is not its concept."""
    return bool(_NEGATED_BEFORE.search(name[max(0, start - 40) : start]))


_NEGATING = ("non", "not", "no", "without", "anti")


def _contains_words(longer: str, shorter: str) -> bool:
    """Whether ``shorter``'s words are in ``longer``, and not negated there ("small cell lung
    cancer" is not in "non small cell lung cancer")."""
    padded, wanted = f" {longer} ", f" {shorter} "
    start = padded.find(wanted)
    while start >= 0:
        if _word_before(padded, start) not in _NEGATING:
            return True
        start = padded.find(wanted, start + 1)
    return False


def _word_before(text: str, position: int) -> str:
    """The last word of ``text[:position]`` ("" when there is none), read backwards from
    ``position`` only, so that looking before every place a term occurs stays linear."""
    end = position
    while end > 0 and text[end - 1].isspace():
        end -= 1
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def denied_by(criterion: Terms, absent: Terms) -> bool:
    """Whether the patient's not having ``absent`` answers "no" to the criterion's thing: it is
    the same thing or a narrower one ("no cancer" denies lung cancer; "no CNS lymphoma" says
    nothing of lymphoma, "no other malignancy" nothing of the tumour the trial is for)."""
    if any(_contains_words(want, have) for want in criterion.keys for have in absent.keys):
        return True
    if absent.concepts and absent.concepts <= criterion.concepts:
        return True
    for have in absent.keys:
        for cls in classes_named(have):
            if any(want in class_members(cls) for want in criterion.keys):
                return True
    return False


def matches(patient: Terms, criterion: Terms) -> bool:
    """Whether a patient's thing is (an instance of) the criterion's thing."""
    if patient.concepts & criterion.concepts:
        return True
    for want in criterion.keys:
        if any(_contains_words(have, want) for have in patient.keys):
            return True
        for cls in classes_named(want):
            members = class_members(cls)
            if any(
                have in members or any(_contains_words(have, m) for m in members) for have in patient.keys
            ):
                return True
    return False
