"""The registry's API v2 (``/api/v2``), answered from the local store.

A script or client library written for ClinicalTrials.gov works against trialscout by changing
only its base URL to ``http://127.0.0.1:8000/api/v2/``. ``/studies`` reads the registry's
parameters (`trialscout.web.ctgov_v2_params`) into the same search `trialscout search` runs, and
answers each study as the record it was loaded from: API v2 JSON as stored (its bytes are spliced
into the page, never decoded), legacy XML converted to the v2 shape (`trialscout.sources.v2_shape`),
named in the ``X-Trialscout-Converted`` header. Errors answer as the registry's do: 400 or 404 with
a plain-text message. What is and is not supported: docs/api-v2-compat.md.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import PlainTextResponse

from trialscout.errors import GeoError, SearchInputError, StoreError
from trialscout.model.enums import SourceFormat
from trialscout.model.nct import normalise_nct_id
from trialscout.services.registry import LocalRegistry
from trialscout.sources.v2_shape import study_json
from trialscout.web.ctgov_v2_csv import COLUMN_NAMES, PIECES, path_tree, project, studies_csv
from trialscout.web.ctgov_v2_params import (
    PATTERNS,
    SORTS_SUPPORTED,
    STUDY_PARAMETERS,
    StudiesQuery,
    V2ParameterError,
    check_parameters,
    check_patterns,
    page_token,
    read_fields,
    read_format,
    read_studies_query,
)
from trialscout.web.deps import Registry

router = APIRouter(prefix="/api/v2", tags=["ClinicalTrials.gov API v2"])

#: The registry's API version this answers like.
API_VERSION = "2.0.3"
CONVERTED = "X-Trialscout-Converted"

_TEXT_ERROR = {"content": {"text/plain": {"schema": {"type": "string"}}}}
_STUDY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": True,
    "description": "One study in the registry's API v2 shape (protocolSection, derivedSection, ...)",
}
_PAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "totalCount": {"type": "integer", "minimum": 0},
        "studies": {"type": "array", "items": _STUDY_SCHEMA},
        "nextPageToken": {"type": "string"},
    },
    "required": ["studies"],
}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A parameter that cannot be used: 'parameter: what is wrong'", **_TEXT_ERROR},
}


def _text(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status)


def _query(request: Request) -> dict[str, str]:
    # One value per parameter, the last when repeated (FastAPI's own reading sees the first).
    return dict(request.query_params.items())


def _q(alias: str, description: str, **schema: Any) -> Any:
    """A query parameter as the OpenAPI document shows it (``schema``: what the registry takes);
    the route itself reads and checks every value, and answers 400 in plain text."""
    return Query(alias=alias, description=description, json_schema_extra=schema or {"type": "string"})


_PIECE = "|".join(sorted(PIECES))


def _pattern(name: str) -> dict[str, Any]:
    return {"type": "string", "pattern": f"^({PATTERNS[name][0]})$"}


_SCHEMAS: dict[str, dict[str, Any]] = {
    "format": {"type": "string", "enum": ["json", "csv"]},
    "markupFormat": {"type": "string", "enum": ["markdown", "legacy"]},
    "countTotal": {"type": "boolean"},
    "pageSize": {"type": "integer", "minimum": 0, "maximum": 1000},
    "sort": {"type": "string", "enum": list(SORTS_SUPPORTED)},
    "filter.overallStatus": _pattern("filter.overallStatus"),
    "ids": _pattern("filter.ids"),
    "filter.geo": _pattern("filter.geo"),
    "fields": {"type": "string", "pattern": f"^({_PIECE})([,|]({_PIECE}))*$"},
}


@router.get(
    "/studies",
    summary="Search studies, as the registry's GET /api/v2/studies",
    response_class=Response,
    responses={
        200: {
            "description": "A page of studies (json) or rows (csv)",
            "content": {
                "application/json": {"schema": _PAGE_SCHEMA},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        **_ERRORS,
        503: {"description": "The search index cannot be read", **_TEXT_ERROR},
    },
)
def studies(
    request: Request,
    registry: Registry,
    format: Annotated[str, _q("format", "json (default) or csv", **_SCHEMAS["format"])] = "",
    markup_format: Annotated[
        str, _q("markupFormat", "markdown (default) or legacy", **_SCHEMAS["markupFormat"])
    ] = "",
    query_cond: Annotated[str, _q("query.cond", "Conditions or disease")] = "",
    query_term: Annotated[
        str, _q("query.term", "Other terms; AREA[Field]value and RANGE[...] read (see the docs)")
    ] = "",
    query_locn: Annotated[str, _q("query.locn", "A country, state or city of a site")] = "",
    query_titles: Annotated[str, _q("query.titles", "Words of the title or acronym")] = "",
    query_intr: Annotated[str, _q("query.intr", "Intervention or treatment")] = "",
    query_spons: Annotated[str, _q("query.spons", "Sponsor or collaborator")] = "",
    query_lead: Annotated[str, _q("query.lead", "Lead sponsor")] = "",
    query_id: Annotated[str, _q("query.id", "NCT IDs", **_SCHEMAS["ids"])] = "",
    filter_status: Annotated[
        str,
        _q(
            "filter.overallStatus",
            "Statuses, comma or pipe separated: RECRUITING|COMPLETED",
            **_SCHEMAS["filter.overallStatus"],
        ),
    ] = "",
    filter_geo: Annotated[
        str,
        _q(
            "filter.geo",
            "distance(39.0035707,-77.1013313,50mi): a site that close (mi or km)",
            **_SCHEMAS["filter.geo"],
        ),
    ] = "",
    filter_ids: Annotated[str, _q("filter.ids", "NCT IDs, comma or pipe separated", **_SCHEMAS["ids"])] = "",
    filter_advanced: Annotated[
        str, _q("filter.advanced", "AREA[Phase]PHASE2 AND AREA[MinimumAge]RANGE[MIN, 16 years]")
    ] = "",
    fields: Annotated[
        str,
        _q("fields", "Pieces or paths: NCTId|BriefTitle|protocolSection.statusModule", **_SCHEMAS["fields"]),
    ] = "",
    sort: Annotated[
        str, _q("sort", "@relevance, LastUpdatePostDate:desc, StartDate:desc", **_SCHEMAS["sort"])
    ] = "",
    count_total: Annotated[str, _q("countTotal", "true: add totalCount", **_SCHEMAS["countTotal"])] = "",
    page_size: Annotated[str, _q("pageSize", "1 to 1000 (default 10)", **_SCHEMAS["pageSize"])] = "",
    page_token: Annotated[str, _q("pageToken", "nextPageToken of the previous page")] = "",
) -> Response:
    params = _query(request)
    try:
        places = registry.search.index.sites.known_places
        query = read_studies_query(params, places, COLUMN_NAMES)
        return _page(registry, query)
    except V2ParameterError as exc:
        return _text(400, str(exc))
    except (SearchInputError, GeoError) as exc:
        return _text(400, str(exc))
    except StoreError as exc:
        return _text(503, str(exc))


def _page(registry: LocalRegistry, query: StudiesQuery) -> Response:
    if query.no_match:
        total, ids, updated = 0, [], []
    else:
        try:
            found = registry.search.search(query.search)
        except SearchInputError as exc:
            if query.search.country or query.search.state or query.search.city:
                if str(exc).startswith("no trial site is in"):
                    found = None
                else:
                    raise
            else:
                raise
        total = found.total if found is not None else 0
        hits = found.hits if found is not None else ()
        ids, updated = [h.nct_id for h in hits], [h.last_update for h in hits]
    records, converted = _records(registry, ids, updated)
    following = query.offset + len(ids)
    token = page_token(query.fingerprint, following) if ids and following < total else None
    headers = {CONVERTED: ",".join(converted)} if converted else {}
    if query.format == "csv":
        rows = studies_csv((orjson.loads(r) for r in records), query.fields)
        return Response(rows, media_type="text/csv", headers=headers)
    if query.paths:
        tree = path_tree(query.paths)
        records = [orjson.dumps(project(orjson.loads(r), tree)) for r in records]
    head = b'{"totalCount":%d,"studies":[' % total if query.count_total else b'{"studies":['
    tail = b'],"nextPageToken":' + orjson.dumps(token) + b"}" if token else b"]}"
    return Response(head + b",".join(records) + tail, media_type="application/json", headers=headers)


class _Converted:
    """The v2 shape of recently converted trials, per process, keyed by the trial, a checksum
    of its stored record and its last-update date (so a changed record is converted anew):
    converting is most of a page's work on a store of legacy XML."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.studies: OrderedDict[tuple[str, int, str], bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, int, str]) -> bytes | None:
        with self.lock:
            found = self.studies.get(key)
            if found is not None:
                self.studies.move_to_end(key)
            return found

    def put(self, key: tuple[str, int, str], study: bytes) -> None:
        with self.lock:
            self.studies[key] = study
            while len(self.studies) > self.size:
                self.studies.popitem(last=False)


#: About 2,000 studies of 10-20 kB: a few tens of MB per worker process.
_CONVERTED = _Converted(2000)


def _records(
    registry: LocalRegistry, ids: Sequence[str], updated: Sequence[str | None] | None = None
) -> tuple[list[bytes], list[str]]:
    """Each study's JSON: the stored API v2 record, else the trial in the v2 shape (kept a while
    when ``updated``, the trials' last-update dates, is known)."""
    records: list[bytes] = []
    converted: list[str] = []
    store = registry.store
    raws = store.raw_records(ids)
    wanted: dict[str, tuple[str, int, str] | None] = {}
    studies: dict[str, bytes] = {}
    for i, nct_id in enumerate(ids):
        if nct_id not in raws:  # gone from the store since the index was read
            continue
        source, raw = raws[nct_id]
        if source is SourceFormat.CTGOV_API_V2_JSON and raw.strip():
            studies[nct_id] = raw.strip()
            continue
        key = (nct_id, zlib.crc32(raw), updated[i] or "") if updated is not None else None
        study = _CONVERTED.get(key) if key is not None else None
        if study is None:
            wanted[nct_id] = key
        else:
            studies[nct_id] = study
    for nct_id, trial in store.trials(list(wanted)).items():
        studies[nct_id] = study_json(trial)
        key = wanted[nct_id]
        if key is not None:
            _CONVERTED.put(key, studies[nct_id])
    for nct_id in ids:
        if nct_id in studies:
            records.append(studies[nct_id])
            if raws[nct_id][0] is not SourceFormat.CTGOV_API_V2_JSON or not raws[nct_id][1].strip():
                converted.append(nct_id)
    return records, converted


@router.get(
    "/studies/{nctId}",
    summary="One study, as the registry's GET /api/v2/studies/{nctId}",
    response_class=Response,
    responses={
        200: {
            "description": "The study (json) or its row (csv)",
            "content": {
                "application/json": {"schema": _STUDY_SCHEMA},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        **_ERRORS,
        404: {"description": "NCT number NCT99999999 not found", **_TEXT_ERROR},
    },
)
def study(
    request: Request,
    registry: Registry,
    nct_id: Annotated[
        str,
        Path(
            alias="nctId",
            description="NCT06937905",
            json_schema_extra={"type": "string", "pattern": "^NCT\\d{8}$"},
        ),
    ],
    format: Annotated[str, _q("format", "json (default) or csv", **_SCHEMAS["format"])] = "",
    markup_format: Annotated[
        str, _q("markupFormat", "markdown (default) or legacy", **_SCHEMAS["markupFormat"])
    ] = "",
    fields: Annotated[str, _q("fields", "Pieces or paths: NCTId|BriefTitle", **_SCHEMAS["fields"])] = "",
) -> Response:
    params = _query(request)
    try:
        check_parameters(list(params), STUDY_PARAMETERS)
        check_patterns(params)
        fmt, _ = read_format(params)
        names, paths = read_fields(params.get("fields"), fmt, COLUMN_NAMES)
        nct = normalise_nct_id(nct_id)
        if nct is None:
            raise V2ParameterError("nctId", f"{nct_id!r} is not an NCT ID (NCT followed by 8 digits)")
        records, converted = _records(registry, [nct])
        if not records:
            return _text(404, f"NCT number {nct} not found")
    except V2ParameterError as exc:
        return _text(400, str(exc))
    except StoreError as exc:
        return _text(503, str(exc))
    headers = {CONVERTED: ",".join(converted)} if converted else {}
    if fmt == "csv":
        return Response(
            studies_csv([orjson.loads(records[0])], names), media_type="text/csv", headers=headers
        )
    body = orjson.dumps(project(orjson.loads(records[0]), path_tree(paths))) if paths else records[0]
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/version",
    summary="The API version and the date of the local copy's data",
    response_class=Response,
    responses={
        200: {
            "description": "apiVersion and dataTimestamp (the local copy's date)",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "apiVersion": {"type": "string"},
                            "dataTimestamp": {"type": ["string", "null"]},
                        },
                        "required": ["apiVersion", "dataTimestamp"],
                    }
                }
            },
        },
        **_ERRORS,
    },
)
def api_version(request: Request, registry: Registry) -> Response:
    unknown = [k for k in request.query_params if k != "format"]
    if unknown:
        return _text(400, f"{unknown[0]}: unknown parameter")
    fresh = registry.store.freshness()
    stamp = fresh.registry_version or fresh.last_loaded_at
    return Response(
        orjson.dumps({"apiVersion": API_VERSION, "dataTimestamp": stamp}), media_type="application/json"
    )
