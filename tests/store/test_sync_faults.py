"""A sync against a misbehaving registry ends, with a clear error, never past what it stored.

Each fault hits page 3 of a query with more than five pages (or makes paging itself go wrong),
with small bounds (0.5 s a request, 1 MiB a page), so every test runs in a second or two. After
each, the store holds exactly the pages stored before, the checkpoint covers them, and the same
sync against the registry once healthy completes. Rejected records hold the checkpoint back once.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TODAY
from tests.registry_server import (
    GZIP,
    REDIRECT_LOOP,
    FakeRegistry,
    gzip_bomb,
    last_update_of,
    nct_of,
    padded,
    recorded_studies,
    running_registry,
)
from trialscout.errors import RegistryError, RegistryResponseError
from trialscout.sources.api import RegistryClient, StudyQuery
from trialscout.store.sqlite import SQLiteStore
from trialscout.store.sync import stored_checkpoint, sync

LUNG = StudyQuery(condition="lung cancer", page_size=10)
MiB = 1 << 20


@pytest.fixture
def fake_registry() -> Iterator[FakeRegistry]:
    with running_registry() as server:
        yield server


def bounded_client(
    registry: FakeRegistry, *, request_timeout: float = 0.5, timeout: float = 0.3
) -> RegistryClient:
    return RegistryClient(
        registry.base_url,
        min_interval=0,
        max_retries=1,
        sleep=lambda _: None,
        timeout=timeout,
        request_timeout=request_timeout,
        deadline=10.0,  # whatever a regression does, the test ends
        max_page_bytes=MiB,
    )


def matching(registry: FakeRegistry, query: StudyQuery) -> list[dict[str, Any]]:
    return registry.matching(query.params())


def newest_date(studies: list[dict[str, Any]]) -> dt.date:
    return dt.date.fromisoformat(max(last_update_of(s) for s in studies))


Setup = Callable[[FakeRegistry], None]


def on_page_3(**fault: Any) -> Setup:
    def setup(registry: FakeRegistry) -> None:
        registry.fail(page=3, times=100, **fault)

    return setup


def cycle(registry: FakeRegistry) -> None:
    registry.cycle = (3, 2)


# name: (what goes wrong, the error, words it must say, pages stored before it)
FAULTS: dict[str, tuple[Setup, type[RegistryError], str, int]] = {
    "token cycle": (cycle, RegistryResponseError, "the pages go round in a cycle", 3),
    "slow headers": (
        on_page_3(status=200, header_pause=0.05),
        RegistryError,
        "no complete answer within 0.5 s",
        2,
    ),
    "slow body": (
        on_page_3(status=200, chunk_pause=0.05),
        RegistryError,
        "no complete answer within 0.5 s",
        2,
    ),
    "huge page": (
        on_page_3(status=200, chunks=padded(16 * MiB)),
        RegistryResponseError,
        "larger than 1 MiB",
        2,
    ),
    "gzip bomb": (
        on_page_3(status=200, headers=GZIP, chunks=gzip_bomb(4 << 30)),
        RegistryResponseError,
        "larger than 1 MiB once decompressed",
        2,
    ),
    "bad gzip": (
        on_page_3(status=200, headers=GZIP, body=b"\x1f\x8b\x08\x00 broken"),
        RegistryResponseError,
        "the body is not valid gzip",
        2,
    ),
    "redirect loop": (
        on_page_3(status=302, headers=REDIRECT_LOOP, body=b""),
        RegistryError,
        "a redirect loop",
        2,
    ),
}


@pytest.mark.parametrize("name", FAULTS)
def test_a_fault_stops_the_sync_clearly_and_a_healthy_rerun_completes(
    name: str, fake_registry: FakeRegistry, store: SQLiteStore
) -> None:
    setup, error, words, pages_before = FAULTS[name]
    expected = matching(fake_registry, LUNG)
    assert len(expected) > 4 * LUNG.page_size
    setup(fake_registry)

    started = time.monotonic()
    with bounded_client(fake_registry) as client, pytest.raises(error) as raised:
        sync(store, client, LUNG, today=TODAY)

    assert time.monotonic() - started < 5
    assert words in str(raised.value)
    stored_first = expected[: pages_before * LUNG.page_size]
    assert store.nct_ids() == sorted(nct_of(s) for s in stored_first)
    assert stored_checkpoint(store, LUNG) == newest_date(stored_first)
    assert store.integrity_problems() == []

    fake_registry.clear()
    with bounded_client(fake_registry) as client:
        report = sync(store, client, LUNG, today=TODAY)

    assert report.checkpoint_before == newest_date(stored_first)
    assert store.nct_ids() == sorted(nct_of(s) for s in expected)
    assert report.checkpoint_after == stored_checkpoint(store, LUNG) == newest_date(expected)


def test_the_sync_deadline_stops_it_mid_request_keeping_what_it_stored(
    fake_registry: FakeRegistry, store: SQLiteStore
) -> None:
    expected = matching(fake_registry, LUNG)
    fake_registry.fail(page=3, status=200, delay=5.0, times=100)

    started = time.monotonic()
    with (
        bounded_client(fake_registry, request_timeout=30, timeout=30) as client,
        pytest.raises(RegistryError, match=r"passed its deadline \(1 s\) after 2 pages"),
    ):
        sync(store, client, LUNG, today=TODAY, deadline=1.0)

    assert time.monotonic() - started < 3
    stored_first = expected[: 2 * LUNG.page_size]
    assert store.nct_ids() == sorted(nct_of(s) for s in stored_first)
    assert stored_checkpoint(store, LUNG) == newest_date(stored_first)

    fake_registry.clear()
    with bounded_client(fake_registry) as client:
        sync(store, client, LUNG, today=TODAY, deadline=10.0)
    assert store.nct_ids() == sorted(nct_of(s) for s in expected)
    assert stored_checkpoint(store, LUNG) == newest_date(expected)


def test_endless_fresh_tokens_stop_at_total_count_plus_slack(
    fake_registry: FakeRegistry, store: SQLiteStore
) -> None:
    expected = matching(fake_registry, LUNG)
    fake_registry.endless = "new"  # past the end: copies under new NCT IDs, a fresh token each page

    with (
        bounded_client(fake_registry) as client,
        pytest.raises(RegistryResponseError, match="still offers a next page"),
    ):
        sync(store, client, LUNG, today=TODAY)

    slack = max(len(expected) // 10, 2 * LUNG.page_size)
    pages = math.ceil((len(expected) + slack + 1) / LUNG.page_size)
    assert len(fake_registry.study_requests()) == pages
    assert store.count() == pages * LUNG.page_size  # every page received was stored
    assert set(store.nct_ids()) >= {nct_of(s) for s in expected}
    assert stored_checkpoint(store, LUNG) == newest_date(expected)

    fake_registry.clear()
    with bounded_client(fake_registry) as client:
        report = sync(store, client, LUNG, today=TODAY)
    assert report.checkpoint_after == newest_date(expected)


def test_endless_repeated_pages_without_total_count_stop(
    fake_registry: FakeRegistry, store: SQLiteStore
) -> None:
    expected = matching(fake_registry, LUNG)
    fake_registry.endless = "wrap"
    fake_registry.count_total = False

    with (
        bounded_client(fake_registry) as client,
        pytest.raises(RegistryResponseError, match="no study not already"),
    ):
        sync(store, client, LUNG, today=TODAY)

    assert store.nct_ids() == sorted(nct_of(s) for s in expected)
    # Page 5 ends with the first study again: out of order, so only pages 1 to 4 move it.
    assert len(expected) % LUNG.page_size != 0
    assert stored_checkpoint(store, LUNG) == newest_date(expected[: 4 * LUNG.page_size])


# --- rejected records hold the checkpoint back once ------------------------------------------


def unreadable(study: dict[str, Any]) -> dict[str, Any]:
    """The study with an overall status that is not text: rejected by the reader."""
    broken = copy.deepcopy(study)
    broken["protocolSection"]["statusModule"]["overallStatus"] = 5
    return broken


def by_date() -> list[dict[str, Any]]:
    """Fifteen real studies of distinct last-update days, oldest first."""
    days: dict[str, dict[str, Any]] = {}
    for study in recorded_studies():
        days.setdefault(last_update_of(study), study)
    return [days[day] for day in sorted(days)][:15]


QUERY = StudyQuery(page_size=5)


def test_a_rejected_record_holds_the_checkpoint_at_its_day_once(tmp_path: Path) -> None:
    studies = by_date()
    bad = unreadable(studies[6])
    bad_day = dt.date.fromisoformat(last_update_of(bad))
    with (
        running_registry([*studies[:6], bad, *studies[7:]]) as server,
        bounded_client(server) as client,
        SQLiteStore(tmp_path / "held.db") as store,
    ):
        first = sync(store, client, QUERY, today=TODAY)

        assert first.new == 14
        assert [r.record for r in first.rejected] == [f"page 2 [1] {nct_of(bad)}"]
        assert first.held_for == [first.rejected[0].record]
        assert first.held_at == bad_day
        assert first.checkpoint_after == stored_checkpoint(store, QUERY) == bad_day  # not the newest

        server.clear()
        second = sync(store, client, QUERY, today=TODAY)  # asked again: rejected again, now let go

        asked = server.study_requests()[0].params["filter.advanced"]
        assert asked == f"AREA[LastUpdatePostDate]RANGE[{bad_day.isoformat()},MAX]"
        assert len(second.rejected) == 1
        assert second.held_for == []
        assert second.checkpoint_after == stored_checkpoint(store, QUERY) == newest_date(studies)

        third = sync(store, client, QUERY, today=TODAY)  # it is not asked for forever
        assert third.rejected == []
        assert store.get_state("sync.rejected " + QUERY.key()) in (None, "")


def test_a_record_rejected_once_is_stored_when_it_comes_back_readable(tmp_path: Path) -> None:
    studies = by_date()
    with (
        running_registry([*studies[:6], unreadable(studies[6]), *studies[7:]]) as server,
        bounded_client(server) as client,
        SQLiteStore(tmp_path / "fixed.db") as store,
    ):
        sync(store, client, QUERY, today=TODAY)
        assert nct_of(studies[6]) not in store.nct_ids()
        server.studies[6] = studies[6]  # a passing fault: the same version, readable now

        again = sync(store, client, QUERY, today=TODAY)

        assert again.new == 1
        assert again.rejected == []
        assert nct_of(studies[6]) in store.nct_ids()
        assert stored_checkpoint(store, QUERY) == newest_date(studies)


def test_a_new_version_of_a_rejected_record_gets_its_own_chance(tmp_path: Path) -> None:
    studies = by_date()
    bad = unreadable(studies[6])
    with (
        running_registry([*studies[:6], bad, *studies[7:]]) as server,
        bounded_client(server) as client,
        SQLiteStore(tmp_path / "versions.db") as store,
    ):
        sync(store, client, QUERY, today=TODAY)
        sync(store, client, QUERY, today=TODAY)  # second rejection: let go
        assert stored_checkpoint(store, QUERY) == newest_date(studies)
        newer = unreadable(studies[6])
        newer["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2026-01-20"}
        server.studies[6] = newer

        report = sync(store, client, QUERY, today=TODAY)

        assert report.held_at == dt.date(2026, 1, 20)
        assert stored_checkpoint(store, QUERY) == newest_date(studies)  # not past 2026-01-20
        assert sync(store, client, QUERY, today=TODAY).held_for == []  # its second rejection
        assert stored_checkpoint(store, QUERY) == dt.date(2026, 1, 20)
