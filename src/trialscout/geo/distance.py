"""Distances on the Earth, search radii as people type them, and distances as people read them.

Distances are great-circle (haversine) distances on a sphere of the Earth's mean radius,
6,371.0088 km: within 0.5% of the true (ellipsoidal) distance, far better than "17 mi" needs.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Final, Literal

import msgspec

from trialscout.errors import InvalidRadiusError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: The Earth's mean radius (IUGG), in kilometres.
EARTH_RADIUS_KM: Final = 6371.0088
#: One international mile, in kilometres.
KM_PER_MILE: Final = 1.609344

DistanceUnit = Literal["mi", "km"]


def haversine_km(lat: float, lon: float, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Great-circle distances in km from (lat, lon) to each of (lats[i], lons[i]), in degrees.

    `lats` and `lons` are arrays (or anything numpy turns into one) of the same shape; the
    result has that shape. A NaN anywhere (a site without coordinates) gives NaN for that site,
    never an error.
    """
    lat1 = math.radians(lat)
    lon1 = math.radians(lon)
    import numpy as np  # here: a command that only formats distances need not load numpy

    lat2 = np.radians(np.asarray(lats, dtype=np.float64))
    lon2 = np.radians(np.asarray(lons, dtype=np.float64))
    a = np.sin((lat2 - lat1) / 2.0) ** 2 + math.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2
    # Rounding can push `a` a hair above 1 for antipodal points; arcsin would give NaN.
    distances: npt.NDArray[np.float64] = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return distances


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points in degrees (one pair: no numpy needed)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2.0) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2.0) ** 2
    )
    return 2.0 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(a, 1.0)))


class Radius(msgspec.Struct, frozen=True):
    """A search radius: its length in km and how to show it ("50 mi", "80 km")."""

    km: float
    text: str


_UNITS: Final[dict[str, DistanceUnit]] = {
    "": "mi",
    "mi": "mi",
    "mile": "mi",
    "miles": "mi",
    "km": "km",
    "kms": "km",
    "kilometer": "km",
    "kilometers": "km",
    "kilometre": "km",
    "kilometres": "km",
}
_RADIUS: Final = re.compile(r"(?P<number>[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+))\s*(?P<unit>[a-z]*)\.?", re.ASCII)


def parse_radius(text: str) -> Radius:
    """Read a search radius as a person types it: "50mi", "50 mi", "50 miles", "80km", "80 km".

    A bare number ("80") is in miles, the unit of ClinicalTrials.gov's own location search.
    Case and surrounding spaces do not matter, and a decimal comma is read as a point ("2,5 km").
    Raises `InvalidRadiusError` for anything else, and for a radius that is zero, negative or
    not finite.
    """
    cleaned = " ".join(text.split()).lower()
    match = _RADIUS.fullmatch(cleaned)
    if match is None:
        raise InvalidRadiusError(
            text, f"{text.strip()!r} is not a distance: type a number and a unit, like 50 mi or 80 km"
        )
    unit = _UNITS.get(match["unit"])
    if unit is None:
        raise InvalidRadiusError(
            text, f"unknown unit {match['unit']!r} in {text.strip()!r}: use mi (miles) or km (kilometres)"
        )
    value = float(match["number"].replace(",", "."))
    if not value > 0.0 or not math.isfinite(value):
        raise InvalidRadiusError(text, f"a search radius must be more than 0, not {text.strip()!r}")
    km = value * KM_PER_MILE if unit == "mi" else value
    number = match["number"].lstrip("+").replace(",", ".")
    return Radius(km=km, text=f"{'0' if number.startswith('.') else ''}{number} {unit}")


def format_distance(km: float, unit: DistanceUnit = "mi") -> str:
    """A distance as people read it: "17 mi", "0.4 mi", "27 km", "1,240 km".

    Under 10 one decimal is kept ("3.2 mi"), from 10 on whole numbers; under 0.1 it shows
    "< 0.1 mi". A NaN (a site without coordinates) shows as "distance unknown".
    """
    if unit not in ("mi", "km"):
        raise ValueError(f"unit must be 'mi' or 'km', not {unit!r}")
    if not math.isfinite(km):
        return "distance unknown"
    value = km / KM_PER_MILE if unit == "mi" else km
    if value < 0.05:
        return f"< 0.1 {unit}"
    return f"{_format_number(value)} {unit}"


def _format_number(value: float) -> str:
    """One decimal under 10 (dropping a trailing ".0"), whole numbers with separators above."""
    if value < 9.95:
        return f"{value:.1f}".removesuffix(".0")
    return f"{round(value):,}"
