"""Coordinates for trial sites whose record gives only an address, checked on real registry sites."""

from __future__ import annotations

import statistics
from collections.abc import Iterator

import pytest
from lxml import etree

from tests.conftest import AACT, v2_studies
from trialscout.geo import distance_km, site_coordinates

Address = tuple[str | None, str | None, str | None, str | None]


def km(found: tuple[float, float] | None, point: tuple[float, float]) -> float:
    assert found is not None
    return distance_km(*found, *point)


def test_a_legacy_site_in_denmark_by_its_city() -> None:
    assert km(site_coordinates("Roskilde", None, "4000", "Denmark"), (55.64, 12.08)) < 5.0


def test_a_us_site_with_only_a_zip_code() -> None:
    assert km(site_coordinates(None, None, "94301", "United States"), (37.44, -122.14)) < 3.0
    assert km(site_coordinates(None, None, "94301-2201", "United States"), (37.44, -122.14)) < 3.0


def test_a_us_site_by_city_and_state() -> None:
    assert km(site_coordinates("Paris", "Texas", None, "United States"), (33.66, -95.56)) < 5.0
    assert km(site_coordinates("Rochester", "Minnesota", None, "United States"), (44.02, -92.47)) < 5.0


def test_a_zip_code_from_another_state_is_taken_for_a_typo() -> None:
    # 10001 is Manhattan: the site's city and state win over a ZIP code that contradicts them.
    assert km(site_coordinates("Palo Alto", "California", "10001", "United States"), (37.44, -122.14)) < 3.0


def test_a_us_town_too_small_for_the_gazetteer_is_placed_by_its_zip_codes() -> None:
    # Browns Mills, New Jersey: a postal town of the ZIP data, not a place of 1,000+ in GeoNames.
    assert km(site_coordinates("Browns Mills", "New Jersey", None, "United States"), (39.97, -74.58)) < 10.0


@pytest.mark.parametrize(
    ("address", "point"),
    [
        (("Paris Cedex 13", None, None, "France"), (48.86, 2.35)),
        (("Brussels (Bruxelles)", None, "1000", "Belgium"), (50.85, 4.35)),
        (("Hampstead, London", "England", "NW3 2QG", "United Kingdom"), (51.51, -0.13)),
        (("Torquay Devon", "England", "TQ2 7AA", "United Kingdom"), (50.46, -3.53)),
        (("Ichikawa-shi", "Chiba", "272-0824", "Japan"), (35.72, 139.93)),
        (("Yokkaichi", "Mie", None, "Japan"), (34.97, 136.62)),
        (("Taizhou", "Zhejiang", None, "China"), (28.66, 121.43)),
        (("Seoul", None, None, "Korea, Republic of"), (37.57, 126.98)),
        (("Istanbul", None, None, "Turkey (Türkiye)"), (41.01, 28.95)),
        (("Hong Kong", None, None, "China"), (22.3, 114.17)),
        (("Toronto", "Ontario", "M5G 2C4", "Canada"), (43.7, -79.4)),
    ],
)
def test_registry_addresses_as_they_are_written(address: Address, point: tuple[float, float]) -> None:
    assert km(site_coordinates(*address), point) < 15.0


@pytest.mark.parametrize(
    "address",
    [
        ("Nowhereville", None, None, "France"),
        ("Paris", None, None, None),  # no country: too ambiguous
        ("München", None, "80331", None),  # a German postcode is not a US ZIP code
        ("Palo Alto", "Texas", None, "United States"),  # not in Texas: not placed elsewhere
        (None, None, None, "France"),
        (None, None, None, None),
    ],
)
def test_a_site_that_cannot_be_placed_is_none(address: Address) -> None:
    assert site_coordinates(*address) is None


def v2_sites() -> Iterator[tuple[Address, tuple[float, float]]]:
    """Every distinct API v2 site of ../shared/data that has the registry's own coordinates."""
    seen = set()
    for study in v2_studies():
        module = study["protocolSection"].get("contactsLocationsModule", {})
        for location in module.get("locations", []):
            point = location.get("geoPoint")
            address = (location.get("city"), location.get("state"), None, location.get("country"))
            if point and address not in seen:
                seen.add(address)
                yield address, (point["lat"], point["lon"])


def test_real_sites_are_placed_where_the_registry_puts_them() -> None:
    sites = list(v2_sites())
    errors = [
        distance_km(*found, *point)
        for address, point in sites
        if (found := site_coordinates(*address)) is not None
    ]
    assert len(sites) > 1000
    assert len(errors) >= 0.95 * len(sites)
    assert statistics.median(errors) < 1.0
    # The far ones are mostly the registry's own mistakes ("Meguro-ku, Tokyo" put in Hokkaido).
    assert sum(error > 50.0 for error in errors) < 0.03 * len(errors)


def test_legacy_xml_sites_are_placed() -> None:
    addresses: set[Address] = set()
    for path in sorted((AACT / "xml_legacy").glob("NCT*.xml")):
        for element in etree.parse(str(path)).iterfind(".//location/facility/address"):
            addresses.add(
                tuple(element.findtext(field) for field in ("city", "state", "zip", "country"))  # type: ignore[arg-type]
            )
    placed = [address for address in addresses if site_coordinates(*address) is not None]
    assert len(addresses) > 1000
    assert len(placed) >= 0.95 * len(addresses)
