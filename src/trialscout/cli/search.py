"""`trialscout search` and `related`: find trials, nearest sites first."""

from __future__ import annotations

import datetime as dt

import click
import msgspec
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from trialscout.cli.app import Context, cli
from trialscout.model.enums import Phase
from trialscout.model.labels import label, phases_label
from trialscout.model.nct import normalise_nct_id
from trialscout.model.recruitment import GRADE_WORDS, RecruitmentGrade
from trialscout.search.results import SearchHit, SearchRequest, SearchResults, Sort
from trialscout.services.search import related_trials, search_trials

_DATE = click.DateTime(formats=["%Y-%m-%d", "%Y-%m", "%Y"])


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


@cli.command()
@click.argument("query", nargs=-1)
@click.option("--condition", help='Only trials for this condition ("lung cancer").')
@click.option("--intervention", help="Only trials testing this intervention (a drug, device, ...).")
@click.option("--sponsor", help="Only trials run or funded by this sponsor.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    help="Overall status (recruiting, not_yet_recruiting, ...); repeatable.",
)
@click.option(
    "--recruiting-site",
    is_flag=True,
    help="Only trials with a recruiting site (that fits --country/--near ...).",
)
@click.option("--phase", "phases", multiple=True, help="Phase: 1, 2, 3, 4, early1 or NA; repeatable.")
@click.option(
    "--type", "study_types", multiple=True, help="Study type: interventional, observational, expanded_access."
)
@click.option(
    "--age", type=click.FloatRange(0, 150), help="The patient's age in years: within the trial's age limits."
)
@click.option(
    "--sex", type=click.Choice(["F", "M", "female", "male"], case_sensitive=False), help="The patient's sex."
)
@click.option(
    "--healthy-volunteers/--no-healthy-volunteers",
    default=None,
    help="Trials that do (or do not) accept healthy volunteers.",
)
@click.option("--country", help='A site in this country ("United States", "France").')
@click.option("--state", help='A site in this state or region ("California").')
@click.option("--city", help='A site in this city ("Chicago").')
@click.option(
    "--near", help='A place: "Palo Alto", "Palo Alto, CA", "Lyon, France", a US ZIP code or "lat,lon".'
)
@click.option(
    "--radius", help='With --near: only sites this close ("50mi", "80 km"; a bare number is miles).'
)
@click.option("--start-from", type=_DATE, help="Started on or after (YYYY-MM-DD, YYYY-MM or YYYY).")
@click.option("--start-to", type=_DATE, help="Started on or before.")
@click.option("--updated-from", type=_DATE, help="Last updated on or after.")
@click.option("--updated-to", type=_DATE, help="Last updated on or before.")
@click.option(
    "--results/--no-results", "has_results", default=None, help="Trials with (or without) posted results."
)
@click.option(
    "--stale/--not-stale", "possibly_stale", default=None, help="Only (or no) trials flagged possibly stale."
)
@click.option(
    "--sort",
    type=click.Choice([s.value for s in Sort]),
    help="Default: relevance with text, distance with --near, else last update.",
)
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--per-page", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option(
    "--facets", is_flag=True, help="Also count the matches by status, phase, study type and country."
)
@click.option("--json", "as_json", is_flag=True, help="The results as JSON, for scripts.")
@click.pass_obj
def search(
    obj: Context,
    /,
    query: tuple[str, ...],
    statuses: tuple[str, ...],
    phases: tuple[str, ...],
    study_types: tuple[str, ...],
    sex: str | None,
    start_from: dt.datetime | None,
    start_to: dt.datetime | None,
    updated_from: dt.datetime | None,
    updated_to: dt.datetime | None,
    sort: str | None,
    as_json: bool,
    **options: object,
) -> None:
    """Search the trials in the store: words, filters, and distance from a place.

    Words in quotes are a phrase; condition:, intervention:, sponsor:, title: and nct: limit a
    word or a quoted phrase to one field. Any text is accepted.

    \b
    Examples:
      trialscout search "non-small cell lung cancer" --near Chicago --radius 50mi --status recruiting
      trialscout search --condition asthma --age 12 --sex F --recruiting-site --country "United States"
      trialscout search 'intervention:"tarlatamab" "small cell"' --sort updated --json
    """
    request = SearchRequest(
        query=" ".join(query),
        statuses=statuses,
        phases=phases,
        study_types=study_types,
        sex={"F": "FEMALE", "M": "MALE"}.get(sex.upper(), sex.upper()) if sex else None,
        start_from=_date(start_from),
        start_to=_date(start_to),
        updated_from=_date(updated_from),
        updated_to=_date(updated_to),
        sort=Sort(sort) if sort else None,
        **options,  # type: ignore[arg-type]
    )
    with obj.open_registry() as registry:
        results = search_trials(registry, request)
    if as_json:
        click.echo(msgspec.json.format(msgspec.json.encode(results), indent=2).decode())
        return
    _print_results(obj, request, results)


def _print_results(obj: Context, request: SearchRequest, results: SearchResults) -> None:
    where = ""
    if results.place is not None:
        within = f" within {request.radius}" if request.radius else ""
        where = f" near {results.place.label}{within}"
    what = f" for {request.query.strip()!r}" if request.query.strip() else ""
    obj.out.print(
        f"{results.total:,} trial{'s' if results.total != 1 else ''}{what}{where} "
        f"· page {results.page} of {results.pages} · by {results.sort.value}",
        soft_wrap=True,
    )
    for note in results.notes:
        obj.out.print(Text(note, style="yellow"), soft_wrap=True)
    if results.hits:
        obj.out.print(_cards(results.hits, (results.page - 1) * results.per_page + 1))
    for name, counts in results.facets.items():
        if counts:
            shown = ", ".join(
                f"{label(c.value) if name != 'country' else c.value} {c.count:,}" for c in counts[:12]
            )
            obj.out.print(Text(f"{name.replace('_', ' ')}: ", style="bold") + Text(shown), soft_wrap=True)


def _cards(hits: tuple[SearchHit, ...], first: int) -> Group:
    """One short block per trial: what it is, where, and whether its status can be trusted."""
    blocks: list[RenderableType] = []
    for n, hit in enumerate(hits, start=first):
        head = Text(f"{n:>3}. ", style="dim")
        head.append(hit.nct_id, style="bold cyan")
        head.append(
            f"  {label(hit.overall_status)}", style="green" if hit.overall_status == "RECRUITING" else ""
        )
        if hit.phases:
            head.append(f" · {phases_label(tuple(Phase(p) for p in hit.phases))}")
        if hit.possibly_stale:
            grade = GRADE_WORDS.get(RecruitmentGrade(hit.stale_grade)) if hit.stale_grade else None
            head.append(f"  ⚠ {grade or 'possibly stale'}", style="yellow")
        lines: list[RenderableType] = [head, Padding(Text(hit.title, style="bold"), (0, 0, 0, 5))]
        about = "; ".join(hit.conditions[:3])
        if hit.sponsor:
            about += (" · " if about else "") + hit.sponsor
        if about:
            lines.append(Padding(Text(about, style="dim"), (0, 0, 0, 5)))
        if hit.location:
            lines.append(Padding(Text(hit.location, style="magenta"), (0, 0, 0, 5)))
        blocks.append(Group(*lines))
    return Group(*blocks)


@cli.command()
@click.argument("nct_id")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="The related trials as JSON.")
@click.pass_obj
def related(obj: Context, nct_id: str, limit: int, as_json: bool) -> None:
    """Trials like this one: shared conditions, interventions and title words.

    \b
    Examples:
      trialscout related NCT06576635
      trialscout related NCT06576635 --limit 5 --json
    """
    nct = normalise_nct_id(nct_id)
    if nct is None:
        raise click.BadParameter(
            f"{nct_id!r} is not an NCT ID (NCT followed by 8 digits)", param_hint="NCT_ID"
        )
    with obj.open_registry() as registry:
        hits = related_trials(registry, nct, limit)
    if as_json:
        click.echo(msgspec.json.format(msgspec.json.encode(hits), indent=2).decode())
        return
    obj.out.print(f"Trials related to {nct}:")
    if hits:
        obj.out.print(_cards(tuple(hits), 1))
