"""The registry's API v2 (/api/v2) over the store of every real record, in process.

What a script written for ClinicalTrials.gov sees: pages that visit every match once, the same
trials `trialscout search` finds, the registry's study shape for every record (legacy XML
converted), only the fields asked for, CSV, and 400/404 plain-text errors, never a 5xx.
"""

from __future__ import annotations

import csv
import io
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import msgspec
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialscout.search.results import SearchRequest
from trialscout.services.registry import LocalRegistry
from trialscout.sources.values import age_in_years

V2_TRIAL = "NCT06576635"  # an API v2 record
XML_TRIAL = "NCT00005711"  # a legacy XML record
BETHESDA = "distance(39.0035707,-77.1013313,50mi)"


def _all_pages(client: TestClient, params: dict[str, str]) -> tuple[list[dict[str, Any]], list[int]]:
    """Every study of a query, following nextPageToken; and the totalCount of each page."""
    studies: list[dict[str, Any]] = []
    totals: list[int] = []
    token = None
    for _ in range(200):
        page = client.get("/api/v2/studies", params={**params, **({"pageToken": token} if token else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        studies += body["studies"]
        totals.append(body["totalCount"])
        token = body.get("nextPageToken")
        if token is None:
            return studies, totals
    raise AssertionError("paging did not end")


def _nct(study: dict[str, Any]) -> str:
    nct: str = study["protocolSection"]["identificationModule"]["nctId"]
    return nct


def _engine_ids(registry: LocalRegistry, request: SearchRequest) -> list[str]:
    ids: list[str] = []
    page = 1
    while True:
        found = registry.search.search(msgspec.structs.replace(request, page=page, per_page=1000))
        ids += [h.nct_id for h in found.hits]
        if page * 1000 >= found.total:
            return ids
        page += 1


def test_paging_through_a_condition_visits_every_match_once_and_agrees_with_search(
    v2_client: TestClient, local_registry: LocalRegistry
) -> None:
    studies, totals = _all_pages(v2_client, {"query.cond": "cancer", "pageSize": "97", "countTotal": "true"})
    ids = [_nct(s) for s in studies]
    assert len(ids) == len(set(ids)) == totals[0] > 200  # more than two pages
    assert set(totals) == {totals[0]}
    assert set(ids) == set(_engine_ids(local_registry, SearchRequest(condition="cancer")))
    # The first page is the engine's first page, in its order (relevance).
    first = local_registry.search.search(SearchRequest(condition="cancer", per_page=97))
    assert ids[:97] == [h.nct_id for h in first.hits]


def test_filter_geo_keeps_the_trials_search_finds_within_the_distance(
    v2_client: TestClient, local_registry: LocalRegistry
) -> None:
    studies, totals = _all_pages(
        v2_client, {"filter.geo": BETHESDA, "pageSize": "1000", "countTotal": "true"}
    )
    expected = _engine_ids(local_registry, SearchRequest(near="39.0035707,-77.1013313", radius="50mi"))
    assert {_nct(s) for s in studies} == set(expected)
    assert len(studies) == totals[0] > 100
    km = v2_client.get(
        "/api/v2/studies",
        params={"filter.geo": "distance(39.0035707,-77.1013313,80.4672km)", "countTotal": "true"},
    ).json()
    assert km["totalCount"] == totals[0]  # 50 miles is 80.4672 km


def test_advanced_phase_and_minimum_age_range_keep_only_such_trials(v2_client: TestClient) -> None:
    advanced = "AREA[Phase]PHASE2 AND AREA[MinimumAge]RANGE[MIN, 16 years]"
    studies, totals = _all_pages(
        v2_client, {"filter.advanced": advanced, "pageSize": "1000", "countTotal": "true"}
    )
    assert len(studies) == totals[0] > 50
    for study in studies:
        protocol = study["protocolSection"]
        assert "PHASE2" in protocol["designModule"]["phases"]
        minimum = protocol.get("eligibilityModule", {}).get("minimumAge")
        assert minimum is None or (age_in_years(minimum) or 0) <= 16
    adults = v2_client.get(
        "/api/v2/studies",
        params={
            "filter.advanced": "AREA[Phase]PHASE2 AND AREA[MinimumAge]RANGE[18 years, MAX]",
            "countTotal": "true",
        },
    ).json()
    phase2 = v2_client.get(
        "/api/v2/studies", params={"query.term": "AREA[Phase]PHASE2", "countTotal": "true"}
    ).json()
    assert adults["totalCount"] + totals[0] <= phase2["totalCount"]
    both = v2_client.get(
        "/api/v2/studies",
        params={"filter.advanced": "AREA[Phase](PHASE2 OR PHASE3)", "countTotal": "true"},
    ).json()
    assert both["totalCount"] > phase2["totalCount"]


def test_last_update_range_sorted_newest_first(v2_client: TestClient) -> None:
    page = v2_client.get(
        "/api/v2/studies",
        params={
            "filter.advanced": (
                "AREA[LastUpdatePostDate]RANGE[2023-01-15,MAX] AND AREA[StudyType]INTERVENTIONAL"
            ),
            "sort": "LastUpdatePostDate:desc",
            "pageSize": "1000",
            "fields": "NCTId|LastUpdatePostDate|StudyType",
        },
    ).json()
    dates = [
        s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] for s in page["studies"]
    ]
    assert dates and min(dates) >= "2023-01-15"
    assert dates == sorted(dates, reverse=True)
    assert {s["protocolSection"]["designModule"]["studyType"] for s in page["studies"]} == {"INTERVENTIONAL"}


def test_filters_on_status_and_ids(v2_client: TestClient) -> None:
    page = v2_client.get(
        "/api/v2/studies",
        params={
            "filter.overallStatus": "RECRUITING|NOT_YET_RECRUITING",
            "pageSize": "200",
            "fields": "OverallStatus",
        },
    ).json()
    statuses = {s["protocolSection"]["statusModule"]["overallStatus"] for s in page["studies"]}
    assert statuses == {"RECRUITING", "NOT_YET_RECRUITING"} or statuses == {"RECRUITING"}
    ids = v2_client.get(
        "/api/v2/studies", params={"filter.ids": f"{V2_TRIAL},{XML_TRIAL}", "fields": "NCTId"}
    ).json()
    assert {_nct(s) for s in ids["studies"]} == {V2_TRIAL, XML_TRIAL}
    assert "nextPageToken" not in ids


def test_fields_return_only_those_parts(v2_client: TestClient) -> None:
    whole = v2_client.get(f"/api/v2/studies/{V2_TRIAL}").json()
    picked = v2_client.get(
        "/api/v2/studies", params={"filter.ids": V2_TRIAL, "fields": "NCTId|BriefTitle|OverallStatus"}
    ).json()["studies"][0]
    protocol = whole["protocolSection"]
    assert picked == {
        "protocolSection": {
            "identificationModule": {
                "nctId": V2_TRIAL,
                "briefTitle": protocol["identificationModule"]["briefTitle"],
            },
            "statusModule": {"overallStatus": protocol["statusModule"]["overallStatus"]},
        }
    }
    module = v2_client.get(
        f"/api/v2/studies/{V2_TRIAL}", params={"fields": "protocolSection.eligibilityModule,ConditionsModule"}
    ).json()
    assert module == {
        "protocolSection": {
            "eligibilityModule": protocol["eligibilityModule"],
            "conditionsModule": protocol["conditionsModule"],
        }
    }
    sites = v2_client.get(f"/api/v2/studies/{V2_TRIAL}", params={"fields": "LocationCity"}).json()
    assert [s["city"] for s in sites["protocolSection"]["contactsLocationsModule"]["locations"]] == [
        s["city"] for s in protocol["contactsLocationsModule"]["locations"] if "city" in s
    ]


def test_a_v2_record_is_returned_as_stored(v2_client: TestClient, local_registry: LocalRegistry) -> None:
    response = v2_client.get(f"/api/v2/studies/{V2_TRIAL}")
    _, raw = local_registry.store.raw_record(V2_TRIAL)
    assert response.content == raw.strip()
    assert "x-trialscout-converted" not in response.headers


def test_a_legacy_xml_trial_comes_in_the_v2_shape_with_what_its_xml_says(
    v2_client: TestClient, local_registry: LocalRegistry
) -> None:
    response = v2_client.get(f"/api/v2/studies/{XML_TRIAL}")
    assert response.status_code == 200
    assert response.headers["x-trialscout-converted"] == XML_TRIAL
    study = response.json()["protocolSection"]
    _, raw = local_registry.store.raw_record(XML_TRIAL)
    xml = ET.fromstring(raw)
    assert study["identificationModule"]["nctId"] == XML_TRIAL
    assert study["identificationModule"]["briefTitle"] == " ".join(xml.findtext("brief_title", "").split())
    assert study["conditionsModule"]["conditions"] == [c.text for c in xml.findall("condition")]
    legacy_status = xml.findtext("overall_status", "")
    assert study["statusModule"]["overallStatus"] == legacy_status.upper().replace(",", "").replace(" ", "_")
    # In a page too, named in the header.
    page = v2_client.get("/api/v2/studies", params={"filter.ids": f"{XML_TRIAL},{V2_TRIAL}"})
    assert page.headers["x-trialscout-converted"] == XML_TRIAL
    assert {_nct(s) for s in page.json()["studies"]} == {XML_TRIAL, V2_TRIAL}
    # The same study, whether converted anew or kept from an earlier page.
    for _ in range(2):
        again = v2_client.get("/api/v2/studies", params={"filter.ids": XML_TRIAL}).json()["studies"]
        assert again == [response.json()]


def test_csv_has_the_registry_columns_and_one_row_per_study(v2_client: TestClient) -> None:
    params = {"query.cond": "asthma", "pageSize": "40"}
    rows = list(
        csv.reader(io.StringIO(v2_client.get("/api/v2/studies", params={**params, "format": "csv"}).text))
    )
    assert rows[0][:3] == ["NCT Number", "Study Title", "Study URL"]
    ids = [_nct(s) for s in v2_client.get("/api/v2/studies", params=params).json()["studies"]]
    assert [r[0] for r in rows[1:]] == ids
    picked = v2_client.get(
        "/api/v2/studies", params={**params, "format": "csv", "fields": "NCTId|Condition|OverallStatus"}
    )
    assert picked.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(picked.text)))
    assert table[0] == ["NCT Number", "Conditions", "Study Status"]
    assert all("asthma" in r[1].lower() or r[1] for r in table[1:])


def test_version_gives_the_local_copys_date(v2_client: TestClient, local_registry: LocalRegistry) -> None:
    body = v2_client.get("/api/v2/version").json()
    fresh = local_registry.store.freshness()
    assert body["apiVersion"].startswith("2.0.")
    assert body["dataTimestamp"] == (fresh.registry_version or fresh.last_loaded_at)


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("/api/v2/studies?query.condition=asthma", 400, "query.condition: unknown parameter"),
        ("/api/v2/studies?filter.overallStatus=SLEEPING", 400, "filter.overallStatus"),
        ("/api/v2/studies?pageSize=1001", 400, "pageSize"),
        ("/api/v2/studies?pageSize=ten", 400, "pageSize"),
        ("/api/v2/studies?countTotal=yes", 400, "countTotal"),
        ("/api/v2/studies?format=xml", 400, "format"),
        ("/api/v2/studies?filter.geo=distance(91,0,5mi)", 400, "filter.geo"),
        ("/api/v2/studies?filter.geo=near(1,2)", 400, "filter.geo"),
        ("/api/v2/studies?filter.advanced=AREA[Nonsense]x", 400, "AREA[Nonsense]"),
        ("/api/v2/studies?filter.advanced=NOT AREA[Phase]PHASE2", 400, "NOT"),
        ("/api/v2/studies?fields=NoSuchPiece", 400, "fields"),
        ("/api/v2/studies?sort=EnrollmentCount:asc", 400, "sort"),
        ("/api/v2/studies?pageToken=garbage", 400, "pageToken"),
        ("/api/v2/studies/NCT99999999", 404, "NCT number NCT99999999 not found"),
        ("/api/v2/studies/NCT12X45678", 400, "nctId"),
        ("/api/v2/studies/NCT06576635?pageSize=3", 400, "pageSize: unknown parameter"),
        ("/api/v2/version?x=1", 400, "x: unknown parameter"),
    ],
)
def test_errors_are_plain_text_naming_the_parameter(
    v2_client: TestClient, url: str, status: int, says: str
) -> None:
    response = v2_client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/plain")
    assert says in response.text


def test_a_token_of_another_query_is_refused(v2_client: TestClient) -> None:
    token = v2_client.get("/api/v2/studies", params={"query.cond": "cancer"}).json()["nextPageToken"]
    same = v2_client.get("/api/v2/studies", params={"query.cond": "cancer", "pageToken": token})
    assert same.status_code == 200
    other = v2_client.get("/api/v2/studies", params={"query.cond": "asthma", "pageToken": token})
    assert other.status_code == 400 and "pageToken" in other.text


_NAMES = [
    "query.cond",
    "query.term",
    "query.intr",
    "query.titles",
    "query.spons",
    "query.locn",
    "query.id",
    "filter.overallStatus",
    "filter.ids",
    "filter.geo",
    "filter.advanced",
    "fields",
    "sort",
    "pageSize",
    "pageToken",
    "countTotal",
    "format",
    "markupFormat",
]
_PIECES = st.sampled_from(
    [
        "AREA[",
        "]",
        "RANGE[",
        "MIN",
        "MAX",
        ",",
        " ",
        "OR",
        "AND",
        "(",
        ")",
        "Phase",
        "PHASE2",
        "MinimumAge",
        "16 years",
        "2023-01-15",
        "distance(",
        "39.0",
        "-77.1",
        "50mi",
        "NCT00005711",
        "|",
        '"',
        "\\",
        "é",
        "\x00",
    ]
)
_VALUES = st.one_of(st.text(max_size=40), st.lists(_PIECES, max_size=10).map("".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(_NAMES), _VALUES, max_size=4))
def test_no_parameter_value_gives_a_server_error(v2_client: TestClient, params: dict[str, str]) -> None:
    response = v2_client.get("/api/v2/studies", params=params)
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.headers["content-type"].startswith("text/plain") and response.text
    elif response.headers["content-type"].startswith("application/json"):
        assert isinstance(response.json()["studies"], list)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nct=st.text(max_size=20), fields=_VALUES)
def test_no_study_id_gives_a_server_error(v2_client: TestClient, nct: str, fields: str) -> None:
    response = v2_client.get(
        f"/api/v2/studies/{urllib.parse.quote(nct, safe='') or 'x'}", params={"fields": fields}
    )
    assert response.status_code in (200, 400, 404), response.text


def test_markup_legacy_is_accepted_and_keeps_the_stored_text(
    v2_client: TestClient, full_load: tuple[Path, Any]
) -> None:
    plain = v2_client.get(f"/api/v2/studies/{V2_TRIAL}")
    legacy = v2_client.get(f"/api/v2/studies/{V2_TRIAL}", params={"markupFormat": "legacy"})
    assert legacy.status_code == 200 and legacy.json() == plain.json()


def test_the_openapi_document_names_the_registry_parameters_and_text_errors(v2_client: TestClient) -> None:
    document = v2_client.get("/openapi.json").json()
    studies = document["paths"]["/api/v2/studies"]["get"]
    names = {p["name"] for p in studies["parameters"]}
    assert {"query.cond", "filter.geo", "filter.advanced", "pageToken", "pageSize", "fields"} <= names
    assert list(studies["responses"]["400"]["content"]) == ["text/plain"]
    assert set(studies["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    one = document["paths"]["/api/v2/studies/{nctId}"]["get"]
    assert list(one["responses"]["404"]["content"]) == ["text/plain"]
