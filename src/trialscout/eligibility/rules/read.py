"""`read_rules`: every reader over one criterion, the rules in reading order."""

from __future__ import annotations

import re

import msgspec

from trialscout.eligibility.model import (
    CriterionKind,
    Expect,
    MedicationRule,
    PriorTherapyRule,
    ProcedureRule,
    Rule,
    Span,
)
from trialscout.eligibility.rules import Reader, concepts, quantities
from trialscout.eligibility.text import matchable

READERS: list[Reader] = [*quantities.READERS, *concepts.READERS]


# "on a stable dose ... for at least 4 weeks": a duration of exposure, which the trial requires.
_DURATION = re.compile(
    r"\b(?:stable|on\s+(?:a|the|an)\b|receiving|taking|maintained|continuous(?:ly)?|treated\s+for)\b", re.I
)


def _washout(rule: Rule, view: str, kind: CriterionKind) -> Rule:
    """An inclusion's "at least 4 weeks since prior chemotherapy" or "not received any cancer
    treatment for at least 2 weeks" means: no such exposure in the last 4 (2) weeks. Exposures
    are stated one way throughout, as recent exposure the trial rules out (ABSENT, within), so
    that no reader of the rule can take "at least" for a required exposure."""
    if kind is not CriterionKind.INCLUSION or not isinstance(
        rule, (PriorTherapyRule, ProcedureRule, MedicationRule)
    ):
        return rule
    window = rule.window
    if window is None or window.relation != "at_least":
        return rule
    if rule.expect is Expect.PRESENT and _DURATION.search(view, max(0, rule.span.start - 40), rule.span.end):
        return rule
    return msgspec.structs.replace(
        rule, expect=Expect.ABSENT, window=msgspec.structs.replace(window, relation="within")
    )


def _covering(rule: Rule) -> Rule:
    """The rule with a span over every word it came from: its parts (the drugs of an allergy,
    a medication's window), less those inside a stated exception, which keeps its own span."""
    start, end = rule.span.start, rule.span.end
    for part in rule.parts:
        if any(e.span.start <= part.span.start and part.span.end <= e.span.end for e in rule.exceptions):
            continue
        start, end = min(start, part.span.start), max(end, part.span.end)
    if (start, end) == (rule.span.start, rule.span.end):
        return rule
    return msgspec.structs.replace(rule, span=Span(start, end))


def read_rules(text: str, kind: CriterionKind) -> tuple[Rule, ...]:
    """Every typed rule in one criterion's words, in reading order (never raises)."""
    view = matchable(text)
    found: list[Rule] = []
    for reader in READERS:
        try:
            found.extend(_covering(_washout(rule, view, kind)) for rule in reader(text, view, kind))
        except Exception:  # noqa: BLE001 - a reader's bug must cost one rule, not the trial
            continue
    return tuple(sorted(found, key=lambda r: (r.span.start, r.span.end)))
