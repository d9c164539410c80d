"""A store file damaged on disk gives one clear line from every command, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import NSCLC, TODAY
from trialscout.cli import cli
from trialscout.store.load import load_paths
from trialscout.store.sqlite import SQLiteStore


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    db = tmp_path / "damaged.db"
    with SQLiteStore(db) as store:
        load_paths(store, [NSCLC], today=TODAY, workers=0)
    data = bytearray(db.read_bytes())
    page = 4096
    for start in range(page * 3, len(data) - page, page * 7):  # scramble every 7th page past the schema
        data[start + 8 : start + page] = bytes(reversed(data[start + 8 : start + page]))
    db.write_bytes(bytes(data))
    return db


@pytest.mark.parametrize(
    "args",
    [
        ["load", "--quiet", str(NSCLC)],
        ["index", "--rebuild"],
        ["search", "cancer"],
        ["criteria", "--rebuild"],
    ],
)
def test_every_command_says_the_store_is_damaged(damaged: Path, args: list[str]) -> None:
    result = CliRunner().invoke(cli, ["--db", str(damaged), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1 and result.output.startswith("Error:"), result.output
    assert "damaged" in result.output or "search index" in result.output, result.output
