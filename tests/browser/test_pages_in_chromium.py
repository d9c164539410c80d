"""The web app in a real Chromium, offline: a patient finds a trial near a city, reads it, switches
a criterion to the registry's words and answers "Do I qualify?"; a clinician pastes a note,
corrects a fact and sees the ranking change; the search page with JavaScript off; a phone-sized
screen. axe-core checks every page: no serious or critical violation."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.browser.conftest import Offsite, assert_accessible
from tests.conftest import DATA

SIGIR = DATA / "trialgpt" / "dataset" / "sigir" / "queries.jsonl"


def sigir_note(query_id: str) -> str:
    for line in SIGIR.read_text().splitlines():
        record = json.loads(line)
        if record["_id"] == query_id:
            return str(record["text"])
    raise LookupError(query_id)


def test_a_patient_searches_near_a_city_reads_a_trial_and_asks_if_they_qualify(
    page: Page, offsite: Offsite
) -> None:
    page.goto("/")
    assert_accessible(page)
    page.get_by_label("Condition, drug or words").fill("lung cancer")
    near = page.get_by_label('Near (city, "City, ST" or ZIP)')
    near.fill("Chica")
    # the place box completes from the offline gazetteer, through this server
    offered = page.locator("#places option").first
    expect(offered).to_have_attribute("value", "Chicago, Illinois, United States", timeout=10_000)
    near.fill(offered.get_attribute("value") or "")  # the person picks the suggestion
    page.get_by_label("Within").select_option("100mi")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#found")).to_contain_text("near Chicago, Illinois")
    assert "near=Chicago%2C+Illinois" in page.url and "radius=100mi" in page.url  # the URL holds the search
    first = page.locator("li.card").first
    expect(first.locator(".where")).to_contain_text(" in ")
    assert_accessible(page)
    first.locator("h3 a").click()
    expect(page.locator("h1")).to_be_visible()
    assert_accessible(page)
    # a criterion in plain words, then in the registry's words
    words = page.locator("details.words").first
    expect(words).not_to_have_attribute("open", "")
    page.get_by_role("button", name="Show the registry's words").click()
    expect(words).to_have_attribute("open", "")
    expect(words.locator(".original")).to_be_visible()
    page.get_by_role("link", name="Do I qualify?").click()
    expect(page.locator("h1")).to_have_text("Do I qualify?")
    assert_accessible(page)
    age = page.locator("form.qualify input[name=age]")
    if age.count():
        age.fill("17")
    page.get_by_role("button", name="Check my answers").click()
    expect(page.locator("#h-answer")).to_be_visible()
    expect(page.locator("ul.verdicts li").first).to_be_visible()
    url = urlsplit(page.url)
    assert url.query == "" and "17" not in url.path  # the answers went in the body, not the URL
    assert_accessible(page)
    assert offsite.urls == []


def test_a_clinician_pastes_a_note_corrects_a_fact_and_the_ranking_changes(
    page: Page, offsite: Offsite
) -> None:
    page.goto("/match")
    assert_accessible(page)
    page.locator("#note").fill(sigir_note("sigir-20142"))
    page.get_by_role("button", name="Read the note and match").click()
    expect(page.locator("#trials-h")).to_be_visible(timeout=60_000)
    assert_accessible(page)
    expect(page.locator("#age")).to_have_value("8")
    before = page.locator("ol.matches li .nct").all_text_contents()
    assert before
    page.locator("#age").fill("45")
    page.get_by_role("button", name="Match again with these facts").click()
    expect(page.locator("#age")).to_have_value("45", timeout=60_000)
    after = page.locator("ol.matches li .nct").all_text_contents()
    assert after and after != before
    assert page.url.endswith("/match")  # the patient never goes into a URL
    assert offsite.urls == []


def test_the_search_page_works_without_javascript(no_js_page: Page) -> None:
    no_js_page.goto("/")
    no_js_page.get_by_label("Condition, drug or words").fill("asthma")
    no_js_page.get_by_role("button", name="Search").click()
    expect(no_js_page.locator("#found")).to_contain_text("trial")
    expect(no_js_page.locator("li.card").first).to_be_visible()
    no_js_page.locator("li.card h3 a").first.click()
    expect(no_js_page.locator("#h-sites")).to_be_visible()
    # without JavaScript the registry's words are still one click away
    no_js_page.locator("details.words summary").first.click()
    expect(no_js_page.locator("details.words .original").first).to_be_visible()


def test_the_pages_fit_a_phone(phone_page: Page) -> None:
    urls = (
        "/?q=breast+cancer&near=Boston,+MA",
        "/trials/NCT02465060?near=Boston,+MA",
        "/match",
        "/compare?ids=NCT05813925,NCT05482516",
        "/trials/NCT02778893/qualify",
    )
    for url in urls:
        phone_page.goto(url)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (url, width)
        assert_accessible(phone_page)
