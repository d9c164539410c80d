"""`trialscout places`: what a place box offers for the text typed so far."""

from __future__ import annotations

import click
import msgspec
from rich.markup import escape

from trialscout.cli.app import Context, cli
from trialscout.services.places import DEFAULT_LIMIT, MAX_LIMIT, complete_places


@cli.command()
@click.argument("prefix")
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_LIMIT),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="How many places at most.",
)
@click.option("--json", "as_json", is_flag=True, help="The places as JSON, for scripts.")
@click.pass_obj
def places(obj: Context, prefix: str, limit: int, as_json: bool) -> None:
    """Places that PREFIX begins to name: cities, regions, countries, US ZIP codes.

    Each line shows the place, what it is, its coordinates, and the text to give as --near
    when it differs from the place's name.

    \b
    Examples:
      trialscout places "Palo A"
      trialscout places 9430 --limit 3
      trialscout places "Lyon, Fr" --json
    """
    with obj.open_registry() as registry:
        found = complete_places(registry, prefix, limit)
    if as_json:
        click.echo(msgspec.json.format(msgspec.json.encode(found), indent=2).decode())
        return
    if not found:
        obj.err.print(f"No place begins with {escape(prefix.strip())!r}.")
        raise SystemExit(1)
    for place in found:
        near = f"  (--near {escape(place.value)!r})" if place.value != place.label else ""
        where = f"{place.latitude:.4f}, {place.longitude:.4f}"
        obj.out.print(f"{escape(place.label)}  [dim]{place.kind}  {where}[/dim]{near}")
