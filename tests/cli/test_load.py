"""`trialscout load`: a summary a person can read, and a rejects report with file, record, reason."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import AACT, NSCLC
from trialscout.cli import cli


def test_load_prints_a_summary_and_writes_the_rejects_report(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "load", str(NSCLC), str(AACT / "json_classic_api")])
    assert result.exit_code == 0, result.output
    assert "the store now holds 100 trials" in result.output
    lines = {
        line.split()[0]: line.split()[1]
        for line in result.output.splitlines()
        if line.strip() and line.split()[0] in {"new", "updated", "unchanged", "rejected"}
    }
    assert lines == {"new": "100", "updated": "0", "unchanged": "0", "rejected": "6"}
    report = db.with_name("cli.db.rejects.tsv")
    rows = list(csv.DictReader(report.open(), delimiter="\t"))
    assert len(rows) == 6
    assert {Path(r["file"]).name for r in rows} == {p.name for p in (AACT / "json_classic_api").iterdir()}
    assert all(r["reason"].startswith("retired classic") for r in rows)


def test_load_again_reports_everything_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "again.db"
    CliRunner().invoke(cli, ["--db", str(db), "load", "--quiet", str(NSCLC)])
    result = CliRunner().invoke(cli, ["--db", str(db), "load", "--quiet", str(NSCLC)])
    assert "unchanged" in result.output
    assert [
        line.split()[1] for line in result.output.splitlines() if line.strip().startswith("unchanged")
    ] == ["100"]


def test_the_store_path_can_come_from_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    result = CliRunner().invoke(cli, ["load", "--quiet", str(NSCLC)], env={"TRIALSCOUT_DB": str(db)})
    assert result.exit_code == 0
    assert db.exists()


def test_help_has_an_example() -> None:
    for command in ("load", "show", "sync"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert "Examples:" in result.output
        assert f"trialscout {command}" in result.output
