"""The recruitment check graded against the date the registry copy was made, on real records: a
copy downloaded in 2025 is judged by what could be known in 2025, not by today's date."""

from __future__ import annotations

import functools

import msgspec

from tests.conftest import AACT, TODAY, v2_studies
from trialscout.model.enums import OverallStatus
from trialscout.model.recruitment import AsOfSource, RecruitmentGrade, check_recruitment
from trialscout.model.trial import SourceInfo, Trial
from trialscout.sources.ctgov_json import trial_from_v2
from trialscout.sources.ctgov_xml import parse_xml, trial_from_xml


@functools.cache
def _v2() -> dict[str, Trial]:
    return {t.nct_id: t for t in (trial_from_v2(s) for s in v2_studies())}


def v2(nct_id: str) -> Trial:
    return _v2()[nct_id]


def xml(nct_id: str) -> Trial:
    return trial_from_xml(parse_xml((AACT / "xml_legacy" / f"{nct_id}.xml").read_bytes()))


def test_a_current_trial_is_judged_by_its_copy_date_not_today() -> None:
    # Recruiting, primary completion 2026-09, verified 2025-11, copied 2025-12-09. Against today
    # (2026-11-21) its primary completion date has passed; the copy could not know that.
    trial = v2("NCT06576635")
    check = check_recruitment(trial, TODAY)
    assert check.grade is RecruitmentGrade.CURRENT
    assert not check.possibly_stale
    assert (check.as_of, check.as_of_source) == ("2025-12-09", AsOfSource.REGISTRY_COPY)
    assert check.reasons == ()


def test_a_trial_past_its_anticipated_primary_completion_is_probably_closed() -> None:
    # Says RECRUITING; anticipated primary completion 2025-03-10, nine months before the copy.
    check = check_recruitment(v2("NCT06823401"), TODAY)
    assert check.grade is RecruitmentGrade.PROBABLY_CLOSED
    assert check.possibly_stale
    assert check.reasons == (
        "its primary completion date (2025-03-10) has passed but it still says RECRUITING",
    )
    (finding,) = check.findings
    assert finding.field == "protocolSection.statusModule.primaryCompletionDateStruct"
    assert finding.words == "2025-03-10 (ESTIMATED)"


def test_a_just_passed_date_and_an_old_verification_are_not_confirmed_recently() -> None:
    # Primary completion 2025-06 (under six months before the 2025-12-09 copy), status verified
    # 2024-04: not confirmed, but not enough to call it closed.
    check = check_recruitment(v2("NCT06361927"), TODAY)
    assert check.grade is RecruitmentGrade.NOT_CONFIRMED_RECENTLY
    assert check.possibly_stale
    assert "its status was last verified in 2024-04 (over a year)" in check.reasons


def test_a_passed_date_with_two_years_unverified_is_probably_closed() -> None:
    # The registry's own rule would list this status as UNKNOWN.
    check = check_recruitment(v2("NCT05999214"), TODAY)
    assert check.grade is RecruitmentGrade.PROBABLY_CLOSED
    assert check.reasons[0].endswith("and its status has gone unverified for over two years")


def test_a_legacy_xml_record_is_judged_by_its_download_date() -> None:
    # NCI-MATCH as downloaded on 2018-05-14: recruiting, primary completion 2022-06-30.
    check = check_recruitment(xml("NCT02465060"), TODAY)
    assert (check.as_of, check.as_of_source) == ("2018-05-14", AsOfSource.REGISTRY_COPY)
    assert check.grade is RecruitmentGrade.CURRENT


def test_with_no_copy_date_it_judges_against_today_and_says_so() -> None:
    real = v2("NCT06576635")
    trial = msgspec.structs.replace(real, source=SourceInfo(format=real.source.format))
    check = check_recruitment(trial, TODAY)
    assert (check.as_of, check.as_of_source) == (TODAY.isoformat(), AsOfSource.TODAY)
    assert check.grade is RecruitmentGrade.NOT_CONFIRMED_RECENTLY  # 2026-09 passed, just
    notes = [f.reason for f in check.findings if f.grade is None]
    assert notes == [
        "the record carries no date for its registry copy, so it was judged against today (2026-11-21)"
    ]


def test_recruiting_with_every_site_closed_is_probably_closed() -> None:
    # No record in our data has this (0 of 179 recruiting); a real recruiting record whose one
    # site is made to carry a closed status stands in for it.
    real = v2("NCT06576635")
    closed = tuple(msgspec.structs.replace(s, status=OverallStatus.COMPLETED) for s in real.locations)
    check = check_recruitment(msgspec.structs.replace(real, locations=closed), TODAY)
    assert check.grade is RecruitmentGrade.PROBABLY_CLOSED
    assert check.reasons == ("it says RECRUITING but none of its sites is recruiting",)
    assert check.findings[0].words == f"{len(closed)} COMPLETED"


def test_recruiting_with_sites_not_yet_open_is_only_not_confirmed() -> None:
    real = v2("NCT06576635")
    later = tuple(msgspec.structs.replace(s, status=OverallStatus.NOT_YET_RECRUITING) for s in real.locations)
    check = check_recruitment(msgspec.structs.replace(real, locations=later), TODAY)
    assert check.grade is RecruitmentGrade.NOT_CONFIRMED_RECENTLY
    assert check.reasons[0].startswith("it says RECRUITING but none of its sites is recruiting yet")


def test_closed_statuses_are_not_graded() -> None:
    check = check_recruitment(v2("NCT05302050"), TODAY)  # ACTIVE_NOT_RECRUITING
    assert check.grade is RecruitmentGrade.NOT_APPLICABLE
    assert not check.possibly_stale
