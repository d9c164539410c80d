"""Plain sentences from a criterion's own words, when no typed rule says it all.

Only safe rewrites: the frame at the start of a criterion is recognised and said in the first
person (inclusions) or after "You cannot join if" (exclusions); the words after the frame are
kept as the registry wrote them (tidied, with jargon explained). Frames:

- a subject and its predicate: "Patients with X", "Subjects who have received X", "Patient
  must be able to X", "Participants must not have X", "Women of childbearing potential must X";
- a bare predicate: "Have X", "Are X", "Able to X", "Willing to X", "Received X";
- a noun phrase: "History of X", "Known X", "Presence of X", "Previous treatment with X", "Prior
  X", "Use of X within ...", "Inability to X", "Pregnant or breastfeeding", "Age ...", "Life
  expectancy ...", "Bilirubin no greater than ...", "ECOG 0-1", "Histologically confirmed X",
  "At least 4 weeks since prior X", "Signed informed consent", a named condition ("Leptomeningeal
  metastasis") or, with a time, a procedure ("Major surgery within 28 days");
- negations: "No X", "No prior X", "No history of X", "Not X", "Without X", "Absence of X".

Polarity: an inclusion that negates ("No brain metastases") says "I do not have brain
metastases"; an exclusion that negates ("Patients without measurable disease") says "You
cannot join if you do not have measurable disease"; an exclusion that merely restates itself
with a modal ("Patients must not have received X") says "You cannot join if you have received X".
Comparisons that begin with "no" ("No more than 2 prior regimens") are not negations.

`clause_of(words, kind)` returns the frame as a `Clause`, or None when no frame is safe (the
caller then keeps the words whole after "The trial requires:" / "You cannot join if:").
"""

from __future__ import annotations

import re

from trialscout.eligibility.model import CriterionKind
from trialscout.eligibility.plain.course import COURSE_FRAMES
from trialscout.eligibility.plain.frames import GROUP, NOUN_FRAMES, PREGNANCY, group_clause, pregnancy_clause
from trialscout.eligibility.plain.predicates import (
    CONDITION,
    PERFECT_START,
    SINGULAR_SUBJECT,
    SUBJECT_START,
    THERAPY,
    first_match_start,
    is_noun_phrase,
    noun_phrase_clause,
    perfect_rest,
    predicate,
)
from trialscout.eligibility.plain.text import lower_first
from trialscout.eligibility.plain.voice import Aux, Clause, to_base

_I = re.IGNORECASE

_NEGATION_START = re.compile(
    r"^(?P<cue>no|not|without|absence\s+of|lack\s+of|none\s+of|never)\b\s*(?P<rest>.*)$", _I
)
_NOT_A_NEGATION = re.compile(
    r"^(?:no|not)\s+(?:more|less|greater|fewer|later|earlier|sooner|longer|older|younger|higher|lower|"
    r"exceeding|to\s+exceed|only|required|necessary|applicable|specified|restricted|limited)\b",
    _I,
)
_CONCURRENT_NEG = re.compile(
    r"^(?P<word>concurrent|concomitant|simultaneous|current|ongoing)\s+(?P<rest>.+)$", _I
)
_ALLOWED_TAIL = re.compile(r"\s+(?:is\s+|are\s+)?(?:allowed|permitted)$", _I)


def _negated(match: re.Match[str], kind: CriterionKind) -> Clause | None:
    """'No X', 'Not X', 'Without X', 'Absence of X': the clause of X, negated."""
    cue = match.group("cue").lower()
    rest = _ALLOWED_TAIL.sub("", match.group("rest").strip())
    if not rest:
        return None
    if cue in {"without", "absence of", "lack of"}:
        inner = clause_of(rest, kind, negations=False)
        if inner is not None and inner.aux in {Aux.HAVE, Aux.PERFECT, Aux.BE} and not inner.negated:
            return _negate(inner)
        return Clause(aux=Aux.HAVE, rest=rest, negated=True)
    if cue == "never":
        return (
            Clause(aux=Aux.PERFECT, rest=f"never {perfect_rest(rest)}") if PERFECT_START.match(rest) else None
        )
    if cue == "none of":
        return None
    subject = SUBJECT_START.match(rest)
    if subject is not None and subject.group("rest"):
        # "No patients with X": in an exclusion, the exclusion said again (no one with X joins)
        inner = predicate(subject.group("rest"))
        if inner is None or inner.negated:
            return None
        negated = _negate(inner)
        return Clause(
            aux=negated.aux,
            rest=negated.rest,
            negated=True,
            modal=negated.modal,
            subject=negated.subject,
            plural=negated.plural,
            restated=cue == "no",
        )
    concurrent = _CONCURRENT_NEG.match(rest)
    if cue == "no" and concurrent is not None:
        if first_match_start(THERAPY, rest) < first_match_start(CONDITION, rest):
            return Clause(aux=Aux.BE, rest=f"receiving {lower_first(rest)}", negated=True)
        return Clause(aux=Aux.HAVE, rest=lower_first(rest), negated=True)
    if cue == "not":
        inner = predicate(rest, bare=True)
        if inner is not None and not inner.negated and inner.aux is not Aux.DO:
            return _negate(inner)
        pregnancy = PREGNANCY.match(rest)
        if pregnancy is not None:
            return _negate(pregnancy_clause(pregnancy))
        if is_noun_phrase(rest):
            return Clause(aux=Aux.BE, rest=lower_first(rest), negated=True)
        return None
    inner = clause_of(rest, kind, negations=False)
    if inner is not None and not inner.negated and inner.aux in {Aux.HAVE, Aux.PERFECT, Aux.BE}:
        return _negate(inner)
    if inner is None and is_noun_phrase(rest):
        return Clause(aux=Aux.HAVE, rest=lower_first(rest), negated=True)
    return None


def _negate(clause: Clause) -> Clause:
    return Clause(
        aux=clause.aux,
        rest=clause.rest,
        negated=not clause.negated,
        modal=clause.modal,
        subject=clause.subject,
        plural=clause.plural,
    )


def clause_of(words: str, kind: CriterionKind, *, negations: bool = True) -> Clause | None:
    """The frame of a criterion's main clause (tidied words), or None when no frame is safe."""
    words = words.strip(" ,;:")
    if not words:
        return None
    if negations and _NEGATION_START.match(words) and not _NOT_A_NEGATION.match(words):
        negation = _NEGATION_START.match(words)
        return _negated(negation, kind) if negation is not None else None
    if _NOT_A_NEGATION.match(words):
        return None
    subject = SUBJECT_START.match(words)
    if subject is not None and subject.group("rest"):
        rest = subject.group("rest")
        if SINGULAR_SUBJECT.match(words):
            first, _, tail = rest.partition(" ")
            if first.lower() in {"has", "is", "does", "was"} or (
                re.fullmatch(r"[a-z]+s", first)
                and first.lower()
                not in {
                    "has",
                    "is",
                    "was",
                    "does",
                    "with",
                    "always",
                }
            ):
                base = to_base(first)
                rest = f"{'are' if base == 'be' else base} {tail}".strip()
        found = predicate(rest)
        if (
            found is None
            and re.match(r"^[a-z]+(?:ing|ed)\b", rest)
            and not rest.lower().startswith(("during", "including"))
        ):
            found = Clause(aux=Aux.BE, rest=rest)
        if found is not None:
            return found
        if GROUP.match(words) is None:
            return None
    group = GROUP.match(words)
    if group is not None:
        return group_clause(group, kind)
    for pattern, handler in (*COURSE_FRAMES, *NOUN_FRAMES):
        match = pattern.match(words)
        if match is not None:
            found = handler(match, kind)
            if found is not None:
                return found
    found = predicate(words, bare=True)
    if found is not None:
        return found
    return noun_phrase_clause(words, kind)
