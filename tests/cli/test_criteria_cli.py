"""`trialscout criteria`: type, rule, plain sentence and original words, side by side."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import NSCLC
from trialscout.cli import cli
from trialscout.store.load import LoadReport


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    return result.exit_code, result.output


def test_criteria_shows_each_criterion_side_by_side(full_load: tuple[Path, LoadReport]) -> None:
    code, out = run(full_load[0], "criteria", "NCT06576635")
    assert code == 0, out
    assert "Inclusion criteria" in out and "Exclusion criteria" in out
    assert out.count("plain:") == out.count("original:") >= 20
    assert "original: ECOG performance status score of ≤2" in out


def test_criteria_json_keeps_exact_spans(full_load: tuple[Path, LoadReport]) -> None:
    code, out = run(full_load[0], "criteria", "NCT06576635", "--json")
    assert code == 0
    data = json.loads(out)
    code, shown = run(full_load[0], "show", "NCT06576635", "--json")
    criteria_text = json.loads(shown)["eligibility"]["criteria"]
    for criterion in data["criteria"]:
        span = criterion["span"]
        assert criteria_text[span["start"] : span["end"]] == criterion["text"]
        assert criterion["plain"]


def test_criteria_needs_ids_or_rebuild(full_load: tuple[Path, LoadReport]) -> None:
    code, out = run(full_load[0], "criteria")
    assert code == 2 and "NCT IDs" in out


def test_load_parses_criteria(tmp_path: Path) -> None:
    code, out = run(tmp_path / "c.db", "load", "--quiet", str(NSCLC))
    assert code == 0
    assert "Parsed the eligibility criteria of 100 trials" in out
