"""`trialscout load`: a summary a person can read, and a rejects report with file, record, reason."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import AACT, NSCLC, sql
from trialscout.cli import cli
from trialscout.eligibility.model import PARSER_VERSION
from trialscout.store.sqlite import SQLiteStore


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


def test_rejects_that_cannot_be_written_are_one_clear_error_and_the_load_is_kept(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for target in (tmp_path / "missing" / "rejects.tsv", blocker / "rejects.tsv"):
        db = tmp_path / f"{target.parent.name}.db"
        result = CliRunner().invoke(
            cli,
            [
                "--db",
                str(db),
                "load",
                "--quiet",
                "--rejects",
                str(target),
                str(NSCLC),
                str(AACT / "json_classic_api"),
            ],
        )
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output
        error = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert len(error) == 1
        assert f"could not be written to {target}" in error[0]
        assert "the records read are stored" in error[0]
        assert "the store now holds 100 trials" in result.output
        assert sql(db, "SELECT count(*) FROM trials") == [(100,)]


def test_a_store_folder_that_cannot_be_written_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(cli, ["--db", str(blocker / "registry.db"), "load", "--quiet", str(NSCLC)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.startswith("Error:")
    assert str(blocker / "registry.db") in result.output


def read_only_cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run trialscout with ``folder`` mounted read-only (a private mount namespace, so even root
    cannot write there)."""
    assert shutil.which("unshare"), "the read-only tests need unshare (util-linux)"
    mount = f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} {folder}"
    command = [
        "unshare",
        "-m",
        "sh",
        "-c",
        f'{mount} && exec "$@"',
        "sh",
        sys.executable,
        "-m",
        "trialscout",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def test_a_read_only_store_folder_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    done = read_only_cli(folder, "--db", str(folder / "registry.db"), "load", "--quiet", str(NSCLC))
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("Error:") and "Traceback" not in done.stderr
    assert list(folder.iterdir()) == []


def test_rejects_into_a_read_only_folder_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    db = tmp_path / "ro.db"
    done = read_only_cli(
        folder,
        "--db",
        str(db),
        "load",
        "--quiet",
        "--rejects",
        str(folder / "r.tsv"),
        str(AACT / "json_classic_api"),
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "rejects report" in done.stderr
    assert list(folder.iterdir()) == []


def test_load_with_no_criteria_leaves_the_parse_for_the_next_load_and_still_reads_criteria(
    tmp_path: Path,
) -> None:
    db = tmp_path / "deferred.db"
    first = CliRunner().invoke(cli, ["--db", str(db), "load", "--quiet", "--no-criteria", str(NSCLC)])
    assert first.exit_code == 0, first.output
    assert "criteria of 100 trials are not parsed yet" in " ".join(first.output.split())
    assert "Parsed the eligibility criteria" not in first.output
    with SQLiteStore(db, read_only=True) as store:
        assert store.criteria_state(PARSER_VERSION).due == 100
        nct_id = store.nct_ids()[0]
    on_the_fly = CliRunner().invoke(cli, ["--db", str(db), "criteria", "--json", nct_id])
    assert on_the_fly.exit_code == 0, on_the_fly.output
    again = CliRunner().invoke(cli, ["--db", str(db), "load", "--quiet", str(NSCLC)])
    assert "Parsed the eligibility criteria of 100 trials" in " ".join(again.output.split())
    with SQLiteStore(db, read_only=True) as store:
        assert store.criteria_state(PARSER_VERSION).due == 0
    stored = CliRunner().invoke(cli, ["--db", str(db), "criteria", "--json", nct_id])
    assert json.loads(stored.output) == json.loads(on_the_fly.output)
    assert json.loads(stored.output)["criteria"], "the trial has criteria to read"
