"""The "Match a patient" page and the referral summary as a clinician's browser receives them,
over the real registry: a real SIGIR/TREC patient description read into facts and ranked
trials, the facts corrected and sent again, a "what is missing" question answered, bad input
answered with the form and a message, and the printable referral for one ranked trial."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import lxml.html
import pytest
from fastapi.testclient import TestClient

from trialscout.store.load import LoadReport
from trialscout.web.app import create_app
from trialscout.web.pages import match

QUERIES = Path(__file__).resolve().parents[2].parent / "shared/data/trialgpt/dataset/sigir/queries.jsonl"
#: An 8-year-old boy with fever, dyspnoea and cough (the note names no place).
PATIENT = "sigir-20142"
VERDICTS = ("eligible", "possibly eligible", "not eligible")


def note(query_id: str) -> str:
    for line in QUERIES.read_text().splitlines():
        record = json.loads(line)
        if record["_id"] == query_id:
            return str(record["text"])
    raise LookupError(query_id)


@pytest.fixture(scope="module")
def client(full_load: tuple[Path, LoadReport]) -> Iterator[TestClient]:
    db, _ = full_load
    with TestClient(create_app(db)) as c:
        yield c


def checked(answer: httpx.Response, expect: int) -> lxml.html.HtmlElement:
    """The page, after the checks every page passes: status, HTML, the CSP and no-store, every
    asset trialscout's own, no inline script."""
    assert answer.status_code == expect, answer.text[:500]
    headers = answer.headers
    assert headers["content-type"].startswith("text/html")
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert headers["cache-control"] == "no-store"
    tree = lxml.html.fromstring(answer.text)
    for element, attribute in (("script", "src"), ("link", "href"), ("img", "src")):
        values: list[str] = tree.xpath(f"//{element}/@{attribute}")  # type: ignore[assignment]
        for value in values:
            assert value.startswith("/"), (element, value)
    assert not tree.xpath("//script[not(@src)]"), "no inline script (the policy forbids it)"
    assert not tree.xpath("//*[@style or @onclick]"), "no inline style or handler"
    return tree


def post(client: TestClient, url: str, fields: Mapping[str, str], expect: int = 200) -> lxml.html.HtmlElement:
    return checked(client.post(url, data=dict(fields)), expect)


def text(tree: lxml.html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in tree.xpath(xpath)]


def form_fields(tree: lxml.html.HtmlElement, **changes: str) -> dict[str, str]:
    """What the browser sends for the form "patient" (its fields and those outside it that name
    it), with `changes` as if typed; radio buttons as checked."""
    fields: dict[str, str] = {}
    for e in tree.xpath("//form[@id='patient']//*[@name] | //*[@form='patient'][@name]"):
        if e.tag == "button":
            continue
        name = e.get("name")
        if e.tag == "input" and e.get("type") == "radio":
            if e.get("checked") is not None:
                fields[name] = e.get("value", "")
        elif e.tag == "select":
            chosen = e.xpath("./option[@selected]/@value") or e.xpath("./option/@value")
            fields[name] = chosen[0] if chosen else ""
        elif e.tag == "textarea":
            fields[name] = e.text or ""
        else:
            fields[name] = e.get("value", "")
    fields["read"] = "profile"
    return {**fields, **changes}


def cards(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """Each listed trial's NCT ID and its verdict, in the page's order."""
    found = {}
    for card in tree.xpath("//ol[contains(@class, 'matches')]/li"):
        nct = text(card, ".//span[@class='nct']")[0]
        found[nct] = text(card, ".//p[contains(@class, 'verdict')]/strong")[0]
    return found


@pytest.fixture(scope="module")
def answer(client: TestClient) -> lxml.html.HtmlElement:
    return post(client, "/match", {"note": note(PATIENT), "read": "note", "near": "", "radius": ""})


def test_the_form_works_without_javascript(client: TestClient) -> None:
    tree = checked(client.get("/match"), 200)
    assert tree.xpath("//form[@id='patient'][@method='post'][@action='/match']")
    assert tree.xpath("//textarea[@name='note']") and tree.xpath("//textarea[@name='fhir']")
    # the file input has no name (the file never reaches the server) and shows only with match.js
    assert tree.xpath("//input[@type='file'][not(@name)]/ancestor::p[@hidden]")
    assert "/static/match.js" in tree.xpath("//script/@src")
    for name in ("age", "sex", "diagnoses", "ecog", "therapies", "lab:platelets", "near", "radius"):
        assert tree.xpath(f"//*[@name='{name}']"), name
    assert client.get("/static/match.js").status_code == 200
    assert "@media print" in client.get("/static/match.css").text


def test_a_note_gives_facts_with_their_words_and_ranked_trials(
    client: TestClient, answer: lxml.html.HtmlElement
) -> None:
    facts = text(answer, "//ul[@class='facts-read']/li")
    assert "age: 8 years 8-year-old" in facts
    assert any(f.startswith("diagnoses: fever") for f in facts)
    # the editable form is filled with what was read
    fields = form_fields(answer)
    assert fields["age"] == "8" and fields["sex"] == "male"
    assert fields["diagnoses"].split(", ")[:1] == ["fever"]
    ranked = cards(answer)
    assert 1 <= len(ranked) <= match.MATCH_LIMIT
    assert all(v.startswith(VERDICTS) for v in ranked.values())
    # every trial links to its page, and no address carries anything of the patient
    links = answer.xpath("//ol[contains(@class, 'matches')]//h3/a/@href")
    assert links == [f"/trials/{nct}" for nct in ranked]
    assert all("?" not in href for href in answer.xpath("//a/@href") if href.startswith("/"))
    # the JSON twin ranks the same trials in the same order
    assert answer.xpath("//link[@rel='alternate']/@href") == ["/api/v1/match"]
    body = {"note": note(PATIENT), "limit": match.MATCH_LIMIT, "include_ineligible": True}
    twin = client.post("/api/v1/match", json=body).json()
    assert [m["nct_id"] for m in twin["results"]["matches"]] == list(ranked)


def test_correcting_the_age_changes_the_profile_and_the_result(
    client: TestClient, answer: lxml.html.HtmlElement
) -> None:
    corrected = post(client, "/match", form_fields(answer, age="45"))
    fields = form_fields(corrected)
    assert fields["age"] == "45"
    assert json.loads(fields["profile_json"])["age"] == 45
    assert cards(corrected) != cards(answer)
    # every age the trials checked is the corrected one
    ages = [r for r in text(corrected, "//details[@class='reasons']//li") if "(age " in r]
    assert ages and all("age 45" in r and "age 8" not in r for r in ages)


def test_answering_a_missing_question_changes_the_ranking_or_a_verdict(
    client: TestClient, answer: lxml.html.HtmlElement
) -> None:
    radios = answer.xpath("//ol[@class='questions']//input[@type='radio'][@value='no']")
    assert radios, "the page asks a yes/no question"
    name = radios[0].get("name")
    before = cards(answer)
    again = post(client, "/match", form_fields(answer, **{name: "no"}))
    after = cards(again)
    assert after != before
    # answered: no longer asked, and kept in the profile the page carries
    assert not again.xpath(f"//ol[@class='questions']//input[@name='{name}']")
    profile = json.loads(form_fields(again)["profile_json"])
    _, _, named = name.removeprefix("answer:").partition(":")
    if named:
        assert {"name": named} in profile["absent"]
    else:
        assert False in profile.values()


def test_bad_input_gives_the_form_back_with_a_message(client: TestClient) -> None:
    bundle = '{"resourceType": "Bundle", "entry": [{"resource": 5}]'  # cut short: not JSON
    tree = post(client, "/match", {"fhir": bundle, "read": "fhir"}, 400)
    assert "fhir: the FHIR bundle is not valid JSON" in text(tree, "//div[@class='problem']//li")[0]
    assert tree.xpath("//textarea[@name='fhir']")[0].text == bundle  # what was typed is kept
    not_a_bundle = post(client, "/match", {"fhir": '{"resourceType": "Bundle"}', "read": "fhir"}, 400)
    assert text(not_a_bundle, "//div[@class='problem']//li")[0].startswith("fhir:")
    empty = post(client, "/match", {"note": "", "fhir": "", "age": "", "near": ""}, 400)
    assert "the form is empty" in text(empty, "//div[@class='problem']")[0]
    typed = post(client, "/match", {"age": "abc", "diagnoses": "asthma", "read": "profile"}, 400)
    assert "age: 'abc' is not a number" in text(typed, "//div[@class='problem']//li")
    assert form_fields(typed)["age"] == "abc" and form_fields(typed)["diagnoses"] == "asthma"
    nowhere = post(client, "/match", {"diagnoses": "asthma", "near": "Chicagoo", "read": "profile"}, 400)
    assert "Chicago, Illinois" in text(nowhere, "//div[@class='problem']")[0]
    assert form_fields(nowhere)["near"] == "Chicagoo"
    too_big = client.post("/match", content=b"note=" + b"x" * match.MAX_BODY_BYTES)
    assert checked(too_big, 413).xpath("//h1")[0].text_content().startswith("What was sent is larger")


def _record_contacts(client: TestClient, nct: str) -> dict[str, list[str]] | None:
    """The record's contacts of each site (by facility), from the original API v2 record."""
    answer = client.get(f"/api/v1/trials/{nct}/record")
    if not answer.headers["content-type"].startswith("application/json"):
        return None
    module = answer.json()["protocolSection"].get("contactsLocationsModule", {})
    contacts: dict[str, list[str]] = {}
    for site in module.get("locations", []):
        words = [c.get("phone") or c.get("email") or c.get("name") for c in site.get("contacts", [])]
        contacts[site.get("facility", "")] = [w for w in words if w]
    return contacts


def test_the_referral_lists_each_criterion_and_the_nearest_sites_contacts(
    client: TestClient, answer: lxml.html.HtmlElement
) -> None:
    fields = form_fields(answer, near="Bethesda, MD")
    chosen = None
    for action in answer.xpath("//button[@form='patient'][@formaction]/@formaction"):
        nct = action.split("/")[2]
        contacts = _record_contacts(client, nct)
        if not contacts:
            continue
        tree = post(client, action, fields)
        sites = tree.xpath("//ol[@class='sites']/li")
        expected = {text(s, "./p/strong")[0]: contacts.get(text(s, "./p/strong")[0], []) for s in sites}
        if any(expected.values()):
            chosen = (nct, tree, sites, expected)
            break
    assert chosen is not None, "a ranked trial whose nearest sites list a contact in the record"
    nct, tree, sites, expected = chosen
    assert tree.xpath("//link[@rel='alternate']/@href") == [f"/api/v1/trials/{nct}/check"]
    rows = tree.xpath("//table[@class='criteria-check']/tbody/tr")
    profile = json.loads(fields["profile_json"])
    check = client.post(f"/api/v1/trials/{nct}/check", json={"profile": profile}).json()["check"]
    assert [text(r, "./td[1]")[0] for r in rows] == [c["id"] for c in check["criteria"]]
    words = {"met": "met", "not_met": "not met", "unknown": "unknown"}
    assert [text(r, "./td[3]")[0] for r in rows] == [words[c["verdict"]] for c in check["criteria"]]
    assert text(tree, "//h2[@id='verdict-h']")[0].removeprefix("Verdict: ") == cards(answer)[nct]
    assert 1 <= len(sites) <= 3
    for site in sites:
        listed = text(site, ".//ul[@class='contacts']/li")
        for words_of_contact in expected[text(site, "./p/strong")[0]]:
            assert any(words_of_contact in line for line in listed), (words_of_contact, listed)
    assert "nearest to Bethesda, Maryland" in text(tree, "//section[@id='sites']/p[@class='small']")[0]
