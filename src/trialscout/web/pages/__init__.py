"""The web pages: server-rendered HTML from the same services as the API.

    /                    find a trial (search.py)
    /trials/{nct_id}     a trial's page: the patient layer, then the registry's sections (trial.py)
    /compare?ids=...     two to four trials side by side (compare.py)
    /trials/{id}/qualify "Do I qualify?": questions from the trial's criteria, answers checked (qualify.py)
    /match               match a patient (a note, a FHIR bundle or a profile); referral summaries (match.py)

Each page names its JSON twin (the API route with the same query) in a ``<link rel=alternate>``
and at its foot. Pages work without JavaScript; the little there is (static/app.js) completes
the place box and switches the criteria to the registry's words. Every asset is served by
trialscout itself, under a Content-Security-Policy that allows nothing else (render.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from trialscout.errors import TrialNotFoundError
from trialscout.model.nct import normalise_nct_id
from trialscout.web.deps import Registry
from trialscout.web.pages import match
from trialscout.web.pages.compare import compare_page
from trialscout.web.pages.qualify import qualify_answer, qualify_form
from trialscout.web.pages.render import render
from trialscout.web.pages.search import search_page
from trialscout.web.pages.trial import trial_html

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
router.include_router(match.router)


@router.get("/")
def home(request: Request, registry: Registry) -> HTMLResponse:
    return search_page(request, registry)


@router.get("/compare")
def compare(request: Request, registry: Registry) -> HTMLResponse:
    return compare_page(request, registry)


@router.get("/trials/{nct_id}")
def trial(request: Request, registry: Registry, nct_id: Annotated[str, Path(max_length=40)]) -> HTMLResponse:
    nct = normalise_nct_id(nct_id)
    if nct is None:
        return not_found(f"{nct_id!r} is not an NCT ID (NCT followed by 8 digits).", 400)
    try:
        return trial_html(request, registry, nct)
    except TrialNotFoundError:
        return not_found(f"This copy of the registry holds no trial {nct}.", 404)


@router.get("/trials/{nct_id}/qualify")
def qualify_questions(registry: Registry, nct_id: Annotated[str, Path(max_length=40)]) -> HTMLResponse:
    nct = normalise_nct_id(nct_id)
    if nct is None:
        return not_found(f"{nct_id!r} is not an NCT ID (NCT followed by 8 digits).", 400)
    try:
        return qualify_form(registry, nct)
    except TrialNotFoundError:
        return not_found(f"This copy of the registry holds no trial {nct}.", 404)


@router.post("/trials/{nct_id}/qualify")
async def qualify_check(
    request: Request, registry: Registry, nct_id: Annotated[str, Path(max_length=40)]
) -> HTMLResponse:
    nct = normalise_nct_id(nct_id)
    if nct is None:
        return not_found(f"{nct_id!r} is not an NCT ID (NCT followed by 8 digits).", 400)
    try:
        return await qualify_answer(request, registry, nct)
    except TrialNotFoundError:
        return not_found(f"This copy of the registry holds no trial {nct}.", 404)


def not_found(message: str, status: int) -> HTMLResponse:
    return render("error.html", status=status, message=message, json_twin="/api/v1/search")
