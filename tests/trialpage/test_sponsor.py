"""The sponsor box counts real enrollment figures only, and says what it left out."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import sql
from trialscout.services.registry import LocalRegistry
from trialscout.store.load import LoadReport
from trialscout.trialpage.sponsor import PLAUSIBLE_ENROLLMENT, SponsorBox, sponsor_box

NCI = "National Cancer Institute (NCI)"


def box_of(local_registry: LocalRegistry, nct_id: str) -> SponsorBox:
    store = local_registry.store
    trial = store.trial(nct_id)
    names = [o.name for o in (trial.lead_sponsor, *trial.collaborators) if o is not None]
    return sponsor_box(trial, {n: store.organization_trials(n) for n in names}, store.count())


def test_participants_add_only_actual_plausible_interventional_figures(
    local_registry: LocalRegistry, full_load: tuple[Path, LoadReport]
) -> None:
    db = full_load[0]
    nct = sql(db, "SELECT nct_id FROM trials WHERE lead_sponsor = ? LIMIT 1", NCI)[0][0]
    box = box_of(local_registry, nct)
    lead = box.organizations[0]
    assert (lead.name, lead.role) == (NCI, "Lead sponsor")
    rows = sql(
        db,
        "SELECT t.nct_id, t.study_type, t.enrollment, t.enrollment_type, t.overall_status, min(o.role)"
        " FROM organizations o JOIN trials t USING (nct_id) WHERE o.name = ? GROUP BY t.nct_id",
        NCI,
    )
    counted = [
        r[2]
        for r in rows
        if r[1] == "INTERVENTIONAL"
        and r[3] == "ACTUAL"
        and r[2] is not None
        and 0 < r[2] <= PLAUSIBLE_ENROLLMENT
        and not re.fullmatch(r"9{3,}", str(r[2]))
    ]
    assert lead.trials == len(rows) > 100
    assert lead.as_lead == sum(r[5] == "lead" for r in rows)
    assert lead.took_part == sum(counted) and lead.took_part_trials == len(counted)
    assert lead.recruiting_now == sum(r[4] == "RECRUITING" for r in rows)
    assert sum(n.trials for n in lead.not_counted) == lead.trials - lead.took_part_trials
    naive = sum(r[2] or 0 for r in rows)
    assert lead.took_part < naive  # the naive sum adds targets, registries and placeholders
    assert box.scope == f"in this store ({local_registry.store.count():,} trials)"
    assert "actual enrollment of interventional trials" in lead.derived.rule


def test_a_placeholder_enrollment_is_left_out_and_named(
    local_registry: LocalRegistry, full_load: tuple[Path, LoadReport]
) -> None:
    # NIH trials registered "999" or "9999" participants as a placeholder
    nct, sponsor, enrollment = sql(
        full_load[0],
        "SELECT nct_id, lead_sponsor, enrollment FROM trials"
        " WHERE enrollment IN (999, 9999, 99999) AND lead_sponsor IS NOT NULL LIMIT 1",
    )[0]
    lead = box_of(local_registry, nct).organizations[0]
    assert lead.name == sponsor
    reasons = {n.reason: n.trials for n in lead.not_counted}
    assert reasons["a placeholder (a run of nines)"] >= 1
    assert lead.took_part < enrollment * lead.trials  # no placeholder is added


def test_collaborators_follow_the_lead_sponsor_each_once(
    local_registry: LocalRegistry, full_load: tuple[Path, LoadReport]
) -> None:
    nct = sql(
        full_load[0],
        "SELECT nct_id FROM organizations WHERE role = 'collaborator'"
        " GROUP BY nct_id HAVING count(*) >= 2 LIMIT 1",
    )[0][0]
    trial = local_registry.store.trial(nct)
    box = box_of(local_registry, nct)
    names = [o.name for o in box.organizations]
    assert trial.lead_sponsor is not None and names[0] == trial.lead_sponsor.name
    assert names[1:] == [c.name for c in trial.collaborators if c.name != trial.lead_sponsor.name]
    assert all(o.trials >= 1 for o in box.organizations)  # this trial at least
