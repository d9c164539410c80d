"""Place names as lookup keys, and the registry's country names as ISO codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from tests.conftest import AACT, v2_studies
from trialscout.geo import country_code
from trialscout.geo.names import fold, fold_many


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Besançon", "besancon"),
        ("St. Étienne", "saint etienne"),
        ("Saint-Étienne", "saint etienne"),
        ("Washington, D.C.", "washington dc"),
        ("Winston-Salem", "winston salem"),
        ("Kraków", "krakow"),
        ("Łódź", "lodz"),
        ("Gießen", "giessen"),
        ("Malmö", "malmo"),
        ("Ålesund", "alesund"),
        ("Mt. Kisco", "mount kisco"),
        ("  Palo   Alto ", "palo alto"),
        ("Москва", ""),  # other scripts are not looked up
    ],
)
def test_fold(name: str, key: str) -> None:
    assert fold(name) == key


@given(st.lists(st.text(max_size=20), max_size=20))
def test_folding_many_names_at_once_gives_the_same_keys(names: list[str]) -> None:
    assert fold_many(names) == [fold(name) for name in names]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("United States", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("Korea, Republic of", "KR"),
        ("Turkey (Türkiye)", "TR"),
        ("Russian Federation", "RU"),
        ("Iran, Islamic Republic of", "IR"),
        ("Côte D'Ivoire", "CI"),
        ("Congo, The Democratic Republic of the", "CD"),
        ("Congo", "CG"),
        ("The Netherlands", "NL"),
        ("Czech Republic", "CZ"),
        ("Virgin Islands (U.S.)", "VI"),
        ("FR", "FR"),
        ("DEU", "DE"),
        ("CA", "CA"),  # as a country: Canada (California is a state)
        ("Atlantis", None),
        ("", None),
    ],
)
def test_country_names_people_and_the_registry_use(name: str, code: str | None) -> None:
    assert country_code(name) == code


def test_every_country_the_registry_names_in_the_shared_data_has_a_code() -> None:
    countries = {
        location.get("country")
        for study in v2_studies()
        for location in study["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])
    }
    for path in (AACT / "xml_legacy").glob("NCT*.xml"):
        countries.update(element.text for element in etree.parse(str(path)).iterfind(".//address/country"))
    named = {country for country in countries if country}
    assert len(named) > 60
    # "Former Yugoslavia" is no one country today.
    assert sorted(country for country in named if country_code(country) is None) in (
        [],
        ["Former Yugoslavia"],
    )
