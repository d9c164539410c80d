"""The API docs page (/docs, Swagger UI served by trialscout) in a real Chromium, offline, and the
JSON API through the browser; also the browser fixtures' own guarantees."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import HOST, Offsite, assert_accessible
from trialscout.search.results import SearchRequest
from trialscout.services.registry import LocalRegistry
from trialscout.services.search import search_trials


def test_the_docs_page_loads_from_this_server_alone(page: Page, offsite: Offsite) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    answer = page.goto("/docs")
    assert answer is not None and answer.status == 200
    expect(page).to_have_title("trialscout API")
    expect(page.locator("#swagger-ui")).not_to_be_empty()  # Swagger UI's script ran
    page.wait_for_load_state("networkidle")
    paths = {urlsplit(url).path for url in requests}
    assert {"/docs", "/docs/static/swagger-ui-bundle.js", "/docs/static/swagger-ui.css"} <= paths
    assert "/openapi.json" in paths  # the script asked this server, not a CDN, for the schema
    assert {urlsplit(url).hostname for url in requests} == {HOST}
    assert offsite.urls == []


def test_the_docs_page_shows_every_route(page: Page) -> None:
    page.goto("/docs")
    expect(page.locator(".opblock").filter(has_text="/api/v1/search").first).to_be_visible()
    assert page.locator(".opblock").count() >= 10


def test_a_search_answers_through_the_browsers_request_api(page: Page, local_registry: LocalRegistry) -> None:
    answer = page.request.get("/api/v1/search", params={"q": "melanoma", "per_page": 5})
    assert answer.status == 200, answer.text()
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    direct = search_trials(local_registry, SearchRequest(query="melanoma", per_page=5))
    assert direct.total > 5  # a real search, with more than one page of real trials
    assert body["total"] == direct.total
    assert [h["nct_id"] for h in body["hits"]] == [h.nct_id for h in direct.hits]
    assert all("melanoma" in " ".join(h["conditions"] + [h["title"]]).lower() for h in body["hits"])


def test_a_request_off_the_machine_is_aborted_and_recorded(page: Page, offsite: Offsite) -> None:
    page.goto("/docs")
    failed = page.evaluate(
        """async () => {
            try { await fetch("https://clinicaltrials.gov/api/v2/version"); return "fetched"; }
            catch (error) { return "blocked"; }
        }"""
    )
    assert failed == "blocked"
    assert offsite.urls == ["https://clinicaltrials.gov/api/v2/version"]
    offsite.urls.clear()  # expected here; any other test fails on such a request


def test_pages_without_javascript_and_on_a_phone(no_js_page: Page, phone_page: Page) -> None:
    no_js_page.goto("/docs")
    expect(no_js_page).to_have_title("trialscout API")
    expect(no_js_page.locator("#swagger-ui")).to_be_empty()  # its script did not run
    assert no_js_page.evaluate("() => 1 + 1") == 2  # a test may still look into the page
    phone_page.goto("/docs")
    assert phone_page.viewport_size == {"width": 375, "height": 812}
    assert phone_page.evaluate("() => navigator.maxTouchPoints") > 0
    expect(phone_page.locator("#swagger-ui")).not_to_be_empty()


def test_the_accessibility_check_lists_serious_violations(page: Page) -> None:
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Trial</title></head><body><main>'
        '<h1>A trial</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        "<button></button></main></body></html>"
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "critical: image-alt" in message and "critical: button-name" in message
    assert "<img" in message
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Trial</title></head><body><main>'
        '<h1>A trial</h1><img alt="A map" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        "<button>Check my eligibility</button></main></body></html>"
    )
    assert_accessible(page)
