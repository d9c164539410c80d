"""`trialscout search`, `related` and `index` as a person uses them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from trialscout.cli import cli
from trialscout.store.load import LoadReport


def run(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--db", str(db), *args])
    return result.exit_code, result.output


def test_search_prints_trials_with_their_nearest_site(full_load: tuple[Path, LoadReport]) -> None:
    code, out = run(
        full_load[0],
        "search",
        "non-small",
        "cell",
        "lung",
        "cancer",
        "--near",
        "Chicago",
        "--status",
        "recruiting",
    )
    assert code == 0, out
    assert "near Chicago, Illinois" in out and "by distance" in out
    assert "NCT06576635" in out and "Recruiting in Chicago (" in out


def test_search_json_is_for_scripts(full_load: tuple[Path, LoadReport]) -> None:
    code, out = run(full_load[0], "search", "asthma", "--age", "10", "--facets", "--json", "--per-page", "3")
    assert code == 0
    data = json.loads(out)
    assert data["total"] > 3 and len(data["hits"]) == 3
    assert {"status", "phase", "study_type", "country"} <= set(data["facets"])


def test_an_unknown_place_is_one_clear_line(full_load: tuple[Path, LoadReport]) -> None:
    code, out = run(full_load[0], "search", "asthma", "--near", "Palo Altp")
    assert code == 1
    assert out.startswith("Error: ") and "Did you mean" in out and "Palo Alto" in out


def test_a_bad_filter_is_one_clear_line(full_load: tuple[Path, LoadReport]) -> None:
    code, out = run(full_load[0], "search", "--phase", "7")
    assert code == 1 and "is not a phase" in out


def test_related_lists_similar_trials(full_load: tuple[Path, LoadReport]) -> None:
    code, out = run(full_load[0], "related", "NCT06576635", "--limit", "3")
    assert code == 0 and out.startswith("Trials related to NCT06576635")
    assert out.count("  1. ") + out.count("  2. ") + out.count("  3. ") == 3


def test_index_command_reports(full_load: tuple[Path, LoadReport]) -> None:
    code, out = run(full_load[0], "index")
    assert code == 0 and ("up to date" in out or "Updated" in out)


def test_search_and_related_have_examples_in_help() -> None:
    for command in ("search", "related", "index"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert "Examples:" in result.output and f"trialscout {command}" in result.output
