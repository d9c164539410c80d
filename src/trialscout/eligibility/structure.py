"""A criterion's structure, read before its rules: whom it applies to, how its parts combine.

Rules are only meaningful inside the sentence that holds them. This module finds:

- the **scope** of a criterion, whom or when it applies to: "For patients with brain metastases,
  ...", "Women of childbearing potential must ...", "Subjects with brain metastases are eligible
  provided they meet the following criteria:" (whose sub-points inherit the scope), and the
  parent of an exclusion's sub-points ("Prior immune checkpoint inhibitor resulting in:" over
  "grade 3 pneumonitis"). A criterion asks nothing of a patient its scope does not cover;
- the **roles** of sub-points: the items under "... except:" or "unless:" are exceptions (they
  can only rescue a patient, never exclude one); the items under "any of the following" in an
  inclusion are alternatives; definitions ("post-menopausal is defined as ...") and notes
  ("Further inclusion criteria apply") ask nothing;
- **alternatives** between sibling criteria joined by "or";
- how a criterion's **rules combine** (`rule_groups`), from the words between them. In what the
  rules mean (the property the words describe), "A or B" is one of the two and "A with B" (also
  "who have", "due to", "complicated by") is both; a list "A, B and C" is each. Rules that ask for
  a property (PRESENT) combine as the words do; rules that ask for its absence (ABSENT, an
  exclusion or "no ...") combine by De Morgan: "no A or B" needs both absent, while an exclusion
  of "A with B" is satisfied by either one being absent. So a patient with dysphagia but no
  stroke meets neither "stroke patients with dysphagia" as an inclusion, nor is excluded by it.

Everything here reads words only; the rules are read by `trialscout.eligibility.rules`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from trialscout.eligibility.model import Expect, Rule
from trialscout.eligibility.text import matchable

_WHO = (
    r"(?:patients?|subjects?|participants?|persons?|people|individuals|those|women|men|females?|males?"
    r"|children|adolescents|adults|girls|boys|anyone|candidates)"
)
_QUALIFIER = (
    r"(?:with|who\s+(?:have|has|had|are|is|were|received|underwent|take|use|require)|of|on|receiving|taking"
    r"|having|undergoing|treated\s+with|able\s+to|under|over|aged?|younger|older|less|more)"
)
# "For patients with brain metastases, ..." / "In subjects on steroids: ..." / "If female, ..."
_LEADING_SCOPE = re.compile(
    rf"^\s*(?:(?:for|in|among)\s+(?:(?:all|any)\s+)?{_WHO}\s+{_QUALIFIER}\b[^,:;]{{2,120}}?"
    r"|(?:if|when|where|for)\s+(?!applicable\b|any\b|the\s+following\b|needed\b|necessary\b|required\b)"
    r"[^,:;]{2,80}?)\s*[,:]\s+(?=\S)",
    re.IGNORECASE,
)
# "Patients with brain metastases must ..." / "Women of childbearing potential should ..."
_SUBJECT_SCOPE = re.compile(
    rf"^\s*(?:all\s+|any\s+)?(?:(?:female|male|sexually\s+active)\s+)?{_WHO}\s+{_QUALIFIER}\b[^.;:]{{2,160}}?"
    r"(?=\s+(?:must|should|shall|need\s+to|needs\s+to|are\s+required\s+to|is\s+required\s+to|will\s+need\s+to"
    r"|have\s+to|has\s+to|agree|are\s+to|is\s+to)\b)",
    re.IGNORECASE,
)
# "Subjects with brain metastases are eligible provided/if they ..." (its rest or sub-points
# are what those subjects need).
_ALLOWED_SCOPE = re.compile(
    rf"^\s*(?:{_WHO}\s+{_QUALIFIER}\b[^.;:]{{2,160}}?)"
    r"(?=\s+(?:are|is|will\s+be|may\s+be|can\s+be|would\s+be)\s+(?:eligible|allowed|permitted|included|enrolled"
    r"|acceptable)\s*(?:only\s+)?(?:if|provided|when|as\s+long\s+as|so\s+long\s+as|on\s+condition)\b)",
    re.IGNORECASE,
)
_ALLOWED_REST = re.compile(
    r"^\s*(?:are|is|will\s+be|may\s+be|can\s+be|would\s+be)\s+(?:eligible|allowed|permitted|included|enrolled"
    r"|acceptable)\s*(?:only\s+)?(?:if|provided(?:\s+that)?|when|as\s+long\s+as|so\s+long\s+as|on\s+condition\s+that)"
    r"\s*(?:they|he\s+or\s+she|the\s+(?:patient|subject|participant)s?)?\s*",
    re.IGNORECASE,
)
# The rest of an allowance that only points to its sub-points: "... meet the following criteria:".
_POINTS_BELOW = re.compile(
    r"^\s*(?:(?:meet|fulfil+|satisfy|have)\s+)?(?:all\s+|each\s+|any\s+)?(?:of\s+)?the\s+following"
    r"(?:\s+(?:criteria|conditions|requirements))?\s*(?:are\s+met|apply)?\s*:?\s*$",
    re.IGNORECASE,
)

# A parent whose sub-points are exceptions: "Other malignancy within 2 years, except:".
_EXCEPTIONS_BELOW = re.compile(
    r"(?:\bexcept(?:\s+for)?|\bunless|\bwith\s+the\s+(?:following\s+)?exceptions?\s+of|\bother\s+than"
    r"|\bexcluding|\bexceptions?\s+(?:are|include)|\bapart\s+from|\bbut\s+not)"
    r"(?:\s+(?:the\s+following|these|as\s+follows))?\s*(?:\([^)]*\))?\s*:?\s*$",
    re.IGNORECASE,
)
# An inclusion whose sub-points are alternatives: "Have at least one of the following:".
_ALTERNATIVES_BELOW = re.compile(
    r"\b(?:(?:at\s+least\s+)?(?:one|1)\s+of|any\s+(?:one\s+)?of|either\s+of|one\s+or\s+more\s+of)\s+the\s+following"
    r"|\b(?:either|one\s+of)\s*:\s*$",
    re.IGNORECASE,
)
_ALL_BELOW = re.compile(r"\b(?:all|each|both)\s+of\s+the\s+following\b", re.IGNORECASE)

_DEFINITION = re.compile(
    r"^\s*(?:\*?\s*)?(?:note\s*:\s*)?[\w\s,()/'’-]{2,80}?\b(?:is|are)\s+(?:defined|considered|characterized)\s+as\b"
    r"|^\s*(?:\*?\s*)?(?:definitions?|note)\s*:"
    r"|^\s*(?:\*?\s*)?[\w\s()/'’-]{2,60}?\b(?:means|refers\s+to)\b"
    r"|^\s*(?:a\s+)?(?:woman|women|female|man|men|male|subject|patient)s?\s+(?:is|are)\s+considered\s+"
    r"(?:to\s+be\s+)?(?:of\s+)?(?:non-?)?(?:childbearing|child-bearing|fertile|post-?menopausal|sterile)",
    re.IGNORECASE,
)
_NOTE = re.compile(
    r"^\s*(?:further|other|additional|more)\s+(?:inclusion|exclusion|eligibility)?\s*criteria\s+(?:may\s+)?apply"
    r"|^\s*(?:not\s+specified|unspecified|none|n/?a|not\s+applicable|see\s+(?:above|below))\s*\.?\s*$"
    r"|\bmay\s+(?:also\s+)?be\s+present\b",
    re.IGNORECASE,
)
_ENDS_WITH_OR = re.compile(r"(?:\bor|\band/or)\s*[,;.]?\s*$", re.IGNORECASE)
_STARTS_WITH_OR = re.compile(r"^\s*(?:or|and/or)\b", re.IGNORECASE)


def leading_scope(text: str) -> tuple[int, int] | None:
    """The [start, end) of the words saying whom a criterion applies to, when it opens with
    them; the rest of the criterion is what those patients need."""
    view = matchable(text)
    for pattern in (_LEADING_SCOPE, _SUBJECT_SCOPE, _ALLOWED_SCOPE):
        match = pattern.match(view)
        if match:
            words = match.group(0).rstrip(" ,:")
            if len(words.split()) >= 2:
                start = len(words) - len(words.lstrip())
                return start, len(words)
    return None


def points_below_only(text: str, scope_end: int) -> bool:
    """Whether what follows a criterion's scope only points to its sub-points ("Subjects with
    brain metastases are eligible provided they meet the following criteria:")."""
    rest = matchable(text)[scope_end:]
    allowed = _ALLOWED_REST.match(rest)
    if allowed:
        rest = rest[allowed.end() :]
    return bool(_POINTS_BELOW.match(rest)) or not rest.strip(" :.")


def introduces_exceptions(text: str) -> bool:
    return bool(_EXCEPTIONS_BELOW.search(matchable(text)))


_LIST_INTRO = re.compile(
    r"\b(?:the\s+following|as\s+follows|including|includes|such\s+as|e\.g\.|defined\s+as|listed\s+below|below)\b",
    re.IGNORECASE,
)


def introduces_list(text: str) -> bool:
    """ "Any of the following ...:", "... including:": an intro to the points below, not a
    property of its own."""
    return bool(_LIST_INTRO.search(matchable(text)))


_REFERS_BELOW = re.compile(
    r"\b(?:any|one|all|each|none)\s+of\s+the\s+following\b|\bthe\s+(?:stated|listed)\s+(?:time\s*frames?|criteria)"
    r"|\blisted\s+below\b|\bas\s+follows\s*:?\s*$|:\s*$",
    re.IGNORECASE,
)


def refers_below(text: str) -> bool:
    """Whether a criterion's meaning is a list it points to ("any of the following ...")."""
    return bool(_REFERS_BELOW.search(matchable(text)))


_ONLY_BELOW = re.compile(
    r"\b(?:any|one|all|each|either|none|both)\s+(?:one\s+)?of\s+the\s+following\b", re.IGNORECASE
)


def only_points_below(text: str) -> bool:
    """ "Any of the following ...:": the intro names nothing of its own (unlike "Cardiac
    disease such as:", whose points are examples of what it names)."""
    return bool(_ONLY_BELOW.search(matchable(text)))


_EXAMPLES = re.compile(
    r"\b(?:such\s+as|including|e\.g\.|for\s+example|due\s+to|resulting\s+in|caused\s+by|secondary\s+to)\s*:?\s*$",
    re.IGNORECASE,
)


def names_examples(text: str) -> bool:
    """ "Physical activity impairment due to conditions other than heart failure such as:": the
    points below are examples of what it names, and only count for patients it describes."""
    return bool(_EXAMPLES.search(matchable(text)))


def introduces_alternatives(text: str) -> bool:
    view = matchable(text)
    return bool(_ALTERNATIVES_BELOW.search(view)) and not _ALL_BELOW.search(view)


def is_definition(text: str) -> bool:
    return bool(_DEFINITION.match(matchable(text)))


# A permission: "Prior chemotherapy allowed", "Concurrent corticosteroids for cerebral edema
# allowed (must be on a stable dose ...)": it asks nothing of the patient beyond what it allows.
_PERMISSION = re.compile(
    r"^[^.;:()]{2,120}?\b(?:is|are)?\s*(?:allowed|permitted|acceptable|eligible)\b(?!\s+(?:if|only|provided|when|unless))"
    r"(?:\s*\([^)]*\))?\s*[.;]?\s*$",
    re.IGNORECASE,
)
_NOT_PERMITTED = re.compile(
    r"\b(?:not|no|never|nor)\b[^.;]*\b(?:allowed|permitted|acceptable|eligible)\b", re.IGNORECASE
)


_LABELLED = re.compile(r"^\s*[^,:;.]{2,60}?,?\s+(?:defined|characteri[sz]ed)\s+(?:as|by)\b", re.IGNORECASE)


def labelled_definition(text: str) -> bool:
    """ "Low-risk disease, defined as WBC <= 10,000/mm3 ...": a category and what it is; sibling
    categories under one intro are alternatives."""
    return bool(_LABELLED.match(matchable(text)))


def is_note(text: str) -> bool:
    view = matchable(text)
    if _NOTE.search(view):
        return True
    return bool(_PERMISSION.match(view)) and not _NOT_PERMITTED.search(view)


def ends_with_or(text: str) -> bool:
    return bool(_ENDS_WITH_OR.search(text))


def starts_with_or(text: str) -> bool:
    return bool(_STARTS_WITH_OR.match(text))


# What joins two rules, from the words between them.
_CONJOINED = re.compile(
    r"\b(?:with|who\s+(?:have|has|had|are|is|were)|which|that|whose|due\s+to|secondary\s+to|caused\s+by"
    r"|complicated\s+by|associated\s+with|accompanied\s+by|in\s+the\s+setting\s+of|resulting\s+in|leading\s+to"
    r"|despite|in\s+spite\s+of|on\s+(?:stable\s+)?(?:treatment|therapy)\s+with"
    r"|requiring|and\s+(?:also|concurrent|concomitant|who|with)|together\s+with|plus|in\s+combination\s+with)\b",
    re.IGNORECASE,
)
_EITHER = re.compile(r"\b(?:or|and/or|nor)\b|/", re.IGNORECASE)
_LIST_GAP = re.compile(r"^[\s,()]*$")
_SENTENCE_GAP = re.compile(r"[.;:]\s|\n\s*\n")


def _gap_kind(gap: str) -> str:
    """ "or", "with" (both, one qualifying the other), "list" (a comma), "and" (each)."""
    if _SENTENCE_GAP.search(gap):
        return "and"
    if _EITHER.search(gap):
        return "or"
    if _CONJOINED.search(gap):
        return "with"
    if _LIST_GAP.match(gap):
        return "list"
    return "and"


def rule_groups(text: str, rules: Sequence[Rule], offset: int = 0) -> tuple[tuple[int, ...], ...]:
    """How ``rules`` (read from ``text``, whose first character is at ``offset`` in the
    eligibility text) combine: groups of alternatives, every group needed (see the module
    docstring). Overlapping rules are two readings of the same words and each must hold."""
    if not rules:
        return ()
    view = matchable(text)
    order = sorted(range(len(rules)), key=lambda i: (rules[i].span.start, rules[i].span.end))
    joins: list[str] = []
    for a, b in itertools.pairwise(order):
        start, end = rules[a].span.end - offset, rules[b].span.start - offset
        joins.append("overlap" if end <= start else _gap_kind(view[max(0, start) : max(0, end)]))
    # A run of comma gaps takes the connective that closes it: "A, B, or C" is "or".
    for i in range(len(joins) - 1, -1, -1):
        if joins[i] == "list":
            after = next((j for j in joins[i + 1 :] if j != "list"), "and")
            joins[i] = after if after in ("or", "and") else "and"
    intro = _ALTERNATIVES_BELOW.search(view)
    if intro is not None and not _ALL_BELOW.search(view):
        # "Premenopausal, defined by 1 of the following: ...": the rules after it are one choice
        chosen = tuple(i for i in order if rules[i].span.start - offset >= intro.start())
        before = [(i,) for i in order if i not in chosen]
        return tuple(before) + ((tuple(sorted(chosen)),) if chosen else ())
    groups: list[list[int]] = [[order[0]]]
    for (a, b), join in zip(itertools.pairwise(order), joins, strict=True):
        same = rules[a].expect is rules[b].expect
        present = rules[a].expect is Expect.PRESENT
        if same and ((present and join == "or") or (not present and join == "with")):
            groups[-1].append(b)
        else:
            groups.append([b])
    return tuple(tuple(sorted(g)) for g in groups)
