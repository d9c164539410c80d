"""The place box over HTTP: autocomplete, resolving a place, and a trial's sites by distance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialscout.geo.distance import distance_km
from trialscout.store.load import LoadReport
from trialscout.web.app import create_app

NATIONWIDE = "NCT02210780"  # 42 sites in 23 US states


@pytest.fixture(scope="module")
def client(full_load: tuple[Path, LoadReport]) -> Iterator[TestClient]:
    db, _ = full_load
    with TestClient(create_app(db)) as c:
        yield c


def test_autocomplete_offers_palo_alto_first(client: TestClient) -> None:
    answer = client.get("/api/v1/places", params={"q": "Palo A"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["query"] == "Palo A"
    first = body["places"][0]
    assert first["label"] == "Palo Alto, California, United States"
    assert first["kind"] == "city" and first["country_code"] == "US"


def test_autocomplete_zip_codes_and_limit(client: TestClient) -> None:
    places = client.get("/api/v1/places", params={"q": "9430", "limit": 3}).json()["places"]
    assert [p["value"] for p in places] == ["94301", "94302", "94303"]
    assert all(p["kind"] == "zip" and p["label"].startswith("Palo Alto, CA") for p in places)


def test_autocomplete_accents(client: TestClient) -> None:
    places = client.get("/api/v1/places", params={"q": "besan"}).json()["places"]
    assert places[0]["label"] == "Besançon, France"


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"q": "Paris", "limit": 0}, "limit"),
        ({"q": "Paris", "limit": 51}, "limit"),
        ({"q": "x" * 201}, "q"),
        ({}, "q"),
    ],
)
def test_autocomplete_bounds_are_a_400_naming_the_parameter(
    client: TestClient, params: dict[str, object], parameter: str
) -> None:
    answer = client.get("/api/v1/places", params=params)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert parameter in [e["parameter"] for e in answer.json()["errors"]]


def test_resolve_a_place(client: TestClient) -> None:
    answer = client.get("/api/v1/places/resolve", params={"q": "Palo Alto, CA"})
    assert answer.status_code == 200, answer.text
    place = answer.json()
    assert place["kind"] == "city" and place["label"].startswith("Palo Alto, California")
    assert distance_km(place["latitude"], place["longitude"], 37.44, -122.14) < 3


def test_an_unknown_place_is_a_400_with_suggestions(client: TestClient) -> None:
    answer = client.get("/api/v1/places/resolve", params={"q": "Palo Altoo, CA"})
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["status"] == 400 and "Palo Altoo" in problem["detail"]
    assert any(s.startswith("Palo Alto") for s in problem["suggestions"])


def test_every_suggestion_resolves_to_the_place_offered(client: TestClient) -> None:
    for typed in ("Lyon, Fr", "new y", "Georgia", "9430"):
        for offered in client.get("/api/v1/places", params={"q": typed}).json()["places"]:
            place = client.get("/api/v1/places/resolve", params={"q": offered["value"]}).json()
            assert (
                distance_km(place["latitude"], place["longitude"], offered["latitude"], offered["longitude"])
                < 1
            )


def test_a_trials_sites_nearest_first(client: TestClient) -> None:
    answer = client.get(f"/api/v1/trials/{NATIONWIDE}/sites", params={"near": "Boston, MA"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["nct_id"] == NATIONWIDE and body["place"]["label"].startswith("Boston")
    distances = [site["distance_km"] for site in body["sites"]]
    assert len(distances) == body["total"] >= 40 and distances == sorted(distances)
    here = body["place"]
    for site in body["sites"]:
        expected = distance_km(here["latitude"], here["longitude"], site["latitude"], site["longitude"])
        assert site["distance_km"] == pytest.approx(expected)
    near = client.get(
        f"/api/v1/trials/{NATIONWIDE.lower()}/sites", params={"near": "Boston, MA", "radius": "300 mi"}
    ).json()
    assert 0 < len(near["sites"]) < body["total"]
    assert all(site["distance_km"] <= 300 * 1.609344 for site in near["sites"])
    assert near["beyond_radius"] == body["total"] - len(near["sites"])


def test_recruiting_only_keeps_only_recruiting_sites(client: TestClient) -> None:
    every = client.get("/api/v1/trials/NCT05809934/sites").json()["sites"]
    recruiting = client.get("/api/v1/trials/NCT05809934/sites", params={"recruiting_only": "true"}).json()[
        "sites"
    ]
    assert {s["status"] for s in recruiting} == {"RECRUITING"}
    assert len(recruiting) == sum(1 for s in every if s.get("status") == "RECRUITING") < len(every)
    assert "WITHDRAWN" in {s.get("status") for s in every}


def test_an_unknown_trial_is_a_404_and_a_malformed_id_a_400(client: TestClient) -> None:
    missing = client.get("/api/v1/trials/NCT99999999/sites", params={"near": "Boston"})
    assert missing.status_code == 404 and "NCT99999999" in missing.json()["detail"]
    malformed = client.get("/api/v1/trials/not-a-trial/sites")
    assert malformed.status_code == 400 and malformed.json()["errors"][0]["parameter"] == "nct_id"


@pytest.mark.parametrize(
    "params",
    [
        {"near": "Palo Altoo, CA"},
        {"radius": "50 mi"},
        {"near": "Boston", "radius": "fifty"},
        {"near": "99, 200"},
    ],
)
def test_a_bad_place_or_radius_is_a_400(client: TestClient, params: dict[str, str]) -> None:
    answer = client.get(f"/api/v1/trials/{NATIONWIDE}/sites", params=params)
    assert answer.status_code == 400 and answer.json()["detail"]


def test_the_routes_are_in_the_openapi_document(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path in ("/api/v1/places", "/api/v1/places/resolve", "/api/v1/trials/{nct_id}/sites"):
        assert "200" in document["paths"][path]["get"]["responses"]
    assert {"PlaceSuggestions", "PlaceSuggestion", "TrialSites", "TrialSite"} <= set(
        document["components"]["schemas"]
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.text(max_size=220))
def test_any_text_is_never_a_server_error(client: TestClient, text: str) -> None:
    for path, params in (
        ("/api/v1/places", {"q": text}),
        ("/api/v1/places/resolve", {"q": text}),
        (f"/api/v1/trials/{NATIONWIDE}/sites", {"near": text}),
        (f"/api/v1/trials/{NATIONWIDE}/sites", {"near": "Boston", "radius": text[:40]}),
    ):
        answer = client.get(path, params=params)
        assert answer.status_code in (200, 400), (path, text, answer.text)
