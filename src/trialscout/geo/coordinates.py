"""Coordinates as people type them: "41.88,-87.63", "41.88 -87.63", "41.88° N, 87.63° W",
"41°52'47\"N 87°37'48\"W". Latitude comes first unless the N/S and E/W letters say otherwise.
"""

from __future__ import annotations

import re
from typing import Final

from trialscout.errors import UnknownPlaceError

# One coordinate: an optional hemisphere letter, a signed number of degrees with optional
# minutes and seconds (with ° ' " or their typographic forms), an optional hemisphere letter.
_ONE: Final = r"""
    (?:(?P<{n}h1>[NSEW])\s*)?
    (?P<{n}sign>[+\-−])?\s*
    (?P<{n}deg>\d{{1,3}}(?:\.\d+)?)\s*(?:°|º|deg|d)?\s*
    (?:(?P<{n}min>\d{{1,2}}(?:\.\d+)?)\s*['′’]\s*
        (?:(?P<{n}sec>\d{{1,2}}(?:\.\d+)?)\s*(?:"|″|''|”)\s*)?
    )?
    (?P<{n}h2>[NSEW])?
"""
_COORDINATES: Final = re.compile(
    r"\s*" + _ONE.format(n="a") + r"\s*(?:[,;/]|\s)\s*" + _ONE.format(n="b") + r"\s*",
    re.VERBOSE | re.IGNORECASE | re.ASCII,
)


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """(latitude, longitude) in degrees if `text` is a pair of coordinates, else None.

    Raises `UnknownPlaceError` for a pair that is out of range (latitude beyond ±90,
    longitude beyond ±180), saying which, and whether swapping them would make sense.
    """
    match = _COORDINATES.fullmatch(text)
    if match is None:
        return None
    first, first_axis = _degrees(match, "a")
    second, second_axis = _degrees(match, "b")
    if first_axis and first_axis == second_axis:
        raise UnknownPlaceError(
            text, f"{text.strip()!r} has two {first_axis}s: give a latitude and a longitude"
        )
    if first_axis == "longitude" or second_axis == "latitude":
        first, second = second, first  # "87.63W 41.88N": longitude first, as the letters say
    latitude, longitude = first, second
    if abs(latitude) > 90.0 or abs(longitude) > 180.0:
        which = (
            f"latitude {latitude:g} is not between -90 and 90"
            if abs(latitude) > 90.0
            else f"longitude {longitude:g} is not between -180 and 180"
        )
        if abs(longitude) <= 90.0 and abs(latitude) <= 180.0:
            which += f" (latitude comes first: {longitude:g}, {latitude:g}?)"
        raise UnknownPlaceError(text, f"{text.strip()!r} are not coordinates on Earth: {which}")
    return latitude, longitude


def _degrees(match: re.Match[str], n: str) -> tuple[float, str]:
    """The signed decimal degrees of coordinate `n`, and the axis its letter names ("" if none)."""
    value = float(match[f"{n}deg"])
    if match[f"{n}min"] is not None:
        value += float(match[f"{n}min"]) / 60.0
    if match[f"{n}sec"] is not None:
        value += float(match[f"{n}sec"]) / 3600.0
    hemisphere = (match[f"{n}h1"] or match[f"{n}h2"] or "").upper()
    if match[f"{n}sign"] in ("-", "−") or hemisphere in ("S", "W"):
        value = -value
    axis = {"N": "latitude", "S": "latitude", "E": "longitude", "W": "longitude"}.get(hemisphere, "")
    return value, axis


def format_coordinates(latitude: float, longitude: float) -> str:
    """ "41.88, -87.63": up to four decimals (about 10 m), no trailing zeros."""
    return f"{_number(latitude)}, {_number(longitude)}"


def _number(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
