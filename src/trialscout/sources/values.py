"""Parsing of the registry's small strings: dates, ages, counts and text blocks.

Never raises on registry text: what does not parse becomes ``None`` ("unknown").
"""

from __future__ import annotations

import calendar
import functools
import math
import re

from trialscout.model.enums import DateType, parse_enum
from trialscout.model.trial import RegistryDate

#: The registry's "no number" placeholder for enrollment.
ENROLLMENT_SENTINELS = frozenset({99999999, 999999999})
#: No trial enrols more people than this; a larger count is a typing error, read as unknown.
MAX_ENROLLMENT = 1_000_000_000

_MONTHS = {
    name: index
    for index, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?\s*$")
_PROSE = re.compile(r"^\s*([A-Za-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})\s*$")


@functools.lru_cache(maxsize=65536)
def iso_date(text: str | None) -> str | None:
    """'2024-12', 'January 2007', 'July 3, 2007' -> '2024-12', '2007-01', '2007-07-03'."""
    if not text:
        return None
    match = _ISO.match(text)
    if match:
        year, month, day = match.groups()
    else:
        match = _PROSE.match(text)
        if not match or match.group(1).lower() not in _MONTHS:
            return None
        month = str(_MONTHS[match.group(1).lower()])
        day, year = match.group(2), match.group(3)
    if int(year) < 1:
        return None
    month_n = int(month) if month else None
    day_n = int(day) if day else None
    if month_n is not None and not 1 <= month_n <= 12:
        return None
    if day_n is not None and (month_n is None or not 1 <= day_n <= _days_in(int(year), month_n)):
        return None  # "February 30": not a day, so not a date
    out = year
    if month_n is not None:
        out += f"-{month_n:02d}"
        if day_n is not None:
            out += f"-{day_n:02d}"
    return out


def _days_in(year: int, month: int) -> int:
    if year < 1:
        return 0
    return calendar.monthrange(year, month)[1]


def registry_date(text: str | None, date_type: str | None) -> RegistryDate | None:
    date = iso_date(text)
    if date is None:
        return None
    return RegistryDate(date=date, type=parse_enum(DateType, date_type))


_AGE = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(year|yr|month|mo|week|wk|day|hour|hr|minute|min)s?\b", re.IGNORECASE
)
_YEARS_PER_UNIT = {
    "year": 1.0,
    "yr": 1.0,
    "month": 1 / 12,
    "mo": 1 / 12,
    "week": 7 / 365.25,
    "wk": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / (365.25 * 24),
    "hr": 1 / (365.25 * 24),
    "minute": 1 / (365.25 * 24 * 60),
    "min": 1 / (365.25 * 24 * 60),
}


@functools.lru_cache(maxsize=4096)
def age_in_years(text: str | None) -> float | None:
    """'18 Years' -> 18.0, '6 Months' -> 0.5, 'N/A' -> None (the registry sets no limit)."""
    if not text:
        return None
    match = _AGE.match(text)
    if not match:
        return None
    years = float(match.group(1)) * _YEARS_PER_UNIT[match.group(2).lower()]
    return round(years, 4)


def enrollment_count(value: object) -> int | None:
    """A head count, or None for a missing value or the registry's 99999999 placeholder."""
    if isinstance(value, bool):
        return None
    try:
        count = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        return None
    if count < 0 or count in ENROLLMENT_SENTINELS or count > MAX_ENROLLMENT:
        return None
    return count


def coordinates(latitude: float | None, longitude: float | None) -> tuple[float | None, float | None]:
    """A site's latitude and longitude, or (None, None), unknown, when either is missing, not a
    finite number, or off the globe (latitude within -90..90, longitude within -180..180): a
    site at latitude 500 is then placed by its ZIP code or city, like a site without a point."""
    if latitude is None or longitude is None:
        return None, None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None, None
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None, None
    return latitude, longitude


def text_block(text: str | None) -> str | None:
    """Legacy XML text blocks: CRLF to LF, common indentation removed, edges trimmed."""
    if text is None:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    cut = -1  # the indentation of the least indented line that is not blank
    for line in lines:
        rest = line.lstrip()
        if rest:
            indent = len(line) - len(rest)
            if indent < cut or cut < 0:
                cut = indent
    if cut < 0:
        return None
    if cut:
        return "\n".join([line[cut:].rstrip() for line in lines]).strip("\n")
    return "\n".join([line.rstrip() for line in lines]).strip("\n")


def yes_no(text: str | None) -> bool | None:
    if text is None:
        return None
    lowered = text.strip().lower()
    if lowered in {"yes", "true", "y", "accepts healthy volunteers"}:
        return True
    if lowered in {"no", "false", "n"}:
        return False
    return None
