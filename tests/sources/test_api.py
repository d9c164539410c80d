"""The live-registry client, against a real local HTTP server replaying real study records."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from collections.abc import Iterator

import orjson
import pytest

from tests.registry_server import FakeRegistry, last_update_of, nct_of, running_registry
from trialscout.errors import RegistryError, RegistryResponseError
from trialscout.model.enums import OverallStatus, SourceFormat
from trialscout.sources.api import RegistryClient, StudyQuery
from trialscout.sources.files import RawRecord, Rejection, parse_record

LUNG = StudyQuery(condition="lung cancer", page_size=10)


class Sleeps:
    """An injected sleep: records what the client asked to wait, waits not at all."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def fake_registry() -> Iterator[FakeRegistry]:
    with running_registry() as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(fake_registry: FakeRegistry, sleeps: Sleeps) -> Iterator[RegistryClient]:
    with RegistryClient(fake_registry.base_url, min_interval=0, sleep=sleeps) as c:
        yield c


def expected_ids(registry: FakeRegistry, query: StudyQuery) -> list[str]:
    return [nct_of(s) for s in registry.matching(query.params())]


# --- the query -------------------------------------------------------------------------------


def test_query_params_ask_for_what_the_user_wants_oldest_update_first() -> None:
    query = StudyQuery(
        condition="lung cancer",
        term="pembrolizumab",
        statuses=(OverallStatus.RECRUITING, OverallStatus.NOT_YET_RECRUITING),
        updated_since=dt.date(2025, 3, 1),
        page_size=250,
    )
    assert query.params() == {
        "format": "json",
        "query.cond": "lung cancer",
        "query.term": "pembrolizumab",
        "filter.overallStatus": "RECRUITING|NOT_YET_RECRUITING",
        "filter.advanced": "AREA[LastUpdatePostDate]RANGE[2025-03-01,MAX]",
        "sort": "LastUpdatePostDate:asc",
        "pageSize": "250",
        "countTotal": "true",
    }
    later = query.params("tok")
    assert later["pageToken"] == "tok"
    assert "countTotal" not in later


def test_query_key_names_the_query_not_its_date_or_paging() -> None:
    a = StudyQuery(condition="lung  cancer", statuses=(OverallStatus.RECRUITING, OverallStatus.COMPLETED))
    b = StudyQuery(
        condition="lung cancer",
        statuses=(OverallStatus.COMPLETED, OverallStatus.RECRUITING),
        updated_since=dt.date(2024, 1, 1),
        page_size=1000,
    )
    assert a.key() == b.key()
    assert a.key() != StudyQuery(condition="lung cancer").key()
    assert StudyQuery(condition="asthma").key() != StudyQuery(term="asthma").key()
    assert "lung cancer" in a.key()


def test_page_size_beyond_what_the_api_allows_is_refused() -> None:
    with pytest.raises(ValueError, match="page_size"):
        StudyQuery(page_size=1001)
    with pytest.raises(ValueError, match="page_size"):
        StudyQuery(page_size=0)


# --- paging ----------------------------------------------------------------------------------


def test_pages_follow_tokens_until_every_matching_study_is_fetched(
    fake_registry: FakeRegistry, client: RegistryClient
) -> None:
    expected = expected_ids(fake_registry, LUNG)
    assert len(expected) > 3 * LUNG.page_size  # several pages, and not the whole data set
    assert len(expected) < len(fake_registry.studies)

    pages = list(client.iter_pages(LUNG))

    got = [nct_of(s) for page in pages for s in page.studies]
    assert got == expected
    assert [p.number for p in pages] == list(range(1, math.ceil(len(expected) / LUNG.page_size) + 1))
    assert pages[0].total_count == len(expected)
    assert pages[-1].next_page_token is None
    seen = fake_registry.study_requests()
    assert len(seen) == len(pages)
    assert seen[0].params.get("countTotal") == "true"
    assert all("pageToken" in r.params and "countTotal" not in r.params for r in seen[1:])


def test_status_and_date_filters_reach_the_registry(
    fake_registry: FakeRegistry, client: RegistryClient
) -> None:
    query = StudyQuery(statuses=(OverallStatus.RECRUITING,), updated_since=dt.date(2025, 6, 1), page_size=7)

    studies = [s for page in client.iter_pages(query) for s in page.studies]

    assert studies, "the recorded data has studies recruiting and updated since June 2025"
    assert {s["protocolSection"]["statusModule"]["overallStatus"] for s in studies} == {"RECRUITING"}
    dates = [last_update_of(s) for s in studies]
    assert min(dates) >= "2025-06-01"
    assert dates == sorted(dates)
    everything = fake_registry.studies
    assert len(studies) == sum(
        1
        for s in everything
        if s["protocolSection"]["statusModule"]["overallStatus"] == "RECRUITING"
        and last_update_of(s) >= "2025-06-01"
    )


def test_records_say_where_they_came_from_and_parse_as_trials(
    fake_registry: FakeRegistry, client: RegistryClient
) -> None:
    items = list(client.iter_records(LUNG))

    assert all(isinstance(i, RawRecord) for i in items)
    raws = [i for i in items if isinstance(i, RawRecord)]
    assert [parse_record(r).nct_id for r in raws] == expected_ids(fake_registry, LUNG)
    first = raws[0]
    assert first.format is SourceFormat.CTGOV_API_V2_JSON
    assert first.file.startswith(fake_registry.base_url + "/studies?")
    assert "query.cond=lung+cancer" in first.file
    assert "pageToken" not in first.file
    assert first.record == f"page 1 [0] {parse_record(first).nct_id}"
    assert raws[LUNG.page_size].record.startswith("page 2 [0] NCT")
    assert orjson.loads(first.data) == fake_registry.matching(LUNG.params())[0]


def test_a_page_entry_that_is_not_a_study_is_rejected_and_the_rest_kept(fake_registry: FakeRegistry) -> None:
    studies = fake_registry.studies[:3]
    with (
        running_registry([*studies, {"derivedSection": {"miscInfoModule": {}}}]) as odd,
        RegistryClient(odd.base_url, min_interval=0) as client,
    ):
        items = list(client.iter_records(StudyQuery(page_size=2)))

    rejected = [i for i in items if isinstance(i, Rejection)]
    assert len([i for i in items if isinstance(i, RawRecord)]) == 3
    assert len(rejected) == 1
    assert rejected[0].record.startswith("page ")
    assert "no protocolSection" in rejected[0].reason


# --- retries and politeness ------------------------------------------------------------------


def test_a_failing_page_is_retried_with_backoff(
    fake_registry: FakeRegistry, client: RegistryClient, sleeps: Sleeps
) -> None:
    fake_registry.fail(page=2, status=503, times=2)

    got = [nct_of(s) for page in client.iter_pages(LUNG) for s in page.studies]

    assert got == expected_ids(fake_registry, LUNG)
    statuses = [r.status for r in fake_registry.study_requests()]
    assert statuses[:4] == [200, 503, 503, 200]
    assert len(sleeps.calls) == 2
    assert 0.5 <= sleeps.calls[0] <= 1.0  # backoff 1 s, jittered down to no less than half
    assert 1.0 <= sleeps.calls[1] <= 2.0  # then doubled


def test_a_dropped_connection_is_retried(fake_registry: FakeRegistry, client: RegistryClient) -> None:
    fake_registry.fail(page=1, drop=True)

    pages = list(client.iter_pages(LUNG))

    assert sum(len(p.studies) for p in pages) == len(expected_ids(fake_registry, LUNG))
    assert len(fake_registry.study_requests()) == len(pages) + 1


def test_429_waits_as_long_as_retry_after_says(fake_registry: FakeRegistry) -> None:
    fake_registry.fail(page=1, status=429, headers={"Retry-After": "1"})

    # Real sleep, and a backoff of its own far shorter than what the server asks.
    with RegistryClient(fake_registry.base_url, min_interval=0, backoff=0.01) as client:
        first = next(iter(client.iter_pages(LUNG)))

    assert first.number == 1
    refused, answered = fake_registry.study_requests()
    assert (refused.status, answered.status) == (429, 200)
    assert answered.time - refused.time >= 1.0


def test_retry_after_overrides_the_backoff(
    fake_registry: FakeRegistry, client: RegistryClient, sleeps: Sleeps
) -> None:
    fake_registry.fail(page=1, status=503, headers={"Retry-After": "7"})
    fake_registry.fail(page=2, status=429, headers={"Retry-After": "3"})

    list(client.iter_pages(LUNG))

    assert sleeps.calls == [7.0, 3.0]


def test_a_registry_asking_to_wait_for_minutes_is_not_kept_waiting_for(
    fake_registry: FakeRegistry, client: RegistryClient, sleeps: Sleeps
) -> None:
    fake_registry.fail(page=1, status=429, headers={"Retry-After": "3600"})

    with pytest.raises(RegistryError, match="asks to wait 3600 s"):
        list(client.iter_pages(LUNG))
    assert sleeps.calls == []


def test_gives_up_after_max_retries_naming_the_url_and_the_last_answer(fake_registry: FakeRegistry) -> None:
    fake_registry.fail(page=1, status=503, times=100)
    sleeps = Sleeps()

    with (
        RegistryClient(fake_registry.base_url, min_interval=0, max_retries=3, sleep=sleeps) as client,
        pytest.raises(RegistryError) as raised,
    ):
        list(client.iter_pages(LUNG))

    message = str(raised.value)
    assert fake_registry.base_url + "/studies?" in message
    assert "HTTP 503" in message
    assert "4 attempts" in message
    assert len(fake_registry.study_requests()) == 4
    assert len(sleeps.calls) == 3


def test_an_unreachable_registry_is_a_registry_error() -> None:
    with running_registry() as gone:
        url = gone.base_url  # the port is free again once the server is closed
    with (
        RegistryClient(url, min_interval=0, max_retries=1, sleep=Sleeps()) as client,
        pytest.raises(RegistryError, match=r"2 attempts; last answer: ConnectError"),
    ):
        list(client.iter_pages(LUNG))


def test_a_refused_request_is_not_retried_and_says_why(
    fake_registry: FakeRegistry, client: RegistryClient
) -> None:
    fake_registry.fail(page=1, status=400, body=json.dumps({"message": "filter.geo is malformed"}).encode())

    with pytest.raises(RegistryError, match=r"HTTP 400.*filter\.geo is malformed"):
        list(client.iter_pages(LUNG))
    assert len(fake_registry.study_requests()) == 1


def test_a_body_that_is_not_json_is_a_response_error(
    fake_registry: FakeRegistry, client: RegistryClient
) -> None:
    fake_registry.fail(page=2, status=200, body=b'{"studies": [{"protocolSection": ')

    with pytest.raises(RegistryResponseError, match="not JSON"):
        list(client.iter_pages(LUNG))


def test_json_of_the_wrong_shape_is_a_response_error(
    fake_registry: FakeRegistry, client: RegistryClient
) -> None:
    fake_registry.fail(page=1, status=200, body=b'{"studies": {"NCT00000102": {}}}')

    with pytest.raises(RegistryResponseError, match="'studies' is not a list"):
        list(client.iter_pages(LUNG))


def test_default_client_waits_a_second_between_requests(fake_registry: FakeRegistry) -> None:
    with RegistryClient(fake_registry.base_url) as client:  # the defaults a user gets
        pages = client.iter_pages(StudyQuery(page_size=100))
        for _ in range(3):
            next(pages)

    times = [r.time for r in fake_registry.study_requests()]
    assert len(times) == 3
    assert all(later - earlier >= 0.95 for earlier, later in itertools.pairwise(times))


# --- one study -------------------------------------------------------------------------------


def test_get_study_returns_the_registry_record(fake_registry: FakeRegistry, client: RegistryClient) -> None:
    wanted = fake_registry.studies[5]

    study = client.get_study(nct_of(wanted).lower())

    assert study == wanted


def test_get_study_of_an_unknown_trial_says_the_registry_has_no_such_study(
    fake_registry: FakeRegistry, client: RegistryClient
) -> None:
    with pytest.raises(RegistryError, match="the registry has no study NCT99999999"):
        client.get_study("NCT99999999")
    assert len(fake_registry.requests) == 1  # a 404 is an answer, not a failure to retry
    with pytest.raises(RegistryError, match="not an NCT ID"):
        client.get_study("../studies?x=1")
    assert len(fake_registry.requests) == 1
