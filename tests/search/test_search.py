"""Searching the real records: relevance, filters against an SQL oracle, distance, pages, facets."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

import pytest

from tests.conftest import sql as plain_sql
from trialscout.errors import SearchInputError, UnknownPlaceError
from trialscout.search.engine import TrialSearch
from trialscout.search.results import SearchRequest, SearchResults, Sort
from trialscout.store.records import record_json

CHICAGO = (41.85003, -87.65005)
KM_PER_MILE = 1.609344


def everything(search: TrialSearch, **options: Any) -> list[str]:
    """Every NCT ID a search matches, page by page."""
    ids: list[str] = []
    page = 1
    while True:
        results = search.search(SearchRequest(per_page=1000, page=page, **options))
        ids += [h.nct_id for h in results.hits]
        if page >= results.pages:
            assert len(ids) == results.total
            return ids
        page += 1


def sql(search: TrialSearch, query: str, *args: object) -> set[str]:
    return {row[0] for row in plain_sql(search.store.path, query, *args)}


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p = math.pi / 180
    h = (
        math.sin((b[0] - a[0]) * p / 2) ** 2
        + math.cos(a[0] * p) * math.cos(b[0] * p) * math.sin((b[1] - a[1]) * p / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def about_nsclc(search: TrialSearch, nct_id: str) -> bool:
    t = search.store.trial(nct_id)
    text = " ".join([t.title, *t.conditions, *t.keywords, *(m.term for m in t.condition_mesh_terms)]).lower()
    return "nsclc" in text or "non-small" in text.replace("non small", "non-small")


def about_nsclc_or_lung_cancer(search: TrialSearch, nct_id: str) -> bool:
    """About NSCLC, or about lung cancer in general (the broader tumour, which a search for a
    kind of it keeps, ranked lower: "Lung Cancer", a basket trial's "Lung Carcinoma"), never
    about small cell lung cancer alone."""
    conditions = search.store.trial(nct_id).conditions
    general = re.compile(r"(?<!small cell )(?<!small-cell )\blung (?:cancer|carcinoma|neoplasm)", re.I)
    return about_nsclc(search, nct_id) or any(general.search(c) for c in conditions)


def test_nsclc_near_chicago_lists_recruiting_nsclc_trials_nearest_first(trial_search: TrialSearch) -> None:
    results = trial_search.search(
        SearchRequest(
            query="non-small cell lung cancer", near="Chicago", statuses=("recruiting",), per_page=50
        )
    )
    assert results.sort is Sort.DISTANCE
    assert results.place is not None and results.place.label.startswith("Chicago")
    first = results.hits[0]
    assert first.nct_id == "NCT06576635"
    assert first.location is not None and first.location.startswith("Recruiting in Chicago (")
    assert all(h.overall_status == "RECRUITING" for h in results.hits)
    assert all(about_nsclc_or_lung_cancer(trial_search, h.nct_id) for h in results.hits)
    distances = [
        h.nearest_site.distance_km
        for h in results.hits
        if h.nearest_site and h.nearest_site.distance_km is not None
    ]
    assert distances == sorted(distances)
    assert len(distances) >= len(results.hits) - 2  # nearly every trial has a site we can place
    assert all(
        "mi)" in (h.location or "")
        for h in results.hits
        if h.nearest_site and h.nearest_site.distance_km is not None
    )


def test_the_abbreviation_and_the_words_find_the_same_trials(trial_search: TrialSearch) -> None:
    assert set(everything(trial_search, query="NSCLC")) == set(
        everything(trial_search, query="non-small cell lung cancer")
    )


def test_small_cell_is_not_non_small_cell(trial_search: TrialSearch) -> None:
    for nct in everything(trial_search, query="non-small cell lung cancer"):
        assert about_nsclc_or_lung_cancer(trial_search, nct), nct


def test_a_radius_keeps_exactly_the_trials_with_a_site_that_close(trial_search: TrialSearch) -> None:
    radius_km = 50 * KM_PER_MILE
    found = everything(trial_search, near="41.85003,-87.65005", radius="50mi", statuses=("RECRUITING",))
    # Oracle: the registry's own coordinates of API v2 sites.
    expected = set()
    for nct, record in plain_sql(
        trial_search.store.path, "SELECT nct_id, record FROM trials WHERE overall_status='RECRUITING'"
    ):
        for site in json.loads(record_json(record))["locations"]:
            if (
                site["latitude"] is not None
                and haversine_km(CHICAGO, (site["latitude"], site["longitude"])) <= radius_km
            ):
                expected.add(nct)
    assert expected <= set(found)
    results = trial_search.search(
        SearchRequest(near="41.85003,-87.65005", radius="50mi", statuses=("RECRUITING",), per_page=1000)
    )
    for hit in results.hits:  # the rest were placed from their city or ZIP code
        assert hit.nearest_site is not None and hit.nearest_site.distance_km is not None
        assert hit.nearest_site.distance_km <= radius_km


@pytest.mark.parametrize(
    ("options", "oracle"),
    [
        (
            {"statuses": ("recruiting", "not yet recruiting")},
            "SELECT nct_id FROM trials WHERE overall_status IN ('RECRUITING','NOT_YET_RECRUITING')",
        ),
        ({"phases": ("3",)}, "SELECT nct_id FROM trials WHERE '|' || phases || '|' LIKE '%|PHASE3|%'"),
        ({"study_types": ("observational",)}, "SELECT nct_id FROM trials WHERE study_type='OBSERVATIONAL'"),
        ({"sex": "male"}, "SELECT nct_id FROM trials WHERE sex IS NULL OR sex IN ('ALL','MALE')"),
        (
            {"age": 70},
            "SELECT nct_id FROM trials"
            " WHERE coalesce(minimum_age_years, 0) <= 70 AND coalesce(maximum_age_years, 999) >= 70",
        ),
        (
            {"age": 0.5},
            "SELECT nct_id FROM trials"
            " WHERE coalesce(minimum_age_years, 0) <= 0.5 AND coalesce(maximum_age_years, 999) >= 0.5",
        ),
        ({"healthy_volunteers": True}, "SELECT nct_id FROM trials WHERE healthy_volunteers=1"),
        ({"has_results": True}, "SELECT nct_id FROM trials WHERE has_results=1"),
        ({"possibly_stale": True}, "SELECT nct_id FROM trials WHERE possibly_stale=1"),
        (
            {"updated_from": dt.date(2025, 1, 1)},
            "SELECT nct_id FROM trials WHERE last_update >= '2025-01-01'",
        ),
        ({"start_to": dt.date(1999, 12, 31)}, "SELECT nct_id FROM trials WHERE start_date <= '1999-12-31'"),
        ({"country": "france"}, "SELECT DISTINCT nct_id FROM sites WHERE country='France'"),
        ({"state": "Illinois"}, "SELECT DISTINCT nct_id FROM sites WHERE state='Illinois'"),
        (
            {"city": "Lyon", "country": "France"},
            "SELECT DISTINCT nct_id FROM sites WHERE city='Lyon' AND country='France'",
        ),
        (
            {"recruiting_site": True, "country": "United States"},
            "SELECT DISTINCT nct_id FROM sites WHERE status='RECRUITING' AND country='United States'",
        ),
    ],
)
def test_filters_agree_with_the_store(
    trial_search: TrialSearch, options: dict[str, Any], oracle: str
) -> None:
    expected = sql(trial_search, oracle)
    assert expected, "the oracle should select something on the real records"
    found = everything(trial_search, **options)
    assert len(found) == len(set(found))
    assert set(found) == expected


def test_filters_combine_with_text(trial_search: TrialSearch) -> None:
    both = set(everything(trial_search, query="asthma", age=8, statuses=("COMPLETED",)))
    assert both
    assert both <= set(everything(trial_search, query="asthma"))
    assert both <= sql(
        trial_search,
        "SELECT nct_id FROM trials WHERE overall_status='COMPLETED' AND coalesce(minimum_age_years,0) <= 8",
    )


def test_pages_are_disjoint_and_cover_the_total(trial_search: TrialSearch) -> None:
    pages = [trial_search.search(SearchRequest(query="cancer", per_page=25, page=p)) for p in (1, 2, 3)]
    ids = [h.nct_id for page in pages for h in page.hits]
    assert len(ids) == len(set(ids)) == 75
    assert pages[0].total > 75
    beyond = trial_search.search(SearchRequest(query="cancer", per_page=25, page=pages[0].pages + 1))
    assert beyond.hits == () and beyond.total == pages[0].total


@pytest.mark.parametrize(("sort", "field"), [(Sort.UPDATED, "last_update"), (Sort.START, "start_date")])
def test_sorting_by_a_date_is_newest_first(trial_search: TrialSearch, sort: Sort, field: str) -> None:
    results = trial_search.search(SearchRequest(query="diabetes", sort=sort, per_page=50))
    dates = [getattr(h, field) or "" for h in results.hits]
    keyed = [d + "-00" * (2 - d.count("-")) for d in dates if d]
    assert keyed == sorted(keyed, reverse=True)


def test_facets_count_the_current_query(trial_search: TrialSearch) -> None:
    results = trial_search.search(SearchRequest(query="breast cancer", facets=True, per_page=1))
    ids = everything(trial_search, query="breast cancer")
    marks = ",".join("?" * len(ids))
    by_status = dict(
        plain_sql(
            trial_search.store.path,
            f"SELECT coalesce(overall_status, 'UNKNOWN'), count(*) FROM trials"
            f" WHERE nct_id IN ({marks}) GROUP BY 1",
            *ids,
        )
    )
    assert {f.value: f.count for f in results.facets["status"]} == by_status
    assert sum(f.count for f in results.facets["study_type"]) == results.total
    countries = {f.value for f in results.facets["country"]}
    assert "United States" in countries


def test_quoted_phrases_and_fields(trial_search: TrialSearch) -> None:
    import re

    phrase = everything(trial_search, query='"heart failure"')
    assert phrase
    adjacent = re.compile(r"heart\W+failures?\b", re.IGNORECASE)
    for nct in phrase:
        t = trial_search.store.trial(nct)
        texts = [
            t.brief_title,
            t.official_title,
            t.brief_summary,
            t.detailed_description,
            *t.conditions,
            *t.keywords,
            *(m.term for m in t.condition_mesh_terms),
            t.eligibility.criteria if t.eligibility else None,
            *(o.name for o in (t.lead_sponsor, *t.collaborators, t.organization) if o),
            *(name for i in t.interventions for name in (i.name, *i.other_names)),
        ]
        assert any(adjacent.search(x) for x in texts if x), nct
    scattered = set(everything(trial_search, query="heart failure", sort=Sort.UPDATED)) - set(phrase)
    assert all(nct not in phrase for nct in scattered)
    for nct in everything(trial_search, query='sponsor:"AstraZeneca"'):
        t = trial_search.store.trial(nct)
        names = [o.name for o in (t.lead_sponsor, *t.collaborators, t.organization) if o]
        assert any("astrazeneca" in n.lower() for n in names), nct


def test_an_nct_id_is_looked_up(trial_search: TrialSearch) -> None:
    results = trial_search.search(SearchRequest(query="NCT06576635"))
    assert [h.nct_id for h in results.hits] == ["NCT06576635"]


def test_a_query_of_no_searchable_words_says_so(trial_search: TrialSearch) -> None:
    results = trial_search.search(SearchRequest(query="((( ??? )))", statuses=("WITHHELD",)))
    assert results.notes and "no searchable words" in results.notes[0]
    assert results.total == 1  # all trials that fit the filter


def test_a_short_query_nothing_fully_matches_is_relaxed_with_a_note(trial_search: TrialSearch) -> None:
    results = trial_search.search(SearchRequest(query="asthma zzzyqx"))
    assert results.total > 0
    assert any("most of them" in n for n in results.notes)


def test_a_place_we_cannot_find_names_close_matches(trial_search: TrialSearch) -> None:
    with pytest.raises(UnknownPlaceError) as error:
        trial_search.search(SearchRequest(near="Palo Altp"))
    assert any("Palo Alto" in s for s in error.value.suggestions)


@pytest.mark.parametrize(
    "options",
    [
        {"statuses": ("bogus",)},
        {"phases": ("7",)},
        {"age": 400},
        {"sex": "X"},
        {"radius": "50mi"},
        {"sort": Sort.DISTANCE},
        {"country": "Atlantis"},
    ],
)
def test_bad_filter_values_are_clear_errors(trial_search: TrialSearch, options: dict[str, Any]) -> None:
    with pytest.raises(SearchInputError):
        trial_search.search(SearchRequest(**options))


def test_related_trials_share_what_the_trial_is_about(trial_search: TrialSearch) -> None:
    related = trial_search.related("NCT06576635", limit=5)
    assert len(related) == 5
    assert "NCT06576635" not in [h.nct_id for h in related]
    assert all(about_nsclc(trial_search, h.nct_id) or "lung" in h.title.lower() for h in related)


def results_json(results: SearchResults) -> dict[str, Any]:
    import msgspec

    return json.loads(msgspec.json.encode(results))


def test_results_are_json_ready(trial_search: TrialSearch) -> None:
    data = results_json(trial_search.search(SearchRequest(query="asthma", near="Lyon, France", facets=True)))
    assert set(data) >= {"total", "hits", "facets", "place", "notes"}
    assert data["hits"][0]["nearest_site"]["distance"].endswith(("mi", "km"))


def test_site_place_fixture_is_consistent(trial_search: TrialSearch) -> None:
    assert plain_sql(trial_search.store.path, "SELECT count(*) FROM sites")[0][0] == len(
        trial_search.index.sites
    )


def test_trials_that_only_mention_the_words_come_with_a_note(trial_search: TrialSearch) -> None:
    # No trial is about claustrophobia; some exclude claustrophobic patients (from MRI scans).
    results = trial_search.search(SearchRequest(query="claustrophobia", per_page=50))
    assert results.total > 0
    assert any("mention it elsewhere" in n for n in results.notes)
    for hit in results.hits:
        criteria = trial_search.store.trial(hit.nct_id).eligibility
        summary = trial_search.store.trial(hit.nct_id).brief_summary or ""
        assert "claustrophob" in ((criteria.criteria or "") if criteria else "").lower() + summary.lower()
    about = trial_search.search(SearchRequest(query="asthma", per_page=100))
    assert not any("mention it elsewhere" in n for n in about.notes)
    for hit in about.hits:
        t = trial_search.store.trial(hit.nct_id)
        said = [
            t.title,
            t.official_title or "",
            *t.conditions,
            *t.keywords,
            *(m.term for m in t.condition_mesh_terms),
        ]
        said += [name for i in t.interventions for name in (i.name, *i.other_names)]
        assert "asthma" in " ".join(said).lower(), hit.nct_id
