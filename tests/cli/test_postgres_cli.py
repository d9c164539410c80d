"""The commands on a PostgreSQL store: `--db postgresql://...` (or $TRIALSCOUT_DB) loads, shows,
searches and explains criteria as on a SQLite file."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import AACT, NSCLC
from trialscout.cli import cli
from trialscout.search.index import index_state
from trialscout.store.postgres import PostgresStore

TRIAL = "NCT06576635"  # in NSCLC: "LUNG-05: Investigating Chemotherapy Effectiveness for ..."


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_load_show_search_and_criteria_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    store = ["--db", postgres_url, "--index", str(tmp_path / "index")]
    code, out = run(*store, "load", "--quiet", str(NSCLC))
    assert code == 0, out
    assert f"into {postgres_url}" in out and "the store now holds 100 trials" in out
    assert "Parsed the eligibility criteria of 100 trials" in out

    code, out = run(*store, "show", TRIAL, "--json")
    assert code == 0, out
    shown = json.loads(out)
    assert shown["nct_id"] == TRIAL and shown["brief_title"].startswith("LUNG-05")

    code, out = run(*store, "search", "chemotherapy", "metastatic", "lung", "--json")
    assert code == 0, out
    assert TRIAL in {hit["nct_id"] for hit in json.loads(out)["hits"]}

    code, out = run(*store, "criteria", TRIAL)
    assert code == 0, out
    assert "Inclusion criteria" in out and "original: ECOG performance status score of ≤2" in out

    code, out = run(*store, "load", "--quiet", str(NSCLC))  # again: nothing changes
    assert code == 0 and "the store now holds 100 trials" in out


def test_the_store_url_may_come_from_the_environment(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIALSCOUT_DB", postgres_url)
    monkeypatch.setenv("TRIALSCOUT_INDEX", str(tmp_path / "index"))
    code, out = run("show", TRIAL)
    assert code == 1 and "holds no trialscout store yet. Load records first" in out
    code, out = run("load", "--quiet", "--no-criteria", str(NSCLC))
    assert code == 0, out
    code, out = run("show", TRIAL)
    assert code == 0 and "LUNG-05" in out
    code, out = run("migrate")
    assert code == 0 and "is up to date" in out


def test_rejects_report_goes_beside_the_index_not_into_the_current_folder(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # where an operator happens to run the command
    index = tmp_path / "index"
    code, out = run(
        "--db",
        postgres_url,
        "--index",
        str(index),
        "load",
        "--quiet",
        "--no-criteria",
        str(AACT / "json_classic_api"),
    )
    assert code == 0, out
    report = tmp_path / "index.rejects.tsv"
    rows = list(csv.DictReader(report.open(), delimiter="\t"))
    assert len(rows) == 6 and all(r["reason"].startswith("retired classic") for r in rows)
    assert str(report) in out.replace("\n", "")
    assert list(elsewhere.iterdir()) == []


def test_a_serving_machine_keeps_its_own_index_while_the_writer_holds_the_store(
    postgres_url: str, tmp_path: Path
) -> None:
    """Several machines, one store: `index` on a machine that is not the writer builds that
    machine's index (its own folder) from the store while a load or sync holds the writer lock;
    two updates of one folder at once both succeed and leave one current index."""
    writer_side = ["--db", postgres_url, "--index", str(tmp_path / "writer-index")]
    code, out = run(*writer_side, "load", "--quiet", "--no-criteria", str(NSCLC))
    assert code == 0, out
    other_machine = ["--db", postgres_url, "--index", str(tmp_path / "other-machine")]
    with PostgresStore(postgres_url, index_folder=tmp_path / "writer-index"):  # a sync, running
        code, out = run(*other_machine, "search", "chemotherapy")
        assert code == 1 and "trialscout index" in out  # no index here yet, and it says how
        updates = [
            subprocess.Popen(
                [sys.executable, "-m", "trialscout", *other_machine, "index"],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        results = [(update.wait(timeout=300), update.communicate()[0]) for update in updates]
    assert [code for code, _ in results] == [0, 0], results
    code, out = run(*other_machine, "search", "chemotherapy", "metastatic", "lung", "--json")
    assert code == 0, out
    assert TRIAL in {hit["nct_id"] for hit in json.loads(out)["hits"]}
    with PostgresStore(postgres_url, read_only=True, index_folder=tmp_path / "other-machine") as reader:
        state = index_state(reader)
    assert state.current and state.trials == 100
