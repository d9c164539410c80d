"""Parsed criteria are stored beside the trials, follow their changes, and rebuild on demand."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from tests.conftest import NSCLC, TODAY, sql
from trialscout.eligibility.model import PARSER_VERSION, ParsedEligibility
from trialscout.eligibility.parse import parse_eligibility
from trialscout.eligibility.split import split_criteria
from trialscout.store.criteria import update_parsed_criteria
from trialscout.store.load import load_paths
from trialscout.store.sqlite import SQLiteStore

STUDIES: list[dict[str, Any]] = json.loads(NSCLC.read_text())


def count_due(store: SQLiteStore) -> int:
    return store.criteria_state(PARSER_VERSION).due


def parsed_criteria(store: SQLiteStore, nct_id: str) -> ParsedEligibility:
    """The stored parse (and it must be current)."""
    stored = store.stored_criteria(nct_id, PARSER_VERSION)
    assert stored is not None, f"{nct_id} has no current stored parse"
    return stored


def test_every_trial_is_parsed_and_stored_whole(store: SQLiteStore) -> None:
    load_paths(store, [NSCLC], today=TODAY, workers=0)
    assert count_due(store) == 100
    report = update_parsed_criteria(store, workers=0)
    assert report.parsed == 100 and count_due(store) == 0
    expected = sum(
        len(split_criteria(t.eligibility.criteria))
        for t in (store.trial(n) for n in store.nct_ids())
        if t.eligibility and t.eligibility.criteria
    )
    assert report.criteria == expected
    assert sql(store.path, "SELECT sum(criteria) FROM parsed_eligibility")[0][0] == expected
    # Stored once, compact: one blob per trial, and no per-criterion table repeating the words.
    assert sql(store.path, "SELECT count(*) FROM parsed_eligibility WHERE criteria_blob IS NULL")[0][0] == 0
    assert not sql(store.path, "SELECT name FROM sqlite_master WHERE name = 'criteria'")
    for nct in store.nct_ids()[:20]:
        assert parsed_criteria(store, nct) == parse_eligibility(store.trial(nct))


def test_a_changed_trial_is_parsed_again(store: SQLiteStore, tmp_path: Path) -> None:
    load_paths(store, [NSCLC], today=TODAY, workers=0)
    update_parsed_criteria(store, workers=0)
    changed = copy.deepcopy(STUDIES[3])
    nct = changed["protocolSection"]["identificationModule"]["nctId"]
    changed["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = (
        "Inclusion Criteria:\n\n* Age ≥ 21 years\n\nExclusion Criteria:\n\n* Pregnant or breast-feeding"
    )
    changed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2026-11-01"
    path = tmp_path / "changed.json"
    path.write_text(json.dumps([changed]))
    load_paths(store, [path], today=TODAY, workers=0)
    assert count_due(store) == 1
    update_parsed_criteria(store, workers=0)
    stored = parsed_criteria(store, nct)
    assert [c.text for c in stored.criteria] == ["Age ≥ 21 years", "Pregnant or breast-feeding"]
    assert [c.kind.value for c in stored.criteria] == ["inclusion", "exclusion"]


def test_rebuild_parses_everything_and_workers_agree(store: SQLiteStore) -> None:
    load_paths(store, [NSCLC], today=TODAY, workers=0)
    update_parsed_criteria(store, workers=0)
    inline = {n: parsed_criteria(store, n) for n in store.nct_ids()}
    report = update_parsed_criteria(store, rebuild=True, workers=2)
    assert report.parsed == 100
    assert {n: parsed_criteria(store, n) for n in store.nct_ids()} == inline
