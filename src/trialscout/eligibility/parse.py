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

import itertools
import re

import msgspec

from trialscout.eligibility import structure
from trialscout.eligibility.memo import find_exceptions, moved_rule, plain_sentence, read_rules
from trialscout.eligibility.model import (
    PARSER_VERSION,
    AgeRule,
    ConditionRule,
    Criterion,
    CriterionKind,
    CriterionRole,
    DiagnosisRule,
    Expect,
    MedicationRule,
    OtherMalignancyRule,
    ParsedEligibility,
    PriorTherapyRule,
    Rule,
    Scope,
    Span,
    StatedException,
)
from trialscout.eligibility.plain import lay_summary
from trialscout.eligibility.plain.sentences import context
from trialscout.eligibility.split import Piece, split_criteria
from trialscout.model.enums import InterventionType
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


def _shift(rule: Rule, by: int, floor: int = 0) -> Rule:
    """A rule's spans, read on a criterion alone, as offsets in the whole eligibility text."""
    return moved_rule(rule, by, floor)


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


def _is_allowance(piece: Piece) -> bool:
    """ "Subjects with brain metastases are eligible provided they meet the following:": the
    points below are what those subjects need, not exceptions."""
    found = structure.leading_scope(piece.text)
    return found is not None and structure.points_below_only(piece.text, found[1])


def _roles(pieces: list[Piece]) -> dict[str, CriterionRole]:
    """Exceptions (allowing sub-points, the items under "... except:") and their conditions:
    the items under an exception, or, where a copy lost the indentation, the siblings after an
    exception that ends with ":"; definitions and notes, which ask nothing."""
    roles: dict[str, CriterionRole] = {}
    by_id = {p.id: p for p in pieces}
    opened: dict[str | None, bool] = {}  # a parent whose last allowing sub-point introduces a list
    for piece in pieces:
        parent = by_id.get(piece.parent or "")
        parent_role = roles.get(piece.parent or "", CriterionRole.REQUIREMENT)
        if parent_role in (CriterionRole.EXCEPTION, CriterionRole.EXCEPTION_CONDITION):
            roles[piece.id] = CriterionRole.EXCEPTION_CONDITION
        elif parent is not None and structure.introduces_exceptions(parent.text):
            roles[piece.id] = CriterionRole.EXCEPTION
        elif parent is not None and _allows(piece) and not _is_allowance(parent):
            roles[piece.id] = CriterionRole.EXCEPTION
            opened[piece.parent] = piece.text.rstrip().endswith(":")
        elif piece.parent is not None and opened.get(piece.parent):
            roles[piece.id] = CriterionRole.EXCEPTION_CONDITION
        elif structure.is_definition(piece.text):
            roles[piece.id] = CriterionRole.DEFINITION
        elif structure.is_note(piece.text):
            roles[piece.id] = CriterionRole.NOTE
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


def _as_scope(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """Rules read as whom a criterion is for: the property itself (an exclusion's "prior
    immunotherapy resulting in:" is for patients who had immunotherapy)."""
    return tuple(msgspec.structs.replace(r, expect=Expect.PRESENT) for r in rules)


class _Read(msgspec.Struct, kw_only=True):
    """One piece as the structure reads it, before it becomes a Criterion."""

    piece: Piece
    role: CriterionRole
    rules: tuple[Rule, ...]
    scope: Scope | None = None
    alternatives: list[str] = msgspec.field(default_factory=list)


def _own_scope(read: _Read) -> None:
    """A criterion that opens with whom it applies to: the scope's rules come out of its
    requirement; an allowance that only points below ("... eligible provided they meet the
    following criteria:") asks nothing itself (its sub-points do)."""
    piece = read.piece
    found = structure.leading_scope(piece.text)
    if found is None:
        return
    start, end = found
    words = piece.text[start:end]
    scope_rules = _as_scope(
        tuple(_shift(r, piece.span.start + start) for r in read_rules(words, CriterionKind.INCLUSION))
    )
    inside = Span(piece.span.start + start, piece.span.start + end)
    read.scope = Scope(text=words, span=inside, rules=scope_rules)
    read.rules = tuple(r for r in read.rules if not _inside(r.span, inside))
    if structure.points_below_only(piece.text, end):
        read.rules = ()
        if read.role is CriterionRole.REQUIREMENT:
            read.role = CriterionRole.NOTE


def _inside(span: Span, outer: Span) -> bool:
    return outer.start <= span.start and span.end <= outer.end


def _inherit(reads: list[_Read]) -> None:
    """Sub-points read inside their parent: they inherit its scope; an exclusion's intro with
    rules ("Prior immunotherapy resulting in:") is the scope of its points and not checked on
    its own; the points under "at least one of the following:", or an inclusion's list of
    diagnoses, are alternatives."""
    children: dict[str, list[_Read]] = {}
    for read in reads:
        if read.piece.parent:
            children.setdefault(read.piece.parent, []).append(read)
    for read in reads:  # parents come before their children
        kids = [k for k in children.get(read.piece.id, []) if k.role is CriterionRole.REQUIREMENT]
        if not kids:
            if structure.refers_below(read.piece.text) and not children.get(read.piece.id):
                read.rules = ()  # "any of the following ... within the stated timeframes", and no list
            continue
        text = read.piece.text.rstrip()
        if read.scope is not None:
            for kid in kids:
                kid.scope = kid.scope or read.scope
        elif (
            read.piece.kind is CriterionKind.EXCLUSION
            and (text.endswith(":") or structure.introduces_list(text))
            and not structure.introduces_exceptions(text)
            and read.role is CriterionRole.REQUIREMENT
        ):
            # An exclusion's intro means what its points say; "Prior immunotherapy resulting
            # in:" is also whom they are about ("any of the following:" is only an intro).
            qualifies = read.rules or structure.names_examples(text)
            if qualifies and text.endswith(":") and not structure.only_points_below(text):
                scope = Scope(text=read.piece.text, span=read.piece.span, rules=_as_scope(read.rules))
                for kid in kids:
                    kid.scope = kid.scope or scope
            read.rules, read.role = (), CriterionRole.NOTE
        labelled = [k for k in kids if structure.labelled_definition(k.piece.text)]
        if read.piece.kind is CriterionKind.INCLUSION and len(labelled) > 1:
            ids = [
                k.piece.id for k in labelled
            ]  # "Low-risk disease, defined as ..." / "Intermediate-risk ..."
            for kid in labelled:
                kid.alternatives = [i for i in ids if i != kid.piece.id]
        elif read.piece.kind is CriterionKind.INCLUSION and (
            structure.introduces_alternatives(text)
            or (
                text.endswith(":")
                and len(kids) > 1
                and all(any(isinstance(r, DiagnosisRule) for r in k.rules) for k in kids)
            )
        ):
            ids = [k.piece.id for k in kids]
            for kid in kids:
                kid.alternatives = [i for i in ids if i != kid.piece.id]


def _joined_by_or(reads: list[_Read]) -> None:
    """Sibling criteria joined by "or" ("Atorvastatin 40 mg or" / "simvastatin 80 mg") are
    alternatives: one of them suffices."""
    for before, after in itertools.pairwise(reads):
        if before.piece.parent != after.piece.parent or before.piece.kind is not after.piece.kind:
            continue
        if structure.ends_with_or(before.piece.text) or structure.starts_with_or(after.piece.text):
            run = [before.piece.id, *before.alternatives]
            for read in (before, after):
                read.alternatives = sorted({*read.alternatives, *run, after.piece.id} - {read.piece.id})


_PRIOR_WORDS = re.compile(
    r"\b(?:prior|previous(?:ly)?|earlier|history|received|receiving|treated|exposure|exposed|already"
    r"|before|last\s+dose|pretreated|pre-treated|naive|refractory|progress\w*|failed|failure|within|since)\b",
    re.IGNORECASE,
)


# "an immediate family member with type 1 diabetes": a relative's condition, not the patient's.
_RELATIVE = re.compile(
    r"\b(?:family\s+(?:member|history)|relatives?|first[- ]degree|second[- ]degree|mother|father|parents?"
    r"|siblings?|sisters?|brothers?|cousins?|offspring|children|twin|grandparents?|aunts?|uncles?)\b[^.;,]{0,40}$",
    re.IGNORECASE,
)


def _a_relatives(rule: Rule, piece: Piece) -> bool:
    if not isinstance(rule, (ConditionRule, DiagnosisRule)):
        return False
    before = piece.text[
        max(0, rule.span.start - piece.span.start - 60) : max(0, rule.span.start - piece.span.start)
    ]
    return bool(_RELATIVE.search(before))


# Ages that are not the patient's age now: which threshold applies ("> 60 bpm for age < 1 y"),
# the age at onset or diagnosis, who gives consent or assent.
_AGE_AS_SCOPE = re.compile(
    r"\b(?:for|in|if|when)\s+(?:(?:an?\s+)?ages?d?|patients?|children|subjects?|those|infants)?\s*$",
    re.IGNORECASE,
)
_AGE_AT_EVENT = re.compile(
    r"^[^.;]{0,25}?\b(?:at|of)\s+(?:the\s+time\s+of\s+)?(?:onset|diagnosis|first\s+symptoms)", re.IGNORECASE
)
_ONSET_BEFORE = re.compile(r"\b(?:onset|diagnosed|diagnosis)\b[^.;]{0,25}$", re.IGNORECASE)
_CONSENT = re.compile(r"\b(?:consent|assent)\b", re.IGNORECASE)


# "No more than 1 prior dose of intrathecal chemotherapy": a cap, which an untreated patient meets.
_CAP = re.compile(
    r"\b(?:no|not)\s+more\s+than\s+\w+|\bat\s+most\s+\w+|\bup\s+to\s+\w+|\bmaximum\s+(?:of\s+)?\w+|[≤<]\s*\d+"
    r"[^.;]{0,40}$",
    re.IGNORECASE,
)


def _a_cap(rule: Rule, piece: Piece) -> bool:
    if not isinstance(rule, PriorTherapyRule) or rule.expect is not Expect.PRESENT or rule.lines is not None:
        return False
    start = rule.span.start - piece.span.start
    return bool(_CAP.search(piece.text[max(0, start - 60) : max(0, start)]))


def _not_the_patients_age(rule: Rule, piece: Piece) -> bool:
    if not isinstance(rule, AgeRule):
        return False
    start, end = rule.span.start - piece.span.start, rule.span.end - piece.span.start
    before, after = piece.text[max(0, start - 30) : max(0, start)], piece.text[max(0, end) :]
    return bool(
        _AGE_AS_SCOPE.search(before)
        or _AGE_AT_EVENT.match(after)
        or _ONSET_BEFORE.search(before)
        or _CONSENT.search(piece.text[: max(0, start)])  # "... consent, children of 7 or more who ..."
    )


_DRUGS = (InterventionType.DRUG, InterventionType.BIOLOGICAL, InterventionType.GENETIC)
# Names too general to be the study's own drug ("chemotherapy" named in an exclusion is about the patient's).
_GENERIC = re.compile(
    r"\b(?:chemotherapy|placebo|standard|usual|care|therapy|treatment|saline|vehicle|control|radiation|surgery)\b",
    re.IGNORECASE,
)


def _own_interventions(read: _Read, interventions: tuple[str, ...]) -> None:
    """The trial's own study drug named in a criterion ("contraindication to cetuximab", "in
    order to start BI 764532") is not a prior therapy or a current medication of the patient's
    unless the words say prior use."""
    if not interventions:
        return
    if _PRIOR_WORDS.search(read.piece.text):
        return  # "prior", "within 4 weeks": the patient's own use
    own = [i for i in interventions if len(i) >= 4]

    def is_own(name: str) -> bool:
        key = name.lower()
        return any(key == i or (len(key) >= 5 and (key in i or i in key)) for i in own)

    read.rules = tuple(
        r
        for r in read.rules
        if not (
            (isinstance(r, PriorTherapyRule) and r.therapies and all(is_own(t) for t in r.therapies))
            or (isinstance(r, MedicationRule) and is_own(r.medication))
        )
    )


#: How much of an eligibility text is read. The registry takes at most 20,000 characters of
#: criteria; a text over three times that is not one it published (a damaged or made-up record),
#: and reading it whole would cost about 10 s a megabyte. The rest stays in the record, and one
#: free-text criterion points to it, so no check calls such a trial's criteria all met.
MAX_CRITERIA_CHARS = 64 * 1024


def parse_criteria_text(text: str, interventions: tuple[str, ...] = ()) -> tuple[Criterion, ...]:
    """The criteria of an eligibility text, with their structure, rules, exceptions, roles and
    plain sentences (of its first `MAX_CRITERIA_CHARS` characters; see there). ``interventions``
    are the trial's own (lower-case names), which an exclusion naming them does not make a
    prior-therapy rule."""
    if len(text) <= MAX_CRITERIA_CHARS:
        return _parse_text(text, interventions)
    cut = text.rfind("\n", 0, MAX_CRITERIA_CHARS)
    cut = cut if cut > 0 else MAX_CRITERIA_CHARS
    read = _parse_text(text[:cut], interventions)
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


def _a_short_name(text: str) -> bool:
    """A few words naming a thing, not a sentence: an example in a list that lost its bullets."""
    return len(text.split()) <= 8 and not re.search(r"[.;]\s|\b(?:is|are|has|have|must|will|who)\b", text)


def _adopt_lost_points(pieces: list[Piece]) -> list[Piece]:
    """An item ending with ":" and with no points of its own, followed by items in lower case
    ("... conditions other than heart failure such as:" / "- peripheral vascular disease"): a
    copy lost the indentation, and those items are its points."""
    has_children = {p.parent for p in pieces if p.parent}
    adopted: list[Piece] = []
    intro: Piece | None = None
    for piece in pieces:
        if (
            intro is not None
            and piece.parent == intro.parent
            and piece.kind is intro.kind
            and (piece.text[:1].islower() or _a_short_name(piece.text))
        ):
            piece = msgspec.structs.replace(piece, parent=intro.id)
        elif piece.text.rstrip().endswith(":") and piece.id not in has_children:
            intro = piece
        elif not (intro is not None and piece.parent == intro.parent and _a_short_name(piece.text)):
            intro = None
        adopted.append(piece)
    return adopted


def _parse_text(text: str, interventions: tuple[str, ...] = ()) -> tuple[Criterion, ...]:
    pieces = _adopt_lost_points(split_criteria(text))
    parents = {p.id: p for p in pieces}
    roles = _roles(pieces)
    allowances: dict[str, list[StatedException]] = {}
    for piece in pieces:
        if roles[piece.id] is CriterionRole.EXCEPTION and piece.parent is not None:
            allowances.setdefault(piece.parent, []).append(StatedException(text=piece.text, span=piece.span))
    reads = []
    for piece in pieces:
        role = roles[piece.id]
        rules = _read(piece, parents) if role is not CriterionRole.DEFINITION else ()
        read = _Read(piece=piece, role=role, rules=rules)
        if role is CriterionRole.REQUIREMENT:
            _own_scope(read)
            _own_interventions(read, interventions)
            read.rules = tuple(
                r
                for r in read.rules
                if not _a_relatives(r, piece) and not _not_the_patients_age(r, piece) and not _a_cap(r, piece)
            )
            if piece.kind is CriterionKind.INCLUSION:  # "invasive breast cancer" is not another cancer
                read.rules = tuple(
                    r
                    for r in read.rules
                    if not (isinstance(r, OtherMalignancyRule) and r.expect is Expect.PRESENT)
                )
        reads.append(read)
    _inherit(reads)
    _joined_by_or(reads)
    criteria = [
        Criterion(
            id=r.piece.id,
            kind=r.piece.kind,
            span=r.piece.span,
            text=r.piece.text,
            parent=r.piece.parent,
            topic=r.piece.topic,
            role=r.role,
            exceptions=find_exceptions(r.piece.text, offset=r.piece.span.start)
            + tuple(allowances.get(r.piece.id, ())),
            rules=r.rules,
            groups=structure.rule_groups(r.piece.text, r.rules, r.piece.span.start),
            scope=r.scope,
            alternative_to=tuple(r.alternatives),
        )
        for r in reads
    ]
    under = context(criteria)  # as `plain.plain_sentences` reads them, each remembered
    sentences = [plain_sentence(c, under.get(c.id)) for c in criteria]
    return tuple(
        msgspec.structs.replace(c, plain=p)
        if p
        else msgspec.structs.replace(c, plain=_original_words(c.text), plain_original=True)
        for c, p in zip(criteria, sentences, strict=True)
    )


def _original_words(text: str) -> str:
    """The registry's words, tidied for reading (one line, single spaces)."""
    return " ".join(text.split())


def parse_eligibility(trial: Trial) -> ParsedEligibility:
    """Everything trialscout reads from one trial's eligibility section."""
    text = trial.eligibility.criteria if trial.eligibility and trial.eligibility.criteria else ""
    interventions = tuple(
        sorted(
            {
                name.lower()
                for i in trial.interventions
                if i.type in _DRUGS
                for name in (i.name, *i.other_names)
                if name and not _GENERIC.search(name)
            }
        )
    )
    criteria = parse_criteria_text(text, interventions)
    return ParsedEligibility(
        nct_id=trial.nct_id,
        criteria=criteria,
        summary=lay_summary(trial, criteria),
        parser_version=PARSER_VERSION,
    )
