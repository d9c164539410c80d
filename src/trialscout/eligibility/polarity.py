"""Polarity and exceptions: what a criterion's words require, and what they allow anyway.

`expect(kind, negated)` combines a criterion's kind with a negation in its words: an inclusion
asks for what it names (PRESENT) unless its words negate it ("no history of ..."); an exclusion
rules out what it names (ABSENT) unless they negate it ("patients without measurable disease").

`negated(view, start, end)` looks for a negation cue before a phrase within its clause, in the
manner of NegEx: "no", "not", "without", "absence of", "free of", "negative for", "denies".

`find_exceptions(text)` finds the stated exceptions: "unless ...", "except ...", "with the
exception of ...", "other than ...", "provided that ...", "... are eligible if ...", "... is
allowed/permitted", each up to the end of its clause.
"""

from __future__ import annotations

import re

from trialscout.eligibility.model import CriterionKind, Expect, Span, StatedException
from trialscout.eligibility.text import matchable

_NEGATION_CUE = re.compile(
    r"\b(?:no|not|none|never|without|absence\s+of|absent|free\s+of|negative\s+(?:for|test)|denies|denied"
    r"|lack\s+of|rule[sd]?\s+out|cannot\s+have|must\s+not|should\s+not|may\s+not|unable\s+to)\b",
    re.IGNORECASE,
)
# A negation does not reach past these: "no fever but cough", "not pregnant; active HIV".
_CLAUSE_BREAK = re.compile(
    r"[.;:]|\b(?:but|however|although|except|unless|or\s+if|and\s+(?:has|have|is|are))\b", re.IGNORECASE
)
_NEGATION_REACH = 60

_EXCEPTION = re.compile(
    r"\b(?:unless|except(?:\s+(?:for|in|when|if|that))?|excepting|excluding|with\s+the\s+exception\s+of|other\s+than"
    r"|apart\s+from|aside\s+from|provided(?:\s+that)?|as\s+long\s+as|so\s+long\s+as|if\s+(?:they|the\s+patient|subjects?|patients?)\s+(?:have|has|are|is)"
    r"|(?:is|are)\s+(?:eligible|allowed|permitted|acceptable)(?:\s+(?:if|provided|when|as\s+long\s+as))?"
    r"|(?:may|can|will)\s+be\s+(?:included|enrolled|eligible|allowed|permitted|considered))\b",
    re.IGNORECASE,
)
_EXCEPTION_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)\.(?:\s|$)|;|\n\s*\n", re.IGNORECASE)


def expect(kind: CriterionKind, negated: bool) -> Expect:
    """What the trial needs of the patient, from the criterion's kind and a negation."""
    present = (kind is CriterionKind.INCLUSION) != negated
    return Expect.PRESENT if present else Expect.ABSENT


def negated(view: str, start: int, end: int = -1) -> bool:
    """Whether a negation cue governs the phrase at ``view[start:end]`` (the same clause,
    at most about ten words before it)."""
    window_start = max(0, start - _NEGATION_REACH)
    before = view[window_start:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    return _NEGATION_CUE.search(before) is not None


def find_exceptions(text: str, offset: int = 0) -> tuple[StatedException, ...]:
    """The exceptions a criterion states, each from its cue to the end of its clause."""
    view = matchable(text)
    found = []
    position = 0
    for match in _EXCEPTION.finditer(view):
        if match.start() < position:
            continue
        end_match = _EXCEPTION_END.search(view, match.end())
        end = end_match.start() if end_match else len(view)
        words = text[match.start() : end].strip()
        if len(words) > len(match.group(0)):
            found.append(
                StatedException(
                    text=words, span=Span(offset + match.start(), offset + match.start() + len(words))
                )
            )
            position = end
    return tuple(found)
