"""The patient layer of a trial page, as JSON: the web page's twin and the API's own route.

    GET /api/v1/trials/NCT06937905/patient?near=Palo%20Alto,CA&radius=100mi&sites_offset=0

It calls one service function, `trialscout.services.trial_page.patient_page`, as
`trialscout show` does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from trialscout.services.trial_page import SITES_PER_PAGE, PatientPage, patient_page
from trialscout.web.api import NctId, checked_nct
from trialscout.web.deps import Registry
from trialscout.web.places import MAX_PLACE_LENGTH
from trialscout.web.schemas import NOT_FOUND, json_response, returns

router = APIRouter(prefix="/api/v1", tags=["trials"])


@router.get(
    "/trials/{nct_id}/patient",
    summary="The patient layer: lay title, badges, spots left, design in plain words, team, sponsor,"
    " sites near a place, results and money, each with the registry fields and rule it came from",
    **returns(PatientPage, errors=NOT_FOUND),
)
def patient(
    registry: Registry,
    nct_id: NctId,
    near: Annotated[
        str | None,
        Query(max_length=MAX_PLACE_LENGTH, description='A place: "Palo Alto, CA", a US ZIP code, "lat,lon"'),
    ] = None,
    radius: Annotated[str | None, Query(max_length=40, description='"50mi", "80 km" (needs near)')] = None,
    sites_offset: Annotated[int, Query(ge=0, le=100_000, description="Sites to skip (paging)")] = 0,
    sites_limit: Annotated[int, Query(ge=1, le=200, description="Sites on this page")] = SITES_PER_PAGE,
) -> Response:
    return json_response(
        patient_page(
            registry,
            checked_nct(nct_id),
            near=near,
            radius=radius,
            sites_offset=sites_offset,
            sites_limit=sites_limit,
        )
    )
