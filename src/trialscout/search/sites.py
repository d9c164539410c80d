"""Every trial site as columns in memory, for distances, radius filters and the nearest site.

A registry of 580,000 trials lists about 5 million sites. They are held as numpy columns
sorted by trial, so one trial's sites are a contiguous slice and the nearest fitting site of
any set of trials is a few vectorised operations over their own sites (a radius search first
narrows the trials with the grid cells the text index holds). The columns are saved beside the
text index and memory-mapped when a search opens them.

Sites whose record has no coordinates (legacy XML) are placed at their ZIP code or city with
the offline gazetteer (`trialscout.geo.sites.site_coordinates`); the registry's own geoPoints
are city-level too, so the precision is alike.
"""

from __future__ import annotations

import json
import math
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
_KM_PER_DEGREE = 111.2

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
        # Plain arrays over the (memory-mapped) data: numpy's memmap subclass is slow to index.
        self.columns = {name: np.asarray(values) for name, values in columns.items()}
        self.places = places  # code -> name, for country, state and city
        self._codes = {kind: {name: i for i, name in enumerate(names)} for kind, names in places.items()}
        self._folded: dict[str, dict[str, list[str]]] | None = None
        # Where each trial's sites start and end, by rowid (the columns are sorted by trial).
        trials = self.columns["trial"]
        size = int(trials[-1]) + 2 if trials.size else 1
        boundaries = (
            np.flatnonzero(np.concatenate(([True], trials[1:] != trials[:-1])))
            if trials.size
            else np.zeros(0, np.int64)
        )
        self._first = np.zeros(size, dtype=np.int64)
        self._last = np.zeros(size, dtype=np.int64)
        if trials.size:
            owners = trials[boundaries]
            self._first[owners] = boundaries
            self._last[owners] = np.concatenate((boundaries[1:], [trials.size]))

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

        query = (
            "SELECT t.rowid, s.ordinal, s.latitude, s.longitude, s.status, s.country, s.state, s.city, s.zip"
            " FROM sites s JOIN trials t ON t.nct_id = s.nct_id"
        )
        keep: np.ndarray | None = None
        if everything:
            cursors = [conn.execute(query)]
        else:
            wanted = sorted(set(rowids or ()))
            cursors = [
                conn.execute(query + f" WHERE t.rowid IN ({','.join('?' * len(chunk))})", chunk)
                for chunk in (wanted[i : i + 500] for i in range(0, len(wanted), 500))
            ]
            keep = ~np.isin(self.columns["trial"], np.asarray(wanted, dtype=np.int64))
        chunks: dict[str, list[np.ndarray]] = {c: [] for c in _COLUMNS}
        for cursor in cursors:
            while rows := cursor.fetchmany(100_000):
                # Columns of one chunk at a time, so memory holds numbers, not row objects.
                out: dict[str, list[object]] = {c: [] for c in _COLUMNS}
                for trial, ordinal, lat, lon, status, country, state, city, zip_code in rows:
                    if lat is None or lon is None:
                        placed = site_coordinates(city, state, zip_code, country)
                        lat, lon = placed if placed else (np.nan, np.nan)
                    out["trial"].append(trial)
                    out["ordinal"].append(ordinal)
                    out["lat"].append(lat)
                    out["lon"].append(lon)
                    out["status"].append(_STATUS_INDEX.get(status, 0))
                    out["country"].append(code("country", country))
                    out["state"].append(code("state", f"{country}/{state}" if country and state else None))
                    out["city"].append(
                        code("city", f"{country}/{state or ''}/{city}" if country and city else None)
                    )
                for c in _COLUMNS:
                    chunks[c].append(np.asarray(out[c], dtype=_DTYPES[c]))
        fresh = {
            c: np.concatenate(chunks[c]) if chunks[c] else np.zeros(0, dtype=_DTYPES[c]) for c in _COLUMNS
        }
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

    def trial_slice(self, rowid: int) -> slice:
        if not 0 <= rowid < self._first.size:
            return slice(0, 0)
        return slice(int(self._first[rowid]), int(self._last[rowid]))

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

    def distances(
        self,
        rowids: np.ndarray,
        latitude: float,
        longitude: float,
        site_filter: SiteFilter,
        within_km: float,
    ) -> FloatArray:
        """For each trial, the distance to its nearest fitting site when one is within
        ``within_km`` (inf otherwise), computed over the trials' own sites only."""
        keys = np.asarray(rowids, dtype=np.int64)
        known = (keys >= 0) & (keys < self._first.size)
        safe = np.where(known, keys, 0)
        starts = np.where(known, self._first[safe], 0)
        counts = np.where(known, self._last[safe] - starts, 0)
        out = np.full(keys.shape[0], np.inf)
        total = int(counts.sum())
        if total == 0:
            return out
        owner = np.repeat(np.arange(keys.shape[0]), counts)
        index = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(total)
        # A box around the circle first: most sites of a nationwide trial are far away.
        lat = self.columns["lat"][index]
        lon = self.columns["lon"][index]
        dlat = within_km / _KM_PER_DEGREE
        dlon = min(360.0, dlat / max(math.cos(math.radians(min(89.0, abs(latitude) + dlat))), 1e-3))
        lon_gap = np.abs(((lon - longitude) + 180.0) % 360.0 - 180.0)
        near = (np.abs(lat - latitude) <= dlat) & (lon_gap <= dlon)
        owner, index = owner[near], index[near]
        fits = self._fits(index, site_filter)
        owner, index = owner[fits], index[fits]
        found = haversine_km(latitude, longitude, self.columns["lat"][index], self.columns["lon"][index])
        found = np.where(found <= within_km, found, np.inf)
        np.minimum.at(out, owner, found)
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
