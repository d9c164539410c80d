"""The place box's autocomplete: what a person sees offered for what they have typed so far."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialscout.geo.complete import PlaceSuggestion, complete_place, place_completer
from trialscout.geo.distance import distance_km
from trialscout.geo.places import PlaceKind, resolve_place


def labels(text: str, limit: int = 8) -> list[str]:
    return [place.label for place in complete_place(text, limit)]


def test_palo_a_offers_palo_alto_california_first() -> None:
    first = complete_place("Palo A")[0]
    assert first.label == "Palo Alto, California, United States"
    assert first.kind is PlaceKind.CITY and first.state == "California" and first.country_code == "US"
    assert distance_km(first.latitude, first.longitude, 37.44, -122.14) < 3


def test_digits_offer_the_zip_codes_that_begin_with_them_in_order() -> None:
    found = complete_place("9430")
    assert found and all(place.kind is PlaceKind.ZIP for place in found)
    codes = [place.value for place in found]
    assert codes == sorted(codes) and all(code.startswith("9430") for code in codes)
    assert "Palo Alto, CA 94301" in [place.label for place in found]
    palo_alto = resolve_place("94301")
    assert (found[0].latitude, found[0].longitude) == (palo_alto.latitude, palo_alto.longitude)


def test_a_zip_code_typed_in_full_is_that_zip_code() -> None:
    assert [place.value for place in complete_place("10001-1234")] == ["10001"]
    assert complete_place("00000") == []


@pytest.mark.parametrize("typed", ["besan", "Besan", "BESANÇ", "besanc"])
def test_accents_and_case_do_not_matter(typed: str) -> None:
    assert labels(typed)[0] == "Besançon, France"


def test_text_after_a_comma_narrows_to_the_country_it_begins_to_name() -> None:
    found = complete_place("Lyon, Fr")
    assert found[0].label == "Lyon, France"
    assert {place.country_code for place in found} == {"FR"}


def test_a_one_letter_qualifier_narrows_to_the_regions_it_begins() -> None:
    found = complete_place("Paris, T")
    assert [place.label for place in found[:2]] == [
        "Paris, Texas, United States",
        "Paris, Tennessee, United States",
    ]
    assert all(place.country_code != "FR" for place in found)


def test_trailing_state_code_without_a_comma() -> None:
    assert labels("Palo Alto CA")[0] == "Palo Alto, California, United States"


def test_new_york_offers_the_city_then_the_state_and_a_finished_word_is_not_begun() -> None:
    found = complete_place("new y")
    assert found[0].label == "New York City, New York, United States"
    assert (found[1].label, found[1].kind) == ("New York, United States", PlaceKind.STATE)
    assert found[1].value == "NY"
    assert all("Newark" not in label for label in labels("new ", 50))


def test_a_place_is_offered_by_its_other_name_and_says_so() -> None:
    koln = complete_place("Cologne")[0]
    assert koln.label == "Köln, Germany" and koln.also_named == "Cologne"


def test_st_is_both_saint_and_the_letters() -> None:
    found = labels("St", 20)
    assert "Stockholm, Sweden" in found and "Saint Petersburg, Russia" in found


def test_countries_and_regions_are_offered_by_name_and_aliases_only_in_full() -> None:
    assert labels("Fran")[0] == "France"
    assert labels("Holland")[0] == "Netherlands"
    assert "China" not in labels("peo", 50)  # "People's Republic of China" is an alias


def test_coordinates_are_offered_as_typed() -> None:
    (point,) = complete_place("41.88, -87.63")
    assert point.kind is PlaceKind.COORDINATES and (point.latitude, point.longitude) == (41.88, -87.63)
    assert complete_place("95, 200") == []


@pytest.mark.parametrize(
    "typed", ["Palo A", "san ", "Spring", "geor", "quebec", "Wash", "9430", "Lon", "Paris"]
)
def test_every_value_reads_back_as_the_place_offered(typed: str) -> None:
    for place in complete_place(typed, 20):
        back = resolve_place(place.value)
        assert distance_km(back.latitude, back.longitude, place.latitude, place.longitude) < 1, place
        assert back.kind in (place.kind, PlaceKind.COORDINATES), place


def test_the_country_georgia_is_sent_as_its_point_not_as_the_us_state() -> None:
    country = next(p for p in complete_place("Georgia", 20) if p.kind is PlaceKind.COUNTRY)
    assert resolve_place(country.value).country_code != "US"
    assert resolve_place(country.value).kind is PlaceKind.COORDINATES


def test_limit_and_no_place_twice() -> None:
    found = labels("San", 50)
    assert len(found) == 50 and len(set(found)) == 50
    assert len(labels("San", 3)) == 3


@pytest.mark.parametrize("typed", ["", "   ", ",", "xqzzyqx", "Lyon, Nowhereland", "a" * 201, "名古屋"])
def test_nothing_fits_gives_no_suggestions(typed: str) -> None:
    assert complete_place(typed) == []


def test_places_that_trial_sites_name_rank_higher() -> None:
    without = labels("Roch")
    assert without.index("Rochester, Minnesota, United States") > 0
    mayo = ("Rochester", "Minnesota", "United States", 44.02, -92.47)
    boosted = [p.label for p in place_completer().with_sites([mayo]).complete("Roch")]
    assert boosted[0] == "Rochester, Minnesota, United States"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60), st.integers(min_value=-5, max_value=80))
def test_any_text_gives_a_list_never_an_error(text: str, limit: int) -> None:
    found = complete_place(text, limit)
    assert isinstance(found, list) and len(found) <= max(0, min(limit, 50))
    assert all(isinstance(place, PlaceSuggestion) for place in found)


def test_a_citys_districts_come_after_other_places_of_its_name() -> None:
    found = labels("Paris")
    assert found[0] == "Paris, France" and not any(label.startswith("Paris 1") for label in found)
    assert labels("Lyon 3")[0] == "Lyon 03, France"  # but a district typed is offered
