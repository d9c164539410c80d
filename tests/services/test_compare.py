"""Trials side by side on real records: a randomized, placebo-controlled trial beside a single-arm
one differs where a patient would see it differ, agrees where the records agree, quotes the
record for visits and duration, and never shows a site without an open status as open."""

from __future__ import annotations

import pytest

from tests.conftest import TODAY
from trialscout.errors import SearchInputError, TrialNotFoundError
from trialscout.model.enums import OPEN_STATUSES
from trialscout.model.patient import PatientProfile
from trialscout.services.compare import Comparison, Row, compare_trials
from trialscout.services.match import check_patient
from trialscout.services.registry import LocalRegistry
from trialscout.services.trial_page import patient_page
from trialscout.trialpage.design import NOT_STATED

PLACEBO_RCT = "NCT05813925"  # CagriSema: randomized, quadruple-blind, placebo arm, phase 3, 18+
SINGLE_ARM = "NCT05482516"  # atezolizumab + bevacizumab: one open-label arm, phase 3, 18 to N/A
DENTAL = "NCT00495495"  # completed, placebo-controlled, ages 10-40; its Boston site has no status


def rows(comparison: Comparison) -> dict[str, Row]:
    return {row.key: row for row in comparison.rows}


def test_a_placebo_trial_and_a_single_arm_trial_differ_on_design_not_on_phase(
    local_registry: LocalRegistry,
) -> None:
    compared = compare_trials(local_registry, [PLACEBO_RCT, SINGLE_ARM], today=TODAY)
    by_key = rows(compared)
    assert [t.nct_id for t in compared.trials] == [PLACEBO_RCT, SINGLE_ARM]
    for key in ("allocation", "masking", "control", "placebo", "enrollment", "sponsor"):
        assert by_key[key].differs, key
    for key in ("phase", "sex", "ages", "status"):
        assert not by_key[key].differs, (key, [c.words for c in by_key[key].cells])
    placebo, single = by_key["placebo"].cells
    assert placebo.words == "Has a placebo group" and single.words.startswith("No placebo group")
    assert by_key["phase"].cells[0].words == "Phase 3"
    assert by_key["allocation"].cells[0].words.startswith("Randomized")
    assert by_key["control"].cells[1].words.startswith("No control group")
    # The single arm's maximum age is registered as "N/A": no limit, never shown as an age.
    assert [c.words for c in by_key["ages"].cells] == ["18 Years and older"] * 2
    assert compared.differing == sum(r.differs for r in compared.rows)
    assert "nearest_site" not in by_key and "verdict" not in by_key  # no place, no profile asked
    for row in compared.rows[1:]:
        for cell in row.cells:
            assert cell.words == NOT_STATED or (cell.derived is not None and cell.derived.evidence), row.key


def test_visits_and_duration_are_the_records_own_words(local_registry: LocalRegistry) -> None:
    compared = compare_trials(local_registry, [PLACEBO_RCT, SINGLE_ARM, DENTAL], today=TODAY)
    by_key = rows(compared)
    for nct, frames, schedule in zip(
        (PLACEBO_RCT, SINGLE_ARM, DENTAL), by_key["time_frames"].cells, by_key["schedule"].cells, strict=True
    ):
        trial = local_registry.store.trial(nct)
        registered = {o.time_frame for o in trial.primary_outcomes}
        assert frames.derived is not None
        assert {e.words for e in frames.derived.evidence} == registered  # each once, none invented
        assert schedule.derived is not None and schedule.derived.evidence
        texts = {
            "protocolSection.descriptionModule.briefSummary": trial.brief_summary,
            "protocolSection.descriptionModule.detailedDescription": trial.detailed_description,
            **{
                f"protocolSection.armsInterventionsModule.armGroups[{i}].description": arm.description
                for i, arm in enumerate(trial.arm_groups)
            },
        }
        for quote in schedule.derived.evidence:
            assert quote.words in " ".join((texts[quote.field] or "").split()), (nct, quote)
            assert any(w in quote.words.casefold() for w in ("week", "visit", "duration"))
    # CagriSema's 68-week time frame is quoted as registered
    assert "week 68" in by_key["time_frames"].cells[0].words


def test_the_nearest_open_site_is_open_or_says_there_is_none(local_registry: LocalRegistry) -> None:
    compared = compare_trials(local_registry, [SINGLE_ARM, DENTAL], near="Boston, MA", today=TODAY)
    assert compared.near is not None and "Boston" in compared.near
    open_cell, none_open = rows(compared)["nearest_site"].cells
    page = patient_page(local_registry, SINGLE_ARM, near="Boston, MA", sites_limit=1, today=TODAY)
    nearest = page.sites.sites[0]
    assert nearest.status in OPEN_STATUSES and nearest.distance is not None
    assert open_cell.words.startswith(f"{nearest.distance}: ") and "recruiting" in open_cell.words
    # The completed dental trial's sites give no status of their own: not shown as open.
    dental = patient_page(local_registry, DENTAL, near="Boston, MA", sites_limit=50, today=TODAY)
    assert not any(s.status in OPEN_STATUSES for s in dental.sites.sites)
    assert none_open.words.startswith("No site registered as open")
    assert rows(compared)["status"].cells[1].words == "Completed"


def test_a_profile_adds_each_trials_verdict(local_registry: LocalRegistry) -> None:
    child = PatientProfile(age=12, as_of=TODAY)  # under CagriSema's 18, within the dental 10-40
    compared = compare_trials(local_registry, [PLACEBO_RCT, DENTAL], profile=child, today=TODAY)
    verdict = rows(compared)["verdict"]
    expected = [check_patient(local_registry, child, nct).summary for nct in (PLACEBO_RCT, DENTAL)]
    assert [c.words for c in verdict.cells] == expected == [t.verdict for t in compared.trials]
    assert verdict.differs and expected[0].startswith("Not eligible")
    assert not expected[1].startswith("Not eligible")


@pytest.mark.parametrize(
    "ids",
    [
        [PLACEBO_RCT],
        [PLACEBO_RCT, "nct 5813925"],  # the same trial twice is one trial
        [PLACEBO_RCT, SINGLE_ARM, DENTAL, "NCT00490412", "NCT03101111"],
        [PLACEBO_RCT, "not-an-id"],
        [],
    ],
)
def test_two_to_four_trials_or_a_clear_input_error(local_registry: LocalRegistry, ids: list[str]) -> None:
    with pytest.raises(SearchInputError):
        compare_trials(local_registry, ids)


def test_a_trial_the_store_does_not_hold_is_not_found(local_registry: LocalRegistry) -> None:
    with pytest.raises(TrialNotFoundError):
        compare_trials(local_registry, [PLACEBO_RCT, "NCT99999999"])
