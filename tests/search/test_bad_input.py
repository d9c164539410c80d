"""Any query, filter value or place gives results or a clear message, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialscout.errors import TrialscoutError
from trialscout.search import query as query_text
from trialscout.search.engine import TrialSearch
from trialscout.search.results import SearchRequest, SearchResults, Sort

_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

queries = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                '"',
                "“",
                "condition:",
                "nct:",
                "NCT0",
                "-",
                "(",
                ")",
                "AND",
                "OR",
                "*",
                "~",
                "^",
                ":",
                "\\",
                "lung",
                "cancer",
                "non-small",
                "🙂",
                "\x00",
                "\n",
                "   ",
                'title:"',
                "sponsor:",
                "ß",
                "İ",
                "NSCLC",
                "COVID-19",
            ]
        ),
        max_size=30,
    ).map(" ".join),
)


@given(text=queries)
@settings(max_examples=300, deadline=None)
def test_any_text_parses_and_builds(text: str) -> None:
    from tantivy import SchemaBuilder  # noqa: F401 - the real schema below

    from trialscout.search.schema import build_schema

    parsed = query_text.parse(text)
    for strictness in query_text.Strictness:
        query_text.build(parsed, build_schema(), strictness)


@_SETTINGS
@given(text=queries)
def test_any_query_returns_results(trial_search: TrialSearch, text: str) -> None:
    results = trial_search.search(SearchRequest(query=text, per_page=5, facets=True))
    assert isinstance(results, SearchResults)
    assert len(results.hits) <= 5


@_SETTINGS
@given(
    statuses=st.lists(st.text(max_size=20), max_size=3),
    phases=st.lists(st.text(max_size=10), max_size=3),
    age=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    sex=st.one_of(st.none(), st.text(max_size=8)),
    country=st.one_of(st.none(), st.text(max_size=30)),
    near=st.one_of(st.none(), st.text(max_size=40)),
    radius=st.one_of(st.none(), st.text(max_size=12)),
    page=st.integers(min_value=-5, max_value=10**6),
    sort=st.one_of(st.none(), st.sampled_from(list(Sort))),
)
def test_any_filters_give_results_or_a_clear_error(
    trial_search: TrialSearch,
    statuses: list[str],
    phases: list[str],
    age: float | None,
    sex: str | None,
    country: str | None,
    near: str | None,
    radius: str | None,
    page: int,
    sort: Sort | None,
) -> None:
    request = SearchRequest(
        statuses=tuple(statuses),
        phases=tuple(phases),
        age=age,
        sex=sex,
        country=country,
        near=near,
        radius=radius,
        page=page,
        sort=sort,
        per_page=3,
    )
    try:
        trial_search.search(request)
    except TrialscoutError as error:
        assert str(error)


@pytest.mark.parametrize("place", ["Palo Alto", "94301", "Lyon, France", "37.44,-122.14", "Paris, TX"])
def test_places_people_type(trial_search: TrialSearch, place: str) -> None:
    results = trial_search.search(SearchRequest(near=place, per_page=3))
    assert results.place is not None
    assert results.hits and results.hits[0].nearest_site is not None
