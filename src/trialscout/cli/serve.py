"""`trialscout serve`: the HTTP API (and, later, the web pages) over the store."""

from __future__ import annotations

import click

from trialscout.cli.app import Context, cli


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes; each opens the store and its index read-only.",
)
@click.option(
    "--no-access-log", is_flag=True, help="Do not log requests (the log never holds queries or bodies)."
)
@click.pass_obj
def serve(obj: Context, host: str, port: int, workers: int, no_access_log: bool) -> None:
    """Serve trialscout's API over HTTP, read-only: /api/v1 (its own), /api/v2 (the registry's
    API v2, from the local store), /health, and the interactive docs at /docs.

    \b
    Examples:
      trialscout serve
      trialscout --db registry.db serve --port 8080 --workers 2
    """
    from trialscout.web.serve import is_loopback, run_server

    with obj.open_registry() as registry:  # a missing store is one clear line, before starting
        trials = registry.store.count()
    shown = f"[{host}]" if ":" in host else host
    obj.err.print(
        f"trialscout: serving {trials:,} trials from {obj.db} at http://{shown}:{port}/"
        f" (API docs: http://{shown}:{port}/docs); Ctrl+C stops it.",
        soft_wrap=True,
    )
    if not is_loopback(host):
        obj.err.print(
            f"Warning: listening on {host}, beyond this machine; the API has no sign-in. Put it behind"
            " a reverse proxy with TLS before exposing it.",
            style="yellow",
            soft_wrap=True,
        )
    run_server(
        obj.db,
        index_folder=obj.index_folder,
        host=host,
        port=port,
        workers=workers,
        access_log=not no_access_log,
    )
