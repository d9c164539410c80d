"""One line under each heading of the trial page, saying what the section is for and where its
facts come from, in plain words. Keyed by section, so every edge shows the same sentence."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

EXPLAINERS: Mapping[str, str] = MappingProxyType(
    {
        "snapshot": "The trial at a glance: whether it is taking people now, its phase, how many people "
        "it plans to enrol or enrolled, and its key dates, as the registry records them.",
        "summary": "The short description the people running the trial wrote for the registry: what "
        "they are testing and why.",
        "detailed_description": "The longer account from the trial's own registration: background, "
        "aims and how the study runs. Written by the study team, not checked by us.",
        "conditions": "The diseases or health problems the trial studies, as registered.",
        "design": "How the trial is set up: whether people are put into groups by chance, who knows "
        "which treatment each person gets, and what the treatment is compared with.",
        "groups": "The groups (arms) people are placed in and what each group receives, with doses "
        "where the registration states them.",
        "interventions": "The drugs, devices, procedures or programmes the trial gives or tests, "
        "with their drug class where the registry's index states it.",
        "eligibility": "Who can and cannot take part: age, sex, health conditions and other rules. "
        "The study team decides in the end; this helps you ask the right questions.",
        "outcomes": "What the trial measures to decide whether a treatment works or is safe, and "
        "when it measures it.",
        "results": "Whether results have been posted to the registry, and where to read them. A trial "
        "without posted results may still have published them elsewhere.",
        "sites": "Where the trial takes place, each site's own recruitment status and how to contact "
        "it. Sites change; call before you travel.",
        "research_team": "The people in charge of the trial with their roles exactly as registered, "
        "and whom to contact.",
        "sponsor": "The organisations that fund or run the trial, and what this registry copy holds "
        "of their other trials.",
        "related_trials": "Other trials of the same condition or treatment, to compare options.",
        "references": "Articles about the trial or the research behind it, as the registration lists them.",
        "costs": "What the registry says about costs, payment or travel help. Most registrations say "
        "nothing; ask the study team.",
        "spots_left": "An estimate of how many places may still be open, with how it was worked out. "
        "It is a guess from registry dates and counts, not a promise.",
        "staleness": "How up to date this information is: when the registry record was last updated "
        "and checked, and whether its status may be out of date.",
    }
)

SECTIONS: tuple[str, ...] = tuple(EXPLAINERS)


def explainer(section: str) -> str:
    """The line for `section` (one of SECTIONS); KeyError for a section the page does not have."""
    return EXPLAINERS[section]
