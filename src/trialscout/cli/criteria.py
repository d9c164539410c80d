"""`trialscout criteria`: each criterion's type, rule, plain sentence and original words."""

from __future__ import annotations

import click
import msgspec
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from trialscout.cli.app import Context, cli
from trialscout.cli.reports import print_parse_report
from trialscout.eligibility.describe import describe_rule
from trialscout.eligibility.model import Criterion, CriterionKind, CriterionRole
from trialscout.model.labels import readable_text
from trialscout.model.nct import normalise_nct_id
from trialscout.services.ingest import update_criteria
from trialscout.services.trials import TrialCriteria, trial_criteria


@cli.command("criteria")
@click.argument("nct_ids", nargs=-1)
@click.option(
    "--json", "as_json", is_flag=True, help="The parsed criteria as JSON (an array for several IDs)."
)
@click.option("--rebuild", is_flag=True, help="Parse every trial in the store again (no NCT IDs needed).")
@click.pass_obj
def criteria_command(obj: Context, nct_ids: tuple[str, ...], as_json: bool, rebuild: bool) -> None:
    """Eligibility criteria, one by one: type, checkable rule, plain sentence, original text.

    Criteria are parsed when trials are loaded or synced; --rebuild parses the whole store
    again (after a trialscout upgrade, say).

    \b
    Examples:
      trialscout criteria NCT06576635
      trialscout criteria NCT06576635 --json
      trialscout criteria --rebuild
    """
    if not nct_ids and not rebuild:
        raise click.UsageError("give one or more NCT IDs, or --rebuild")
    ids = []
    for text in nct_ids:
        nct = normalise_nct_id(text)
        if nct is None:
            raise click.BadParameter(
                f"{text!r} is not an NCT ID (NCT followed by 8 digits)", param_hint="NCT_IDS"
            )
        ids.append(nct)
    if rebuild:
        with obj.open_writer() as store, obj.err.status("Parsing eligibility criteria ..."):
            report = update_criteria(store, rebuild=True)
        print_parse_report(obj, report)
    if not ids:
        return
    with obj.open_registry() as registry:
        results = [trial_criteria(registry, nct) for nct in ids]
    if as_json:
        payload = [msgspec.to_builtins(r.parsed) for r in results]
        click.echo(
            msgspec.json.format(msgspec.json.encode(payload[0] if len(payload) == 1 else payload)).decode()
        )
        return
    for n, result in enumerate(results):
        if n:
            obj.out.print()
        obj.out.print(render_criteria(result))


_ROLE_WORDS = {
    CriterionRole.EXCEPTION: "exception (can only allow, never exclude)",
    CriterionRole.EXCEPTION_CONDITION: "condition of an exception",
    CriterionRole.DEFINITION: "definition (asks nothing itself)",
    CriterionRole.NOTE: "note (asks nothing itself)",
}


def _groups(criterion: Criterion) -> tuple[tuple[int, ...], ...]:
    return criterion.groups or tuple((i,) for i in range(len(criterion.rules)))


def render_criteria(criteria: TrialCriteria) -> RenderableType:
    result, trial = criteria.parsed, criteria.trial
    blocks: list[RenderableType] = [Text(f"{result.nct_id}  {trial.title}", style="bold")]
    if result.summary:
        blocks.append(Padding(Text(result.summary, style="italic"), (0, 0, 1, 2)))
    typed = sum(1 for c in result.criteria if c.rules)
    blocks.append(
        Text(
            f"{len(result.criteria)} criteria, {typed} with rules a computer can check;"
            " the rest are shown as written.",
            style="dim",
        )
    )
    heading = None
    for c in result.criteria:
        if c.kind is not heading:
            heading = c.kind
            title = "Inclusion criteria" if c.kind is CriterionKind.INCLUSION else "Exclusion criteria"
            blocks.append(Text(f"\n{title}", style="bold underline"))
        depth = c.id.count(".")
        head = Text(f"{'  ' * depth}{c.id:<6}", style="bold cyan")
        if c.role is CriterionRole.REQUIREMENT:
            head.append(" typed" if c.rules else " free text", style="green" if c.rules else "dim")
        else:
            head.append(f" {_ROLE_WORDS[c.role]}", style="yellow")
        if c.topic:
            head.append(f"  [{c.topic}]", style="dim")
        lines: list[RenderableType] = [head]
        indent = 2 + 2 * depth
        if c.scope is not None:
            scope = " ".join(c.scope.text.split())
            lines.append(Padding(Text(f"for:      {scope} (only those it describes)"), (0, 0, 0, indent)))
        if c.alternative_to:
            lines.append(
                Padding(
                    Text(f"or:       one of this and {', '.join(c.alternative_to)} is enough"),
                    (0, 0, 0, indent),
                )
            )
        for number, group in enumerate(_groups(c)):
            for position, index in enumerate(group):
                joined = "or" if position else ("and" if number else "rule:")
                words = describe_rule(c.rules[index])
                lines.append(Padding(Text(f"{joined:<9} {words}", style="magenta"), (0, 0, 0, indent)))
        plain = (
            "(no plain version could be written faithfully: see the original words)"
            if c.plain_original
            else c.plain
        )
        lines.append(
            Padding(Text("plain:    " + plain, style="dim" if c.plain_original else ""), (0, 0, 0, indent))
        )
        original = " ".join(readable_text(c.text, trial).split())
        lines.append(Padding(Text(f"original: {original}", style="dim"), (0, 0, 0, indent)))
        blocks.append(Group(*lines))
    return Group(*blocks)
