"""A trial's patient layer: what a patient looks for first, each fact with its provenance.

    patient_page(registry, "NCT06937905", near="Palo Alto, CA")

One service for every edge: `trialscout show`, `GET /api/v1/trials/{id}/patient` and the web
page. It reads the stored trial (and, for the results, its original record), looks up what the
record alone cannot say (the sponsor's other trials, earlier completed trials of the tested
intervention), and hands the rest to the pure rules of `trialscout.trialpage`. Reads only.

Staleness and spots left are judged as of the date the registry copy was made (the record's
download or version date), not today: a copy from 2024 says what the registry said in 2024.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence

import msgspec

from trialscout.model.enums import ArmGroupType, InterventionType
from trialscout.model.recruitment import AsOfSource, RecruitmentCheck, check_recruitment
from trialscout.model.trial import Trial
from trialscout.services.registry import LocalRegistry
from trialscout.services.sites import TrialSites, trial_sites
from trialscout.store.base import InterventionTrial, TrialReader
from trialscout.trialpage.badges import Badge, PriorTrial, badges
from trialscout.trialpage.design import PlainDesign, plain_design
from trialscout.trialpage.explainers import EXPLAINERS
from trialscout.trialpage.money import MoneyFacts, money
from trialscout.trialpage.results import PostedResults, ResultsStatus, posted_results, results_status
from trialscout.trialpage.sponsor import SponsorBox, sponsor_box
from trialscout.trialpage.spots import SpotsEstimate, spots_left
from trialscout.trialpage.team import ResearchTeam, research_team
from trialscout.trialpage.title import LayTitle, lay_title

#: Sites on one page of "find a clinic near you".
SITES_PER_PAGE = 10
#: The interventions an earlier trial is looked up for: what is being tested, not a procedure.
_TESTED_TYPES = frozenset(
    {InterventionType.DRUG, InterventionType.BIOLOGICAL, InterventionType.GENETIC, InterventionType.DEVICE}
)
_COMPARATORS = frozenset(
    {
        ArmGroupType.ACTIVE_COMPARATOR,
        ArmGroupType.PLACEBO_COMPARATOR,
        ArmGroupType.SHAM_COMPARATOR,
        ArmGroupType.NO_INTERVENTION,
    }
)


class PatientPage(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the patient layer of a trial page shows, in the order it shows it."""

    nct_id: str
    title: str  # the lay title when the record allows one, else the registry's brief title
    lay_title: LayTitle | None
    brief_title: str | None
    official_title: str | None
    acronym: str | None
    registry_copy: str | None  # the date the registry copy was made (download / version date)
    copy_age_days: int | None  # how old that copy is today: the live registry may say more
    recruitment: RecruitmentCheck  # graded as of the registry copy's date
    badges: tuple[Badge, ...]
    spots: SpotsEstimate | None
    design: PlainDesign
    team: ResearchTeam
    sponsor: SponsorBox
    sites: TrialSites  # one page of them: open sites first, nearest first from `near`
    results_status: ResultsStatus
    results: PostedResults | None
    money: MoneyFacts
    explainers: dict[str, str]  # section key -> one line saying what the section is for


def patient_page(
    registry: LocalRegistry,
    nct_id: str,
    *,
    near: str | None = None,
    radius: str | None = None,
    sites_offset: int = 0,
    sites_limit: int = SITES_PER_PAGE,
    today: dt.date | None = None,
) -> PatientPage:
    """The patient layer of one trial. `near` (a place, a US ZIP code, "lat,lon") orders its
    sites by distance, within `radius` when given; the sites come a page at a time.

    Raises `TrialNotFoundError` for a trial the store does not hold, and the place errors of
    `trial_sites` for a place or radius that cannot be read.
    """
    store = registry.store
    stored = store.get(nct_id)
    trial = stored.trial
    today = today or dt.date.today()
    check = check_recruitment(trial, today)
    dated = check.as_of is not None and check.as_of_source is AsOfSource.REGISTRY_COPY
    copied = dt.date.fromisoformat(check.as_of) if dated and check.as_of else None
    sites = trial_sites(
        registry,
        nct_id,
        near=near,
        radius=radius,
        open_first=True,
        offset=sites_offset,
        limit=sites_limit,
    )
    status = results_status(trial)
    # The original record is read (and parsed) only when it holds results: a big trial's record
    # runs to megabytes.
    results = posted_results(*store.raw_record(nct_id)) if status.posted else None
    named = lay_title(trial)
    return PatientPage(
        nct_id=trial.nct_id,
        title=named.title if named is not None else trial.title,
        lay_title=named,
        brief_title=trial.brief_title,
        official_title=trial.official_title,
        acronym=trial.acronym,
        registry_copy=copied.isoformat() if copied else None,
        copy_age_days=(today - copied).days if copied else None,
        recruitment=check,
        badges=badges(trial, prior_trials(store, trial)),
        spots=spots_left(trial, check),
        design=plain_design(trial),
        team=research_team(trial),
        sponsor=_sponsor(store, trial),
        sites=sites,
        results_status=status,
        results=results,
        money=money(trial),
        explainers=dict(EXPLAINERS),
    )


def interventions_under_test(trial: Trial) -> list[str]:
    """The names of what the trial tests: the drugs, biologicals, genetic products and devices
    of its experimental arms that no comparison arm also gets (cetuximab given to both arms of
    INTERLINK-1 is the backbone, not the question); placebos and shams are not tested."""
    arm_types = {arm.label: arm.type for arm in trial.arm_groups}
    names: list[str] = []
    for item in trial.interventions:
        if item.type not in _TESTED_TYPES or _is_dummy(item.name):
            continue
        types = {arm_types.get(label) for label in item.arm_group_labels}
        if arm_types and (ArmGroupType.EXPERIMENTAL not in types or types & _COMPARATORS):
            continue
        names.append(item.name)
    return names


def prior_trials(store: TrialReader, trial: Trial) -> list[PriorTrial]:
    """Completed trials in the store of what this trial tests, finished before it started."""
    names = interventions_under_test(trial)
    if not names or trial.start_date is None:
        return []
    before = trial.start_date.earliest().isoformat()
    found: Sequence[InterventionTrial] = store.intervention_trials(names, completed_before=before)
    return [
        PriorTrial(
            nct_id=f.nct_id,
            title=f.brief_title or f.nct_id,
            phases=f.phases,
            completion_date=f.completion_date,
            intervention=f.intervention,
        )
        for f in found
        if f.nct_id != trial.nct_id
    ]


def _is_dummy(name: str) -> bool:
    low = name.casefold()
    return any(word in low for word in ("placebo", "sham", "dummy", "vehicle"))


# An organisation's trials change only with the store: each sponsor box is kept per process,
# keyed by the store's last change and the trial's organisations (in order, with their agency
# class), so a busy sponsor (97,720 trials name NCI in the 404,600-trial benchmark store) is read
# and counted once, not on every page that names it.
_BoxKey = tuple[str, int, bool, tuple[tuple[str, str | None], ...]]
_BOX_CACHE: dict[_BoxKey, SponsorBox] = {}
_BOX_LOCK = threading.Lock()
_BOX_CACHE_SIZE = 1024


def _sponsor(store: TrialReader, trial: Trial) -> SponsorBox:
    orgs = tuple(
        (o.name, o.agency_class.value if o.agency_class else None)
        for o in (trial.lead_sponsor, *trial.collaborators)
        if o is not None
    )
    key: _BoxKey = (store.identity(), store.last_change_seq(), trial.lead_sponsor is not None, orgs)
    with _BOX_LOCK:
        box = _BOX_CACHE.get(key)
    if box is not None:
        return box
    rows = {name: store.organization_trials(name) for name, _ in orgs if name}
    box = sponsor_box(trial, rows, store.count())
    if all(rows.values()):  # a name with no rows counts this trial alone: not shared with others
        with _BOX_LOCK:
            if len(_BOX_CACHE) >= _BOX_CACHE_SIZE:
                _BOX_CACHE.pop(next(iter(_BOX_CACHE)))
            _BOX_CACHE[key] = box
    return box
