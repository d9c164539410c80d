"""When: the dates a clinical note gives, resolved against the profile's date, and the facts they date.

`read_dates(context, as_of)` finds the note's time expressions and resolves each against
``as_of`` (the date the profile describes):

- a count back from then ("6 months ago", "2 years earlier", "3 weeks prior to admission",
  "two days before", "10 days ago"): the day that many days, weeks, months (30.44 days) or years
  (365.25 days) before, counted as trialscout's time windows count them and rounded up to a
  whole day: "6 months ago" is 183 days, just outside "within 6 months" (182.64 days) and inside
  "at least 6 months since", whatever the day of the year;
- a named day ("yesterday", "last night", "this morning", "the day before", "on March 3, 2025",
  "2025-03-03");
- a calendar period: "last week", "last month", "last year", "in March 2025", "in 2019",
  "since 2021", "(2023)". The day it gives is the period's first, but which day of it the event
  was is not said;
- how long something has gone on up to the note ("cough for 2 days", "for the past week", "a
  9-month history of weight loss", "four days of fever"): its onset, that long before; only a
  condition's (its onset) or a current medication's (its start), and not in a past history
  ("two years of infertility treatment") or for an event that is over ("hospitalized for 3
  days", "menses lasting for 6 days");
- vague ones ("several months ago", "about a year ago", "a few weeks prior"): no day.

A count relative to another event ("2 weeks after surgery", "3 days later", "a week prior to
the biopsy") is not resolved: that event's date is not ``as_of``.

`attach_dates` gives each expression to the nearest fact in its clause (a condition, a treatment, a
procedure, a laboratory result, the performance status, a biomarker); when the nearest is a
relative's, a hypothetical or a denied one, the date goes to no fact. "Underwent a lobectomy for
lung cancer 3 years ago" dates the lobectomy, not the cancer; "carboplatin and pemetrexed, last
dose 3 weeks ago" dates both. What it dates comes from the words: "completed", "stopped", "last
dose", "progressed on" and "s/p" end a treatment, "started" and "since" begin one (otherwise:
its start); "resolved", "stopped smoking" end a condition. A condition is otherwise dated as an
event ("had a stroke", "was hospitalized for", "suffered") by the day it happened, or as something
that may go on ("developed a fever yesterday", "cough for 2 days") by the day it began; that day
is set (`trialscout.patients.note`) only for a condition told as past: one that goes on has one
date in the profile, which a window reads as when it was, so "fever within the past 24 hours"
would fail for a fever that began 5 days ago and goes on.

Only a day the words name becomes a date in the profile. A calendar period or a vague expression
is attached and shown, but its date is left unset: the profile holds one day per event and no
precision, so a month or a year stored as a day would put an event certainly inside or outside a
window whose edge falls within that month or year ("no major surgery within 4 weeks", "other
malignancy within 5 years"), and the patient could be ruled out on a guess.

Nothing here raises on any text.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re

import msgspec

from trialscout.eligibility.model import Span
from trialscout.patients.note_context import Assertion, NoteContext
from trialscout.patients.note_values import NUMBER, Reading, amount_of

#: The days in a unit, as trialscout's time windows count them (`TimeWindow.days`).
UNIT_DAYS = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 30.44, "year": 365.25}


class NoteDate(Reading, frozen=True):
    """A time expression of the note. ``date`` is the day it names (a period's first day; None
    when vague or relative to another event); ``precision`` is "day" for a day the words name,
    "count" for a count back from ``as_of`` ("6 months ago"), "week", "month" or "year" for a
    calendar period, "vague", or "other event" (relative to an event that is not ``as_of``)."""

    date: dt.date | None
    precision: str
    since: bool = False  # "since 2021": the start of something that goes on
    duration: bool = False  # "cough for 2 days", "a 9-month history of": how long, up to as_of
    of: bool = False  # "4 days of cough": the fact after it is the one it dates

    @property
    def settable(self) -> bool:
        """Whether the profile may hold ``date`` as the event's day (see the module's docstring)."""
        return self.date is not None and self.precision in ("day", "count")


class Target(msgspec.Struct, frozen=True):
    """A fact a date may be given to: its profile ``field`` and ``index`` in that list, and the
    spans of the note that name it. A fact that is not the patient's ("family_history",
    "hypothetical", "absent") is a target too, so that a date beside it goes to no fact."""

    field: str
    index: int
    spans: tuple[Span, ...]


class DatedFact(msgspec.Struct, frozen=True):
    """A time expression and the fact it dates (None: none in its clause, or not the patient's);
    ``role`` says what it dates: "start", "end", "since" (a medication's start) or "date" of a
    treatment, procedure or result; for a condition "diagnosed" (an event: "had", "suffered",
    "was diagnosed with"), "onset" (when something that may go on began: "developed", "began",
    "for 2 days"), "resolved", or "when" (said with neither)."""

    when: NoteDate
    target: Target | None
    role: str | None


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(?-i:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_YEAR = r"(?:19|20)\d\d"
_UNIT = r"(?P<u>min(?:ute)?s?|h(?:ou)?rs?|hours?|days?|nights?|weeks?|wks?|months?|mos?|years?|yrs?|decades?)"
_VAGUE_AMOUNT = r"(?:a\s+few|few|several|many|some|a\s+couple\s+of|couple\s+of|a\s+number\s+of)"
_QUALIFIER = (
    r"(?P<q>about|approximately|approx\.?|around|roughly|nearly|almost|over|more\s+than|less\s+than|at\s+least"
    r"|up\s+to|under|~|circa|c\.)\s*"
)
# Events that stand for the time of the note: "3 weeks prior to admission" is 3 weeks before as_of.
_NOW_EVENTS = (
    r"(?:(?:his|her|their|the|this|current|present|today's)\s+)?(?:admission|presentation|arrival|visit|evaluation"
    r"|consultation|hospitali[sz]ation|appointment|examination|exam|encounter|this\s+visit|today|now|(?:the\s+)?ER"
    r"|(?:the\s+)?(?:emergency\s+(?:room|department)|ED|clinic|hospital|office))"
)
_COUNT = re.compile(
    rf"\b(?:{_QUALIFIER})?(?P<n>{NUMBER}|an?|half\s+an?|{_VAGUE_AMOUNT})[\s-]+{_UNIT}\s+"
    r"(?P<d>ago|earlier|before|prior|previously|back|later|after|beforehand)\b"
    rf"(?P<anchor>\s+(?:to\s+)?(?:{_NOW_EVENTS}\b|(?P<other>(?:the\s+|his\s+|her\s+|a\s+|an\s+)?\w+)))?",
    re.IGNORECASE,
)
_DAY_WORDS = re.compile(
    r"\b(?P<w>the\s+day\s+before\s+yesterday|yesterday|last\s+night|this\s+(?:morning|afternoon|evening)"
    r"|earlier\s+(?:today|(?:in\s+the|this)\s+(?:morning|afternoon|evening|day))"
    r"|the\s+(?:previous|prior|preceding)\s+(?:day|night|evening)"
    r"|the\s+(?:day|night|evening)\s+before)\b"
    rf"(?P<anchor>\s+(?:{_NOW_EVENTS}\b|(?P<other>(?:the\s+|his\s+|her\s+|a\s+|an\s+)?\w+)))?",
    re.IGNORECASE,
)
_LAST_PERIOD = re.compile(
    r"(?P<before>\b(?:over|during|in|within|for|throughout|through|past|the)\s+)?(?P<last>\b(?:last|the\s+previous))"
    r"\s+(?P<u>week|weekend|month|year|spring|summer|fall|autumn|winter)\b",
    re.IGNORECASE,
)
_FULL_DATE = re.compile(
    rf"\b(?:(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>{_YEAR})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH}),?\s+(?P<y2>{_YEAR})"
    rf"|(?P<y3>{_YEAR})-(?P<m3>\d\d)-(?P<d3>\d\d)"
    rf"|(?P<a4>\d{{1,2}})/(?P<b4>\d{{1,2}})/(?P<y4>{_YEAR}))\b",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(
    rf"\b(?:(?:early|mid|late|the\s+end\s+of|the\s+beginning\s+of)[\s-]+)?(?P<m>{_MONTH})(?:\s+of)?,?\s+(?P<y>{_YEAR})\b"
    rf"|\b(?P<m2>0?[1-9]|1[0-2])/(?P<y2>{_YEAR})\b",
    re.IGNORECASE,
)
_MONTH_ALONE = re.compile(
    rf"\b(?:in|since|during|last|early|mid|late|the\s+end\s+of|the\s+beginning\s+of)[\s-]+(?:of\s+)?(?P<m>{_MONTH})"
    rf"(?!\s*(?:\d|of\s+\d|,\s*\d))\b",
    re.IGNORECASE,
)
_YEAR_ALONE = re.compile(
    rf"\b(?:in|since|from|during|circa|diagnosed|dx)\s+(?:(?:early|mid|late|the\s+(?:spring|summer|fall|autumn"
    rf"|winter|end|beginning|middle)\s+of)[\s-]+)?(?P<y>{_YEAR})\b(?![/-]\d|\s*(?:[a-zµμ]{{1,4}}\s*/|x\s*10|units?\b|mg\b"
    rf"|mcg\b|iu\b|cells\b|patients\b|%))"
    rf"|\(\s*(?P<p>{_YEAR})\s*\)",
    re.IGNORECASE,
)
# Words after "3 days before" that are no event: "3 days before, she ..." is 3 days before the note.
_NOT_EVENTS = frozenset(
    {
        "and",
        "or",
        "but",
        "when",
        "with",
        "she",
        "he",
        "they",
        "it",
        "this",
        "that",
        "which",
        "who",
        "while",
        "then",
    }
)
# How long something has gone on, up to the note: its onset is that long before as_of.
_DURATION_FOR = re.compile(
    rf"(?:\b(?:for|x)|×)\s*(?:the\s+)?(?:(?P<past>past|last|previous|preceding)\s+)?(?:{_QUALIFIER})?"
    rf"(?:(?P<n>{NUMBER}|an?|{_VAGUE_AMOUNT})[\s-]+)?{_UNIT}\b",
    re.IGNORECASE,
)
_DURATION_OF = re.compile(
    rf"\b(?:{_QUALIFIER})?(?P<n>{NUMBER}|an?|{_VAGUE_AMOUNT})[\s-]+{_UNIT}[\s-]+(?:(?:long\s+)?history\s+)?of\b",
    re.IGNORECASE,
)
# A duration of an event that is over, not of something up to now ("hospitalized for 3 days",
# "menses lasting for 6 days", "after 6 months of treatment").
_NOT_ONSET_BEFORE = re.compile(
    r"\b(?:last(?:s|ed|ing)?|every|after|within|in|at|over|during|hospitali[sz]ed|admitted|treated|stayed"
    r"|remained|received|given|took|taken|used|vacation|trip|stay|cycles?|courses?|first|initial|final|next"
    r"|other)\s+(?:\w+\s+){0,1}$",
    re.IGNORECASE,
)
_SINCE = re.compile(r"\bsince\s+$", re.IGNORECASE)
# A clause ends here for a date: a date before it does not reach a fact after it.
_CLAUSE_END = re.compile(
    r"[;:]|\s-\s|\b(?:but|however|although|though|whereas|while|who|whom|whose|now|presents?|presented"
    r"|presenting|comes|came|admitted|complains?|complaining|currently|today|then|subsequently|later"
    r"|and\s+(?:he|she|the\s+patient|they|is|was|has|had|now|then))\b",
    re.IGNORECASE,
)
_COMMA = re.compile(r",")
# Words that link a date to the fact before a comma ("hypertension, which was diagnosed in 2015").
_LINKING_WORDS = frozenset(
    {"which", "that", "was", "were", "is", "are", "has", "have", "had", "been", "diagnosed", "first", "noted"}
    | {"in", "on", "at", "since", "about", "the", "a", "an"}
)
# "presents in March": when the note's visit is, not when a fact began.
_VISIT_BEFORE = re.compile(
    r"\b(?:present(?:s|ed)?|comes|came|visits|is\s+seen|is\s+admitted)\s+(?:on|in|during)\s+$", re.IGNORECASE
)
# "until two days ago, when he developed a new fever": the date is the clause after it's.
_WHEN_AFTER = re.compile(r"\s*,?\s*when\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")
# "a lobectomy for lung cancer 3 years ago": the date is the treatment's, given for the condition.
_GIVEN_FOR = re.compile(
    r"\s*(?:\([^()]{0,40}\)\s*)?(?:for|of|due\s+to|because\s+of|to\s+treat)\s+(?:[\w'/-]+\s+){0,4}$",
    re.IGNORECASE,
)
_END_CUE = re.compile(
    r"\b(?:complet(?:ed|ing|ion\s+of)|finish(?:ed|ing)|stopp(?:ed|ing)|discontinu(?:ed|ing)|ended|ceased|quit"
    r"|last\s+(?:dose|cycle|course|infusion|treatment|session|fraction)|s/p|status\s+post|off"
    r"|progress(?:ed|ion))\b",
    re.IGNORECASE,
)
_START_CUE = re.compile(
    r"\b(?:start(?:ed|ing)?|began|begun|beginning|initiat(?:ed|ing)|commenc(?:ed|ing)|put\s+on|placed\s+on)\b",
    re.IGNORECASE,
)
# Words that tell a condition as an event ("had a stroke", "was hospitalized for") or as the
# onset of something that may go on ("developed a fever", "pain that began").
_EVENT_CUE = re.compile(
    r"\b(?:diagnos(?:ed|is)|dx|had(?!\s+(?:been|start|begun|develop|notic|increas|worsen))|suffered|sustained|hospitali[sz](?:ed|ation)|admitted|underwent"
    r"|experienced|treated\s+for|episode\s+of|attack)\b",
    re.IGNORECASE,
)
_ONSET_CUE = re.compile(
    r"\b(?:beg[au]n|beginning|start(?:ed|ing|s)?|develop(?:ed|ing|s)?|onset|noticed|increas(?:ed|ing)"
    r"|worsen(?:ed|ing)|progressive|since)\b",
    re.IGNORECASE,
)
_RESOLVED_CUE = re.compile(
    r"\b(?:resolved|recovered|remission|cured|healed|stopped|quit|ceased|gave\s+up)\b", re.IGNORECASE
)
# "carboplatin and pemetrexed, last dose 3 weeks ago": a regimen's drugs share its date.
_JOINED = re.compile(r"\s*(?:,\s*(?:and\s+)?|/|\+|\band\b|\bplus\b|&|-)\s*", re.IGNORECASE)
_REGIMEN_FIELDS = frozenset({"prior_therapies", "medications"})
# What a duration up to the note dates: a condition's onset, a current medication's start.
_ONSET_FIELDS = frozenset({"diagnoses", "other_conditions", "medications"})

_PATIENT_FIELDS = frozenset(
    {
        "diagnoses",
        "other_conditions",
        "prior_therapies",
        "medications",
        "procedures",
        "labs",
        "performance_status",
        "biomarkers",
    }
)


def _days_before(as_of: dt.date, days: float) -> dt.date | None:
    """The day ``days`` (rounded up) before ``as_of``; None before the calendar's first."""
    try:
        return as_of - dt.timedelta(days=math.ceil(days - 1e-9))
    except OverflowError:
        return None


def _day(year: int, month: int, day: int) -> dt.date | None:
    """The day, or None where there is none (February 30, the year 0)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _unit(word: str) -> str:
    word = word.lower()
    if word.startswith("min"):
        return "minute"
    if word.startswith("h"):
        return "hour"
    if word.startswith(("d", "n")):
        return "decade" if word.startswith("dec") else "day"
    if word.startswith("w"):
        return "week"
    if word.startswith("mo"):
        return "month"
    return "year"


def read_dates(context: NoteContext, as_of: dt.date) -> list[NoteDate]:
    """The note's time expressions, in its order, each resolved against ``as_of`` (one that
    overlaps an earlier one is dropped; a future date, planned, is not read)."""
    view = context.view
    found: list[NoteDate] = []

    def add(start: int, end: int, date: dt.date | None, precision: str) -> None:
        if date is not None and date > as_of:
            return
        since = _SINCE.search(view, max(0, start - 7), start) is not None
        words = " ".join(view[start:end].split())
        found.append(NoteDate(words, Span(start, end), date=date, precision=precision, since=since))

    for match in _COUNT.finditer(view):
        date, precision, end = _count(match, as_of)
        add(match.start(), end, date, precision)
    for pattern in (_DURATION_FOR, _DURATION_OF):
        for match in pattern.finditer(view):
            if _NOT_ONSET_BEFORE.search(view, max(0, match.start() - 30), match.start()):
                continue
            date, precision = _duration(match, as_of)
            if date is None or date <= as_of:
                end = match.end("u")
                words = " ".join(view[match.start() : end].split())
                found.append(
                    NoteDate(
                        words,
                        Span(match.start(), end),
                        date=date,
                        precision=precision,
                        duration=True,
                        of=pattern is _DURATION_OF,
                    )
                )
    for match in _DAY_WORDS.finditer(view):
        words = " ".join(match.group("w").lower().split())
        other = (match.group("other") or "").lower()
        end = match.end() if match.group("anchor") is not None and not other else match.end("w")
        if words.startswith("the") and words.endswith("before") and other and other not in _NOT_EVENTS:
            add(match.start(), end, None, "other event")  # "the day before surgery"
            continue
        back = (
            2 if words.startswith("the day before y") else 0 if words.startswith(("this", "earlier")) else 1
        )
        add(match.start(), end, _days_before(as_of, back), "day")
    for match in _LAST_PERIOD.finditer(view):
        if match.group("before"):
            continue  # "over the last year": how long, not when
        date, precision = _last_period(match.group("u").lower(), as_of)
        add(match.start("last"), match.end(), date, precision)
    for match in _FULL_DATE.finditer(view):
        date, precision = _full_date(match)
        if date is not None or precision == "vague":
            add(match.start(), match.end(), date, precision)
    for match in _MONTH_YEAR.finditer(view):
        if match.group("m"):
            date = _day(int(match.group("y")), _MONTHS[match.group("m").lower().rstrip(".")], 1)
        else:
            date = _day(int(match.group("y2")), int(match.group("m2")), 1)
        add(match.start(), match.end(), date, "month")
    for match in _MONTH_ALONE.finditer(view):
        month = _MONTHS[match.group("m").lower().rstrip(".")]
        year = as_of.year if month <= as_of.month else as_of.year - 1
        add(match.start("m"), match.end(), _day(year, month, 1), "month")
    for match in _YEAR_ALONE.finditer(view):
        year = int(match.group("y") or match.group("p"))
        if year >= as_of.year - 120:
            start = match.start("y") if match.group("y") else match.start()
            add(start, match.end(), dt.date(year, 1, 1), "year")
    found.sort(key=lambda d: (d.span.start, -d.span.end))
    unique: list[NoteDate] = []
    for when in found:
        if unique and when.span.start < unique[-1].span.end:
            continue
        unique.append(when)
    return unique


def _count(match: re.Match[str], as_of: dt.date) -> tuple[dt.date | None, str, int]:
    """The day "6 months ago" names, its precision, and where its words end."""
    direction = match.group("d").lower()
    other = (match.group("other") or "").lower()
    end = match.end() if match.group("anchor") is not None and not other else match.end("d")
    to_other = other and match.group("anchor").lstrip().lower().startswith("to")
    if (
        direction in ("later", "after")
        or (direction == "prior" and to_other)
        or (direction == "before" and other and other not in _NOT_EVENTS)
    ):
        # "2 weeks after surgery", "a week prior to the biopsy" (the event's words are kept)
        return None, "other event", match.end() if other and direction != "later" else end
    amount_words = " ".join(match.group("n").lower().split())
    if match.group("q") or re.fullmatch(_VAGUE_AMOUNT, amount_words):
        return None, "vague", end
    if amount_words in ("a", "an"):
        amount = 1.0
    elif amount_words.startswith("half"):
        amount = 0.5
    else:
        amount = amount_of(amount_words)
    unit = _unit(match.group("u"))
    days = amount * (10 * UNIT_DAYS["year"] if unit == "decade" else UNIT_DAYS[unit])
    if unit in ("minute", "hour"):
        return _days_before(as_of, math.floor(days)), "day", end
    return _days_before(as_of, days), "day" if unit == "day" else "count", end


def _duration(match: re.Match[str], as_of: dt.date) -> tuple[dt.date | None, str]:
    """The onset "for 2 days", "for the past week", "a 9-month history of" give."""
    amount_words = " ".join((match.group("n") or "").lower().split())
    unit = _unit(match.group("u"))
    if (
        match.group("q")
        or re.fullmatch(_VAGUE_AMOUNT, amount_words)
        or (not amount_words and not match.groupdict().get("past"))
    ):
        return None, "vague"  # "for several days", "for years"
    amount = 1.0 if amount_words in ("", "a", "an") else amount_of(amount_words)
    days = amount * (10 * UNIT_DAYS["year"] if unit == "decade" else UNIT_DAYS[unit])
    if unit in ("minute", "hour"):
        return _days_before(as_of, math.floor(days)), "day"
    return _days_before(as_of, days), "day" if unit == "day" else "count"


def _last_period(unit: str, as_of: dt.date) -> tuple[dt.date | None, str]:
    """The first day of "last week" (a Monday), "last month", "last year"."""
    if unit in ("week", "weekend"):
        return _days_before(as_of, as_of.weekday() + 7), "week"
    if unit == "month":
        last = _days_before(as_of.replace(day=1), 1)
        return (last.replace(day=1) if last else None), "month"
    if unit == "year":
        return _day(as_of.year - 1, 1, 1), "year"
    return None, "vague"  # "last summer"


def _full_date(match: re.Match[str]) -> tuple[dt.date | None, str]:
    if match.group("y1"):
        return _day(int(match.group("y1")), _month(match.group("m1")), int(match.group("d1"))), "day"
    if match.group("y2"):
        return _day(int(match.group("y2")), _month(match.group("m2")), int(match.group("d2"))), "day"
    if match.group("y3"):
        return _day(int(match.group("y3")), int(match.group("m3")), int(match.group("d3"))), "day"
    first, second, year = int(match.group("a4")), int(match.group("b4")), int(match.group("y4"))
    if first > 12 >= second:
        return _day(year, second, first), "day"
    if second > 12 >= first or first == second:
        return _day(year, first, second), "day"
    return None, "vague"  # 3/4/2025: March 4 or 3 April


def _month(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")]


# ------------------------------------------------------------------------------------------ attaching


def attach_dates(context: NoteContext, dates: list[NoteDate], targets: list[Target]) -> list[DatedFact]:
    """Each time expression with the fact it dates: the nearest in its clause (a fact before it
    preferred on a tie, one across a comma counted farther)."""
    view = context.view
    spans = sorted(
        ((span, target) for target in targets for span in target.spans), key=lambda item: item[0].start
    )
    starts = [span.start for span, _ in spans]
    attached: list[DatedFact] = []
    for when in dates:
        if context.assertion(when.span) in (Assertion.FAMILY, Assertion.OTHER_PERSON) or _VISIT_BEFORE.search(
            view, max(0, when.span.start - 24), when.span.start
        ):
            attached.append(DatedFact(when, None, None))
            continue
        low, high = _clause(context, when.span)
        if _WHEN_AFTER.match(view, when.span.end):
            low = when.span.end
        scored: list[tuple[float, int, Span, Target]] = []
        segment = _segment(view, when.span, low, high)
        for span, target in spans[bisect.bisect_left(starts, low) : bisect.bisect_left(starts, high)]:
            if span.end > high or (span.start < when.span.end and when.span.start < span.end):
                continue
            if when.of and span.end <= when.span.start:
                continue  # "four days of cough and one day of fever"
            if segment is not None and (span.end <= segment.start or span.start >= segment.end):
                continue  # "spotting that has increased since yesterday, lower abdominal tenderness"
            if span.end <= when.span.start:
                gap = _words(view, span.end, when.span.start) + 3.0 * _commas(view, span.end, when.span.start)
            else:
                gap = (
                    _words(view, when.span.end, span.start)
                    + 3.0 * _commas(view, when.span.end, span.start)
                    + 1.5
                )
            scored.append((gap, span.start, span, target))
        if not scored:
            attached.append(DatedFact(when, None, None))
            continue
        _, _, span, target = min(scored, key=lambda item: (item[0], item[1]))
        target, span = _given_for(view, target, span, scored)
        if target.field not in _PATIENT_FIELDS:
            attached.append(DatedFact(when, None, None))  # a relative's, a hypothetical, a denied one
            continue
        if when.duration and (target.field not in _ONSET_FIELDS or context.history(when.span)):
            # "hospital stay of 3 days", "history notable for two years of infertility treatment"
            attached.append(DatedFact(when, None, None))  # "hospital stay of 3 days": not an onset
            continue
        role = _role(view, when, target, span, low)
        attached.append(DatedFact(when, target, role))
        if target.field in _REGIMEN_FIELDS or (when.duration and target.field in _ONSET_FIELDS):
            # a regimen's drugs, or the symptoms of "dyspnea and cough for 2 days"
            attached += [DatedFact(when, other, role) for other in _regimen(view, target, span, scored)]
    return attached


def _regimen(
    view: str, target: Target, span: Span, scored: list[tuple[float, int, Span, Target]]
) -> list[Target]:
    """The other facts of the list ``target`` is named in ("carboplatin and pemetrexed")."""
    same = sorted(
        ((item[2], item[3]) for item in scored if item[3].field == target.field and item[3] != target),
        key=lambda item: item[0].start,
    )
    joined: list[Target] = []
    for direction in (-1, 1):
        edge = span
        candidates = (
            [item for item in same if item[0].end <= edge.start][::-1]
            if direction < 0
            else [item for item in same if item[0].start >= edge.end]
        )
        for other_span, other in candidates:
            low, high = (other_span.end, edge.start) if direction < 0 else (edge.end, other_span.start)
            if not _JOINED.fullmatch(view, low, high) or other in joined:
                break
            joined.append(other)
            edge = other_span
    return joined


def _segment(view: str, span: Span, low: int, high: int) -> Span | None:
    """The stretch between the commas around a date, when it says more than the date: a fact
    across a comma is then not what the date dates. None when the date stands (nearly) alone
    there ("Two years ago, she had a stroke"; "hypertension, diagnosed 2 years ago")."""
    before = [m.end() for m in _COMMA.finditer(view, low, span.start)]
    after = _COMMA.search(view, span.end, high)
    start = before[-1] if before else low
    end = after.start() if after else high
    words = _WORD.findall(view, start, span.start) + _WORD.findall(view, span.end, end)
    if sum(word.lower() not in _LINKING_WORDS for word in words) <= 2:
        return None
    return Span(start, end)


def _given_for(
    view: str, target: Target, span: Span, scored: list[tuple[float, int, Span, Target]]
) -> tuple[Target, Span]:
    """The treatment or procedure a condition was named for ("a lobectomy for lung cancer")."""
    if target.field not in ("diagnoses", "other_conditions"):
        return target, span
    before = [
        item
        for item in scored
        if item[2].end <= span.start and item[3].field in ("prior_therapies", "procedures")
    ]
    if before:
        _, _, treatment_span, treatment = max(before, key=lambda item: item[2].end)
        if _GIVEN_FOR.fullmatch(view, treatment_span.end, span.start):
            return treatment, treatment_span
    return target, span


def _role(view: str, when: NoteDate, target: Target, span: Span, low: int) -> str:
    if when.duration:
        return "since" if target.field == "medications" else "onset"
    first = min(span.start, when.span.start)
    commas = [m.end() for m in _COMMA.finditer(view, max(low, first - 40), first)]
    start = commas[-1] if commas else max(low, first - 40)  # the cue is said of this fact, not the one before
    end = max(span.end, when.span.end)
    if target.field in ("diagnoses", "other_conditions"):
        if _RESOLVED_CUE.search(view, start, end):
            return "resolved"
        if _EVENT_CUE.search(view, start, end):
            return "diagnosed"
        return "onset" if when.since or _ONSET_CUE.search(view, start, end) else "when"
    if target.field == "medications":
        return "end" if _END_CUE.search(view, start, end) else "since"  # a medication has no end
    if target.field == "prior_therapies":
        ends = list(_END_CUE.finditer(view, start, end))
        starts = list(_START_CUE.finditer(view, start, end))
        if when.since:
            return "start"
        if ends and (not starts or ends[-1].start() > starts[-1].start()):
            return "end"
        return "start"
    return "date"


def _clause(context: NoteContext, span: Span) -> tuple[int, int]:
    sentence = context.sentence(span.start)
    low = max(sentence.start, span.start - 200)
    high = min(sentence.end, span.end + 200)
    ends = context.cues(_CLAUSE_END)
    before = ends.within(low, span.start)
    after = ends.first(span.end, high)
    return (before[-1].end() if before else low), (after.start() if after else high)


def _words(view: str, start: int, end: int) -> int:
    return len(_WORD.findall(view, start, end))


def _commas(view: str, start: int, end: int) -> int:
    return len(_COMMA.findall(view, start, end))
