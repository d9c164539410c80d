"""A trial's page: the patient layer on top, then every section of the registry's page.

    GET /trials/NCT02465060?near=Boston,+MA&sites_page=2

The patient layer is `services.trial_page.patient_page` (the JSON twin is
`/api/v1/trials/{id}/patient` with the same query), the criteria `services.trials.trial_criteria`,
the registry's sections the stored trial itself. A place that cannot be read lists the sites
without distances and says why; an unknown trial is a 404 page.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from trialscout.eligibility.model import CriterionKind, ParsedEligibility
from trialscout.errors import InvalidRadiusError, SearchInputError, UnknownPlaceError
from trialscout.model.labels import age_range_label, date_label, enrollment_label, sex_label
from trialscout.model.recruitment import GRADE_WORDS, RecruitmentGrade
from trialscout.services.registry import LocalRegistry
from trialscout.services.trial_page import SITES_PER_PAGE, patient_page
from trialscout.services.trials import trial_criteria, trial_page
from trialscout.web.pages.render import render


def trial_html(request: Request, registry: LocalRegistry, nct_id: str) -> HTMLResponse:
    params = request.query_params
    near = (params.get("near") or "").strip() or None
    radius = (params.get("radius") or "").strip() or None
    try:
        sites_page = max(1, int(params.get("sites_page") or 1))
    except ValueError:
        sites_page = 1
    offset = (sites_page - 1) * SITES_PER_PAGE
    place_problem: str | None = None
    try:
        within = radius if near else None
        layer = patient_page(registry, nct_id, near=near, radius=within, sites_offset=offset)
    except (UnknownPlaceError, InvalidRadiusError, SearchInputError) as exc:
        place_problem = str(exc)
        layer = patient_page(registry, nct_id, sites_offset=offset)
    page = trial_page(registry, nct_id)
    criteria = trial_criteria(registry, nct_id).parsed
    trial = page.stored.trial
    grade = layer.recruitment.grade
    twin = f"/api/v1/trials/{nct_id}/patient" + (f"?{params}" if params else "")
    return render(
        "trial.html",
        layer=layer,
        trial=trial,
        stored=page.stored,
        related=page.related,
        criteria=_criteria(criteria),
        summary=criteria.summary,
        grade_words=GRADE_WORDS.get(grade) if grade else None,
        grade_doubt=grade in (RecruitmentGrade.NOT_CONFIRMED_RECENTLY, RecruitmentGrade.PROBABLY_CLOSED),
        ages=age_range_label(trial.eligibility) if trial.eligibility else "not stated",
        sex=sex_label(trial.eligibility.sex) if trial.eligibility else "not stated",
        enrollment=enrollment_label(trial.enrollment),
        dates={
            "Start": date_label(trial.start_date),
            "Primary completion": date_label(trial.primary_completion_date),
            "Completion": date_label(trial.completion_date),
            "First posted": date_label(trial.first_posted_date),
            "Last update posted": trial.last_update or "not stated",
        },
        near=near or "",
        radius=radius or "",
        sites_page=sites_page,
        place_problem=place_problem,
        json_twin=twin,
    )


def _criteria(parsed: ParsedEligibility) -> dict[str, list[dict[str, object]]]:
    """Inclusion and exclusion criteria, each with its first-person sentence and the registry's words."""
    groups: dict[str, list[dict[str, object]]] = {"inclusion": [], "exclusion": []}
    for criterion in parsed.criteria:
        key = "inclusion" if criterion.kind is CriterionKind.INCLUSION else "exclusion"
        groups[key].append(
            {
                "id": criterion.id,
                "plain": criterion.plain or criterion.text,
                "original": criterion.text,
                "ours": bool(criterion.plain) and not criterion.plain_original,
                "depth": criterion.id.count("."),
            }
        )
    return groups
