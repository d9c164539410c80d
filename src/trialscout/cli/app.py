"""The `trialscout` command: parse options, call one core function, print the result.

Domain errors become one line on stderr with the next step, and a non-zero exit:
1 for a failure of the task (unknown trial, unreachable registry), 2 for a usage error.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from trialscout.errors import (
    RecordError,
    RegistryError,
    TrialNotFoundError,
    TrialscoutError,
)
from trialscout.services.registry import LocalRegistry, open_registry, open_writer
from trialscout.settings import Settings, read_settings, store_location
from trialscout.store.base import TrialStore


class Context:
    """What every command shares: where the store is, and the consoles to print to."""

    def __init__(self, db: str | Path, index_folder: Path | None, settings: Settings) -> None:
        #: A SQLite file, or a PostgreSQL URL as typed (`trialscout.services.registry.open_store`).
        self.db = db
        self.index_folder = index_folder
        self.settings = settings
        self.out = Console(soft_wrap=False, highlight=False)
        self.err = Console(stderr=True, highlight=False)

    def open_writer(self) -> TrialStore:
        """The store as its one writer (load, sync, index, criteria --rebuild, migrate)."""
        return open_writer(self.db, index_folder=self.index_folder)

    def open_registry(self) -> LocalRegistry:
        """The store for reading: no migration, no write."""
        return open_registry(self.db, index_folder=self.index_folder)


def _next_step(error: TrialscoutError) -> str:
    if isinstance(error, TrialNotFoundError):
        return (
            f"Load a file that holds it (trialscout load PATH) or fetch it from the registry "
            f"(trialscout sync --term {error.nct_id})."
        )
    if isinstance(error, RegistryError):
        return "Check your connection, or try again later; what was fetched so far is stored."
    if isinstance(error, RecordError):
        return "See the rejects report for each record and its reason."
    return ""


#: Each command and the module that defines it, imported only when the command runs (so that
#: `trialscout show` does not load what `trialscout match` needs).
COMMANDS = {
    "check": "trialscout.cli.match",
    "criteria": "trialscout.cli.criteria",
    "eval": "trialscout.cli.evaluate",
    "index": "trialscout.cli.upkeep",
    "load": "trialscout.cli.load",
    "match": "trialscout.cli.match",
    "migrate": "trialscout.cli.upkeep",
    "places": "trialscout.cli.places",
    "related": "trialscout.cli.search",
    "search": "trialscout.cli.search",
    "serve": "trialscout.cli.serve",
    "show": "trialscout.cli.show",
    "sync": "trialscout.cli.sync",
}


class TrialscoutGroup(click.Group):
    """Loads each command on first use, and turns the package's errors into one clear line and
    an exit status."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(COMMANDS[cmd_name])  # its decorators register it here
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrialscoutError as error:
            hint = _next_step(error)
            click.echo(f"Error: {error}." + (f" {hint}" if hint else ""), err=True)
            sys.exit(1)


@click.group(cls=TrialscoutGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    default=None,
    metavar="PATH|URL",
    help="The store: a SQLite file, or a PostgreSQL URL postgresql://user@host/dbname"
    " (default: $TRIALSCOUT_DB, else trialscout.db).",
)
@click.option(
    "--index",
    "index_folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The search index folder (default: $TRIALSCOUT_INDEX, else beside a SQLite store, <db>.index;"
    " for PostgreSQL ~/.local/share/trialscout/indexes/<store identity>).",
)
@click.version_option(package_name="trialscout")
@click.pass_context
def cli(ctx: click.Context, db: str | None, index_folder: Path | None) -> None:
    """trialscout: the clinical-trial registry on your machine, searchable and checkable.

    \b
    Examples:
      trialscout load ../shared/data/ctgov-xml-2023-slice/ctgov_legacy_xml_6786.zip
      trialscout show NCT06937905
      trialscout --db postgresql://trialscout@localhost/registry load ctg-studies.json
      trialscout sync --condition "small cell lung cancer" --status RECRUITING
    """
    settings = read_settings()
    ctx.obj = Context(store_location(db) if db else settings.db, index_folder or settings.index, settings)
