"""Many readers, one writer: the writer publishes each index state as a new version, and a
reader that stays open follows it without a restart, without a failed search, and without
seeing a half-built one."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tests.conftest import NSCLC, TODAY
from trialscout.errors import StoreError
from trialscout.search.engine import TrialSearch
from trialscout.search.index import GRACE_S, SearchIndex, prune, published
from trialscout.search.results import SearchRequest
from trialscout.store.load import load_paths
from trialscout.store.sqlite import SQLiteStore

STUDIES: list[dict[str, Any]] = json.loads(NSCLC.read_text())


def nct(study: dict[str, Any]) -> str:
    return str(study["protocolSection"]["identificationModule"]["nctId"])


def load(store: SQLiteStore, folder: Path, studies: list[dict[str, Any]]) -> None:
    path = folder / f"batch-{nct(studies[0])}.json"
    path.write_text(json.dumps(studies))
    load_paths(store, [path], today=TODAY, workers=0)


def found(search: TrialSearch, ids: list[str]) -> set[str]:
    return {hit.nct_id for hit in search.search(SearchRequest(nct_ids=tuple(ids), per_page=1000)).hits}


def versions(store: SQLiteStore) -> list[str]:
    return sorted(p.name for p in store.index_folder.iterdir() if p.name.startswith("v-"))


@pytest.fixture
def built(store: SQLiteStore, tmp_path: Path) -> SQLiteStore:
    """A store of 40 real trials and its index."""
    load(store, tmp_path, STUDIES[:40])
    SearchIndex.update(store)
    return store


@pytest.fixture
def reader(built: SQLiteStore) -> Iterator[TrialSearch]:
    """A search over the store's index opened once, read-only, as an API worker holds it."""
    with SQLiteStore(built.path, read_only=True) as read_only:
        yield TrialSearch(read_only)


class Searching(threading.Thread):
    """Searches without pause, as a busy worker does, and keeps every failure."""

    def __init__(self, search: TrialSearch) -> None:
        super().__init__(daemon=True)
        self.search = search
        self.done = threading.Event()
        self.failures: list[BaseException] = []
        self.searches = 0

    def run(self) -> None:
        requests = [
            SearchRequest(query="lung cancer", per_page=20),
            SearchRequest(query="EGFR", near="Chicago", radius="500mi"),
            SearchRequest(facets=True),
        ]
        while not self.done.is_set():
            try:
                results = self.search.search(requests[self.searches % len(requests)])
                assert results.total > 0
            except BaseException as exc:  # noqa: BLE001 - any failure is what the test looks for
                self.failures.append(exc)
            self.searches += 1


def test_a_reader_follows_each_publish_and_no_search_fails(
    built: SQLiteStore, tmp_path: Path, reader: TrialSearch
) -> None:
    store, search = built, reader
    busy = Searching(search)
    busy.start()
    try:
        for start in (40, 50, 60):
            batch = STUDIES[start : start + 10]
            assert not found(search, [nct(s) for s in batch])
            load(store, tmp_path, batch)
            update = SearchIndex.update(store)
            assert (update.rebuilt, update.indexed, update.total) == (False, 10, start + 10)
            # The same reader, never reopened, finds the new trials at once.
            assert found(search, [nct(s) for s in batch]) == {nct(s) for s in batch}
            assert search.search(SearchRequest()).total == start + 10
        assert SearchIndex.update(store, rebuild=True).rebuilt
        assert search.search(SearchRequest()).total == 70
        assert found(search, [nct(s) for s in STUDIES[:70]]) == {nct(s) for s in STUDIES[:70]}
        time.sleep(0.2)
    finally:
        busy.done.set()
        busy.join()
    assert busy.failures == []
    assert busy.searches > 10


def test_an_update_links_the_unchanged_files_of_the_version_before(
    store: SQLiteStore, tmp_path: Path
) -> None:
    load(store, tmp_path, STUDIES[:40])
    SearchIndex.update(store)
    before = published(store.index_folder)
    load(store, tmp_path, STUDIES[40:41])
    SearchIndex.update(store)
    after = published(store.index_folder)
    assert before is not None and after is not None and before != after
    segments = [p for p in (before / "text").iterdir() if p.suffix in {".idx", ".store", ".term"}]
    assert segments and all((after / "text" / p.name).stat().st_ino == p.stat().st_ino for p in segments)


def test_a_failed_update_leaves_the_published_version_serving(
    store: SQLiteStore, tmp_path: Path, reader: TrialSearch, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert reader.search(SearchRequest()).total == 40
    published_before = versions(store)
    load(store, tmp_path, STUDIES[40:50])

    from trialscout.search import sites

    def full_disk(self: object, folder: Path) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(sites.SiteTable, "save", full_disk)
        with pytest.raises(StoreError, match="the disk is full"):
            SearchIndex.update(store)
    assert versions(store) == published_before  # the half-built version went at once
    assert reader.search(SearchRequest()).total == 40
    assert TrialSearch(reader.store).search(SearchRequest()).total == 40  # a new reader too
    update = SearchIndex.update(store)
    assert (update.rebuilt, update.indexed, update.total) == (False, 10, 50)
    assert reader.search(SearchRequest()).total == 50


def test_a_writer_killed_before_publishing_changes_nothing_readers_see(
    store: SQLiteStore, tmp_path: Path, reader: TrialSearch
) -> None:
    load(store, tmp_path, STUDIES[40:50])
    # Everything of the new version written, then kill -9 just before it is published.
    script = textwrap.dedent(
        f"""
        import os, signal
        from trialscout.search import index
        from trialscout.store.sqlite import SQLiteStore
        index._publish = lambda folder, version: os.kill(os.getpid(), signal.SIGKILL)
        index.SearchIndex.update(SQLiteStore({str(store.path)!r}))
        """
    )
    store.close()  # the writer's lock passes to the process that is killed
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    assert reader.search(SearchRequest()).total == 40
    with SQLiteStore(store.path, read_only=True) as fresh:
        assert TrialSearch(fresh).search(SearchRequest()).total == 40
    with SQLiteStore(store.path) as writer:
        update = SearchIndex.update(writer)
    assert (update.rebuilt, update.indexed, update.total) == (False, 10, 50)
    assert reader.search(SearchRequest()).total == 50
    assert len(versions(store)) == 2  # the killed writer's version went


def test_old_versions_are_pruned_but_not_within_their_grace_period(
    store: SQLiteStore, tmp_path: Path
) -> None:
    load(store, tmp_path, STUDIES[:40])
    SearchIndex.update(store)
    first = SearchIndex.open(store)  # a worker in the middle of a request on the first version
    for start in (40, 45, 50):
        load(store, tmp_path, STUDIES[start : start + 5])
        SearchIndex.update(store)
    assert len(versions(store)) == 4  # all replaced moments ago
    assert first.searcher().num_docs == 40  # the first version still answers
    assert first.sites.nearest(int(nct(STUDIES[0])[3:]), None, None, _no_filter()) is not None
    removed = prune(store.index_folder, now=time.time() + GRACE_S + 1)
    assert len(removed) == 2
    current = published(store.index_folder)
    assert current is not None and versions(store)[-1] == current.name and len(versions(store)) == 2
    assert SearchIndex.open(store).searcher().num_docs == 55


def _no_filter() -> Any:
    from trialscout.search.results import SiteFilter

    return SiteFilter()


def test_a_version_that_cannot_be_opened_is_reported_once_and_the_old_one_serves(
    store: SQLiteStore, tmp_path: Path, reader: TrialSearch, caplog: pytest.LogCaptureFixture
) -> None:
    assert reader.search(SearchRequest()).total == 40
    broken = store.index_folder / "v-999999"
    shutil.copytree(store.index_folder / versions(store)[-1], broken)
    (broken / "text" / "meta.json").write_text("{not json")
    pointer = store.index_folder / "current"
    pointer.with_name("next").write_text(broken.name)
    os.replace(pointer.with_name("next"), pointer)
    with caplog.at_level(logging.WARNING, logger="trialscout"):
        assert reader.search(SearchRequest()).total == 40
        assert reader.search(SearchRequest(query="lung")).total > 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "still serving" in warnings[0].getMessage()


def test_an_index_of_the_layout_before_versions_is_read_then_converted(
    store: SQLiteStore, tmp_path: Path
) -> None:
    load(store, tmp_path, STUDIES[:40])
    SearchIndex.update(store)
    folder = store.index_folder
    version = published(folder)
    assert version is not None
    # The layout before: meta.json, text/ and a generation of site columns in the folder itself.
    meta = json.loads((version / "meta.json").read_text())
    (version / "sites").rename(folder / "sites.7")
    (version / "text").rename(folder / "text")
    (folder / "meta.json").write_text(json.dumps({**meta, "sites_folder": "sites.7"}))
    shutil.rmtree(version)
    (folder / "current").unlink()

    with SQLiteStore(store.path, read_only=True) as read_only:
        search = TrialSearch(read_only)
        assert search.search(SearchRequest(near="Chicago")).total > 0
        load(store, tmp_path, STUDIES[40:50])
        update = SearchIndex.update(store)
        assert (update.rebuilt, update.indexed, update.total) == (False, 10, 50)
        assert search.search(SearchRequest(near="Chicago", per_page=100)).total > 0
        assert found(search, [nct(s) for s in STUDIES[40:50]]) == {nct(s) for s in STUDIES[40:50]}
    assert published(folder) != folder
    SearchIndex.update(store, rebuild=True)
    prune(folder, now=time.time() + GRACE_S + 1)
    assert not (folder / "meta.json").exists() and not (folder / "text").exists()
    assert not (folder / "sites.7").exists()


def test_an_index_of_an_older_schema_names_the_command_to_run(store: SQLiteStore, tmp_path: Path) -> None:
    load(store, tmp_path, STUDIES[:10])
    SearchIndex.update(store)
    version = published(store.index_folder)
    assert version is not None
    meta = msgspec.json.decode((version / "meta.json").read_bytes())
    (version / "meta.json").write_bytes(msgspec.json.encode({**meta, "schema_version": 1}))
    with pytest.raises(StoreError, match="older layout; build it with: trialscout index"):
        TrialSearch(store)
    assert SearchIndex.update(store).rebuilt
    assert TrialSearch(store).search(SearchRequest()).total == 10
