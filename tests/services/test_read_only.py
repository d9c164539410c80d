"""Reads never write: the store and its index serve searches, shows, criteria and checks from
files that cannot be written (a read-only mount where the machine allows one), and leave every
file as it was."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import NSCLC, TODAY
from trialscout.services.ingest import load_files
from trialscout.store.sqlite import SQLiteStore

#: What a reader does: a search near a place, a page, a trial's criteria, a patient check.
READER = textwrap.dedent(
    """
    import json, sys
    from trialscout.model.patient import PatientProfile
    from trialscout.search.results import SearchRequest
    from trialscout.services.match import check_patient
    from trialscout.services.registry import open_registry
    from trialscout.services.search import search_trials
    from trialscout.services.trials import trial_criteria, trial_page

    with open_registry(sys.argv[1]) as registry:
        found = search_trials(registry, SearchRequest(query="lung cancer", near="Chicago", per_page=5))
        first = found.hits[0].nct_id
        page = trial_page(registry, first)
        criteria = trial_criteria(registry, first)
        check = check_patient(registry, PatientProfile(age=60), first)
        print(json.dumps({
            "total": found.total,
            "hits": [h.nct_id for h in found.hits],
            "location": found.hits[0].location,
            "title": page.stored.trial.title,
            "related": [h.nct_id for h in page.related],
            "criteria": len(criteria.parsed.criteria),
            "verdicts": [v.verdict.value for v in check.criteria],
        }))
    """
)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under the folder (links included) and a hash of its bytes."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            out[str(path.relative_to(folder))] = hashlib.blake2b(path.read_bytes()).hexdigest()
    return out


def read_only_mount_works() -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind / / && mount -o remount,ro,bind / /"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def run_reader(db: Path, *, read_only_mount: bool) -> dict[str, object]:
    script = db.parent / "reader.py"
    command = [sys.executable, str(script), str(db)]
    if read_only_mount:
        folder = str(db.parent)
        mount = f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} {folder}"
        command = ["unshare", "-m", "sh", "-c", f'{mount} && exec "$@"', "sh", *command]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("writer") / "registry.db"
    with SQLiteStore(db) as store:
        load_files(store, [NSCLC], today=TODAY, workers=0)
    return db


def test_a_read_only_copy_serves_every_read(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(built, copy / built.name)
    shutil.copytree(built.with_name(built.name + ".index"), copy / (built.name + ".index"))
    (copy / "reader.py").write_text(READER)
    (built.parent / "reader.py").write_text(READER)
    expected = run_reader(built, read_only_mount=False)
    before = snapshot(copy)
    for path in copy.rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    copy.chmod(0o555)
    try:
        mounted = read_only_mount_works()
        served = run_reader(copy / built.name, read_only_mount=mounted)
    finally:
        for path in [copy, *copy.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert served == expected
    assert expected["hits"] and expected["criteria"] and expected["related"]
    assert snapshot(copy) == before  # not one byte written, not one file added


def test_opening_for_reading_runs_no_migration(built: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    shutil.copy(built, old)
    import sqlite3

    with sqlite3.connect(old) as conn:
        conn.execute(
            "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)"
        )
    before = old.read_bytes()
    from trialscout.errors import StoreError

    with pytest.raises(StoreError, match=r"older trialscout.*migrate"):
        SQLiteStore(old, read_only=True)
    assert old.read_bytes() == before
