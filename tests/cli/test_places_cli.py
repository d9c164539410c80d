"""`trialscout places`: what the place box offers, in a terminal and as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from trialscout.cli import cli
from trialscout.store.load import LoadReport


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), "places", *args], catch_exceptions=False)


def test_places_lists_palo_alto_first(full_load: tuple[Path, LoadReport]) -> None:
    result = run(full_load[0], "Palo A")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Palo Alto, California, United States  city  37.44")


def test_places_json_and_limit(full_load: tuple[Path, LoadReport]) -> None:
    result = run(full_load[0], "9430", "--limit", "3", "--json")
    assert result.exit_code == 0, result.output
    places = json.loads(result.output)
    assert [p["value"] for p in places] == ["94301", "94302", "94303"]
    assert places[0]["label"] == "Palo Alto, CA 94301" and places[0]["kind"] == "zip"


def test_places_says_so_when_nothing_fits(full_load: tuple[Path, LoadReport]) -> None:
    result = run(full_load[0], "xqzzyqx")
    assert result.exit_code == 1
    assert "No place begins with 'xqzzyqx'" in result.output


def test_places_refuses_a_limit_out_of_range(full_load: tuple[Path, LoadReport]) -> None:
    result = run(full_load[0], "Paris", "--limit", "0")
    assert result.exit_code == 2 and "--limit" in result.output


def test_places_needs_a_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "places", "Paris"])
    assert result.exit_code == 1 and "Error:" in result.output
