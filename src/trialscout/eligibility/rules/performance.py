"""How well the patient is: performance status and life expectancy.

- `read_performance_status`: ECOG, Zubrod, GOG and WHO (0-5), Karnofsky and Lansky (0-100):
  "ECOG 0-1", "ECOG PS ≤ 2", "WHO performance status 0 - 1", "performance status of 0 or 1",
  "KPS ≥ 70%", "Karnofsky 70-100%", "Lansky ≥ 50 for patients < 16" -> one
  `PerformanceStatusRule` per scale named, with the requirement on the scale as written and on
  ECOG (Karnofsky and Lansky through the standard table: 100 <-> 0, 80-90 <-> 1, 60-70 <-> 2,
  40-50 <-> 3, 10-30 <-> 4, 0 <-> 5). A bare "performance status" is ECOG when its numbers are
  0-5 and Karnofsky when they are percentages.
- `read_life_expectancy`: "Life expectancy > 12 weeks", "≥ 3 months", "of at least 6 months",
  "expected survival of at least 3 months" -> `LifeExpectancyRule` in weeks.
"""

from __future__ import annotations

import re

from trialscout.eligibility.model import (
    Bound,
    CriterionKind,
    LifeExpectancyRule,
    Part,
    PartRole,
    PerformanceStatusRule,
    Rule,
    Span,
)
from trialscout.eligibility.polarity import expect
from trialscout.eligibility.rules.demographics import scoped_ages
from trialscout.eligibility.rules.thresholds import (
    COMPARATOR,
    lowered,
    negated_before,
    read_threshold,
    scale,
    threshold_pattern,
)

# ---------------------------------------------------------------------------------- performance status

_SCALE = re.compile(
    r"(?P<ECOG>\bEastern\s+Cooperative\s+Oncology\s+Group\b|\bECOG\b)"
    r"|(?P<ZUBROD>\bZubrod\b)"
    r"|(?P<SWOG>\bSouthwest\s+Oncology\s+Group\b|\bSWOG\b)"
    r"|(?P<GOG>\bGyna?ecologic\s+Oncology\s+Group\b|\bGOG\b)"
    r"|(?P<CTC>\bCTC\b)"
    r"|(?P<WHO>\bWHO\b|\bWorld\s+Health\s+Organi[sz]ation\b)"
    r"|(?P<KARNOFSKY>\bKarnofsky\b|\bKPS\b)"
    r"|(?P<LANSKY>\bLansky\b|\bLPS\b)"
    r"|(?P<BARE>\bperformance\s+(?:status|score|scale)\b|\bPS\b)",
    re.IGNORECASE,
)
_PS_HINT = re.compile(r"ecog|zubrod|swog|\bgog\b|\bctc\b|karnofsky|\bkps\b|lansky|\blps\b|performance|\bps\b")
# Between the words of one scale's name: "Eastern Cooperative Oncology Group (ECOG) performance status".
_JOIN = re.compile(r"[\s():\-/]*(?:\b(?:of|the|or)\b[\s():\-]*)?")
_FILLER = re.compile(
    r"(?:\s|[:=(),\-]|\b(?:of|score|scores|scale|status|grade|rating|level|must|should|be|is|are|has|have|with|a"
    r"|an|PS|the|performance|index|within|value|standard)\b)*",
    re.IGNORECASE,
)
_INLINE_NAME = re.compile(
    r"(?P<name>ECOG|WHO|Zubrod|SWOG|GOG|Karnofsky|KPS|Lansky|LPS)\b\s*(?:(?:PS|score|of)\b\s*)*",
    re.IGNORECASE,
)
_CMP = re.compile(COMPARATOR + r"\s*(?:to\s+|of\s+)?", re.IGNORECASE)
_SCORE = re.compile(r"(?P<n>\d{1,3})(?![\d.,]\d)(?:\s*(?P<pct>%|percent\b))?")
_LIST_SEP = re.compile(r"\s*(?:-|to|through|or|and|,|/|&)\s*(?:(?:or|and)\s+)?", re.IGNORECASE)
_POST = re.compile(
    r"\s*(?:(?P<ge>or\s+(?:more|greater|higher|better|above)|and\s+(?:above|higher|over)|\+)|"
    r"(?P<le>or\s+(?:less|lower|below|fewer)|and\s+below))",
    re.IGNORECASE,
)
_NAME_AFTER = re.compile(
    r"\s*\(\s*(?P<name>ECOG|WHO|Zubrod|SWOG|Karnofsky|KPS|Lansky|LPS|GOG)\b(?:\s+(?:scale|score|PS|performance"
    r"\s+status))?\s*\)",
    re.IGNORECASE,
)
_SCOPE_OPENER = re.compile(r"\s*(?:\(|,|;|\b(?:for|in|if|when|among)\b)", re.IGNORECASE)
_NAMES = {
    "ecog": "ECOG",
    "who": "WHO",
    "zubrod": "ZUBROD",
    "swog": "SWOG",
    "gog": "GOG",
    "karnofsky": "KARNOFSKY",
}
_NAMES |= {"kps": "KARNOFSKY", "lansky": "LANSKY", "lps": "LANSKY"}
_ZERO_TO_FIVE = ("ECOG", "WHO", "ZUBROD", "SWOG", "GOG", "CTC")
# Karnofsky (and Lansky) scores that each ECOG grade stands for.
_KARNOFSKY_OF_ECOG = {0: (100,), 1: (80, 90), 2: (60, 70), 3: (40, 50), 4: (10, 20, 30), 5: (0,)}


def ecog_of_karnofsky(score: Bound) -> Bound:
    """The ECOG grades whose Karnofsky scores meet ``score`` (any of them): KPS ≥ 70 -> ECOG 0-2."""
    grades = [g for g, scores in _KARNOFSKY_OF_ECOG.items() if any(score.contains(s) for s in scores)]
    if not grades:
        return Bound(low=0, high=5)
    return Bound(low=float(min(grades)), high=float(max(grades)))


class _Value:
    __slots__ = ("bound", "end", "name", "percent", "start")

    def __init__(self, bound: Bound, start: int, end: int, percent: bool, name: str | None = None) -> None:
        self.bound, self.start, self.end, self.percent, self.name = bound, start, end, percent, name


def _read_scores(view: str, position: int, limit: int) -> _Value | None:
    """The score requirement at ``position``: "0-1", "0, 1, or 2", "1 or 0", "≤ 2", "≥ 70%",
    "60% or more", "less than or equal to ECOG 2"."""
    comparator = _CMP.match(view, position)
    cursor = comparator.end() if comparator and comparator.group(0).strip() else position
    inline = _INLINE_NAME.match(view, cursor)
    name = _NAMES[inline.group("name").lower()] if inline else None
    first = _SCORE.match(view, inline.end() if inline else cursor)
    if first is None:
        return None
    scores = [int(first.group("n"))]
    percent = bool(first.group("pct"))
    end = first.end()
    if comparator and comparator.group(0).strip():
        value = float(scores[0])
        groups = comparator.groupdict()
        if groups.get("ge"):
            bound = Bound(low=value)
        elif groups.get("gt"):
            bound = Bound(low=value, low_inclusive=False)
        elif groups.get("le"):
            bound = Bound(high=value)
        elif groups.get("lt"):
            bound = Bound(high=value, high_inclusive=False)
        else:
            bound = Bound(low=value, high=value)
        return _Value(bound, position, end, percent, name)
    while end < limit:
        separator = _LIST_SEP.match(view, end)
        following = _SCORE.match(view, separator.end()) if separator and separator.group(0) else None
        if following is None:
            break
        number = int(following.group("n"))
        if number > 5 >= max(scores) and not percent:
            break  # "ECOG 0-1, 18 years or older": the list ends before the age
        scores.append(number)
        percent = percent or bool(following.group("pct"))
        end = following.end()
    if len(scores) == 1:
        post = _POST.match(view, end)
        if post is None:
            return None  # a bare number: "ECOG 1" is not a requirement we can bound
        end = post.end()
        value = float(scores[0])
        bound = Bound(low=value) if post.group("ge") else Bound(high=value)
        return _Value(bound, position, end, percent, name)
    return _Value(Bound(low=float(min(scores)), high=float(max(scores))), position, end, percent, name)


def _scale_of(match: re.Match[str]) -> str:
    return match.lastgroup or "BARE"


def read_performance_status(text: str, view: str, kind: CriterionKind) -> list[Rule]:
    """One `PerformanceStatusRule` per scale with a stated requirement."""
    if not _PS_HINT.search(lowered(view)):
        return []
    mentions = list(_SCALE.finditer(view))
    rules: list[Rule] = []
    index = 0
    consumed = 0
    while index < len(mentions):
        group = [mentions[index]]
        while index + 1 < len(mentions) and _JOIN.fullmatch(
            view, group[-1].end(), mentions[index + 1].start()
        ):
            index += 1
            group.append(mentions[index])
        index += 1
        if group[0].start() < consumed:
            continue
        names = [_scale_of(m) for m in group if _scale_of(m) != "BARE"]
        bare = len(names) < len(group)
        filler = _FILLER.match(view, group[-1].end())
        position = filler.end() if filler else group[-1].end()
        limit = mentions[index].start() if index < len(mentions) else len(view)
        value = _read_scores(view, position, limit)
        if value is None:
            continue
        scale_name = names[0] if names else value.name
        if names in (["WHO"], ["CTC"]) and not bare and not _who_is_performance(view, group[0].start()):
            continue  # "WHO grade 2" is a tumour grade, "CTC count" circulating tumour cells
        named_after = _NAME_AFTER.match(view, value.end)
        if scale_name is None and named_after:
            scale_name = _NAMES[named_after.group("name").lower()]
        if scale_name is None:
            high = value.bound.high if value.bound.high is not None else value.bound.low
            scale_name = "KARNOFSKY" if value.percent or (high is not None and high >= 10) else "ECOG"
        if not _valid(scale_name, value.bound):
            continue
        ecog = value.bound if scale_name in _ZERO_TO_FIVE else ecog_of_karnofsky(value.bound)
        ages, end = _ages_after(view, value.end, limit)
        consumed = max(end, named_after.end() if named_after else 0)
        start = group[0].start()
        parts = (
            Part(PartRole.MEASUREMENT, Span(start, group[-1].end())),
            Part(PartRole.VALUE, Span(value.start, value.end)),
        )
        rules.append(
            PerformanceStatusRule(
                expect=expect(kind, negated_before(view, start)),
                span=Span(start, end if ages is not None else value.end),
                parts=parts,
                scale=scale_name,
                score=value.bound,
                ecog=ecog,
                ages=ages,
            )
        )
    return rules


def _who_is_performance(view: str, start: int) -> bool:
    return (
        re.search(r"performance|\bPS\b|ecog|karnofsky", view[max(0, start - 40) : start + 60], re.I)
        is not None
    )


def _valid(scale_name: str, bound: Bound) -> bool:
    top = 5 if scale_name in _ZERO_TO_FIVE else 100
    return all(v is None or 0 <= v <= top for v in (bound.low, bound.high))


def _ages_after(view: str, position: int, limit: int) -> tuple[Bound | None, int]:
    """The ages a score applies to, when stated right after it: "for patients < 16 years",
    "(over age 16)", "(ages 6-16)"."""
    opener = _SCOPE_OPENER.match(view, position)
    if opener is None:
        return None, position
    closing = view.find(")", opener.end(), limit)
    end = min(closing if closing != -1 else limit, opener.end() + 60, limit)
    found = scoped_ages(view, opener.end(), end)
    if found is None:
        return None, position
    ages, words_end = found
    if closing != -1 and words_end <= closing and not view[words_end:closing].strip(" ,.of"):
        words_end = closing + 1
    return ages, words_end


# ------------------------------------------------------------------------------------ life expectancy

_LIFE = re.compile(
    r"\b(?:(?:estimated|expected|anticipated|predicted|projected)\s+)?(?:life[\s-]+expectancy|life[\s-]+span)\b"
    r"|\b(?:expected|estimated|anticipated|predicted)\s+(?:survival|to\s+(?:survive|live))\b"
    r"|\bsurvival\s+(?:expectancy|prognosis)\b|\bprognosis\b",
    re.IGNORECASE,
)
_LIFE_HINT = re.compile(r"expectancy|surviv|to\s+live|prognosis|life[\s-]+span")
_TIME_UNIT = r"(?:weeks?|wks?|months?|mos?(?![a-z])|mths?|years?|yrs?|days?)"
_LIFE_VALUE = re.compile(
    r"[^\d;.]{0,45}?(?P<t>" + threshold_pattern(_TIME_UNIT) + ")",
    re.IGNORECASE,
)
_LIFE_BEFORE = re.compile(r"(?P<t>" + threshold_pattern(_TIME_UNIT) + r")\s+(?:of\s+)?$", re.IGNORECASE)
_WEEKS_PER = {"w": 1.0, "m": 30.44 / 7, "y": 365.25 / 7, "d": 1 / 7}


def read_life_expectancy(text: str, view: str, kind: CriterionKind) -> list[Rule]:
    """A stated life expectancy, in weeks."""
    if not _LIFE_HINT.search(lowered(view)):
        return []
    rules: list[Rule] = []
    for mention in _LIFE.finditer(view):
        value = _LIFE_VALUE.match(view, mention.end())
        threshold = read_threshold(value, "t") if value else None
        if value is not None and threshold is not None and threshold.unit:
            start, end = mention.start(), threshold.end
        else:
            before = _LIFE_BEFORE.search(view, max(0, mention.start() - 40), mention.start())
            threshold = read_threshold(before, "t") if before else None
            if threshold is None or not threshold.unit:
                continue
            start, end = threshold.start, mention.end()
        if not threshold.directed:
            continue
        weeks = scale(threshold.bound, _WEEKS_PER.get(threshold.unit.strip().lower()[:1], 1.0), 2)
        rules.append(
            LifeExpectancyRule(
                expect=expect(kind, negated_before(view, start)),
                span=Span(start, end),
                parts=tuple(
                    sorted(
                        (
                            Part(PartRole.MEASUREMENT, Span(mention.start(), mention.end())),
                            Part(PartRole.VALUE, Span(threshold.start, threshold.end)),
                        ),
                        key=lambda p: p.span.start,
                    )
                ),
                weeks=weeks,
            )
        )
        break
    return rules


READERS = [read_performance_status, read_life_expectancy]
