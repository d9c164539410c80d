"""'Do I qualify?' on a trial's page: a short questionnaire from that trial's own criteria, and
the answer, criterion by criterion.

    GET  /trials/NCT05813925/qualify     the questions (`services.qualify.questionnaire`)
    POST /trials/NCT05813925/qualify     the answers -> met / not met / unknown per criterion

The answers travel in the POST body only, are read in memory (`services.qualify.qualify`) and
never stored, logged or put in a URL; the page is not cached. "Not sure" leaves a fact out, so
the criteria it informs stay unknown: never a "no" on a guess. The JSON twins are
`GET /api/v1/trials/{id}/questionnaire` and `POST /api/v1/trials/{id}/qualify`.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import HTMLResponse

from trialscout.services.qualify import AnswerError, QualifyResult, qualify, questionnaire
from trialscout.services.registry import LocalRegistry
from trialscout.web.pages.render import render

#: A questionnaire's answers are a few short fields; anything longer is not an answer.
MAX_FORM_BYTES = 64 * 1024


def qualify_form(registry: LocalRegistry, nct_id: str) -> HTMLResponse:
    return _page(registry, nct_id, answers={}, result=None, problem=None, status=200)


async def qualify_answer(request: Request, registry: LocalRegistry, nct_id: str) -> HTMLResponse:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return _page(registry, nct_id, {}, None, "The answers are too long to be answers.", 413)
    answers = {k: v.strip() for k, v in parse_qsl(body.decode("utf-8", errors="replace")) if v.strip()}
    try:
        result = qualify(registry, nct_id, answers)
    except AnswerError as exc:
        return _page(registry, nct_id, answers, None, str(exc), 400)
    return _page(registry, nct_id, answers, result, None, 200)


def _page(
    registry: LocalRegistry,
    nct_id: str,
    answers: dict[str, str],
    result: QualifyResult | None,
    problem: str | None,
    status: int,
) -> HTMLResponse:
    form = questionnaire(registry, nct_id)
    return render(
        "qualify.html",
        status=status,
        form=form,
        answers=answers,
        result=result,
        problem=problem,
        json_twin=f"/api/v1/trials/{nct_id}/questionnaire",
    )
