"""The patient layer of a trial page, assembled by one service over the real registry: what a
patient sees first, each fact from the record, never a claim the record does not support."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import TODAY, sql
from trialscout.errors import InvalidRadiusError, TrialNotFoundError
from trialscout.model.enums import OPEN_STATUSES, OverallStatus
from trialscout.model.recruitment import RecruitmentGrade
from trialscout.services.registry import LocalRegistry
from trialscout.services.trial_page import (
    SITES_PER_PAGE,
    interventions_under_test,
    patient_page,
    prior_trials,
)
from trialscout.store.load import LoadReport

NCI_MATCH = "NCT02465060"  # 1,218 sites
WITHDRAWN_IN_LYON = "NCT06620835"  # recruiting; its Lyon site is withdrawn
WITH_RESULTS = "NCT02210780"  # API v2 record with a results section
PHASE_1_AFTER_CETUXIMAB = "NCT05382559"  # ASP3082 + cetuximab; the store holds completed cetuximab trials


def test_a_big_trial_lists_its_sites_a_page_at_a_time_open_first(
    local_registry: LocalRegistry, full_load: tuple[Path, LoadReport]
) -> None:
    total = sql(full_load[0], "SELECT count(*) FROM sites WHERE nct_id=?", NCI_MATCH)[0][0]
    first = patient_page(local_registry, NCI_MATCH, near="Boston, MA", today=TODAY)
    assert first.sites.total == first.sites.matching == total > 1000
    assert len(first.sites.sites) == SITES_PER_PAGE
    assert all(site.status in OPEN_STATUSES for site in first.sites.sites)
    distances = [site.distance_km or 0.0 for site in first.sites.sites]
    assert distances == sorted(distances) and distances[0] < 20  # Boston itself has sites
    second = patient_page(
        local_registry, NCI_MATCH, near="Boston, MA", sites_offset=SITES_PER_PAGE, today=TODAY
    )
    assert second.sites.offset == SITES_PER_PAGE
    assert {s.ordinal for s in first.sites.sites}.isdisjoint(s.ordinal for s in second.sites.sites)
    assert (second.sites.sites[0].distance_km or 0.0) >= distances[-1]


def test_a_withdrawn_site_is_never_the_first_clinic_of_an_open_trial(local_registry: LocalRegistry) -> None:
    page = patient_page(local_registry, WITHDRAWN_IN_LYON, near="Lyon, France", sites_limit=200, today=TODAY)
    listed = page.sites.sites
    lyon = next(site for site in listed if site.city == "Lyon")
    assert lyon.status is OverallStatus.WITHDRAWN and lyon.distance_km is not None and lyon.distance_km < 5
    assert listed[0].status in OPEN_STATUSES and listed[0].city != "Lyon"
    closed = [n for n, site in enumerate(listed) if site.status not in OPEN_STATUSES]
    assert closed and min(closed) > max(n for n, site in enumerate(listed) if site.status in OPEN_STATUSES)


def test_the_recruitment_grade_and_spots_come_from_the_copy_date(local_registry: LocalRegistry) -> None:
    page = patient_page(local_registry, NCI_MATCH, today=TODAY)
    # The legacy XML copy was made in 2018: judged then, not on TODAY (2026).
    assert page.registry_copy is not None and page.registry_copy.startswith("2018")
    assert page.recruitment.as_of == page.registry_copy
    assert page.copy_age_days == (TODAY - dt.date.fromisoformat(page.registry_copy)).days > 8 * 365
    if page.recruitment.grade is RecruitmentGrade.CURRENT:
        assert page.spots is not None and page.spots.as_of == page.registry_copy
    else:
        assert page.spots is None


def test_posted_results_are_summarised(local_registry: LocalRegistry) -> None:
    page = patient_page(local_registry, WITH_RESULTS, today=TODAY)
    assert page.results_status.posted
    assert page.results is not None and page.results.primary_outcomes
    pending = patient_page(local_registry, NCI_MATCH, today=TODAY)
    assert not pending.results_status.posted and pending.results is None


def test_the_sponsor_box_counts_this_store(local_registry: LocalRegistry) -> None:
    page = patient_page(local_registry, NCI_MATCH, today=TODAY)
    lead = page.sponsor.organizations[0]
    assert (lead.name, lead.role) == ("National Cancer Institute (NCI)", "Lead sponsor")
    assert lead.trials > 100 and lead.took_part_trials < lead.trials
    assert page.sponsor.scope == f"in this store ({local_registry.store.count():,} trials)"


def test_an_earlier_completed_trial_of_the_tested_drug_is_named(local_registry: LocalRegistry) -> None:
    store = local_registry.store
    trial = store.trial(PHASE_1_AFTER_CETUXIMAB)
    assert "Cetuximab" in interventions_under_test(trial)
    earlier = prior_trials(store, trial)
    assert earlier and all(p.nct_id != trial.nct_id for p in earlier)
    assert trial.start_date is not None
    for prior in earlier:
        assert prior.completion_date is not None and prior.completion_date < trial.start_date.date
        assert store.trial(prior.nct_id).overall_status is OverallStatus.COMPLETED
    page = patient_page(local_registry, PHASE_1_AFTER_CETUXIMAB, today=TODAY)
    safety = next(b for b in page.badges if b.key == "prior-safety")
    assert safety.value is True and earlier[0].nct_id in safety.label + safety.derived.rule + str(
        safety.derived.evidence
    )


def test_bad_requests_get_clear_errors(local_registry: LocalRegistry) -> None:
    with pytest.raises(TrialNotFoundError):
        patient_page(local_registry, "NCT99999999")
    with pytest.raises(InvalidRadiusError):
        patient_page(local_registry, NCI_MATCH, near="Boston, MA", radius="far")


def test_every_section_has_its_one_line_explainer(local_registry: LocalRegistry) -> None:
    page = patient_page(local_registry, WITH_RESULTS, today=TODAY)
    sections = {"staleness", "spots_left", "design", "groups", "interventions", "sites", "research_team"}
    sections |= {"sponsor", "results", "costs", "eligibility", "summary", "related_trials"}
    assert sections <= set(page.explainers)
    assert all(len(line) > 40 and line.endswith(".") for line in page.explainers.values())
