"""Numbers, comparators and intervals in criteria words: the grammar the quantity readers share.

`threshold_pattern(unit)` builds the pattern of a stated threshold with the units of one kind of
quantity: "≥ 1,500/mm3", "at least 9 g/dL", "between 18 and 75", "0-1", "2 to < 18",
"2.5 × ULN or less", "no greater than 2.0". `read_threshold(match)` turns a match into a
`Threshold`: the bound as the words say it (not yet converted), the units as written, its span.
`number(text)` reads "1,500", "100 000", "1,5" (a decimal comma) and "twice".

`lowered(view)` is the view in lower case, shared by the readers' cheap keyword checks.

`negated_before(view, start, floor)` is NegEx over a quantity's words: a negation cue in the
same clause before ``start`` (never before ``floor``), where the comparators that say "no more
than" or "not less than" are not negations.
"""

from __future__ import annotations

import functools
import re

import msgspec

from trialscout.eligibility.model import Bound
from trialscout.eligibility.polarity import negated

_GE = (
    r"≥|⩾|≧|>\s*=|=\s*>|>\s*/\s*=|>\s*or\s*=|"
    r"(?:greater|more|higher|larger|bigger)\s+(?:than\s+)?or\s+equals?\s*(?:to|than)?|"
    r"equal\s+(?:to\s+)?or\s+(?:greater|more|higher|larger|above)(?:\s+than)?|"
    r"(?:not|no)\s+(?:less|lower|fewer|smaller)\s+than|at\s+least|(?:a\s+)?minimum\s+(?:of\s+)?"
)
_LE = (
    r"≤|⩽|≦|<\s*=|=\s*<|<\s*/\s*=|<\s*or\s*=|"
    r"(?:less|lower|fewer|smaller)\s+(?:than\s+)?or\s+equals?\s*(?:to|than)?|"
    r"equal\s+(?:to\s+)?or\s+(?:less|lower|below|fewer|smaller)(?:\s+than)?|"
    r"(?:not|no)\s+(?:greater|more|higher|larger|bigger)\s+than|(?:not|never)\s+(?:exceeding|to\s+exceed)|"
    r"(?:does|do|should|must|shall|will|may)\s+not\s+exceed|at\s+most|up\s+to|(?:a\s+)?maximum\s+(?:of\s+)?"
)
_GT = r">|(?:greater|more|higher|larger|bigger)\s+than|above|over|exceeding|exceeds?|in\s+excess\s+of"
_LT = r"<|(?:less|lower|fewer|smaller)\s+than|below|under"
_EQ = r"=|equal\s+to|equals"
#: A comparator; the named group that matched says which: ge, le, gt, lt or eq.
COMPARATOR = rf"(?:(?P<ge>{_GE})|(?P<le>{_LE})|(?P<gt>{_GT})|(?P<lt>{_LT})|(?P<eq>{_EQ}))"
_CMP2 = rf"(?:(?P<ge2>{_GE})|(?P<le2>{_LE})|(?P<gt2>{_GT})|(?P<lt2>{_LT}))"
_POST = (
    r"(?:(?P<post_ge>or\s+(?:more|greater|higher|above|over|older|larger)(?:\s+than)?|"
    r"and\s+(?:over|above|older|greater|more|up|higher)|or\s+(?:older|greater)|\+|minimum|min\b)"
    r"|(?P<post_le>(?:or|and)\s+(?:less|lower|below|under|younger|fewer|smaller)(?:\s+than)?|maximum|max\b))"
)
_WORD_NUMBERS = {
    "one": 1.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
    "seven": 7.0,
    "eight": 8.0,
    "nine": 9.0,
    "ten": 10.0,
    "twelve": 12.0,
    "eighteen": 18.0,
    "twice": 2.0,
    "thrice": 3.0,
}
#: A number: "1,500", "100 000", "1.5", "1,5", ".5", or a number word ("three", "twice").
NUMBER = (
    r"(?:\d{1,3}(?:,\d{3})+(?![\d])(?:\.\d+)?|\d{1,3}(?:\s\d{3})+(?![\d.,])|\d+(?:[.,]\d+)?|\.\d+"
    r"|(?:" + "|".join(_WORD_NUMBERS) + r")\b(?:\s*\(\s*\d+\s*\))?)"
)
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


@functools.lru_cache(maxsize=16)
def lowered(view: str) -> str:
    """``view`` in lower case, computed once for all the readers of one criterion: their keyword
    checks run on it with case-sensitive patterns, several times faster than IGNORECASE."""
    return view.lower()


def number(text: str) -> float | None:
    """The value of a number as written: "1,500" -> 1500, "1,5" -> 1.5, "100 000" -> 100000."""
    cleaned = text.strip().lower()
    head = cleaned.split("(")[0].strip()
    if head in _WORD_NUMBERS:
        return _WORD_NUMBERS[head]
    if _THOUSANDS.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".").replace(" ", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def is_word_number(text: str) -> bool:
    return text.strip().lower().split("(")[0].strip() in _WORD_NUMBERS


def threshold_pattern(unit: str, *, between_and: bool = True) -> str:
    """The pattern of a threshold whose units match ``unit`` (a pattern; may match nothing).

    Groups: the comparator's (ge, le, gt, lt, eq), n1 and u1, an optional range's n2, u2 and its
    own comparator (ge2, le2, gt2, lt2), a postfix comparator (post_ge, post_le), ``between``."""
    sep = r"(?P<sep>-|to|through|and)" if between_and else r"(?P<sep>-|to|through)"
    return (
        rf"(?:{COMPARATOR}\s*(?:to\s+|of\s+|:\s*)?)?(?P<between>(?:between|from)\s+)?"
        rf"(?P<n1>{NUMBER})(?:\s*(?P<u1>{unit}))?"
        rf"(?:\s*{sep}\s*(?:{_CMP2}\s*)?(?P<n2>{NUMBER})(?:\s*(?P<u2>{unit}))?)?"
        rf"(?:\s*{_POST}(?![\w]))?"
    )


class Threshold(msgspec.Struct, frozen=True, kw_only=True):
    """A threshold as written: the bound on the number as stated (units not converted), the
    units' words (``unit``, None when unstated), its span, and the numbers' words."""

    bound: Bound
    unit: str | None
    start: int
    end: int
    words: tuple[str, ...]
    directed: bool  # a comparator or a range says which side is bounded


def read_threshold(match: re.Match[str], group: str | int = 0) -> Threshold | None:
    """The threshold a `threshold_pattern` match states (in ``group`` of it, when the pattern
    has words around it), or None when its words do not make one (a range whose ends are
    reversed, a number that cannot be read, ...)."""
    groups = match.groupdict()
    begin = match.start(group)
    first = number(groups["n1"])
    if first is None:
        return None
    unit = groups.get("u1") or groups.get("u2")
    n2 = groups.get("n2")
    between = groups.get("between")
    second = number(n2) if n2 else None
    words = tuple(w for w in (groups["n1"], n2) if w)
    if any(is_word_number(w) for w in words) and not unit:
        return None  # "one measurable lesion", "two lines": a number word with no unit is no threshold
    end = match.end(group)
    conjunction = (groups.get("ge") or groups.get("gt")) and (groups.get("le2") or groups.get("lt2"))
    if n2 is not None and (groups.get("sep") or "").lower() == "and" and not (between or conjunction):
        # "18 and 65" without "between" is no range: the threshold is its first number
        n2, second, words = None, None, words[:1]
        unit = groups.get("u1")
        end = match.end("u1") if unit else match.end("n1")
        if not any(groups.get(g) for g in ("ge", "gt", "le", "lt", "eq")):
            return None
    if second is not None:
        if second < first:
            return None
        low_inclusive = not groups.get("gt")
        high_inclusive = not groups.get("lt2")
        bound = Bound(low=first, high=second, low_inclusive=low_inclusive, high_inclusive=high_inclusive)
        return Threshold(bound=bound, unit=unit, start=begin, end=end, words=words, directed=True)
    post_ge = groups.get("post_ge") and end == match.end(group)
    post_le = groups.get("post_le") and end == match.end(group)
    if groups.get("ge") or post_ge:
        bound = Bound(low=first)
    elif groups.get("gt"):
        bound = Bound(low=first, low_inclusive=False)
    elif groups.get("le") or post_le:
        bound = Bound(high=first)
    elif groups.get("lt"):
        bound = Bound(high=first, high_inclusive=False)
    elif groups.get("eq"):
        bound = Bound(low=first, high=first)
    else:
        return Threshold(
            bound=Bound(low=first, high=first),
            unit=unit,
            start=begin,
            end=end,
            words=words,
            directed=False,
        )
    return Threshold(bound=bound, unit=unit, start=begin, end=end, words=words, directed=True)


def scale(bound: Bound, factor: float, digits: int = 4) -> Bound:
    """A bound with both ends multiplied by ``factor`` (a unit conversion), rounded."""

    def times(value: float | None) -> float | None:
        return None if value is None else round(value * factor, digits)

    return msgspec.structs.replace(bound, low=times(bound.low), high=times(bound.high))


_COMPARATOR_NEGATION = re.compile(
    r"\b(?:not|no|never)\s+(?:(?:more|greater|less|higher|lower|fewer|larger|smaller|bigger)\s+than"
    r"|exceed(?:ing)?|to\s+exceed|above|below|over|under)\b|\b(?:does|do|should|must|shall|will|may)\s+not\s+exceed",
    re.IGNORECASE,
)
# Comparators ("no more than") and compound words ("non-Hodgkin", "non-small cell") are no negations.
_NOT_A_NEGATION = re.compile(rf"{_COMPARATOR_NEGATION.pattern}|\bnon(?=[\s-]*\w)", re.IGNORECASE)
_BREAK = re.compile(r"[;:]|\.(?:\s|$)")


def negated_before(view: str, start: int, floor: int = 0) -> bool:
    """Whether a negation cue governs the words at ``start`` (NegEx, comparators excluded): in
    the same clause, at most about ten words before, never before ``floor``."""
    window_start = max(floor, start - 60, 0)
    before = view[window_start:start]
    breaks = list(_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end() :]
    if not before.strip():
        return False
    before = _NOT_A_NEGATION.sub(lambda m: " " * len(m.group(0)), before)
    return negated(before, len(before))
