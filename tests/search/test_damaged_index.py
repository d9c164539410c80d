"""A damaged search index never crashes a reader: it says so and how to rebuild; and the
writer (`trialscout index`) finds the damage and rebuilds rather than calling it up to date."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import NSCLC, TODAY
from trialscout.cli import cli
from trialscout.geo.gazetteer import Gazetteer
from trialscout.search.index import published
from trialscout.services.ingest import load_files
from trialscout.store.sqlite import SQLiteStore


def _index(db: Path) -> Path:
    return db.with_name(db.name + ".index")


def _version(db: Path) -> Path:
    """The published version of the index."""
    found = published(_index(db))
    assert found is not None
    return found


def _sites(db: Path) -> Path:
    meta = json.loads((_version(db) / "meta.json").read_text())
    return _version(db) / meta["sites_folder"]


def _segment_files(db: Path, suffix: str) -> list[Path]:
    return sorted((_version(db) / "text").glob(f"*{suffix}"))


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


DAMAGE: dict[str, Callable[[Path], None]] = {
    "tantivy meta garbage": lambda db: (_version(db) / "text" / "meta.json").write_text("{not json"),
    "tantivy meta missing": lambda db: (_version(db) / "text" / "meta.json").unlink(),
    "a segment file missing": lambda db: _segment_files(db, ".idx")[0].unlink(),
    "a segment file truncated": lambda db: _truncate(_segment_files(db, ".store")[0]),
    "a site column truncated": lambda db: _truncate(_sites(db) / "sites_lat.npy"),
    "a site column missing": lambda db: (_sites(db) / "sites_trial.npy").unlink(),
    "site places garbage": lambda db: (_sites(db) / "sites_places.json").write_text("[[["),
    "index meta garbage": lambda db: (_version(db) / "meta.json").write_text("nonsense"),
    "index meta counts wrong": lambda db: (_version(db) / "meta.json").write_text(
        json.dumps({**json.loads((_version(db) / "meta.json").read_text()), "total": 7})
    ),
    "the version pointer garbage": lambda db: (_index(db) / "current").write_text("../../etc"),
    "the published version missing": lambda db: shutil.rmtree(_version(db)),
    "the index is a file": lambda db: (shutil.rmtree(_index(db)), _index(db).write_text("x")),
    "place names garbage": lambda db: (_index(db) / "places" / "tables.json").write_text("{"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    db = tmp_path_factory.mktemp("sound") / "registry.db"
    with SQLiteStore(db) as store:
        load_files(store, [NSCLC], today=TODAY, workers=0)
    return db, search_ids(db)


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        f"{args}: {result.exception!r}"
    )
    return result.exit_code, result.output


def search_ids(db: Path) -> list[str]:
    code, out = run(db, "search", "EGFR", "--near", "Chicago", "--json", "--per-page", "50")
    assert code == 0, out
    return [hit["nct_id"] for hit in json.loads(out)["hits"]]


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_damaged_index_is_reported_then_rebuilt(
    built: tuple[Path, list[str]], tmp_path: Path, kind: str
) -> None:
    sound, expected = built
    db = tmp_path / sound.name
    shutil.copy(sound, db)
    shutil.copytree(_index(sound), _index(db))
    DAMAGE[kind](db)
    note = tmp_path / "note.txt"
    note.write_text("A 64-year-old woman with EGFR-mutant non-small cell lung cancer, ECOG 1.")
    for args in (
        ["search", "EGFR", "--near", "Chicago"],
        ["related", "NCT06576635"],
        ["match", str(note)],
        ["show", "NCT06576635"],
    ):
        code, out = run(db, *args)  # a clear answer or a clear error, never a traceback
        assert code == 0 or ("Error:" in out and "trialscout index" in out), (kind, args, out)
    code, out = run(db, "index")
    if kind == "place names garbage":  # the text index is sound: the place names are saved again
        assert code == 0 and Gazetteer.load(_index(db) / "places") is not None
    else:
        assert code == 0 and "Rebuilt the search index" in out, (kind, out)
    assert search_ids(db) == expected
