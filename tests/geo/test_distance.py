"""Distances between real places, search radii as people type them, distances as people read them."""

from __future__ import annotations

import math

import numpy as np
import pytest
import zipcodes

from trialscout.errors import InvalidRadiusError, TrialscoutError
from trialscout.geo import KM_PER_MILE, Radius, distance_km, format_distance, haversine_km, parse_radius

PALO_ALTO = (37.44188, -122.14302)
SAN_FRANCISCO = (37.77493, -122.41942)
LYON = (45.74846, 4.84671)
NEW_YORK = (40.71427, -74.00597)


def test_palo_alto_to_san_francisco_is_44_km_as_the_crow_flies() -> None:
    km = haversine_km(*PALO_ALTO, [SAN_FRANCISCO[0]], [SAN_FRANCISCO[1]])
    assert 43.5 <= km[0] <= 45.5  # (by road it is about 55 km)
    # The zipcodes package's own great-circle distance (in miles) agrees.
    miles = zipcodes.haversine(PALO_ALTO[1], PALO_ALTO[0], SAN_FRANCISCO[1], SAN_FRANCISCO[0])  # type: ignore[no-untyped-call]
    assert km[0] == pytest.approx(miles * KM_PER_MILE, rel=0.005)


def test_many_sites_at_once_with_a_site_that_has_no_coordinates() -> None:
    lats = np.array([SAN_FRANCISCO[0], np.nan, LYON[0], PALO_ALTO[0]])
    lons = np.array([SAN_FRANCISCO[1], np.nan, LYON[1], PALO_ALTO[1]])
    km = haversine_km(*PALO_ALTO, lats, lons)
    assert km.shape == (4,)
    assert math.isnan(km[1])
    assert 9_000 < km[2] < 9_400  # Palo Alto to Lyon: about 9,200 km
    assert km[3] == pytest.approx(0.0, abs=1e-9)


def test_antipodes_are_half_the_earth_apart_not_nan() -> None:
    km = haversine_km(0.0, 0.0, [0.0, -0.0], [180.0, -180.0])
    assert km == pytest.approx([20_015.1, 20_015.1], abs=1.0)


def test_one_pair_gives_the_same_distance_as_the_array_form() -> None:
    assert distance_km(*NEW_YORK, *LYON) == pytest.approx(haversine_km(*NEW_YORK, [LYON[0]], [LYON[1]])[0])


@pytest.mark.parametrize(
    ("text", "km", "shown"),
    [
        ("50mi", 50 * KM_PER_MILE, "50 mi"),
        ("50 mi", 50 * KM_PER_MILE, "50 mi"),
        ("50 miles", 50 * KM_PER_MILE, "50 mi"),
        ("  50 MI ", 50 * KM_PER_MILE, "50 mi"),
        ("1 mile", KM_PER_MILE, "1 mi"),
        ("80km", 80.0, "80 km"),
        ("80 km", 80.0, "80 km"),
        ("80 kilometres", 80.0, "80 km"),
        ("2.5 km", 2.5, "2.5 km"),
        ("2,5 km", 2.5, "2.5 km"),
        (".5 mi", 0.5 * KM_PER_MILE, "0.5 mi"),
        ("80", 80 * KM_PER_MILE, "80 mi"),  # a bare number is in miles
    ],
)
def test_radius_as_people_type_it(text: str, km: float, shown: str) -> None:
    assert parse_radius(text) == Radius(km=pytest.approx(km), text=shown)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["", "   ", "far", "mi", "50 furlongs", "fifty miles", "50 mi 3", "1e3 km"])
def test_a_radius_that_is_not_a_distance_is_refused_clearly(text: str) -> None:
    with pytest.raises(InvalidRadiusError, match=r"mi|km") as raised:
        parse_radius(text)
    assert isinstance(raised.value, TrialscoutError)
    assert raised.value.text == text


@pytest.mark.parametrize("text", ["0", "0 km", "-5 mi", "0.0mi", "9" * 400])
def test_a_radius_must_be_a_positive_finite_distance(text: str) -> None:
    with pytest.raises(InvalidRadiusError, match="more than 0"):
        parse_radius(text)


@pytest.mark.parametrize(
    ("km", "unit", "shown"),
    [
        (27.4, "mi", "17 mi"),
        (0.644, "mi", "0.4 mi"),
        (5.15, "mi", "3.2 mi"),
        (27.0, "km", "27 km"),
        (2000.0, "mi", "1,243 mi"),
        (0.01, "km", "< 0.1 km"),
        (0.0, "mi", "< 0.1 mi"),
        (float("nan"), "mi", "distance unknown"),
    ],
)
def test_distance_as_people_read_it(km: float, unit: str, shown: str) -> None:
    assert format_distance(km, unit) == shown  # type: ignore[arg-type]


def test_distance_in_an_unknown_unit_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unit"):
        format_distance(1.0, "furlong")  # type: ignore[arg-type]
