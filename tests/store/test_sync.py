"""Syncing the store with the live registry: complete, incremental, and safe to interrupt.

The registry is a real HTTP server on 127.0.0.1 replaying the real recorded studies; the store
is a real SQLite file, and a real PostgreSQL database (each test runs on both).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TODAY
from tests.registry_server import FakeRegistry, last_update_of, nct_of, running_registry
from trialscout.errors import RegistryError
from trialscout.sources.api import RegistryClient, StudyQuery
from trialscout.store.base import TrialStore
from trialscout.store.postgres import PostgresStore
from trialscout.store.sqlite import SQLiteStore
from trialscout.store.sync import SyncProgress, stored_checkpoint, sync

LUNG = StudyQuery(condition="lung cancer", page_size=10)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TrialStore]:
    """An empty store of each kind for a test that syncs."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        opened: TrialStore = PostgresStore(url, index_folder=tmp_path / "index")
    else:
        opened = SQLiteStore(tmp_path / "test.db")
    with opened:
        yield opened


@pytest.fixture
def fake_registry() -> Iterator[FakeRegistry]:
    with running_registry() as server:
        yield server


def quick_client(registry: FakeRegistry, *, max_retries: int = 5) -> RegistryClient:
    """A client that neither spaces its requests nor really sleeps between retries."""
    return RegistryClient(registry.base_url, min_interval=0, max_retries=max_retries, sleep=lambda _: None)


@pytest.fixture
def client(fake_registry: FakeRegistry) -> Iterator[RegistryClient]:
    with quick_client(fake_registry) as c:
        yield c


def matching(registry: FakeRegistry, query: StudyQuery) -> list[dict[str, Any]]:
    """What the registry holds for a query, in the order it pages them (oldest update first)."""
    return registry.matching(query.params())


def newest_date(studies: list[dict[str, Any]]) -> dt.date:
    return dt.date.fromisoformat(max(last_update_of(s) for s in studies))


def test_a_first_sync_stores_every_matching_study(
    fake_registry: FakeRegistry, client: RegistryClient, store: TrialStore
) -> None:
    expected = matching(fake_registry, LUNG)
    assert len(expected) > 3 * LUNG.page_size

    report = sync(store, client, LUNG, today=TODAY)

    assert store.nct_ids() == sorted(nct_of(s) for s in expected)
    assert (report.new, report.updated, report.unchanged, report.rejected) == (len(expected), 0, 0, [])
    assert report.pages == math.ceil(len(expected) / LUNG.page_size)
    assert report.total_count == len(expected)
    assert report.checkpoint_before is None
    assert report.checkpoint_after == newest_date(expected)
    assert stored_checkpoint(store, LUNG) == newest_date(expected)
    assert "filter.advanced" not in fake_registry.study_requests()[0].params
    some = nct_of(expected[7])
    assert (
        store.trial(some).brief_title == expected[7]["protocolSection"]["identificationModule"]["briefTitle"]
    )


def test_a_second_sync_asks_only_for_records_updated_since_the_checkpoint(
    fake_registry: FakeRegistry, client: RegistryClient, store: TrialStore
) -> None:
    first = sync(store, client, LUNG, today=TODAY)
    checkpoint = first.checkpoint_after
    assert checkpoint is not None
    fake_registry.clear()

    second = sync(store, client, LUNG, today=TODAY)

    asked = fake_registry.study_requests()[0].params
    assert asked["filter.advanced"] == f"AREA[LastUpdatePostDate]RANGE[{checkpoint.isoformat()},MAX]"
    assert asked["sort"] == "LastUpdatePostDate:asc"
    on_that_day = [s for s in matching(fake_registry, LUNG) if last_update_of(s) == checkpoint.isoformat()]
    assert (second.new, second.updated, second.unchanged) == (0, 0, len(on_that_day))
    assert second.since == checkpoint
    assert second.checkpoint_before == second.checkpoint_after == checkpoint
    assert store.count() == first.new


def test_a_study_updated_in_the_registry_is_updated_by_the_next_sync(
    fake_registry: FakeRegistry, client: RegistryClient, store: TrialStore
) -> None:
    sync(store, client, LUNG, today=TODAY)
    changed = nct_of(matching(fake_registry, LUNG)[0])
    fake_registry.update(changed, posted="2026-01-15", brief_title="A new title the sponsor posted")

    report = sync(store, client, LUNG, today=TODAY)

    assert report.updated == 1
    assert report.new == 0
    assert store.trial(changed).brief_title == "A new title the sponsor posted"
    assert stored_checkpoint(store, LUNG) == dt.date(2026, 1, 15)


def test_a_page_that_fails_for_a_while_is_retried_and_the_sync_completes(
    fake_registry: FakeRegistry, client: RegistryClient, store: TrialStore
) -> None:
    fake_registry.fail(page=2, status=503, times=2)
    fake_registry.fail(page=3, status=429, headers={"Retry-After": "0"})

    report = sync(store, client, LUNG, today=TODAY)

    assert report.new == store.count() == len(matching(fake_registry, LUNG))
    assert [r.status for r in fake_registry.study_requests()].count(200) == report.pages


def test_a_sync_that_gives_up_keeps_what_it_stored_and_the_next_one_completes_it(
    fake_registry: FakeRegistry, store: TrialStore
) -> None:
    expected = matching(fake_registry, LUNG)
    fake_registry.fail(page=3, status=503, times=100)

    with quick_client(fake_registry, max_retries=2) as client, pytest.raises(RegistryError, match="HTTP 503"):
        sync(store, client, LUNG, today=TODAY)

    stored_first = expected[: 2 * LUNG.page_size]
    assert store.nct_ids() == sorted(nct_of(s) for s in stored_first)
    assert stored_checkpoint(store, LUNG) == newest_date(stored_first)
    assert store.integrity_problems() == []

    fake_registry.clear()
    with quick_client(fake_registry) as client:
        report = sync(store, client, LUNG, today=TODAY)

    resumed_from = newest_date(stored_first)
    assert (
        fake_registry.study_requests()[0]
        .params["filter.advanced"]
        .startswith(f"AREA[LastUpdatePostDate]RANGE[{resumed_from.isoformat()},")
    )
    assert store.nct_ids() == sorted(nct_of(s) for s in expected)
    again = [s for s in stored_first if last_update_of(s) == resumed_from.isoformat()]
    assert (report.new, report.unchanged) == (len(expected) - len(stored_first), len(again))
    assert report.checkpoint_before == resumed_from
    assert report.checkpoint_after == newest_date(expected)


def test_unsorted_pages_never_move_the_checkpoint_past_what_was_stored(
    fake_registry: FakeRegistry, store: TrialStore
) -> None:
    fake_registry.honour_sort = False  # pages come in NCT ID order: dates jump back and forth
    expected = matching(fake_registry, LUNG)
    fake_registry.fail(page=3, status=503, times=100)

    with quick_client(fake_registry, max_retries=0) as client, pytest.raises(RegistryError):
        sync(store, client, LUNG, today=TODAY)

    assert store.count() == 2 * LUNG.page_size
    assert stored_checkpoint(store, LUNG) is None  # a resume must start from the beginning

    fake_registry.clear()
    with quick_client(fake_registry) as client:
        report = sync(store, client, LUNG, today=TODAY)

    assert store.count() == len(expected)
    assert report.checkpoint_after == newest_date(expected)  # complete: now it may move


def test_since_asks_from_that_day_and_never_moves_the_checkpoint_back(
    fake_registry: FakeRegistry, client: RegistryClient, store: TrialStore
) -> None:
    first = sync(store, client, LUNG, today=TODAY)
    fake_registry.clear()

    report = sync(store, client, LUNG, since=dt.date(2020, 1, 1), today=TODAY)

    assert fake_registry.study_requests()[0].params["filter.advanced"] == (
        "AREA[LastUpdatePostDate]RANGE[2020-01-01,MAX]"
    )
    in_range = [s for s in matching(fake_registry, LUNG) if last_update_of(s) >= "2020-01-01"]
    assert report.unchanged == len(in_range)
    assert stored_checkpoint(store, LUNG) == first.checkpoint_after


def test_since_later_than_the_checkpoint_leaves_it_so_no_update_is_skipped(
    fake_registry: FakeRegistry, client: RegistryClient, store: TrialStore
) -> None:
    checkpoint = sync(store, client, LUNG, today=TODAY).checkpoint_after
    first, second = (nct_of(s) for s in matching(fake_registry, LUNG)[:2])
    fake_registry.update(first, posted="2026-01-10", brief_title="Updated in January")
    fake_registry.update(second, posted="2026-02-10", brief_title="Updated in February")

    skipping = sync(store, client, LUNG, since=dt.date(2026, 2, 1), today=TODAY)

    assert skipping.updated == 1
    assert stored_checkpoint(store, LUNG) == checkpoint  # January was never asked for

    catching_up = sync(store, client, LUNG, today=TODAY)

    assert catching_up.updated == 1
    assert store.trial(first).brief_title == "Updated in January"
    assert stored_checkpoint(store, LUNG) == dt.date(2026, 2, 10)


def test_each_query_has_its_own_checkpoint(
    fake_registry: FakeRegistry, client: RegistryClient, store: TrialStore
) -> None:
    sync(store, client, LUNG, today=TODAY)
    fake_registry.clear()
    asthma = StudyQuery(condition="asthma", page_size=10)

    report = sync(store, client, asthma, today=TODAY)

    assert "filter.advanced" not in fake_registry.study_requests()[0].params
    assert report.new == len(matching(fake_registry, asthma)) > 0
    assert stored_checkpoint(store, asthma) == newest_date(matching(fake_registry, asthma))


def test_progress_is_reported_after_each_stored_page(
    fake_registry: FakeRegistry, client: RegistryClient, store: TrialStore
) -> None:
    seen: list[SyncProgress] = []

    report = sync(store, client, LUNG, today=TODAY, on_progress=seen.append)

    assert [p.pages for p in seen] == list(range(1, report.pages + 1))
    assert [p.records for p in seen] == [
        min(n * LUNG.page_size, report.records) for n in range(1, report.pages + 1)
    ]
    assert {p.total for p in seen} == {report.total_count}
    checkpoints = [p.checkpoint for p in seen]
    assert checkpoints == sorted(checkpoints)
    assert checkpoints[-1] == report.checkpoint_after


def test_an_entry_that_is_not_a_study_is_reported_and_the_rest_stored(tmp_path: Path) -> None:
    with running_registry() as recorded:
        studies = recorded.studies[:12]
    odd = {"derivedSection": {"miscInfoModule": {"versionHolder": "2025-12-09"}}}
    with (
        running_registry([*studies, odd]) as server,
        quick_client(server) as client,
        SQLiteStore(tmp_path / "odd.db") as store,
    ):
        report = sync(store, client, StudyQuery(page_size=5), today=TODAY)

    assert report.new == 12
    assert len(report.rejected) == 1
    assert report.rejected[0].file.startswith(server.base_url + "/studies?")
    assert "no protocolSection" in report.rejected[0].reason
