"""Settings come from the environment when it gives them, and from the defaults when it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialscout.evaluation.benchmark import data_root
from trialscout.settings import DEFAULT_API, Settings, read_settings

VARIABLES = ("TRIALSCOUT_DATA", "TRIALSCOUT_DB", "TRIALSCOUT_INDEX", "TRIALSCOUT_API")


def test_each_variable_given_is_used() -> None:
    settings = read_settings(
        {
            "TRIALSCOUT_DATA": "/srv/shared/data",
            "TRIALSCOUT_DB": "/var/lib/trialscout/registry.db",
            "TRIALSCOUT_INDEX": "/var/cache/trialscout/index",
            "TRIALSCOUT_API": "http://127.0.0.1:8080/api/v2",
        }
    )
    assert settings == Settings(
        data=Path("/srv/shared/data"),
        db=Path("/var/lib/trialscout/registry.db"),
        index=Path("/var/cache/trialscout/index"),
        api="http://127.0.0.1:8080/api/v2",
    )


def test_each_variable_absent_is_its_default() -> None:
    settings = read_settings({})
    assert settings.data == Path("..") / "shared" / "data"
    assert settings.db == Path("trialscout.db")
    assert settings.index is None  # the index then lives beside the store, "<db>.index"
    assert settings.api == DEFAULT_API == "https://clinicaltrials.gov/api/v2"


def test_an_empty_variable_counts_as_absent() -> None:
    assert read_settings(dict.fromkeys(VARIABLES, "")) == read_settings({})


def test_one_variable_leaves_the_others_at_their_defaults() -> None:
    settings = read_settings({"TRIALSCOUT_DB": "other.db"})
    assert settings == Settings(db=Path("other.db"))


def test_the_process_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert read_settings() == Settings()
    monkeypatch.setenv("TRIALSCOUT_INDEX", "elsewhere.index")
    monkeypatch.setenv("TRIALSCOUT_API", "http://mirror.example/api/v2")
    assert read_settings() == Settings(index=Path("elsewhere.index"), api="http://mirror.example/api/v2")


def test_the_benchmarks_find_the_data_folder_through_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TRIALSCOUT_DATA", raising=False)
    assert data_root() == Path("..") / "shared" / "data"
    monkeypatch.setenv("TRIALSCOUT_DATA", str(tmp_path))
    assert data_root() == tmp_path
    assert data_root(tmp_path / "given") == tmp_path / "given"  # an explicit folder wins
