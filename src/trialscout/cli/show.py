"""`trialscout show`: every section of a registry page, readable in a terminal, or the model as JSON."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

import click
import msgspec
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from trialscout.cli.app import Context, cli
from trialscout.cli.show_patient import render_patient_layer
from trialscout.eligibility.model import CriterionKind
from trialscout.eligibility.split import split_criteria
from trialscout.model.labels import (
    UNKNOWN,
    age_range_label,
    date_label,
    enrollment_label,
    label,
    phases_label,
    readable_text,
    sex_label,
    yes_no_label,
)
from trialscout.model.nct import normalise_nct_id
from trialscout.model.trial import Contact, Person, Trial
from trialscout.search.results import SearchHit
from trialscout.services.trial_page import SITES_PER_PAGE, patient_page
from trialscout.services.trials import original_record, stored_trial, trial_json, trial_page
from trialscout.store.base import StoredTrial


@cli.command()
@click.argument("nct_ids", nargs=-1, required=True)
@click.option("--near", metavar="PLACE", help='List the sites nearest first from a place ("Palo Alto, CA").')
@click.option("--radius", help='Only sites within this distance of --near: "50mi", "80 km".')
@click.option(
    "--sites-page",
    type=click.IntRange(1, None),
    default=1,
    show_default=True,
    help=f"Which page of sites to list ({SITES_PER_PAGE} a page, open sites first).",
)
@click.option("--why", is_flag=True, help="With each derived fact: its rule and the fields it read.")
@click.option("--json", "as_json", is_flag=True, help="The full model as JSON (an array for several IDs).")
@click.option(
    "--patient-json", is_flag=True, help="The patient layer as JSON (as GET /api/v1/trials/ID/patient)."
)
@click.option("--raw", is_flag=True, help="The source record exactly as it was read (JSON or XML).")
@click.pass_obj
def show(
    obj: Context,
    nct_ids: tuple[str, ...],
    near: str | None,
    radius: str | None,
    sites_page: int,
    why: bool,
    as_json: bool,
    patient_json: bool,
    raw: bool,
) -> None:
    """Show trials in full: first what a patient looks for (a plain title, badges, spots left,
    the design in plain words, sites near a place, the team, the sponsor, results and costs),
    then every section of the registry page.

    \b
    Examples:
      trialscout show NCT06937905
      trialscout show NCT02465060 --near "Boston, MA" --sites-page 2
      trialscout show NCT04590963 --why
      trialscout show NCT06937905 NCT07203053 --json
      trialscout show NCT00496392 --raw
    """
    ids = []
    for text in nct_ids:
        nct = normalise_nct_id(text)
        if nct is None:
            raise click.BadParameter(
                f"{text!r} is not an NCT ID (NCT followed by 8 digits)", param_hint="NCT_IDS"
            )
        ids.append(nct)
    with obj.open_registry() as registry:
        if raw:
            for nct in ids:
                _, data = original_record(registry, nct)
                click.echo(data.decode("utf-8", errors="replace"))
            return
        if as_json:
            payload = [trial_json(stored_trial(registry, nct)) for nct in ids]
            click.echo(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2, ensure_ascii=False))
            return
        offset = (sites_page - 1) * SITES_PER_PAGE
        layers = [patient_page(registry, nct, near=near, radius=radius, sites_offset=offset) for nct in ids]
        if patient_json:
            payload = [msgspec.to_builtins(layer) for layer in layers]
            click.echo(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2, ensure_ascii=False))
            return
        pages = [trial_page(registry, nct) for nct in ids]
    for index, (layer, page) in enumerate(zip(layers, pages, strict=True)):
        if index:
            obj.out.print()
        obj.out.print(render_patient_layer(layer, why=why))
        obj.out.print(Rule(Text("The registry page", style="bold"), style="cyan"))
        obj.out.print(render_trial(page.stored, list(page.related)))


def render_trial(stored: StoredTrial, related: list[SearchHit] | None = None) -> RenderableType:
    """All sections of the registry page for one trial, as a rich renderable. The sites are
    counted here; the patient layer lists them, a page at a time."""
    t = stored.trial
    parts: list[RenderableType] = [_header(t)]
    parts += _section("Snapshot", _snapshot(stored))
    parts += _section("Brief summary", _prose(t, t.brief_summary))
    parts += _section("Detailed description", _prose(t, t.detailed_description))
    parts += _section("Conditions", _conditions(t))
    parts += _section("Study design", _design(t))
    parts += _section("Arms and groups", _arms(t))
    parts += _section("Interventions", _interventions(t))
    parts += _section("Eligibility", _eligibility(t))
    parts += _section("Outcome measures", _outcomes(t))
    parts += _section("Sponsors", _sponsors(t))
    parts += _section("People", _people(t))
    parts += _section("Locations", _locations(t))
    parts += _section("Identifiers", _identifiers(t, stored))
    if related:
        parts += _section("Related trials", _kv([(hit.nct_id, hit.title) for hit in related]))
    return Group(*parts)


def _header(t: Trial) -> RenderableType:
    title = Text(t.title, style="bold")
    if t.acronym:
        title.append(f" ({t.acronym})", style="bold")
    lines: list[RenderableType] = [Text(t.nct_id, style="bold cyan"), title]
    if t.official_title and t.official_title != t.brief_title:
        lines.append(Text(t.official_title, style="italic"))
    return Group(*lines)


def _section(name: str, body: RenderableType | None) -> list[RenderableType]:
    if body is None:
        return []
    return [Rule(Text(name, style="bold"), align="left", style="dim"), Padding(body, (0, 0, 0, 2))]


def _kv(rows: Iterable[tuple[str, str | None]]) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 1), expand=False)
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    for key, value in rows:
        table.add_row(key, escape(value if value is not None else UNKNOWN))
    return table


def _prose(t: Trial, text: str | None) -> RenderableType | None:
    return Text(readable_text(text, t)) if text else None


def _snapshot(stored: StoredTrial) -> RenderableType:
    t = stored.trial
    status = label(t.overall_status)
    if t.last_known_status:
        status += f" (last known: {label(t.last_known_status)})"
    if t.why_stopped:
        status += f" — why stopped: {t.why_stopped}"
    results = "Results posted" if t.has_results else "No results posted"
    if t.results_first_posted_date:
        results += f" ({date_label(t.results_first_posted_date)})"
    table = _kv(
        [
            ("Recruitment status", status),
            ("Phase", phases_label(t.phases)),
            ("Enrollment", enrollment_label(t.enrollment)),
            ("Study type", label(t.study_type)),
            ("Start", date_label(t.start_date)),
            ("Primary completion", date_label(t.primary_completion_date)),
            ("Completion", date_label(t.completion_date)),
            ("First posted", date_label(t.first_posted_date)),
            ("Last update posted", t.last_update),
            ("Results", results),
        ]
    )
    check = stored.recruitment_check
    if not check.possibly_stale:
        return table
    warning = Text(
        "⚠ Possibly stale: " + "; ".join(check.reasons) + f" (checked {check.checked_on}).", style="yellow"
    )
    return Group(table, warning)


def _conditions(t: Trial) -> RenderableType | None:
    rows = [("Conditions", "; ".join(t.conditions) or None)]
    if t.keywords:
        rows.append(("Keywords", "; ".join(t.keywords)))
    if t.condition_mesh_terms:
        rows.append(("MeSH terms", "; ".join(m.term for m in t.condition_mesh_terms)))
    return _kv(rows)


def _design(t: Trial) -> RenderableType | None:
    d = t.design
    if d is None:
        return None
    masking = label(d.masking)
    if d.who_masked:
        masking += " (" + ", ".join(label(w).lower() for w in d.who_masked) + ")"
    rows: list[tuple[str, str | None]] = [
        ("Allocation", label(d.allocation)),
        ("Intervention model", label(d.intervention_model)),
        ("Primary purpose", label(d.primary_purpose)),
        ("Masking", masking),
    ]
    if d.observational_model:
        rows.append(("Observational model", label(d.observational_model)))
    if d.time_perspective:
        rows.append(("Time perspective", label(d.time_perspective)))
    if d.intervention_model_description:
        rows.append(("Model description", d.intervention_model_description))
    if d.masking_description:
        rows.append(("Masking description", d.masking_description))
    return _kv(rows)


def _arms(t: Trial) -> RenderableType | None:
    if not t.arm_groups:
        return None
    blocks: list[RenderableType] = []
    for arm in t.arm_groups:
        head = Text(arm.label, style="bold")
        head.append(f"  [{label(arm.type)}]", style="magenta")
        blocks.append(head)
        if arm.description:
            blocks.append(Padding(Text(readable_text(arm.description, t)), (0, 0, 0, 2)))
        for name in arm.intervention_names:
            blocks.append(Text(f"  • {name}", style="green"))
    return Group(*blocks)


def _interventions(t: Trial) -> RenderableType | None:
    if not t.interventions:
        return None
    blocks: list[RenderableType] = []
    for i in t.interventions:
        head = Text(i.name, style="bold")
        head.append(f"  [{label(i.type)}]", style="magenta")
        blocks.append(head)
        if i.other_names:
            blocks.append(Text("  Other names: " + "; ".join(i.other_names), style="dim"))
        if i.description:
            blocks.append(Padding(Text(readable_text(i.description, t)), (0, 0, 0, 2)))
        if i.arm_group_labels:
            blocks.append(Text("  Arms: " + "; ".join(i.arm_group_labels), style="dim"))
    if t.intervention_mesh_terms:
        blocks.append(
            Text("MeSH terms: " + "; ".join(m.term for m in t.intervention_mesh_terms), style="dim")
        )
    return Group(*blocks)


def _eligibility(t: Trial) -> RenderableType | None:
    e = t.eligibility
    if e is None:
        return None
    blocks: list[RenderableType] = [
        _kv(
            [
                ("Ages", age_range_label(e)),
                ("Sex", sex_label(e.sex) + (f" — {e.gender_description}" if e.gender_description else "")),
                ("Healthy volunteers", yes_no_label(e.healthy_volunteers)),
            ]
        )
    ]
    if e.study_population:
        blocks += [Text("Study population", style="bold"), Text(readable_text(e.study_population, t))]
    if e.criteria:
        titles = {
            CriterionKind.INCLUSION: "Inclusion criteria",
            CriterionKind.EXCLUSION: "Exclusion criteria",
        }
        heading: CriterionKind | None = None
        for piece in split_criteria(e.criteria):
            if piece.kind is not heading:
                heading = piece.kind
                blocks.append(Text(titles[piece.kind], style="bold"))
            depth = piece.id.count(".")
            words = " ".join(readable_text(piece.text, t).split())
            blocks.append(Padding(Text(f"• {words}"), (0, 0, 0, 2 * depth)))
    return Group(*blocks)


def _outcomes(t: Trial) -> RenderableType | None:
    groups = [
        ("Primary", t.primary_outcomes),
        ("Secondary", t.secondary_outcomes),
        ("Other", t.other_outcomes),
    ]
    if not any(o for _, o in groups):
        return None
    blocks: list[RenderableType] = []
    for name, outcomes in groups:
        for o in outcomes:
            line = Text(f"{name}: ", style="bold")
            line.append(readable_text(o.measure, t))
            if o.time_frame:
                line.append(f"  [{o.time_frame}]", style="dim")
            blocks.append(line)
    return Group(*blocks)


def _sponsors(t: Trial) -> RenderableType:
    rows: list[tuple[str, str | None]] = []
    if t.lead_sponsor:
        rows.append(("Lead sponsor", f"{t.lead_sponsor.name} ({label(t.lead_sponsor.agency_class)})"))
    for c in t.collaborators:
        rows.append(("Collaborator", f"{c.name} ({label(c.agency_class)})"))
    rp = t.responsible_party
    if rp is not None:
        who = ", ".join(
            p
            for p in (
                rp.investigator_name,
                rp.investigator_title,
                rp.investigator_affiliation,
                rp.name_title,
                rp.organization,
            )
            if p
        )
        rows.append(("Responsible party", label(rp.type) + (f": {who}" if who else "")))
    return _kv(rows or [("Lead sponsor", None)])


def _person(p: Person) -> str:
    return f"{p.name} — {label(p.role)}" + (f", {p.affiliation}" if p.affiliation else "")


def _contact(c: Contact) -> str:
    phone = c.phone + (f" ext. {c.phone_ext}" if c.phone_ext else "") if c.phone else None
    parts = [p for p in (c.name, label(c.role).lower() if c.role else None, phone, c.email) if p]
    return ", ".join(parts) or UNKNOWN


def _people(t: Trial) -> RenderableType | None:
    rows = [("Official", _person(p)) for p in t.overall_officials]
    rows += [("Central contact", _contact(c)) for c in t.central_contacts]
    return _kv(rows) if rows else None


def _locations(t: Trial) -> RenderableType | None:
    if not t.locations:
        return None
    count = f"{len(t.locations):,} site{'s' if len(t.locations) != 1 else ''}"
    statuses = Counter(label(site.status, "status not stated") for site in t.locations)
    by_status = ", ".join(f"{n:,} {name.lower()}" for name, n in statuses.most_common())
    return Group(
        Text(f"{count} in {', '.join(t.countries) or UNKNOWN}"),
        Text(f"By site status: {by_status} (see “Find a clinic near you” above)", style="dim"),
    )


def _identifiers(t: Trial, stored: StoredTrial) -> RenderableType:
    rows: list[tuple[str, str | None]] = [("NCT ID", t.nct_id), ("Organisation study ID", t.org_study_id)]
    for s in t.secondary_ids:
        kind = " / ".join(p for p in (s.type, s.domain) if p)
        rows.append(("Secondary ID", s.id + (f" ({kind})" if kind else "")))
    for alias in t.nct_aliases:
        rows.append(("NCT alias", alias))
    if t.organization:
        rows.append(("Organisation", t.organization.name))
    rows.append(("Source", f"{t.source.format.value}, registry version {t.source.version_date or UNKNOWN}"))
    rows.append(("Stored from", f"{stored.source_file} {stored.source_record} on {stored.loaded_at}"))
    return _kv(rows)


__all__ = ["render_trial"]
