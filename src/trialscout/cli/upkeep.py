"""`trialscout index` and `migrate`: upkeep of the search index (a reader's) and the schema (the writer's)."""

from __future__ import annotations

import click

from trialscout.cli.app import Context, cli
from trialscout.cli.reports import print_index_report
from trialscout.services.ingest import migrate, update_index


@cli.command("index")
@click.option("--rebuild", is_flag=True, help="Rebuild from scratch instead of adding what changed.")
@click.pass_obj
def index_command(obj: Context, rebuild: bool) -> None:
    """Bring the search index up to date with the store (load and sync do this already).

    It only reads the store, so it runs beside a load or sync: on a serving machine of a shared
    PostgreSQL store, run it now and then to keep that machine's own index current.

    \b
    Examples:
      trialscout index
      trialscout --db registry.db index --rebuild
      trialscout --db postgresql://trialscout@db/registry --index /srv/trialscout/index index
    """
    with obj.open_registry() as registry, obj.err.status("Indexing ..."):
        report = update_index(registry.store, rebuild=rebuild)
    print_index_report(obj, report)


@cli.command("migrate")
@click.pass_obj
def migrate_command(obj: Context) -> None:
    """Upgrade the store's schema to this version of trialscout (load and sync do it too).

    Readers (search, show, match, the API) never change the store, so a store made by an
    older trialscout is upgraded by this command or by the next load or sync.

    \b
    Examples:
      trialscout migrate
      trialscout --db registry.db migrate
    """
    applied = migrate(obj.db)
    if applied:
        obj.out.print(f"Upgraded {obj.db}: applied migrations {', '.join(map(str, applied))}.")
    else:
        obj.out.print(f"{obj.db} is up to date.")
