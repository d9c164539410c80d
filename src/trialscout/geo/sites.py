"""Coordinates for trial sites whose record has none (legacy XML records give only an address).

`site_coordinates` places a site by, in this order: its US ZIP code; its city within its state
or province and country; its city within its country. It answers None rather than guess: a
site whose state is known but whose town is not in it is not placed at a namesake elsewhere
in the country, and a site without a country is placed only when its state is a US state.
A state we have no name for but that is also the name of a large city ("Milano", "Barcelona")
is taken for that city's region, to look in first.

Indexing calls it for every site (about a million in the full registry), so answers are kept
per distinct (city, state, zip, country), up to `CACHE_SIZE` of them. Measured on the 10,520
distinct addresses of the legacy-XML slice in ../shared/data: a repeated site costs about
0.1 µs, a new one 14 µs on average, after the one-time loading of the place data
(`trialscout.geo.gazetteer`, 1-2 s).
"""

from __future__ import annotations

import functools
import re
from typing import Final

from trialscout.geo.gazetteer import gazetteer, regions_named, us_postal
from trialscout.geo.names import US_STATES, Region, country_code, fold

# Countries whose postal codes are US ZIP codes (the territories have their own ISO codes).
_ZIP_COUNTRIES: Final = frozenset({"US", "PR", "VI", "GU", "AS", "MP", "FM", "MH", "PW"})
_ZIP: Final = re.compile(r"\s*(\d{5})(?:\s*-?\s*\d{4})?\s*", re.ASCII)
_PARENTHESES: Final = re.compile(r"\(([^)]*)\)")
# A single word taken out of a longer city name must be at least this long.
_SHORTEST_PART: Final = 5
# Words that begin many place names, never looked up alone.
_NOT_ALONE: Final = frozenset(
    {"saint", "sainte", "santa", "santo", "north", "south", "upper", "lower", "great", "little", "grand"}
)
# Trailing words that say what kind of place it is: "Ichikawa-shi", "Meguro-ku", "Anyang-si".
_KIND_WORDS: Final = frozenset({"shi", "ku", "gun", "cho", "machi", "city", "si", "gu"})
# A state that names a city this populous is taken for the city's region ("Milano").
_REGION_CITY_POPULATION: Final = 100_000
# Where the registry's "China" may mean the gazetteer's Hong Kong or Macao.
_ALSO_IN: Final = {"CN": ("CN", "HK", "MO")}
#: How many distinct sites' answers are kept.
CACHE_SIZE: Final = 1 << 18


@functools.lru_cache(maxsize=CACHE_SIZE)
def site_coordinates(
    city: str | None, state: str | None, zip: str | None, country: str | None
) -> tuple[float, float] | None:
    """(latitude, longitude) of a trial site from its address, or None when it cannot be placed.

    >>> site_coordinates("Roskilde", None, "4000", "Denmark")
    (55.64152, 12.08035)
    """
    code = country_code(country) if country else None
    state_regions = _state_regions(state, code)
    if code is None and state_regions:
        code = state_regions[0].country  # no country, but a US state: the United States
    if code is None:
        return None  # "80331" alone may be Munich as well as a US ZIP code
    if zip and code in _ZIP_COUNTRIES:
        place = _zip_coordinates(zip, state_regions)
        if place is not None:
            return place
    if not city:
        return None
    keys = _city_keys(city)
    if state_regions:
        return _in_regions(keys, state_regions, us_towns=code == "US")
    region = _region_named_by_city(state, code) if state else None
    if region is not None:  # "Tokyo", "Milano": a region we know by its main city, first
        in_region = _in_regions(keys, [region], us_towns=False)
        if in_region is not None:
            return in_region
    countries = [Region(country, None, "") for country in _ALSO_IN.get(code, (code,))]
    return _in_regions(keys, countries, us_towns=False)


def _in_regions(keys: list[str], regions: list[Region], *, us_towns: bool) -> tuple[float, float] | None:
    """The first of the names, best first, that a place in one of `regions` has."""
    places = gazetteer()
    for key in keys:
        found = places.find(key, [regions])
        if found:
            return places.latitudes[found[0]], places.longitudes[found[0]]
    if us_towns:
        states = {region.admin1 for region in regions}
        for key in keys:
            town = next((town for town in us_postal().towns.get(key, ()) if town.state in states), None)
            if town is not None:
                return town.latitude, town.longitude
    return None


def _region_named_by_city(state: str, country: str) -> Region | None:
    """The first-level region of the country's city named `state` ("Milano" -> Lombardy,
    "Barcelona" -> Catalonia): how the registry often names regions we have no names for.
    None unless the country has a city of 100,000 people or more of that name."""
    places = gazetteer()
    found = places.find(fold(state), [[Region(country, None, "")]])
    if not found or not places.admin1[found[0]] or places.populations[found[0]] < _REGION_CITY_POPULATION:
        return None
    return Region(country, places.admin1[found[0]], state)


def _city_keys(city: str) -> list[str]:
    """The folded names to look a site's city up by, the likeliest first.

    The registry's city field is free text: "Brussels (Bruxelles)", "Hampstead, London",
    "Paris Cedex 13", "Torquay Devon", "Belo Horizonte-MG". After the whole name come the
    names in and outside parentheses and between commas, without "Cedex ..." and trailing
    postal district numbers, and then their leading and trailing words (a single word only
    when it has five letters or more and is not a word like "North" or "Saint" that begins
    many names).
    """
    keys = [fold(city)]
    pieces = [_PARENTHESES.sub(" ", city), *_PARENTHESES.findall(city), *city.split(",")]
    for piece in map(fold, pieces):
        words = piece.split()
        if "cedex" in words:
            words = words[: words.index("cedex")]
        while words and any(character.isdigit() for character in words[-1]):
            words.pop()
        if len(words) > 1 and words[-1] in _KIND_WORDS:
            words.pop()
        keys.append(" ".join(words))
    parts: list[str] = []
    for piece in keys:
        words = piece.split()
        for count in range(len(words) - 1, 0, -1):
            parts.extend((" ".join(words[:count]), " ".join(words[-count:])))
    keys.extend(
        part for part in parts if " " in part or (len(part) >= _SHORTEST_PART and part not in _NOT_ALONE)
    )
    return [key for key in dict.fromkeys(keys) if key]


def _state_regions(state: str | None, country: str | None) -> list[Region]:
    """The first-level regions `state` names, in `country` if it is known ([] if none)."""
    if not state:
        return []
    regions = [region for region in regions_named(state) if region.admin1 is not None]
    if country is None:
        return [region for region in regions if region.country == "US"][:1]
    return [region for region in regions if region.country == country]


def _zip_coordinates(zip_code: str, state_regions: list[Region]) -> tuple[float, float] | None:
    """A ZIP code's centre, unless the site's state says the ZIP code is mistyped."""
    match = _ZIP.fullmatch(zip_code)
    if match is None:
        return None
    code = us_postal().zips.get(match[1])
    if code is None:
        return None
    if state_regions and code.state in US_STATES and not any(r.admin1 == code.state for r in state_regions):
        return None
    return code.latitude, code.longitude
