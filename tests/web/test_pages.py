"""The web pages as a browser receives them (HTML over HTTP; the browser tests drive them in
Chromium): the search page and the trial page over the real registry, their headers, their JSON
twins, and bad input answered with a page that says what was wrong."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from fastapi.testclient import TestClient

from tests.conftest import sql
from trialscout.store.load import LoadReport
from trialscout.web.app import create_app

NCI_MATCH = "NCT02465060"  # 1,218 sites
EMPTY_FORM = {
    "q": "",
    "near": "",
    "radius": "",
    "age": "",
    "sex": "",
    "healthy_volunteers": "",
    "has_results": "",
    "sort": "",
}


@pytest.fixture(scope="module")
def client(full_load: tuple[Path, LoadReport]) -> Iterator[TestClient]:
    db, _ = full_load
    with TestClient(create_app(db)) as c:
        yield c


def page(client: TestClient, url: str, expect: int = 200, **params: str) -> lxml.html.HtmlElement:
    answer = client.get(url, params=params) if params else client.get(url)
    assert answer.status_code == expect, answer.text[:500]
    assert answer.headers["content-type"].startswith("text/html")
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert answer.headers["cache-control"] == "no-store"
    tree = lxml.html.fromstring(answer.text)
    # every asset is trialscout's own: no script, style or image from another host
    for element, attribute in (("script", "src"), ("link", "href"), ("img", "src")):
        values: list[str] = tree.xpath(f"//{element}/@{attribute}")  # type: ignore[assignment]
        for value in values:
            assert value.startswith("/"), (element, value)
    assert not tree.xpath("//script[not(@src)]"), "no inline script (the policy forbids it)"
    return tree


def text(tree: lxml.html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in tree.xpath(xpath)]


def test_search_near_a_city_shows_cards_as_a_patient_reads_them(client: TestClient) -> None:
    tree = page(client, "/", q="lung cancer", near="Chicago, IL", radius="100mi", status="RECRUITING")
    heading = text(tree, "//h2[@id='found']")[0]
    assert heading.endswith("near Chicago, Illinois, US")
    cards = tree.xpath("//li[@class='card']")
    assert cards
    for card in cards:
        assert text(card, ".//p[@class='meta']")[0].startswith("Recruiting")
        where = text(card, ".//p[@class='where']")[0]
        assert where.startswith(("Recruiting in", "Not yet recruiting in", "Site in")), where
        assert "mi)" in where or "< 0.1 mi" in where
    # The JSON twin and the feed hold exactly the same search.
    twin = tree.xpath("//link[@rel='alternate' and @type='application/json']/@href")[0]
    assert urlsplit(twin).path == "/api/v1/search"
    assert parse_qs(urlsplit(twin).query)["near"] == ["Chicago, IL"]
    body = client.get(twin).json()
    assert body["total"] == int(heading.split()[0].replace(",", ""))
    feed = tree.xpath("//link[@type='application/atom+xml']/@href")[0]
    assert parse_qs(urlsplit(feed).query) == parse_qs(urlsplit(twin).query)


def test_an_empty_form_is_no_filter(client: TestClient) -> None:
    tree = page(client, "/", 200, **EMPTY_FORM)
    assert not tree.xpath("//div[@class='problem']")
    assert tree.xpath("//li[@class='card']")


def test_the_search_page_pages_and_keeps_the_query(client: TestClient) -> None:
    tree = page(client, "/", q="cancer", status="COMPLETED")
    following = tree.xpath("//a[@rel='next']/@href")[0]
    query = parse_qs(urlsplit(following).query)
    assert query == {"q": ["cancer"], "status": ["COMPLETED"], "page": ["2"]}
    second = page(client, following)
    assert second.xpath("//ol[@class='cards']/@start") == ["21"]


def test_bad_input_gets_a_page_that_says_what_was_wrong(client: TestClient) -> None:
    tree = page(client, "/", 400, q="asthma", age="abc")
    problem = text(tree, "//div[@class='problem']")[0]
    assert "age" in problem and "'abc' is not a number" in problem
    assert tree.xpath("//li[@class='card']")  # the rest of the search still runs
    misspelt = page(client, "/", 400, q="asthma", near="Chicagoo")
    assert any("Chicago" in s for s in text(misspelt, "//div[@class='problem']//a"))
    assert "Chicagoo" in text(misspelt, "//div[@class='problem']")[0]
    page(client, "/trials/NCT00000001", 404)
    page(client, "/trials/not-a-trial", 400)


def test_the_trial_page_puts_the_patient_layer_first(
    client: TestClient, full_load: tuple[Path, LoadReport]
) -> None:
    tree = page(client, f"/trials/{NCI_MATCH}", near="Boston, MA")
    headings = text(tree, "//h2")
    expected = ["Is it taking people?", "Who can take part", "How the study works", "Find a clinic near you"]
    assert [h for h in headings if h in expected] == expected
    assert headings.index("Find a clinic near you") < headings.index("The registry's record")
    # one line under each heading says what the section is for
    for section in tree.xpath("//section"):
        assert section.xpath("./p[@class='explain']"), section.xpath("./h2/text()")
    sites = tree.xpath("//ol[@class='sites']/li")
    assert len(sites) == 10
    assert "Boston" in sites[0].text_content()
    total = sql(full_load[0], "SELECT count(*) FROM sites WHERE nct_id=?", NCI_MATCH)[0][0]
    assert f"of {total:,}" in text(tree, "//section[@id='sites']/p[@class='small']")[0]
    more = tree.xpath("//section[@id='sites']//a[text()='More sites']/@href")[0]
    second = page(client, f"/trials/{NCI_MATCH}{more.split('#')[0]}")
    assert second.xpath("//ol[@class='sites']/@start") == ["11"]
    # each criterion in plain words, the registry's words beside it
    criteria = tree.xpath("//li[contains(@class, 'criterion')]")
    assert criteria and all(c.xpath(".//span[@class='plain']") for c in criteria)
    assert tree.xpath("//details[@class='words']/p[@class='original']")
    twin = tree.xpath("//link[@rel='alternate' and @type='application/json']/@href")[0]
    assert client.get(twin).json()["nct_id"] == NCI_MATCH


def test_an_unknown_place_on_a_trial_page_still_lists_the_sites(client: TestClient) -> None:
    tree = page(client, f"/trials/{NCI_MATCH}", near="Nowhereville Qqq")
    assert "Nowhereville" in text(tree, "//section[@id='sites']//p[@class='problem']")[0]
    assert len(tree.xpath("//ol[@class='sites']/li")) == 10


def test_compare_puts_trials_side_by_side(client: TestClient) -> None:
    tree = page(client, "/compare", ids="NCT05813925, NCT05482516", near="Boston, MA")
    heads = text(tree, "//table[@class='compare']/thead//th")
    assert heads[1:] == ["NCT05813925", "NCT05482516"]
    rows: list[lxml.html.HtmlElement] = tree.xpath("//table[@class='compare']/tbody/tr")
    placebo = [r for r in rows if "placebo" in r.text_content().lower()]
    assert placebo and placebo[0].get("class") == "differs"  # one has a placebo group, one is single-arm
    page(client, "/compare", 400, ids="NCT05813925, NCT05482516, NCT00490412, NCT03101111, NCT00495495")


def test_do_i_qualify_asks_from_the_criteria_and_answers_each_one(client: TestClient) -> None:
    form = page(client, "/trials/NCT02778893/qualify")
    names = set(form.xpath("//form[contains(@class, 'qualify')]//input/@name"))
    assert {"age", "ecog"} <= names
    answer = client.post(
        "/trials/NCT02778893/qualify",
        content="age=17&ecog=1",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    tree = lxml.html.fromstring(answer.text)
    assert text(tree, "//h2[@id='h-answer']")[0].startswith("Not eligible")
    assert tree.xpath("//ul[@class='verdicts']/li[@class='v-not_met']")
    assert tree.xpath("//ul[@class='verdicts']/li[@class='v-met']")  # ECOG 1 meets ECOG 0-2
    # what was typed is kept in the form, never put in a URL
    assert form.xpath("//form[contains(@class, 'qualify')]/@method") == ["post"]
    assert tree.xpath("//input[@name='age']/@value") == ["17"]
    bad = client.post(
        "/trials/NCT02778893/qualify",
        content="age=abc",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert bad.status_code == 400
    assert "age" in text(lxml.html.fromstring(bad.text), "//div[@class='problem']")[0]
