"""`trialscout sync` against a real local HTTP server replaying recorded registry records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.registry_server import FakeRegistry, running_registry
from trialscout.cli import cli
from trialscout.store.sqlite import SQLiteStore


@pytest.fixture
def fake_registry() -> Iterator[FakeRegistry]:
    with running_registry() as server:
        yield server


def sync(db: Path, registry: FakeRegistry, *args: str) -> str:
    result = CliRunner().invoke(
        cli,
        ["--db", str(db), "sync", "--base-url", registry.base_url, "--min-interval", "0", "--quiet", *args],
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_sync_stores_the_matching_trials_and_remembers_where_it_stopped(
    tmp_path: Path, fake_registry: FakeRegistry
) -> None:
    db = tmp_path / "sync.db"
    expected = {
        s["protocolSection"]["identificationModule"]["nctId"]
        for s in fake_registry.matching({"query.cond": "lung cancer"})
    }
    assert len(expected) > 40
    first = sync(db, fake_registry, "--condition", "lung cancer", "--page-size", "25")
    assert f"{len(expected):,} trials match" in first
    with SQLiteStore(db) as store:
        assert set(store.nct_ids()) == expected
    second = sync(db, fake_registry, "--condition", "lung cancer", "--page-size", "25")
    assert "updated since 20" in second  # the second run starts at the stored checkpoint
    assert [line.split()[1] for line in second.splitlines() if line.strip().startswith("new")] == ["0"]


def test_max_records_stops_early(tmp_path: Path, fake_registry: FakeRegistry) -> None:
    db = tmp_path / "max.db"
    sync(db, fake_registry, "--condition", "lung cancer", "--page-size", "10", "--max-records", "20")
    with SQLiteStore(db) as store:
        assert store.count() == 20


def test_an_unreachable_registry_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            str(tmp_path / "x.db"),
            "sync",
            "--term",
            "asthma",
            "--quiet",
            "--min-interval",
            "0",
            "--retries",
            "1",
            "--base-url",
            "http://127.0.0.1:9/api/v2",
        ],
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "try again later" in result.output


def test_deadline_stops_a_slow_sync_with_one_clear_line(tmp_path: Path, fake_registry: FakeRegistry) -> None:
    fake_registry.fail(page=2, status=200, delay=5.0)
    result = CliRunner().invoke(
        cli,
        [
            *("--db", str(tmp_path / "slow.db"), "sync", "--base-url", fake_registry.base_url),
            *("--min-interval", "0", "--quiet", "--condition", "lung cancer", "--page-size", "10"),
            *("--deadline", "1s"),
        ],
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "passed its deadline (1 s) after 1 page;" in result.output
    with SQLiteStore(tmp_path / "slow.db") as store:
        assert store.count() == 10


@pytest.mark.parametrize("bad", ["soon", "0", "-5m", "3 days"])
def test_a_deadline_that_is_not_a_duration_is_refused(tmp_path: Path, bad: str) -> None:
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "x.db"), "sync", "--term", "x", "--deadline", bad]
    )
    assert result.exit_code == 2
    assert "--deadline" in result.output
    assert "duration such as 90s, 30m or 6h" in result.output
