""" "Do I qualify?" over HTTP: the questionnaire as JSON, the answers only in a POST body, and a
bad answer as a 400 problem that says which question and what it takes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from fastapi.testclient import TestClient

from trialscout.services.qualify import questionnaire
from trialscout.services.registry import LocalRegistry
from trialscout.store.load import LoadReport
from trialscout.web import qualify
from trialscout.web.app import create_app

# Conmana with thalidomide for NSCLC: the registry's ages 18-75, ECOG 0-2 (tests/services/test_qualify.py)
CONMANA = "NCT02778893"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client(full_load: tuple[Path, LoadReport]) -> Iterator[TestClient]:
    db, _ = full_load
    with TestClient(create_app(db)) as c:
        yield c


def test_the_questionnaire_as_json(client: TestClient, local_registry: LocalRegistry) -> None:
    answer = client.get(f"/api/v1/trials/{CONMANA}/questionnaire")
    assert answer.status_code == 200, answer.text
    assert answer.json() == msgspec.json.decode(msgspec.json.encode(questionnaire(local_registry, CONMANA)))
    keys = [q["key"] for q in answer.json()["questions"]]
    assert keys[:2] == ["age", "sex"] and "ecog" in keys


def test_answers_posted_are_checked_criterion_by_criterion(client: TestClient) -> None:
    answers = {"age": 17, "sex": "female", "ecog": "1", "pregnant": "no", "lab:platelets": "not_sure"}
    answer = client.post(f"/api/v1/trials/{CONMANA}/qualify", json={"answers": answers})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["result"] == "not_eligible" and "R1" in body["failing"]
    age_limit = next(c for c in body["criteria"] if c["id"] == "R1")
    assert age_limit["verdict"] == "not_met" and age_limit["reason"] == "age 17"
    assert age_limit["text"].startswith("Ages 18 to 75")
    assert body["answered"] == ["age", "sex", "ecog", "pregnant"]
    assert body["ask_study_team"] and all(t["text"] and t["criteria"] for t in body["ask_study_team"])


def test_not_sure_everywhere_is_never_a_no(client: TestClient) -> None:
    form = client.get(f"/api/v1/trials/{CONMANA}/questionnaire").json()
    answers = {q["key"]: "not_sure" for q in form["questions"]}
    body = client.post(f"/api/v1/trials/{CONMANA}/qualify", json={"answers": answers}).json()
    assert body["result"] == "possibly_eligible" and body["failing"] == []
    assert {c["verdict"] for c in body["criteria"]} <= {"met", "unknown"}


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"answers": {"age": "abc"}}, "age takes a number (years) from 0 to 120"),
        ({"answers": {"age": 300}}, "out of range"),
        ({"answers": {"ecog": "7"}}, "ecog takes one of"),
        ({"answers": {"blood type": "O"}}, "not questions of this trial's questionnaire"),
        ({"answers": {"age": True}}, "the body is not valid"),
        ({"answers": ["age", "64"]}, "the body is not valid"),
        ({"age": "64"}, "the body is not valid"),
    ],
)
def test_a_bad_answer_is_a_400_problem_with_a_message(
    client: TestClient, body: dict[str, object], says: str
) -> None:
    answer = client.post(f"/api/v1/trials/{CONMANA}/qualify", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert says in answer.json()["detail"]
    assert "abc" not in answer.text and "300" not in answer.text  # never the value sent


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/trials/NCT99999999/questionnaire", 404),
        ("POST", "/api/v1/trials/NCT99999999/qualify", 404),
        ("GET", "/api/v1/trials/not-an-id/questionnaire", 400),
        ("POST", "/api/v1/trials/not-an-id/qualify", 400),
        ("GET", f"/api/v1/trials/{CONMANA}/qualify", 405),  # answers never go in a URL
    ],
)
def test_wrong_trials_and_methods(client: TestClient, method: str, path: str, status: int) -> None:
    answer = client.request(method, path, json={"answers": {}} if method == "POST" else None)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == PROBLEM and answer.json()["detail"]


def test_an_empty_or_broken_body(client: TestClient) -> None:
    for content in (b"", b"{not json", b"x" * (qualify.MAX_ANSWERS_BYTES + 1)):
        answer = client.post(
            f"/api/v1/trials/{CONMANA}/qualify", content=content, headers={"content-type": "application/json"}
        )
        assert answer.status_code in (400, 413), answer.text
        assert answer.json()["detail"]
