"""Every trial site as columns in memory, for distances, radius filters and the nearest site.

A registry of 580,000 trials lists about 5 million sites. They are held as numpy columns
sorted by trial (so one trial's sites are a contiguous slice), with a second ordering by
latitude so a radius search only computes distances for the sites in a latitude band. The
columns are saved beside the text index and memory-mapped when a search opens them.

Sites whose record has no coordinates (legacy XML) are placed at their ZIP code or city with
the offline gazetteer (`trialscout.geo.sites.site_coordinates`); the registry's own geoPoints
are city-level too, so the precision is alike.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import msgspec
import numpy as np
import numpy.typing as npt

from trialscout.geo.distance import haversine_km
from trialscout.geo.sites import site_coordinates

STATUS_CODES: tuple[str | None, ...] = (
    None,
    "RECRUITING",
    "NOT_YET_RECRUITING",
    "ENROLLING_BY_INVITATION",
    "ACTIVE_NOT_RECRUITING",
    "COMPLETED",
    "SUSPENDED",
    "TERMINATED",
    "WITHDRAWN",
    "AVAILABLE",
)
_STATUS_INDEX = {s: i for i, s in enumerate(STATUS_CODES)}
RECRUITING = _STATUS_INDEX["RECRUITING"]
_KM_PER_DEGREE_LAT = 111.2

_COLUMNS = ("trial", "ordinal", "lat", "lon", "status", "country", "state", "city")
_DTYPES = {
    "trial": np.int64,
    "ordinal": np.int32,
    "lat": np.float32,
    "lon": np.float32,
    "status": np.int8,
    "country": np.int32,
    "state": np.int32,
    "city": np.int32,
}

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class SiteFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which sites count: recruiting ones only, and/or in given countries, states or cities.

    Places are keyed as the index keys them: "Country", "Country/State", "Country/State/City"
    (several keys when a name is ambiguous: "Paris" is in France and in Texas).
    """

    recruiting_only: bool = False
    country: tuple[str, ...] = ()
    state: tuple[str, ...] = ()
    city: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.recruiting_only or self.country or self.state or self.city)


class SiteMatch(msgspec.Struct, frozen=True):
    """The nearest fitting site of one trial, and how many other sites fit."""

    ordinal: int
    distance_km: float | None
    status: str | None
    other_sites: int


class SiteTable:
    """Columns of every site of every indexed trial, sorted by trial rowid then ordinal."""

    def __init__(self, columns: dict[str, np.ndarray], places: dict[str, list[str]]) -> None:
        self.columns = columns
        self.places = places  # code -> name, for country, state and city
        self._codes = {kind: {name: i for i, name in enumerate(names)} for kind, names in places.items()}
        lat = columns["lat"]
        order = np.argsort(lat, kind="stable")
        finite = np.isfinite(lat[order])
        self._lat_order = order[finite]
        self._lat_sorted = lat[self._lat_order]
        self._folded: dict[str, dict[str, list[str]]] | None = None

    # --- building -------------------------------------------------------------------------

    @classmethod
    def empty(cls) -> SiteTable:
        return cls(
            {c: np.zeros(0, dtype=_DTYPES[c]) for c in _COLUMNS},
            {"country": [""], "state": [""], "city": [""]},
        )

    @classmethod
    def from_store(cls, conn: sqlite3.Connection, rowids: Sequence[int] | None = None) -> SiteTable:
        """Read the sites of all trials (or of ``rowids``) from the store."""
        return cls.empty().replaced(conn, rowids, everything=rowids is None)

    def replaced(
        self, conn: sqlite3.Connection, rowids: Iterable[int] | None, *, everything: bool = False
    ) -> SiteTable:
        """A new table with the sites of ``rowids`` re-read from the store (all if ``everything``)."""
        places = {kind: list(names) for kind, names in self.places.items()}
        codes = {kind: dict(table) for kind, table in self._codes.items()}

        def code(kind: str, name: str | None) -> int:
            if not name:
                return 0
            table = codes[kind]
            found = table.get(name)
            if found is None:
                found = table[name] = len(places[kind])
                places[kind].append(name)
            return found

        rows: dict[str, list[object]] = {c: [] for c in _COLUMNS}
        query = (
            "SELECT t.rowid, s.ordinal, s.latitude, s.longitude, s.status, s.country, s.state, s.city, s.zip"
            " FROM sites s JOIN trials t ON t.nct_id = s.nct_id"
        )
        if everything:
            cursors = [conn.execute(query)]
            keep = None
        else:
            wanted = sorted(set(rowids or ()))
            cursors = [
                conn.execute(query + f" WHERE t.rowid IN ({','.join('?' * len(chunk))})", chunk)
                for chunk in (wanted[i : i + 500] for i in range(0, len(wanted), 500))
            ]
            keep = ~np.isin(self.columns["trial"], np.asarray(wanted, dtype=np.int64))
        for cursor in cursors:
            for trial, ordinal, lat, lon, status, country, state, city, zip_code in cursor:
                if lat is None or lon is None:
                    placed = site_coordinates(city, state, zip_code, country)
                    lat, lon = placed if placed else (np.nan, np.nan)
                rows["trial"].append(trial)
                rows["ordinal"].append(ordinal)
                rows["lat"].append(lat)
                rows["lon"].append(lon)
                rows["status"].append(_STATUS_INDEX.get(status, 0))
                rows["country"].append(code("country", country))
                rows["state"].append(code("state", f"{country}/{state}" if country and state else None))
                rows["city"].append(
                    code("city", f"{country}/{state or ''}/{city}" if country and city else None)
                )
        fresh = {c: np.asarray(rows[c], dtype=_DTYPES[c]) for c in _COLUMNS}
        if keep is not None:
            fresh = {c: np.concatenate([self.columns[c][keep], fresh[c]]) for c in _COLUMNS}
        order = np.lexsort((fresh["ordinal"], fresh["trial"]))
        return SiteTable({c: fresh[c][order] for c in _COLUMNS}, places)

    # --- persistence ----------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for column in _COLUMNS:
            np.save(folder / f"sites_{column}.npy", self.columns[column])
        (folder / "sites_places.json").write_text(json.dumps(self.places))

    @classmethod
    def load(cls, folder: Path) -> SiteTable:
        columns = {c: np.load(folder / f"sites_{c}.npy", mmap_mode="r") for c in _COLUMNS}
        places = json.loads((folder / "sites_places.json").read_text())
        return cls(columns, places)

    def __len__(self) -> int:
        return int(self.columns["trial"].shape[0])

    # --- queries --------------------------------------------------------------------------

    def _fits(self, index: np.ndarray, site_filter: SiteFilter) -> np.ndarray:
        """Which of the sites at ``index`` fit the filter (a boolean mask)."""
        mask = np.ones(index.shape[0], dtype=bool)
        if site_filter.recruiting_only:
            mask &= self.columns["status"][index] == RECRUITING
        for kind in ("country", "state", "city"):
            wanted = getattr(site_filter, kind)
            if wanted:
                codes = [self._codes[kind].get(name, -1) for name in wanted]
                mask &= np.isin(self.columns[kind][index], codes)
        return mask

    def within(
        self, latitude: float, longitude: float, radius_km: float, site_filter: SiteFilter
    ) -> dict[int, float]:
        """Trials with a fitting site within the radius, with the distance of the nearest one."""
        band = radius_km / _KM_PER_DEGREE_LAT
        lo = np.searchsorted(self._lat_sorted, latitude - band, side="left")
        hi = np.searchsorted(self._lat_sorted, latitude + band, side="right")
        index = self._lat_order[lo:hi]
        if index.size == 0:
            return {}
        index = index[self._fits(index, site_filter)]
        distances = haversine_km(latitude, longitude, self.columns["lat"][index], self.columns["lon"][index])
        close = distances <= radius_km
        trials = self.columns["trial"][index[close]]
        distances = distances[close]
        if trials.size == 0:
            return {}
        order = np.lexsort((distances, trials))
        trials, distances = trials[order], distances[order]
        first = np.concatenate(([True], trials[1:] != trials[:-1]))
        return dict(zip(trials[first].tolist(), distances[first].tolist(), strict=True))

    def trial_slice(self, rowid: int) -> slice:
        trials = self.columns["trial"]
        start = int(np.searchsorted(trials, rowid, side="left"))
        end = int(np.searchsorted(trials, rowid, side="right"))
        return slice(start, end)

    def nearest(
        self, rowid: int, latitude: float | None, longitude: float | None, site_filter: SiteFilter
    ) -> SiteMatch | None:
        """The trial's nearest site that fits the filter (its first fitting site when no point
        is given), or None when no site fits."""
        part = self.trial_slice(rowid)
        index = np.arange(part.start, part.stop)
        index = index[self._fits(index, site_filter)]
        if index.size == 0:
            return None
        distance: float | None = None
        best = int(index[0])
        if latitude is not None and longitude is not None:
            distances = haversine_km(
                latitude, longitude, self.columns["lat"][index], self.columns["lon"][index]
            )
            if np.isfinite(distances).any():
                at = int(np.nanargmin(distances))
                best, distance = int(index[at]), float(distances[at])
        return SiteMatch(
            ordinal=int(self.columns["ordinal"][best]),
            distance_km=distance,
            status=STATUS_CODES[int(self.columns["status"][best])],
            other_sites=int(index.size - 1),
        )

    def nearest_distances(
        self, rowids: IntArray, latitude: float, longitude: float, site_filter: SiteFilter
    ) -> FloatArray:
        """For each trial, the distance to its nearest fitting site (inf when none has coordinates)."""
        out = np.full(rowids.shape[0], np.inf)
        for n, rowid in enumerate(rowids.tolist()):
            match = self.nearest(rowid, latitude, longitude, site_filter)
            if match is not None and match.distance_km is not None:
                out[n] = match.distance_km
        return out

    def known_places(self, kind: str, name: str) -> tuple[str, ...]:
        """The stored keys of a country/state/city name, without regard to case: an exact key
        ("United States/Illinois") or the last part of keys ("Illinois", "Chicago")."""
        if self._folded is None:
            folded: dict[str, dict[str, list[str]]] = {}
            for each_kind, names in self.places.items():
                table = folded.setdefault(each_kind, {})
                for key in names[1:]:
                    table.setdefault(key.casefold(), []).append(key)
                    table.setdefault(key.rsplit("/", 1)[-1].casefold(), []).append(key)
            self._folded = folded
        return tuple(dict.fromkeys(self._folded.get(kind, {}).get(name.strip().casefold(), [])))

    def place_coordinates(self) -> list[tuple[str, str | None, str, float, float]]:
        """(city, state, country, latitude, longitude) of every distinct site city with
        coordinates (their mean), so that a place name can be found among the trial sites."""
        city = np.asarray(self.columns["city"])
        lat = np.asarray(self.columns["lat"], dtype=np.float64)
        lon = np.asarray(self.columns["lon"], dtype=np.float64)
        placed = (city > 0) & np.isfinite(lat) & np.isfinite(lon)
        if not placed.any():
            return []
        codes, inverse = np.unique(city[placed], return_inverse=True)
        counts = np.bincount(inverse)
        mean_lat = np.bincount(inverse, lat[placed]) / counts
        mean_lon = np.bincount(inverse, lon[placed]) / counts
        out = []
        for code, la, lo in zip(codes.tolist(), mean_lat.tolist(), mean_lon.tolist(), strict=True):
            country, state, name = self.places["city"][code].split("/", 2)
            out.append((name, state or None, country, la, lo))
        return out
