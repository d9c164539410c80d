"""Reader for other conditions: comorbidities and histories with their qualifiers and windows.

"History of myocardial infarction, unstable angina or stroke within 12 months" -> three
`ConditionRule`s (qualifier "history of", the same window); "uncontrolled hypertension" ->
Hypertension, qualifier "uncontrolled"; "No history of seizures" in an inclusion -> ABSENT. A
negation at the head of a list reaches every item of it. Conditions the earlier readers took
(the diagnosis, CNS metastases, infections, ...) and those named for another reason ("recovered
from", "due to", "risk of", "family history of") make no rule here. An allergy names its drugs
as parts ("hypersensitivity to cetuximab").
"""

from __future__ import annotations

import functools
import re

from trialscout.eligibility.mentions import Mention, MentionKind
from trialscout.eligibility.model import ConditionRule, Rule
from trialscout.eligibility.polarity import expect
from trialscout.eligibility.rules.clauses import (
    Claimed,
    Reading,
    covering,
    excepted,
    exception_mentions,
    exceptions_for,
    is_negated,
    mentions_in,
    parts_for,
    qualified_condition,
    sentence,
)
from trialscout.eligibility.rules.sections import states_nothing, window_for

_QUALIFIER = re.compile(
    r"\b(?:active|uncontrolled|poorly\s+controlled|symptomatic|history\s+of|clinically\s+significant|significant"
    r"|severe|unstable|known|chronic|acute|ongoing|current|prior|previous|untreated|recent|documented|suspected"
    r"|persistent|recurrent|congenital|moderate|mild|serious|evidence\s+of|diagnosis\s+of|diagnosed\s+with"
    r"|controlled|stable|well[\s-]+controlled|treated|resolved|grade\s*[≥>]?\s*\d(?:\s*or\s+(?:higher|greater))?)\b"
)
_ASIDE = re.compile(
    r"(?:recover\w*\s+from|recovery\s+from|resolution\s+of|due\s+to|secondary\s+to|related\s+to|caused\s+by"
    r"|attributed\s+to|risk\s+(?:of|for)|at\s+risk|family\s+history|prevent\w*|prophyla\w*|(?:for|to)\s+(?:the\s+)?"
    r"treat(?:ment)?(?:\s+of)?|in\s+the\s+opinion|other\s+than|excluding|except|management\s+of|associated\s+with"
    r"|treated\s+for|indicated\s+for|manifestations?\s+of|(?:therap\w*|treatments?|chemotherapy|radiotherapy"
    r"|surgery|resection)\s+(?:\w+\s+){0,2}?(?:for|of))\b"
)
_LIST_BREAK = re.compile(
    r"\.(?<!e\.g\.)(?<!i\.e\.)(?=\s|$)|[;:]|\b(?:but|except|unless|however|although|and\s+(?:has|have|is|are))\b"
)
_ALLERGY = re.compile(r"hypersensitiv|allerg|intoleran|contraindicat|anaphyla|sensitivity", re.IGNORECASE)
# Left to other readers: reproduction, performance, measurable disease, biomarkers.
_NOT_A_CONDITION = re.compile(
    r"^(?:pregnan\w*|lactat\w*|breast[\s-]*feeding|nursing|child[\s-]*bearing|healthy|measurable"
    r"|evaluable|life\s+expectancy|performance\s+status|menopaus\w*|post-?menopausal|fertile|infertil\w*"
    r"|wocbp|sexually\s+active|abstinen\w*|gestation\b)"
    r"|\b(?:mutation|mutations|rearrangement|fusion|amplification|expression|positive|negative|wild[\s-]?type"
    r"|measurable\s+disease)\b",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def _not_a_condition(words: str) -> bool:
    return _NOT_A_CONDITION.search(words) is not None


def _qualifier(reading: Reading, mention: Mention, list_start: int) -> str | None:
    low, _ = sentence(reading, mention.span.start)
    inside = [q.group(0) for q in _QUALIFIER.finditer(reading.lower, mention.span.start, mention.span.end)]
    if inside and reading.lower.startswith(inside[0], mention.span.start):
        return " ".join(inside[0].lower().split())
    before = list(_QUALIFIER.finditer(reading.lower, max(low, list_start - 50), mention.span.start))
    if before:
        return " ".join(before[-1].group(0).lower().split())
    return None


def read_conditions(reading: Reading, claimed: Claimed) -> list[Rule]:
    rules: list[Rule] = []
    treated_by: dict[Mention, list[Mention]] = {}  # "diabetes requiring insulin"
    for drug in reading.mentions:
        if drug.kind is MentionKind.DRUG:
            condition = qualified_condition(reading, drug)
            if condition is not None:
                treated_by.setdefault(condition, []).append(drug)
    list_head: tuple[int, int, bool] | None = None  # (sentence start, first item start, negated)
    candidates = [m for m in reading.mentions if m.kind is MentionKind.CONDITION]
    for index, mention in enumerate(candidates):
        start, end = mention.span.start, mention.span.end
        low, high = sentence(reading, start)
        # The list's head, over every condition named (those other readers took too): "No
        # symptomatic brain metastases, carcinomatous meningitis, or spinal metastases".
        negated = is_negated(reading, start)
        if (
            list_head is not None
            and list_head[0] == low
            and not _LIST_BREAK.search(reading.lower, list_head[1], start)
        ):
            negated = negated or list_head[2]
            list_start = list_head[1]
        else:
            list_head = (low, start, negated)
            list_start = start
        if excepted(reading, start, end) or claimed.overlaps(start, end):
            continue
        if (
            _not_a_condition(mention.text)
            or _not_a_condition(mention.concept)
            or states_nothing(reading, end)
        ):
            continue
        if _ASIDE.search(reading.lower, max(low, start - 40), start):
            continue
        window = window_for(reading, start, end)
        stop = next((c.span.start for c in candidates[index + 1 :] if c.span.start > end), None)
        exceptions = exceptions_for(reading, start, stop if stop is not None and stop < high else None)
        also = exception_mentions(reading, exceptions)
        also += treated_by.get(mention, [])
        if _ALLERGY.search(mention.text):
            also += mentions_in(reading, end, high, (MentionKind.DRUG,))
            for drug in also:
                claimed.add(drug.span.start, drug.span.end)
        rules.append(
            ConditionRule(
                expect=expect(reading.kind, negated),
                span=covering(mention.span, window.span if window else None),
                parts=parts_for(reading, [(start, end)], window, also=also),
                exceptions=exceptions,
                condition=" ".join(mention.text.split()),
                concepts=(mention.concept,),
                qualifier=_qualifier(reading, mention, list_start),
                window=window,
            )
        )
        claimed.add(start, end)
    return rules


READERS = (read_conditions,)
