"""A trial's sites, nearest first from a place: where to go, who to contact, how far it is.

    trial_sites(registry, "NCT06937905", near="Palo Alto, CA", radius="100 mi")

Each site keeps the status the registry gives it (a withdrawn or closed site is never shown
as recruiting, and a site without a status is not given the trial's). A site's coordinates are
the registry's own, else placed from its ZIP code or town with the offline gazetteer, as the
search places them (`trialscout.geo.sites.site_coordinates`); a site that cannot be placed has
no distance and comes last, and a radius leaves it out (it cannot be said to be within it).
"""

from __future__ import annotations

import enum
import math

import msgspec

from trialscout.errors import SearchInputError
from trialscout.geo.distance import Radius, distance_km, format_distance, parse_radius
from trialscout.geo.places import Place
from trialscout.geo.sites import site_coordinates
from trialscout.model.enums import OPEN_STATUSES, OverallStatus
from trialscout.model.trial import Contact, Person, Site
from trialscout.services.places import resolve_place_text
from trialscout.services.registry import LocalRegistry


class CoordinatesFrom(enum.StrEnum):
    """Where a site's coordinates come from."""

    REGISTRY = "registry"  # the record's own geoPoint
    ADDRESS = "address"  # placed from its ZIP code or town by the offline gazetteer


class TrialSite(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One site of a trial, with its distance from the place asked about."""

    ordinal: int  # its place in the record's list of sites (0 is the first)
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: OverallStatus | None = None  # as the registry gives it; None when it gives none
    latitude: float | None = None
    longitude: float | None = None
    coordinates_from: CoordinatesFrom | None = None  # None: the site could not be placed
    distance_km: float | None = None  # from the place asked about; None without one
    distance: str | None = None  # as people read it: "17 mi"
    contacts: tuple[Contact, ...] = ()
    investigators: tuple[Person, ...] = ()  # the site's own investigators, roles as registered


class TrialSites(msgspec.Struct, frozen=True, kw_only=True):
    """A trial's sites that fit, nearest first when a place is given, and how many did not."""

    nct_id: str
    overall_status: OverallStatus | None
    place: Place | None  # the place distances are from, as it was read
    radius: Radius | None
    sites: tuple[TrialSite, ...]  # this page of them
    total: int  # every site the trial lists
    matching: int = 0  # the sites that fit the filters, on every page
    offset: int = 0  # how many of those come before this page
    open_first: bool = False  # open sites (recruiting, not yet, by invitation) before the others
    not_recruiting: int  # left out by recruiting_only
    beyond_radius: int  # left out: farther than the radius
    not_placed: int  # sites that could not be placed (left out under a radius, else last)


def trial_sites(
    registry: LocalRegistry,
    nct_id: str,
    near: str | None = None,
    radius: str | None = None,
    recruiting_only: bool = False,
    *,
    open_first: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> TrialSites:
    """The trial's sites, nearest to `near` first (a place, a US ZIP code or "lat,lon"), within
    `radius` ("50 mi", "80 km") when given, only those recruiting with `recruiting_only`; with
    `open_first`, the sites whose own status is open come before the others (each group nearest
    first); `offset` and `limit` page the list (a big trial lists thousands of sites).

    Raises `TrialNotFoundError` for a trial the store does not hold, `UnknownPlaceError` (with
    suggestions) for a place that is not known, `InvalidRadiusError` for a radius that cannot
    be read, and `SearchInputError` for a radius without a place.
    """
    if radius is not None and not radius.strip():
        radius = None
    if near is not None and not near.strip():
        near = None
    if radius is not None and near is None:
        raise SearchInputError("a radius needs a place: give near as well")
    if offset < 0 or (limit is not None and limit < 1):
        raise SearchInputError("offset must be 0 or more and limit 1 or more")
    stored = registry.store.get(nct_id)
    trial = stored.trial
    place = resolve_place_text(registry, near) if near is not None else None
    within = parse_radius(radius) if radius is not None else None
    sites: list[TrialSite] = []
    not_recruiting = beyond = not_placed = 0
    for ordinal, site in enumerate(trial.locations):
        shown = _site(ordinal, site, place)
        if shown.latitude is None:
            not_placed += 1
        if recruiting_only and site.status is not OverallStatus.RECRUITING:
            not_recruiting += 1
            continue
        if within is not None and (shown.distance_km is None or shown.distance_km > within.km):
            beyond += shown.distance_km is not None
            continue
        sites.append(shown)
    if place is not None:
        sites.sort(key=lambda s: (s.distance_km is None, s.distance_km or 0.0, s.ordinal))
    if open_first:
        sites.sort(key=lambda s: s.status not in OPEN_STATUSES)  # stable: keeps the order within
    matching = len(sites)
    page = sites[offset : None if limit is None else offset + limit]
    return TrialSites(
        nct_id=trial.nct_id,
        overall_status=trial.overall_status,
        place=place,
        radius=within,
        sites=tuple(page),
        total=len(trial.locations),
        matching=matching,
        offset=offset,
        open_first=open_first,
        not_recruiting=not_recruiting,
        beyond_radius=beyond,
        not_placed=not_placed,
    )


def _site(ordinal: int, site: Site, place: Place | None) -> TrialSite:
    latitude, longitude = site.latitude, site.longitude
    source: CoordinatesFrom | None = CoordinatesFrom.REGISTRY
    if not _known(latitude, longitude):
        placed = site_coordinates(site.city, site.state, site.zip, site.country)
        latitude, longitude = placed if placed is not None else (None, None)
        source = CoordinatesFrom.ADDRESS if placed is not None else None
    distance = None
    if place is not None and latitude is not None and longitude is not None:
        distance = distance_km(place.latitude, place.longitude, latitude, longitude)
    return TrialSite(
        ordinal=ordinal,
        facility=site.facility,
        city=site.city,
        state=site.state,
        zip=site.zip,
        country=site.country,
        status=site.status,
        latitude=latitude,
        longitude=longitude,
        coordinates_from=source,
        distance_km=distance,
        distance=format_distance(distance) if distance is not None else None,
        contacts=site.contacts,
        investigators=site.investigators,
    )


def _known(latitude: float | None, longitude: float | None) -> bool:
    return (
        latitude is not None
        and longitude is not None
        and math.isfinite(latitude)
        and math.isfinite(longitude)
        and abs(latitude) <= 90.0
        and abs(longitude) <= 180.0
    )
