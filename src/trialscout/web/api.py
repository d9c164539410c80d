"""trialscout's own JSON API, version 1: search, trials, their criteria, matching a patient.

Each route reads its parameters, calls one service function (the same the CLI calls) and
encodes what it returns. A patient is sent only in a request body (``POST /api/v1/match``,
``POST /api/v1/trials/{nct_id}/check``), read in memory, and never logged or stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, TypeVar

import msgspec
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from trialscout.matching.check import TrialCheck
from trialscout.model.enums import SourceFormat
from trialscout.model.nct import normalise_nct_id
from trialscout.model.patient import PatientProfile
from trialscout.patients.intake import PatientInput, patient_from_parts, without_values
from trialscout.patients.note import ExtractedFact
from trialscout.search.results import SearchHit, SearchRequest, SearchResults, Sort
from trialscout.services.match import MATCH_STATUSES, MatchRequest, MatchResults, check_patient, match_patient
from trialscout.services.search import related_trials, search_trials
from trialscout.services.trials import TrialCriteria, TrialPage, original_record, trial_criteria, trial_page
from trialscout.web.deps import Registry
from trialscout.web.problems import ApiProblem
from trialscout.web.schemas import COMMON_ERRORS, NOT_FOUND, TOO_LARGE, json_response, returns, takes

router = APIRouter(prefix="/api/v1", tags=["trialscout"])

#: The largest request body taken (a FHIR bundle of a long history fits well within it).
MAX_BODY_BYTES = 5 * 1024 * 1024

NctId = Annotated[
    str,
    Path(
        description="An NCT ID: NCT followed by 8 digits",
        min_length=1,
        max_length=40,
        examples=["NCT06576635", "NCT00005711"],
    ),
]


def checked_nct(text: str) -> str:
    """The NCT ID a path names, normalised; a 400 naming the parameter when it is not one."""
    nct = normalise_nct_id(text)
    if nct is None:
        raise ApiProblem(400, f"{text!r} is not an NCT ID (NCT followed by 8 digits)", parameter="nct_id")
    return nct


# --- search ----------------------------------------------------------------------------------

_Text = Annotated[str | None, Query(max_length=200)]
_Sex = Literal["F", "M", "female", "male", "FEMALE", "MALE"]
_Day = Annotated[dt.date | None, Query(description="YYYY-MM-DD")]


def search_query(
    q: Annotated[
        str,
        Query(
            max_length=20_000,
            description='Words; "a phrase"; condition:, intervention:, sponsor:, title:, nct: for one field',
        ),
    ] = "",
    condition: _Text = None,
    intervention: _Text = None,
    sponsor: _Text = None,
    status: Annotated[list[str], Query(description="Overall status (RECRUITING, ...); repeatable")] = [],  # noqa: B006
    recruiting_site: Annotated[
        bool, Query(description="Only trials with a recruiting site that fits")
    ] = False,
    phase: Annotated[list[str], Query(description="1, 2, 3, 4, early1 or NA; repeatable")] = [],  # noqa: B006
    study_type: Annotated[
        list[str],
        Query(alias="type", description="interventional, observational, expanded_access; repeatable"),
    ] = [],  # noqa: B006
    age: Annotated[float | None, Query(ge=0, le=150, description="The patient's age in years")] = None,
    sex: Annotated[_Sex | None, Query(description="The patient's sex")] = None,
    healthy_volunteers: bool | None = None,
    country: _Text = None,
    state: _Text = None,
    city: _Text = None,
    near: Annotated[
        str | None, Query(max_length=200, description='"Palo Alto, CA", a US ZIP, "lat,lon"')
    ] = None,
    radius: Annotated[str | None, Query(max_length=40, description='"50mi", "80 km"')] = None,
    start_from: _Day = None,
    start_to: _Day = None,
    updated_from: _Day = None,
    updated_to: _Day = None,
    has_results: bool | None = None,
    possibly_stale: bool | None = None,
    sort: Sort | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = 20,
    facets: bool = False,
) -> SearchRequest:
    """The search the query string asks for: the parameters of `GET /api/v1/search`, shared by
    every route that takes a search (the Atom feed of a saved search, for one)."""
    return SearchRequest(
        query=q,
        condition=condition,
        intervention=intervention,
        sponsor=sponsor,
        statuses=tuple(status),
        recruiting_site=recruiting_site,
        phases=tuple(phase),
        study_types=tuple(study_type),
        age=age,
        sex={"F": "FEMALE", "M": "MALE"}.get(sex.upper(), sex.upper()) if sex else None,
        healthy_volunteers=healthy_volunteers,
        country=country,
        state=state,
        city=city,
        near=near,
        radius=radius,
        start_from=start_from,
        start_to=start_to,
        updated_from=updated_from,
        updated_to=updated_to,
        has_results=has_results,
        possibly_stale=possibly_stale,
        sort=sort,
        page=page,
        per_page=per_page,
        facets=facets,
    )


#: A route parameter that reads a search from the query string (`search_query`).
SearchQuery = Annotated[SearchRequest, Depends(search_query)]


@router.get(
    "/search",
    summary="Search trials: words, filters, distance from a place, facets, sort and pages",
    **returns(SearchResults),
)
def search(registry: Registry, request: SearchQuery) -> Response:
    return json_response(search_trials(registry, request))


# --- one trial -------------------------------------------------------------------------------


@router.get(
    "/trials/{nct_id}",
    summary="A trial's full model, its recruitment check, where it was read from, and related trials",
    **returns(TrialPage, errors=NOT_FOUND),
)
def trial(registry: Registry, nct_id: NctId, related: Annotated[int, Query(ge=0, le=50)] = 5) -> Response:
    return json_response(trial_page(registry, checked_nct(nct_id), related=related))


_RECORD_TYPES = {
    SourceFormat.CTGOV_API_V2_JSON: "application/json",
    SourceFormat.CTGOV_LEGACY_XML: "application/xml",
}


@router.get(
    "/trials/{nct_id}/record",
    summary="The registry record exactly as it was loaded (API v2 JSON or legacy XML)",
    response_class=Response,
    responses={
        200: {
            "description": "The original record",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/xml": {"schema": {"type": "string"}},
            },
        },
        **COMMON_ERRORS,
        **NOT_FOUND,
    },
)
def record(registry: Registry, nct_id: NctId) -> Response:
    source, data = original_record(registry, checked_nct(nct_id))
    return Response(data, media_type=_RECORD_TYPES.get(source, "application/octet-stream"))


@router.get(
    "/trials/{nct_id}/criteria",
    summary="A trial's criteria one by one: typed rules, plain sentences, the lay summary",
    **returns(TrialCriteria, errors=NOT_FOUND),
)
def criteria(registry: Registry, nct_id: NctId) -> Response:
    return json_response(trial_criteria(registry, checked_nct(nct_id)))


@router.get(
    "/trials/{nct_id}/related",
    summary="The trials most like this one (shared conditions, interventions, title words)",
    **returns(list[SearchHit], errors=NOT_FOUND),
)
def related(registry: Registry, nct_id: NctId, limit: Annotated[int, Query(ge=1, le=100)] = 10) -> Response:
    nct = checked_nct(nct_id)
    registry.store.get(nct)  # 404 for a trial the store does not hold
    return json_response(related_trials(registry, nct, limit))


# --- a patient -------------------------------------------------------------------------------


class PatientBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A patient: exactly one of ``profile``, ``fhir`` or ``note``."""

    profile: PatientProfile | None = None  # a trialscout profile (docs/patient-profile.md)
    fhir: dict[str, Any] | None = None  # a FHIR R4 Bundle (or one Patient resource)
    note: str | None = None  # a clinical note's text; its facts are extracted and returned


class MatchBody(PatientBody, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A patient and how to match: a place (default: the profile's), a radius, statuses."""

    near: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    radius: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    statuses: tuple[str, ...] = MATCH_STATUSES
    limit: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 10
    candidates: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 100
    include_ineligible: bool = False


_Body = TypeVar("_Body", bound=PatientBody)


class PatientRead(msgspec.Struct, frozen=True, kw_only=True):
    """The patient as trialscout read it: check it, correct it, send it back as a profile."""

    source: str  # "profile", "fhir" or "note"
    profile: PatientProfile
    facts: tuple[ExtractedFact, ...]  # what was read from a note, with the words it came from
    skipped: tuple[str, ...]  # FHIR resources or elements not used


class MatchAnswer(msgspec.Struct, frozen=True, kw_only=True):
    patient: PatientRead
    results: MatchResults


class CheckAnswer(msgspec.Struct, frozen=True, kw_only=True):
    patient: PatientRead
    check: TrialCheck


async def _body(request: Request, kind: type[_Body]) -> _Body:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiProblem(413, f"the body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY_BYTES:
            raise ApiProblem(413, f"the body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")
    if not data.strip():
        raise ApiProblem(
            400, "the body is empty: send JSON with one of profile, fhir or note", parameter="body"
        )
    try:
        return msgspec.json.decode(bytes(data), type=kind)
    except msgspec.ValidationError as exc:
        raise ApiProblem(400, f"the body is not valid: {without_values(exc)}", parameter="body") from exc
    except msgspec.DecodeError as exc:
        raise ApiProblem(400, f"the body is not valid JSON: {exc}", parameter="body") from exc


def _patient(body: PatientBody) -> PatientInput:
    return patient_from_parts(profile=body.profile, fhir=body.fhir, note=body.note)


def _read(patient: PatientInput) -> PatientRead:
    return PatientRead(
        source=patient.source, profile=patient.profile, facts=patient.facts, skipped=patient.skipped
    )


@router.post(
    "/match",
    summary="One patient against the registry: ranked trials with verdicts, reasons and what is missing",
    openapi_extra=takes(MatchBody, "The patient (profile, FHIR bundle or note) and the match's options"),
    **returns(MatchAnswer, errors=TOO_LARGE),
)
async def match(registry: Registry, request: Request) -> Response:
    body = await _body(request, MatchBody)

    def run() -> MatchAnswer:
        patient = _patient(body)
        options = MatchRequest(
            near=body.near,
            radius=body.radius,
            statuses=body.statuses,
            limit=body.limit,
            candidates=body.candidates,
            include_ineligible=body.include_ineligible,
        )
        return MatchAnswer(patient=_read(patient), results=match_patient(registry, patient.profile, options))

    return json_response(await run_in_threadpool(run))


@router.post(
    "/trials/{nct_id}/check",
    summary="One patient against one trial, criterion by criterion, with the evidence",
    openapi_extra=takes(PatientBody, "The patient: a profile, a FHIR bundle or a note"),
    **returns(CheckAnswer, errors=NOT_FOUND | TOO_LARGE),
)
async def check(registry: Registry, nct_id: NctId, request: Request) -> Response:
    nct = checked_nct(nct_id)
    body = await _body(request, PatientBody)

    def run() -> CheckAnswer:
        patient = _patient(body)
        return CheckAnswer(patient=_read(patient), check=check_patient(registry, patient.profile, nct))

    return json_response(await run_in_threadpool(run))
