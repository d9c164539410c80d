"""What "No X" means under an exclusion heading.

In an exclusion section, "No X" nearly always restates the exclusion: "No major surgery within
4 weeks" listed under "Exclusion Criteria" means you cannot join if you had major surgery within
4 weeks, not that you cannot join if you did not. Only where X is something a patient needs
("No measurable disease", "No caregiver", "No signed consent") does the lack itself exclude.

`exclusion_negation(words)` tells which (`NoReading`): RESTATES (say X after "You cannot join if",
without the "No"), LACKS (say "you do not have X"), or UNSURE (no sentence of ours: the
registry's words are shown). None when the words do not start with such a "No".
"""

from __future__ import annotations

import re
from enum import StrEnum

from trialscout.eligibility.plain.predicates import CONDITION, THERAPY

_I = re.IGNORECASE


class NoReading(StrEnum):
    RESTATES = "restates"
    LACKS = "lacks"
    UNSURE = "unsure"


_NO = re.compile(
    r"^no\s+(?!(?:more|less|greater|fewer|later|earlier|sooner|longer|older|younger|higher|lower|exceeding|to\s+exceed"
    r"|only|required|necessary|applicable|specified|restricted|limited|longer|one|change|restriction)\b)(?P<rest>\S.*)$",
    _I,
)
#: What a patient needs: lacking it is what excludes.
_NEEDED = re.compile(
    r"\b(?:measurable|evaluable|assessable|consent\w*|contracepti\w+|birth\s+control|address|carers?|care\s*givers?"
    r"|insurance|telephone|phone|access|transport\w*|support|adequate|sufficient|available|availability|ability"
    r"|able|willing\w*|tissue|samples?|specimens?|blocks?|response|responses|documentation|documented|confirmation"
    r"|confirmed|diagnosis|partner|home|guardian|legal|residence|visa|command|fluency|literacy|internet|computer"
    r"|smartphone|follow[\s-]?up|target\s+lesions?|capacity|understanding|compliance|signed|informed|written)\b",
    _I,
)
#: What restates an exclusion: a history, a condition, a treatment, a state a patient can be in.
_HARM_START = re.compile(
    r"^(?:(?:a|an|any)\s+)?(?:history|known|prior|previous|past|recent|concurrent|concomitant|simultaneous|current"
    r"|ongoing|other|active|significant|clinically|severe|serious|uncontrolled|unstable|symptomatic|untreated"
    r"|major|grade|evidence|presence|use|treatment|therapy|receipt|participation|exposure|patients?|subjects?"
    r"|participants?|pregnan\w*|breast[\s-]?feeding|lactat\w*|nursing|women|men|females?|males?|smok\w*|alcohol"
    r"|drug|substance|hypersensitivity|allerg\w*|contraindications?|intolerance|chronic|acute|malignan\w*"
    r"|infection|hiv|hepatitis|radiation|radiotherapy|chemotherapy|surgery|transplant\w*|investigational|live"
    r"|vaccin\w*|medications?|corticosteroids?|steroids?|immunosuppress\w*)\b",
    _I,
)
_NEUTRAL = re.compile(
    r"\b(?:test|result|tissue|sample|specimen|status|score|stage|donor|function|history)\b", _I
)


def exclusion_negation(words: str) -> NoReading | None:
    """How "No X" at the start of an exclusion's words reads (None: they do not start so)."""
    match = _NO.match(words.strip())
    if match is None:
        return None
    rest = match.group("rest")
    head = re.split(r"[,;(]|\b(?:unless|except|other\s+than|that|which|who)\b", rest, maxsplit=1)[0]
    if _NEEDED.search(head):
        return NoReading.LACKS
    if _HARM_START.match(rest):
        return NoReading.RESTATES
    cleaned = _NEUTRAL.sub(" ", head)
    if CONDITION.search(cleaned) or THERAPY.search(cleaned):
        return NoReading.RESTATES
    return NoReading.UNSURE


def without_no(words: str) -> str:
    """The words after the "No" (their first letter as written)."""
    match = _NO.match(words.strip())
    return match.group("rest") if match is not None else words
