"""Frames for the course of a disease and for test results, said of the disease or the test:

- "Progression on/after X", "Disease progression during X", "Relapse after X": "my disease has
  got worse on X", "my disease has come back after X" (an inclusion that asks for a failure is a
  requirement like any other: "I ...", never "You cannot join if");
- "Failure of X" (a treatment): "I have had X, and it did not work or stopped working";
- "HIV negative", "Hepatitis B surface antigen negative": "I have tested negative for HIV";
- "Negative pregnancy test" (an inclusion): "If I could become pregnant, I must have a negative
  pregnancy test" (it is asked only of those who could).

`COURSE_FRAMES` is a list of (pattern, handler) like `frames.NOUN_FRAMES`, tried before them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from trialscout.eligibility.model import CriterionKind
from trialscout.eligibility.plain.voice import PERSON, Aux, Clause

_I = re.IGNORECASE

_PROGRESSION = re.compile(
    r"^(?:(?:documented|radiographic|radiological|radiologic|objective|confirmed|clinical|biochemical|evidence\s+of"
    r"|prior|subsequent)\s+)*(?:(?:disease|tumou?r|cancer)\s+)?(?P<what>progression|progressive\s+disease|relapse"
    r"|recurrence)(?:\s+of\s+(?:the\s+)?(?:disease|cancer|tumou?r))?\s+(?P<prep>on\s+or\s+after|during\s+or\s+after"
    r"|after\s+or\s+during|on\s+or\s+following|while\s+on|while\s+receiving|on|after|during|following|despite)"
    r"\s+(?P<rest>\S.*)$",
    _I,
)
_FAILURE = re.compile(
    r"^(?:(?:documented|prior|previous|treatment|therapy|therapeutic)\s+)*failure\s+(?:of|on|with|after)\s+"
    r"(?P<rest>[^,;()]+)$",
    _I,
)
_TESTED = re.compile(
    r"^(?P<what>(?:HIV|HIV-1|HIV-2|HBV|HCV|HBsAg|HCV\s+antibody|HIV\s+antibody|hepatitis\s+[BC](?:\s+surface\s+antigen"
    r"|\s+virus|\s+antibody|\s+core\s+antibody)?|COVID-19|SARS-CoV-2|syphilis|tuberculosis|TB|HTLV-1|HTLV))"
    r"[\s-]+(?P<result>negative|seronegative|sero-negative|non-reactive|positive|seropositive)"
    r"(?:\s+(?:test|status|result|serology))?$",
    _I,
)
_PREGNANCY_TEST = re.compile(
    r"^(?:(?:a|documented|have\s+a|must\s+have\s+a)\s+)*negative\s+(?:(?:serum|urine|urinary|blood)\s+(?:or\s+(?:serum|urine)\s+)?)?"
    r"(?:pregnancy|β-?hCG|beta[\s-]?hCG|b-?hCG|hCG)(?:\s+pregnancy)?\s+test(?P<rest>(?:\s+(?:within|at|before|prior|during)\b[^;]*)?)$",
    _I,
)
_SHORT = 14


_OPEN_END = re.compile(r"\s+(?:or|and|and/or)$|\b(?:defined|following)\b|:", _I)


def _progression(match: re.Match[str]) -> Clause | None:
    rest = match.group("rest")
    if len(rest.split()) > _SHORT or _OPEN_END.search(rest):
        return None
    came_back = match.group("what").lower() in {"relapse", "recurrence"}
    verb, said = ("has", "come back") if came_back else ("has", "got worse")
    return Clause(
        aux=Aux.POSSESSIVE,
        subject="disease",
        verb=f"{verb} {said}",
        rest=f"{match.group('prep').lower()} {rest}",
    )


def _failure(match: re.Match[str]) -> Clause | None:
    rest = match.group("rest").strip()
    if (
        len(rest.split()) > _SHORT
        or _OPEN_END.search(rest)
        or re.search(r"\b(?:or|and/or)\s+intoleran", rest, _I)
    ):
        return None
    return Clause(aux=Aux.PERFECT, rest=f"had {rest}, and it did not work or stopped working")


def _pregnancy_test(match: re.Match[str], kind: CriterionKind) -> Clause | None:
    """A pregnancy test is asked only of those who could become pregnant: the sentence says so."""
    if kind is not CriterionKind.INCLUSION:
        return None
    test = match.group(0)[: len(match.group(0)) - len(match.group("rest"))]
    test = re.sub(r"^(?:(?:a|documented|have\s+a|must\s+have\s+a)\s+)*", "", test, flags=_I)
    test = test[:1].lower() + test[1:]
    return Clause(
        aux=Aux.PLAIN,
        rest=f"if {PERSON} could become pregnant, {PERSON} must have a {test}{match.group('rest')}",
    )


def tested(words: str) -> Clause | None:
    """ "HIV negative" -> have tested negative for HIV (None: not a test result)."""
    match = _TESTED.match(words.strip())
    return _tested(match) if match is not None else None


def _tested(match: re.Match[str]) -> Clause:
    result = (
        "negative"
        if "neg" in match.group("result").lower() or "non" in match.group("result").lower()
        else "positive"
    )
    return Clause(aux=Aux.PERFECT, rest=f"tested {result} for {match.group('what')}")


COURSE_FRAMES: list[tuple[re.Pattern[str], Callable[[re.Match[str], CriterionKind], Clause | None]]] = [
    (_PROGRESSION, lambda m, k: _progression(m)),
    (_FAILURE, lambda m, k: _failure(m)),
    (_TESTED, lambda m, k: _tested(m)),
    (_PREGNANCY_TEST, _pregnancy_test),
]
