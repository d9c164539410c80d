"""The sponsor box: how many trials the lead sponsor and each collaborator run in this store, how
many recruit now, and how many people took part, counting only real enrollment figures.

Commercial trial finders sum every enrollment figure an organisation ever registered, sentinels
and all ("290,540,000+ recruited"): the registry's 99999999 placeholder, anticipated targets of
trials still running, and observational registries that "enrol" every record of a national
database. Here a trial's enrollment counts towards "took part" only when it is an *actual* count
of an interventional trial and a plausible one; every other trial is counted aside, by reason,
and the box says so. Organisations are matched by the name the registry gives them (case aside),
so "AstraZeneca" and "AstraZeneca AB" are two organisations, and the box says that too.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

import msgspec

from trialscout.model.enums import OPEN_STATUSES, OverallStatus, StudyType
from trialscout.model.recruitment import RecruitmentGrade
from trialscout.model.trial import Organization, Trial
from trialscout.store.base import OrganizationTrial
from trialscout.trialpage.provenance import Derived, Evidence

#: No interventional trial has enrolled more people than this (the largest vaccine and screening
#: trials enrol tens of thousands); a larger "actual" figure is a registry error or a database.
PLAUSIBLE_ENROLLMENT = 100_000
#: A run of nines (999, 9999, 99999) is a placeholder some registrants type for "unknown".
_NINES = re.compile(r"9{3,}")

_MODULE = "protocolSection.sponsorCollaboratorsModule"
_OPEN = frozenset(s.value for s in OPEN_STATUSES)
_RECRUITING = OverallStatus.RECRUITING.value
_DOUBT = frozenset({RecruitmentGrade.NOT_CONFIRMED_RECENTLY.value, RecruitmentGrade.PROBABLY_CLOSED.value})
_INTERVENTIONAL = StudyType.INTERVENTIONAL.value

COUNTING_RULE = (
    "Trials whose lead sponsor or a collaborator has this name in the registry (case aside). "
    "'Took part' adds the actual enrollment of interventional trials; not added: anticipated "
    "targets (the trial is still enrolling, or never said), observational studies (their counts "
    "are often records of existing data), placeholders such as 9999, and counts over "
    f"{PLAUSIBLE_ENROLLMENT:,}. 'Open now' and 'recruiting' count the trials whose open status"
    " holds up against the rest of their record (the recruitment check); the others are counted"
    " aside as in doubt."
)


class NotCounted(msgspec.Struct, frozen=True, kw_only=True):
    """Trials whose enrollment figure was left out of "took part", and why."""

    reason: str
    trials: int


class OrganizationBox(msgspec.Struct, frozen=True, kw_only=True):
    """One organisation of the trial, and what the store holds of it."""

    name: str
    role: str  # its role in this trial: "Lead sponsor" or "Collaborator"
    agency_class: str | None  # INDUSTRY, NIH, OTHER, ... as registered
    trials: int  # trials in this store it leads or collaborates on
    as_lead: int
    # Of those, open (recruiting, not yet recruiting, by invitation, available) and RECRUITING,
    # counting only the trials whose open status holds up (graded current, or not graded);
    open_now: int
    recruiting_now: int
    # the open trials left out of those: not confirmed recently, or enrolment probably closed.
    open_in_doubt: int
    took_part: int  # people in the trials counted (actual enrollment of interventional trials)
    took_part_trials: int  # the trials whose figures were added
    not_counted: tuple[NotCounted, ...]
    derived: Derived


class SponsorBox(msgspec.Struct, frozen=True, kw_only=True):
    """The lead sponsor first, then the collaborators, as the record lists them."""

    organizations: tuple[OrganizationBox, ...]
    scope: str  # "in this store (7,225 trials)": the store is a copy, perhaps not the whole registry


def sponsor_box(
    trial: Trial, trials_of: Mapping[str, Sequence[OrganizationTrial]], store_trials: int
) -> SponsorBox:
    """The box for `trial`, from each organisation's trials in the store (`trials_of`, by the
    name the trial gives it; a name it lacks counts this trial alone)."""
    named: list[tuple[Organization, str, str]] = []
    if trial.lead_sponsor is not None and trial.lead_sponsor.name:
        named.append((trial.lead_sponsor, "Lead sponsor", f"{_MODULE}.leadSponsor"))
    seen = {org.name.casefold() for org, _, _ in named}
    for n, org in enumerate(trial.collaborators):
        if org.name and org.name.casefold() not in seen:
            seen.add(org.name.casefold())
            named.append((org, "Collaborator", f"{_MODULE}.collaborators[{n}]"))
    boxes = tuple(_box(org, role, field, trials_of.get(org.name, ())) for org, role, field in named)
    return SponsorBox(organizations=boxes, scope=f"in this store ({store_trials:,} trials)")


def _box(org: Organization, role: str, field: str, rows: Sequence[OrganizationTrial]) -> OrganizationBox:
    took_part = counted = 0
    left_out: Counter[str] = Counter()
    for row in rows:
        reason = not_counted(row)
        if reason is None:
            took_part += row.enrollment or 0
            counted += 1
        else:
            left_out[reason] += 1
    return OrganizationBox(
        name=org.name,
        role=role,
        agency_class=org.agency_class.value if org.agency_class is not None else None,
        trials=len(rows),
        as_lead=sum(row.role == "lead" for row in rows),
        open_now=sum(row.overall_status in _OPEN and row.stale_grade not in _DOUBT for row in rows),
        recruiting_now=sum(
            row.overall_status == _RECRUITING and row.stale_grade not in _DOUBT for row in rows
        ),
        open_in_doubt=sum(row.overall_status in _OPEN and row.stale_grade in _DOUBT for row in rows),
        took_part=took_part,
        took_part_trials=counted,
        not_counted=tuple(NotCounted(reason=r, trials=n) for r, n in left_out.most_common()),
        derived=Derived(
            rule=COUNTING_RULE,
            evidence=(
                Evidence(field=f"{field}.name", words=org.name),
                Evidence(
                    field="protocolSection.designModule.enrollmentInfo (of each trial counted)",
                    words=f"{counted:,} actual interventional figures added, "
                    f"{sum(left_out.values()):,} left out",
                ),
            ),
        ),
    )


def _recruiting(row: OrganizationTrial) -> bool:
    return row.overall_status == _RECRUITING and row.stale_grade not in _DOUBT


def not_counted(row: OrganizationTrial) -> str | None:
    """Why this trial's enrollment does not count towards "took part" (None: it counts)."""
    if row.study_type != _INTERVENTIONAL:
        return "not an interventional trial"
    if row.enrollment is None:
        return "enrollment not given"
    if _NINES.fullmatch(str(row.enrollment)):
        return "a placeholder (a run of nines)"
    if row.enrollment_type != "ACTUAL":
        return "anticipated, not actual" if row.enrollment_type else "not said to be actual"
    if row.enrollment <= 0:
        return "enrollment of zero"
    if row.enrollment > PLAUSIBLE_ENROLLMENT:
        return f"implausible (over {PLAUSIBLE_ENROLLMENT:,})"
    return None
