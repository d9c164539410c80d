"""The index follows the store: new and changed trials appear after load, and one command rebuilds it."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import NSCLC, TODAY
from trialscout.search.engine import TrialSearch
from trialscout.search.index import SearchIndex, published
from trialscout.search.results import SearchRequest
from trialscout.services.ingest import load_files
from trialscout.store.load import load_paths
from trialscout.store.sqlite import SQLiteStore

STUDIES: list[dict[str, Any]] = json.loads(NSCLC.read_text())


def ids(store: SQLiteStore, **options: Any) -> set[str]:
    results = TrialSearch(store).search(SearchRequest(per_page=1000, **options))
    return {h.nct_id for h in results.hits}


def test_new_and_changed_trials_are_found_after_the_next_load(store: SQLiteStore, tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    first.write_text(json.dumps(STUDIES[:50]))
    load_paths(store, [first], today=TODAY, workers=0)
    built = SearchIndex.update(store)
    assert built.rebuilt and built.total == 50

    changed = copy.deepcopy(STUDIES[0])
    nct = changed["protocolSection"]["identificationModule"]["nctId"]
    changed["protocolSection"]["identificationModule"]["briefTitle"] = "Zebrafish-inspired xylophone therapy"
    changed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2026-11-01"
    second = tmp_path / "second.json"
    second.write_text(json.dumps([changed, *STUDIES[50:60]]))
    load_paths(store, [second], today=TODAY, workers=0)

    update = SearchIndex.update(store)
    assert (update.rebuilt, update.indexed, update.total) == (False, 11, 60)
    assert ids(store, query="xylophone") == {nct}
    new = STUDIES[55]["protocolSection"]["identificationModule"]["nctId"]
    assert new in ids(store, query=new)
    assert SearchIndex.update(store).indexed == 0  # nothing new since


def test_sites_follow_a_changed_trial(store: SQLiteStore, tmp_path: Path) -> None:
    study = next(s for s in STUDIES if s["protocolSection"]["identificationModule"]["nctId"] == "NCT06576635")
    path = tmp_path / "one.json"
    path.write_text(json.dumps([study]))
    load_files(store, [path], today=TODAY, workers=0)
    assert "NCT06576635" in ids(store, near="Chicago", radius="10mi")
    moved = copy.deepcopy(study)
    for site in moved["protocolSection"]["contactsLocationsModule"]["locations"]:
        site.update(
            city="Lyon", state=None, zip="69008", country="France", geoPoint={"lat": 45.75, "lon": 4.85}
        )
    moved["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2026-11-01"
    path.write_text(json.dumps([moved]))
    load_files(store, [path], today=TODAY, workers=0)
    assert ids(store, near="Chicago", radius="10mi") == set()
    assert ids(store, near="Lyon, France", radius="10mi") == {"NCT06576635"}


def test_a_lost_or_foreign_index_is_rebuilt(store: SQLiteStore, tmp_path: Path) -> None:
    load_paths(store, [NSCLC], today=TODAY, workers=0)
    SearchIndex.update(store)
    before = ids(store, query="pembrolizumab")
    assert before
    # An index folder copied from another store is not trusted.
    other = tmp_path / "other.db"
    with SQLiteStore(other) as other_store:
        shutil.copytree(store.index_folder, other_store.index_folder)
        assert SearchIndex.update(other_store).rebuilt
    current = published(store.index_folder)
    assert current is not None
    shutil.rmtree(current / "text")
    assert SearchIndex.update(store).rebuilt
    assert ids(store, query="pembrolizumab") == before


def test_rebuild_gives_the_same_answers(store: SQLiteStore) -> None:
    load_paths(store, [NSCLC], today=TODAY, workers=0)
    SearchIndex.update(store)
    before = ids(store, query="EGFR", near="Paris")
    assert SearchIndex.update(store, rebuild=True).rebuilt
    assert ids(store, query="EGFR", near="Paris") == before


def test_the_writer_saves_the_place_names_beside_the_index(store: SQLiteStore) -> None:
    from trialscout.geo.gazetteer import Gazetteer

    load_paths(store, [NSCLC], today=TODAY, workers=0)
    SearchIndex.update(store)
    saved = Gazetteer.load(store.index_folder / "places")
    assert saved is not None and saved.find("chicago")


def test_a_search_says_when_the_index_is_behind_the_store(store: SQLiteStore, tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    first.write_text(json.dumps(STUDIES[:10]))
    load_paths(store, [first], today=TODAY, workers=0)
    SearchIndex.update(store)
    assert not TrialSearch(store).search(SearchRequest()).notes
    second = tmp_path / "second.json"
    second.write_text(json.dumps(STUDIES[10:20]))
    load_paths(store, [second], today=TODAY, workers=0)
    notes = TrialSearch(store).search(SearchRequest()).notes
    assert any("latest changes" in note and "trialscout index" in note for note in notes)
