"""Who may take part: age, sex, and pregnancy, breast-feeding and contraception.

- `read_age`: "Age ≥ 18 years", "aged 18 to 75", "18 years of age or older", "≥18 years old",
  "Adults (≥ 18 years)", "older than 65", "Age: 18 and over", "children 2 to < 18 years" ->
  `AgeRule` in years (months, weeks and days converted). An age that scopes another requirement
  ("Lansky ≥ 50 for patients < 16") is not an age rule.
- `read_sex`: a criterion that restricts participation by sex ("Female patients aged ...",
  "Postmenopausal women", "Sex: Male", "must be male") -> `SexRule`; not "men and women", not
  "women of childbearing potential must use contraception" (that is reproductive).
- `read_reproductive`: one `ReproductiveRule` per state named: "pregnant" (pregnancy, a
  pregnancy test: a requirement to test is a requirement not to be pregnant), "breastfeeding"
  (lactating, nursing), "contraception" (unwilling to use contraception, in an exclusion, means
  the trial needs it: PRESENT), "childbearing_potential" when it is itself the requirement
  ("Women of childbearing potential" as an exclusion); when it only says whom another
  requirement concerns ("WOCBP must use ..."), it is that rule's ``applies_to``.
"""

from __future__ import annotations

import bisect
import re

from trialscout.eligibility.model import (
    AgeRule,
    Bound,
    CriterionKind,
    Expect,
    Part,
    PartRole,
    ReproductiveRule,
    Rule,
    SexRule,
    Span,
)
from trialscout.eligibility.polarity import expect, list_cut, list_negated
from trialscout.eligibility.rules.either import ABOVE, BELOW, between
from trialscout.eligibility.rules.thresholds import (
    Threshold,
    lowered,
    negated_before,
    number,
    read_threshold,
    scale,
    threshold_pattern,
)


def _negated(
    view: str,
    start: int,
    end: int,
    kind: CriterionKind,
    floor: int = 0,
    *,
    extra: bool = False,
    lists: bool = True,
) -> bool:
    """NegEx over the words at [start, end) (comparators are no negations), with the reach of a
    negation in a list (`polarity`): "No informed consent, pregnancy" leaves "pregnancy" as it
    is; an inclusion's "No pregnant females, nursing mothers, ..." negates every item (with
    ``lists``: an age or a sex is no item of such a list)."""
    if (negated_before(view, start, floor) or extra) and not list_cut(view, start, end):
        return True
    return lists and kind is CriterionKind.INCLUSION and list_negated(view, start, end)


# ---------------------------------------------------------------------------------------------- age

_AGE_UNIT = (
    r"(?:\+\s*)?(?:-\s*)?"
    r"(?:years?|yrs?|y\.?\s?o\.?(?![a-z])|y(?![a-z])|months?|mos?(?![a-z])|weeks?|wks?|days?)"
)
_AGE_THRESHOLD = re.compile(threshold_pattern(_AGE_UNIT), re.IGNORECASE)
_AGE_HINT = re.compile(
    r"\bage|\bold|young|adult|child|pediatric|paediatric|adolescen|infant|neonat|newborn|bab[yi]|toddler|\by\.?\s?o\b|year|\byrs?\b|\dy"
)
_OLDER_THAN = re.compile(r"\b(?:(?P<older>older)|younger)\s+than\b", re.IGNORECASE)
_PERSON = (
    r"adults?|patients?|subjects?|participants?|children|child|adolescents?|teenagers?|men|women|males?|females?"
    r"|individuals?|persons?|people|volunteers?|infants?|neonates?|newborns?|boys?|girls?|pts|candidates?"
)
_GAP = (
    r"(?:\s|[:=,()\-]|\b(?:of|is|are|must|should|will|be|at|the|time|screening|enrol+ment|entry|consent|diagnosis"
    r"|registration|randomi[sz]ation|inclusion|study|signing|informed|range|group|limits?|in|years|aged|age"
    r"|between|from|day|visit)\b)*"
)
_LEFT_CUE = re.compile(
    rf"(?:\b(?P<age>age[ds]?|ages)\b|\b(?P<person>{_PERSON})\b)(?P<gap>{_GAP})$", re.IGNORECASE
)
_AGE_WORD = re.compile(r"\bage[ds]?\b|\bages\b", re.IGNORECASE)
_NOT_AGE_BEFORE = re.compile(
    r"(?:child[\s-]?bearing|reproductive|gestational|bone|skeletal|menstrual|mental|post[\s-]?menstrual"
    r"|corrected|conceptional)[\s-]*$",
    re.IGNORECASE,
)
_PRE_COMPARATOR = re.compile(
    r"(?:(?P<ge>at\s+least|(?:at\s+or\s+)?above|≥|>=|over\s+or\s+at)|(?P<gt>over|above|>|beyond)"
    r"|(?P<le>at\s+most|≤|<=)|(?P<lt>under|below|<))\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_SCOPE_BEFORE = re.compile(
    r"\b(?:for|if|in|when|among|unless|except|whereas)\s+(?:[\w-]+\s+){0,2}$", re.IGNORECASE
)
_AGE_TAIL = re.compile(
    r"\s*(?:-\s*)?(?P<ofage>of\s+age|old|y\.?\s?o\.?(?![a-z]))?"
    r"(?:\s*,?\s*(?:(?P<tge>(?:or|and)\s+(?:older|over|above|more|greater|up))|(?P<tle>(?:or|and)\s+(?:younger|under|below|less))))?",
    re.IGNORECASE,
)
_BULLET_ONLY = re.compile(r"\s*(?:[-*•·>]|\(?\d{1,2}[.)]|\(?[a-hA-H][.)])?\s*")
_DURATION_AFTER = re.compile(
    r"\s*(?:of\s+(?!age)|since|after|before|prior|ago|from|post|duration|history|follow|disease|without|in\s|on\s"
    r"|with\s|of$|previous|earlier|apart|between\s+(?:doses|visits))",
    re.IGNORECASE,
)
_GESTATION = re.compile(
    r"[^.;,]{0,40}?\b(?:gestation\w*|EGA|GA|post[\s-]?(?:conception\w*|menstrual)|PMA|PCA|corrected|sonogra\w*"
    r"|ultrasound|trimester)\b",
    re.IGNORECASE,
)
_TERM_BEFORE = re.compile(r"\b(?:(?:full|pre|post)[\s-]?)?term\s+$|\bprematur\w*\s+$", re.IGNORECASE)
_BETWEEN_BEFORE = re.compile(r"\bbetween\s+(?:the\s+)?(?:ages?\s+(?:of\s+)?)?$", re.IGNORECASE)
_PERCENT_AFTER = re.compile(r"\s*%")
# "an injury over 4 weeks old", "scars > 360 days old": the age of a thing, not of the patient
_THING_BEFORE = re.compile(
    r"\b(?:injur(?:y|ies)|fractures?|scars?|wounds?|lesions?|tears?|symptoms?|clots?|thromb\w*|samples?"
    r"|specimens?|tissues?|tattoos?|burns?|ulcers?|bites?|infarcts?|trauma|blocks?|biops(?:y|ies)|scans?"
    r"|images?|results?|data|embryos?|eggs?|grafts?|implants?|sutures?|stents?|bleed\w*)\b[^.;,]*$",
    re.IGNORECASE,
)
_CONNECTOR = re.compile(r"\s*(?:,|and|but|to|-)?\s*(?:age[ds]?\s*)?$", re.IGNORECASE)


def _years_per(unit: str | None) -> float:
    if not unit:
        return 1.0
    letter = unit.strip(" -").lower()[:1]
    return {"m": 1 / 12, "w": 7 / 365.25, "d": 1 / 365.25}.get(letter, 1.0)


_YOUNG = re.compile(r"infants?|neonates?|newborns?|babies|baby|toddlers?|children|child", re.IGNORECASE)


def _young_person(word: str | None) -> bool:
    """Infants and children: their ages are stated in months, weeks and days as well as years."""
    return bool(word) and _YOUNG.fullmatch(word) is not None  # type: ignore[arg-type]


def _is_years(unit: str | None) -> bool:
    return bool(unit) and unit.strip(" -").lower()[:1] == "y"  # type: ignore[union-attr]


def _direct_bound(groups: dict[str, str | None], value: float) -> Bound | None:
    if groups.get("ge"):
        return Bound(low=value)
    if groups.get("gt"):
        return Bound(low=value, low_inclusive=False)
    if groups.get("le"):
        return Bound(high=value)
    if groups.get("lt"):
        return Bound(high=value, high_inclusive=False)
    return None


def _older_than(view: str) -> tuple[str, set[int]]:
    """The view with "older than"/"younger than" written as ">"/"<" (same length), and where."""
    marks: set[int] = set()

    def sign(match: re.Match[str]) -> str:
        marks.add(match.start())
        return (">" if match.group("older") else "<").ljust(len(match.group(0)))

    return _OLDER_THAN.sub(sign, view), marks


def read_age(text: str, view: str, kind: CriterionKind) -> list[Rule]:
    """Age limits: one `AgeRule` per stated limit (a range is one rule, an "either" range two)."""
    lower = lowered(view)
    if not _AGE_HINT.search(lower) or "lansky" in lower:
        return []  # with Lansky, ages say which scale applies ("Lansky for patients < 16")
    age_view, older_marks = _older_than(view) if "than" in lower else (view, set())
    rules: list[AgeRule] = []
    if " or " in lower or "/" in lower:
        either, age_view = _either_ages(view, age_view, kind)
        rules.extend(either)
    for match in _AGE_THRESHOLD.finditer(age_view):
        rule = _age_rule(view, age_view, match, match.start() in older_marks, kind, scoped=False)
        if rule is not None:
            rules.append(rule)
    return _merge_ages(sorted(rules, key=lambda r: r.span.start), age_view)


def scoped_ages(view: str, start: int, end: int) -> tuple[Bound, int] | None:
    """The ages that a requirement is for, stated in ``view[start:end]`` ("for patients < 16",
    "(over age 16)", "(ages 6-16)"): the bound in years and where its words end."""
    age_view, older_marks = _older_than(view[:end])
    for match in _AGE_THRESHOLD.finditer(age_view, start):
        rule = _age_rule(
            view, age_view, match, match.start() in older_marks, CriterionKind.INCLUSION, scoped=True
        )
        if rule is not None:
            return rule.years, rule.span.end
    return None


def _age_rule(
    view: str, age_view: str, match: re.Match[str], older: bool, kind: CriterionKind, *, scoped: bool
) -> AgeRule | None:
    """The age limit a number states, if its words make it an age ("age", "aged", "years old",
    "adults (≥ 18 years)", "older than"), else None. An age that scopes another requirement
    ("for patients < 16") is no limit, unless ``scoped`` says such an age is what is sought."""
    threshold = _mixed_units(match, age_view) or read_threshold(match)
    if threshold is None:
        return None
    start, end, unit, bound = threshold.start, threshold.end, threshold.unit, threshold.bound
    if _PERCENT_AFTER.match(age_view, end):
        return None  # "(no more than 10% of the volunteers ...)"
    cue = _LEFT_CUE.search(age_view, max(0, start - 48), start)
    person: Span | None = None
    age_word = None
    span_start = start
    if cue:
        if _NOT_AGE_BEFORE.search(age_view, max(0, cue.start() - 20), cue.start()):
            return None  # "childbearing age", "gestational age", "bone age"
        if not scoped and _SCOPE_BEFORE.search(age_view, max(0, cue.start() - 30), cue.start()):
            return None  # "for patients < 16 years", "in females over age 12": a scope, not a limit
        # the words that name the age: "age"/"aged" nearest the number, else the person ("adults")
        age_word = _AGE_WORD.search(age_view, cue.start(), cue.end())
        person = (
            Span(age_word.start(), age_word.end())
            if age_word
            else Span(cue.start("person"), cue.end("person"))
        )
        span_start = person.start
        if age_word and not threshold.directed and unit is None:
            pre = _PRE_COMPARATOR.search(age_view, max(0, person.start - 25), person.start)
            direct = _direct_bound(pre.groupdict(), bound.low or 0.0) if pre else None
            if pre and direct:
                bound, span_start = direct, pre.start()  # "over the age of 18"
    tail = _AGE_TAIL.match(age_view, end)
    ofage = bool(tail and tail.group("ofage"))
    directed_tail = bool(tail and (tail.group("tge") or tail.group("tle")))
    tail_end = tail.end() if tail and (ofage or directed_tail) else end
    if tail and directed_tail and not threshold.directed:
        bound = Bound(low=bound.low) if tail.group("tge") else Bound(high=bound.low)
    if unit and "+" in unit and not threshold.directed:
        bound = Bound(low=bound.low)  # "18+ years"
    directed = threshold.directed or bound.low != bound.high
    duration_after = _DURATION_AFTER.match(age_view, tail_end) is not None
    if age_word:
        accepted = True
    elif older or ofage or (directed_tail and unit):
        accepted = (not duration_after or ofage) and not _THING_BEFORE.search(
            age_view, max(0, start - 40), start
        )
    elif person is not None:
        young = (  # "Term infant (>= 37 weeks by sonogram)" is a gestational age
            _young_person(age_view[person.start : person.end])
            and not _GESTATION.match(age_view, end)
            and not _TERM_BEFORE.search(age_view, max(0, person.start - 12), person.start)
        )
        accepted = (scoped or _is_years(unit) or (young and unit is not None)) and not duration_after
    else:
        initial = _BULLET_ONLY.fullmatch(age_view, 0, start) is not None
        accepted = initial and _is_years(unit) and directed and not duration_after
    if not accepted or not directed:
        return None
    years = scale(bound, _years_per(unit), 3)
    if any(v is not None and not 0 <= v <= 120 for v in (years.low, years.high)):
        return None
    parts = [Part(PartRole.VALUE, Span(start, tail_end if directed_tail else end))]
    if person is not None:
        parts.insert(0, Part(PartRole.PERSON, person))
    elif ofage and tail:
        parts.append(Part(PartRole.PERSON, Span(tail.start("ofage"), tail.end("ofage"))))
    span = Span(min(span_start, start), max(tail_end, end))
    return AgeRule(
        expect=expect(kind, _negated(view, span.start, span.end, kind, lists=False)),
        span=span,
        parts=tuple(parts),
        years=years,
    )


def _mixed_units(match: re.Match[str], age_view: str) -> Threshold | None:
    """A range whose ends have units of their own ("6 months to 10 years", "between 28 days and
    18 years"), each end in its own unit, in years; None when the units are one or unstated."""
    groups = match.groupdict()
    first_unit, second_unit, n1, n2 = groups.get("u1"), groups.get("u2"), groups["n1"], groups.get("n2")
    if not (first_unit and second_unit and n2) or _years_per(first_unit) == _years_per(second_unit):
        return None
    between = groups.get("between") or _BETWEEN_BEFORE.search(
        age_view, max(0, match.start() - 30), match.start()
    )
    if (groups.get("sep") or "").lower() == "and" and not between:
        return None  # "6 months and 2 years" without "between" is no range
    low, high = number(n1), number(n2)
    if low is None or high is None:
        return None
    low, high = round(low * _years_per(first_unit), 3), round(high * _years_per(second_unit), 3)
    if high < low:
        return None
    bound = Bound(
        low=low, high=high, low_inclusive=not groups.get("gt"), high_inclusive=not groups.get("lt2")
    )
    return Threshold(
        bound=bound, unit="years", start=match.start(), end=match.end(), words=(n1, n2), directed=True
    )


# "below 35 or above 86", "< 18 or > 75 years", "younger than 18 or older than 65" (written "<"
# and ">" in the age view), "less than 3 years or 21 years or more": two limits, either of
# which the words allow (an inclusion) or rule out (an exclusion); never one bound.
_SIDE_TAIL = r"(?:\s*-?\s*(?:old|of\s+age)\b)?"
_EITHER_SIDE = (
    r"(?:(?P<{n}below>{below})|(?P<{n}above>{above}))\s*(?:the\s+age\s+of\s+)?(?P<{n}n>\d{{1,3}}(?:\.\d+)?)(?![\d.,%])"
    r"(?:\s*(?P<{n}u>" + _AGE_UNIT + r"))?" + _SIDE_TAIL
)
_EITHER = re.compile(
    _EITHER_SIDE.format(n="a", below=BELOW, above=ABOVE)
    + r"\s*,?\s*(?:or|and/or|/)\s*(?:(?:an?\s+)?age[ds]?\s+(?:of\s+)?)?"
    + r"(?:(?P<post_n>\d{1,3}(?:\.\d+)?)(?:\s*(?P<post_u>"
    + _AGE_UNIT
    + r"))?"
    + _SIDE_TAIL
    + r"\s*(?:or|and)\s+(?:(?P<post_above>older|over|above|more|greater)"
    + r"|(?P<post_below>younger|under|below|less))\b"
    + r"|"
    + _EITHER_SIDE.format(n="b", below=BELOW, above=ABOVE)
    + r")",
    re.IGNORECASE,
)
_EITHER_HINT = re.compile(r"\bor\b|/")


def _either_ages(view: str, age_view: str, kind: CriterionKind) -> tuple[list[AgeRule], str]:
    """Ages stated as two limits either of which is meant: two rules, and the age view with their
    words blanked (so that the range reader does not read them again as one bound)."""
    found: list[AgeRule] = []
    for match in _EITHER.finditer(age_view):
        first_below = bool(match.group("abelow"))
        if match.group("post_n"):
            second_below = bool(match.group("post_below"))
            second_n, second_u = match.group("post_n"), match.group("post_u")
            second_start = match.start("post_n")
        else:
            second_below = bool(match.group("bbelow"))
            second_n, second_u = match.group("bn"), match.group("bu")
            second_start = match.start("bbelow") if second_below else match.start("babove")
        if first_below == second_below:
            continue  # "< 18 or < 20": no pair of limits
        unit = match.group("au") or second_u
        second_unit = second_u or match.group("au")
        first, second = number(match.group("an")), number(second_n)
        if first is None or second is None:
            continue
        first, second = first * _years_per(unit), second * _years_per(second_unit)
        low_end, high_end = (first, second) if first_below else (second, first)
        if not low_end < high_end:
            continue  # "under 65 or over 18" is no pair of ages either side of a range
        if not _either_is_age(age_view, match.start(), match.end(), unit or second_unit):
            continue
        negation = _negated(view, match.start(), match.end(), kind, lists=False)
        first_end = _side_end(age_view, match.start(), second_start)
        limits = [
            (
                Span(match.start(), first_end),
                first,
                first_below,
                match.group("abelow") or match.group("aabove"),
            ),
            (
                Span(second_start, match.end()),
                second,
                second_below,
                match.group("bbelow") or match.group("babove"),
            ),
        ]
        sides: list[AgeRule] = []
        for span, value, below, comparator in limits:
            strict = comparator is not None and _STRICT.fullmatch(comparator.strip()) is not None
            years_value = round(value, 3)
            if not 0 <= years_value <= 120:
                break
            bound = (
                Bound(high=years_value, high_inclusive=not strict)
                if below
                else Bound(low=years_value, low_inclusive=not strict)
            )
            sides.append(
                AgeRule(
                    expect=expect(kind, negation), span=span, parts=(Part(PartRole.VALUE, span),), years=bound
                )
            )
        if len(sides) == 2 and kind is CriterionKind.INCLUSION and negation:
            # "not younger than 18 or older than 75": the range between, required
            low_side, high_side = sides if first_below else sides[::-1]
            sides = [
                AgeRule(
                    expect=Expect.PRESENT,
                    span=Span(match.start(), match.end()),
                    parts=tuple(p for side in sides for p in side.parts),
                    years=between(low_side.years, high_side.years),
                )
            ]
        found.extend(sides)
        age_view = age_view[: match.start()] + " " * (match.end() - match.start()) + age_view[match.end() :]
    return found, age_view


_STRICT = re.compile(r"<|>|under|below|over|above|beyond|(?:less|more|greater)\s+than", re.IGNORECASE)


def _side_end(age_view: str, start: int, second_start: int) -> int:
    """Where the first limit's words end: before the "or" that joins it to the second."""
    words = age_view[start:second_start]
    joined = re.search(
        r"\s*,?\s*(?:or|and/or|/)\s*(?:(?:an?\s+)?age[ds]?\s+(?:of\s+)?)?$", words, re.IGNORECASE
    )
    return start + (joined.start() if joined else len(words.rstrip()))


def _either_is_age(age_view: str, start: int, end: int, unit: str | None) -> bool:
    """Whether two limits are ages: "age" or a person just before them, or years after them."""
    cue = _LEFT_CUE.search(age_view, max(0, start - 48), start)
    if cue and not _NOT_AGE_BEFORE.search(age_view, max(0, cue.start() - 20), cue.start()):
        if _SCOPE_BEFORE.search(age_view, max(0, cue.start() - 30), cue.start()):
            return False
        if cue.group("age") or _is_years(unit) or _young_person(cue.group("person")):
            return _DURATION_AFTER.match(age_view, end) is None
    initial = _BULLET_ONLY.fullmatch(age_view, 0, start) or _NEGATED_START.fullmatch(age_view, 0, start)
    return bool(initial) and _is_years(unit) and _DURATION_AFTER.match(age_view, end) is None


_NEGATED_START = re.compile(r"\W*(?:not|no)\s+", re.IGNORECASE)


def _merge_ages(rules: list[AgeRule], view: str) -> list[Rule]:
    """ "≥ 18 years and < 75 years", "18 or older and younger than 70": one range."""
    merged: list[Rule] = []
    for rule in rules:
        previous = merged[-1] if merged else None
        if (
            isinstance(previous, AgeRule)
            and previous.years.high is None
            and rule.years.low is None
            and previous.years.low is not None
            and rule.years.high is not None
            and previous.years.low <= rule.years.high
            and _CONNECTOR.fullmatch(view[previous.span.end : rule.span.start])
        ):
            years = Bound(
                low=previous.years.low,
                low_inclusive=previous.years.low_inclusive,
                high=rule.years.high,
                high_inclusive=rule.years.high_inclusive,
            )
            merged[-1] = AgeRule(
                expect=previous.expect,
                span=Span(previous.span.start, rule.span.end),
                parts=previous.parts + rule.parts,
                years=years,
            )
        else:
            merged.append(rule)
    return merged


# ---------------------------------------------------------------------------------------------- sex

_SEX = re.compile(
    r"\b(?:(?P<female>females?|wom[ae]n|girls?)|(?P<male>males?|m[ae]n|boys?))\b"
    r"(?:\s+(?:patients?|subjects?|participants?|volunteers?|individuals?|persons?|adults?|children|only))*",
    re.IGNORECASE,
)
_SEX_HINT = re.compile(r"male|wom[ae]n|\bm[ae]n\b|girl|boy")
_LABEL = re.compile(r"\s*:")
_MODIFIER = (
    r"healthy|normal|adult|adults|post-?menopausal|pre-?menopausal|peri-?menopausal|menopausal|elderly|older"
    r"|young|ambulatory|only|all|caucasian|asian|japanese|chinese|korean|african|american|black|white|hispanic"
    r"|latina?|non-?pregnant|must|be|is|are|a|an|the|patients?|subjects?|participants?|volunteers?|biological"
    r"|obese|overweight|sedentary|inclusion|criteria|eligible|either"
)
_HEAD = re.compile(
    rf"\s*(?:[-*•·>]|\(?\d{{1,2}}[.)]|\(?[a-hA-H][.)])?\s*(?:(?:sex|gender)\s*[:=]?\s*)?(?:(?:{_MODIFIER})[\s,:-]+){{0,5}}",
    re.IGNORECASE,
)
_ONLY_SEX = re.compile(
    r"(?:\b(?:must\s+be|only|exclusively|(?:sex|gender)\s*[:=]?)\s+(?:an?\s+)?$)",
    re.IGNORECASE,
)
_REPRODUCTIVE_WORDS = re.compile(
    r"pregnan|lactat|breast[\s-]?fe|nursing|contracep|child[\s-]?bearing|reproductive|steril|birth\s+control"
    r"|fertil|partner|sperm|condom|abstinen|wocbp|procreat",
    re.IGNORECASE,
)
_SEX_FOLLOW = re.compile(
    r"\s*(?:[,(;.]|$|aged?\b|between\b|\d|≥|>|only\b|with\b(?!\s+(?:reproductive|child|partner)))", re.I
)
_QUALIFIED = re.compile(
    r"menopaus|pregnan|lactat|nursing|obese|overweight|sedentary|young|elderly|older|healthy|ambulatory", re.I
)
_EXCLUSION_FOLLOW = re.compile(r"\s*(?:[,(;.]|$|only\b|(?:sex|gender)\b)", re.I)


def read_sex(text: str, view: str, kind: CriterionKind) -> list[Rule]:
    """A restriction of participation to one sex (or, in an exclusion, of one sex)."""
    if not _SEX_HINT.search(lowered(view)):
        return []
    mentions = list(_SEX.finditer(view))
    if not mentions:
        return []
    sexes = {"FEMALE" if m.group("female") else "MALE" for m in mentions}
    if len(sexes) != 1:
        return []  # "male or female", "men and women": no restriction
    reproductive = _REPRODUCTIVE_WORDS.search(view) is not None
    for mention in mentions:
        head = _HEAD.fullmatch(view, 0, mention.start()) is not None
        only = _ONLY_SEX.search(view, max(0, mention.start() - 30), mention.start()) is not None
        only = only or mention.group(0).lower().endswith("only")
        if not (head or only) or (_LABEL.match(view, mention.end()) and not only):
            continue  # "Female patients: history of ..." labels the points under it
        if reproductive and not _SEX_FOLLOW.match(view, mention.end()):
            continue
        if kind is CriterionKind.EXCLUSION and not (only or _EXCLUSION_FOLLOW.match(view, mention.end())):
            continue  # "Male patients with ...": excludes some men, not all
        if kind is CriterionKind.EXCLUSION and _QUALIFIED.search(view, 0, mention.start()):
            continue  # "Premenopausal women": excludes some women (the state's rule says which), not all
        span = Span(mention.start(), mention.end())
        return [
            SexRule(
                expect=expect(kind, _negated(view, mention.start(), mention.end(), kind, lists=False)),
                span=span,
                parts=(Part(PartRole.PERSON, span),),
                sex=sexes.pop(),
            )
        ]
    return []


# ---------------------------------------------------------------------------------------- reproductive

_STATE = re.compile(
    r"(?P<pregnant>\bpregnan(?:t|cy|cies)\b(?![\s-]+(?:related|induced|associated|outcomes?|loss|complications?"
    r"|registry|rates?|history|weeks?)))"
    r"|(?P<breastfeeding>\bbreast[\s-]?feed(?:ing|s)?\b|\bbreast[\s-]?fed\b|\blactat(?:ing|ion)\b"
    r"|\bnursing\b(?!\s+(?:home|facilit|staff|care|student|assess|intervention|record|center|centre|personnel"
    r"|school|unit|diagnos|process|team|service)))"
    r"|(?P<contraception>\bcontracepti(?:on|ves?)\b|\bbirth[\s-]control\b)"
    r"|(?P<childbearing_potential>\b(?:child[\s-]?bearing|reproductive|procreative)\s+(?:potential|age|capacity)\b"
    r"|\bWOCBP\b|\bFOCBP\b|\bpotentially\s+fertile\b)",
    re.IGNORECASE,
)
_STATE_HINT = re.compile(
    r"pregnan|feed|fed\b|lactat|nursing|contracep|birth|bearing|reproductive|cbp|fertile"
)
_TEST_AFTER = re.compile(r"[\s-]*(?:\((?:[^()]{0,30})\)\s*)?(?:tests?|testing|screen\w*)", re.IGNORECASE)
_EXTRA_NEGATION = re.compile(
    r"\b(?:unwilling\w*|refus\w*|unable|inability|fail\w*|inadequate|ineffective|insufficient|stop\w*|discontinu\w*"
    r"|ceas\w*|interrupt\w*|avoid\w*|terminat\w*|postpon\w*|delay\w*|prevent\w*|non)\b",
    re.IGNORECASE,
)
_DEONTIC = re.compile(
    r"\b(?:must|should|shall|may|can|will|need\s+to|needs\s+to|ha(?:ve|s)\s+to)(?P<neg>\s+not|n't)?\s+"
    r"(?:(?:be|use|have|practi[cs]e|remain|agree\s+to\s+use|currently)\s+)+(?:\w+\s+){0,4}$",
    re.IGNORECASE,
)
_CONDITIONAL = re.compile(r"\b(?:if|should|in\s+case|in\s+the\s+event|whether|unless|once)\b", re.IGNORECASE)
_COORDINATION = re.compile(r"[\s,/]*(?:(?:or|and|nor|and/or)\b[\s,/]*)?(?:(?:currently|are|is|be)\s+)*", re.I)
_SENTENCE_BREAK = re.compile(r"[;]|\.(?:\s|$)")
_CLAUSE_BREAK = re.compile(r"[,;:]|\.(?:\s|$)")
_MALE = re.compile(r"\b(?:males?|men|man|fathers?)\b", re.IGNORECASE)
_FEMALE = re.compile(r"\b(?:females?|wom[ae]n|girls?)\b(?!\s+partners?)", re.IGNORECASE)
_PARTNER_OF = re.compile(r"partners?\s+(?:who\s+(?:are|is)\s+)?(?:of\s+)?$", re.IGNORECASE)
_SCOPE_AFTER = re.compile(
    r"[\s,()A-Za-z]{0,12}?\b(?:must|should|need|needs|required?|agree|agrees|willing|will|have\s+to|has\s+to|who"
    r"|that|may|can|:)\b",
    re.IGNORECASE,
)
_ROLE = {
    "pregnant": PartRole.CONDITION,
    "breastfeeding": PartRole.CONDITION,
    "contraception": PartRole.PROCEDURE,
    "childbearing_potential": PartRole.PERSON,
}


def _last_break_end(ends: list[int], start: int) -> int:
    """The end of the last break before ``start`` (0 when none), from the breaks' ends in order."""
    index = bisect.bisect_right(ends, start) - 1
    return ends[index] if index >= 0 else 0


def read_reproductive(text: str, view: str, kind: CriterionKind) -> list[Rule]:
    """Pregnancy, breast-feeding, contraception, childbearing potential: one rule per state."""
    if not _STATE_HINT.search(lowered(view)):
        return []
    mentions = list(_STATE.finditer(view))
    if not mentions:
        return []
    rules: dict[str, ReproductiveRule] = {}
    previous_end, previous_verdict = -1, Expect.PRESENT
    sentence_ends = [found.end() for found in _SENTENCE_BREAK.finditer(view)]
    clause_ends = [found.end() for found in _CLAUSE_BREAK.finditer(view)]
    last_other_state = max(
        (i for i, m in enumerate(mentions) if m.lastgroup != "childbearing_potential"), default=-1
    )
    for index, mention in enumerate(mentions):
        if len(rules) == len(_ROLE):
            break  # one rule per state, all found
        state = mention.lastgroup or ""
        start, end = mention.start(), mention.end()
        sentence_start = _last_break_end(sentence_ends, start)
        clause_start = _last_break_end(clause_ends, start)
        floor = max(sentence_start, previous_end if previous_end >= 0 else 0)
        coordinated = (
            previous_end >= sentence_start and _COORDINATION.fullmatch(view, previous_end, start) is not None
        )
        window = view[max(floor, start - 60) : start]
        is_negated = _negated(view, start, end, kind, floor, extra=_EXTRA_NEGATION.search(window) is not None)
        # "must not be pregnant", "must use contraception" state the requirement in any section
        deontic = _DEONTIC.search(view, max(floor, start - 60), start)
        test = _TEST_AFTER.match(view, end) if state == "pregnant" else None
        if test:
            end = test.end()
            verdict = Expect.ABSENT  # a pregnancy test is there to show the patient is not pregnant
        elif coordinated and not is_negated and not deontic:
            verdict = previous_verdict  # "not pregnant or nursing", "may not be pregnant or lactating"
        elif deontic:
            verdict = Expect.ABSENT if deontic.group("neg") or is_negated else Expect.PRESENT
        else:
            verdict = expect(kind, is_negated)
        previous_end, previous_verdict = end, verdict
        if state in rules:
            continue  # one rule per state: its first mention
        if state != "childbearing_potential" and _CONDITIONAL.search(
            view, max(clause_start, start - 80), start
        ):
            continue  # "should a woman become pregnant ...", "if pregnancy is a risk"
        if state == "childbearing_potential":
            partner = _PARTNER_OF.search(view, max(0, start - 30), start)
            later_state = last_other_state > index
            if partner or later_state or _SCOPE_AFTER.match(view, end):
                continue  # it says whom another requirement concerns
        applies_to = (
            _applies_to(view, state, sentence_start, start) if state != "childbearing_potential" else ()
        )
        rule = ReproductiveRule(
            expect=verdict,
            span=Span(start, end),
            parts=(Part(_ROLE[state], Span(start, end)),),
            state=state,
            applies_to=applies_to,
        )
        rules.setdefault(state, rule)  # one rule per state: its first mention
    return list(rules.values())


def _applies_to(view: str, state: str, sentence_start: int, start: int) -> tuple[str, ...]:
    before = view[max(sentence_start, start - 200) : start]
    scopes = []
    for found in _STATE.finditer(before):
        if found.lastgroup == "childbearing_potential" and not _PARTNER_OF.search(before, 0, found.start()):
            scopes.append("childbearing_potential")
            break
    if _MALE.search(before):
        scopes.append("male")
    if state == "contraception" and "childbearing_potential" not in scopes and _FEMALE.search(before):
        scopes.append("female")
    return tuple(scopes)


# ---------------------------------------------------------------------------------------------- menopause

_MENOPAUSE = re.compile(
    r"\b(?P<state>post|pre|peri)[\s-]?menopaus(?:al|e)\b(?![\s-]+(?:osteoporosis|hormon\w*|estrogen|oestrogen"
    r"|therapy|HRT|replacement|symptoms?|bleeding|status\s+(?:is|will|must)"
    r"|women\s+(?:must|should|will|who|need|are\s+not)))"
    # said of the patient, not of a condition ("premenopausal myocardial infarction")
    r"(?=\s*(?:$|[,.;:()\[]|wom[ae]n|females?|patients?|subjects?|participants?|volunteers?|status|state|for\b"
    r"|at\s+least|by\b|as\b|and\b|with\b|defined|per\b|according|since|\d))",
    re.IGNORECASE,
)
# Where the words make the state a requirement: at the head ("Postmenopausal women", "Post-menopausal
# female patients aged ..."), or said of the patient as the criterion's subject ("Women must be
# postmenopausal", "Female patients who are post-menopausal"); never in a later clause or sentence
# ("Women 56 and older will be assumed to be postmenopausal", "(including women who are ...)").
_STATED_OF = re.compile(
    r"\W*(?:(?:\w+\s+){0,2}?(?:wom[ae]n|females?|patients?|subjects?|participants?)\s+)?"
    r"(?:(?:must|should|shall|will)\s+(?:be|have)|(?:who|that)\s+(?:are|is)|are|is|being)\s+"
    r"(?:(?:clinically|confirmed|documented|naturally|surgically|currently|already)\s+)?",
    re.IGNORECASE,
)
# "postmenopausal or surgically sterile", "pre- or post-menopausal": one of several states will do,
# which a menopause rule alone would not say
_OTHER_STATE_AFTER = re.compile(
    r"[^.;:]{0,60}?\b(?:or|and/or)\b\s+(?:\w+\s+){0,3}?(?:steril|hysterectom|oophorectom|ovariectom|not\s+of"
    r"|non[\s-]?child|child|(?:pre|post|peri)[\s-]?menopaus|amenorr|infertil|using|use|on\s|receiving|men\b"
    r"|males?\b|premenopausal|wom[ae]n\b|practi[cs]|contracep|birth|abstin)|[^.;:]{0,60}?\bor\s*$",
    re.IGNORECASE,
)
_OR_NEAR = re.compile(r"\s*(?:\([^()]{0,40}\)\s*)?,?\s*(?:or|and/or)\b", re.IGNORECASE)
_MENOPAUSE_SCOPE_AFTER = re.compile(
    r"[\s\w,-]{0,30}?\b(?:must|should|need|needs|required?|may|can|will|do\s+not|does\s+not)\b", re.IGNORECASE
)


def read_menopause(text: str, view: str, kind: CriterionKind) -> list[Rule]:
    """The menopausal state a criterion asks for ("Postmenopausal women") or rules out ("Premenopausal
    women" as an exclusion): a `ReproductiveRule` with state "postmenopausal", "premenopausal" or
    "perimenopausal", beside the sex rule. Not when it is one of several states that will do
    ("postmenopausal or surgically sterile"), nor when it says whom another requirement concerns
    ("Premenopausal women must have a negative pregnancy test")."""
    if "menopaus" not in lowered(view):
        return []
    for match in _MENOPAUSE.finditer(view):
        start, end = match.start(), match.end()
        head = _HEAD.fullmatch(view, 0, start) is not None
        stated = _STATED_OF.fullmatch(view, 0, start) is not None
        if not (head or stated):
            continue
        if _OTHER_STATE_AFTER.match(view, end) or _OR_NEAR.match(view, end):
            continue
        if _MENOPAUSE_SCOPE_AFTER.match(view, end) and not stated:
            continue  # "Postmenopausal women must have ...": the state says whom it concerns
        state = f"{match.group('state').lower()}menopausal"
        span = Span(start, end)
        return [
            ReproductiveRule(
                expect=expect(kind, _negated(view, start, end, kind, lists=False)),
                span=span,
                parts=(Part(PartRole.CONDITION, span),),
                state=state,
            )
        ]
    return []


READERS = [read_age, read_sex, read_reproductive, read_menopause]
