"""A site's own status against the trial's (issue 14, item 4): a search for open trials never
shows a withdrawn, terminated or completed site as the nearest one, nor lets it carry a trial
through a radius; and a trial whose status is UNKNOWN (or closed) never reads "Recruiting in ..."
because one of its sites still says so."""

from __future__ import annotations

from typing import Any

from trialscout.model.enums import CLOSED_STATUSES, OPEN_STATUSES
from trialscout.search.results import SearchRequest

CLOSED_WORDS = ("Withdrawn", "Terminated", "Completed", "Suspended", "Active, not recruiting")
OPEN = tuple(sorted(s.value for s in OPEN_STATUSES))


def test_a_withdrawn_site_is_never_the_nearest_for_an_open_trial_search(trial_search: Any) -> None:
    # NCT06620835 is recruiting; its Lyon site is withdrawn, its other French sites are not
    every = trial_search.search(SearchRequest(query="nct:NCT06620835", near="Lyon, France", radius="100mi"))
    assert every.hits[0].location.startswith("Withdrawn in Lyon")  # what the registry says of that site
    open_only = trial_search.search(
        SearchRequest(query="nct:NCT06620835", near="Lyon, France", radius="100mi", statuses=("RECRUITING",))
    )
    hit = open_only.hits[0]
    assert hit.nearest_site.status not in {s.value for s in CLOSED_STATUSES}
    assert "Lyon" not in hit.location and hit.nearest_site.distance_km > 1


def test_no_open_trial_search_shows_a_closed_site(trial_search: Any) -> None:
    for place in ("Lyon, France", "Paris, France", "Boston", "Chicago", "Toronto"):
        results = trial_search.search(SearchRequest(near=place, radius="300mi", statuses=OPEN, per_page=500))
        assert results.total > 0, place
        for hit in results.hits:
            assert not (hit.location or "").startswith(CLOSED_WORDS), (place, hit.nct_id, hit.location)
            assert hit.nearest_site.distance_km <= 300 * 1.609344 + 0.01


def test_a_trial_of_unknown_status_never_reads_recruiting(trial_search: Any) -> None:
    results = trial_search.search(SearchRequest(statuses=("UNKNOWN",), near="Chicago", per_page=1000))
    assert results.total > 100
    lines = [h.location for h in results.hits if h.location]
    assert lines and not [line for line in lines if line.startswith(("Recruiting", "Not yet recruiting"))]
    # the sites still are what the registry says they are
    assert any(h.nearest_site.status == "RECRUITING" for h in results.hits if h.nearest_site)
