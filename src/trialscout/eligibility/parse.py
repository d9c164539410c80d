"""A trial's eligibility text -> its criteria, each with rules, exceptions and a plain sentence.

`parse_eligibility(trial)` is the whole pipeline: split the text into atomic criteria
(`split`), read each one's typed rules (`rules`), find its stated exceptions (`polarity`), write
its plain-language sentence and the trial's lay summary (`plain`). A criterion under a topic
("Performance status:" / "Zubrod 0-1") is read with its topic, so that "18 and over" under
"Age:" is an age. Sub-points that allow something ("Subjects with treated brain metastases are
eligible provided ...") are also recorded as exceptions of the criterion they qualify.

It never raises on any text: what cannot be read stays a free-text criterion.
"""

from __future__ import annotations

import re

import msgspec

from trialscout.eligibility.model import (
    PARSER_VERSION,
    Criterion,
    CriterionKind,
    CriterionRole,
    Expect,
    ParsedEligibility,
    Rule,
    Span,
    StatedException,
)
from trialscout.eligibility.plain import lay_summary, plain_sentences
from trialscout.eligibility.polarity import find_exceptions
from trialscout.eligibility.rules.read import read_rules
from trialscout.eligibility.split import Piece, split_criteria
from trialscout.model.trial import Trial


def _rules_with_topic(piece: Piece) -> tuple[Rule, ...]:
    """The criterion's rules; if it has none alone, read it after its topic ("Age: 18 and over")
    and keep the rules whose words lie in the criterion itself."""
    rules = read_rules(piece.text, piece.kind)
    if rules or not piece.topic:
        return tuple(_shift(r, piece.span.start) for r in rules)
    prefix = f"{piece.topic}: "
    shifted = []
    for rule in read_rules(prefix + piece.text, piece.kind):
        if rule.span.end <= len(prefix):
            continue
        shifted.append(_shift(rule, piece.span.start - len(prefix), floor=piece.span.start))
    return tuple(shifted)


def _span(span: Span, by: int, floor: int) -> Span:
    return Span(max(floor, span.start + by), max(floor, span.end + by))


def _shift(rule: Rule, by: int, floor: int = 0) -> Rule:
    """A rule's spans, read on a criterion alone, as offsets in the whole eligibility text."""
    changes: dict[str, object] = {
        "span": _span(rule.span, by, floor),
        "parts": tuple(msgspec.structs.replace(p, span=_span(p.span, by, floor)) for p in rule.parts),
        "exceptions": tuple(
            msgspec.structs.replace(e, span=_span(e.span, by, floor)) for e in rule.exceptions
        ),
    }
    window = getattr(rule, "window", None)
    if window is not None and window.span is not None:
        changes["window"] = msgspec.structs.replace(window, span=_span(window.span, by, floor))
    return msgspec.structs.replace(rule, **changes)


_ALLOWING = re.compile(
    r"\b(?:(?:are|is|will\s+be|would\s+be|remain)\s+(?:eligible|allowed|permitted|acceptable)"
    r"|(?:may|can|could)\s+(?:be\s+)?(?:included|enrolled|eligible|allowed|permitted|participate))\b",
    re.IGNORECASE,
)
_NOT_ALLOWING = re.compile(r"\bnot\s+(?:be\s+)?(?:eligible|allowed|permitted|included)\b", re.IGNORECASE)
# "No prior biologic therapy, including:" - its items inherit the negation.
_NEGATED_INTRO = re.compile(
    r"^\s*(?:no|not|without|absence\s+of|none\s+of)\b.*:\s*$", re.IGNORECASE | re.DOTALL
)
# In an exclusion, "No patients with X" restates the exclusion; it is not a double negative.
_RESTATED = re.compile(
    r"^\s*(no)\s+(?:patients?|subjects?|participants?|persons?|individuals|women|men|one|children)\b",
    re.IGNORECASE,
)


def _allows(piece: Piece) -> bool:
    return bool(_ALLOWING.search(piece.text)) and not _NOT_ALLOWING.search(piece.text)


def _roles(pieces: list[Piece]) -> dict[str, CriterionRole]:
    """Exceptions (allowing sub-points) and their conditions: the items under an exception, or,
    where a copy lost the indentation, the siblings after an exception that ends with ":"."""
    roles: dict[str, CriterionRole] = {}
    opened: dict[str | None, bool] = {}  # a parent whose last allowing sub-point introduces a list
    for piece in pieces:
        parent_role = roles.get(piece.parent or "", CriterionRole.REQUIREMENT)
        if parent_role is not CriterionRole.REQUIREMENT:
            roles[piece.id] = CriterionRole.EXCEPTION_CONDITION
        elif piece.parent is not None and _allows(piece):
            roles[piece.id] = CriterionRole.EXCEPTION
            opened[piece.parent] = piece.text.rstrip().endswith(":")
        elif piece.parent is not None and opened.get(piece.parent):
            roles[piece.id] = CriterionRole.EXCEPTION_CONDITION
        else:
            roles[piece.id] = CriterionRole.REQUIREMENT
    return roles


def _read(piece: Piece, parents: dict[str, Piece]) -> tuple[Rule, ...]:
    """The piece's rules with the context its words leave out: a negated list intro above it,
    a restated exclusion ("No patients with ...")."""
    restated = _RESTATED.match(piece.text) if piece.kind is CriterionKind.EXCLUSION else None
    if restated:
        masked = piece.text[: restated.start(1)] + "  " + piece.text[restated.end(1) :]
        piece = msgspec.structs.replace(piece, text=masked)
    rules = _rules_with_topic(piece)
    parent = parents.get(piece.parent or "")
    if parent is not None and piece.kind is CriterionKind.INCLUSION and _NEGATED_INTRO.match(parent.text):
        rules = tuple(msgspec.structs.replace(r, expect=Expect.ABSENT) for r in rules)
    return rules


#: How much of an eligibility text is read. The registry takes at most 20,000 characters of
#: criteria; a text over three times that is not one it published (a damaged or made-up record),
#: and reading it whole would cost about 10 s a megabyte. The rest stays in the record, and one
#: free-text criterion points to it, so no check calls such a trial's criteria all met.
MAX_CRITERIA_CHARS = 64 * 1024


def parse_criteria_text(text: str) -> tuple[Criterion, ...]:
    """The criteria of an eligibility text, with rules, exceptions, roles and plain sentences
    (of its first `MAX_CRITERIA_CHARS` characters; see there)."""
    if len(text) <= MAX_CRITERIA_CHARS:
        return _parse_text(text)
    cut = text.rfind("\n", 0, MAX_CRITERIA_CHARS)
    cut = cut if cut > 0 else MAX_CRITERIA_CHARS
    read = _parse_text(text[:cut])
    kind = read[-1].kind if read else CriterionKind.INCLUSION
    prefix = "I" if kind is CriterionKind.INCLUSION else "E"
    numbers = [int(c.id[1:].split(".")[0]) for c in read if c.id[1:].split(".")[0].isdigit()]
    rest = Criterion(
        id=f"{prefix}{max(numbers, default=0) + 1}",
        kind=kind,
        span=Span(start=cut, end=len(text)),
        text=text[cut:],
        plain=(
            f"The rest of this trial's criteria ({len(text) - cut:,} more characters) is longer than"
            " trialscout reads; ask the study team, or read it on the registry's page."
        ),
    )
    return (*read, rest)


def _parse_text(text: str) -> tuple[Criterion, ...]:
    pieces = split_criteria(text)
    parents = {p.id: p for p in pieces}
    roles = _roles(pieces)
    allowances: dict[str, list[StatedException]] = {}
    for piece in pieces:
        if roles[piece.id] is CriterionRole.EXCEPTION and piece.parent is not None:
            allowances.setdefault(piece.parent, []).append(StatedException(text=piece.text, span=piece.span))
    criteria = [
        Criterion(
            id=piece.id,
            kind=piece.kind,
            span=piece.span,
            text=piece.text,
            parent=piece.parent,
            topic=piece.topic,
            role=roles[piece.id],
            exceptions=find_exceptions(piece.text, offset=piece.span.start)
            + tuple(allowances.get(piece.id, ())),
            rules=_read(piece, parents),
        )
        for piece in pieces
    ]
    sentences = plain_sentences(criteria)
    return tuple(msgspec.structs.replace(c, plain=p) for c, p in zip(criteria, sentences, strict=True))


def parse_eligibility(trial: Trial) -> ParsedEligibility:
    """Everything trialscout reads from one trial's eligibility section."""
    text = trial.eligibility.criteria if trial.eligibility and trial.eligibility.criteria else ""
    criteria = parse_criteria_text(text)
    return ParsedEligibility(
        nct_id=trial.nct_id,
        criteria=criteria,
        summary=lay_summary(trial, criteria),
        parser_version=PARSER_VERSION,
    )
