"""Place-box routes: autocomplete a place, resolve one, and a trial's sites by distance.

    GET /api/v1/places?q=Palo%20A&limit=8        places that "Palo A" begins to name
    GET /api/v1/places/resolve?q=Palo%20Alto,CA  the point a search near it uses
    GET /api/v1/trials/NCT06937905/sites?near=94301&radius=50mi&recruiting_only=true

Each calls one service function (`trialscout.services.places`, `trialscout.services.sites`).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from fastapi import APIRouter, Query, Response

from trialscout.geo.complete import DEFAULT_LIMIT, MAX_LIMIT, PlaceSuggestion
from trialscout.geo.places import Place
from trialscout.services.places import complete_places, resolve_place_text
from trialscout.services.sites import TrialSites, trial_sites
from trialscout.web.api import NctId, checked_nct
from trialscout.web.deps import Registry
from trialscout.web.schemas import NOT_FOUND, json_response, returns

router = APIRouter(prefix="/api/v1", tags=["places"])

#: The longest place text taken (as the search's ``near``).
MAX_PLACE_LENGTH = 200


class PlaceSuggestions(msgspec.Struct, frozen=True, kw_only=True):
    """What a place box offers for the text typed so far, best first."""

    query: str
    places: tuple[PlaceSuggestion, ...]


@router.get(
    "/places",
    summary="Autocomplete a place: cities, regions, countries, US ZIP codes, coordinates",
    **returns(PlaceSuggestions),
)
def places(
    registry: Registry,
    q: Annotated[
        str,
        Query(
            max_length=MAX_PLACE_LENGTH,
            description='What has been typed so far: "Palo A", "9430", "Lyon, Fr"',
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many places at most")] = DEFAULT_LIMIT,
) -> Response:
    found = complete_places(registry, q, limit)
    return json_response(PlaceSuggestions(query=q, places=tuple(found)))


@router.get(
    "/places/resolve",
    summary="The point a search near this place uses (400 with suggestions for an unknown place)",
    **returns(Place),
)
def resolve(
    registry: Registry,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_PLACE_LENGTH,
            description='A place: "Palo Alto, CA", a US ZIP code, "41.88,-87.63", "Lyon, France"',
        ),
    ],
) -> Response:
    return json_response(resolve_place_text(registry, q))


@router.get(
    "/trials/{nct_id}/sites",
    summary="A trial's sites with their contacts, nearest first from a place, within a radius",
    **returns(TrialSites, errors=NOT_FOUND),
)
def sites(
    registry: Registry,
    nct_id: NctId,
    near: Annotated[
        str | None,
        Query(max_length=MAX_PLACE_LENGTH, description='A place: "Palo Alto, CA", a US ZIP code, "lat,lon"'),
    ] = None,
    radius: Annotated[str | None, Query(max_length=40, description='"50mi", "80 km" (needs near)')] = None,
    recruiting_only: Annotated[bool, Query(description="Only the sites whose status is RECRUITING")] = False,
    open_first: Annotated[
        bool, Query(description="Open sites (recruiting, not yet recruiting, by invitation) first")
    ] = False,
    offset: Annotated[int, Query(ge=0, le=100_000, description="Sites to skip (paging)")] = 0,
    limit: Annotated[
        int | None, Query(ge=1, le=1000, description="Sites on this page (all when absent)")
    ] = None,
) -> Response:
    nct = checked_nct(nct_id)
    return json_response(
        trial_sites(
            registry,
            nct,
            near=near,
            radius=radius,
            recruiting_only=recruiting_only,
            open_first=open_first,
            offset=offset,
            limit=limit,
        )
    )
