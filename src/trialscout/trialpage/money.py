"""Money on a trial's patient page: payment for taking part, travel costs, and care at no cost,
only where the record says so, quoted sentence by sentence with the field it came from.

The registry has no field for payment; some records say it in prose ("You will be compensated
for each study visit", "Study medication is provided free of charge"). A sentence is quoted only
when it says so in so many words: the person or the study as subject of "paid", "compensated",
"reimbursed"; "compensation for their time"; a stipend, an honorarium, a gift card; "at no cost",
"free of charge". Medicine's "compensated cirrhosis" and "uncompensated heart failure", workers'
compensation and litigation in exclusion criteria, insurance and Medicare reimbursement, "paid
employment" and "attention was paid" are not money for taking part and are never quoted.
Without such a sentence the page says "Not stated in the registry", never "may be covered".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import msgspec

from trialscout.model.trial import Trial
from trialscout.trialpage.provenance import Derived, Evidence

NOT_STATED = "Not stated in the registry"
#: A quoted sentence is cut to about this many characters around what it says of money.
MAX_QUOTE = 300
MAX_QUOTES = 5

RULE = (
    "Sentences of the summary, the description, the eligibility criteria and the arm and "
    "intervention descriptions that state a payment, a travel or time reimbursement, or care at no "
    "cost to participants, quoted as registered; medical 'compensated' (cirrhosis, heart failure), "
    "workers' compensation, litigation and insurance reimbursement are not money for taking part."
)

_PEOPLE = (
    r"participants?|subjects?|patients?|volunteers?|donors?|you|they|students?|caregivers?|parents?|"
    r"famil(?:y|ies)|individuals?|women|men|children|adults|persons?|people|respondents?|couples?|"
    r"mothers?|fathers?|veterans?|controls?|each|all|everyone|smokers?|residents?|clinicians?"
)
_PAID = r"(?:financially\s+)?(?:compensated|paid|reimbursed|remunerated)"
#: Up to five words between the person and the verb, none of them what insurance pays for.
_BETWEEN = (
    r"(?:\s+(?!treatments?\b|therap|drugs?\b|medications?\b|costs?\b|care\b|procedures?\b|services?\b)"
    r"[\w'-]+){0,5}?"
)
_AUX = r"(?:will|would|may|can|could|shall|are|is|were|was|get|gets)"
_PAYMENT = [
    # "Participants will be compensated ...", "You will be paid $50", "All participants are paid ..."
    rf"\b(?:{_PEOPLE})\b{_BETWEEN}\s+{_AUX}\s+(?:also\s+|each\s+|all\s+)?(?:be\s+|being\s+|been\s+)?{_PAID}\b",
    # "... compensated / reimbursed for their time", "reimbursed for the inconvenience"
    rf"\b{_PAID}\s+(?:\$|£|€|up\s+to\b|for\s+(?:their|your|his|her|the|each|every|any|all)\s+"
    r"(?:time|participation|travel|effort|inconvenience|visits?|study|completion|completing|trouble))",
    # "Compensation is provided", "receive financial compensation", "compensation for time and ..."
    r"\b(?:financial|monetary|study|participant|cash)\s+(?:compensation|payments?|reimbursement)\b",
    r"\b(?:compensation|reimbursement|payments?)\s+(?:is|are|will\s+be|may\s+be|was|were)\s+"
    r"(?:provided|given|offered|available|paid|made)\b",
    r"\b(?:compensation|reimbursement|payments?)\s+(?:for|of)\s+(?:their\s+|your\s+|the\s+)?"
    r"(?:time|travel|participation|participating|taking\s+part|inconvenience|completing|completion|each|visits?)",
    r"\b(?:receive|receives|received|earn|earns|offered|given)\s+(?:a\s+|an\s+|up\s+to\s+)?"
    r"(?:\$\s?\d[\d,.]*|€\s?\d[\d,.]*|£\s?\d[\d,.]*|\d[\d,.]*\s*(?:dollars|euros?|pounds))",
    r"\b(?:stipends?|honorari(?:um|a)|gift\s+cards?|gift\s+certificates?)\b",
    r"\bpaid\s+(?:participation|(?:healthy\s+)?volunteers?)\b",
]
_TRAVEL = r"\b(?:travel|transportation|transport|parking|mileage|lodging|accommodations?|taxi|bus\s+fares?)\b"
_TRAVEL_COVERED = [
    rf"{_TRAVEL}[^.;]{{0,60}}?\b(?:reimburs\w*|covered|paid\s+for|compensated|stipends?|vouchers?)\b",
    rf"\b(?:reimburs\w*|compensation|compensated|stipends?|vouchers?|pay\s+for|covers?|paid)\b[^.;]{{0,40}}?{_TRAVEL}",
    rf"\bfree\s+{_TRAVEL}",
    rf"{_TRAVEL}\s+(?:is|are|will\s+be|can\s+be)\s+(?:provided|arranged|available|offered)\b",
]
_NO_COST = [
    r"\bat\s+no\s+(?:additional\s+|extra\s+)?(?:cost|charge)\b",
    r"\bfree\s+of\s+(?:charge|cost)\b",
    r"\bwithout\s+(?:any\s+)?(?:cost|charge)\s+to\b",
    r"\b(?:there\s+is|there\s+will\s+be|will\s+be|is)\s+no\s+(?:cost|charge)s?\s+(?:to|for)\b",
    r"\bno\s+cost\s+to\s+(?:the\s+)?(?:you|participants?|patients?|subjects?|families|them)\b",
    r"\b(?:provided|supplied|given|offered)\s+(?:for\s+)?free\b(?![-\w])",
]
_UNPAID = (
    rf"\b(?:{_PEOPLE})\b{_BETWEEN}\s+{_AUX}\s+not\s+(?:be\s+)?{_PAID}\b|"
    r"\b(?:there\s+is|there\s+will\s+be|receive)\s+no\s+(?:financial\s+|monetary\s+)?(?:compensation|payment)\b"
    r"|\b(?:does|do|will|would)\s+not\s+(?:receive|get)\s+(?:a\s+|any\s+)?"
    r"(?:gift\s+cards?|payments?|compensation|stipends?|money)\b"
)

#: Sentences that speak of money, or of "compensated", in another sense.
_NOT_MONEY = re.compile(
    r"\b(?:de|un|poorly[-\s]|well[-\s]|fully\s+|hemodynamically\s+|haemodynamically\s+)compensat|"
    r"compensated\s+(?:cirrho|liver|hepat|heart|cardiac|chronic|child|disease|congestive|chf|stage|"
    r"renal|respiratory|for\s+(?:hgb|hemoglobin|age|the\s+loss|fluid|blood))|"
    r"cirrhosis|child[-\s]pugh|heart\s+failure|"
    r"workers['’]?\s*compensation|workman|disability|litigation|lawsuit|legal\s+(?:proceedings|claim)|"
    r"compensation\s+(?:claim|benefits|insurance)|seeking\s+(?:financial\s+)?compensation|"
    r"insurance\s+(?:payments?|reimburs)|medicare|medicaid|reimbursement\s+(?:rates?|polic)|"
    r"by\s+(?:the\s+)?(?:health\s+)?insurance|insurer|pre-?paid|postage|attention\s+(?:is|was|will\s+be)\s+paid|"
    r"paid\s+(?:employment|work|job|personnel|staff|caregiver)|contingen|if\s+successful|could\s+be\s+provided",
    re.IGNORECASE,
)
_KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("unpaid", re.compile(_UNPAID, re.IGNORECASE)),
    ("travel", re.compile("|".join(_TRAVEL_COVERED), re.IGNORECASE)),
    ("payment", re.compile("|".join(_PAYMENT), re.IGNORECASE)),
    ("no cost", re.compile("|".join(_NO_COST), re.IGNORECASE)),
]
_TRAVEL_WORD = re.compile(_TRAVEL, re.IGNORECASE)
#: Every pattern above needs one of these words: a sentence without any is not read further
#: (most sentences of a record: the patterns are slow to fail on long text).
_GATE = re.compile(
    r"compensat|paid|reimburs|remunerat|payment|stipend|honorari|gift|[$£€]|dollar|euro|pound|cost|"
    r"charge|free|travel|transport|parking|mileage|lodging|accommodation|taxi|bus\b|voucher|money",
    re.IGNORECASE,
)

# A bullet or numbered item starts a new piece of text; wrapped lines of one sentence are joined.
_ITEM = re.compile(r"\n\s*\n|\n\s*(?:[-*•·]|\d{1,2}[.)])\s+")
# Not after an initial or a title ("M.D. Anderson", "Dr. Smith", "vs. Placebo").
_SENTENCE_END = re.compile(
    r"(?<![A-Z]\.)(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bvs\.)(?<!\bSt\.)(?<!\bNo\.)(?<=[.!?])\s+(?=[A-Z(\"'“])|"
    r"(?<=[a-z][a-z][.!?])(?=[A-Z][a-z])"
)


class Quote(msgspec.Struct, frozen=True, kw_only=True):
    kind: str  # "payment", "travel", "no cost" or "unpaid" (the record says participants are not paid)
    sentence: str  # the sentence as registered (cut to about MAX_QUOTE characters around the words)
    field: str  # its API v2 path: "protocolSection.descriptionModule.briefSummary"


class MoneyFacts(msgspec.Struct, frozen=True, kw_only=True):
    stated: bool
    text: str  # the first quoted sentence, in quotation marks, or "Not stated in the registry"
    quotes: tuple[Quote, ...]
    derived: Derived


def money(trial: Trial) -> MoneyFacts:
    """What the record says of payment, travel costs and costs of care, quoted; else not stated."""
    quotes: list[Quote] = []
    seen: set[str] = set()
    for field, text in _texts(trial):
        for sentence in sentences(text):
            kind = money_kind(sentence)
            key = sentence.casefold().rstrip(".;: ")
            if kind is None or key in seen:
                continue
            seen.add(key)
            quotes.append(Quote(kind=kind, sentence=_trim(sentence, kind), field=field))
    quotes = quotes[:MAX_QUOTES]
    if not quotes:
        return MoneyFacts(stated=False, text=NOT_STATED, quotes=(), derived=Derived(rule=RULE))
    return MoneyFacts(
        stated=True,
        text=f"“{quotes[0].sentence}”",
        quotes=tuple(quotes),
        derived=Derived(rule=RULE, evidence=tuple(Evidence(field=q.field, words=q.sentence) for q in quotes)),
    )


def money_kind(sentence: str) -> str | None:
    """The kind of money statement a sentence makes ("payment", "travel", "no cost", "unpaid"),
    or None when it makes none."""
    if not _GATE.search(sentence) or _NOT_MONEY.search(sentence):
        return None
    for kind, pattern in _KINDS:
        if pattern.search(sentence):
            if kind == "payment" and _TRAVEL_WORD.search(sentence):
                return "travel"
            return kind
    return None


def sentences(text: str) -> Iterator[str]:
    """The sentences of a registry text: items split at bullets and blank lines, wrapped lines
    joined, then split after a full stop followed by a capital."""
    for item in _ITEM.split(text):
        joined = " ".join(item.split())
        for sentence in _SENTENCE_END.split(joined):
            if sentence:
                yield sentence.lstrip("-*•· ")


def _texts(trial: Trial) -> Iterator[tuple[str, str]]:
    if trial.brief_summary:
        yield "protocolSection.descriptionModule.briefSummary", trial.brief_summary
    if trial.detailed_description:
        yield "protocolSection.descriptionModule.detailedDescription", trial.detailed_description
    if trial.eligibility is not None and trial.eligibility.criteria:
        yield "protocolSection.eligibilityModule.eligibilityCriteria", trial.eligibility.criteria
    arms = "protocolSection.armsInterventionsModule"
    for n, arm in enumerate(trial.arm_groups):
        if arm.description:
            yield f"{arms}.armGroups[{n}].description", arm.description
    for n, intervention in enumerate(trial.interventions):
        if intervention.description:
            yield f"{arms}.interventions[{n}].description", intervention.description


def _trim(sentence: str, kind: str) -> str:
    """The whole sentence, or about MAX_QUOTE characters of it around its money words."""
    if len(sentence) <= MAX_QUOTE:
        return sentence
    pattern = dict(_KINDS)["payment" if kind == "travel" else kind]
    match = pattern.search(sentence) or dict(_KINDS)["travel"].search(sentence)
    middle = match.start() if match else 0
    start = max(0, min(middle - MAX_QUOTE // 3, len(sentence) - MAX_QUOTE))
    start = sentence.rfind(" ", 0, start) + 1 if start else 0
    end = sentence.find(" ", start + MAX_QUOTE)
    cut = sentence[start : end if end != -1 else len(sentence)]
    return ("… " if start else "") + cut + (" …" if end != -1 else "")
