"""The live-registry client, against a real local HTTP server replaying real study records."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import time
import tracemalloc
from collections.abc import Iterator

import orjson
import pytest

from tests.registry_server import (
    GZIP,
    REDIRECT_LOOP,
    FakeRegistry,
    gzip_bomb,
    gzipped,
    last_update_of,
    nct_of,
    padded,
    running_registry,
)
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


# --- a misbehaving registry: every run ends, bounded in time and memory ----------------------

MiB = 1 << 20


def bounded_client(registry: FakeRegistry, **options: float) -> RegistryClient:
    """Small bounds, so each misbehaviour is caught in well under a second or two."""
    settings: dict[str, float] = {
        "min_interval": 0,
        "max_retries": 1,
        "timeout": 0.3,
        "request_timeout": 0.5,
        "deadline": 10.0,  # whatever a regression does, the test ends
        "max_page_bytes": MiB,
        **options,
    }
    return RegistryClient(
        registry.base_url,
        sleep=Sleeps(),
        min_interval=settings["min_interval"],
        max_retries=int(settings["max_retries"]),
        timeout=settings["timeout"],
        request_timeout=settings["request_timeout"],
        deadline=settings["deadline"],
        max_page_bytes=int(settings["max_page_bytes"]),
    )


def test_a_token_cycle_is_detected(fake_registry: FakeRegistry) -> None:
    fake_registry.cycle = (3, 2)  # page 3 offers page 1's token: 1, 2, 3, 2, 3, ...

    with bounded_client(fake_registry) as client, pytest.raises(RegistryResponseError) as raised:
        list(client.iter_pages(LUNG))

    assert "page 3 offers the next-page token that page 1 offered" in str(raised.value)
    assert "cycle" in str(raised.value)
    assert len(fake_registry.study_requests()) == 3


def test_fresh_tokens_beyond_total_count_stop_with_the_reason(fake_registry: FakeRegistry) -> None:
    fake_registry.endless = "new"  # new studies on every page, a fresh token every time
    total = len(expected_ids(fake_registry, LUNG))

    with bounded_client(fake_registry) as client, pytest.raises(RegistryResponseError) as raised:
        list(client.iter_pages(LUNG))

    slack = max(total // 10, 2 * LUNG.page_size)
    assert f"said {total:,} studies match" in str(raised.value)
    assert f"allowing {slack:,} more" in str(raised.value)
    asked = len(fake_registry.study_requests())
    assert asked == math.ceil((total + slack + 1) / LUNG.page_size)


def test_fresh_tokens_bringing_no_new_study_stop_with_the_reason(fake_registry: FakeRegistry) -> None:
    fake_registry.endless = "wrap"  # the same studies again and again
    fake_registry.count_total = False  # and no totalCount to bound them
    pages = math.ceil(len(expected_ids(fake_registry, LUNG)) / LUNG.page_size)

    with bounded_client(fake_registry) as client, pytest.raises(RegistryResponseError) as raised:
        list(client.iter_pages(LUNG))

    assert "3 pages in a row brought no study not already received" in str(raised.value)
    assert len(fake_registry.study_requests()) <= pages + 4  # the first wrapped page may be part new


def test_headers_trickling_in_are_cut_at_the_request_deadline(fake_registry: FakeRegistry) -> None:
    fake_registry.fail(page=1, status=200, header_pause=0.05, times=100)  # each read well within 0.3 s

    started = time.monotonic()
    with bounded_client(fake_registry) as client, pytest.raises(RegistryError) as raised:
        list(client.iter_pages(LUNG))

    assert "gave up after 2 attempts" in str(raised.value)
    assert "no complete answer within 0.5 s" in str(raised.value)
    assert time.monotonic() - started < 3


def test_a_body_trickling_in_is_cut_at_the_request_deadline(fake_registry: FakeRegistry) -> None:
    fake_registry.fail(page=2, status=200, chunk_pause=0.05, times=100)

    started = time.monotonic()
    with bounded_client(fake_registry) as client, pytest.raises(RegistryError) as raised:
        list(client.iter_pages(LUNG))

    assert "no complete answer within 0.5 s" in str(raised.value)
    assert time.monotonic() - started < 3


def test_an_answer_slow_once_is_retried(fake_registry: FakeRegistry) -> None:
    fake_registry.fail(page=2, status=200, delay=1.0)  # silent past the read timeout, once

    with bounded_client(fake_registry) as client:
        got = [nct_of(s) for page in client.iter_pages(LUNG) for s in page.studies]

    assert got == expected_ids(fake_registry, LUNG)


def test_the_run_deadline_stops_paging_even_mid_request(fake_registry: FakeRegistry) -> None:
    fake_registry.fail(page=3, status=200, delay=5.0)
    got: list[int] = []

    started = time.monotonic()
    with (
        bounded_client(fake_registry, request_timeout=30, timeout=30) as client,
        pytest.raises(RegistryError) as raised,
    ):
        got.extend(page.number for page in client.iter_pages(LUNG, deadline=1.0))

    assert got == [1, 2]
    assert "passed its deadline (1 s) after 2 pages" in str(raised.value)
    assert not isinstance(raised.value, RegistryResponseError)
    assert time.monotonic() - started < 3


def test_a_page_too_large_is_refused_not_retried(fake_registry: FakeRegistry) -> None:
    fake_registry.fail(page=1, status=200, chunks=padded(64 * MiB), times=100)

    tracemalloc.start()
    try:
        with bounded_client(fake_registry) as client, pytest.raises(RegistryResponseError) as raised:
            list(client.iter_pages(LUNG))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert "larger than 1 MiB once decompressed" in str(raised.value)
    assert len(fake_registry.study_requests()) == 1
    assert peak < 8 * MiB


def test_a_gzip_bomb_is_stopped_at_the_bound(fake_registry: FakeRegistry) -> None:
    fake_registry.fail(page=2, status=200, headers=GZIP, chunks=gzip_bomb(4 << 30), times=100)

    started = time.monotonic()
    tracemalloc.start()
    try:
        with bounded_client(fake_registry) as client, pytest.raises(RegistryResponseError) as raised:
            list(client.iter_pages(LUNG))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert "larger than 1 MiB once decompressed" in str(raised.value)
    assert peak < 8 * MiB
    assert time.monotonic() - started < 3


def test_gzipped_pages_are_read(fake_registry: FakeRegistry) -> None:
    for page in (1, 2):
        fake_registry.fail(page=page, status=200, headers=GZIP, chunks=gzipped)

    with bounded_client(fake_registry) as client:
        got = [nct_of(s) for page in client.iter_pages(LUNG) for s in page.studies]

    assert got == expected_ids(fake_registry, LUNG)


def test_a_bad_gzip_body_is_retried_like_a_5xx(fake_registry: FakeRegistry) -> None:
    fake_registry.fail(page=2, status=200, headers=GZIP, body=b"\x1f\x8b\x08 not gzip at all")

    with bounded_client(fake_registry) as client:
        got = [nct_of(s) for page in client.iter_pages(LUNG) for s in page.studies]

    assert got == expected_ids(fake_registry, LUNG)


def test_a_body_that_stays_bad_gzip_is_a_response_error(fake_registry: FakeRegistry) -> None:
    fake_registry.fail(page=2, status=200, headers=GZIP, body=b"plain text, said to be gzip", times=100)

    with (
        bounded_client(fake_registry, max_retries=2) as client,
        pytest.raises(RegistryResponseError) as raised,
    ):
        list(client.iter_pages(LUNG))

    assert "gave up after 3 attempts" in str(raised.value)
    assert "the body is not valid gzip" in str(raised.value)


def test_a_redirect_loop_is_a_clear_error_not_retried(fake_registry: FakeRegistry) -> None:
    fake_registry.fail(page=2, status=302, headers=REDIRECT_LOOP, body=b"", times=100)

    with bounded_client(fake_registry, max_retries=3) as client, pytest.raises(RegistryError) as raised:
        list(client.iter_pages(LUNG))

    assert "redirected more than 5 times (a redirect loop?)" in str(raised.value)
    assert len(fake_registry.study_requests()) == 2  # one redirect loop, never tried again
    assert len(fake_registry.requests) == 2 + 5


def test_an_error_answer_is_read_only_so_far(fake_registry: FakeRegistry) -> None:
    fake_registry.fail(page=1, status=400, chunks=padded(64 * MiB))

    with bounded_client(fake_registry) as client, pytest.raises(RegistryError, match="HTTP 400"):
        list(client.iter_pages(LUNG))


def test_a_huge_redirect_body_is_not_read_whole(fake_registry: FakeRegistry) -> None:
    fake_registry.fail(page=1, status=302, headers=REDIRECT_LOOP, chunks=padded(64 * MiB), times=100)

    tracemalloc.start()
    try:
        with bounded_client(fake_registry) as client, pytest.raises(RegistryError) as raised:
            list(client.iter_pages(LUNG))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert "ReadError: more than 2.06 MiB arrived for one request" in str(raised.value)
    assert peak < 16 * MiB
