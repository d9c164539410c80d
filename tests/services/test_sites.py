"""A trial's sites by distance, and the place box's services, over the real registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import sql
from trialscout.errors import InvalidRadiusError, SearchInputError, TrialNotFoundError, UnknownPlaceError
from trialscout.geo.distance import KM_PER_MILE, distance_km
from trialscout.geo.places import resolve_place
from trialscout.geo.sites import site_coordinates
from trialscout.model.enums import OPEN_STATUSES, OverallStatus
from trialscout.search.results import SearchRequest
from trialscout.services.places import complete_places, resolve_place_text
from trialscout.services.registry import LocalRegistry
from trialscout.services.search import search_trials
from trialscout.services.sites import CoordinatesFrom, trial_sites
from trialscout.store.load import LoadReport

# A trial with 42 sites in 23 US states, each with the registry's coordinates.
NATIONWIDE = "NCT02210780"
# A recruiting trial whose sites include withdrawn and not-yet-recruiting ones.
MIXED = "NCT05809934"
# A legacy-XML trial: its sites have no coordinates in the record.
LEGACY = "NCT00000126"
# A trial whose sites each name their contacts.
WITH_CONTACTS = "NCT03986528"


def site_rows(db: Path, nct_id: str) -> dict[int, tuple[str | None, float | None, float | None]]:
    rows = sql(db, "SELECT ordinal, status, latitude, longitude FROM sites WHERE nct_id=?", nct_id)
    return {ordinal: (status, lat, lon) for ordinal, status, lat, lon in rows}


def test_sites_come_nearest_first_with_the_distance_from_the_place(
    local_registry: LocalRegistry, full_load: tuple[Path, LoadReport]
) -> None:
    rows = site_rows(full_load[0], NATIONWIDE)
    assert len(rows) >= 40
    found = trial_sites(local_registry, NATIONWIDE, near="Palo Alto, CA")
    assert found.place is not None and found.place.label.startswith("Palo Alto, California")
    assert found.total == len(rows) == len(found.sites)
    distances = [site.distance_km for site in found.sites]
    assert all(d is not None for d in distances) and distances == sorted(distances)  # type: ignore[type-var]
    for site in found.sites:
        _, lat, lon = rows[site.ordinal]
        assert (site.latitude, site.longitude) == (lat, lon)
        assert site.coordinates_from is CoordinatesFrom.REGISTRY
        assert site.distance_km == pytest.approx(
            distance_km(found.place.latitude, found.place.longitude, lat, lon)  # type: ignore[arg-type]
        )
    assert found.sites[0].state == "California" and found.sites[-1].state != "California"


def test_a_radius_drops_the_sites_beyond_it(
    local_registry: LocalRegistry, full_load: tuple[Path, LoadReport]
) -> None:
    rows = site_rows(full_load[0], NATIONWIDE)
    here = resolve_place("Chicago, IL")
    within = {
        o
        for o, (_, lat, lon) in rows.items()
        if distance_km(here.latitude, here.longitude, lat, lon) <= 500 * KM_PER_MILE  # type: ignore[arg-type]
    }
    assert 0 < len(within) < len(rows)
    found = trial_sites(local_registry, NATIONWIDE, near="Chicago, IL", radius="500 mi")
    assert {site.ordinal for site in found.sites} == within
    assert found.beyond_radius == len(rows) - len(within)
    assert found.radius is not None and found.radius.text == "500 mi"


def test_site_statuses_stay_as_the_registry_gives_them(
    local_registry: LocalRegistry, full_load: tuple[Path, LoadReport]
) -> None:
    rows = site_rows(full_load[0], MIXED)
    found = trial_sites(local_registry, MIXED, near="94301")
    assert found.overall_status is OverallStatus.RECRUITING
    for site in found.sites:
        assert (site.status.value if site.status else None) == rows[site.ordinal][0]
    assert any(site.status is OverallStatus.WITHDRAWN for site in found.sites)
    recruiting = trial_sites(local_registry, MIXED, near="94301", recruiting_only=True)
    assert {s.ordinal for s in recruiting.sites} == {o for o, r in rows.items() if r[0] == "RECRUITING"}
    assert all(site.status is OverallStatus.RECRUITING for site in recruiting.sites)
    assert recruiting.not_recruiting == len(rows) - len(recruiting.sites)


def test_legacy_sites_are_placed_from_their_address_and_the_unplaced_come_last(
    local_registry: LocalRegistry,
) -> None:
    trial = local_registry.store.trial(LEGACY)
    found = trial_sites(local_registry, LEGACY, near="Los Angeles, CA")
    assert len(found.sites) == len(trial.locations) >= 10
    placed = [site for site in found.sites if site.latitude is not None]
    assert placed and all(site.coordinates_from is CoordinatesFrom.ADDRESS for site in placed)
    for site in placed:
        assert (site.latitude, site.longitude) == site_coordinates(
            site.city, site.state, site.zip, site.country
        )
    assert found.sites[0].city == "Los Angeles"
    unplaced = [i for i, site in enumerate(found.sites) if site.latitude is None]
    assert unplaced == list(range(len(placed), len(found.sites)))
    assert found.not_placed == len(unplaced)


def test_without_a_place_the_sites_keep_the_registry_order_and_have_no_distance(
    local_registry: LocalRegistry,
) -> None:
    found = trial_sites(local_registry, WITH_CONTACTS)
    trial = local_registry.store.trial(WITH_CONTACTS)
    assert [site.ordinal for site in found.sites] == list(range(len(trial.locations)))
    assert all(site.distance_km is None for site in found.sites) and found.place is None
    assert [site.contacts for site in found.sites] == [site.contacts for site in trial.locations]
    assert any(contact.name for site in found.sites for contact in site.contacts)


def test_bad_input_raises_the_errors_the_edges_translate(local_registry: LocalRegistry) -> None:
    with pytest.raises(TrialNotFoundError):
        trial_sites(local_registry, "NCT99999999", near="Palo Alto, CA")
    with pytest.raises(UnknownPlaceError) as unknown:
        trial_sites(local_registry, NATIONWIDE, near="Palo Altoo, CA")
    assert any(s.startswith("Palo Alto") for s in unknown.value.suggestions)
    with pytest.raises(SearchInputError):
        trial_sites(local_registry, NATIONWIDE, radius="50 mi")
    with pytest.raises(InvalidRadiusError):
        trial_sites(local_registry, NATIONWIDE, near="Boston", radius="fifty")


@pytest.mark.parametrize("text", ["Palo Alto, CA", "94301", "Lyon, France", "41.88,-87.63", "Texas"])
def test_resolving_a_place_reads_it_as_the_search_does(local_registry: LocalRegistry, text: str) -> None:
    place = resolve_place_text(local_registry, text)
    searched = search_trials(local_registry, SearchRequest(near=text, per_page=1)).place
    assert searched is not None
    assert (place.label, place.latitude, place.longitude) == (
        searched.label,
        searched.latitude,
        searched.longitude,
    )


def test_completing_a_place_over_the_registry(local_registry: LocalRegistry) -> None:
    assert complete_places(local_registry, "Palo A")[0].label == "Palo Alto, California, United States"
    assert [p.value for p in complete_places(local_registry, "9430", 3)] == ["94301", "94302", "94303"]


# NCI-MATCH: 1,218 sites in the record (the store's second-longest list).
NCI_MATCH = "NCT02465060"


def test_open_sites_come_first_each_group_nearest_first(local_registry: LocalRegistry) -> None:
    found = trial_sites(local_registry, MIXED, near="94301", open_first=True)
    opened = [s.status in OPEN_STATUSES for s in found.sites]
    assert True in opened and False in opened
    assert opened == sorted(opened, reverse=True)  # every open site before every other one
    for group in (True, False):
        distances = [s.distance_km for s, o in zip(found.sites, opened, strict=True) if o is group]
        known = [d for d in distances if d is not None]
        assert known == sorted(known)
    assert found.open_first and found.matching == found.total == len(found.sites)


def test_a_long_site_list_is_paged(local_registry: LocalRegistry) -> None:
    everything = trial_sites(local_registry, NCI_MATCH, near="Boston, MA")
    assert everything.total == len(everything.sites) > 1000
    first = trial_sites(local_registry, NCI_MATCH, near="Boston, MA", limit=10)
    second = trial_sites(local_registry, NCI_MATCH, near="Boston, MA", offset=10, limit=10)
    assert [s.ordinal for s in first.sites] == [s.ordinal for s in everything.sites[:10]]
    assert [s.ordinal for s in second.sites] == [s.ordinal for s in everything.sites[10:20]]
    assert (first.matching, first.offset, second.offset) == (everything.total, 0, 10)
    assert first.sites[0].state == "Massachusetts"
    past_the_end = trial_sites(local_registry, NCI_MATCH, offset=5000, limit=10)
    assert past_the_end.sites == () and past_the_end.matching == everything.total
    with pytest.raises(SearchInputError):
        trial_sites(local_registry, NCI_MATCH, limit=0)
