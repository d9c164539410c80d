"""`trialscout match` (one patient, the registry) and `trialscout check` (one patient, one trial).

The patient file is read here and handed to the core; nothing of it is logged or sent anywhere.
"""

from __future__ import annotations

from pathlib import Path

import click
import msgspec
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from trialscout.cli.app import Context, cli
from trialscout.errors import ProfileError
from trialscout.matching.check import TrialCheck, TrialResult, Verdict
from trialscout.model.labels import readable_text
from trialscout.model.nct import normalise_nct_id
from trialscout.patients.intake import PatientInput, read_patient
from trialscout.patients.note import NoteExtraction, describe_extraction
from trialscout.services.match import About, MatchRequest, MatchResults, check_patient, match_patient
from trialscout.services.trials import stored_trial

_RESULT_STYLE = {
    TrialResult.ELIGIBLE: "bold green",
    TrialResult.POSSIBLY_ELIGIBLE: "yellow",
    TrialResult.NOT_ELIGIBLE: "red",
}
_VERDICT_MARK = {Verdict.MET: ("✓", "green"), Verdict.NOT_MET: ("✗", "red"), Verdict.UNKNOWN: ("?", "yellow")}


def _patient(path: Path) -> PatientInput:
    try:
        return read_patient(path)
    except ProfileError as exc:
        raise click.ClickException(str(exc)) from exc


def _extraction_lines(patient: PatientInput) -> RenderableType | None:
    if patient.source != "note":
        if patient.skipped:
            return Text("Not used from the FHIR bundle: " + "; ".join(patient.skipped[:5]), style="dim")
        return None
    lines = describe_extraction(NoteExtraction(profile=patient.profile, facts=patient.facts))
    body = (
        "\n".join(lines)
        if lines
        else "nothing (the note names no age, sex, condition or value trialscout knows)"
    )
    return Group(
        Text("Read from the note (check it; correct it in a profile JSON if wrong):", style="bold"),
        Padding(Text(body), (0, 0, 0, 2)),
    )


@cli.command("match")
@click.argument("patient_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--near", help="A place, US ZIP code or 'lat,lon' (default: the profile's location).")
@click.option("--radius", help="Only trials with a site this close, e.g. 50mi or 80km.")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="Trials to show.")
@click.option(
    "--candidates",
    type=click.IntRange(1, 1000),
    default=100,
    show_default=True,
    help="Trials retrieved and checked.",
)
@click.option("--all-statuses", is_flag=True, help="Include trials that are not open to enrolment.")
@click.option("--include-ineligible", is_flag=True, help="Also list trials a criterion rules out.")
@click.option("--json", "as_json", is_flag=True, help="The results as JSON.")
@click.pass_obj
def match_command(
    obj: Context,
    patient_file: Path,
    near: str | None,
    radius: str | None,
    limit: int,
    candidates: int,
    all_statuses: bool,
    include_ineligible: bool,
    as_json: bool,
) -> None:
    """Trials this patient can likely join, with reasons, and what is missing.

    PATIENT_FILE is a trialscout profile (JSON), a FHIR R4 bundle (JSON) or a clinical note
    (text). It is read on this machine only and never logged.

    \b
    Examples:
      trialscout match patient.json --near "Palo Alto, CA" --radius 100mi
      trialscout match note.txt --json
    """
    patient = _patient(patient_file)
    request = MatchRequest(
        near=near,
        radius=radius,
        limit=limit,
        candidates=candidates,
        include_ineligible=include_ineligible,
        **({"statuses": ()} if all_statuses else {}),
    )
    with obj.open_registry() as registry:
        results = match_patient(registry, patient.profile, request)
    if as_json:
        payload = {"patient": {"source": patient.source, "facts": patient.facts}, "results": results}
        click.echo(msgspec.json.format(msgspec.json.encode(payload)).decode())
        return
    extraction = _extraction_lines(patient)
    if extraction is not None:
        obj.out.print(extraction)
        obj.out.print()
    obj.out.print(render_match(results))


_ABOUT_MARK = {
    About.BROADER: "about a broader condition",
    About.OTHER: "not about the diagnosis",
}


def render_match(results: MatchResults) -> RenderableType:
    place = f" near {results.place.label}" if results.place else ""
    blocks: list[RenderableType] = [
        Text(
            f"{results.candidates} candidate trials{place}: {results.eligible} eligible on every checkable"
            f" criterion, {results.possibly} possibly eligible, {results.ruled_out} ruled out by a criterion",
            style="bold",
        )
    ]
    blocks += [Text(note, style="dim") for note in results.notes]
    for n, m in enumerate(results.matches, 1):
        blocks.append(Text(f"{n:>3}. {m.nct_id}  {m.title}", style="bold"))
        status = (m.overall_status or "").replace("_", " ").capitalize()
        line = Text("      ")
        line.append(m.check.headline, style=_RESULT_STYLE[m.check.result])
        line.append(f" · {status}" if status else "")
        line.append("  ⚠ possibly stale" if m.possibly_stale else "", style="yellow")
        if m.about in _ABOUT_MARK:
            line.append(f"  · {_ABOUT_MARK[m.about]}", style="yellow")
        blocks.append(line)
        if m.location:
            blocks.append(Text(f"      {m.location}"))
        reasons = [v for v in m.check.criteria if v.verdict is Verdict.NOT_MET][:3]
        reasons += [v for v in m.check.criteria if v.verdict is Verdict.MET and v.typed][:3]
        for v in reasons:
            mark, style = _VERDICT_MARK[v.verdict]
            blocks.append(Text(f"      {mark} {v.id} {_short(v.text)} — {v.reason}", style=style))
    if results.questions:
        blocks.append(Text("\nWhat is missing: answers that would settle the most trials", style="bold"))
        for q in results.questions:
            blocks.append(Text(f"  • {q.text}  (bears on {q.trials} trial{'s' if q.trials != 1 else ''})"))
    return Group(*blocks)


def _short(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@cli.command("check")
@click.argument("patient_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("nct_id")
@click.option("--json", "as_json", is_flag=True, help="The verdicts as JSON.")
@click.pass_obj
def check_command(obj: Context, patient_file: Path, nct_id: str, as_json: bool) -> None:
    """One patient against one trial, criterion by criterion, with the evidence.

    \b
    Examples:
      trialscout check patient.json NCT06576635
      trialscout check note.txt NCT06576635 --json
    """
    nct = normalise_nct_id(nct_id)
    if nct is None:
        raise click.BadParameter(
            f"{nct_id!r} is not an NCT ID (NCT followed by 8 digits)", param_hint="NCT_ID"
        )
    patient = _patient(patient_file)
    with obj.open_registry() as registry:
        result = check_patient(registry, patient.profile, nct)
        trial = stored_trial(registry, nct).trial
    if as_json:
        payload = {"patient": {"source": patient.source, "facts": patient.facts}, "check": result}
        click.echo(msgspec.json.format(msgspec.json.encode(payload)).decode())
        return
    extraction = _extraction_lines(patient)
    if extraction is not None:
        obj.out.print(extraction)
        obj.out.print()
    obj.out.print(render_check(result, readable_text(trial.title, trial)))


def render_check(check: TrialCheck, title: str) -> RenderableType:
    blocks: list[RenderableType] = [
        Text(f"{check.nct_id}  {title}", style="bold"),
        Text(
            check.summary
            + (f"; {check.free_text} more for the study team to judge" if check.free_text else ""),
            style=_RESULT_STYLE[check.result],
        ),
    ]
    status = (check.status or "status not given").replace("_", " ").lower()
    blocks.append(
        Text(
            f"Trial status: {status}"
            + ("" if check.open else " — not open to enrolment")
            + (" — possibly stale" if check.possibly_stale else ""),
            style="yellow" if not check.open or check.possibly_stale else "",
        )
    )
    heading = None
    for v in check.criteria:
        if v.kind != heading:
            heading = v.kind
            blocks.append(Text(f"\n{v.kind.value.capitalize()} criteria", style="bold underline"))
        mark, style = _VERDICT_MARK[v.verdict]
        words = {Verdict.MET: "met", Verdict.NOT_MET: "NOT MET", Verdict.UNKNOWN: "unknown"}[v.verdict]
        if v.kind.value == "exclusion":
            words = {
                Verdict.MET: "does not apply",
                Verdict.NOT_MET: "APPLIES: excluded",
                Verdict.UNKNOWN: "unknown",
            }[v.verdict]
        blocks.append(Text(f"{mark} {v.id:<5} {words}", style=style))
        blocks.append(Padding(Text(f"original: {' '.join(v.text.split())}"), (0, 0, 0, 8)))
        if v.plain and not v.plain_original:
            blocks.append(Padding(Text(f"plain:    {v.plain}", style="dim"), (0, 0, 0, 8)))
        if v.scope:
            blocks.append(Padding(Text(f"for:      {' '.join(v.scope.split())}"), (0, 0, 0, 8)))
        blocks.append(Padding(Text(f"why:      {v.reason}"), (0, 0, 0, 8)))
        for q in v.questions[:2]:
            blocks.append(Padding(Text(f"ask:      {q.text}", style="yellow"), (0, 0, 0, 8)))
    return Group(*blocks)
