"""Time windows in criteria: "within 28 days prior to the first dose", "at least 6 months".

`find_windows(text)` returns every window with its span. The relation is "within" when the
text bounds how long ago something may have happened ("within", "in the last", "in the past",
"during the", "less than ... before"), "at_least" when it requires time to have passed ("at
least ... before", "more than ... since", "≥ ... prior to"), and "unstated" for a bare "4 weeks
prior to entry", which the rule reader interprets by the criterion's kind. Amounts are
normalised to days (a month is 30.44 days, a year 365.25).
"""

from __future__ import annotations

import re

from trialscout.eligibility.model import Span, TimeWindow
from trialscout.eligibility.text import matchable

DAYS_PER_UNIT = {
    "hour": 1 / 24,
    "day": 1.0,
    "week": 7.0,
    "month": 30.44,
    "year": 365.25,
}
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
    "a": 1,
    "an": 1,
}
_NUMBER = r"(?P<amount>\d+(?:[.,]\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNIT = r"(?P<unit>hours?|hrs?|days?|d|weeks?|wks?|months?|mos?|years?|yrs?)\b"
_WITHIN = (
    r"(?P<within>within(?:\s+the)?(?:\s+(?:last|past|previous|preceding|prior))?|in\s+the\s+(?:last|past|previous|preceding)"
    r"|during\s+the\s+(?:last|past|previous|preceding)|(?:less|fewer)\s+than|<|≤|<=|up\s+to|no\s+more\s+than)"
)
_AT_LEAST = (
    r"(?P<atleast>at\s+least|(?:more|greater|longer)\s+than|>|≥|>=|a\s+minimum\s+of|minimum\s+of|no\s+less\s+than"
    r"|(?:≥|>=)\s*)"
)
_ANCHOR = (
    r"(?:\s*\(?\s*(?P<parenthetical>\d+\s*\w+)\s*\)?)?"  # "six (6) months"
    r"(?:\s+(?P<preposition>of|before|prior\s+to|preceding|from|since|after|following|until)\s+"
    r"(?P<anchor>(?:the\s+)?(?:first|initial|start\s+of|initiation\s+of|beginning\s+of)?\s*(?:dose|administration|study\s+"
    r"(?:drug|treatment|entry|start|enrollment|enrolment|day\s*1|medication|intervention)|treatment|therapy|randomi[sz]ation"
    r"|registration|enrol(?:l)?ment|screening|day\s*1|cycle\s*1|consent|baseline|study\s+entry|inclusion)[\w\s]{0,25}?))?"
)
_WINDOW = re.compile(
    rf"(?:{_WITHIN}|{_AT_LEAST})?\s*{_NUMBER}\s*(?:\(\s*\d+\s*\)\s*)?-?\s*{_UNIT}{_ANCHOR}",
    re.IGNORECASE,
)


def _amount(text: str) -> float | None:
    cleaned = text.lower().replace(",", ".")
    if cleaned in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[cleaned])
    try:
        return float(cleaned)
    except ValueError:
        return None


def _unit(text: str) -> str:
    """'wks' -> 'week', 'mos' -> 'month', 'd' -> 'day' (by the first letter: h, d, w, m, y)."""
    return {"h": "hour", "d": "day", "w": "week", "m": "month", "y": "year"}[text[0].lower()]


def find_windows(text: str, offset: int = 0) -> list[TimeWindow]:
    """Every time window in ``text`` (spans shifted by ``offset``): those stated with a relation
    ("within", "at least", ...) or an anchor ("... before the first dose")."""
    view = matchable(text)
    windows = []
    for match in _WINDOW.finditer(view):
        within, at_least, anchor = match.group("within"), match.group("atleast"), match.group("anchor")
        preposition = (match.group("preposition") or "").lower()
        if not (within or at_least or (anchor and preposition != "of")):
            continue  # a bare duration ("6 months of therapy") is not a window
        amount = _amount(match.group("amount"))
        if amount is None:
            continue
        unit = _unit(match.group("unit"))
        if within:
            relation = "within"
        elif at_least:
            relation = "at_least"
        else:
            # "4 weeks prior to entry" alone: in an exclusion it usually means "within" (recent
            # exposure), in an inclusion "at least" (a washout); the rule reader decides by kind.
            relation = "unstated"
        windows.append(
            TimeWindow(
                relation=relation,
                amount=amount,
                unit=unit + "s",
                days=round(amount * DAYS_PER_UNIT[unit], 2),
                anchor=" ".join(anchor.split()).lower() if anchor else None,
                span=Span(offset + match.start(), offset + match.end()),
            )
        )
    return windows
