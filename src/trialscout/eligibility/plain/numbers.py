"""Numbers, bounds, performance status and lab values in plain words.

- `bound_words`: "at least 1.5 × 10⁹/L", "more than 50 mL/min", "less than 3 times ULN";
- `performance_sentence`: the ECOG/WHO grades in the scale's standard wording, plainly (Oken et
  al. 1982): 0 "fully active", 1 "able to carry out light work", 2 "able to look after myself
  and up and about for more than half of my waking hours", 3 "... only partly ...", 4
  "completely disabled"; Karnofsky and Lansky by their lowest accepted score;
- `score_bound`: "0-1", "0 or 1", "at most 2", "at least 70%" read as a bound;
- `lab_sentences`: required lab values grouped by organ ("my kidneys work well enough
  (creatinine clearance more than 50 mL/min)");
- `window_words`, `listing`, `article`: small helpers of phrasing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from trialscout.eligibility.model import Bound, LabRule, TimeWindow
from trialscout.eligibility.plain.text import protect, tidy
from trialscout.eligibility.plain.voice import Voice
from trialscout.model.labs import plain_name

# --- numbers and bounds -------------------------------------------------------------------------


def number(value: float) -> str:
    """18.0 -> "18", 1.5 -> "1.5", 100000 -> "100,000"."""
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer():
        whole = int(value)
        return f"{whole:,}" if abs(whole) >= 10000 else str(whole)
    return f"{value:.3g}" if abs(value) < 1 else f"{value:g}"


def bound_words(bound: Bound, unit: str = "") -> str:
    """'at least 1.5 × 10⁹/L', 'more than 50 mL/min', 'between 18 and 75', 'less than 3 times ULN'."""
    low, high = bound.low, bound.high

    def with_unit(value: float) -> str:
        if unit == "xULN":
            return "ULN" if value == 1 else f"{number(value)} times ULN"
        if not unit:
            return number(value)
        shown = tidy(unit)
        if shown.startswith(("%", "/")):
            return f"{number(value)}{shown}"
        if shown.startswith("10"):
            return f"{number(value)} × {shown}"
        return f"{number(value)} {shown}"

    if low is not None and high is not None:
        if low == high:
            return with_unit(low)
        if bound.low_inclusive and bound.high_inclusive:
            return f"between {with_unit(low)} and {with_unit(high)}"
        lo = "at least" if bound.low_inclusive else "more than"
        hi = "at most" if bound.high_inclusive else "less than"
        return f"{lo} {with_unit(low)} and {hi} {with_unit(high)}"
    if low is not None:
        return f"{'at least' if bound.low_inclusive else 'more than'} {with_unit(low)}"
    if high is not None:
        return f"{'at most' if bound.high_inclusive else 'less than'} {with_unit(high)}"
    return "any value"


# --- performance status ----------------------------------------------------------------------------

#: The ECOG/WHO grades in plain words ({self}: "myself"/"yourself", {my}: "my"/"your").
ECOG_PLAIN = {
    0: "fully active",
    1: "able to carry out light work",
    2: "able to look after {self} and up and about for more than half of {my} waking hours",
    3: "able to look after {self} only partly and in a bed or chair for more than half of {my} waking hours",
    4: "completely disabled and in a bed or chair all the time",
}
#: What is lost at each grade (for "you cannot join if ..."): the grade below no longer holds.
ECOG_LOST = {
    1: "not fully active",
    2: "not able to carry out light work",
    3: "not able to look after {self} or in a bed or chair for more than half of {my} waking hours",
    4: "completely disabled",
    5: "not alive",
}
KARNOFSKY_PLAIN = {
    100: "able to carry on normal activity with no signs of illness",
    90: "able to carry on normal activity, with at most minor signs of illness",
    80: "able to carry on normal activity, with effort if needed",
    70: "able to look after {self}, even if not able to carry on normal activity or do active work",
    60: "able to look after most of {my} own needs, with occasional help",
    50: "needing at most considerable help and frequent medical care",
}


def _person(words: str, voice: Voice) -> str:
    first = voice is Voice.FIRST
    return words.format(self="myself" if first else "yourself", my="my" if first else "your")


def _grades(bound: Bound, top: int = 4) -> list[int]:
    low = 0 if bound.low is None else bound.low
    high = top if bound.high is None else bound.high
    return [
        g
        for g in range(top + 1)
        if (g > low or (g == low and bound.low_inclusive))
        and (g < high or (g == high and bound.high_inclusive))
    ]


def _scale_label(scale: str) -> str:
    upper = scale.upper()
    return {"KARNOFSKY": "Karnofsky", "LANSKY": "Lansky", "ZUBROD": "Zubrod"}.get(upper, upper)


def _range_label(grades: list[int]) -> str:
    if not grades:
        return "(none)"
    if len(grades) == 1:
        return str(grades[0])
    if grades == list(range(grades[0], grades[-1] + 1)):
        return f"{grades[0]}-{grades[-1]}"
    return ", ".join(str(g) for g in grades)


def ecog_sentence(grades: list[int], voice: Voice, scale: str = "ECOG") -> str:
    """'I am fully active or able to carry out light work (ECOG 0-1)' for grades [0, 1]."""
    label = protect(f"({_scale_label(scale)} {_range_label(grades)})")
    i, am = ("I", "am") if voice is Voice.FIRST else ("you", "are")
    if not grades:
        return f"{i} {am} at the required performance status {label}"
    if grades[0] == 0 and len(grades) <= 2:
        words = " or ".join(ECOG_PLAIN[g] for g in grades)
    elif grades[0] == 0 and grades[-1] < 4:
        words = f"at least {ECOG_PLAIN[grades[-1]]}"
    else:
        words = " or ".join(ECOG_PLAIN[g] for g in grades if g in ECOG_PLAIN)
    return f"{i} {am} {_person(words, voice)} {label}"


def ecog_excluded(low: int, voice: Voice, scale: str = "ECOG") -> str:
    """'you are not able to carry out light work (ECOG 2 or higher)' for an exclusion of ECOG >= 2."""
    i, am = ("I", "am") if voice is Voice.FIRST else ("you", "are")
    words = ECOG_LOST.get(low, f"at grade {low} or higher")
    return f"{i} {am} {_person(words, voice)} {protect(f'({_scale_label(scale)} {low} or higher)')}"


def karnofsky_sentence(low: float, voice: Voice, scale: str = "KARNOFSKY") -> str:
    """'I am able to look after myself, ... (Karnofsky 70 or higher)'."""
    i, am = ("I", "am") if voice is Voice.FIRST else ("you", "are")
    label = protect(f"({_scale_label(scale)} score {number(low)} or higher)")
    level = int(low // 10 * 10)
    if scale.upper() == "KARNOFSKY" and level in KARNOFSKY_PLAIN:
        return f"{i} {am} at least {_person(KARNOFSKY_PLAIN[level], voice)} {label}"
    my = "my" if voice is Voice.FIRST else "your"
    explained = "(how well a person can do everyday activities)"
    return f"{my} {_scale_label(scale)} score {explained} is at least {number(low)}"


_SCORE_RANGE = re.compile(
    r"^(?:of\s+|score\s+of\s+|:\s*|=\s*|is\s+|must\s+be\s+)?"
    r"(?:(?P<a>\d{1,3})\s*%?\s*(?:-|to|or|,)\s*(?:\d{1,3}\s*(?:,\s*(?:or\s+)?|or\s+))?(?P<b>\d{1,3})\s*%?"
    r"|at\s+most\s+(?P<le>\d{1,3})|less\s+than\s+(?P<lt>\d{1,3})|at\s+least\s+(?P<ge>\d{1,3})\s*%?"
    r"|more\s+than\s+(?P<gt>\d{1,3})\s*%?|(?P<one>\d{1,3})\s*%?)"
    r"(?:\s+or\s+(?:less|lower|better|below))?(?P<ormore>\s+or\s+(?:more|higher|greater|above))?\s*$",
    re.IGNORECASE,
)


def score_bound(words: str) -> Bound | None:
    """'0-1' -> [0, 1]; 'at most 2' -> [.., 2]; 'at least 70' -> [70, ..]; None when not a range."""
    match = _SCORE_RANGE.match(words.strip())
    if match is None:
        return None
    if match.group("a") is not None:
        first, second = sorted((float(match.group("a")), float(match.group("b"))))
        return Bound(low=first, high=second)
    if match.group("le") is not None:
        return Bound(high=float(match.group("le")))
    if match.group("lt") is not None:
        return Bound(high=float(match.group("lt")), high_inclusive=False)
    if match.group("ge") is not None:
        return Bound(low=float(match.group("ge")))
    if match.group("gt") is not None:
        return Bound(low=float(match.group("gt")), low_inclusive=False)
    value = float(match.group("one"))
    if match.group("ormore"):
        return Bound(low=value)
    return Bound(low=value, high=value) if value <= 5 else Bound(low=value)


def performance_sentence(scale: str, score: Bound, wanted: bool, voice: Voice) -> str:
    """The clause for a performance-status requirement (``wanted``) or exclusion (not wanted)."""
    if scale.upper() in {"KARNOFSKY", "LANSKY"}:
        if wanted and score.low is not None and score.high in (None, 100.0):
            return karnofsky_sentence(score.low, voice, scale)
        my = "my" if voice is Voice.FIRST else "your"
        verb = "is" if wanted else "is not"
        return (
            f"{my} {_scale_label(scale)} score (how well a person can do everyday activities) "
            f"{verb} {bound_words(score)}"
        )
    grades = _grades(score)
    if wanted:
        return ecog_sentence(grades, voice, scale)
    if grades and grades[-1] == 4 and grades == list(range(grades[0], 5)):
        return ecog_excluded(grades[0], voice, scale)
    i, am = ("I", "am") if voice is Voice.FIRST else ("you", "are")
    return f"{i} {am} at {_scale_label(scale)} performance status {_range_label(grades)}"


# --- labs ------------------------------------------------------------------------------------------

_ORGANS = {
    "kidneys": (("creatinine", "creatinine_clearance", "egfr", "gfr"), "my kidneys work well enough"),
    "liver": (
        ("bilirubin", "total_bilirubin", "direct_bilirubin", "ast", "alt", "alp", "alkaline_phosphatase"),
        "my liver works well enough",
    ),
    "blood": (
        ("anc", "neutrophils", "platelets", "hemoglobin", "haemoglobin", "wbc"),
        "my blood counts are high enough",
    ),
    "clotting": (("inr", "pt", "ptt", "aptt"), "my blood clots normally"),
    "heart": (("lvef",), "my heart pumps well enough"),
}
#: Whether a good result lies below (a marker of damage) or above (a count, a clearance) the bound.
_GOOD_IS_HIGH = {
    "anc",
    "neutrophils",
    "platelets",
    "hemoglobin",
    "haemoglobin",
    "wbc",
    "creatinine_clearance",
    "egfr",
    "gfr",
    "lvef",
    "albumin",
}


def _organ(rule: LabRule) -> str | None:
    key = rule.analyte.lower()
    for _, (analytes, words) in _ORGANS.items():
        if key in analytes:
            good_high = key in _GOOD_IS_HIGH
            fits = (
                (rule.bound.low is not None and rule.bound.high is None)
                if good_high
                else (rule.bound.high is not None and rule.bound.low is None)
            )
            return words if fits else None
    return None


def lab_sentences(rules: Sequence[LabRule], voice: Voice) -> list[str]:
    """Required lab values, grouped by organ: 'my kidneys work well enough (creatinine clearance
    more than 50 mL/min)'."""
    groups: dict[str, list[str]] = {}
    plain: list[str] = []
    for rule in rules:
        detail = f"{plain_name(rule.analyte)} {bound_words(rule.bound, rule.unit)}"
        organ = _organ(rule)
        if organ is None:
            my = "my" if voice is Voice.FIRST else "your"
            plain.append(f"{my} {plain_name(rule.analyte)} is {bound_words(rule.bound, rule.unit)}")
        else:
            groups.setdefault(organ, []).append(detail)
    out = []
    for organ, details in groups.items():
        said = organ if voice is Voice.FIRST else organ.replace("my ", "your ", 1)
        out.append(f"{said} ({', '.join(details)})")
    return out + plain


# --- windows, lists, articles --------------------------------------------------------------------------


def window_words(window: TimeWindow | None) -> str:
    """'in the 28 days before the first dose', 'at least 6 months before randomization'."""
    if window is None:
        return ""
    amount = number(window.amount)
    unit = window.unit if window.amount != 1 else window.unit.rstrip("s")
    anchor = f"before {window.anchor}" if window.anchor else "ago" if window.relation == "at_least" else ""
    if window.relation == "within":
        return f"in the {amount} {unit} {anchor}".rstrip() if anchor else f"in the last {amount} {unit}"
    if window.relation == "at_least":
        return f"at least {amount} {unit} {anchor}".rstrip()
    return f"{amount} {unit} {anchor}".rstrip()


def listing(items: Sequence[str], conjunction: str = "or") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return items[0] if items else ""
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def article(words: str) -> str:
    """'a' or 'an' before words ('an EGFR mutation', 'a PD-1 inhibitor', 'an active infection')."""
    first = words.split(" ", 1)[0] if words else ""
    if not first:
        return "a"
    if first.isupper() and len(first) > 1:
        return "an" if first[0] in "AEFHILMNORSX" else "a"
    return "an" if first[0].lower() in "aeiou" else "a"
