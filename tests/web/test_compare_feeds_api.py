"""GET /api/v1/compare and GET /feeds/search.atom over HTTP: the same services, a problem for a
bad request, and a feed a reader can parse whose entries link to their trials."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TODAY
from trialscout.services.compare import compare_trials
from trialscout.services.feeds import ATOM
from trialscout.services.registry import LocalRegistry
from trialscout.store.load import LoadReport
from trialscout.web.app import create_app

A = f"{{{ATOM}}}"
PLACEBO_RCT = "NCT05813925"
SINGLE_ARM = "NCT05482516"


@pytest.fixture(scope="module")
def client(full_load: tuple[Path, LoadReport]) -> Iterator[TestClient]:
    with TestClient(create_app(full_load[0])) as c:
        yield c


def test_compare_as_json(client: TestClient, local_registry: LocalRegistry) -> None:
    answer = client.get(
        "/api/v1/compare", params={"ids": f"{PLACEBO_RCT}, {SINGLE_ARM}", "near": "Boston, MA"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    direct = compare_trials(local_registry, [PLACEBO_RCT, SINGLE_ARM], near="Boston, MA", today=TODAY)
    assert [t["nct_id"] for t in body["trials"]] == [PLACEBO_RCT, SINGLE_ARM]
    assert {r["key"]: r["differs"] for r in body["rows"]} == {r.key: r.differs for r in direct.rows}
    placebo = next(r for r in body["rows"] if r["key"] == "placebo")
    assert placebo["differs"] and placebo["cells"][0]["derived"]["evidence"]
    assert "Boston" in body["near"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"ids": PLACEBO_RCT}, 400),
        ({"ids": f"{PLACEBO_RCT},{SINGLE_ARM},NCT00495495,NCT00490412,NCT03101111"}, 400),
        ({"ids": f"{PLACEBO_RCT},bogus"}, 400),
        ({}, 400),
        ({"ids": f"{PLACEBO_RCT},NCT99999999"}, 404),
        ({"ids": f"{PLACEBO_RCT},{SINGLE_ARM}", "near": "Nowhereville Qqq"}, 400),
    ],
)
def test_a_bad_comparison_is_a_problem(client: TestClient, params: dict[str, str], status: int) -> None:
    answer = client.get("/api/v1/compare", params=params)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"]


def test_the_search_feed_lists_the_searchs_trials_newest_first(client: TestClient) -> None:
    params = {"condition": "breast cancer"}
    answer = client.get("/feeds/search.atom", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(answer.content)
    assert root.tag == f"{A}feed"
    # the feed's entries: the search's 50 most recently updated trials, whatever its sort
    search = client.get("/api/v1/search", params={**params, "sort": "updated", "per_page": "50"}).json()
    assert search["total"] > 50
    entries = root.findall(f"{A}entry")
    links = [link.get("href", "") for e in entries if (link := e.find(f"{A}link")) is not None]
    assert sorted(links) == sorted(f"http://testserver/trials/{h['nct_id']}" for h in search["hits"])
    assert len(entries) == 50
    stamps = [e.findtext(f"{A}updated") or "" for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    self_link = root.find(f"{A}link[@rel='self']")
    assert self_link is not None and self_link.get("href", "").startswith(
        "http://testserver/feeds/search.atom?"
    )
    assert "breast cancer" in (root.findtext(f"{A}title") or "")


def test_a_bad_search_parameter_is_a_problem_not_a_feed(client: TestClient) -> None:
    answer = client.get("/feeds/search.atom", params={"per_page": "5000"})
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["parameter"] == "per_page"
