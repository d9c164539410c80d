"""The store contract: what services and search rely on, run against every store implementation.

Each test takes ``open_store(read_only=False)`` and ``open_reader()`` from the ``backend``
fixture; a new store joins by adding itself to `BACKENDS`. PostgreSQL runs on a real server
the session starts (``postgres_url``: a fresh database per test).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NSCLC, TODAY
from trialscout.eligibility.model import PARSER_VERSION
from trialscout.eligibility.parse import parse_eligibility
from trialscout.errors import StoreError, TrialNotFoundError
from trialscout.model.enums import SourceFormat
from trialscout.model.trial import Trial
from trialscout.sources.files import RawRecord, parse_record
from trialscout.store.base import Outcome, ParsedTrial, TrialReader, TrialStore
from trialscout.store.criteria import update_parsed_criteria
from trialscout.store.load import load_paths
from trialscout.store.postgres import PostgresStore
from trialscout.store.records import prepare_record
from trialscout.store.sqlite import SQLiteStore

STUDIES: list[dict[str, Any]] = json.loads(NSCLC.read_text())
FIRST = STUDIES[0]["protocolSection"]["identificationModule"]["nctId"]


class Backend:
    """How to open one kind of store, as its writer and as a reader, in a test's folder."""

    def __init__(self, writer: Callable[[], TrialStore], reader: Callable[[], TrialReader]) -> None:
        self.writer = writer
        self.reader = reader


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    db = tmp_path / "contract.db"
    return Backend(lambda: SQLiteStore(db), lambda: SQLiteStore(db, read_only=True))


def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    url: str = request.getfixturevalue("postgres_url")
    index = tmp_path / "index"
    return Backend(
        lambda: PostgresStore(url, index_folder=index),
        lambda: PostgresStore(url, read_only=True, index_folder=index),
    )


BACKENDS: dict[str, Callable[[pytest.FixtureRequest, Path], Backend]] = {
    "sqlite": _sqlite,
    "postgresql": _postgres,
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return BACKENDS[request.param](request, tmp_path)


@pytest.fixture
def loaded(backend: Backend) -> Iterator[TrialStore]:
    with backend.writer() as store:
        load_paths(store, [NSCLC], today=TODAY, workers=0)
        yield store


def prepared(study: dict[str, Any]) -> Any:
    raw = RawRecord("mem.json", "[0]", SourceFormat.CTGOV_API_V2_JSON, json.dumps(study).encode())
    return prepare_record(parse_record(raw), raw.data, raw.file, raw.record, TODAY)


def test_a_store_is_its_protocols(loaded: TrialStore, backend: Backend) -> None:
    assert isinstance(loaded, TrialStore) and isinstance(loaded, TrialReader)
    with backend.reader() as reader:
        assert isinstance(reader, TrialReader) and reader.read_only


def test_reading_what_was_stored(loaded: TrialStore, backend: Backend) -> None:
    with backend.reader() as reader:
        assert reader.count() == 100
        assert reader.nct_ids() == sorted(
            s["protocolSection"]["identificationModule"]["nctId"] for s in STUDIES
        )
        assert reader.has(FIRST) and not reader.has("NCT00000000")
        assert reader.integrity_problems() == []
        stored = reader.get(FIRST)
        assert stored.trial.nct_id == FIRST and stored.source_file.endswith("ctg-studies.json")
        fmt, raw = reader.raw_record(FIRST)
        assert fmt is SourceFormat.CTGOV_API_V2_JSON and json.loads(raw) == STUDIES[0]
        with pytest.raises(TrialNotFoundError):
            reader.get("NCT00000000")
        with pytest.raises(TrialNotFoundError):
            reader.raw_record("NCT00000000")


def test_batch_reads_give_what_single_reads_give(loaded: TrialStore, backend: Backend) -> None:
    with backend.reader() as reader:
        ids = reader.nct_ids()[:40]
        asked = [*reversed(ids), "NCT00000000", ids[0]]  # any order, an unknown ID, a repeat
        raws = reader.raw_records(asked)
        trials = reader.trials(asked)
        assert set(raws) == set(trials) == set(ids)  # the unknown ID is left out, not an error
        for nct_id in ids:
            assert raws[nct_id] == reader.raw_record(nct_id)
            assert trials[nct_id] == reader.trial(nct_id)
        assert reader.raw_records([]) == {} and reader.trials([]) == {}
        assert freshness_is_recent(reader)


def freshness_is_recent(reader: TrialReader) -> bool:
    """The store's freshness names its last load and the registry dates of its records."""
    fresh = reader.freshness()
    newest = max(t.last_update or "" for t in reader.trials(reader.nct_ids()).values())
    return bool(fresh.last_loaded_at) and fresh.newest_update == newest and bool(fresh.registry_version)


def test_cards_and_sites_describe_the_trials(loaded: TrialStore, backend: Backend) -> None:
    with backend.reader() as reader:
        trial = reader.trial(FIRST)
        card = reader.cards([FIRST, "NCT00000000"])
        assert set(card) == {FIRST}
        assert card[FIRST].brief_title == trial.brief_title
        assert card[FIRST].conditions == trial.conditions
        sites = list(reader.site_rows([FIRST]))
        assert [s.city for s in sites] == [s.city for s in trial.locations]
        several = next(n for n in reader.nct_ids() if len(reader.trial(n).locations) >= 2)
        theirs = list(reader.site_rows([several]))
        asked = [(several, 1), (FIRST, 0), (several, 0), (FIRST, 10_000), ("NCT00000000", 0)]
        assert reader.sites_at(asked) == {
            (FIRST, 0): sites[0],
            (several, 0): theirs[0],
            (several, 1): theirs[1],
        }
        assert reader.sites_at([]) == {}
        everyone = list(reader.site_rows(None))
        assert len(everyone) == sum(len(reader.trial(n).locations) for n in reader.nct_ids())


def test_an_organisations_trials_are_those_it_leads_or_collaborates_on(
    loaded: TrialStore, backend: Backend
) -> None:
    with backend.reader() as reader:
        trials = reader.trials(reader.nct_ids())
        lead = trials[FIRST].lead_sponsor
        assert lead is not None
        name = lead.name.casefold()

        def leads(t: Trial) -> bool:
            return t.lead_sponsor is not None and t.lead_sponsor.name.casefold() == name

        expected = {
            n: "lead" if leads(t) else "collaborator"
            for n, t in trials.items()
            if leads(t) or any(c.name.casefold() == name for c in t.collaborators)
        }
        rows = reader.organization_trials(lead.name.upper())  # case aside
        assert {r.nct_id: r.role for r in rows} == expected
        row = next(r for r in rows if r.nct_id == FIRST)
        first = trials[FIRST]
        assert row.overall_status == (first.overall_status.value if first.overall_status else None)
        assert row.enrollment == (first.enrollment.count if first.enrollment else None)
        collaborated = next(c.name for t in trials.values() for c in t.collaborators)
        assert any(r.role == "collaborator" for r in reader.organization_trials(collaborated))
        assert reader.organization_trials("No Such Organisation Ltd") == []


def test_earlier_completed_trials_of_an_intervention(loaded: TrialStore, backend: Backend) -> None:
    with backend.reader() as reader:
        trials = reader.trials(reader.nct_ids())
        completed = [
            t
            for t in trials.values()
            if t.overall_status is not None
            and t.overall_status.value == "COMPLETED"
            and t.completion_date
            and t.interventions
        ]
        assert completed
        target = completed[0]
        assert target.completion_date is not None
        name = target.interventions[0].name
        after = "9999-12-31"
        found = reader.intervention_trials([name.lower()], completed_before=after, limit=50)
        assert target.nct_id in {f.nct_id for f in found}
        assert all(f.overall_status == "COMPLETED" for f in found)
        dates = [f.completion_date or "" for f in found]
        assert dates == sorted(dates, reverse=True)
        for f in found:
            assert any(i.name.casefold() == name.casefold() for i in trials[f.nct_id].interventions)
        before = reader.intervention_trials([name], completed_before=target.completion_date.date)
        assert target.nct_id not in {f.nct_id for f in before}
        assert reader.intervention_trials([], completed_before=after) == []


def test_changes_are_ordered_and_an_index_reads_only_what_changed(
    loaded: TrialStore, backend: Backend
) -> None:
    before = loaded.last_change_seq()
    assert before > 0
    changed = copy.deepcopy(STUDIES[1])
    changed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2026-11-01"
    nct = changed["protocolSection"]["identificationModule"]["nctId"]
    assert loaded.store_batch([prepared(changed)]) == [Outcome.UPDATED]
    with backend.reader() as reader:
        after = reader.last_change_seq()
        assert after > before
        assert [r.nct_id for r in reader.index_rows(before, after)] == [nct]
        assert {r.nct_id for r in reader.index_rows(0, after)} == set(reader.nct_ids())
        assert [t.nct_id for _, t in reader.iter_trials(before)] == [nct]


def test_outcomes_of_a_batch(loaded: TrialStore) -> None:
    same = prepared(STUDIES[2])
    older = copy.deepcopy(STUDIES[2])
    older["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2001-01-01"
    older["protocolSection"]["identificationModule"]["briefTitle"] = "An older title"
    assert loaded.store_batch([same, prepared(older)]) == [Outcome.UNCHANGED, Outcome.SUPERSEDED]


def test_state_and_identity(backend: Backend) -> None:
    with backend.writer() as store:
        identity = store.identity()
        assert len(identity) == 32
        store.set_state("sync.checkpoint a", "2026-01-01")
        store.set_state("sync.checkpoint b", "2026-02-01")
        store.set_state("other", "x")
    with backend.reader() as reader:
        assert reader.identity() == identity
        assert reader.get_state("other") == "x" and reader.get_state("missing") is None
        assert reader.state_items("sync.checkpoint ") == {
            "sync.checkpoint a": "2026-01-01",
            "sync.checkpoint b": "2026-02-01",
        }


def test_criteria_are_stored_current_and_go_stale_with_their_trial(
    loaded: TrialStore, backend: Backend
) -> None:
    assert loaded.criteria_state(PARSER_VERSION).due == 100
    assert loaded.stored_criteria(FIRST, PARSER_VERSION) is None
    update_parsed_criteria(loaded, workers=0)
    with backend.reader() as reader:
        state = reader.criteria_state(PARSER_VERSION)
        assert (state.parsed, state.due) == (100, 0)
        assert reader.stored_criteria(FIRST, PARSER_VERSION) == parse_eligibility(reader.trial(FIRST))
        assert reader.stored_criteria(FIRST, PARSER_VERSION + 1) is None  # a newer parser: stale
    changed = copy.deepcopy(STUDIES[0])
    changed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2026-11-01"
    loaded.store_batch([prepared(changed)])
    assert loaded.stored_criteria(FIRST, PARSER_VERSION) is None
    due = [
        t.nct_id for batch in loaded.due_criteria(PARSER_VERSION, rebuild=False, batch_size=10) for t in batch
    ]
    assert due == [FIRST]
    trial = loaded.trial(FIRST)
    seq = next(
        t.change_seq
        for batch in loaded.due_criteria(PARSER_VERSION, rebuild=False, batch_size=10)
        for t in batch
    )
    assert loaded.save_criteria([ParsedTrial(FIRST, seq, parse_eligibility(trial))])[0] > 0
    assert loaded.stored_criteria(FIRST, PARSER_VERSION) is not None


def test_a_reader_cannot_write(loaded: TrialStore, backend: Backend) -> None:
    with backend.reader() as reader:
        assert isinstance(reader, TrialStore)  # the same class; its writes are refused
        with pytest.raises(StoreError, match="reading only"):
            reader.store_batch([prepared(STUDIES[0])])
        with pytest.raises(StoreError, match="reading only"):
            reader.set_state("k", "v")
        with pytest.raises(StoreError, match="reading only"):
            reader.refresh_recruitment_checks(dt.date(2030, 1, 1))


def test_a_reader_needs_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="Load records first"):
        SQLiteStore(tmp_path / "nothing.db", read_only=True)


def test_threads_read_beside_the_writer(loaded: TrialStore, backend: Backend) -> None:
    """Each thread reads with its own connection while the writer stores batches."""
    errors: list[BaseException] = []
    counts: list[int] = []
    with backend.reader() as reader:

        def read() -> None:
            try:
                for _ in range(20):
                    counts.append(reader.count())
                    reader.get(FIRST)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for n, study in enumerate(STUDIES[:20]):
            changed = copy.deepcopy(study)
            changed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = (
                f"2026-11-{n + 1:02d}"
            )
            loaded.store_batch([prepared(changed)])
        for thread in threads:
            thread.join()
    assert not errors
    assert counts and set(counts) == {100}
