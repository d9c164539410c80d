"""'About N spots left by <month>' on real records: shown only for a current, open trial with a
plausible target, as a range at the copy's date; never for an enrolment that has closed (the seed
page's '~67 spots left by Apr 2026' was for a trial that stopped enrolling in 2022)."""

from __future__ import annotations

import functools
import zipfile

import msgspec

from tests.conftest import AACT, TODAY, XML_SLICE, v2_studies
from trialscout.model.enums import OverallStatus
from trialscout.model.recruitment import RecruitmentGrade, check_recruitment
from trialscout.model.trial import Trial
from trialscout.sources.ctgov_json import trial_from_v2
from trialscout.sources.ctgov_xml import parse_xml, trial_from_xml
from trialscout.trialpage.spots import SpotsEstimate, spots_left, why_no_spots


@functools.cache
def _v2() -> dict[str, Trial]:
    return {t.nct_id: t for t in (trial_from_v2(s) for s in v2_studies())}


def v2(nct_id: str) -> Trial:
    return _v2()[nct_id]


def spots(trial: Trial) -> SpotsEstimate | None:
    return spots_left(trial, check_recruitment(trial, TODAY))


def test_a_recruiting_trial_gets_a_range_at_its_copy_date() -> None:
    # Target 29; started 2024-12-16; primary completion 2026-09 (read as its last day); copied
    # 2025-12-09: 358 of 653 days gone (55%), so 29 x 0.45 = 13.1 to 29 x (1 - 0.55^2) = 20.3.
    estimate = spots(v2("NCT06576635"))
    assert estimate is not None
    assert (estimate.low, estimate.high, estimate.target) == (13, 21, 29)
    assert estimate.text == "About 13-21 spots left of 29 by Dec 2025 (estimate)"
    assert estimate.as_of == "2025-12-09"
    fields = {e.field: e.words for e in estimate.derived.evidence}
    assert fields["protocolSection.designModule.enrollmentInfo"] == "29 (ESTIMATED)"
    assert fields["protocolSection.statusModule.startDateStruct"] == "2024-12-16 (ACTUAL)"


def test_large_targets_are_rounded_to_two_figures() -> None:
    trial = trial_from_xml(parse_xml((AACT / "xml_legacy" / "NCT02465060.xml").read_bytes()))
    estimate = spots(trial)
    assert estimate is not None
    assert estimate.text == "About 3,800-5,500 spots left of 6,452 by May 2018 (estimate)"


def test_a_not_yet_recruiting_trial_has_all_its_spots() -> None:
    estimate = spots(v2("NCT06868446"))
    assert estimate is not None
    assert (estimate.low, estimate.high) == (40, 40)
    assert estimate.text == "All 40 spots open as of May 2025 (not yet recruiting)"


def test_near_primary_completion_it_says_few_if_any() -> None:
    # Target 8, started 2023-05-25, primary completion 2023-06-30, copied 2023-06-29.
    estimate = spots(v2("NCT05905653"))
    assert estimate is not None
    assert estimate.closing
    assert estimate.text.startswith("Few if any spots left by Jun 2023")


def test_a_closed_enrolment_gets_no_spots_even_when_a_page_says_recruiting() -> None:
    # Active, not recruiting; 500 enrolled (ACTUAL) before its 2025-12-01 primary completion.
    real = v2("NCT05302050")
    assert spots(real) is None
    claimed = msgspec.structs.replace(real, overall_status=OverallStatus.RECRUITING)
    assert spots(claimed) is None
    check = check_recruitment(claimed, TODAY)
    assert why_no_spots(claimed, check) == (
        "its enrollment figure is not a target (ACTUAL: enrolment has closed)"
    )
    assert check.grade is RecruitmentGrade.PROBABLY_CLOSED
    assert any(r.startswith("its enrollment is an actual count (500)") for r in check.reasons)


def test_a_stale_trial_gets_no_spots() -> None:
    trial = v2("NCT06823401")  # recruiting, primary completion nine months before the copy
    assert spots(trial) is None
    assert why_no_spots(trial, check_recruitment(trial, TODAY)) == "its recruiting status is probably-closed"


def test_a_placeholder_target_gets_no_spots() -> None:
    with zipfile.ZipFile(XML_SLICE) as archive:
        trial = trial_from_xml(parse_xml(archive.read("NCT0000xxxx/NCT00001223.xml")))
    assert trial.enrollment is not None
    assert trial.enrollment.count == 9999
    assert spots(trial) is None
    assert why_no_spots(trial, check_recruitment(trial, TODAY)) == (
        "its enrollment target (9999) looks like a placeholder"
    )


def test_an_estimate_encodes_as_json() -> None:
    estimate = spots(v2("NCT06576635"))
    decoded = msgspec.json.decode(msgspec.json.encode(estimate), type=SpotsEstimate)
    assert decoded == estimate


def test_a_rolling_protocol_gets_no_spots() -> None:
    # Opened 2000-03-22, primary completion 2048-11-30, target 3000: no planned accrual to spread.
    with zipfile.ZipFile(XML_SLICE) as archive:
        trial = trial_from_xml(parse_xml(archive.read("NCT0000xxxx/NCT00004847.xml")))
    assert spots(trial) is None
    reason = why_no_spots(trial, check_recruitment(trial, TODAY))
    assert reason == "it runs over 10 years from start to primary completion (a rolling protocol)"


def test_a_retrospective_study_has_no_places_to_fill() -> None:
    # A recruiting retrospective study "targets" 4,000 records already collected: no one can join.
    trial = v2("NCT06317558")
    assert trial.enrollment is not None and trial.enrollment.count == 4000
    assert spots(trial) is None
    assert "retrospective" in (why_no_spots(trial, check_recruitment(trial, TODAY)) or "")
