"""The home page: find a trial. One box for a condition, drug or words, one for a place, a
radius and filters; result cards as a patient reads them; facet counts, sort and pages.

    GET /?q=lung+cancer&near=Chicago,+IL&radius=50mi&status=RECRUITING&page=2

The query string holds the whole search, so a search can be bookmarked and shared; its JSON twin
is the same query string on `/api/v1/search`, and its feed the same on `/feeds/search.atom`. A
form sends every field, empty ones too, so the page reads its query string leniently (an empty
field is no filter) and says plainly what it cannot use.
"""

from __future__ import annotations

import msgspec
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import QueryParams

from trialscout.errors import InvalidRadiusError, SearchInputError, StoreError, UnknownPlaceError
from trialscout.model.enums import OverallStatus
from trialscout.model.recruitment import GRADE_WORDS, RecruitmentGrade
from trialscout.model.trial import Trial
from trialscout.search.results import SearchHit, SearchRequest, SearchResults, Sort
from trialscout.services.registry import LocalRegistry
from trialscout.services.search import search_trials
from trialscout.trialpage.badges import Badge, badges
from trialscout.trialpage.title import lay_title
from trialscout.web.pages.forms import FormError, form_number
from trialscout.web.pages.render import render

PER_PAGE = 20
#: The filters of the form, as the registry words them, in the order the page offers them.
STATUS_CHOICES: tuple[OverallStatus, ...] = (
    OverallStatus.RECRUITING,
    OverallStatus.NOT_YET_RECRUITING,
    OverallStatus.ENROLLING_BY_INVITATION,
    OverallStatus.ACTIVE_NOT_RECRUITING,
    OverallStatus.COMPLETED,
    OverallStatus.TERMINATED,
    OverallStatus.WITHDRAWN,
    OverallStatus.UNKNOWN,
)
PHASE_CHOICES: tuple[tuple[str, str], ...] = (
    ("early1", "Early phase 1"),
    ("1", "Phase 1"),
    ("2", "Phase 2"),
    ("3", "Phase 3"),
    ("4", "Phase 4"),
    ("NA", "Not applicable"),
)
TYPE_CHOICES: tuple[tuple[str, str], ...] = (
    ("interventional", "Interventional (tests a treatment)"),
    ("observational", "Observational (observes, no study treatment)"),
    ("expanded_access", "Expanded access"),
)
RADIUS_CHOICES: tuple[str, ...] = ("10mi", "25mi", "50mi", "100mi", "250mi", "500mi")
#: The badges a card shows (the trial page shows them all).
CARD_BADGES = ("placebo", "randomized", "pivotal", "healthy-volunteers", "results")
#: The fields of the form that may be given more than once.
_LISTS = ("status", "phase", "type")


class Card(msgspec.Struct, frozen=True, kw_only=True):
    """One result as the page shows it."""

    hit: SearchHit
    lay_title: str | None
    badges: tuple[Badge, ...]
    grade: str | None  # "enrolment probably closed", for an open trial whose record says so


def read_search(params: QueryParams) -> tuple[SearchRequest, list[FormError]]:
    """The search a page's query string asks for, and what in it cannot be used (left out)."""
    errors: list[FormError] = []

    def text(name: str, limit: int = 200) -> str | None:
        value = (params.get(name) or "").strip()
        if len(value) > limit:
            errors.append(FormError(field=name, message=f"at most {limit:,} characters"))
            return value[:limit]
        return value or None

    def number(name: str, low: float, high: float) -> float | None:
        return form_number(text(name) or "", name, low, high, errors)

    def choice(name: str, allowed: set[str]) -> tuple[str, ...]:
        chosen = [v for v in params.getlist(name) if v]
        for value in chosen:
            if value not in allowed:
                errors.append(FormError(field=name, message=f"{value!r} is not one of the choices"))
        return tuple(v for v in chosen if v in allowed)

    def yes_no(name: str) -> bool | None:
        value = (params.get(name) or "").lower()
        return {"yes": True, "true": True, "no": False, "false": False}.get(value)

    sex = (params.get("sex") or "").upper()
    sort_text = params.get("sort") or ""
    sort = Sort(sort_text) if sort_text in {s.value for s in Sort} else None
    if sort_text and sort is None:
        errors.append(FormError(field="sort", message=f"{sort_text!r} is not a way to sort"))
    page = number("page", 1, 10_000)
    near = text("near")
    radius = text("radius", 40) if near else None
    request = SearchRequest(
        query=text("q", 2_000) or "",
        statuses=choice("status", {s.value for s in OverallStatus}),
        recruiting_site=params.get("recruiting_site") in ("on", "true", "yes"),
        phases=choice("phase", {value for value, _ in PHASE_CHOICES}),
        study_types=choice("type", {value for value, _ in TYPE_CHOICES}),
        age=number("age", 0, 120),
        sex={"F": "FEMALE", "M": "MALE"}.get(sex, sex) if sex in ("F", "M", "FEMALE", "MALE") else None,
        healthy_volunteers=yes_no("healthy_volunteers"),
        has_results=yes_no("has_results"),
        near=near,
        radius=radius,
        sort=sort,
        page=int(page) if page else 1,
        per_page=PER_PAGE,
        facets=True,
    )
    return request, errors


def search_page(request: Request, registry: LocalRegistry) -> HTMLResponse:
    params = request.query_params
    search, errors = read_search(params)
    results: SearchResults | None = None
    problem: str | None = None
    suggestions: tuple[str, ...] = ()
    status = 200
    try:
        results = search_trials(registry, search)
    except UnknownPlaceError as exc:
        problem, suggestions, status = str(exc), exc.suggestions, 400
    except (InvalidRadiusError, SearchInputError) as exc:
        problem, status = str(exc), 400
    except StoreError as exc:  # no search index yet
        problem, status = str(exc), 503
    cards = _cards(registry, results.hits) if results is not None else []
    form = {key: params.getlist(key) if key in _LISTS else params.get(key, "") for key in params}
    return render(
        "search.html",
        status=400 if errors and status == 200 else status,
        form=form,
        search=search,
        results=results,
        cards=cards,
        errors=errors,
        problem=problem,
        suggestions=suggestions,
        statuses=STATUS_CHOICES,
        phases=PHASE_CHOICES,
        types=TYPE_CHOICES,
        radii=RADIUS_CHOICES,
        sorts=[s.value for s in Sort],
        json_twin="/api/v1/search?" + str(params) if params else "/api/v1/search",
        feed="/feeds/search.atom?" + str(params) if params else "/feeds/search.atom",
    )


def _cards(registry: LocalRegistry, hits: tuple[SearchHit, ...]) -> list[Card]:
    trials: dict[str, Trial] = registry.store.trials([hit.nct_id for hit in hits])
    cards = []
    for hit in hits:
        trial = trials.get(hit.nct_id)
        named = lay_title(trial) if trial is not None else None
        found = badges(trial) if trial is not None else ()
        shown = tuple(b for b in found if b.key in CARD_BADGES and b.value is not None)
        grade = None
        if hit.stale_grade in (RecruitmentGrade.NOT_CONFIRMED_RECENTLY, RecruitmentGrade.PROBABLY_CLOSED):
            grade = GRADE_WORDS[RecruitmentGrade(hit.stale_grade)]
        cards.append(Card(hit=hit, lay_title=named.title if named else None, badges=shown, grade=grade))
    return cards


__all__ = ["read_search", "search_page"]
