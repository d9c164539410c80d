"""The quantity readers: who may take part, how well they are, their tests and their tumour.

`READERS`, in the order `read_rules` calls them:

- `demographics`: age (`AgeRule`), sex (`SexRule`), pregnancy, breast-feeding, contraception,
  childbearing potential and menopause (`ReproductiveRule`);
- `performance`: ECOG/WHO/Zubrod/GOG, Karnofsky and Lansky performance status
  (`PerformanceStatusRule`, with the ECOG equivalent) and life expectancy (`LifeExpectancyRule`);
- `labs`: laboratory and physiological thresholds in one canonical unit per analyte
  (`LabRule`, `labs.CANONICAL_UNITS`), stated exceptions kept on the rules they qualify; a
  value outside a range on either side ("INR < 1.5 or > 3 x ULN", "platelets < 100,000/mm3 or
  > 450,000/mm3") is two rules, one per side, the unit of one side read for the other when only
  one states it (`read_labs_either`);
- `measurable`: measurable or evaluable disease and its response criteria
  (`MeasurableDiseaseRule`);
- `biomarkers`: mutations, rearrangements, receptor status and expression thresholds
  (`BiomarkerRule`).

Each reader is ``(text, view, kind) -> list[Rule]``, never raises on any text, and looks for
its keywords before it runs any costly pattern. None of them reads a criterion that defines a
term (`clauses.is_definition`: "Post-menopausal is defined as ..."): its numbers say what the
term means, not what the trial asks of the patient.
"""

from __future__ import annotations

import re

import msgspec

from trialscout.eligibility.model import Bound, CriterionKind, Expect, LabRule, PartRole, Rule, Span
from trialscout.eligibility.rules import Reader, biomarkers, demographics, labs, measurable, performance
from trialscout.eligibility.rules.clauses import is_definition
from trialscout.eligibility.rules.either import ABOVE, BELOW, apart, between
from trialscout.eligibility.rules.thresholds import NUMBER

_EITHER_LAB = re.compile(
    rf"(?:(?P<below1>{BELOW})|(?P<above1>{ABOVE}))\s*(?P<n1>{NUMBER})(?P<unit1>[^,;<>≤≥]{{0,25}}?)"
    rf"(?P<join>\s*,?\s*\b(?:or|and/or)\s+)(?:(?P<below2>{BELOW})|(?P<above2>{ABOVE}))\s*(?P<n2>{NUMBER})",
    re.IGNORECASE,
)
_EITHER_HINT = re.compile(r"\bor\b")


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _value_at(rule: Rule, start: int, end: int) -> bool:
    return any(p.role is PartRole.VALUE and p.span.start < end and start < p.span.end for p in rule.parts)


def _one_sided(bound: Bound, below: bool) -> bool:
    return (
        (bound.low is None and bound.high is not None)
        if below
        else (bound.high is None and bound.low is not None)
    )


def read_labs_either(text: str, view: str, kind: CriterionKind) -> list[Rule]:
    """`labs.read_labs`, with a value stated outside a range on either side read as two rules:
    the trial allows (an inclusion) or rules out (an exclusion) either side, never one bound."""
    rules = labs.read_labs(text, view, kind)
    if not rules or not _EITHER_HINT.search(view):
        return rules
    for match in _EITHER_LAB.finditer(view):
        below_first = bool(match.group("below1"))
        if below_first == bool(match.group("below2")):
            continue  # "> 3 x ULN or > 5 x ULN with liver metastases": an exception, not two sides
        first_rules = [
            r for r in rules if isinstance(r, LabRule) and _value_at(r, match.start(), match.end("n1"))
        ]
        if not first_rules:
            continue
        # the first side with the second's unit when it states none ("< 1.5 or > 3 x ULN")
        keep_unit = not match.group("unit1").strip()
        first_view = _blank(view, match.start("join"), match.end("n2") if keep_unit else match.end())
        first_text = _blank(text, match.start("join"), match.end("n2") if keep_unit else match.end())
        second_view = _blank(view, match.start(), match.end("join"))
        second_text = _blank(text, match.start(), match.end("join"))
        analytes = {r.analyte for r in first_rules}
        firsts = [
            r
            for r in labs.read_labs(first_text, first_view, kind)
            if isinstance(r, LabRule)
            and r.analyte in analytes
            and _value_at(r, match.start(), match.end("n1"))
        ]
        seconds = [
            r
            for r in labs.read_labs(second_text, second_view, kind)
            if isinstance(r, LabRule)
            and r.analyte in analytes
            and _value_at(r, match.start("n2"), match.end("n2"))
        ]
        pairs = {r.analyte: r for r in firsts}
        pairs_second = {r.analyte: r for r in seconds}
        if set(pairs) != analytes or set(pairs_second) != analytes:
            continue
        if not all(
            _one_sided(pairs[a].bound, below_first)
            and _one_sided(pairs_second[a].bound, not below_first)
            and pairs[a].unit == pairs_second[a].unit
            for a in analytes
        ):
            continue
        if not all(apart(pairs[a].bound, pairs_second[a].bound) for a in analytes):
            continue  # "< 3 or > 1": no range either side of which the value may lie
        # each side's words; a side that borrows the other's unit spans both
        firsts = [_tidy(r, r.span.start, r.span.end if keep_unit else match.start("join")) for r in firsts]
        seconds = [_tidy(r, r.span.start, r.span.end) for r in seconds]
        if kind is CriterionKind.INCLUSION and all(r.expect is Expect.ABSENT for r in firsts + seconds):
            # "No hemoglobin less than 11.0 or greater than 19.0": the range between, required
            lows, highs = (firsts, seconds) if below_first else (seconds, firsts)
            highs_by = {r.analyte: r for r in highs}
            firsts = [_inside(low, highs_by[low.analyte]) for low in lows]
            seconds = []
        replaced = {id(r) for r in first_rules}
        rules = [r for r in rules if id(r) not in replaced] + [*firsts, *seconds]
    return sorted(rules, key=lambda r: (r.span.start, r.span.end))


def _tidy(rule: LabRule, start: int, end: int) -> LabRule:
    """A rule read on blanked words: its span in the criterion, its threshold without the blanks."""
    return msgspec.structs.replace(rule, span=Span(start, end), original=" ".join(rule.original.split()))


def _inside(below: LabRule, above: LabRule) -> LabRule:
    """One required range from the two sides a negated inclusion rules out."""
    return msgspec.structs.replace(
        below,
        expect=Expect.PRESENT,
        bound=between(below.bound, above.bound),
        span=Span(min(below.span.start, above.span.start), max(below.span.end, above.span.end)),
        parts=tuple(sorted({*below.parts, *above.parts}, key=lambda p: (p.span.start, p.span.end))),
        original=f"not {below.original} or {above.original}",
    )


def _unless_definition(reader: Reader) -> Reader:
    def read(text: str, view: str, kind: CriterionKind) -> list[Rule]:
        return [] if is_definition(text) else reader(text, view, kind)

    read.__name__ = getattr(reader, "__name__", "read")
    read.__doc__ = reader.__doc__
    return read


READERS: list[Reader] = [
    _unless_definition(reader)
    for reader in [
        *demographics.READERS,
        *performance.READERS,
        read_labs_either,
        *measurable.READERS,
        *biomarkers.READERS,
    ]
]
