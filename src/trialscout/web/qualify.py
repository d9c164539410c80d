""" "Do I qualify?" over HTTP: a trial's questionnaire, and its answers checked.

    GET  /api/v1/trials/NCT02778893/questionnaire
    POST /api/v1/trials/NCT02778893/qualify      {"answers": {"age": "64", "ecog": "1"}}

Each route calls one service function (`trialscout.services.qualify`). The answers are health
data: they travel only in the POST body, are read in memory, and are never logged or stored;
a problem about them names the question and what it takes, never the value sent.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from trialscout.patients.intake import without_values
from trialscout.services.qualify import QualifyResult, Questionnaire, qualify, questionnaire
from trialscout.web.api import NctId, checked_nct
from trialscout.web.deps import Registry
from trialscout.web.problems import ApiProblem
from trialscout.web.schemas import NOT_FOUND, TOO_LARGE, json_response, returns, takes

router = APIRouter(prefix="/api/v1", tags=["trials"])

#: The largest body taken: a questionnaire's answers are a few hundred bytes.
MAX_ANSWERS_BYTES = 64 * 1024

_Answer = Annotated[str, msgspec.Meta(max_length=200)] | float | None


class QualifyBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The answers to a trial's questionnaire, by question key ("age": "64", "ecog": "1");
    "not_sure" (or null, or leaving a question out) leaves the fact unknown."""

    answers: dict[Annotated[str, msgspec.Meta(max_length=100)], _Answer]


@router.get(
    "/trials/{nct_id}/questionnaire",
    summary="Do I qualify? The questions this trial's criteria test, in plain words, each with the"
    " criteria its answer informs",
    **returns(Questionnaire, errors=NOT_FOUND),
)
def trial_questionnaire(registry: Registry, nct_id: NctId) -> Response:
    return json_response(questionnaire(registry, checked_nct(nct_id)))


async def _answers(request: Request) -> dict[str, str]:
    declared = request.headers.get("content-length")
    too_large = ApiProblem(413, f"the body is larger than {MAX_ANSWERS_BYTES // 1024} KB")
    if declared is not None and declared.isdigit() and int(declared) > MAX_ANSWERS_BYTES:
        raise too_large
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_ANSWERS_BYTES:
            raise too_large
    if not data.strip():
        raise ApiProblem(400, 'the body is empty: send JSON {"answers": {...}}', parameter="body")
    try:
        body = msgspec.json.decode(bytes(data), type=QualifyBody)
    except msgspec.ValidationError as exc:
        raise ApiProblem(400, f"the body is not valid: {without_values(exc)}", parameter="body") from exc
    except msgspec.DecodeError as exc:
        raise ApiProblem(400, "the body is not valid JSON", parameter="body") from exc
    return {
        key: "" if value is None else value if isinstance(value, str) else f"{value:g}"
        for key, value in body.answers.items()
    }


@router.post(
    "/trials/{nct_id}/qualify",
    summary="Do I qualify? The questionnaire's answers against this trial's criteria: each"
    " criterion met, not met or unknown with its reason, and what to ask the study team",
    openapi_extra=takes(QualifyBody, "The answers, by question key (see the questionnaire)"),
    **returns(QualifyResult, errors=NOT_FOUND | TOO_LARGE),
)
async def trial_qualify(registry: Registry, nct_id: NctId, request: Request) -> Response:
    nct = checked_nct(nct_id)
    answers = await _answers(request)
    return json_response(await run_in_threadpool(qualify, registry, nct, answers))
