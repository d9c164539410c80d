"""Places as patients type them, resolved from the packaged gazetteer and ZIP data only."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialscout.errors import TrialscoutError, UnknownPlaceError
from trialscout.geo import Place, PlaceKind, distance_km, resolve_place

PALO_ALTO = (37.44, -122.14)


def km_from(place: Place, point: tuple[float, float]) -> float:
    return distance_km(place.latitude, place.longitude, *point)


@pytest.mark.parametrize(
    "text",
    ["Palo Alto", "palo alto", "Palo Alto, CA", "Palo Alto, California", "Palo Alto CA", "PALO ALTO, USA"],
)
def test_palo_alto_however_it_is_written(text: str) -> None:
    place = resolve_place(text)
    assert km_from(place, PALO_ALTO) < 3.0
    assert place.kind is PlaceKind.CITY
    assert place.label == "Palo Alto, California, US"
    assert (place.country_code, place.state) == ("US", "California")


@pytest.mark.parametrize("text", ["94301", "94301-1234", "Palo Alto, CA 94301"])
def test_a_zip_code_is_its_centre(text: str) -> None:
    place = resolve_place(text)
    assert km_from(place, PALO_ALTO) < 3.0
    assert place.kind is PlaceKind.ZIP
    assert place.label == "Palo Alto, CA 94301"


def test_a_postcode_after_a_city_is_a_zip_code_only_where_it_agrees() -> None:
    # 75013 is a ZIP code of Allen, Texas, and the postcode of Paris's 13th arrondissement.
    assert resolve_place("Paris 75013").label == "Paris, France"
    assert resolve_place("Allen, TX 75013").kind is PlaceKind.ZIP


def test_an_unknown_zip_code_says_so() -> None:
    with pytest.raises(UnknownPlaceError, match="00000 is not a US ZIP code"):
        resolve_place("00000")


def test_a_city_with_its_country() -> None:
    for text in ("Lyon, France", "Lyon France", "lyon"):
        place = resolve_place(text)
        assert km_from(place, (45.76, 4.84)) < 5.0
        assert place.label == "Lyon, France"
        assert place.country_code == "FR"


def test_paris_alone_is_the_most_populous_paris() -> None:
    assert resolve_place("Paris").country_code == "FR"
    assert km_from(resolve_place("Paris"), (48.86, 2.35)) < 5.0


@pytest.mark.parametrize("text", ["Paris, TX", "Paris, Texas", "Paris TX", "Paris, Texas, United States"])
def test_paris_texas(text: str) -> None:
    place = resolve_place(text)
    assert place.label == "Paris, Texas, US"
    assert km_from(place, (33.66, -95.56)) < 5.0


@pytest.mark.parametrize("text", ["Chicago, IL", "Chicago, Illinois", "Chicago"])
def test_chicago(text: str) -> None:
    place = resolve_place(text)
    assert place.label == "Chicago, Illinois, US"
    assert km_from(place, (41.88, -87.63)) < 5.0


def test_a_region_qualifier_picks_the_namesake() -> None:
    assert resolve_place("London").country_code == "GB"
    assert resolve_place("London, ON").label == "London, Ontario, Canada"
    assert resolve_place("Springfield, IL").state == "Illinois"
    assert resolve_place("Sydney, NSW").state == "New South Wales"


def test_words_before_the_city_such_as_a_hospital_are_skipped() -> None:
    place = resolve_place("Stanford Hospital, 300 Pasteur Drive, Palo Alto, CA")
    assert place.label == "Palo Alto, California, US"


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("41.88,-87.63", (41.88, -87.63)),
        ("41.88 -87.63", (41.88, -87.63)),
        (" 41.88 ,  -87.63 ", (41.88, -87.63)),
        ("41.88° N, 87.63° W", (41.88, -87.63)),
        ("41.88°, -87.63°", (41.88, -87.63)),
        ("87.63W 41.88N", (41.88, -87.63)),
        ("-33.87; 151.21", (-33.87, 151.21)),
        ("41°52'48\"N 87°37'48\"W", (41.88, -87.63)),
    ],
)
def test_coordinates(text: str, point: tuple[float, float]) -> None:
    place = resolve_place(text)
    assert place.kind is PlaceKind.COORDINATES
    assert (place.latitude, place.longitude) == pytest.approx(point)
    assert place.country_code is None


def test_coordinates_keep_their_label_short() -> None:
    assert resolve_place("41.880000,-87.630000").label == "41.88, -87.63"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("91,0", "latitude 91 is not between -90 and 90"),
        ("-122.14, 37.44", "latitude comes first: 37.44, -122.14"),
        ("41.88N 87.63N", "two latitudes"),
    ],
)
def test_coordinates_that_are_not_on_earth(text: str, reason: str) -> None:
    with pytest.raises(UnknownPlaceError, match=reason):
        resolve_place(text)


@pytest.mark.parametrize(
    ("text", "name"), [("Besancon", "Besançon"), ("BESANÇON", "Besançon"), ("Zurich", "Zürich")]
)
def test_accents_and_case_do_not_matter(text: str, name: str) -> None:
    assert resolve_place(text).label.startswith(f"{name}, ")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Cologne", "Köln"),
        ("Munchen", "Munich"),
        ("Bombay", "Mumbai"),
        ("St. Louis", "St. Louis"),
        ("Saint Louis, MO", "St. Louis"),
        ("NYC", "New York City"),
        ("New York", "New York City"),
        ("Mirano", "Mirano"),  # its own name, not the Japanese spelling of Milan
    ],
)
def test_other_names_of_a_place(text: str, name: str) -> None:
    assert resolve_place(text).label.startswith(f"{name}, ")


@pytest.mark.parametrize(
    ("text", "kind", "label"),
    [
        ("CA", PlaceKind.STATE, "California, US"),
        ("tx", PlaceKind.STATE, "Texas, US"),
        ("Texas", PlaceKind.STATE, "Texas, US"),
        ("California, USA", PlaceKind.STATE, "California, US"),
        ("Georgia", PlaceKind.STATE, "Georgia, US"),
        ("Ontario", PlaceKind.STATE, "Ontario, Canada"),
        ("USA", PlaceKind.COUNTRY, "United States"),
        ("US", PlaceKind.COUNTRY, "United States"),
        ("United States of America", PlaceKind.COUNTRY, "United States"),
        ("UK", PlaceKind.COUNTRY, "United Kingdom"),
        ("France", PlaceKind.COUNTRY, "France"),
        ("Deutschland", PlaceKind.COUNTRY, "Germany"),
        ("Korea, Republic of", PlaceKind.COUNTRY, "South Korea"),
    ],
)
def test_states_and_countries(text: str, kind: PlaceKind, label: str) -> None:
    place = resolve_place(text)
    assert (place.kind, place.label) == (kind, label)


def test_a_state_is_where_its_people_live() -> None:
    california = resolve_place("California")
    assert 33.0 < california.latitude < 38.5  # between Los Angeles and San Francisco
    assert -122.5 < california.longitude < -117.0


def test_a_misspelled_city_suggests_the_right_one() -> None:
    with pytest.raises(UnknownPlaceError) as raised:
        resolve_place("Palo Altp")
    assert raised.value.suggestions[0] == "Palo Alto, California, US"
    assert len(raised.value.suggestions) <= 5
    assert "Palo Altp" in str(raised.value)
    assert "Did you mean: Palo Alto, California, US;" in str(raised.value)


def test_suggestions_follow_the_qualifier() -> None:
    with pytest.raises(UnknownPlaceError) as raised:
        resolve_place("Springfeild, IL")
    assert raised.value.suggestions[0] == "Springfield, Illinois, US"


def test_a_qualifier_that_rules_the_city_out_is_not_ignored() -> None:
    with pytest.raises(UnknownPlaceError) as raised:
        resolve_place("Paris, Germany")
    assert "Paris, France" in raised.value.suggestions


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_no_place_given(text: str) -> None:
    with pytest.raises(UnknownPlaceError, match="no place given"):
        resolve_place(text)


def test_nonsense_is_an_unknown_place() -> None:
    with pytest.raises(UnknownPlaceError, match="no place called 'Qwxzvb' is known"):
        resolve_place("Qwxzvb")


# A real trial site (NCT04277637's Swiss rehabilitation clinic) in a village the gazetteer lacks.
BARMELWEID = ("Barmelweid", "Aargau", "Switzerland", 47.41588, 7.9764)


def test_a_town_only_the_trial_sites_know() -> None:
    with pytest.raises(UnknownPlaceError):
        resolve_place("Barmelweid")
    sites = [("Paris", None, "France", 48.85, 2.35), BARMELWEID]
    for text in ("Barmelweid", "Barmelweid, Switzerland", "Barmelweid, Aargau"):
        place = resolve_place(text, extra_places=sites)
        assert (place.latitude, place.longitude) == (47.41588, 7.9764)
        assert place.label == "Barmelweid, Aargau, Switzerland"
        assert place.country_code == "CH"
    with pytest.raises(UnknownPlaceError):
        resolve_place("Barmelweid, Germany", extra_places=sites)


def test_the_gazetteer_comes_before_the_trial_sites() -> None:
    sites = [("Paris", None, "Somewhere", 0.0, 0.0)]
    assert resolve_place("Paris", extra_places=sites).country_code == "FR"


def test_a_misspelled_town_of_the_trial_sites_is_suggested() -> None:
    with pytest.raises(UnknownPlaceError) as raised:
        resolve_place("Barmelwaid", extra_places=iter([BARMELWEID]))
    assert "Barmelweid, Aargau, Switzerland" in raised.value.suggestions


PLACE_WORDS = st.sampled_from(
    [
        "Palo",
        "Alto",
        "Paris",
        "CA",
        "TX",
        "France",
        "USA",
        "94301",
        "41.88",
        "-87.63",
        "°",
        "N",
        "W",
        "St.",
        "New",
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(st.text(max_size=60), st.lists(PLACE_WORDS, max_size=6).map(" ".join), st.text().map(str.upper))
)
def test_any_text_gives_a_place_or_a_trialscout_error(text: str) -> None:
    try:
        place = resolve_place(text)
    except TrialscoutError:
        return
    assert -90.0 <= place.latitude <= 90.0
    assert -180.0 <= place.longitude <= 180.0
    assert place.label


@settings(max_examples=100, deadline=None)
@given(st.lists(PLACE_WORDS | st.text(max_size=8), min_size=1, max_size=4).map(", ".join))
def test_any_comma_separated_text_gives_a_place_or_a_trialscout_error(text: str) -> None:
    with contextlib.suppress(TrialscoutError):
        resolve_place(text, extra_places=[BARMELWEID, (None, None, None, None, None)])
