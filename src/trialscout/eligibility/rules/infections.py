"""Reader for infections: HIV, hepatitis B and C, tuberculosis, COVID-19, active infection.

"Known HIV infection" -> InfectionRule(HIV, qualifier "known"); "active hepatitis B (HBsAg
positive) or C (HCV RNA detectable)" -> HBV (active, HBsAg positive) and HCV (active, HCV RNA
detectable); "active infection requiring systemic therapy" -> active_infection. A negative
result named after the infection ("HIV negative", "HBsAg-negative") turns the expectation
round. Allowing clauses ("HIV with undetectable viral load allowed", "patients with
serological sequelae of hepatitis without hepatitis could be included") are exceptions of the
rule, never rules of their own.
"""

from __future__ import annotations

import re

from trialscout.eligibility.model import InfectionRule, PartRole, Rule
from trialscout.eligibility.rules.clauses import (
    Claimed,
    Reading,
    covering,
    excepted,
    exception_mentions,
    exceptions_for,
    expected,
    left_context,
    parts_for,
    sentence,
)
from trialscout.eligibility.rules.sections import window_for

_GATE = re.compile(r"hiv|immun|aids|hepat|hbv|hcv|hbsag|hep\s*[bc]|tubercul|tb|infect|covid|sars")
# (infection, pattern, whether it runs on the lowercase view); "AIDS" and "TB" only in capitals.
_TRIGGERS: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    ("HIV", re.compile(r"\bhiv(?:-?[12])?\b|\bhuman\s+immuno-?deficiency\s+virus\b"), True),
    ("HIV", re.compile(r"\bAIDS\b"), False),
    ("HIV", re.compile(r"\bacquired\s+immun[eo]?\s*-?deficiency\s+syndrome\b"), True),
    (
        "HBV",
        re.compile(
            r"\bhepatitis\s*(?:virus\s*)?b\b|\bhbv\b|\bhbsag\b|\bhepatitis\s+b\s+surface\s+antigen\b|\bhep\s*b\b"
        ),
        True,
    ),
    ("HCV", re.compile(r"\bhepatitis\s*(?:virus\s*)?c\b|\bhcv\b|\bhep\s*c\b"), True),
    ("tuberculosis", re.compile(r"\btuberculosis\b"), True),
    ("tuberculosis", re.compile(r"\bTB\b"), False),
    ("COVID-19", re.compile(r"\bcovid(?:-?19)?\b|\bsars-?cov-?2\b"), True),
    (
        "hepatitis",
        re.compile(r"\b(?:active|viral|chronic|acute|infectious)\s+hepatitis\b(?!\s*(?:virus\s*)?[bc]\b)"),
        True,
    ),
    (
        "active_infection",
        re.compile(
            r"\b(?:active|uncontrolled|serious|severe|ongoing|systemic|acute|current|clinically\s+significant"
            r"|significant|intercurrent|concurrent|untreated)\s+(?:[\w,/-]+\s+){0,4}?infections?\b"
            r"|\binfections?\s+requiring\s+(?:\w+\s+){0,3}?(?:antibiotics?|antivirals?|antifungals?|therapy|treatment"
            r"|hospitali[sz]ation)\b"
        ),
        True,
    ),
)
# "hepatitis B (HBsAg positive) or C": the C continues the hepatitis.
_AND_C = re.compile(r"(?:\s*\([^()]{0,80}\))?\s*(?:,|/|or|and|and/or)\s*(?P<letter>c)\b")
_QUALIFIER = re.compile(
    r"\b(?:known|active|chronic|uncontrolled|untreated|acute|latent|current|ongoing|history\s+of|documented"
    r"|evidence\s+of|serious|severe|clinically\s+significant|seropositive|positive\s+(?:test|serology)\s+for"
    r"|co-?infection|infection\s+with|positive)\b"
)
_POSITIVE_AFTER = re.compile(
    r"^[\s-]*(?:infection\s+)?(?:\(\s*)?(?:positive|seropositive|reactive|detectable|\+)"
)
_NEGATIVE_AFTER = re.compile(
    r"^[\s-]*(?:infection\s+)?(?:status\s+)?(?:\(\s*)?(?:negative|seronegative|non-?reactive|undetectable)\b"
)
_ABBREVIATION = re.compile(r"\s*[A-Z][A-Za-z0-9-]{1,7}\s*")
# "hepatitis B or C infection": the word infection belongs to the trigger.
_INFECTION_AFTER = re.compile(r"\s*(?:virus\s*)?(?:\([^()]{0,12}\)\s*)?(?:infections?|carriers?|carriage)\b")
_DETAIL = re.compile(r"^\s*(?:infection\s*)?\((?P<detail>[^()]{2,60})\)")
_REQUIRING = re.compile(
    r"\brequir\w*\s+(?:\w+\s+){0,3}?(?P<what>systemic|intravenous|iv|oral|parenteral)?\s*"
    r"(?:\w+\s+){0,2}?(?:antibiotics?|antivirals?|antifungals?|therapy|treatment|hospitali[sz]ation)"
)
# What a parenthesis says before an infection is its own ("hepatitis B (HBsAg positive) or C").
_PARENTHESIS = re.compile(r"\([^()]*\)")
_REQUIRING_END = re.compile(r"[);.]")
_NOT_REQUIRED = re.compile(r"not\s+(?:required|mandatory|needed)|no\s+testing")


def _triggers(reading: Reading) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for infection, pattern, lowercase in _TRIGGERS:
        for match in pattern.finditer(reading.lower if lowercase else reading.view):
            found.append((match.start(), match.end(), infection))
            if infection == "HBV" and "hepatitis" in match.group(0).lower():
                more = _AND_C.match(reading.lower, match.end())
                if more:
                    found.append((more.start("letter"), more.end("letter"), "HCV"))
    found.sort()
    kept: list[tuple[int, int, str]] = []
    for start, end, infection in found:
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end, infection))
    return kept


def read_infections(reading: Reading, claimed: Claimed) -> list[Rule]:
    if not _GATE.search(reading.lower):
        return []
    rules: list[Rule] = []
    # One rule per infection and sentence; its other names there ("hepatitis B ... HBsAg") are parts.
    by_key: dict[tuple[int, str], tuple[int, int, list[tuple[int, int]]]] = {}
    for start, end, infection in _triggers(reading):
        if excepted(reading, start, end) or claimed.overlaps(start, end):
            continue
        low, high = sentence(reading, start)
        if _NOT_REQUIRED.search(reading.lower, low, high):
            continue
        key = (low, infection)
        if key in by_key:
            by_key[key][2].append((start, end))
            continue
        more = _INFECTION_AFTER.match(reading.lower, end)
        if more and infection not in ("active_infection", "hepatitis"):
            end = more.end()
        by_key[key] = (start, end, [(start, end)])
    for (_, infection), (start, end, spans) in by_key.items():
        qualifiers = [
            " ".join(q.group(0).lower().split())
            for q in _QUALIFIER.finditer(_PARENTHESIS.sub(" ", left_context(reading, start, 40)))
        ]
        after = reading.lower[end : end + 80]
        detail = _DETAIL.match(after)
        if detail and (
            excepted(reading, end + detail.start("detail"), end + detail.end("detail"))
            or _ABBREVIATION.fullmatch(reading.text, end + detail.start("detail"), end + detail.end("detail"))
        ):
            detail = None  # an exception, or the infection's abbreviation: "virus (HIV)"
        if _POSITIVE_AFTER.match(after) and not detail:
            qualifiers.append("positive")
        if detail:
            qualifiers.append(
                " ".join(reading.text[end + detail.start("detail") : end + detail.end("detail")].split())
            )
        requiring = _REQUIRING.search(reading.lower, end, min(sentence(reading, end)[1], end + 80))
        if requiring and infection == "active_infection":
            qualifiers.append(
                "requiring systemic therapy" if requiring.group("what") else "requiring treatment"
            )
        negative = bool(_NEGATIVE_AFTER.match(after))
        exceptions = exceptions_for(reading, start)
        window = window_for(reading, start, end)
        rules.append(
            InfectionRule(
                expect=expected(reading, start, flip=negative),
                span=covering(*spans, requiring.span() if requiring else None),
                parts=parts_for(
                    reading,
                    spans,
                    window,
                    also=exception_mentions(reading, exceptions),
                    role=PartRole.CONDITION,
                ),
                exceptions=exceptions,
                infection=infection,
                qualifier=", ".join(dict.fromkeys(q for q in qualifiers if q)) or None,
                window=window,
            )
        )
        for span in spans:
            claimed.add(*span)
        if requiring and infection == "active_infection":
            # "infection requiring treatment with systemic antifungal or antiviral agents": the
            # drugs say what treatment, they are no medication rule of their own.
            stop = _REQUIRING_END.search(reading.lower, requiring.end())
            claimed.add(requiring.start(), stop.start() if stop else sentence(reading, end)[1])
    return rules


READERS = (read_infections,)
