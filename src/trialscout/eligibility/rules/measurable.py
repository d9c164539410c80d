"""Measurable disease: "measurable disease per RECIST 1.1", "at least one measurable lesion
according to RECIST v1.1", "evaluable disease", "measurable or non-measurable disease".

`read_measurable_disease` gives at most one `MeasurableDiseaseRule` per criterion, with the
response criteria named anywhere in it (RECIST 1.1, iRECIST, mRECIST, RANO, RANO-BM, Lugano,
Cheson, IMWG, PCWG3, irRC, Choi, GCIG, IWG, iwCLL). Evaluable disease, or measurable and
non-measurable disease alike, is ``evaluable=True``; "non-measurable disease" alone negates.
"Measurable residual disease" (MRD, a leukaemia test) is not measurable disease.
"""

from __future__ import annotations

import re

from trialscout.eligibility.model import CriterionKind, MeasurableDiseaseRule, Part, PartRole, Rule, Span
from trialscout.eligibility.polarity import expect
from trialscout.eligibility.rules.thresholds import lowered, negated_before

_HINT = re.compile(r"measurable|evaluable|assessable")
_WORD = re.compile(
    r"\b(?P<non>non[\s-]?|un|not\s+)?(?P<word>measurable|evaluable|assessable)\b"
    r"(?![\s-]+(?:residual|minimal|for\s+(?:toxicity|safety|pharmaco|PK|adverse)))",
    re.IGNORECASE,
)
_NOUN = (
    r"disease|lesions?|tumou?rs?|metasta\w*|cancer|malignanc\w*|sites?|mass(?:es)?|nodes?|m[\s-]?proteins?"
    r"|paraproteins?|light\s+chains?|neoplasm|nodules?"
)
_NOUN_AFTER = re.compile(rf"(?:[\s,/()]+[\w-]+){{0,3}}?[\s,/()-]+(?:{_NOUN})\b", re.IGNORECASE)
_NOUN_BEFORE = re.compile(
    rf"\b(?:{_NOUN})\b[\s,]+(?:(?:that|which)\s+)?(?:(?:is|are|must|should|be|being|clinically|radiologically"
    rf"|radiographically)\s+)*$",
    re.IGNORECASE,
)
_AT_LEAST = re.compile(r"\b(?:at\s+least|a\s+minimum\s+of)\s+(?:one|1|two|2)\s+(?:\(\s*1\s*\)\s*)?$", re.I)
_STANDARD = re.compile(
    r"(?P<irecist>\biRECIST\b)|(?P<mrecist>\bmRECIST\b|\bmodified\s+RECIST\b)|(?P<recist>\bRECIST\b|\bResponse\s+Evaluation\s+Criteria\s+in"
    r"\s+Solid\s+Tumou?rs?\b)(?:\s*\(RECIST\))?(?:[\s,]*(?:criteria\s*)?(?:v(?:ersion)?\.?\s*|version\s+)?(?P<version>1\.[01]))?"
    r"|(?P<ranobm>\bRANO[\s-]BM\b)|(?P<irano>\biRANO\b)|(?P<rano>\bRANO\b|\bResponse\s+Assessment\s+in\s+Neuro-?Oncology\b)"
    r"|(?P<lugano>\bLugano\b)|(?P<cheson>\bCheson\b)|(?P<imwg>\bIMWG\b)|(?P<pcwg>\bPCWG\s*-?\s*[23]\b)"
    r"|(?P<irrc>\birRC\b|\bimmune[\s-]related\s+response\s+criteria\b)|(?P<choi>\bChoi\b)|(?P<gcig>\bGCIG\b)"
    r"|(?P<iwcll>\biwCLL\b)|(?P<iwg>\bIWG\b)|(?P<easl>\bEASL\b)",
    re.IGNORECASE,
)
_STANDARD_NAMES = {
    "irecist": "iRECIST",
    "mrecist": "mRECIST",
    "ranobm": "RANO-BM",
    "irano": "iRANO",
    "rano": "RANO",
    "lugano": "Lugano",
    "cheson": "Cheson",
    "imwg": "IMWG",
    "irrc": "irRC",
    "choi": "Choi",
    "gcig": "GCIG",
    "iwcll": "iwCLL",
    "iwg": "IWG",
    "easl": "EASL",
}
_SENTENCE_BREAK = re.compile(r";|\.(?:\s|$)")


def _standard(match: re.Match[str]) -> str:
    name = match.lastgroup or ""
    if match.group("recist"):
        version = match.group("version")
        return f"RECIST {version}" if version else "RECIST"
    if match.group("pcwg"):
        return "PCWG" + match.group("pcwg")[-1]
    return _STANDARD_NAMES.get(name, match.group(0))


def read_measurable_disease(text: str, view: str, kind: CriterionKind) -> list[Rule]:
    """At most one rule: whether measurable (or evaluable) disease is needed, and by which criteria."""
    if not _HINT.search(lowered(view)):
        return []
    mentions: list[tuple[re.Match[str], int, int]] = []
    for word in _WORD.finditer(view):
        after = _NOUN_AFTER.match(view, word.end())
        before = _NOUN_BEFORE.search(view, max(0, word.start() - 50), word.start())
        if after:
            mentions.append((word, word.start(), after.end()))
        elif before:
            mentions.append((word, before.start(), word.end()))
    if not mentions:
        return []
    measurable = [m for m, _, _ in mentions if m.group("word").lower() == "measurable" and not m.group("non")]
    non_measurable = [m for m, _, _ in mentions if m.group("word").lower() == "measurable" and m.group("non")]
    evaluable = [m for m, _, _ in mentions if m.group("word").lower() != "measurable" and not m.group("non")]
    if not (measurable or non_measurable or evaluable):
        return []
    negative_form = bool(non_measurable) and not measurable and not evaluable
    either = bool(evaluable) or (bool(measurable) and bool(non_measurable))
    start = min(s for _, s, _ in mentions)
    end = max(e for _, _, e in mentions)
    at_least = _AT_LEAST.search(view, max(0, start - 20), start)
    if at_least:
        start = at_least.start()
    standard = None
    sentence_end = _SENTENCE_BREAK.search(view, end)
    found = _STANDARD.search(view)
    if found:
        standard = _standard(found)
        if found.start() >= end and (sentence_end is None or found.start() < sentence_end.start()):
            end = max(end, found.end())
    is_negated = negated_before(view, start) != negative_form
    return [
        MeasurableDiseaseRule(
            expect=expect(kind, is_negated),
            span=Span(start, end),
            parts=(Part(PartRole.CONDITION, Span(mentions[0][1], mentions[0][2])),),
            standard=standard,
            evaluable=either,
        )
    ]


READERS = [read_measurable_disease]
