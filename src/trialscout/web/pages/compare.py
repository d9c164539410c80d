"""Compare two to four trials side by side: a row per fact, marked where they differ.

    GET /compare?ids=NCT05813925,NCT05482516&near=Boston,+MA

The table is `services.compare.compare_trials`; its JSON twin `/api/v1/compare` with the same
query. Fewer than two trials (the trial page links here with one) shows the form to add more.
"""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import HTMLResponse

from trialscout.errors import InvalidRadiusError, SearchInputError, TrialNotFoundError, UnknownPlaceError
from trialscout.services.compare import MAX_TRIALS, Comparison, compare_trials
from trialscout.services.registry import LocalRegistry
from trialscout.web.pages.render import render

_SEPARATORS = re.compile(r"[,\s]+")


def compare_page(request: Request, registry: LocalRegistry) -> HTMLResponse:
    params = request.query_params
    ids = [i for i in _SEPARATORS.split(params.get("ids") or "") if i][: MAX_TRIALS + 1]
    near = (params.get("near") or "").strip() or None
    comparison: Comparison | None = None
    problem: str | None = None
    status = 200
    if len(ids) >= 2:
        try:
            comparison = compare_trials(registry, ids, near=near)
        except (SearchInputError, UnknownPlaceError, InvalidRadiusError) as exc:
            problem, status = str(exc), 400
        except TrialNotFoundError as exc:
            problem, status = str(exc), 404
    return render(
        "compare.html",
        status=status,
        ids=ids,
        ids_text=", ".join(ids),
        near=near or "",
        comparison=comparison,
        problem=problem,
        most=MAX_TRIALS,
        json_twin="/api/v1/compare?" + str(params) if params else "/api/v1/compare",
    )
