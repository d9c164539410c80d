"""A saved search as an Atom feed, over the real registry: a valid Atom 1.0 document whose entries
are the search's trials, the most recently updated first, each linking to its trial and saying
whether it is new or changed, with the registry's own dates."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import msgspec
import pytest

from trialscout.errors import SearchInputError
from trialscout.search.results import SearchRequest, Sort
from trialscout.services.feeds import ATOM, MAX_ENTRIES, search_feed
from trialscout.services.registry import LocalRegistry
from trialscout.services.search import search_trials

A = f"{{{ATOM}}}"
BASE = "https://trials.example.org"
NEW = "NCT00410098"  # first posted on the day of its last update
CHANGED = "NCT05813925"  # first posted 2023-04-14, last updated 2023-06-18


def feed(registry: LocalRegistry, request: SearchRequest, limit: int = 50) -> ET.Element:
    data = search_feed(
        registry, request, base_url=BASE, self_url=f"{BASE}/feeds/search.atom?x=1", limit=limit
    )
    assert data.startswith(b"<?xml")
    return ET.fromstring(data)


def test_the_feed_is_the_searchs_newest_trials_newest_first(local_registry: LocalRegistry) -> None:
    request = SearchRequest(condition="breast cancer")
    root = feed(local_registry, request, limit=30)
    assert root.tag == f"{A}feed"
    assert root.findtext(f"{A}id") == f"{BASE}/feeds/search.atom?x=1"
    assert root.find(f"{A}link[@rel='self']") is not None
    entries = root.findall(f"{A}entry")
    expected = search_trials(local_registry, msgspec.structs.replace(request, sort=Sort.UPDATED, per_page=30))
    assert expected.total > 30 and len(entries) == 30
    ids = [e.findtext(f"{A}id") for e in entries]
    assert {i.rsplit("/", 1)[1] for i in ids if i} == {h.nct_id for h in expected.hits}
    stamps = [e.findtext(f"{A}updated") or "" for e in entries]
    assert stamps == sorted(stamps, reverse=True) and all(s.endswith("T00:00:00Z") for s in stamps)
    assert root.findtext(f"{A}updated") == stamps[0]
    for entry in entries:
        link = entry.find(f"{A}link[@rel='alternate']")
        assert link is not None
        nct = link.get("href", "").removeprefix(f"{BASE}/trials/")
        trial = local_registry.store.trial(nct)
        assert trial.last_update_posted_date is not None
        assert entry.findtext(f"{A}updated") == f"{trial.last_update_posted_date.date}T00:00:00Z"
        posted = trial.first_posted_date
        assert entry.findtext(f"{A}published") == (f"{posted.date}T00:00:00Z" if posted else None)
        assert nct in (entry.findtext(f"{A}title") or "")
        summary = entry.findtext(f"{A}summary") or ""
        assert summary.startswith("Status: ") and "Conditions: " in summary


def test_an_entry_says_whether_the_trial_is_new_or_changed(local_registry: LocalRegistry) -> None:
    root = feed(local_registry, SearchRequest(nct_ids=(NEW, CHANGED)))
    summaries = {
        (e.findtext(f"{A}id") or "").rsplit("/", 1)[1]: e.findtext(f"{A}summary") or ""
        for e in root.findall(f"{A}entry")
    }
    assert set(summaries) == {NEW, CHANGED}
    new = local_registry.store.trial(NEW)
    assert new.first_posted_date is not None and new.last_update_posted_date is not None
    assert new.first_posted_date.date == new.last_update_posted_date.date
    assert summaries[NEW].endswith(f"New: first posted {new.first_posted_date.date}")
    assert summaries[CHANGED].endswith("Updated 2023-06-18 (first posted 2023-04-14)")
    assert "Phase 3" in summaries[CHANGED]


def test_a_search_that_finds_nothing_is_still_a_valid_feed(local_registry: LocalRegistry) -> None:
    root = feed(local_registry, SearchRequest(query="zzqxjv"))
    assert root.tag == f"{A}feed" and root.findall(f"{A}entry") == []
    assert root.findtext(f"{A}updated") and root.findtext(f"{A}title") == "trialscout: zzqxjv"


@pytest.mark.parametrize("limit", [0, MAX_ENTRIES + 1])
def test_a_feed_holds_1_to_200_trials(local_registry: LocalRegistry, limit: int) -> None:
    with pytest.raises(SearchInputError):
        search_feed(local_registry, SearchRequest(), base_url=BASE, self_url=BASE, limit=limit)
