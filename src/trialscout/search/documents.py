"""A stored trial as a text-index document.

Indexing reads only the parts of the stored record it needs (`IndexView`, a partial decode of
the model's JSON, several times faster than decoding whole trials).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import msgspec

from trialscout.concepts.about import OPEN, trial_concepts
from trialscout.concepts.graph import ConceptGraph
from trialscout.eligibility.split import inclusion_text
from trialscout.geo.sites import site_coordinates
from trialscout.search.schema import (
    ALL_TEXT,
    CELL_FIELDS,
    NO_MAXIMUM_AGE,
    NO_MINIMUM_AGE,
    cell_token,
    day_number,
)


class _Named(msgspec.Struct, frozen=True):
    name: str = ""


class _Term(msgspec.Struct, frozen=True):
    term: str = ""


class _Date(msgspec.Struct, frozen=True):
    date: str = ""


class _Intervention(msgspec.Struct, frozen=True):
    name: str = ""
    other_names: list[str] = []


class _Eligibility(msgspec.Struct, frozen=True):
    criteria: str | None = None
    minimum_age_years: float | None = None
    maximum_age_years: float | None = None
    sex: str | None = None
    healthy_volunteers: bool | None = None


class _Site(msgspec.Struct, frozen=True):
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    def coordinates(self) -> tuple[float, float] | None:
        """The registry's coordinates, or the ZIP code's or city's (see `geo.sites`)."""
        if self.latitude is not None and self.longitude is not None:
            return self.latitude, self.longitude
        return site_coordinates(self.city, self.state, self.zip, self.country)


class IndexView(msgspec.Struct, frozen=True):
    """The parts of a stored `Trial` (its JSON) that the index needs."""

    nct_id: str
    acronym: str | None = None
    brief_title: str | None = None
    official_title: str | None = None
    overall_status: str | None = None
    phases: list[str] = []
    study_type: str | None = None
    start_date: _Date | None = None
    last_update_posted_date: _Date | None = None
    last_update_submitted_date: str | None = None
    has_results: bool = False
    conditions: list[str] = []
    keywords: list[str] = []
    condition_mesh_terms: list[_Term] = []
    condition_mesh_ancestors: list[_Term] = []
    intervention_mesh_terms: list[_Term] = []
    interventions: list[_Intervention] = []
    eligibility: _Eligibility | None = None
    lead_sponsor: _Named | None = None
    collaborators: list[_Named] = []
    organization: _Named | None = None
    brief_summary: str | None = None
    detailed_description: str | None = None
    locations: list[_Site] = []


VIEW_DECODER = msgspec.json.Decoder(IndexView)


def place_keys(site: _Site) -> tuple[str | None, str | None, str | None]:
    """The country, 'country/state' and 'country/state/city' keys of a site, as indexed."""
    country = site.country
    if not country:
        return None, None, None
    state = f"{country}/{site.state}" if site.state else None
    city = f"{country}/{site.state or ''}/{site.city}" if site.city else None
    return country, state, city


class TextFields(NamedTuple):
    """A trial's searchable words, field by field, as its index document holds them."""

    title: str
    conditions: list[str]
    interventions: list[str]
    sponsors: list[str]
    summary: str
    criteria: str

    def about(self, keywords: Sequence[str]) -> list[str]:
        """What the trial is about, as `trialscout.evaluation.rankers.about_text` reads it."""
        return [
            self.title,
            *self.conditions,
            *self.interventions,
            *keywords,
            self.summary,
            inclusion_text(self.criteria),
        ]


def text_fields(view: IndexView) -> TextFields:
    e = view.eligibility
    return TextFields(
        title=" ".join(t for t in (view.brief_title, view.official_title, view.acronym) if t),
        conditions=[*view.conditions, *(m.term for m in view.condition_mesh_terms)],
        interventions=[text for i in view.interventions for text in (i.name, *i.other_names) if text]
        + [m.term for m in view.intervention_mesh_terms],
        sponsors=[
            s.name for s in (view.lead_sponsor, *view.collaborators, view.organization) if s and s.name
        ],
        summary="\n".join(t for t in (view.brief_summary, view.detailed_description) if t),
        criteria=e.criteria if e and e.criteria else "",
    )


def document_fields(trial_key: int, view: IndexView, stale: bool, graph: ConceptGraph) -> dict[str, Any]:
    """The field values of one trial's index document (its concepts read through ``graph``)."""
    e = view.eligibility
    texts = text_fields(view)
    title, conditions, interventions, sponsors, summary, criteria = texts
    concepts = trial_concepts(
        graph,
        view.conditions,
        (m.term for m in view.condition_mesh_terms),
        (m.term for m in view.condition_mesh_ancestors),
    )

    countries: set[str] = set()
    states: set[str] = set()
    cities: set[str] = set()
    recruiting: list[set[str]] = [set(), set(), set()]
    for site in view.locations:
        keys = place_keys(site)
        for target, key in zip((countries, states, cities), keys, strict=True):
            if key:
                target.add(key)
        if site.status == "RECRUITING":
            for target, key in zip(recruiting, keys, strict=True):
                if key:
                    target.add(key)
    has_recruiting_site = any(site.status == "RECRUITING" for site in view.locations)
    cells: dict[str, set[str]] = {name: set() for name in CELL_FIELDS}
    for site in view.locations:
        point = site.coordinates()
        if point is not None:
            for name, degrees in CELL_FIELDS.items():
                cells[name].add(cell_token(point[0], point[1], degrees))
    updated = (
        view.last_update_posted_date.date if view.last_update_posted_date else view.last_update_submitted_date
    )

    fields: dict[str, Any] = {
        "key": trial_key,
        "nct_id": view.nct_id,
        "title": title,
        "condition": conditions,
        "intervention": interventions,
        "keyword": view.keywords,
        "sponsor": sponsors,
        "summary": summary,
        "eligibility": criteria,
        ALL_TEXT: texts.about(view.keywords),
        "concept": sorted(concepts.closure),
        "concept_direct": sorted(concepts.direct | ({OPEN} if concepts.open else set())),
        "status": view.overall_status or "UNKNOWN",
        "phase": view.phases or ["UNKNOWN"],
        "study_type": view.study_type or "UNKNOWN",
        "sex": (e.sex if e and e.sex else "UNKNOWN"),
        "country": sorted(countries),
        "state": sorted(states),
        "city": sorted(cities),
        "recruiting_country": sorted(recruiting[0]),
        "recruiting_state": sorted(recruiting[1]),
        "recruiting_city": sorted(recruiting[2]),
        **{name: sorted(tokens) for name, tokens in cells.items()},
        "start": day_number(view.start_date.date if view.start_date else None),
        "updated": day_number(updated),
        "has_results": int(view.has_results),
        "stale": int(stale),
        "has_recruiting_site": int(has_recruiting_site),
        "healthy": 2 if e is None or e.healthy_volunteers is None else int(e.healthy_volunteers),
        "min_age": e.minimum_age_years if e and e.minimum_age_years is not None else NO_MINIMUM_AGE,
        "max_age": e.maximum_age_years if e and e.maximum_age_years is not None else NO_MAXIMUM_AGE,
    }
    return {k: v for k, v in fields.items() if v != [] and v != ""}
