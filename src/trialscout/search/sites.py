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
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from trialscout.geo.distance import haversine_km
from trialscout.geo.sites import site_coordinates
from trialscout.model.enums import CLOSED_STATUSES, OverallStatus
from trialscout.model.nct import nct_key
from trialscout.search.results import SiteFilter, SiteMatch
from trialscout.store.base import SiteRow, TrialReader

#: A site's status as a small code (0: none stated); the order is part of the saved layout.
STATUS_CODES: tuple[str | None, ...] = (None, *(s.value for s in OverallStatus))
_STATUS_INDEX = {s: i for i, s in enumerate(STATUS_CODES)}
RECRUITING = _STATUS_INDEX["RECRUITING"]
_CLOSED = np.array(sorted(_STATUS_INDEX[s.value] for s in CLOSED_STATUSES), dtype=np.int64)
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


class SiteTable:
    """Columns of every site of every indexed trial, sorted by trial key (the number of its NCT
    ID, `trialscout.model.nct.nct_key`) then ordinal."""

    def __init__(self, columns: dict[str, np.ndarray], places: dict[str, list[str]]) -> None:
        # Plain arrays over the (memory-mapped) data: numpy's memmap subclass is slow to index.
        self.columns = {name: np.asarray(values) for name, values in columns.items()}
        self.places = places  # code -> name, for country, state and city
        self._codes = {kind: {name: i for i, name in enumerate(names)} for kind, names in places.items()}
        self._folded: dict[str, dict[str, list[str]]] | None = None
        # Where each trial's sites start and end (the columns are sorted by trial key).
        trials = self.columns["trial"]
        if trials.size:
            boundaries = np.flatnonzero(np.concatenate(([True], trials[1:] != trials[:-1])))
            self._keys = np.asarray(trials[boundaries], dtype=np.int64)
            self._first = boundaries.astype(np.int64)
            self._last = np.concatenate((boundaries[1:], [trials.size])).astype(np.int64)
        else:
            self._keys = self._first = self._last = np.zeros(0, dtype=np.int64)

    # --- building -------------------------------------------------------------------------

    @classmethod
    def empty(cls) -> SiteTable:
        return cls(
            {c: np.zeros(0, dtype=_DTYPES[c]) for c in _COLUMNS},
            {"country": [""], "state": [""], "city": [""]},
        )

    @classmethod
    def from_store(cls, store: TrialReader) -> SiteTable:
        """Read the sites of all trials from the store."""
        return cls.empty().replaced(store, None)

    def replaced(self, store: TrialReader, nct_ids: Iterable[str] | None) -> SiteTable:
        """A new table with the sites of ``nct_ids`` re-read from the store (all if None)."""
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

        keep: np.ndarray | None = None
        if nct_ids is None:
            rows = store.site_rows(None)
        else:
            wanted = sorted(set(nct_ids))
            rows = store.site_rows(wanted)
            keep = ~np.isin(self.columns["trial"], np.asarray([nct_key(n) for n in wanted], dtype=np.int64))
        chunks: dict[str, list[np.ndarray]] = {c: [] for c in _COLUMNS}
        for batch in _batches(rows, 100_000):
            # Columns of one batch at a time, so memory holds numbers, not row objects.
            out: dict[str, list[object]] = {c: [] for c in _COLUMNS}
            for site in batch:
                lat, lon = site.latitude, site.longitude
                if lat is None or lon is None:
                    placed = site_coordinates(site.city, site.state, site.zip, site.country)
                    lat, lon = placed if placed else (np.nan, np.nan)
                country, state, city = site.country, site.state, site.city
                out["trial"].append(nct_key(site.nct_id))
                out["ordinal"].append(site.ordinal)
                out["lat"].append(lat)
                out["lon"].append(lon)
                out["status"].append(_STATUS_INDEX.get(site.status, 0))
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
        """Write the columns into ``folder`` (a new folder: readers may have the old mapped)."""
        folder.mkdir(parents=True, exist_ok=True)
        for column in _COLUMNS:
            np.save(folder / f"sites_{column}.npy", self.columns[column])
        (folder / "sites_places.json").write_text(json.dumps(self.places))

    @classmethod
    def load(cls, folder: Path) -> SiteTable:
        """The columns saved in ``folder``, memory-mapped (raises OSError or ValueError when a
        column is missing or damaged)."""
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
        elif site_filter.open_only:
            mask &= ~np.isin(self.columns["status"][index], _CLOSED)
        for kind in ("country", "state", "city"):
            wanted = getattr(site_filter, kind)
            if wanted:
                codes = [self._codes[kind].get(name, -1) for name in wanted]
                mask &= np.isin(self.columns[kind][index], codes)
        return mask

    def trial_slice(self, key: int) -> slice:
        at = int(np.searchsorted(self._keys, key))
        if at >= self._keys.size or int(self._keys[at]) != key:
            return slice(0, 0)
        return slice(int(self._first[at]), int(self._last[at]))

    def nearest(
        self, key: int, latitude: float | None, longitude: float | None, site_filter: SiteFilter
    ) -> SiteMatch | None:
        """The trial's nearest site that fits the filter (its first fitting site when no point
        is given), or None when no site fits."""
        part = self.trial_slice(key)
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
        keys: np.ndarray,
        latitude: float,
        longitude: float,
        site_filter: SiteFilter,
        within_km: float,
    ) -> FloatArray:
        """For each trial, the distance to its nearest fitting site when one is within
        ``within_km`` (inf otherwise), computed over the trials' own sites only."""
        keys = np.asarray(keys, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._keys, keys), max(self._keys.size - 1, 0))
        known = (self._keys[at] == keys) if self._keys.size else np.zeros(keys.shape[0], dtype=bool)
        starts = np.where(known, self._first[at] if self._keys.size else 0, 0)
        counts = np.where(known, (self._last[at] - self._first[at]) if self._keys.size else 0, 0)
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


def column_lengths(folder: Path) -> dict[str, int]:
    """How many sites each saved column holds (reads only the headers)."""
    lengths = {}
    for column in _COLUMNS:
        array = np.load(folder / f"sites_{column}.npy", mmap_mode="r")
        lengths[column] = int(array.shape[0])
    json.loads((folder / "sites_places.json").read_text())
    return lengths


def _batches(rows: Iterator[SiteRow], size: int) -> Iterator[list[SiteRow]]:
    batch: list[SiteRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
