"""Conditions, drugs and procedures a clinical note names, sorted into the profile's lists.

The packaged concept lexicon's mentions (`trialscout.eligibility.mentions`), with a few terms of
clinical notes it lacks ("shortness of breath", "febrile", "smoker"), are each placed by what
the note says of them (`trialscout.patients.note_context`): denied ones go to ``absent``; a
relative's, or one only considered (to rule out, a risk, planned), is set aside as a reading of
its own ("family_history", "hypothetical") and kept out of the profile.

The presenting problem becomes a diagnosis: a condition after "diagnosed with", "the diagnosis
of", "consistent with", "known case of", "positive for", or a cancer (with its histology, stage
and setting); failing those, the conditions of the first sentence ("presents with chest pain"),
or, failing those, the words of the complaint itself ("for lesions on her neck", kept without a
concept). Other conditions go to ``other_conditions``, with status "history" when told as past.
"Metastases to the brain" is also the condition "brain metastases".

A drug is a current medication after "takes", "currently", "medications include", "treated
with", "on", and a prior therapy after "previously", "received", "completed", "after 4 cycles
of", "progressed on" (progression noted); a drug named with no such cue is neither. A treatment
that is a procedure ("radiotherapy", "thrombolytic therapy") is a prior therapy; other procedures
(surgery, transplant, endoscopy; not examinations or imaging) go to ``procedures``.
"""

from __future__ import annotations

import bisect
import functools
import re

import msgspec

from trialscout.eligibility.mentions import (
    Lexicon,
    LexiconEntry,
    Mention,
    MentionKind,
    find_mentions,
    term_key,
)
from trialscout.eligibility.model import Span
from trialscout.model.patient import Condition, Finding, Medication, Procedure, Therapy
from trialscout.patients.note_context import Assertion, NoteContext, Timing
from trialscout.patients.note_dates import Target
from trialscout.patients.note_values import AgeReading, Reading


class FieldReading(Reading, frozen=True):
    """A reading for one of the profile's lists (``field``: "diagnoses", "absent", ...), or one
    set aside ("family_history", "hypothetical")."""

    field: str


class Findings(msgspec.Struct, kw_only=True):
    """What the note names, sorted: the profile's lists and the readings they came from."""

    diagnoses: list[Condition]
    other_conditions: list[Condition]
    absent: list[Finding]
    medications: list[Medication]
    prior_therapies: list[Therapy]
    procedures: list[Procedure]
    readings: list[FieldReading]
    targets: list[Target]  # where each is named, for the dates beside them (`note_dates`)


# Terms of clinical notes the criteria lexicon lacks or names differently: (term, kind, concept, cased).
_NOTE_TERMS: list[tuple[str, str, str, str | None]] = [
    ("shortness of breath", "C", "Dyspnea", None),
    ("short of breath", "C", "Dyspnea", None),
    ("difficulty breathing", "C", "Dyspnea", None),
    ("dyspnoea", "C", "Dyspnea", None),
    ("SOB", "C", "Dyspnea", "SOB"),
    ("febrile", "C", "Fever", None),
    ("hypercholesteremia", "C", "Hypercholesterolemia", None),
    ("hypercholesterolaemia", "C", "Hypercholesterolemia", None),
    ("high blood pressure", "C", "Hypertension", None),
    ("heart attack", "C", "Myocardial Infarction", None),
    ("klinefelter syndrome", "C", "Klinefelter Syndrome", None),
    ("sjogren syndrome", "C", "Sjogren's Syndrome", None),
    ("sjogren disease", "C", "Sjogren's Syndrome", None),
    ("sjögren syndrome", "C", "Sjogren's Syndrome", None),
    ("adenomyosis", "C", "Adenomyosis", None),
    ("ectopic pregnancy", "C", "Pregnancy, Ectopic", None),
    ("ecoptic pregnancy", "C", "Pregnancy, Ectopic", None),
    ("hemophilia", "C", "Hemophilia A", None),
    ("haemophilia", "C", "Hemophilia A", None),
    ("hemophilia type a", "C", "Hemophilia A", None),
    ("gouty arthritis", "C", "Gout", None),
    ("gouty attacks", "C", "Gout", None),
    ("lupus", "C", "Lupus Erythematosus, Systemic", None),
    ("smoker", "C", "smoking", None),
    ("smokes", "C", "smoking", None),
    ("smoke", "C", "smoking", None),
    ("smoked", "C", "smoking", None),
    ("smoking history", "C", "smoking", None),
    ("DM", "C", "Diabetes Mellitus", "DM"),
    ("DM type 2", "C", "Diabetes Mellitus, Type 2", None),
    ("T2DM", "C", "Diabetes Mellitus, Type 2", "T2DM"),
    ("type 2 diabetes", "C", "Diabetes Mellitus, Type 2", None),
    ("HTN", "C", "Hypertension", "HTN"),
    ("HLD", "C", "Hyperlipidemias", "HLD"),
    ("afib", "C", "Atrial Fibrillation", None),
    ("UTIs", "C", "Urinary Tract Infections", "UTIs"),
    ("UTI", "C", "Urinary Tract Infections", "UTI"),
    ("DMD", "C", "Muscular Dystrophy, Duchenne", "DMD"),
    ("covid", "C", "COVID-19", None),
    ("lung mass", "C", "lung mass", None),
    ("brain mets", "C", "brain metastases", None),
    ("cauda equina syndrome", "C", "Cauda Equina Syndrome", None),
    ("joint pain", "C", "Arthralgia", None),
    ("joint pains", "C", "Arthralgia", None),
    ("iron deficiency", "C", "Iron Deficiencies", None),
    ("iron deficiency anemia", "C", "Anemia, Iron-Deficiency", None),
    ("hashimoto disease", "C", "Hashimoto Disease", None),
    ("hashimoto thyroiditis", "C", "Hashimoto Disease", None),
    ("rash", "C", "Exanthema", None),
    ("skin rash", "C", "Exanthema", None),
    ("nosebleeds", "C", "Epistaxis", None),
    ("nosebleed", "C", "Epistaxis", None),
    ("hair loss", "C", "Alopecia", None),
    ("cold symptoms", "C", "Common Cold", None),
    ("chest tightness", "C", "chest tightness", None),
    ("palpitations", "C", "palpitations", None),
]

_NOT_CONDITIONS = {
    "emergencies", "walking", "artery", "uterus", "genotype", "sleep", "physical activity", "pubic hair",
    "menstrual period", "respiratory sounds", "aging", "attention", "coagulation", "cognition", "complaints",
    "disturbance", "flexion", "general good health", "gestations", "given birth", "hearing", "immunization",
    "independent", "karyotype", "ligament", "mental status", "muscle strength", "optic nerve",
    "respiratory function", "sensitivity", "sexually active", "sinus rhythm", "systolic function", "vision",
    "facies", "pregnancy", "pregnant", "pregnancies", "sputum", "health", "healthy", "disease", "syndrome",
    "breastfeeding", "breast feeding", "lactation",
}  # fmt: skip
_NOT_DRUGS = {
    "alcohol", "tobacco", "cigarette", "illicit drugs", "antibodies", "hormones", "vaccines", "iodine",
    "urea", "hematopoietic growth factors", "contraceptives", "water", "oxygen", "supplements",
    "supplementation", "supplement",
}  # fmt: skip
_NOT_PROCEDURES = re.compile(
    r"exam|x-ray|radiograph|tomograph|\bct\b|imaging|ultraso|echocardiograph|electrocardiogram|\bekg\b|\becg\b"
    r"|\bmri\b|magnetic\s+resonance|scan|test|work-up|auscultation|smear|\bpap\b|angiogra|incision|surgically"
    r"|management|condom|contracept|\biud\b|delivery|biopsy|abortion",
    re.IGNORECASE,
)
_THERAPY_PROCEDURE = re.compile(
    r"therap|radiat|chemo|radiosurg|immuno|stereotactic|gamma\s+knife|\b(?:SRS|SBRT|WBRT)\b", re.IGNORECASE
)
_LAB_WORDS_AFTER = re.compile(
    r"(?:\s*\([^()]{0,12}\))?\s*(?:levels?|concentrations?|tests?|testing|assays?|stain\w*|-stained|receptor|:|=)",
    re.IGNORECASE,
)
_LAB_WORDS_BEFORE = re.compile(r"\b(?:serum|plasma|urine|urinary|blood|fasting|anti)[\s-]*$", re.IGNORECASE)
_CANCER = re.compile(
    r"cancer|carcinoma|neoplasm|tumou?r|lymphoma|leuka?emia|melanoma|sarcoma|myeloma|glioma|blastoma|mesothelioma"
    r"|malignan|\bnsclc\b|\bsclc\b|\bgist\b",
    re.IGNORECASE,
)
_METASTASES = re.compile(
    r"\b(?:metasta\w+|mets)\s+(?:to|in|of|involving)\s+(?:the\s+)?(?:(?:left|right|bilateral|multiple)\s+)?"
    r"(?P<site>brain|liver|bones?|lungs?|adrenal\s+glands?|adrenals?|spine|lymph\s+nodes?|peritoneum|pleura)\b",
    re.IGNORECASE,
)
_DIAGNOSIS_CUE = re.compile(
    r"\b(?:diagnos(?:ed|is)\s+(?:with|as|of)|diagnosis\s+(?:is|was)|known\s+case\s+of|a\s+case\s+of|(?:consistent"
    r"|compatible)\s+with|confirm(?:s|ed)?|found\s+to\s+have|follow[\s-]?up\s+of|(?:being\s+)?treated\s+for"
    r"|suffer(?:s|ing)?\s+from|diagnosis\s+(?:of|for)|positive\s+for|test(?:ing)?\s+(?:for|of))\b",
    re.IGNORECASE,
)
_DIAGNOSIS_BREAK = re.compile(
    r"[;.]|\b(?:but|however|and\s+(?:has|had|is|was|takes|presents|he|she|the\s+patient))\b", re.IGNORECASE
)
_PRESENTING_CUE = re.compile(
    r"\b(?:present(?:s|ed|ing)?\s+with|complain(?:s|ed|ing)?\s+of|admitted\s+(?:for|with)|chief\s+complaint)\b",
    re.IGNORECASE,
)
_DEMOGRAPHIC_HEAD = re.compile(
    r"[^.;:!?\n]{0,60}?\b(?:woman|man|female|male|girl|boy|lady|gentleman|child|infant|patient|student|athlete"
    r"|baby|toddler|adolescent|teen(?:ager)?)\b",
    re.IGNORECASE,
)
_COMPLAINT = re.compile(
    r"\b(?:present(?:s|ed)?|comes?|came|is\s+(?:brought|seen|evaluated|admitted|referred)|was\s+(?:brought|seen"
    r"|evaluated|admitted|referred)|visits|sees|complain(?:s|ing)|consults)\b[^.;]{0,80}?\b(?:with|for|of|due\s+to"
    r"|because\s+of)\s+(?:an?\s+|the\s+|some\s+|recent\s+|a\s+history\s+of\s+)*(?P<p>[^.,;]{3,60})",
    re.IGNORECASE,
)
_COMPLAINT_END = re.compile(
    r"\s+(?:that|which|who|since|for\s+the|after|and\s+(?:is|was|has|had)|in\s+the\s+last|over\s+the|lasting"
    r"|starting|beginning|of\s+\d)\b.*$",
    re.IGNORECASE,
)
_NOT_COMPLAINT = re.compile(
    r"^(?:evaluation|assessment|advice|follow|routine|checkup|check-up|a\s+routine|the\s+follow|physical"
    r"|examination|consultation|visit|her\s+|his\s+|their\s+|clinic|office|the\s+|emergency|\d)",
    re.IGNORECASE,
)
_STAGE = re.compile(
    r"\bstage\s+(?P<s>IV|I{1,3}|0|[1-4])(?P<sub>[ABC]\d?)?\b|\b(?P<ls>limited|extensive)[\s-]+stage\b"
    r"|\b(?P<ls2>limited|extensive)[\s-]+disease\b",
    re.IGNORECASE,
)
_SETTING = re.compile(
    r"\b(?P<w>metastatic|locally\s+advanced|advanced|recurrent|relapsed|refractory(?!\s+to)|unresectable|early[\s-]stage"
    r"|localized|inoperable)\b",
    re.IGNORECASE,
)
_HISTOLOGY = re.compile(
    r"\b(?P<w>adenocarcinoma|squamous(?:[\s-]cell)?|non[\s-]small[\s-]cell|small[\s-]cell|large[\s-]cell|ductal"
    r"|lobular|signet[\s-]ring(?:[\s-]cell)?|clear[\s-]cell|serous|mucinous|neuroendocrine|urothelial"
    r"|transitional[\s-]cell|papillary|follicular|medullary|anaplastic|diffuse[\s-]type|intestinal[\s-]type"
    r"|epithelioid|sarcomatoid|glioblastoma|astrocytoma)\b",
    re.IGNORECASE,
)
_ORGAN_BEFORE = re.compile(
    r"\b(?:lung|pulmonary|breast|colon|colorectal|rectal|gastric|stomach|esophageal|pancreatic|prostate|ovarian"
    r"|endometrial|cervical|bladder|renal|kidney|thyroid|hepatocellular|liver|head\s+and\s+neck|oral|skin"
    r"|cutaneous)\s+$",
    re.IGNORECASE,
)
_BRAIN_STATE = re.compile(
    r"\b(?P<t>untreated|treated|irradiated|resected|stable)\b|\b(?P<s>asymptomatic|symptomatic)\b",
    re.IGNORECASE,
)
_NONSMOKER = re.compile(r"\b(?:non-?smok(?:er|ing)|never[\s-]smoker|lifelong\s+non-?smoker)\b", re.IGNORECASE)
_NO_MEDICATIONS = re.compile(
    r"\b(?:(?:takes|taking|on|using|uses|receiving)\s+no\s+(?:regular\s+|other\s+|current\s+|daily\s+)?"
    r"|no\s+(?:current\s+|regular\s+|daily\s+)?|not\s+(?:taking|on|using)\s+any\s+(?:\w+\s+)?"
    r"|(?:is|was)\s+not\s+on\s+any\s+(?:\w+\s+)?)medi?c?ations?\b",
    re.IGNORECASE,
)
_DOSE = re.compile(
    r"\s?(?:\([^()]{0,30}\)\s?)?(?P<dose>\d+(?:\.\d+)?)\s?(?P<unit>mg|mcg|µg|g|units?|IU|mL)\b"
    r"(?:\s?(?P<freq>once\s+(?:a\s+)?daily|daily|qd|od|qam|qhs|bid|b\.i\.d\.?|twice\s+(?:a\s+)?daily|tid|t\.i\.d\.?"
    r"|three\s+times\s+(?:a\s+)?daily|qid|four\s+times\s+(?:a\s+)?daily|per\s+day|/\s?day|a\s+day|every\s+day))?",
    re.IGNORECASE,
)
_TIMES_A_DAY = {"bid": 2, "b.i": 2, "twi": 2, "tid": 3, "t.i": 3, "thr": 3, "qid": 4, "fou": 4}
_LINE = re.compile(r"\b(?P<n>first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+line\b", re.IGNORECASE)
_LINE_NUMBERS = {"fir": 1, "1st": 1, "sec": 2, "2nd": 2, "thi": 3, "3rd": 3, "fou": 4, "4th": 4}
_THERAPY_SETTING = re.compile(
    r"\b(?P<w>adjuvant|neoadjuvant|metastatic|maintenance|palliative)\b", re.IGNORECASE
)
_ABBREVIATION_AFTER = re.compile(r"\s*\(\s*")


@functools.cache
def _note_lexicon() -> Lexicon:
    kinds = {"C": MentionKind.CONDITION, "D": MentionKind.DRUG, "P": MentionKind.PROCEDURE}
    return Lexicon(
        LexiconEntry(term=term_key(term), kind=kinds[kind], concept=concept, cased=cased)
        for term, kind, concept, cased in _NOTE_TERMS
    )


def note_mentions(view: str) -> list[Mention]:
    """The conditions, drugs and procedures the note names: the criteria lexicon's mentions and
    the note terms', longest first where they overlap (the note terms' on a tie)."""
    ranked = sorted(
        [
            (m.span.start, -(m.span.end - m.span.start), 0, i, m)
            for i, m in enumerate(_note_lexicon().find(view))
        ]
        + [(m.span.start, -(m.span.end - m.span.start), 1, i, m) for i, m in enumerate(find_mentions(view))]
    )
    mentions: list[Mention] = []
    position = 0
    for start, _, _, _, mention in ranked:
        if start < position:
            continue
        position = mention.span.end
        last = mentions[-1] if mentions else None
        if (
            last is not None
            and last.kind is mention.kind
            and _ABBREVIATION_AFTER.fullmatch(view, last.span.end, mention.span.start)
            and view[mention.span.end : mention.span.end + 1] == ")"
        ):
            continue  # "common variable immunodeficiency (CVID)": the abbreviation of the one before
        mentions.append(mention)
    return mentions


class _Reader:
    """The note and its context, and the readings gathered while its mentions are placed."""

    def __init__(self, context: NoteContext) -> None:
        self.view = context.view
        self.context = context
        self.readings: list[FieldReading] = []
        self.targets: list[Target] = []

    def fact(self, field: str, value: str, span: Span) -> None:
        self.readings.append(FieldReading(value, span, field=field))

    def target(self, field: str, index: int, spans: list[Span]) -> None:
        """The item ``index`` of the profile's list ``field`` is named at ``spans`` (or, for a
        field outside the profile, something not the patient's is named there)."""
        self.targets.append(Target(field, index, tuple(spans)))


def read_findings(context: NoteContext, age: AgeReading | None, taken: list[Span]) -> Findings:
    """The conditions, drugs and procedures of the note, except those named inside ``taken``
    (the spans already read as values: "serum ferritin of 550", "NF1 truncation")."""
    reader = _Reader(context)
    mentions = _outside(note_mentions(context.view), sorted(taken, key=lambda span: span.start))
    diagnoses, other_conditions, absent = _conditions(reader, mentions, age)
    medications, prior_therapies, procedures, absent_treatments = _treatments(reader, mentions)
    absent_concepts = {concept for finding in absent for concept in finding.concepts}
    absent += [f for f in absent_treatments if not set(f.concepts) & absent_concepts]
    return Findings(
        diagnoses=diagnoses,
        other_conditions=other_conditions,
        absent=absent,
        medications=medications,
        prior_therapies=prior_therapies,
        procedures=procedures,
        readings=reader.readings,
        targets=reader.targets,
    )


def _outside(mentions: list[Mention], taken: list[Span]) -> list[Mention]:
    """The mentions that overlap none of the (sorted) spans already read as values."""
    starts = [span.start for span in taken]
    reach: list[int] = []
    for span in taken:
        reach.append(max(reach[-1], span.end) if reach else span.end)
    kept = []
    for mention in mentions:
        index = bisect.bisect_left(starts, mention.span.end) - 1
        if index < 0 or reach[index] <= mention.span.start:
            kept.append(mention)
    return kept


# ---------------------------------------------------------------------------------------- conditions


class _Found(msgspec.Struct, kw_only=True):
    """A condition named (maybe more than once) as the patient's."""

    mention: Mention
    tier: int  # 1 diagnosed, 2 a cancer, 3 presenting, 9 another condition
    history: bool
    spans: list[Span]


def _conditions(
    reader: _Reader, mentions: list[Mention], age: AgeReading | None
) -> tuple[list[Condition], list[Condition], list[Finding]]:
    view, context = reader.view, reader.context
    demographic = _demographic_span(view, age)
    found: dict[str, _Found] = {}
    negated: dict[str, Mention] = {}
    aside: dict[tuple[str, str], Mention] = {}
    for mention in mentions:
        if mention.kind is not MentionKind.CONDITION or mention.concept.lower() in _NOT_CONDITIONS:
            continue
        assertion = context.assertion(mention.span)
        if assertion is not Assertion.PRESENT:
            reader.target(str(assertion), -1, [mention.span])  # a date beside it is not the patient's
        if assertion is Assertion.FAMILY:
            aside.setdefault(("family_history", mention.concept), mention)
        elif assertion is Assertion.HYPOTHETICAL:
            aside.setdefault(("hypothetical", mention.concept), mention)
        elif assertion is Assertion.NEGATED:
            negated.setdefault(mention.concept, mention)
        elif assertion is Assertion.PRESENT:
            tier = _tier(reader, mention, demographic)
            history = context.history(mention.span)
            entry = found.get(mention.concept)
            if entry is None:
                found[mention.concept] = _Found(
                    mention=mention, tier=tier, history=history, spans=[mention.span]
                )
            else:
                entry.spans.append(mention.span)
                entry.history = entry.history and history
                if tier < entry.tier:
                    entry.tier, entry.mention = tier, mention
    _add_metastases(reader, found)
    _drop_generic(found)
    for (field, concept), mention in aside.items():
        if field == "family_history":
            reader.fact(field, ("no " if context.negated(mention.span) else "") + mention.text, mention.span)
        elif concept not in found:
            reader.fact(field, mention.text, mention.span)
    diagnosed = any(entry.tier <= 2 for entry in found.values())
    presenting = any(entry.tier <= 3 for entry in found.values())
    diagnoses: list[Condition] = []
    others: list[Condition] = []
    cancers = [e for e in found.values() if e.tier == 2 or _CANCER.search(e.mention.concept)]
    for entry in sorted(found.values(), key=lambda e: e.mention.span.start):
        is_diagnosis = entry.tier <= (2 if diagnosed else 3)
        condition = _condition(reader, entry, single_cancer=len(cancers) == 1, found=found)
        field = "diagnoses" if is_diagnosis else "other_conditions"
        placed = diagnoses if is_diagnosis else others
        reader.target(field, len(placed), entry.spans)
        placed.append(condition)
        reader.fact(field, _condition_display(condition), entry.mention.span)
    if not presenting:
        complaint = _complaint(reader)
        if complaint is not None:
            reader.target("diagnoses", len(diagnoses), [reader.readings[-1].span])
            diagnoses.append(complaint)
    absent = []
    for concept, mention in sorted(negated.items(), key=lambda item: item[1].span.start):
        if concept not in found:
            absent.append(Finding(name=mention.text, concepts=(concept,)))
            reader.fact("absent", mention.text, mention.span)
    smoker = _NONSMOKER.search(view)
    if smoker is not None and "smoking" not in found and "smoking" not in negated:
        absent.append(Finding(name="smoking", concepts=("smoking",)))
        reader.fact("absent", "smoking", Span(smoker.start(), smoker.end()))
    return diagnoses, others, absent


def _demographic_span(view: str, age: AgeReading | None) -> Span | None:
    """Where the patient is introduced: "58-year-old nonsmoker white female" (its conditions
    describe the patient, they are not the problem the note is about)."""
    if age is None:
        return None
    head = _DEMOGRAPHIC_HEAD.match(view, age.span.end)
    return Span(age.span.start, head.end() if head else age.span.end)


def _tier(reader: _Reader, mention: Mention, demographic: Span | None) -> int:
    view, context = reader.view, reader.context
    sentence = context.sentence(mention.span.start)
    window = max(sentence.start, mention.span.start - 120)
    breaks = [m.end() for m in _DIAGNOSIS_BREAK.finditer(view, window, mention.span.start)]
    window = breaks[-1] if breaks else window
    if (
        _METASTASES.search(mention.text)
        or "metasta" in mention.concept.lower()
        or mention.concept == "smoking"
    ):
        return 9
    if _DIAGNOSIS_CUE.search(view, window, mention.span.start):
        return 1
    if _CANCER.search(mention.concept) or _CANCER.search(mention.text):
        return 2
    if demographic is not None and demographic.start <= mention.span.start < demographic.end:
        return 9
    if context.sentence_index(mention.span.start) == 0 or _PRESENTING_CUE.search(
        view, window, mention.span.start
    ):
        return 3
    return 9


def _add_metastases(reader: _Reader, found: dict[str, _Found]) -> None:
    """Add "brain metastases" where the note says "metastases to the brain" (and so on)."""
    generic = {  # where "metastases" alone was read: replaced by the site's metastases said there
        span.start: concept
        for concept, entry in found.items()
        if "metasta" in concept.lower()
        for span in entry.spans
    }
    for match in _METASTASES.finditer(reader.view):
        span = Span(match.start(), match.end())
        if reader.context.assertion(span) is not Assertion.PRESENT:
            continue
        site = " ".join(match.group("site").lower().split())
        site = {"bones": "bone", "lungs": "lung", "adrenals": "adrenal", "lymph nodes": "lymph node"}.get(
            site, site
        )
        name = f"{site} metastases"
        known = find_mentions(name)
        concept = known[0].concept if len(known) == 1 and known[0].span.end == len(name) else name
        for position in range(span.start, span.end):
            if position in generic:
                found.pop(generic[position], None)
        if concept not in found:
            mention = Mention(MentionKind.CONDITION, span, reader.view[span.start : span.end], concept)
            found[concept] = _Found(mention=mention, tier=9, history=False, spans=[span])


def _drop_generic(found: dict[str, _Found]) -> None:
    """Drop a one-word condition that ends another: "pain" says nothing "chest pain" does not."""
    last_words = {
        entry.mention.text.lower().split()[-1]
        for entry in found.values()
        if len(entry.mention.text.split()) > 1
    }
    for concept, entry in list(found.items()):
        words = entry.mention.text.lower().split()
        if len(words) == 1 and (words[0] in last_words or words[0].rstrip("s") in last_words):
            del found[concept]


def _condition(reader: _Reader, entry: _Found, *, single_cancer: bool, found: dict[str, _Found]) -> Condition:
    view, context = reader.view, reader.context
    mention = entry.mention
    status = "history" if entry.history else "active"
    histology = stage = setting = None
    treated = symptomatic = None
    sentence = context.sentence(mention.span.start)
    metastases = "metasta" in mention.concept.lower()
    if (_CANCER.search(mention.concept) or _CANCER.search(mention.text)) and not metastases:
        own = _HISTOLOGY.search(mention.text) or _HISTOLOGY.search(view, sentence.start, sentence.end)
        histology = " ".join(own.group("w").lower().replace("-", " ").split()) if own else None
        if histology == "squamous":
            histology = "squamous cell"
        staged = _STAGE.search(view, sentence.start, sentence.end) or (
            _STAGE.search(view) if single_cancer else None
        )
        if staged is not None:
            if staged.group("s"):
                roman = {"1": "I", "2": "II", "3": "III", "4": "IV"}.get(
                    staged.group("s"), staged.group("s").upper()
                )
                stage = roman + (staged.group("sub") or "").upper()
            else:
                stage = f"{(staged.group('ls') or staged.group('ls2')).lower()} stage"
        said = _SETTING.search(mention.text) or min(
            _SETTING.finditer(view, sentence.start, sentence.end),
            key=lambda m: abs(m.start() - mention.span.start),
            default=None,
        )
        if said is not None:
            setting = " ".join(said.group("w").lower().split())
        elif any("metasta" in concept.lower() for concept in found):
            setting = "metastatic"
    if metastases and "brain" in mention.concept.lower():
        for state in _BRAIN_STATE.finditer(view, sentence.start, sentence.end):
            if state.group("t"):
                treated = state.group("t").lower() != "untreated"
            else:
                symptomatic = state.group("s").lower() == "symptomatic"
    name = mention.text
    organ = _ORGAN_BEFORE.search(view, max(0, mention.span.start - 24), mention.span.start)
    if organ is not None and histology is not None and histology in mention.text.lower():
        name = view[organ.start() : mention.span.end]  # "lung adenocarcinoma"
    return Condition(
        name=name,
        concepts=(mention.concept,),
        histology=histology,
        stage=stage,
        setting=setting,
        status=status,
        treated=treated,
        symptomatic=symptomatic,
    )


def _condition_display(condition: Condition) -> str:
    details = []
    if condition.histology and condition.histology not in condition.name.lower():
        details.append(condition.histology)
    if condition.stage:
        details.append(condition.stage if "stage" in condition.stage else f"stage {condition.stage}")
    if condition.setting:
        details.append(condition.setting)
    if condition.status != "active":
        details.append(condition.status)
    if condition.treated is not None:
        details.append("treated" if condition.treated else "untreated")
    if condition.symptomatic is not None:
        details.append("symptomatic" if condition.symptomatic else "asymptomatic")
    concept = condition.concepts[0] if condition.concepts else None
    name = condition.name
    if concept is not None and concept.lower() != condition.name.lower():
        name = f"{condition.name} [{concept}]"
    return f"{name} ({', '.join(details)})" if details else name


def _complaint(reader: _Reader) -> Condition | None:
    """The complaint in the note's first sentence, in its own words, when no condition the
    lexicon knows is named there ("visits her dermatologist for lesions on her neck")."""
    first = reader.context.sentence(0)
    match = _COMPLAINT.search(reader.view, first.start, first.end)
    if match is None:
        return None
    phrase = _COMPLAINT_END.sub("", match.group("p")).strip()
    if len(phrase) < 3 or _NOT_COMPLAINT.match(phrase) or len(phrase.split()) > 8:
        return None
    start = match.start("p")
    span = Span(start, start + len(phrase))
    if reader.context.assertion(span) is not Assertion.PRESENT:
        return None
    reader.fact("diagnoses", f"{phrase} (not in the lexicon)", span)
    return Condition(name=phrase)


# ---------------------------------------------------------------------------------------- treatments


def _treatments(
    reader: _Reader, mentions: list[Mention]
) -> tuple[list[Medication], list[Therapy], list[Procedure], list[Finding]]:
    view, context = reader.view, reader.context
    medications: dict[str, Medication] = {}
    therapies: dict[str, Therapy] = {}
    procedures: dict[str, Procedure] = {}
    absent: dict[str, Finding] = {}
    aside: set[tuple[str, str]] = set()
    named: dict[tuple[str, str], list[Span]] = {}  # (field, concept): where each is named
    for mention in mentions:
        concept = mention.concept.lower()
        if mention.kind is MentionKind.CONDITION:
            continue
        therapy_like = mention.kind is MentionKind.PROCEDURE and _THERAPY_PROCEDURE.search(mention.text)
        if mention.kind is MentionKind.DRUG:
            if concept in _NOT_DRUGS or _lab_context(view, mention.span):
                negated = concept in _NOT_DRUGS and context.assertion(mention.span) is Assertion.NEGATED
                if negated and concept not in absent:  # "does not use tobacco, alcohol"
                    absent[concept] = Finding(name=mention.text, concepts=(mention.concept,))
                    reader.fact("absent", mention.text, mention.span)
                continue
        elif not therapy_like and _NOT_PROCEDURES.search(f"{mention.text} {mention.concept}"):
            continue
        assertion = context.assertion(mention.span)
        if assertion is not Assertion.PRESENT:
            reader.target(str(assertion), -1, [mention.span])  # a date beside it is not the patient's
        if assertion in (Assertion.FAMILY, Assertion.HYPOTHETICAL):
            field = "family_history" if assertion is Assertion.FAMILY else "hypothetical"
            if (field, concept) not in aside:
                aside.add((field, concept))
                reader.fact(field, mention.text, mention.span)
            continue
        if assertion is Assertion.NEGATED:
            if concept not in absent:
                absent[concept] = Finding(name=mention.text, concepts=(mention.concept,))
                reader.fact("absent", mention.text, mention.span)
            continue
        if assertion is not Assertion.PRESENT:
            continue
        if mention.kind is MentionKind.PROCEDURE and not therapy_like:
            if concept not in procedures:
                procedures[concept] = Procedure(name=mention.text)
                reader.fact("procedures", mention.text, mention.span)
            named.setdefault(("procedures", concept), []).append(mention.span)
            continue
        timing, progression = context.therapy_timing(mention.span)
        if therapy_like:
            # "radiotherapy", "thrombolytic therapy": a treatment given, not a medication
            timing = Timing.PAST
        if timing is not None:
            field = "medications" if timing is Timing.CURRENT else "prior_therapies"
            named.setdefault((field, concept), []).append(mention.span)
        if timing is Timing.CURRENT and concept not in medications:
            medication, span = _medication(view, mention)
            medications[concept] = medication
            dose = f" {medication.dose:g} {medication.dose_unit}" if medication.dose is not None else ""
            reader.fact("medications", f"{mention.text}{dose}", span)
        elif timing is Timing.PAST and concept not in therapies:
            therapy = _therapy(reader, mention, progression)
            therapies[concept] = therapy
            reader.fact(
                "prior_therapies", mention.text + (" (progressed)" if progression else ""), mention.span
            )
    for field, placed in (
        ("medications", medications),
        ("prior_therapies", therapies),
        ("procedures", procedures),
    ):
        for index, concept in enumerate(placed):
            reader.target(field, index, named.get((field, concept), []))
    for match in _NO_MEDICATIONS.finditer(view):
        span = Span(match.start(), match.end())
        if context.assertion(span) not in (Assertion.FAMILY, Assertion.OTHER_PERSON):
            reader.fact("medications", "none", span)
    return (
        list(medications.values()),
        list(therapies.values()),
        list(procedures.values()),
        list(absent.values()),
    )


def _lab_context(view: str, span: Span) -> bool:
    """A drug's name used for a laboratory test: "serum testosterone level", "iodine-stained"."""
    return bool(
        _LAB_WORDS_AFTER.match(view, span.end)
        or _LAB_WORDS_BEFORE.search(view, max(0, span.start - 12), span.start)
    )


def _medication(view: str, mention: Mention) -> tuple[Medication, Span]:
    dose = _DOSE.match(view, mention.span.end)
    if dose is None:
        return Medication(name=mention.text), mention.span
    amount = float(dose.group("dose"))
    unit = dose.group("unit")
    frequency = (dose.group("freq") or "").lower()
    if frequency:
        amount *= _TIMES_A_DAY.get(frequency[:3], 1)
        unit = f"{unit}/day"
    return Medication(name=mention.text, dose=amount, dose_unit=unit), Span(mention.span.start, dose.end())


def _therapy(reader: _Reader, mention: Mention, progression: bool | None) -> Therapy:
    view = reader.view
    sentence = reader.context.sentence(mention.span.start)
    line = _LINE.search(view, sentence.start, sentence.end)
    setting = None
    for match in _THERAPY_SETTING.finditer(
        view, max(sentence.start, mention.span.start - 60), mention.span.start
    ):
        setting = match.group("w").lower()
    return Therapy(
        name=mention.text,
        line=_LINE_NUMBERS.get(line.group("n").lower()[:3]) if line else None,
        setting=setting,
        progression=progression,
    )
