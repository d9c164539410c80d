"""Polarity and exceptions: what a criterion's words require, and what they allow anyway.

`expect(kind, negated)` combines a criterion's kind with a negation in its words: an inclusion
asks for what it names (PRESENT) unless its words negate it ("no history of ..."); an exclusion
rules out what it names (ABSENT) unless they negate it ("patients without measurable disease").

`negated(view, start, end)` looks for a negation cue before a phrase within its clause, in the
manner of NegEx: "no", "not", "without", "absence of", "free of", "negative for", "denies".

How far a negation reaches in a list, the rule of thumb: a negation that opens a list ("No
history of MI, stroke or CHF", "No concurrent ethanol, ephedrine, ... or barbiturates") governs
every item of it, however long, as long as the items are things of one kind. It stops at the
comma after which an item of another kind begins: in "No informed consent, pregnancy,
breast-feeding" the "no" belongs to the consent alone, and pregnancy and breast-feeding are
named as they are (an exclusion rules them out; a man does not fail them). Two kinds are told
apart: what a patient does or gives (consent, willingness, ability to comply, availability for
follow-up, language) and what a patient has or is (conditions, treatments, pregnancy, results).
An item says nothing of its kind (words of neither) only as part of a list of the other kind.
`list_cut(view, start, end)` says whether a cue's reach is cut so; `negated` applies both.

`find_exceptions(text)` finds the stated exceptions: "unless ...", "except ...", "with the
exception of ...", "other than ...", "provided that ...", "... are eligible if ...", "... is
allowed/permitted", each up to the end of its clause.
"""

from __future__ import annotations

import re

from trialscout.eligibility.model import CriterionKind, Expect, Span, StatedException
from trialscout.eligibility.text import matchable

# "No more than 2 prior regimens", "not less than 18": a bound, not a negation.
_NEGATION_CUE = re.compile(
    r"\b(?:no(?!\s+(?:more|less|greater|fewer|later|earlier|longer|sooner|older|younger)\s+than\b)"
    r"|not(?!\s+(?:more|less|greater|fewer|later|earlier|longer|exceeding|older|younger)\b)|none|never|without|absence\s+of|absent|free\s+of|negative\s+(?:for|test)|denies|denied"
    r"|lack\s+of|rule[sd]?\s+out|cannot\s+have|must\s+not|should\s+not|may\s+not|unable\s+to)\b",
    re.IGNORECASE,
)
# A negation does not reach past these: "no fever but cough", "not pregnant; active HIV".
_CLAUSE_BREAK = re.compile(
    r"[.;:]|\b(?:but|however|although|except|unless|or\s+if|and\s+(?:has|have|is|are|must|should|will|need)"
    r"|(?:and|but)\s+(?:who|with))\b",
    re.IGNORECASE,
)
_NEGATION_REACH = 60

_EXCEPTION = re.compile(
    r"\b(?:unless|except(?:\s+(?:for|in|when|if|that))?|excepting|excluding|with\s+the\s+exception\s+of|other\s+than"
    r"|apart\s+from|aside\s+from|provided(?:\s+that)?|as\s+long\s+as|so\s+long\s+as|if\s+(?:they|the\s+patient|subjects?|patients?)\s+(?:have|has|are|is)"
    r"|(?:is|are)\s+(?:eligible|allowed|permitted|acceptable)(?:\s+(?:if|provided|when|as\s+long\s+as))?"
    r"|(?:may|can|will)\s+be\s+(?:included|enrolled|eligible|allowed|permitted|considered)"
    r"|(?:should|will|shall|are|is|need)\s+not\s+(?:be\s+)?(?:excluded|an\s+exclusion))\b",
    re.IGNORECASE,
)
_EXCEPTION_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)\.(?:\s|$)|;|\n\s*\n", re.IGNORECASE)


def expect(kind: CriterionKind, negated: bool) -> Expect:
    """What the trial needs of the patient, from the criterion's kind and a negation."""
    present = (kind is CriterionKind.INCLUSION) != negated
    return Expect.PRESENT if present else Expect.ABSENT


def negated(view: str, start: int, end: int = -1, kind: CriterionKind | None = None) -> bool:
    """Whether a negation cue governs the phrase at ``view[start:end]``: one in the same clause,
    at most about ten words before it, whose list does not change kind before the phrase; or, in
    an inclusion (``kind``), one that opens a list of one kind in which the phrase is an item,
    however far (see the module's rule)."""
    window_start = max(0, start - _NEGATION_REACH)
    before = view[window_start:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    cues = list(_NEGATION_CUE.finditer(before))
    if cues:
        cue_end = start - len(before) + cues[-1].end()
        return not _kind_changes(_plain_negations(view), cue_end, start, end)
    return kind is CriterionKind.INCLUSION and list_negated(view, start, end)


# What a patient does or gives (consent, willingness, compliance, availability), against what a
# patient has or is (a condition, a treatment, a state, a result).
_DOES = re.compile(
    r"\b(?:consent\w*|willing\w*|unwilling\w*|comply\w*|complian\w*|non-?complian\w*|agree\w*|understand\w*"
    r"|sign(?:ed|ing|ature)?|cooperat\w*|availab\w*|permission|guardian\w*|fluen\w*|literate|illitera\w*|read"
    r"|speak\w*|insurance|follow[\s-]?up|travel\w*|telephone|transport\w*)\b",
    re.IGNORECASE,
)
_HAS = re.compile(
    r"pregnan|lactat|breast[\s-]?fe|nursing|contracep|disease|disorder|syndrome|infect|cancer|tumou?r|malignan"
    r"|metasta|history|therap|treatment|surgery|drug|medication|agent|allerg|hypersensitiv|failure|insufficien"
    r"|impairment|injur|abnormal|positive|negative|level|count|grade|stage|[<>≤≥]|\d",
    re.IGNORECASE,
)
_LIST_SEPARATOR = re.compile(r",\s*(?:(?:and|or|nor|and/or)\b\s*)?|\s+(?:or|nor|and/or)\s+", re.IGNORECASE)
_LIST_ITEM_CHARS = 100  # an item longer than this is a clause of its own, not a list item
_LIST_REACH = 400
_LEADING_CUE = re.compile(
    r"[\s\W\d]*(?:(?:there\s+(?:is|are|was|were)|(?:the\s+)?(?:patients?|subjects?|participants?)\s+(?:has|have|had|with)"
    r"|(?:has|have|had))\s+)?"
    r"(?:no|not|without|absence\s+of|none\s+of|free\s+of|never)\b",
    re.IGNORECASE,
)
# An item's own words end where a clause about it begins: "altered mental status that prevents consent".
_ITEM_CLAUSE = re.compile(
    r"\b(?:that|which|who|whose|to|because|since|so\s+that|preventing|precluding)\b", re.I
)
# Words that begin a clause of their own inside a list's stretch: past them, the words are no item.
_NEW_CLAUSE = re.compile(
    r"\b(?:that|which|who|whose|because|since|if|unless|known\s+to|must|should|shall|will|may|can|could|would"
    r"|is|are|was|were|required|evidenced|documented|determined|defined|allowed|permitted|eligible"
    r"|for\s+(?:the|present|current|his|her|their|this|a|an))\b"
    r"|,\s*(?:and\s+)?(?:using|practi[cs]ing|willing|agreeing|able|taking|receiving|having)\b",
    re.IGNORECASE,
)
# An item that states its own polarity after it: "HIV negative", "hepatitis B free".
_OWN_POLARITY = re.compile(
    r"[\w\s/-]{0,12}?\b(?:negative|non-?reactive|free|absent|ruled\s+out)\b", re.IGNORECASE
)
# Words that look like negations and are not: comparisons, "not limited to", "non-".
_NOT_NEGATION = re.compile(
    r"\bnon-(?=\w)|\b(?:no|not)\s+(?:more|less|greater|longer|fewer|higher|lower)\s+than\b"
    r"|\bnot\s+(?:be\s+)?limited\s+to\b|\bnot\s+(?:to\s+)?exceed(?:ing)?\b|\bnot\s+otherwise\s+specified\b"
    r"|\bwhether\s+or\s+not\b|\bor\s+not\b|\bif\s+not\b",
    re.IGNORECASE,
)


def _plain_negations(view: str) -> str:
    """``view`` with the words that only look like negations blanked (same length)."""
    return _NOT_NEGATION.sub(lambda m: " " * len(m.group(0)), view)


def _kind(words: str) -> str | None:
    """ "does" (consent, willingness, compliance), "has" (a condition, a treatment, a state),
    or None when an item's own words (before any clause about it) say neither."""
    cut = _ITEM_CLAUSE.search(words)
    words = words[: cut.start()] if cut else words
    if _DOES.search(words):
        return "does"
    if _HAS.search(words):
        return "has"
    return None


def _phrase_words(view: str, item_start: int, start: int, end: int) -> str:
    """The words of the list item that holds the phrase at ``start``, up to the phrase's end."""
    stop = end if end > start else start
    if stop == start:
        following = _LIST_SEPARATOR.search(view, start, min(len(view), start + 30))
        stop = following.start() if following else min(len(view), start + 30)
    return view[item_start:stop]


def _kind_changes(view: str, cue_end: int, start: int, end: int) -> bool:
    """Whether, between a cue and the phrase at ``start``, a list begins an item of another kind
    than the one the cue introduced."""
    separators = list(_LIST_SEPARATOR.finditer(view, cue_end, start))
    if not separators:
        return False
    first = _kind(view[cue_end : separators[0].start()])
    phrase = _kind(_phrase_words(view, separators[-1].end(), start, end))
    return first is not None and phrase is not None and first != phrase


def list_cut(view: str, start: int, end: int = -1) -> bool:
    """Whether the nearest negation cue before the phrase at ``start`` (in its clause) opens a
    list whose items change kind before the phrase: "No informed consent, pregnancy" -> the
    "no" does not reach "pregnancy"."""
    plain = _plain_negations(view)
    low = _clause_start(plain, start)
    cues = list(_NEGATION_CUE.finditer(plain, low, start))
    return bool(cues) and _kind_changes(plain, cues[-1].end(), start, end)


def _clause_start(view: str, start: int) -> int:
    low = max(0, start - _LIST_REACH)
    breaks = list(_CLAUSE_BREAK.finditer(view, low, start))
    return breaks[-1].end() if breaks else low


def list_negated(view: str, start: int, end: int = -1) -> bool:
    """Whether the phrase at ``start`` is an item of a list that a negation opens, however long
    the list, its items of one kind ("No concurrent ethanol, ephedrine, ..., or barbiturates").
    Only an inclusion's lists are read so (`negated` with its kind): in an exclusion, the items
    past a negation's reach are named as they are, ruled out."""
    view = _plain_negations(view)
    low = _clause_start(view, start)
    if low == max(0, start - _LIST_REACH) and low > 0:
        return False  # the clause began too far back to be read as one list
    lead = _LEADING_CUE.match(view, low, start)
    if lead is None:
        return False
    after = end if end > start else start
    if _OWN_POLARITY.match(view, after):
        return False  # "HIV negative" says its own polarity
    if _NEW_CLAUSE.search(view, lead.end(), start):
        return (
            False  # "No drugs known to inhibit ... vinorelbine", "... Fertile patients must use": not a list
        )
    separators = list(_LIST_SEPARATOR.finditer(view, lead.end(), start))
    if not separators:
        # in the cue's own first item: negated when the item is short enough to be one
        return start - lead.end() <= _LIST_ITEM_CHARS and _ITEM_CLAUSE.search(view, lead.end(), start) is None
    if separators[0].start() - lead.end() < 3:
        return False  # "No or only one ...": no item before the first "or"
    edges = [lead.end()] + [m.end() for m in separators]
    if any(b - a > _LIST_ITEM_CHARS for a, b in zip(edges, [m.start() for m in separators], strict=False)):
        return False  # a long stretch is a clause, not an item of the list
    if start - separators[-1].end() > _LIST_ITEM_CHARS:
        return False
    kinds = {_kind(view[a:b]) for a, b in zip(edges, [m.start() for m in separators], strict=False)}
    kinds.add(_kind(_phrase_words(view, separators[-1].end(), start, end)))
    kinds.discard(None)
    return len(kinds) <= 1


# An allowance stated after what it allows: "Patients whose disease is controlled under
# antiviral therapy should not be excluded." (the whole sentence is the exception).
_TRAILING_ALLOWANCE = re.compile(
    r"(?:^|(?<=[.;]\s))(?P<sentence>[^.;]*?\b(?:should|will|shall|are|is|need)\s+not\s+be\s+excluded"
    r"|[^.;]*?\b(?:are|is)\s+(?:also\s+)?(?:eligible|allowed|permitted|acceptable))\s*[.;]?\s*$",
    re.IGNORECASE,
)


def find_exceptions(text: str, offset: int = 0) -> tuple[StatedException, ...]:
    """The exceptions a criterion states, each from its cue to the end of its clause, and a
    closing sentence that allows something ("... should not be excluded.")."""
    view = matchable(text)
    trailing = _TRAILING_ALLOWANCE.search(view)
    if trailing is not None and trailing.start("sentence") > 0:
        start = trailing.start("sentence")
        start += len(view[start:]) - len(view[start:].lstrip())
        words = text[start : trailing.end("sentence")].strip()
        tail = (StatedException(text=words, span=Span(offset + start, offset + start + len(words))),)
        return _cue_exceptions(text[:start], view[:start], offset) + tail
    return _cue_exceptions(text, view, offset)


def _cue_exceptions(text: str, view: str, offset: int) -> tuple[StatedException, ...]:
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
