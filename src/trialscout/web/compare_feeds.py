"""Trials side by side, and a saved search as an Atom feed.

    GET /api/v1/compare?ids=NCT05813925,NCT05482516&near=Boston,%20MA
    GET /feeds/search.atom?q=semaglutide&status=RECRUITING&sort=updated

Each route calls one service: `trialscout.services.compare.compare_trials` and
`trialscout.services.feeds.search_feed`. The feed takes exactly the parameters of
``GET /api/v1/search``, read by the same dependency (`web.api.SearchQuery`), so the two can never
disagree on what a search means; its entries are the search's trials, the most recently updated
first.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from trialscout.services.compare import MAX_TRIALS, Comparison, compare_trials
from trialscout.services.feeds import MEDIA_TYPE, search_feed
from trialscout.web import api
from trialscout.web.deps import Registry
from trialscout.web.places import MAX_PLACE_LENGTH
from trialscout.web.schemas import COMMON_ERRORS, NOT_FOUND, json_response, returns

router = APIRouter(tags=["trialscout"])

_SEPARATORS = re.compile(r"[,\s]+")


@router.get(
    "/api/v1/compare",
    summary="Two to four trials side by side: status, phase, design, placebo, visits, enrolment,"
    " the nearest open site, ages, sex and sponsor, each row marked where they differ",
    **returns(Comparison, errors=NOT_FOUND),
)
def compare(
    registry: Registry,
    ids: Annotated[
        str,
        Query(
            max_length=40 * MAX_TRIALS,
            description="2 to 4 NCT IDs, separated by commas",
            examples=["NCT05813925,NCT05482516"],
        ),
    ],
    near: Annotated[
        str | None,
        Query(max_length=MAX_PLACE_LENGTH, description='A place: "Palo Alto, CA", a US ZIP code, "lat,lon"'),
    ] = None,
) -> Response:
    return json_response(compare_trials(registry, [i for i in _SEPARATORS.split(ids) if i], near=near))


@router.get(
    "/feeds/search.atom",
    summary="A search as an Atom feed: the parameters of /api/v1/search, its trials newest update first",
    response_class=Response,
    responses={
        200: {
            "description": "An Atom 1.0 feed (RFC 4287)",
            "content": {MEDIA_TYPE: {"schema": {"type": "string"}}},
        },
        **COMMON_ERRORS,
    },
)
def search_atom(request: Request, registry: Registry, search: api.SearchQuery) -> Response:
    base_url = str(request.base_url).rstrip("/")
    body = search_feed(registry, search, base_url=base_url, self_url=str(request.url))
    return Response(body, media_type=MEDIA_TYPE)
