"""The patient layer of `trialscout show`: what a patient looks for first, on top of the registry
sections. Renders `trialscout.services.trial_page.PatientPage`; with `--why`, each derived fact
is followed by its rule and the registry fields and words it read."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.text import Text

from trialscout.model.enums import ContactRole
from trialscout.model.labels import UNKNOWN, label
from trialscout.model.recruitment import GRADE_WORDS, RecruitmentCheck, RecruitmentGrade
from trialscout.model.trial import Contact
from trialscout.services.sites import TrialSite, TrialSites
from trialscout.services.trial_page import PatientPage
from trialscout.trialpage.design import PlainDesign
from trialscout.trialpage.provenance import Derived
from trialscout.trialpage.results import MeasuredValue, PostedResults
from trialscout.trialpage.sponsor import SponsorBox
from trialscout.trialpage.team import ResearchTeam

#: A registry copy older than this gets a line saying so.
OLD_COPY_DAYS = 365


def render_patient_layer(page: PatientPage, *, why: bool = False) -> RenderableType:
    """The patient layer of one trial, section by section, each with its one-line explainer."""
    explain = page.explainers
    parts: list[RenderableType] = [_title(page)]
    parts += _section("At a glance", explain["staleness"], _glance(page, why))
    parts += _section("Design in plain words", explain["design"], _design(page.design, why))
    parts += _section("Find a clinic near you", explain["sites"], _sites(page.sites))
    parts += _section("Research team", explain["research_team"], _team(page.team, why))
    parts += _section("Sponsor", explain["sponsor"], _sponsor(page.sponsor, why))
    parts += _section("Results", explain["results"], _results(page, why))
    parts += _section("Costs and payment", explain["costs"], _money(page, why))
    return Group(*parts)


def _title(page: PatientPage) -> RenderableType:
    lines: list[RenderableType] = [Text(page.nct_id, style="bold cyan"), Text(page.title, style="bold")]
    if page.lay_title is not None and page.brief_title and page.brief_title != page.title:
        lines.append(Text(f"Registry title: {page.brief_title}", style="italic"))
    return Group(*lines)


def _section(name: str, explainer: str, body: RenderableType | None) -> list[RenderableType]:
    if body is None:
        return []
    parts: list[RenderableType] = [Rule(Text(name, style="bold"), align="left", style="dim")]
    if explainer:
        parts.append(Padding(Text(explainer, style="dim italic"), (0, 0, 0, 2)))
    parts.append(Padding(body, (0, 0, 0, 2)))
    return parts


def _why(derived: Derived | None, why: bool) -> list[RenderableType]:
    """The rule and the registry's words, indented under a fact (only with --why)."""
    if not why or derived is None:
        return []
    lines: list[RenderableType] = [Text(f"    rule: {derived.rule}", style="dim")]
    for evidence in derived.evidence:
        lines.append(Text(f"    {evidence.field}: {evidence.words!r}", style="dim"))
    return lines


def _glance(page: PatientPage, why: bool) -> RenderableType:
    blocks: list[RenderableType] = [_recruitment(page.recruitment, page.registry_copy, why)]
    if page.copy_age_days is not None and page.copy_age_days > OLD_COPY_DAYS:
        years = page.copy_age_days / 365.25
        blocks.append(
            Text(
                f"This registry copy is {years:.1f} years old: the live registry may say otherwise"
                f" (https://clinicaltrials.gov/study/{page.nct_id}).",
                style="yellow",
            )
        )
    if page.spots is not None:
        blocks.append(Text(page.spots.text, style="bold"))
        blocks += _why(page.spots.derived, why)
    shown = [b for b in page.badges if b.value is not None]
    if shown:
        line = Text()
        for n, badge in enumerate(shown):
            if n:
                line.append("  ")
            line.append(f"[{badge.label}]", style="green" if badge.value else "magenta")
        blocks.append(line)
        if why:
            for badge in page.badges:
                blocks.append(Text(f"  {badge.label}", style="bold"))
                blocks += _why(badge.derived, why)
    return Group(*blocks)


def _recruitment(check: RecruitmentCheck, copy: str | None, why: bool) -> RenderableType:
    copied = f"registry copy of {copy}" if copy else f"checked {check.checked_on}, no copy date"
    grade = check.grade
    if grade is None or grade is RecruitmentGrade.NOT_APPLICABLE:
        return Text(f"Status as registered ({copied}).")
    style = "yellow" if grade is not RecruitmentGrade.CURRENT else "green"
    head = Text(f"Open status: {GRADE_WORDS[grade]} ({copied})", style=style)
    lines: list[RenderableType] = [head]
    for finding in check.findings:
        if finding.grade is None or finding.grade is RecruitmentGrade.CURRENT:
            if why:
                lines.append(Text(f"    note: {finding.reason}", style="dim"))
            continue
        lines.append(Text(f"  • {finding.reason}", style=style))
        if why:
            lines.append(Text(f"    {finding.field}: {finding.words!r}", style="dim"))
    return Group(*lines)


def _design(design: PlainDesign, why: bool) -> RenderableType | None:
    blocks: list[RenderableType] = []
    facts = (
        ("Allocation", design.allocation),
        ("Masking", design.masking),
        ("Control", design.control),
        ("Model", design.intervention_model),
        ("Purpose", design.primary_purpose),
        ("Observational model", design.observational_model),
        ("Time perspective", design.time_perspective),
    )
    for name, fact in facts:
        if fact is not None:
            line = Text(f"{name}: ", style="dim")
            line.append(fact.words)
            blocks.append(line)
            blocks += _why(fact.derived, why)
    for group in design.groups:
        head = Text(group.label, style="bold")
        head.append(f"  ({group.kind})", style="magenta")
        blocks.append(head)
        for name in group.interventions:
            blocks.append(Text(f"    {name}", style="green"))
        for dose in group.doses:
            blocks.append(Text(f"    “{dose.words}”", style="dim"))
        blocks += _why(group.derived, why)
    if design.interventions:
        blocks.append(Text("Interventions: " + "; ".join(i.display for i in design.interventions)))
        for intervention in design.interventions:
            blocks += _why(intervention.derived, why)
    if design.trial_drug_classes is not None:
        blocks.append(Text(design.trial_drug_classes.words))
        blocks += _why(design.trial_drug_classes.derived, why)
    return Group(*blocks) if blocks else None


def _sites(sites: TrialSites) -> RenderableType | None:
    if sites.total == 0:
        return Text("The registry lists no sites for this trial.")
    first, last = sites.offset + 1, sites.offset + len(sites.sites)
    order = "open sites first" if sites.open_first else "as registered"
    if sites.place is not None:
        order += f", nearest to {sites.place.label} first"
    if sites.radius is not None:
        order += f", within {sites.radius.text}"
    head = f"Sites {first:,}-{last:,} of {sites.matching:,} ({order})" if sites.sites else "No site fits"
    if sites.matching != sites.total:
        head += f"; the trial lists {sites.total:,}"
    blocks: list[RenderableType] = [Text(head, style="dim")]
    for site in sites.sites:
        blocks += _site(site)
    if last < sites.matching:
        page = last // max(1, len(sites.sites)) + 1
        blocks.append(Text(f"More sites: --sites-page {page}", style="dim"))
    return Group(*blocks)


def _site(site: TrialSite) -> list[RenderableType]:
    line = Text(site.facility or "(facility not named)", style="bold")
    where = ", ".join(p for p in (site.city, site.state, site.country) if p)
    line.append(f"  {where or UNKNOWN}")
    if site.distance:
        line.append(f"  {site.distance}", style="cyan")
    line.append(f"  [{label(site.status, 'status not stated')}]", style="magenta")
    lines: list[RenderableType] = [line]
    for person in site.investigators:
        role = f" — {label(person.role)}" if person.role else ""
        lines.append(Text(f"    {person.name}{role}", style="dim"))
    lines += [Text(f"    Contact: {_contact(c)}", style="dim") for c in site.contacts]
    return lines


def _contact(c: Contact) -> str:
    phone = c.phone + (f" ext. {c.phone_ext}" if c.phone_ext else "") if c.phone else None
    role = label(c.role).lower() if c.role is not None and c.role is not ContactRole.CONTACT else None
    return ", ".join(p for p in (c.name, role, phone, c.email) if p) or UNKNOWN


def _team(team: ResearchTeam, why: bool) -> RenderableType | None:
    blocks: list[RenderableType] = []
    for official in team.officials:
        words = official.name + (f" — {official.role}" if official.role else " — role not stated")
        blocks.append(Text(words + (f", {official.affiliation}" if official.affiliation else "")))
        blocks += _why(official.derived, why)
    if team.responsible_party is not None:
        blocks.append(Text(f"Responsible party: {team.responsible_party.words}"))
    for contact in team.central_contacts:
        words = ", ".join(p for p in (contact.name, contact.role, contact.phone, contact.email) if p)
        blocks.append(Text(f"Contact: {words or UNKNOWN}"))
    if team.sites_with_people:
        blocks.append(
            Text(
                f"At the sites: {_count(team.site_investigators, 'investigator')} and"
                f" {_count(team.site_contacts, 'contact')} named,"
                f" at {_count(team.sites_with_people, 'site')}",
                style="dim",
            )
        )
    return Group(*blocks) if blocks else None


def _sponsor(box: SponsorBox, why: bool) -> RenderableType | None:
    if not box.organizations:
        return None
    blocks: list[RenderableType] = [Text(f"Counted {box.scope}.", style="dim")]
    for org in box.organizations:
        head = Text(org.name, style="bold")
        agency = f" ({label(org.agency_class)})" if org.agency_class else ""
        head.append(f"  {org.role}{agency}", style="dim")
        blocks.append(head)
        blocks.append(
            Text(
                f"    {_count(org.trials, 'trial')} ({org.as_lead:,} as lead), {org.open_now:,} open now,"
                f" {org.recruiting_now:,} recruiting"
                + (f" ({org.open_in_doubt:,} more say they are open, in doubt)" if org.open_in_doubt else "")
                + (
                    f"; {org.took_part:,} people took part in {org.took_part_trials:,} of them"
                    if org.took_part_trials
                    else "; no actual enrollment counts in the registry for these trials"
                )
            )
        )
        aside = [f"{n.trials:,} {n.reason}" for n in org.not_counted]
        if aside:
            blocks.append(Text("    Not counted: " + "; ".join(aside), style="dim"))
        blocks += _why(org.derived, why)
    return Group(*blocks)


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'s' if n != 1 else ''}"


def _results(page: PatientPage, why: bool) -> RenderableType:
    blocks: list[RenderableType] = [Text(page.results_status.text)]
    blocks += _why(page.results_status.derived, why)
    if page.results is not None:
        blocks += list(_posted(page.results))
        blocks += _why(page.results.derived, why)
    return Group(*blocks)


def _posted(results: PostedResults) -> Iterable[RenderableType]:
    if not results.complete:
        yield Text("The record's results could be read only in part.", style="yellow")
    for outcome in results.primary_outcomes:
        yield Text(f"Primary outcome: {outcome.title}", style="bold")
        about = "; ".join(p for p in (outcome.measure, outcome.units, outcome.time_frame) if p)
        if about:
            yield Text(f"    {about}", style="dim")
        if not outcome.rows:
            yield Text("    No values posted for this outcome.")
        for row in outcome.rows:
            values = "; ".join(_value(v) for v in row.values)
            yield Text(f"    {row.label + ': ' if row.label else ''}{values}")
        for p_value in outcome.p_values:
            method = f" ({p_value.method})" if p_value.method else ""
            yield Text(f"    p = {p_value.p_value}{method}: {' vs '.join(p_value.groups)}", style="dim")
        left = _left_out(outcome.groups_left_out, "group") + _left_out(outcome.rows_left_out, "row")
        if left:
            yield Text(f"    (not shown: {left.strip(', ')})", style="dim")
    if results.flow is not None:
        flow = results.flow
        yield Text(f"Participant flow{f' ({flow.period})' if flow.period else ''}", style="bold")
        for group in flow.groups:
            words = f"    {group.title}: started {_n(group.started)}, completed {_n(group.completed)}"
            if group.reasons:
                words += "; left: " + ", ".join(f"{r.reason} {r.participants:,}" for r in group.reasons)
            yield Text(words)
    if results.serious_adverse_events is not None:
        events = results.serious_adverse_events
        yield Text("Serious adverse events", style="bold")
        for hit in events.groups:
            yield Text(f"    {hit.title}: {_n(hit.affected)} of {_n(hit.at_risk)} people")
        if events.top_terms:
            top = ", ".join(f"{t.term} ({t.affected:,})" for t in events.top_terms)
            yield Text(f"    Most frequent of {events.terms:,} terms: {top}", style="dim")


def _value(value: MeasuredValue) -> str:
    words = f"{value.group} {value.value}"
    if value.dispersion:
        words += f" ({value.dispersion})"
    return words + (f" [{value.comment}]" if value.comment else "")


def _n(count: int | None) -> str:
    return f"{count:,}" if count is not None else "not given"


def _left_out(count: int, what: str) -> str:
    return f"{count:,} more {what}{'s' if count != 1 else ''}, " if count else ""


def _money(page: PatientPage, why: bool) -> RenderableType:
    blocks: list[RenderableType] = []
    if not page.money.quotes:
        blocks.append(Text(page.money.text))
    for quote in page.money.quotes:
        blocks.append(Text(f"“{quote.sentence}” ({quote.kind})"))
        if why:
            blocks.append(Text(f"    {quote.field}", style="dim"))
    blocks += _why(page.money.derived, why)
    return Group(*blocks)


__all__ = ["render_patient_layer"]
