"""GET /api/v1/trials/{id}/patient: the patient layer over HTTP, the same service `show` prints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TODAY
from trialscout.services.registry import LocalRegistry
from trialscout.services.trial_page import patient_page
from trialscout.store.load import LoadReport
from trialscout.web.app import create_app

NCI_MATCH = "NCT02465060"


@pytest.fixture(scope="module")
def client(full_load: tuple[Path, LoadReport]) -> Iterator[TestClient]:
    db, _ = full_load
    with TestClient(create_app(db)) as c:
        yield c


def test_the_patient_layer_as_json(client: TestClient, local_registry: LocalRegistry) -> None:
    params = {"near": "Boston, MA", "sites_offset": 10}
    answer = client.get(f"/api/v1/trials/{NCI_MATCH}/patient", params=params)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    direct = patient_page(local_registry, NCI_MATCH, near="Boston, MA", sites_offset=10, today=TODAY)
    assert body["nct_id"] == NCI_MATCH and body["title"] == direct.title
    assert [s["ordinal"] for s in body["sites"]["sites"]] == [s.ordinal for s in direct.sites.sites]
    assert body["sites"]["offset"] == 10 and len(body["sites"]["sites"]) == 10
    assert {b["key"] for b in body["badges"]} == {b.key for b in direct.badges}
    for badge in body["badges"]:
        assert badge["derived"]["rule"]  # every badge says which rule made it
    assert set(body["explainers"]) >= {"design", "sites", "sponsor", "results", "costs"}
    assert body["recruitment"]["as_of"] == direct.recruitment.as_of


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/v1/trials/NCT99999999/patient", {}, 404),
        ("/api/v1/trials/not-an-id/patient", {}, 400),
        (f"/api/v1/trials/{NCI_MATCH}/patient", {"near": "Boston, MA", "radius": "far"}, 400),
        (f"/api/v1/trials/{NCI_MATCH}/patient", {"radius": "50mi"}, 400),
        (f"/api/v1/trials/{NCI_MATCH}/patient", {"near": "Nowhereville Qqq"}, 400),
        (f"/api/v1/trials/{NCI_MATCH}/patient", {"sites_limit": 0}, 400),
        (f"/api/v1/trials/{NCI_MATCH}/patient", {"sites_offset": -1}, 400),
    ],
)
def test_bad_requests_get_a_problem_with_a_message(
    client: TestClient, path: str, params: dict[str, object], status: int
) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"]
