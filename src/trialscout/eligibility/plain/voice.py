"""Clauses in the first or second person: "I have ...", "you do not have ...", "my age is ...".

A `Clause` is a verb frame read from a criterion's words (``aux``) and the words that follow it,
kept as the registry wrote them. `Clause.say(voice, negated)` writes it for the patient ("I",
an inclusion) or to the patient ("you", after "You cannot join if"), with the negation in the
right place:

| aux       | first person            | negated                    |
|-----------|-------------------------|----------------------------|
| be        | I am X                  | I am not X                 |
| have      | I have X                | I do not have X            |
| perfect   | I have received X       | I have not received X      |
| do        | I agree to X            | I do not agree to X        |
| modal     | I can swallow           | I cannot swallow           |
| possessive| my age is X             | my age is not X            |
| plain     | at least 4 weeks have passed since X (no person; negation not supported)
"""

from __future__ import annotations

import re
from enum import StrEnum

import msgspec


class Voice(StrEnum):
    FIRST = "first"  # "I have ..." (what the patient says of themselves: inclusions)
    SECOND = "second"  # "you have ..." (after "You cannot join if")


class Aux(StrEnum):
    BE = "be"
    HAVE = "have"
    PERFECT = "perfect"
    DO = "do"
    MODAL = "modal"
    POSSESSIVE = "possessive"
    PLAIN = "plain"


class Clause(msgspec.Struct, frozen=True, kw_only=True):
    """A verb frame and the words after it (``rest``), as the registry wrote them."""

    aux: Aux
    rest: str
    negated: bool = False  # the words themselves negate the frame ("no", "without", "not")
    modal: str = ""  # for MODAL: "can", "will", "must", "may", "should"
    subject: str = ""  # for POSSESSIVE: "age", "creatinine clearance"
    plural: bool = False  # for POSSESSIVE: "my AST and ALT are"
    restated: bool = False  # "must not have" in an exclusion: the exclusion said again, not a double negative
    verb: str = ""  # for POSSESSIVE: a verb other than "is"/"are" ("my cancer has ...", "tests ...")

    def say(self, voice: Voice, negated: bool | None = None) -> str:
        """The clause in a voice; ``negated`` (default: the clause's own) puts "not" in."""
        negate = self.negated if negated is None else negated
        first = voice is Voice.FIRST
        i = "I" if first else "you"
        rest = self.rest
        if self.aux is Aux.BE:
            be = "am" if first else "are"
            return f"{i} {be} not {rest}" if negate else f"{i} {be} {rest}"
        if self.aux is Aux.HAVE:
            return f"{i} do not have {rest}" if negate else f"{i} have {rest}"
        if self.aux is Aux.PERFECT:
            return f"{i} have not {rest}" if negate else f"{i} have {rest}"
        if self.aux is Aux.DO:
            return f"{i} do not {rest}" if negate else f"{i} {rest}"
        if self.aux is Aux.MODAL:
            modal = self.modal or "can"
            if negate:
                return f"{i} cannot {rest}" if modal == "can" else f"{i} {modal} not {rest}"
            return f"{i} {modal} {rest}"
        if self.aux is Aux.POSSESSIVE:
            my = "my" if first else "your"
            if self.verb:
                if not negate:
                    return f"{my} {self.subject} {self.verb} {rest}"
                if self.verb in {"has", "have"}:
                    return f"{my} {self.subject} does not have {rest}"
                if self.verb.startswith(("has ", "have ")):
                    have, _, done = self.verb.partition(" ")
                    return f"{my} {self.subject} {have} not {done} {rest}"
                return f"{my} {self.subject} does not {to_base(self.verb)} {rest}"
            verb = "are" if self.plural else "is"
            return (
                f"{my} {self.subject} {verb} not {rest}" if negate else f"{my} {self.subject} {verb} {rest}"
            )
        return rest.replace(PERSON, "I" if first else "you")


#: In a PLAIN clause's words, the patient: "I" or "you" when said.
PERSON = "\x00person\x00"


# --- third person -> first or second person, in words kept as the registry wrote them ---------

_THIRD_TO_BASE = {
    "has": "have",
    "is": "be",
    "was": "was",
    "does": "do",
    "doesn't": "don't",
    "isn't": "be not",
    "hasn't": "haven't",
}
_SUBJECT_NOUN = r"(?:patient|subject|participant|individual|volunteer|person|woman|man|child|candidate)"
_SINGULAR_SUBJECT = re.compile(
    rf"\b(?:(?:the|a|each|any|this)\s+){_SUBJECT_NOUN}\s+(?P<verb>has|is|was|had|does|will|must|may|can|could|should"
    r"|would|agrees|meets|receives|requires|needs|understands|lives|speaks|weighs|uses|takes|remains|becomes"
    r"|develops|experiences|refuses|presents|shows|demonstrates|continues)\b",
    re.IGNORECASE,
)
_HE_OR_SHE = re.compile(
    r"\b(?:he\s+or\s+she|he/she|s/he|she\s+or\s+he)\s+(?P<verb>has|have|is|are|was|were|had|does|do|will|must"
    r"|may|can|could|should|would|agrees?|meets?|receives?|requires?|needs?|understands?|uses?|takes?)\b",
    re.IGNORECASE,
)
_POSSESSIVE_THIRD = re.compile(
    rf"\b(?:(?:the|a|each)\s+{_SUBJECT_NOUN}'s|his\s+or\s+her|his/her|her/his|his\s+/\s+her)\b", re.IGNORECASE
)
_PLURAL_SUBJECT = re.compile(r"\b(?:the\s+)?(?:patients|subjects|participants|individuals)\b", re.IGNORECASE)


def _person_verb(verb: str, voice: Voice) -> str:
    low = verb.lower()
    first = voice is Voice.FIRST
    if low in {"is", "are"}:
        return "am" if first else "are"
    if low in {"was", "were"}:
        return "was" if first else "were"
    if low in {"has", "have"}:
        return "have"
    if low in {"does", "do"}:
        return "do"
    if low in {"had", "will", "must", "may", "can", "could", "should", "would"}:
        return low
    return to_base(low)


def to_base(verb: str) -> str:
    """A third-person-singular verb in its base form: "agrees" -> "agree", "has" -> "have"."""
    low = verb.lower()
    if low in _THIRD_TO_BASE:
        return _THIRD_TO_BASE[low]
    if low.endswith("ies") and len(low) > 4:
        return low[:-3] + "y"
    if low.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return low[:-2]
    if low.endswith("s") and not low.endswith("ss"):
        return low[:-1]
    return low


def personal(words: str, voice: Voice) -> str:
    """Words about "the patient" rewritten for the patient ("I", "my") or to them ("you", "your");
    "patients" in general become "people"."""
    pronoun = "I" if voice is Voice.FIRST else "you"
    possessive = "my" if voice is Voice.FIRST else "your"
    words = _SINGULAR_SUBJECT.sub(lambda m: f"{pronoun} {_person_verb(m.group('verb'), voice)}", words)
    words = _HE_OR_SHE.sub(lambda m: f"{pronoun} {_person_verb(m.group('verb'), voice)}", words)
    words = _POSSESSIVE_THIRD.sub(possessive, words)
    return _PLURAL_SUBJECT.sub("people", words)
