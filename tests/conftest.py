"""Session fixtures: the real records under ../shared/data, and a store built from them once."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trialscout.store.database import TrialStore
from trialscout.store.load import LoadReport, load_paths

REPO = Path(__file__).resolve().parents[1]
#: The real records: ../shared/data beside the repository, or $TRIALSCOUT_DATA.
DATA = Path(os.environ.get("TRIALSCOUT_DATA") or REPO / ".." / "shared" / "data").resolve()
V2_EXPORTS = DATA / "ctgov-api-v2-exports"
AACT = DATA / "aact-fixtures"
XML_SLICE = DATA / "ctgov-xml-2023-slice" / "ctgov_legacy_xml_6786.zip"
NSCLC = V2_EXPORTS / "nsclcbench" / "ctg-studies.json"

#: The registry-format inputs under ../shared/data (v2 JSON and legacy XML).
REGISTRY_INPUTS = [
    V2_EXPORTS,
    AACT,
    XML_SLICE,
    DATA / "trec2023-xml-sample" / "xml",
    DATA / "trec-pm" / "bst-mug" / "clinicaltrials-samples",
]

#: A fixed "today" so that checks that depend on the date give the same answer every day.
TODAY = dt.date(2026, 11, 21)


def pytest_configure(config: pytest.Config) -> None:
    if not DATA.is_dir():
        raise pytest.UsageError(
            f"the shared data folder is missing: {DATA} (tests read real records from it)"
        )


def v2_studies() -> list[dict[str, Any]]:
    """Every API v2 study object in the exports, de-duplicated by NCT ID (last one wins)."""
    studies: dict[str, dict[str, Any]] = {}
    for path in sorted(V2_EXPORTS.rglob("*.json")):
        for study in json.loads(path.read_text()):
            studies[study["protocolSection"]["identificationModule"]["nctId"]] = study
    for path in sorted((AACT / "json_v2").glob("*.json")):
        study = json.loads(path.read_text())
        studies.setdefault(study["protocolSection"]["identificationModule"]["nctId"], study)
    return list(studies.values())


@pytest.fixture(scope="session")
def full_load(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, LoadReport]:
    """A store holding every registry-format record of ../shared/data, loaded once."""
    db = tmp_path_factory.mktemp("registry") / "registry.db"
    with TrialStore(db) as store:
        report = load_paths(store, [DATA], today=TODAY)
    return db, report


@pytest.fixture
def registry(full_load: tuple[Path, LoadReport]) -> Iterator[TrialStore]:
    """The session's full store, opened for one test (read it, do not write to it)."""
    with TrialStore(full_load[0]) as store:
        yield store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[TrialStore]:
    """An empty store for a test that writes."""
    with TrialStore(tmp_path / "test.db") as s:
        yield s


@pytest.fixture(scope="session")
def trial_search(full_load: tuple[Path, LoadReport]) -> Iterator[Any]:
    """Search over the full store (its index built once per session)."""
    from trialscout.search.engine import TrialSearch

    with TrialStore(full_load[0]) as store:
        yield TrialSearch(store)
