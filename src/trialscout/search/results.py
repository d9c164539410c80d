"""What a search asks and what it answers: small named types, JSON-ready."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import msgspec


class Sort(StrEnum):
    RELEVANCE = "relevance"
    DISTANCE = "distance"
    UPDATED = "updated"
    START = "start"


class SearchRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A search: free text, per-field text, filters, a place, a sort and a page.

    Every filter is optional. ``near`` is a place name, a US ZIP code or "lat,lon"; with
    ``radius`` ("50mi", "80 km") only trials with a fitting site that close are kept. Without a
    sort, results are by relevance when there is text, else by distance when there is a place,
    else by last update.
    """

    query: str = ""
    condition: str | None = None
    intervention: str | None = None
    sponsor: str | None = None
    statuses: tuple[str, ...] = ()
    recruiting_site: bool = False
    phases: tuple[str, ...] = ()
    study_types: tuple[str, ...] = ()
    sex: str | None = None  # the patient's sex: FEMALE or MALE
    age: float | None = None  # the patient's age in years
    healthy_volunteers: bool | None = None
    country: str | None = None
    state: str | None = None
    city: str | None = None
    start_from: dt.date | None = None
    start_to: dt.date | None = None
    updated_from: dt.date | None = None
    updated_to: dt.date | None = None
    has_results: bool | None = None
    possibly_stale: bool | None = None
    near: str | None = None
    radius: str | None = None
    sort: Sort | None = None
    page: int = 1
    per_page: int = 20
    facets: bool = False
    # Rank by the words shared, however few, as for a whole patient description (no word is
    # required): how trialscout searches for a patient's profile.
    ranked: bool = False
    # Each hit's nearest fitting site and its location line; off when only the trials are wanted
    # (the registry's API v2 pages), which saves a store read per hit.
    locations: bool = True
    # Only these trials (NCT IDs), when given: the registry API's filter.ids and query.id.
    nct_ids: tuple[str, ...] = ()
    # Ranges on the trial's own age limits, in years (the registry API's AREA[MinimumAge]RANGE
    # and AREA[MaximumAge]RANGE); a trial that sets no limit counts as minimum 0, maximum 999.
    minimum_age_from: float | None = None
    minimum_age_to: float | None = None
    maximum_age_from: float | None = None
    maximum_age_to: float | None = None


class SiteFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which sites count: recruiting ones only, and/or in given countries, states or cities.

    Places are keyed as the index keys them: "Country", "Country/State", "Country/State/City"
    (several keys when a name is ambiguous: "Paris" is in France and in Texas).
    """

    recruiting_only: bool = False
    # A search for open trials only: a site whose own status says it is closed (withdrawn,
    # terminated, completed, ...) neither counts for a radius nor is shown as the nearest site.
    # A site with no status stated still counts.
    open_only: bool = False
    country: tuple[str, ...] = ()
    state: tuple[str, ...] = ()
    city: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.recruiting_only or self.open_only or self.country or self.state or self.city)


class SiteMatch(msgspec.Struct, frozen=True):
    """The nearest fitting site of one trial, and how many other sites fit."""

    ordinal: int
    distance_km: float | None
    status: str | None
    other_sites: int


class NearestSite(msgspec.Struct, frozen=True, kw_only=True):
    """The nearest site that fits the search, and how many other sites fit."""

    facility: str | None
    city: str | None
    state: str | None
    country: str | None
    status: str | None
    distance_km: float | None
    distance: str | None  # "17 mi"
    other_sites: int


class SearchHit(msgspec.Struct, frozen=True, kw_only=True):
    nct_id: str
    title: str
    overall_status: str | None
    phases: tuple[str, ...]
    study_type: str | None
    conditions: tuple[str, ...]
    sponsor: str | None
    start_date: str | None
    last_update: str | None
    possibly_stale: bool
    stale_reasons: tuple[str, ...]
    # "current", "not-confirmed-recently", "probably-closed" (an open status), "not-applicable"
    stale_grade: str | None
    score: float | None
    nearest_site: NearestSite | None
    location: str | None  # "Recruiting in Palo Alto (17 mi) +139 other locations"


class FacetCount(msgspec.Struct, frozen=True):
    value: str
    count: int


class ResolvedPlace(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    latitude: float
    longitude: float
    radius_km: float | None


class ReadConcept(msgspec.Struct, frozen=True, kw_only=True):
    """A concept the query was read as: its name, its vocabulary ids, and the query's words."""

    label: str
    ids: tuple[str, ...]
    words: str


class SearchResults(msgspec.Struct, frozen=True, kw_only=True):
    """One page of results, the total, facet counts and notes on how the query was read."""

    total: int
    page: int
    per_page: int
    sort: Sort
    hits: tuple[SearchHit, ...]
    facets: dict[str, tuple[FacetCount, ...]]
    place: ResolvedPlace | None
    notes: tuple[str, ...]
    concepts: tuple[ReadConcept, ...] = ()  # what the query's words were read as

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))
