"""trialscout's own API (/api/v1, /health) in process, over the store of every real record.

Each route must answer what the service it calls answers (the CLI calls the same ones), one
error shape for every error, and never a 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialscout.search.results import SearchRequest
from trialscout.services.registry import open_registry
from trialscout.services.search import search_trials
from trialscout.services.trials import trial_criteria
from trialscout.store.load import LoadReport
from trialscout.web.app import create_app

FHIR_BUNDLE = Path(__file__).resolve().parents[1] / "patients" / "data" / "fhir" / "nsclc-egfr-bundle.json"
V2_TRIAL = "NCT06576635"  # an API v2 record: NSCLC, recruiting
XML_TRIAL = "NCT00005711"  # a legacy XML record
NOTE = (
    "58 year old woman with metastatic non-small cell lung cancer, EGFR exon 19 deletion, "
    "progressed on osimertinib. ECOG 1. Lives in Chicago."
)


@pytest.fixture(scope="module")
def client(full_load: tuple[Path, LoadReport]) -> Iterator[TestClient]:
    db, _ = full_load
    with TestClient(create_app(db)) as client:
        yield client


@pytest.fixture(scope="module")
def db(full_load: tuple[Path, LoadReport]) -> Path:
    return full_load[0]


def _is_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    headers = response.headers
    assert headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status and isinstance(body["detail"], str) and body["detail"]
    return body


def test_health_says_which_store_how_many_trials_and_that_the_index_is_current(
    client: TestClient, db: Path
) -> None:
    health = client.get("/health").json()
    with open_registry(db) as registry:
        assert health["trials"] == registry.store.count()
    assert health["store"] == str(db)
    assert health["index"]["present"] and health["index"]["current"]
    assert health["index"]["trials"] == health["trials"]
    assert health["freshness"]["last_loaded_at"]
    assert health["criteria_due"] == 0


def test_search_answers_what_the_search_service_answers(client: TestClient, db: Path) -> None:
    params = {
        "q": "lung cancer",
        "status": ["RECRUITING", "NOT_YET_RECRUITING"],
        "near": "Chicago",
        "radius": "100mi",
        "per_page": 50,
        "facets": "true",
    }
    answer = client.get("/api/v1/search", params=params).json()
    with open_registry(db) as registry:
        expected = search_trials(
            registry,
            SearchRequest(
                query="lung cancer",
                statuses=("RECRUITING", "NOT_YET_RECRUITING"),
                near="Chicago",
                radius="100mi",
                per_page=50,
                facets=True,
            ),
        )
    assert answer["total"] == expected.total > 0
    assert [h["nct_id"] for h in answer["hits"]] == [h.nct_id for h in expected.hits]
    assert answer["place"]["label"] == expected.place.label  # type: ignore[union-attr]
    # every hit has the nearest-site line a result card shows, within the radius
    for hit in answer["hits"]:
        assert hit["location"] and hit["nearest_site"]["distance_km"] <= 100 * 1.609344 + 0.01
    assert {f["value"] for f in answer["facets"]["status"]} <= {"RECRUITING", "NOT_YET_RECRUITING"}


def test_search_filters_page_and_sort(client: TestClient) -> None:
    first = client.get(
        "/api/v1/search", params={"condition": "asthma", "per_page": 5, "sort": "updated"}
    ).json()
    second = client.get(
        "/api/v1/search", params={"condition": "asthma", "per_page": 5, "page": 2, "sort": "updated"}
    ).json()
    assert first["total"] == second["total"] > 10
    firsts, seconds = [h["nct_id"] for h in first["hits"]], [h["nct_id"] for h in second["hits"]]
    assert not set(firsts) & set(seconds)
    updates = [h["last_update"] for h in first["hits"] + second["hits"]]
    assert updates == sorted(updates, reverse=True)
    kids = client.get("/api/v1/search", params={"condition": "asthma", "age": 8, "per_page": 100}).json()
    assert 0 < kids["total"] < first["total"]


def test_a_misspelt_place_is_a_400_with_suggestions(client: TestClient) -> None:
    body = _is_problem(client.get("/api/v1/search", params={"q": "asthma", "near": "Chicagoo"}), 400)
    assert any("Chicago" in s for s in body["suggestions"])  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"per_page": 5000}, "per_page"),
        ({"page": 0}, "page"),
        ({"age": -3}, "age"),
        ({"sex": "robot"}, "sex"),
        ({"sort": "random"}, "sort"),
        ({"start_from": "yesterday"}, "start_from"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(
    client: TestClient, params: dict[str, object], parameter: str
) -> None:
    body = _is_problem(client.get("/api/v1/search", params=params), 400)
    assert parameter in str(body["detail"])
    assert body["errors"][0]["parameter"] == parameter  # type: ignore[index]


def test_a_bad_value_the_search_itself_refuses_is_a_400(client: TestClient) -> None:
    body = _is_problem(client.get("/api/v1/search", params={"status": "SLEEPING"}), 400)
    assert "SLEEPING" in str(body["detail"]) or "status" in str(body["detail"])
    _is_problem(client.get("/api/v1/search", params={"near": "Chicago", "radius": "far"}), 400)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.text(max_size=300),
    near=st.one_of(st.none(), st.text(max_size=60)),
    radius=st.one_of(st.none(), st.text(max_size=12)),
    status=st.lists(st.text(max_size=20), max_size=3),
)
def test_any_search_text_gives_results_or_a_400(
    client: TestClient, q: str, near: str | None, radius: str | None, status: list[str]
) -> None:
    params: dict[str, object] = {"q": q, "status": status}
    if near is not None:
        params["near"] = near
    if radius is not None:
        params["radius"] = radius
    response = client.get("/api/v1/search", params=params)
    assert response.status_code in (200, 400), response.text


def test_a_trial_its_record_criteria_and_related_trials(client: TestClient, db: Path) -> None:
    page = client.get(f"/api/v1/trials/{V2_TRIAL}").json()
    assert page["stored"]["trial"]["nct_id"] == V2_TRIAL
    assert page["stored"]["recruitment_check"] is not None
    assert 0 < len(page["related"]) <= 5 and V2_TRIAL not in {h["nct_id"] for h in page["related"]}
    # the original record, byte for byte as the registry gave it
    record = client.get(f"/api/v1/trials/{V2_TRIAL}/record")
    assert record.headers["content-type"].startswith("application/json")
    with open_registry(db) as registry:
        _, raw = registry.store.raw_record(V2_TRIAL)
        expected = trial_criteria(registry, V2_TRIAL)
    assert record.content == raw
    assert orjson.loads(record.content)["protocolSection"]["identificationModule"]["nctId"] == V2_TRIAL
    xml = client.get(f"/api/v1/trials/{XML_TRIAL}/record")
    assert xml.headers["content-type"].startswith("application/xml") and b"<clinical_study" in xml.content
    criteria = client.get(f"/api/v1/trials/{V2_TRIAL}/criteria").json()
    assert criteria["parsed"]["summary"] == expected.parsed.summary
    assert [c["plain"] for c in criteria["parsed"]["criteria"]] == [c.plain for c in expected.parsed.criteria]
    assert any(c["rules"] for c in criteria["parsed"]["criteria"])
    related = client.get(f"/api/v1/trials/{V2_TRIAL}/related", params={"limit": 3}).json()
    assert len(related) == 3


def test_an_nct_id_is_read_loosely_but_an_unknown_one_is_a_404(client: TestClient) -> None:
    loose = client.get("/api/v1/trials/nct6576635").json()
    assert loose["stored"]["trial"]["nct_id"] == V2_TRIAL
    for path in ("", "/record", "/criteria", "/related"):
        body = _is_problem(client.get(f"/api/v1/trials/NCT00000001{path}"), 404)
        assert "NCT00000001" in str(body["detail"])
        _is_problem(client.get(f"/api/v1/trials/not-a-trial{path}"), 400)


def test_match_a_note_shows_what_was_read_and_ranks_trials(client: TestClient) -> None:
    answer = client.post("/api/v1/match", json={"note": NOTE, "limit": 5}).json()
    patient = answer["patient"]
    assert patient["source"] == "note"
    assert patient["profile"]["age"] == 58 and patient["profile"]["sex"] == "female"
    assert any("lung" in d["name"] for d in patient["profile"]["diagnoses"])
    assert patient["facts"]  # each fact read, with the words it came from
    results = answer["results"]
    assert 0 < len(results["matches"]) <= 5
    assert all(m["check"]["result"] != "not_eligible" for m in results["matches"])
    assert results["questions"]  # what is missing


def test_match_a_profile_and_a_fhir_bundle(client: TestClient) -> None:
    profile = {"age": 50, "sex": "female", "diagnoses": [{"name": "breast cancer"}]}
    answer = client.post(
        "/api/v1/match", json={"profile": profile, "near": "Boston", "radius": "200mi"}
    ).json()
    assert answer["patient"]["source"] == "profile"
    assert answer["results"]["place"]["label"].startswith("Boston")
    bundle = json.loads(FHIR_BUNDLE.read_text())
    fhir = client.post("/api/v1/match", json={"fhir": bundle}).json()
    assert fhir["patient"]["source"] == "fhir" and fhir["patient"]["profile"]["diagnoses"]


def test_check_one_patient_against_one_trial(client: TestClient) -> None:
    answer = client.post(f"/api/v1/trials/{V2_TRIAL}/check", json={"note": NOTE}).json()
    check = answer["check"]
    assert check["nct_id"] == V2_TRIAL
    assert check["result"] in ("eligible", "possibly_eligible", "not_eligible")
    assert check["criteria"] and all(c["verdict"] in ("met", "not_met", "unknown") for c in check["criteria"])
    _is_problem(client.post("/api/v1/trials/NCT00000001/check", json={"note": NOTE}), 404)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty"),
        (b"not json", "not valid JSON"),
        (b"{}", "exactly one of"),
        (orjson.dumps({"note": NOTE, "profile": {"age": 3}}), "exactly one of"),
        (orjson.dumps({"note": "   "}), "empty"),
        (orjson.dumps({"fhir": {"entry": []}}), "resourceType"),
        (orjson.dumps({"note": NOTE, "limit": 0}), "limit"),
        (orjson.dumps({"note": NOTE, "surprise": 1}), "surprise"),
    ],
)
def test_a_bad_match_body_is_a_400_saying_why(client: TestClient, body: bytes, words: str) -> None:
    problem = _is_problem(client.post("/api/v1/match", content=body), 400)
    assert words in str(problem["detail"])


def test_a_problem_never_repeats_the_patients_details(client: TestClient) -> None:
    secret = "Jane-Q-Public-0042"
    response = client.post("/api/v1/match", json={"profile": {"sex": secret, "age": 40}})
    problem = _is_problem(response, 400)
    assert "sex" in str(problem["detail"]) and secret not in response.text


def test_a_body_too_large_is_a_413(client: TestClient) -> None:
    body = orjson.dumps({"note": "x" * (6 * 1024 * 1024)})
    _is_problem(client.post("/api/v1/match", content=body), 413)


def test_the_openapi_document_describes_every_route_with_resolvable_schemas(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path in ("/health", "/api/v1/search", "/api/v1/trials/{nct_id}", "/api/v1/match"):
        assert path in document["paths"]
    schemas = document["components"]["schemas"]
    text = json.dumps(document)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}:
        assert ref in schemas, ref
    assert "HTTPValidationError" not in schemas  # bad input is a 400 problem, never FastAPI's 422
    match = document["paths"]["/api/v1/match"]["post"]
    assert "requestBody" in match and "413" in match["responses"]
    # the docs page asks nothing of any other host: its files are served here
    page = client.get("/docs").text
    assert "/docs/static/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200


def test_an_unknown_route_and_method_are_problems(client: TestClient) -> None:
    _is_problem(client.get("/api/v1/nothing"), 404)
    _is_problem(client.delete(f"/api/v1/trials/{V2_TRIAL}"), 405)


def test_responses_decode_as_the_documented_types(client: TestClient) -> None:
    from trialscout.search.results import SearchResults

    raw = client.get("/api/v1/search", params={"q": "asthma"}).content
    assert msgspec.json.decode(raw, type=SearchResults).total > 0
