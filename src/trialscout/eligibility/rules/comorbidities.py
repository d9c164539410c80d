"""Readers for the comorbidities oncology criteria name most: CNS metastases, organ transplant,
autoimmune disease, another malignancy.

- `read_cns_metastases`: "Untreated or symptomatic CNS metastases", "leptomeningeal disease",
  "treated and stable brain metastases" -> `CnsMetastasesRule` with its state ("untreated",
  "symptomatic", "active" for several, "treated_stable", "leptomeningeal", "any");
- `read_transplant`: "prior allogeneic stem cell transplant", "solid organ transplant" ->
  `TransplantRule` with the organ (not "eligible for transplant", which is no history);
- `read_autoimmune`: "Active autoimmune disease requiring systemic treatment within the past 2
  years (except replacement therapy)" -> `AutoimmuneRule` with qualifier, window, exceptions;
- `read_other_malignancy`: "another malignancy within 5 years except adequately treated
  non-melanoma skin cancer" -> `OtherMalignancyRule(within_years, exceptions)`.

Words inside an exception or an allowing clause never make a rule of their own: they are
exceptions (and parts) of the rule they qualify.
"""

from __future__ import annotations

import re

from trialscout.eligibility.model import (
    AutoimmuneRule,
    CnsMetastasesRule,
    OtherMalignancyRule,
    PartRole,
    Rule,
    TransplantRule,
)
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

_CNS = re.compile(
    r"\b(?:(?P<lepto>lepto-?meningeal|meningeal)\s+(?:disease|metastas[ie]s|carcinomatosis|involvement|spread"
    r"|dissemination|tumou?r)|(?P<lepto2>carcinomatous\s+meningitis|neoplastic\s+meningitis)"
    r"|(?:brain|cns|central\s+nervous\s+system|intra-?cranial|cerebral|brain/cns|cns/brain)"
    r"(?:\s*\((?:cns|brain)\))?"  # "central nervous system (CNS) metastases"
    r"(?P<and_lepto>\s+(?:and/or|or|and)\s+(?:leptomeningeal|spinal\s+cord|meningeal))?"
    r"\s+(?:metastas[ie]s|metastatic\s+(?:disease|lesions?)|mets|involvement|lesions?|disease)"
    r"|metastas[ie]s\s+(?:to|in|of)\s+the\s+(?:brain|central\s+nervous\s+system|cns))\b"
)
_CNS_GATE = re.compile(r"brain|cns|central\s+nervous|cranial|cerebral|meningeal|meningitis")
_CNS_STATES = (
    (
        "untreated",
        re.compile(
            r"\buntreated\b|\bnot\s+(?:been\s+)?(?:previously\s+|definitively\s+)?treated\b"
            r"|\bunirradiated\b|\bnaive\b",
        ),
    ),
    (
        "symptomatic",
        re.compile(
            r"(?<!a)symptomatic|requir\w*\s+(?:\w+\s+)?(?:steroids|corticosteroids)"
            r"|neurologically\s+unstable",
        ),
    ),
    (
        "active",
        re.compile(
            r"\b(?:active|progressive|progressing|unstable|uncontrolled|new|growing|enlarging"
            r"|untreated\s+or\s+progressive)\b",
        ),
    ),
    (
        "treated_stable",
        re.compile(r"\b(?:(?<!un)treated|stable|asymptomatic|irradiated|resected)\b"),
    ),
)

_TRANSPLANT = re.compile(
    r"\b(?P<qualifiers>(?:(?:allogeneic|allogenic|autologous|solid[\s-]+organ|organ|bone[\s-]+marrow|stem[\s-]+cell"
    r"|hematopoietic|haematopoietic|progenitor[\s-]+cell|kidney|renal|liver|hepatic|heart|cardiac|lung|pancreas"
    r"|islet|cornea|corneal|allo|auto)[\s-]+)*)"
    r"(?:transplant(?:ation|ed|s)?|allograft)\b"
    r"|\b(?P<abbrev>allo-?hsct|allo-?sct|auto-?hsct|auto-?sct|hsct|asct|sct|bmt|hct|allo-?hct)\b"
)
_TRANSPLANT_GATE = re.compile(r"transplant|allograft|sct|bmt|hct")
_TRANSPLANT_NOT_HISTORY = re.compile(
    r"\b(?:eligible|candidates?|candidacy|suitable|fit|considered|referred|planned|scheduled|awaiting|waiting"
    r"|ineligible|unfit|intend\w*|plan\w*|list\s+for)\s+(?:for\s+)?(?:an?\s+|the\s+)?(?:\w+[\s-]+){0,3}$"
)
_ORGAN_BEFORE = re.compile(
    r"\b(?P<organ>solid[\s-]+organ|organ|kidney|renal|liver|heart|lung|cornea|allogeneic|autologous)"
    r"\s+(?:or|and|and/or|/)\s*$"
)
# "6 weeks prior to transplantation": the transplant is the trial's, an anchor in time.
_TRANSPLANT_ANCHOR = re.compile(
    r"\b(?:prior\s+to|before|until|at\s+the\s+time\s+of|day\s+of)\s+(?:the\s+)?(?:\w+[\s-]+){0,2}$"
)
_TRANSPLANT_AFTER = re.compile(r"^[\s-]*(?:in)?eligib|^\s+candidate|^[\s-]+(?:related|associated)")

_AUTOIMMUNE = re.compile(
    r"\bauto-?immune\s+(?:(?:or|and|and/or)\s+(?:chronic\s+)?inflammatory\s+)?(?:diseases?|disorders?|conditions?"
    r"|illness(?:es)?|disease\s+history)|\bautoimmunity\b|\bimmune[\s-]+mediated\s+(?:diseases?|disorders?)"
)
_AUTOIMMUNE_QUALIFIER = re.compile(
    r"\b(?:active|known|history\s+of|documented|prior|suspected|severe|clinically\s+significant|uncontrolled"
    r"|chronic|ongoing|current|symptomatic)\b"
)
_REQUIRING_SYSTEMIC = re.compile(
    r"\b(?:that\s+)?(?:has\s+)?requir\w*\s+(?:\w+\s+){0,3}?(?:systemic|immunosuppressive|steroid|corticosteroid"
    r"|disease[\s-]+modifying)\w*\s+(?:\w+\s+){0,2}?(?:treatments?|therap(?:y|ies)|agents?|medications?|drugs?)"
)

_MALIGNANCY = r"(?:malignanc(?:y|ies)|cancers?|neoplasms?|neoplasia|tumou?rs?|carcinomas?)"
_OTHER_MALIGNANCY = re.compile(
    r"\b(?:(?:another|other|second|secondary|additional|prior|previous|concurrent|concomitant|coexisting"
    r"|co-existing|synchronous|metachronous|separate|different|unrelated|invasive)\s+(?:\w+\s+){0,2}?"
    rf"(?:primary\s+)?{_MALIGNANCY}"
    rf"|{_MALIGNANCY}\s+(?:other\s+than|besides|apart\s+from|in\s+addition\s+to)"
    rf"|(?:history|diagnosis)\s+of\s+(?:\w+\s+){{0,2}}?{_MALIGNANCY})\b"
)
_MALIGNANCY_GATE = re.compile(r"malignan|cancer|neoplas|tumo|carcinom")
_NOT_A_MALIGNANCY = re.compile(
    r"^[\s-]*(?:therap|treatment|chemo|surgery|surgical|directed|drug|agent|regimen|vaccine|immunotherapy"
    r"|radio|radiation|predisposition|syndrome|genetic)"
)


def _states(context: str) -> list[str]:
    states: list[str] = []
    for state, pattern in _CNS_STATES:
        if pattern.search(context) and not (state == "treated_stable" and states):
            states.append(state)
    return states


def read_cns_metastases(reading: Reading, claimed: Claimed) -> list[Rule]:
    if not _CNS_GATE.search(reading.lower):
        return []
    matches = [
        m
        for m in _CNS.finditer(reading.lower)
        if not excepted(reading, m.start(), m.end()) and not claimed.overlaps(m.start(), m.end())
    ]
    rules: list[Rule] = []
    previous_end = 0
    for index, match in enumerate(matches):
        stop = matches[index + 1].start() if index + 1 < len(matches) else None
        low, high = sentence(reading, match.start())
        left = reading.lower[max(low, previous_end, match.start() - 60) : match.start()]
        exceptions = exceptions_for(reading, match.start(), stop)
        right_end = min([high, match.end() + 50, *(e.span.start for e in exceptions)])
        right = reading.lower[match.end() : right_end]
        states = _states(left + " " + right)
        if {"untreated", "symptomatic", "active"} & set(states) and len(states) > 1:
            state = "active" if "treated_stable" not in states or len(states) > 2 else states[0]
        else:
            state = states[0] if states else "any"
        found = []
        if match.group("lepto") or match.group("lepto2"):
            found.append("leptomeningeal")
        else:
            found.append(state)
            if match.group("and_lepto") and "lept" in match.group("and_lepto").lower():
                found.append("leptomeningeal")
        window = window_for(reading, match.start(), match.end())
        also = exception_mentions(reading, exceptions)
        for rule_state in found:
            rules.append(
                CnsMetastasesRule(
                    expect=expected(reading, match.start()),
                    span=covering((match.start(), match.end()), window.span if window else None),
                    parts=parts_for(
                        reading, [(match.start(), match.end())], window, also=also, role=PartRole.CONDITION
                    ),
                    exceptions=exceptions,
                    state=rule_state,
                )
            )
        claimed.add(match.start(), match.end())
        previous_end = match.end()
    return rules


def _organ(qualifiers: str, abbrev: str) -> str | None:
    words = " ".join(f"{qualifiers} {abbrev}".lower().replace("-", " ").split())
    stem_cell = re.search(r"stem cell|marrow|hematopoietic|haematopoietic|progenitor|sct|hct|bmt", words)
    if re.search(r"\balloge?n|\ballo", words):
        return (
            "allogeneic stem cell" if stem_cell or not re.search(r"organ|kidney|liver|heart", words) else None
        )
    if re.search(r"\bautologous|\bauto|\basct\b", words):
        return "autologous stem cell"
    if stem_cell:
        return "stem cell"
    if "solid organ" in words or re.search(r"\borgan\b", words):
        return "solid organ"
    for organ in (
        "kidney",
        "renal",
        "liver",
        "hepatic",
        "heart",
        "cardiac",
        "lung",
        "pancreas",
        "islet",
        "corne",
    ):
        if organ in words:
            return {"renal": "kidney", "hepatic": "liver", "cardiac": "heart", "corne": "cornea"}.get(
                organ, organ
            )
    return None


def read_transplant(reading: Reading, claimed: Claimed) -> list[Rule]:
    if not _TRANSPLANT_GATE.search(reading.lower):
        return []
    rules: list[Rule] = []
    for match in _TRANSPLANT.finditer(reading.lower):
        start, end = match.start(), match.end()
        if excepted(reading, start, end) or claimed.overlaps(start, end):
            continue
        left = left_context(reading, start, 50)
        if (
            _TRANSPLANT_NOT_HISTORY.search(left)
            or _TRANSPLANT_ANCHOR.search(left)
            or _TRANSPLANT_AFTER.search(reading.lower[end : end + 20])
        ):
            claimed.add(start, end)  # a transplant named, but no history of one
            continue
        window = window_for(reading, start, end)
        exceptions = exceptions_for(reading, start)
        organs = [(start, end, _organ(match.group("qualifiers") or "", match.group("abbrev") or ""))]
        # "solid organ or bone marrow transplant": the first organ shares the noun.
        first = _ORGAN_BEFORE.search(reading.lower, max(0, start - 30), start)
        if first is not None:
            organs.insert(0, (first.start(), first.end("organ"), _organ(first.group("organ"), "")))
        for organ_start, words_end, organ in organs:
            rules.append(
                TransplantRule(
                    expect=expected(reading, organ_start),
                    span=covering((organ_start, end), window.span if window else None),
                    parts=parts_for(reading, [(organ_start, words_end)], window, role=PartRole.PROCEDURE),
                    exceptions=exceptions,
                    organ=organ,
                    window=window,
                )
            )
        claimed.add(organs[0][0], end)
    return rules


def read_autoimmune(reading: Reading, claimed: Claimed) -> list[Rule]:
    if "immun" not in reading.lower:
        return []
    rules: list[Rule] = []
    for match in _AUTOIMMUNE.finditer(reading.lower):
        start, end = match.start(), match.end()
        if excepted(reading, start, end) or claimed.overlaps(start, end):
            continue
        qualifiers = [
            " ".join(q.group(0).lower().split())
            for q in _AUTOIMMUNE_QUALIFIER.finditer(left_context(reading, start, 50))
        ]
        _, high = sentence(reading, start)
        exceptions = exceptions_for(reading, start)
        right_end = min([high, end + 120, *(e.span.start for e in exceptions)])
        requiring = _REQUIRING_SYSTEMIC.search(reading.lower, end, right_end)
        if requiring:
            qualifiers.append("requiring systemic treatment")
        window = window_for(reading, start, end)
        rules.append(
            AutoimmuneRule(
                expect=expected(reading, start),
                span=covering(
                    (start, end), requiring.span() if requiring else None, window.span if window else None
                ),
                parts=parts_for(
                    reading,
                    [(start, end)],
                    window,
                    also=exception_mentions(reading, exceptions),
                    role=PartRole.CONDITION,
                ),
                exceptions=exceptions,
                qualifier=", ".join(dict.fromkeys(qualifiers)) or None,
                window=window,
            )
        )
        claimed.add(start, end)
        if requiring:
            claimed.add(*requiring.span())
    return rules


def read_other_malignancy(reading: Reading, claimed: Claimed) -> list[Rule]:
    if not _MALIGNANCY_GATE.search(reading.lower):
        return []
    rules: list[Rule] = []
    for match in _OTHER_MALIGNANCY.finditer(reading.lower):
        start, end = match.start(), match.end()
        if excepted(reading, start, end) or claimed.overlaps(start, end):
            continue
        if _NOT_A_MALIGNANCY.search(reading.lower[end : end + 20]):
            continue
        window = window_for(reading, start, end)
        exceptions = exceptions_for(reading, start)
        within_years = round(window.days / 365.25, 2) if window is not None else None
        rules.append(
            OtherMalignancyRule(
                expect=expected(reading, start),
                span=covering((start, end), window.span if window else None),
                parts=parts_for(
                    reading,
                    [(start, end)],
                    window,
                    also=exception_mentions(reading, exceptions),
                    role=PartRole.CONDITION,
                ),
                exceptions=exceptions,
                within_years=within_years,
            )
        )
        claimed.add(start, end)
        # A rule per criterion: the rest of the sentence restates it ("... or other cancer").
        break
    return rules


READERS = (read_cns_metastases, read_transplant, read_autoimmune, read_other_malignancy)
