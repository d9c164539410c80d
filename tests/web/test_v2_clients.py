"""Two independent ClinicalTrials.gov API v2 client libraries from PyPI, unmodified but for
their base URL, against trialscout served by a real uvicorn on 127.0.0.1.

`ctgov` (urllib, follows nextPageToken) and `pytrials` (requests, CSV and JSON, sends
markupFormat=legacy): what works against the registry must work here.
"""

from __future__ import annotations

import ctgov.client
import pytest
from pytrials.client import ClinicalTrials

from trialscout.search.results import SearchRequest
from trialscout.services.registry import LocalRegistry

XML_TRIAL = "NCT00005711"


@pytest.fixture
def ctgov_here(served: str, monkeypatch: pytest.MonkeyPatch) -> ctgov.Client:
    monkeypatch.setattr(ctgov.client, "BASE_URL", served + "/api/v2/")
    return ctgov.Client(delay=0, retries=1)


@pytest.fixture
def pytrials_here(served: str, monkeypatch: pytest.MonkeyPatch) -> ClinicalTrials:
    monkeypatch.setattr(ClinicalTrials, "_BASE_URL", served + "/api/v2/")
    return ClinicalTrials()


def test_ctgov_pages_through_every_study_of_a_query(
    ctgov_here: ctgov.Client, local_registry: LocalRegistry
) -> None:
    # More than one page of 1,000: the client follows nextPageToken to the end.
    query = "AREA[StudyType]INTERVENTIONAL"
    count = ctgov_here.count(query)
    studies = ctgov_here.studies(query, fields=["NCTId", "StudyType"])
    ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in studies]
    assert count > 1000 and len(ids) == len(set(ids)) == count
    expected = local_registry.search.search(SearchRequest(study_types=("INTERVENTIONAL",), per_page=1))
    assert count == expected.total
    assert {s["protocolSection"]["designModule"]["studyType"] for s in studies} == {"INTERVENTIONAL"}


def test_ctgov_reads_a_study_filters_and_the_version(ctgov_here: ctgov.Client) -> None:
    study = ctgov_here.study(XML_TRIAL)
    assert study["protocolSection"]["identificationModule"]["nctId"] == XML_TRIAL
    recruiting = ctgov_here.studies(
        filters={"overallStatus": "RECRUITING"}, fields=["OverallStatus"], max_studies=50
    )
    assert recruiting and {s["protocolSection"]["statusModule"]["overallStatus"] for s in recruiting} == {
        "RECRUITING"
    }
    assert ctgov_here.version()["apiVersion"].startswith("2.0.")
    with pytest.raises(ctgov.client.CTGovError, match="HTTP 404"):
        ctgov_here.study("NCT99999999")


def test_pytrials_full_studies_and_study_fields_in_json_and_csv(pytrials_here: ClinicalTrials) -> None:
    assert pytrials_here.api_info[0].startswith("2.0.")
    full = pytrials_here.get_full_studies(search_expr="asthma", max_studies=20, fmt="json")
    assert 0 < len(full["studies"]) <= 20
    assert all("protocolSection" in s for s in full["studies"])
    fields = pytrials_here.get_study_fields(
        search_expr="asthma", fields=["NCT Number", "Conditions", "Study Status"], max_studies=20
    )
    assert fields[0] == ["NCT Number", "Conditions", "Study Status"]
    ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in full["studies"]]
    assert [row[0] for row in fields[1:]] == ids
    as_json = pytrials_here.get_study_fields(
        search_expr="asthma", fields=["NCTId", "BriefTitle"], max_studies=5, fmt="json"
    )
    assert [s["protocolSection"]["identificationModule"]["nctId"] for s in as_json["studies"]] == ids[:5]
