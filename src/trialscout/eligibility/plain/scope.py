"""Criteria that apply to some people only: the sentence says whom, as a condition.

"Women of childbearing potential must have a negative pregnancy test" is asked of women who
could become pregnant, not of every reader: "If I could become pregnant, I must have a negative
pregnancy test." In an exclusion: "Women of childbearing potential not using contraception" ->
"You cannot join if you could become pregnant and are not using contraception."

`scoped_sentence(words, kind)` reads a leading scope in the words; `scope_condition(words,
voice)` says a scope (the parser's `Criterion.scope`, or one read here) as a condition ("I could
become pregnant", "I have brain metastases"), None when it cannot.
"""

from __future__ import annotations

import re

from trialscout.eligibility.model import CriterionKind
from trialscout.eligibility.plain.predicates import SUBJECT_START, predicate
from trialscout.eligibility.plain.voice import Aux, Clause, Voice

_I = re.IGNORECASE

_WOMEN = r"(?:women|woman|females?|female\s+(?:patients?|subjects?|participants?)|girls)"
_MEN = r"(?:men|man|males?|male\s+(?:patients?|subjects?|participants?)|boys)"
_ANYONE = r"(?:patients?|subjects?|participants?|individuals|persons|people)"
_POTENTIAL = (
    r"(?:(?:who\s+are\s+|that\s+are\s+)?(?:of|with)\s+(?:child[\s-]?bearing|reproductive|procreative)\s+potential"
    r"|(?:who\s+are\s+|that\s+are\s+)?(?:able\s+to\s+become\s+pregnant|capable\s+of\s+becoming\s+pregnant)"
    r"|(?:who\s+(?:can|could)\s+become\s+pregnant))"
)
_SCOPE = re.compile(
    rf"^(?:for\s+|in\s+|among\s+|all\s+)?(?:(?P<women>{_WOMEN})\s+{_POTENTIAL}|(?P<wocbp>WOCBP|FOCBP)"
    rf"|(?P<both>(?:{_WOMEN}|{_MEN})\s+(?:and|or|and/or)\s+(?:{_WOMEN}|{_MEN})|{_ANYONE}|fertile\s+{_ANYONE})\s+"
    rf"(?:{_POTENTIAL})"
    rf"|(?P<men>{_MEN})\s+(?:(?:who\s+are\s+)?(?:of|with)\s+(?:reproductive|procreative)\s+potential|who\s+(?:are\s+)?"
    r"(?:sexually\s+active\s+with|ha(?:ve|s)\s+(?:a\s+)?)(?:female\s+)?partners?\s+(?:of|with)\s+child[\s-]?bearing"
    r"\s+potential|with\s+(?:a\s+)?(?:female\s+)?partners?\s+(?:of|with)\s+child[\s-]?bearing\s+potential))"
    r"(?:\s+\([^()]{0,80}\))?(?P<sep>\s*[,:]\s*|\s+)(?P<rest>\S.*)$",
    _I,
)
_CONDITIONS = {
    "women": ("I could become pregnant", "you could become pregnant"),
    "wocbp": ("I could become pregnant", "you could become pregnant"),
    "both": ("I could become pregnant or father a child", "you could become pregnant or father a child"),
    "men": ("I could father a child", "you could father a child"),
}
_LEADING_LINK = re.compile(r"^(?:who|that)\s+(?:are|is)\s+(?P<rest>.+)$", _I)


def scope_condition(words: str, voice: Voice) -> str | None:
    """A scope's words said as a condition about the patient, or None."""
    words = re.sub(r"^(?:for|in|among|if|only)\s+", "", words.strip(" ,:;"), flags=_I)
    match = _SCOPE.match(words + " x")
    if match is not None and match.group("rest") == "x":
        group = next(g for g in _CONDITIONS if match.group(g))
        return _CONDITIONS[group][voice is not Voice.FIRST]
    subject = SUBJECT_START.match(words)
    if subject is not None and subject.group("rest"):
        clause = predicate(subject.group("rest"))
        if clause is not None and clause.aux in {Aux.HAVE, Aux.PERFECT, Aux.BE}:
            return clause.say(voice)
    return None


def _main_clause(rest: str) -> Clause | None:
    """What is asked of those in scope: "must have X", "a negative pregnancy test", "not using X"."""
    rest = rest.strip(" ,:;")
    linked = _LEADING_LINK.match(rest)
    if linked is not None:
        rest = linked.group("rest")
    if _RESULT.match(rest):
        return Clause(
            aux=Aux.HAVE, rest=rest if rest.lower().startswith(("a ", "an ", "the ")) else f"a {rest}"
        )
    found = predicate(rest)
    if found is not None:
        return found
    if re.match(r"^not\s+\w+ing\b", rest, _I):
        return Clause(aux=Aux.BE, rest=rest[4:], negated=True)
    if re.match(r"^\w+ing\b", rest) and not rest.lower().startswith(("during", "including")):
        return Clause(aux=Aux.BE, rest=rest)
    return None


_RESULT = re.compile(
    r"^(?:(?:a|an|the)\s+)?(?:negative|positive|documented|confirmed)\s+(?:[\w-]+\s+){0,3}?(?:test|tests|result|results"
    r"|screen)\b",
    _I,
)


_REQUIRED = re.compile(r"^(?:must|should|shall|need\s+to|are\s+required\s+to|have\s+to)\s", _I)


def _must(said: str) -> str:
    """ "I am X" -> "I must be X", "I have X" -> "I must have X", "I use X" -> "I must use X"."""
    if said.startswith("I must "):
        return said
    if said.startswith("I am "):
        return "I must be " + said.removeprefix("I am ")
    return "I must " + said.removeprefix("I ")


def scoped_sentence(words: str, kind: CriterionKind) -> str | None:
    """The sentence of words that start with whom they apply to, or None (not such words, or
    the rest cannot be said)."""
    match = _SCOPE.match(words.strip())
    if match is None:
        return None
    group = next(g for g in _CONDITIONS if match.group(g))
    clause = _main_clause(match.group("rest"))
    if clause is None:
        return None
    if kind is CriterionKind.INCLUSION:
        condition = _CONDITIONS[group][0]
        said = clause.say(Voice.FIRST)
        required = _REQUIRED.match(match.group("rest")) is not None
        if not clause.negated and clause.aux is not Aux.MODAL and (required or clause.aux is Aux.HAVE):
            said = _must(said)
        return f"If {condition}, {said}"
    condition = _CONDITIONS[group][1]
    said = clause.say(Voice.SECOND).removeprefix("you ")
    return f"You cannot join if {condition} and {said}"
