"""One criterion read once for the concept readers: its mentions, windows, exceptions, clauses.

`reading(text, view, kind)` gathers what every concept reader needs and caches it for the few
readers that run on the same criterion: the named conditions, drugs and procedures
(`mentions`), the time windows (`temporal`), the stated exceptions (`polarity`) widened to the
whole clause when the clause allows something ("patients with treated brain metastases are
eligible", "HIV with undetectable viral load allowed"), and a view for negation in which
"non-" prefixes and comparisons ("no more than", "not limited to") are not negations.

The helpers then answer the questions every reader asks about a phrase: in which sentence it
lies, whether an exception covers it, which window belongs to it, what the trial expects of
it, which exceptions follow it, and which of its words are parts of a rule.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import msgspec

from trialscout.eligibility.mentions import Mention, MentionKind, find_mentions
from trialscout.eligibility.model import (
    CriterionKind,
    Expect,
    Part,
    PartRole,
    Span,
    StatedException,
    TimeWindow,
)
from trialscout.eligibility.polarity import expect, find_exceptions, negated
from trialscout.eligibility.temporal import find_windows

ROLE = {
    MentionKind.CONDITION: PartRole.CONDITION,
    MentionKind.DRUG: PartRole.DRUG,
    MentionKind.PROCEDURE: PartRole.PROCEDURE,
}
# A line break inside one criterion is mostly the registry's wrapping: only a blank line or a
# new list item ends a sentence.
_LINE_BREAK = r"\n(?=\s*\n|[ \t]*(?:[-*•·]|\d{1,2}[.)]|\(?[a-z][.)])\s)"
_SENTENCE_BREAK = re.compile(r"\.(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\betc\.)(?=\s|$)|;|" + _LINE_BREAK)
# Words that look like negations but are not, blanked (same length) in the negation view.
_NOT_NEGATION = re.compile(
    r"\bnon-(?=\w)|\bno\s+(?:more|less|greater|longer|fewer)\s+than\b|\bnot\s+(?:more|less|greater|longer"
    r"|fewer)\s+than\b|\bnot\s+(?:be\s+)?limited\s+to\b|\bnot\s+exceed(?:ing)?\b|\bnot\s+to\s+exceed\b"
    r"|\bnot\s+otherwise\s+specified\b|\bwhether\s+or\s+not\b|\bor\s+not\b|\bif\s+not\b"
)
_ALLOWANCE = re.compile(
    r"\b(?:(?:is|are|will\s+be|would\s+be|shall\s+be)\s+(?:eligible|allowed|permitted|acceptable)(?!\s+(?:for|to)\b)"
    r"|(?:may|can|could|might)\s+(?:still\s+)?(?:be\s+)?(?:included|enrolled|eligible|allowed|permitted|considered"
    r"|participate|enter|enroll)(?!\s+(?:for|to)\b)"
    r"|(?:will|would)\s+(?:still\s+)?be\s+(?:included|enrolled|allowed|permitted|considered)(?!\s+(?:for|to)\b)"
    r"|(?:is|are)\s+not\s+(?:excluded|exclusionary)|will\s+not\s+be\s+excluded"
    r"|(?:allowed|permitted|acceptable|eligible)(?=\s*(?:[).;,:\n]|$)))",
)
_NEGATED_ALLOWANCE = re.compile(r"\b(?:not|no|nor|never|cannot)\s+(?:\w+\s+)?$|n't\s+$")
# Where an allowing clause starts: a sentence or list break, or a new subject after a comma.
_CLAUSE_START = re.compile(
    r"[.;:(]\s*|"
    + _LINE_BREAK
    + r"\s*|,\s*(?=(?:but\s+|however\s+|although\s+)?(?:patients?|subjects?|participants?|those|individuals"
    r"|people|persons|women|men|cases)\b)|\bbut\s+|\bhowever,?\s+",
)
# Words without which neither `find_exceptions` nor `_allowances` can find anything.
_EXCEPTION_GATE = re.compile(
    r"unless|except|exclu|other than|apart|aside|provid|long as|if (?:they|the|subj|pat)|eligib|allow|permit"
    r"|accept|includ|enrol|consider|particip|enter"
)
# Negations that `polarity.negated` does not know.
_MORE_NEGATION = re.compile(
    r"\b(?:non-?reactive|sero-?negative|clear\s+of|free\s+from|no\s+evidence|ruled?\s+out|ruling\s+out)\b"
)
# An inclusion that says what it excludes.
_EXCLUDED_HERE = re.compile(
    r"\b(?:will|are|is|shall|must)\s+(?:be\s+)?(?:excluded|ineligible|not\s+(?:be\s+)?(?:eligible|included|enrolled))\b"
)
_TIME_UNIT = re.compile(r"\b(?:hours?|hrs?|days?|weeks?|wks?|months?|mos?|years?|yrs?)\b|\dd\b")
_CLAUSE_END = re.compile(r"\.(?<!\be\.g\.)(?<!\bi\.e\.)(?=\s|$)|[;)]|" + _LINE_BREAK)


class Reading(msgspec.Struct, frozen=True, kw_only=True):
    """What the concept readers share about one criterion (offsets are into ``text``)."""

    text: str
    view: str
    lower: str  # `lowercase(view)`: where the patterns written in lowercase run
    kind: CriterionKind
    mentions: tuple[Mention, ...]
    windows: tuple[TimeWindow, ...]
    exceptions: tuple[StatedException, ...]
    negation_view: str
    breaks: tuple[int, ...]  # sentence break positions


@functools.lru_cache(maxsize=32)
def _shared(text: str, view: str) -> Reading:
    """What does not depend on the criterion's kind, for the few readers of one criterion."""
    lower = lowercase(view)
    negation_view = view
    for match in _NOT_NEGATION.finditer(lower):
        blank = " " * (match.end() - match.start())
        negation_view = negation_view[: match.start()] + blank + negation_view[match.end() :]
    return Reading(
        text=text,
        view=view,
        lower=lower,
        kind=CriterionKind.INCLUSION,
        mentions=tuple(find_mentions(text)),
        windows=_windows(text, lower),
        exceptions=_all_exceptions(text, lower) if _EXCEPTION_GATE.search(lower) else (),
        negation_view=negation_view,
        breaks=tuple(m.start() for m in _SENTENCE_BREAK.finditer(view)),
    )


def _windows(text: str, lower: str) -> tuple[TimeWindow, ...]:
    """`find_windows` run only around the words of time ("28 days", "6 months"): the same
    windows for a fraction of the cost on long criteria."""
    regions: list[list[int]] = []
    for unit in _TIME_UNIT.finditer(lower):
        start, end = max(0, unit.start() - 45), min(len(lower), unit.end() + 70)
        if regions and start <= regions[-1][1]:
            regions[-1][1] = end
        else:
            regions.append([start, end])
    found: dict[tuple[int, int], TimeWindow] = {}
    for start, end in regions:
        for window in find_windows(text[start:end], offset=start):
            if window.span is not None:
                found.setdefault((window.span.start, window.span.end), window)
    return tuple(found[key] for key in sorted(found))


def lowercase(text: str) -> str:
    """``text`` lowercased character for character: patterns written in lowercase run on it
    without re.IGNORECASE (several times faster), and its offsets are the text's."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lowercase is longer ("İ")
        lowered = "".join(c.lower()[:1] or c for c in text)
    return lowered


def reading(text: str, view: str, kind: CriterionKind) -> Reading:
    """One criterion read once for the concept readers (``view`` is `matchable(text)`)."""
    shared = _shared(text, view)
    return shared if shared.kind is kind else msgspec.structs.replace(shared, kind=kind)


def _allowances(text: str, lower: str) -> list[StatedException]:
    """Clauses that allow something: the whole clause, from its start to its end."""
    found = []
    for match in _ALLOWANCE.finditer(lower):
        if _NEGATED_ALLOWANCE.search(lower[max(0, match.start() - 30) : match.start()]):
            continue
        start = 0
        for boundary in _CLAUSE_START.finditer(lower, 0, match.start()):
            if boundary.group(0).startswith("(") and ")" in lower[boundary.end() : match.start()]:
                continue  # "(like RovaT) are allowed": the clause began before the parenthesis
            start = boundary.end()
        end_match = _CLAUSE_END.search(lower, match.end())
        end = end_match.start() if end_match else len(lower)
        words = text[start:end]
        stripped = words.strip()
        if stripped:
            offset = start + len(words) - len(words.lstrip())
            found.append(StatedException(text=stripped, span=Span(offset, offset + len(stripped))))
    return found


def _all_exceptions(text: str, lower: str) -> tuple[StatedException, ...]:
    """The criterion's exceptions and allowing clauses, without one inside another."""
    candidates = sorted(
        [*find_exceptions(text), *_allowances(text, lower)],
        key=lambda e: (e.span.start, -e.span.end),
    )
    kept: list[StatedException] = []
    for exception in map(_balanced, candidates):
        if kept and exception.span.start < kept[-1].span.end:
            if exception.span.end > kept[-1].span.end:  # overlapping: join the two
                last = kept[-1]
                joined = Span(last.span.start, exception.span.end)
                kept[-1] = StatedException(text=text[joined.start : joined.end], span=joined)
            continue
        kept.append(exception)
    return tuple(kept)


def _balanced(exception: StatedException) -> StatedException:
    """An exception cut before the bracket that closes the parenthesis it stands in: "(except
    replacement therapy)" -> "except replacement therapy"."""
    depth = 0
    for index, char in enumerate(exception.text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                words = exception.text[:index].rstrip()
                start = exception.span.start
                return StatedException(text=words, span=Span(start, start + len(words)))
    return exception


def excepted(reading: Reading, start: int, end: int) -> bool:
    """Whether the words at [start, end) lie in an exception or an allowing clause."""
    return any(e.span.start <= start and end <= e.span.end for e in reading.exceptions)


def sentence(reading: Reading, position: int) -> tuple[int, int]:
    """The [start, end) of the sentence (or list line) holding ``position``."""
    start, end = 0, len(reading.text)
    for brk in reading.breaks:
        if brk < position:
            start = brk + 1
        else:
            end = brk
            break
    return start, end


def is_negated(reading: Reading, start: int) -> bool:
    """Whether the phrase at ``start`` is negated: a NegEx cue before it ("no", "without",
    "nonreactive for", "clear of"), or, in an inclusion, a sentence that excludes it ("HIV
    positive patients will be excluded")."""
    if negated(reading.negation_view, start, kind=reading.kind):
        return True
    low, high = sentence(reading, start)
    if _MORE_NEGATION.search(reading.lower, max(low, start - 40), start):
        return True
    return (
        reading.kind is CriterionKind.INCLUSION
        and _EXCLUDED_HERE.search(reading.lower, low, high) is not None
    )


def expected(reading: Reading, start: int, *, flip: bool = False) -> Expect:
    """What the trial needs of the phrase at ``start``: the criterion's kind with its negation
    (``flip`` for a negation stated after the phrase: "HIV negative")."""
    return expect(reading.kind, is_negated(reading, start) != flip)


def window_for(reading: Reading, start: int, end: int) -> TimeWindow | None:
    """The window that belongs to the phrase at [start, end): the nearest in its sentence, out
    of exceptions, preferring one after it; an "unstated" relation read by the criterion's kind
    (an exclusion's "4 weeks before entry" is recent exposure, an inclusion's a washout)."""
    low, high = sentence(reading, start)
    best: tuple[float, TimeWindow] | None = None
    for window in reading.windows:
        if window.span is None or not (low <= window.span.start < high):
            continue
        if excepted(reading, window.span.start, window.span.end) and not excepted(reading, start, end):
            continue
        if window.span.start >= end:
            distance = float(window.span.start - end)
        elif window.span.end <= start:
            distance = (start - window.span.end) * 1.5
        else:
            distance = 0.0
        if best is None or distance < best[0]:
            best = (distance, window)
    if best is None:
        return None
    window = best[1]
    if window.relation == "unstated":
        relation = "within" if reading.kind is CriterionKind.EXCLUSION else "at_least"
        window = msgspec.structs.replace(window, relation=relation)
    return window


def exceptions_for(reading: Reading, start: int, stop: int | None = None) -> tuple[StatedException, ...]:
    """The exceptions that follow the phrase at ``start`` (up to ``stop``, where the next rule
    of the same reader begins)."""
    return tuple(
        e for e in reading.exceptions if e.span.start >= start and (stop is None or e.span.start < stop)
    )


def mentions_in(
    reading: Reading, start: int, end: int, kinds: Iterable[MentionKind] = tuple(MentionKind)
) -> list[Mention]:
    wanted = set(kinds)
    return [m for m in reading.mentions if m.kind in wanted and m.span.start < end and start < m.span.end]


def parts_for(
    reading: Reading,
    spans: Iterable[tuple[int, int]],
    window: TimeWindow | None = None,
    *,
    also: Iterable[Mention] = (),
    role: PartRole | None = None,
    extra: Iterable[Part] = (),
) -> tuple[Part, ...]:
    """The rule's parts: the mentions overlapping ``spans`` with their roles, the trigger spans
    themselves (as ``role``, when the lexicon has no mention there), the mentions ``also``
    named (in its exceptions), ``extra`` parts, and the window (TEMPORAL)."""
    parts: dict[tuple[int, int], Part] = {}
    for start, end in spans:
        covered = False
        for mention in mentions_in(reading, start, end):
            parts[(mention.span.start, mention.span.end)] = Part(ROLE[mention.kind], mention.span)
            covered = True
        if not covered and role is not None and end > start:
            parts[(start, end)] = Part(role, Span(start, end))
    for mention in also:
        parts.setdefault((mention.span.start, mention.span.end), Part(ROLE[mention.kind], mention.span))
    for part in extra:
        parts.setdefault((part.span.start, part.span.end), part)
    if window is not None and window.span is not None:
        parts[(window.span.start, window.span.end)] = Part(PartRole.TEMPORAL, window.span)
    return tuple(parts[key] for key in sorted(parts))


def exception_mentions(reading: Reading, exceptions: Iterable[StatedException]) -> list[Mention]:
    """Mentions named inside the given exceptions (parts of the rule they qualify)."""
    found = []
    for exception in exceptions:
        found.extend(mentions_in(reading, exception.span.start, exception.span.end))
    return found


def covering(*spans: tuple[int, int] | Span | None) -> Span:
    """The smallest span holding every given one."""
    pairs = [(s.start, s.end) if isinstance(s, Span) else s for s in spans if s is not None]
    return Span(min(p[0] for p in pairs), max(p[1] for p in pairs))


def left_context(reading: Reading, start: int, reach: int = 60) -> str:
    """The words before ``start`` within its sentence (at most ``reach`` characters), lowercase."""
    low, _ = sentence(reading, start)
    return reading.lower[max(low, start - reach) : start]


def right_context(reading: Reading, end: int, reach: int = 60) -> str:
    _, high = sentence(reading, end)
    return reading.lower[end : min(high, end + reach)]


class Claimed:
    """Spans already read into a rule by an earlier concept reader (a later one leaves them)."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []

    def add(self, start: int, end: int) -> None:
        self._spans.append((start, end))

    def overlaps(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self._spans)


_TREATED_BY = re.compile(
    r"(?:requir\w*|treated\s+(?:with|by)|controlled\s+(?:by|with|on)|managed\s+(?:by|with)|dependent\s+on"
    r"|-dependent|needing)\s+(?:\w+\s+){0,2}$"
)


def qualified_condition(reading: Reading, drug: Mention) -> Mention | None:
    """The condition a drug qualifies ("diabetes requiring insulin", "hypertension controlled
    with medication"): the drug is then part of the condition's rule, not a medication rule."""
    low, _ = sentence(reading, drug.span.start)
    window_start = max(low, drug.span.start - 45)
    if not _TREATED_BY.search(reading.lower, window_start, drug.span.start):
        return None
    before = [
        m
        for m in reading.mentions
        if m.kind is MentionKind.CONDITION and window_start <= m.span.end <= drug.span.start
    ]
    return before[-1] if before else None


# A criterion that defines a term used elsewhere ("Post-menopausal is defined as ...", "Adequate
# contraception is defined as ...", "Childbearing potential means ..."), not one that states a
# requirement through a definition ("Adequate hepatic function defined as bilirubin ≤ 1.5 mg/dL",
# "hypertension, which is defined as ...", "in women of childbearing potential defined as ...").
_TERM = r"(?:(?!(?:which|that|who|in|with|for|if)\b)[\w'/-]+\s+){0,7}?"
_NOT_A_TERM = frozenset(
    {
        *("by", "of", "effective", "acceptable", "adequate", "appropriate", "clinical", "radiographic"),
        *("endoscopic", "population", "available", "sole", "other", "reliable", "any", "barrier", "these"),
        *("the", "a", "an", "all", "approved", "suitable"),
    }
)
_DEFINES = re.compile(
    rf"^\W*(?:definitions?\b\s*(?:of\b|:)|{_TERM}(?:is|are)\s+(?:hereby\s+)?(?:defined|characteri[sz]ed)\s+(?:as|by)\b"
    rf"|(?P<term>{_TERM})(?:means|refers\s+to)\b(?!\s+of\b)|(?:(?:is|are)\s+)?defined\s+as\s*:)",
    re.IGNORECASE,
)
_REPRODUCTIVE_TERM = (
    r"(?:(?:post|pre|peri)[\s-]?menopaus\w*|menopaus\w*|(?:non[\s-]?)?child[\s-]?bearing(?:\s+potential)?|wocbp|focbp"
    r"|(?:in|non[\s-]?)?fertile|(?:surgically\s+)?steril\w*|contracepti\w*|birth\s+control|abstinen\w*"
    r"|reproductive\s+potential)"
)
_LEAD = r"(?:(?!(?:which|that|who|in|with|for|if|not|no|of|women|woman|females?)\b)[\w'/-]+\s+){0,2}?"
_SUBJECT = r"(?:an?\s+|the\s+)?(?:(?:wom[ae]n|females?|subjects?|patients?|participants?)\s+)?"
# "Post-menopausal defined as ...", "A woman is considered to be of childbearing potential if ...",
# "Highly effective methods of contraception include ...": a reproductive term is being defined.
_DEFINES_REPRODUCTIVE = re.compile(
    rf"^\W*(?:{_LEAD}{_REPRODUCTIVE_TERM}\s*(?:\([^()]{{0,30}}\)\s*)?(?:(?:is|are)\s+)?(?:defined|determined)\s+(?:as|by)\b"
    rf"|{_SUBJECT}(?:is|are)\s+(?:considered|deemed|regarded)\s+(?:to\s+be\s+|as\s+)?(?:of\s+|being\s+)?(?:not\s+)?(?:an?\s+)?"
    rf"(?:woman\s+of\s+|women\s+of\s+)?{_REPRODUCTIVE_TERM}"
    rf"|(?:\w+\s+){{0,4}}(?:methods?|forms?)\s+of\s+(?:\w+\s+){{0,2}}(?:contraception|birth\s+control)\s+(?:include|includes|consist|are\s*(?::|as\s+follows|the\s+following)))",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=1024)  # every quantity reader asks it of the same criterion
def is_definition(text: str) -> bool:
    """Whether a criterion's words define a term ("Post-menopausal is defined as ...", "Adequate
    contraception is defined as ...", "Childbearing potential means ...", "Definition of ...")
    rather than ask something of the patient.

    The rule: the criterion opens with the term (a few words, no clause of its own: "which",
    "that", "in", "with") and the verb that defines it ("is/are defined as/by", "means", "refers
    to"). "X defined as" without the verb is a requirement stated with its measure ("Adequate
    renal function defined as creatinine ≤ 1.5 mg/dL"), unless X is a reproductive term
    (menopause, childbearing potential, contraception, sterility), which trials define for the
    criteria that use it ("Postmenopausal defined as 12 months of amenorrhea"); "Premenopausal,
    defined by ..." (a comma) states the requirement, then says what it means."""
    view = text[:400]
    match = _DEFINES.match(view)
    if match and match.group("term") is not None:
        words = match.group("term").lower().split()
        if not words or words[-1] in _NOT_A_TERM:
            match = None
    return bool(match or _DEFINES_REPRODUCTIVE.match(view))
