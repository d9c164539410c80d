"""Where a person is: the place they type ("Palo Alto, CA", "94301", "Lyon, France") as a point.

`resolve_place` reads, in this order:

1. coordinates: "41.88,-87.63", "41.88 -87.63", "41.88° N, 87.63° W";
2. a US ZIP code ("94301", "94301-1234"), alone or ending an address that names its city or
   state ("Palo Alto, CA 94301", but "Paris 75013" is in France);
3. names: a city with optional qualifiers ("Palo Alto", "Palo Alto, CA", "Paris, TX",
   "Lyon, France", "London ON"), a US state or another first-level region ("Texas", "CA",
   "Ontario"), or a country ("France", "USA", "UK").

Names ignore accents, case and punctuation ("Besancon" is Besançon). An unqualified city name is
the most populous place of that name ("Paris" is Paris, France), counting a place's other
names ("Cologne" is Köln) as if it were a hundred times smaller. A name that is both a region and a
city is the region, unless the city has a million people ("New York" is the city, "Georgia" the
US state); a country name is always the country. The places that trial sites name
(`extra_places`) are looked at last, for towns the gazetteer does not have.

A state or country comes back as the population-weighted centre of its places, with its kind
saying so: a search should then keep the sites in that region rather than draw a circle.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Final

import msgspec
from rapidfuzz import fuzz, process

from trialscout.errors import UnknownPlaceError
from trialscout.geo.coordinates import format_coordinates, parse_coordinates
from trialscout.geo.gazetteer import PostalTown, gazetteer, regions_named, us_postal
from trialscout.geo.names import US_STATES, Region, country_code, fold, fold_many, region_tables

#: (city, state, country, latitude, longitude) of a place a trial site names.
SitePlace = tuple[str | None, str | None, str | None, float | None, float | None]

# Longest text read as a place; longer is not a place name (and would slow close matching).
_MAX_LENGTH: Final = 200
# A city this populous is meant by its name rather than the region of the same name.
_CITY_BEFORE_REGION: Final = 1_000_000
_ZIP: Final = re.compile(r"(?P<zip>\d{5})(?:\s*-\s*\d{4})?", re.ASCII)
_TRAILING_ZIP: Final = re.compile(r"(?P<rest>.*?)[\s,]+(?P<zip>\d{5})(?:\s*-\s*\d{4})?", re.ASCII)
# ZIP-code "states" that are US territories with their own country code.
_TERRITORIES: Final = frozenset({"PR", "VI", "GU", "AS", "MP", "FM", "MH", "PW"})
_SUGGESTIONS: Final = 5
# How alike (of 100, rapidfuzz's ratio) a name must be to the text to be suggested.
_CLOSE: Final = 75
# In suggestions, a match on a place's other name counts as this much less close.
_OTHER_NAME_DISTANCE: Final = 5
# A region or country ranks among equally close suggestions as if this populous.
_REGION_POPULATION: Final = 10**10


class PlaceKind(enum.StrEnum):
    """What a resolved place is: a point, or the centre of an area that a search should keep."""

    COORDINATES = "coordinates"
    ZIP = "zip"
    CITY = "city"
    STATE = "state"
    COUNTRY = "country"


class Place(msgspec.Struct, frozen=True):
    """A place a person typed, as a point: "Palo Alto, California, US" at 37.44, -122.14.

    ``country_code`` is the ISO 3166 code (None for bare coordinates); ``state`` names the US
    state or other first-level region when it is known ("California", "Ontario").
    """

    latitude: float
    longitude: float
    label: str
    kind: PlaceKind
    country_code: str | None = None
    state: str | None = None


def resolve_place(text: str, *, extra_places: Iterable[SitePlace] | None = None) -> Place:
    """The place that `text` names, as a point; raises `UnknownPlaceError` if there is none.

    `extra_places` are (city, state, country, latitude, longitude) of places known from trial
    sites, read only when nothing else matches: a town a trial site has but the gazetteer lacks
    can still be found. The error's message and ``suggestions`` give up to five close matches.
    Any text gives a `Place` or a `TrialscoutError`, never another exception.
    """
    cleaned = " ".join(text.split())
    if not cleaned:
        raise UnknownPlaceError(text, "no place given: type a city, a US ZIP code or coordinates")
    if len(cleaned) > _MAX_LENGTH:
        raise UnknownPlaceError(text, f"a place name is at most {_MAX_LENGTH} characters")
    coordinates = parse_coordinates(cleaned)
    if coordinates is not None:
        latitude, longitude = coordinates
        return Place(latitude, longitude, format_coordinates(latitude, longitude), PlaceKind.COORDINATES)
    zip_match = _ZIP.fullmatch(cleaned)
    if zip_match is not None:
        place = _zip_place(zip_match["zip"])
        if place is None:
            raise UnknownPlaceError(text, f"{zip_match['zip']} is not a US ZIP code")
        return place
    zip_match = _TRAILING_ZIP.fullmatch(cleaned)
    if zip_match is not None:
        place = _zip_place(zip_match["zip"], agreeing_with=zip_match["rest"])
        if place is not None:
            return place
        cleaned = zip_match["rest"]  # "Paris 75013" is in France, not in Allen, TX 75013
    extras = _SitePlaces(extra_places)
    readings = [reading for reading in _readings(cleaned) if reading.key]
    # Every reading in the gazetteer first: "Palo Alto CA" needs no ZIP data loaded.
    for reading in readings:
        place = _gazetteer_place(reading)
        if place is not None:
            return place
    for reading in readings:
        place = _town_or_site_place(reading, extras)
        if place is not None:
            return place
    raise UnknownPlaceError(text, f"no place called {text.strip()!r} is known", _suggest(readings, extras))


class _SitePlaces:
    """The trial-site places given to `resolve_place`, read and folded only when needed."""

    def __init__(self, places: Iterable[SitePlace] | None) -> None:
        self._given = places
        self._places: list[SitePlace] | None = None
        self._keys: list[str] = []

    def named(self) -> Iterator[tuple[str, SitePlace]]:
        """(folded city, place) for each place with a city and coordinates."""
        if self._places is None:
            self._places = [
                place
                for place in (self._given or ())
                if place[0] and place[3] is not None and place[4] is not None
            ]
            self._keys = fold_many([place[0] or "" for place in self._places])
        return zip(self._keys, self._places, strict=True)


class _Reading(msgspec.Struct, frozen=True):
    """One way to read the text: a name, the qualifiers after it, and whether it may be a region."""

    name: str
    key: str
    #: Each qualifier as typed, with the regions it may name (none: "Santa Clara County").
    given: tuple[tuple[str, tuple[Region, ...]], ...]
    may_be_region: bool

    @property
    def qualifiers(self) -> list[tuple[Region, ...]]:
        """The qualifiers that name known regions; the others are left out."""
        return [regions for _, regions in self.given if regions]


def _reading(name: str, qualifiers: Sequence[str], *, may_be_region: bool) -> _Reading:
    given = tuple((text, regions_named(text)) for text in qualifiers)
    return _Reading(name, fold(name), given, may_be_region)


def _readings(text: str) -> Iterator[_Reading]:
    """ "Palo Alto, CA" -> (Palo Alto | CA); "123 Main St, Palo Alto, CA" also (Palo Alto | CA);
    "Paris TX" -> (Paris TX), then (Paris | TX)."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        return
    if len(parts) > 1 and fold(text) in region_tables().countries_by_name:
        yield _reading(text, (), may_be_region=True)  # "Korea, Republic of"
    yield _reading(parts[0], parts[1:], may_be_region=True)
    # Leading parts that are not a place (a street, a hospital) are skipped only while a
    # qualifier follows, so "Springfieldd, IL" is not read as Illinois.
    for start in range(1, len(parts) - 1):
        yield _reading(parts[start], parts[start + 1 :], may_be_region=False)
    words = parts[0].split()
    for count in (3, 2, 1):  # "Palo Alto CA", "Chicago Illinois", "Sydney New South Wales"
        if len(words) > count:
            qualifier = " ".join(words[-count:])
            if regions_named(qualifier):
                yield _reading(" ".join(words[:-count]), (qualifier, *parts[1:]), may_be_region=True)


def _gazetteer_place(reading: _Reading) -> Place | None:
    """A region, or a city of the gazetteer, that the reading names."""
    if reading.may_be_region:
        region = _qualified_region(reading) if reading.given else _region_named(reading.key)
        if region is not None:
            return region
    places = gazetteer().find(reading.key, reading.qualifiers)
    if places:
        return _city_place(places[0])
    return None


def _town_or_site_place(reading: _Reading, extras: _SitePlaces) -> Place | None:
    """A US town of the ZIP data, or a trial site's town, that the reading names."""
    town = _postal_town(reading.key, reading.qualifiers)
    if town is not None:
        return _town_place(town)
    return _extra_place(reading.key, reading.given, extras)


def _region_named(key: str) -> Place | None:
    """A bare region name or code: "CA" and "Texas" (US states), "France", "Ontario", "NSW"."""
    tables = region_tables()
    if len(key) == 2 and key.upper() in US_STATES:
        return _region_place(Region("US", key.upper(), US_STATES[key.upper()]))
    state = tables.states_by_name.get(key)
    if state is not None:
        cities = gazetteer().find(key)
        if cities and gazetteer().populations[cities[0]] >= _CITY_BEFORE_REGION:
            return _city_place(cities[0])
        return _region_place(state)
    country = tables.countries_by_name.get(key)
    if country is not None:
        return _region_place(country)
    if gazetteer().find(key):
        return None  # a city of this name comes before a code ("Ede", "Bar")
    for region in tables.by_code.get(key, ()):
        place = _region_place(region)
        if place is not None:
            return place
    return None


def _qualified_region(reading: _Reading) -> Place | None:
    """A region with qualifiers that agree: "California, USA", "Ontario, Canada"; but "New York,
    NY" is the city, which has a million people."""
    tables = region_tables()
    for region in (tables.states_by_name.get(reading.key), *tables.by_code.get(reading.key, ())):
        if (
            region is not None
            and region.admin1 is not None
            and all(
                any(outer.contains(region.country, region.admin1) for outer in q) for q in reading.qualifiers
            )
        ):
            cities = gazetteer().find(reading.key, reading.qualifiers)
            if cities and gazetteer().populations[cities[0]] >= _CITY_BEFORE_REGION:
                return _city_place(cities[0])
            return _region_place(region)
    return None


def _region_place(region: Region) -> Place | None:
    centre = gazetteer().centre(region)
    if centre is None:
        return None
    tables = region_tables()
    if region.admin1 is None:
        return Place(*centre, tables.country_labels[region.country], PlaceKind.COUNTRY, region.country)
    label = f"{region.name}, {_country_suffix(region.country)}"
    return Place(*centre, label, PlaceKind.STATE, region.country, region.name)


def _city_place(index: int) -> Place:
    places = gazetteer()
    country, admin1 = places.countries[index], places.admin1[index]
    state = region_tables().state_names.get((country, admin1))
    parts = (places.names[index], state, _country_suffix(country))
    label = ", ".join(part for part in parts if part)
    return Place(places.latitudes[index], places.longitudes[index], label, PlaceKind.CITY, country, state)


def _country_suffix(country: str) -> str:
    """How a label ends: "US" for the United States, the country's name elsewhere."""
    return "US" if country == "US" else region_tables().country_labels.get(country, country)


def _postal_town(key: str, qualifiers: Sequence[Sequence[Region]]) -> PostalTown | None:
    """A US town the ZIP data names but the gazetteer lacks (under 1,000 people)."""
    if any(not any(region.country == "US" for region in q) for q in qualifiers):
        return None
    towns = [
        town
        for town in us_postal().towns.get(key, ())
        if all(any(region.contains("US", town.state) for region in q) for q in qualifiers)
    ]
    return max(towns, key=lambda town: town.zip_codes, default=None)


def _town_place(town: PostalTown) -> Place:
    state = US_STATES.get(town.state)
    if state is None:  # a territory: Puerto Rico, Guam, ...
        label = f"{town.name}, {_country_suffix(town.state)}"
        return Place(town.latitude, town.longitude, label, PlaceKind.CITY, town.state)
    return Place(town.latitude, town.longitude, f"{town.name}, {state}, US", PlaceKind.CITY, "US", state)


def _zip_place(zip_code: str, *, agreeing_with: str | None = None) -> Place | None:
    """The ZIP code's centre; with `agreeing_with`, only if that text names its city or state."""
    code = us_postal().zips.get(zip_code)
    if code is None:
        return None
    if agreeing_with is not None:
        words = f" {fold(agreeing_with)} "
        names = (fold(code.city), code.state.lower(), fold(US_STATES.get(code.state, code.state)))
        if not any(f" {name} " in words for name in names):
            return None
    country = code.state if code.state in _TERRITORIES else "US"
    state = US_STATES.get(code.state)
    label = f"{code.city}, {code.state} {zip_code}"
    return Place(code.latitude, code.longitude, label, PlaceKind.ZIP, country, state)


def _extra_place(
    key: str, qualifiers: Sequence[tuple[str, Sequence[Region]]], extras: _SitePlaces
) -> Place | None:
    """The first trial-site place of this name that agrees with every qualifier."""
    for city_key, (city, state, country, latitude, longitude) in extras.named():
        if city_key != key or latitude is None or longitude is None:
            continue
        if all(_site_agrees(text, regions, state, country) for text, regions in qualifiers):
            label = ", ".join(part for part in (city, state, country) if part)
            return Place(latitude, longitude, label, PlaceKind.CITY, country_code(country or ""), state)
    return None


def _site_agrees(text: str, regions: Sequence[Region], state: str | None, country: str | None) -> bool:
    """Whether a site in (state, country) lies in the qualifier `text` ("CA", "France", ...).

    A qualifier that names no known region ("Rhône") is left out, as for the gazetteer's
    places; one that names a region agrees if the site's country and state lie in it, or if it
    is the site's state or country as written.
    """
    key = fold(text)
    if key in (fold(state or ""), fold(country or "")) or not regions:
        return True
    code = country_code(country or "")
    if code is None:
        return False
    site_regions = region_tables().regions(state) if state else ()
    admin1 = next((r.admin1 for r in site_regions if r.country == code and r.admin1), "")
    return any(region.contains(code, admin1) for region in regions)


def _suggest(readings: Sequence[_Reading], extras: _SitePlaces) -> tuple[str, ...]:
    """Up to five labels of places whose names are close to the text's, closest first."""
    if not readings:
        return ()
    reading = readings[0]
    key, qualifiers = reading.key, reading.qualifiers
    if len(key) < 3:
        return ()
    tables = region_tables()
    # (disagrees with a qualifier, -closeness, -population, label): the best first.
    scored: list[tuple[bool, float, int, str]] = []
    close = process.extract(key, _suggestion_keys(), scorer=fuzz.ratio, limit=15, score_cutoff=_CLOSE)
    places = gazetteer()
    for name, score, _ in close:
        in_qualifiers = places.find(name, qualifiers)[:3] if qualifiers else []
        for index in dict.fromkeys([*in_qualifiers, *places.find(name)[:3]]):
            # A place's own name is a closer match than one of its other names.
            closeness = score if places.is_own_name(name, index) else score - _OTHER_NAME_DISTANCE
            if closeness >= _CLOSE:
                agrees = all(places.lies_in(index, regions) for regions in qualifiers)
                label = _city_place(index).label
                scored.append((not agrees, -closeness, -places.populations[index], label))
        for region in (tables.states_by_name.get(name), tables.countries_by_name.get(name)):
            if region is not None and (place := _region_place(region)) is not None:
                scored.append((bool(qualifiers), -score, -_REGION_POPULATION, place.label))
    for city_key, (city, state, country, _, _) in extras.named():
        if (score := fuzz.ratio(key, city_key, score_cutoff=_CLOSE)) > 0:
            label = ", ".join(part for part in (city, state, country) if part)
            scored.append((False, -score, 0, label))
    labels: list[str] = []
    for *_, label in sorted(scored):
        if label not in labels:
            labels.append(label)
    return tuple(labels[:_SUGGESTIONS])


@functools.cache
def _suggestion_keys() -> list[str]:
    tables = region_tables()
    return list(dict.fromkeys([*gazetteer().keys(), *tables.states_by_name, *tables.countries_by_name]))
