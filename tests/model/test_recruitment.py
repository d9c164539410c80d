"""The recruiting-status reality check: an open trial the rest of its record contradicts is flagged."""

from __future__ import annotations

import datetime as dt

from trialscout.model.enums import DateType, OverallStatus, SourceFormat
from trialscout.model.recruitment import check_recruitment
from trialscout.model.trial import RegistryDate, Site, SourceInfo, Trial

TODAY = dt.date(2026, 11, 21)


def trial(status: OverallStatus, pcd: str | None, updated: str, sites: tuple[Site, ...] = ()) -> Trial:
    return Trial(
        nct_id="NCT00000001",
        source=SourceInfo(format=SourceFormat.CTGOV_API_V2_JSON),
        overall_status=status,
        primary_completion_date=RegistryDate(date=pcd, type=DateType.ESTIMATED) if pcd else None,
        last_update_posted_date=RegistryDate(date=updated, type=DateType.ACTUAL),
        locations=sites,
    )


def test_a_current_recruiting_trial_is_not_flagged() -> None:
    check = check_recruitment(trial(OverallStatus.RECRUITING, "2027-06", "2026-03-01"), TODAY)
    assert not check.possibly_stale
    assert check.reasons == ()


def test_a_passed_primary_completion_date_is_flagged() -> None:
    check = check_recruitment(trial(OverallStatus.RECRUITING, "2025-03", "2026-03-01"), TODAY)
    assert check.possibly_stale
    assert check.reasons == ("its primary completion date (2025-03) has passed but it still says RECRUITING",)


def test_the_month_of_primary_completion_is_not_yet_passed() -> None:
    assert not check_recruitment(
        trial(OverallStatus.RECRUITING, "2026-11", "2026-03-01"), TODAY
    ).possibly_stale


def test_a_record_not_updated_for_two_years_is_flagged() -> None:
    check = check_recruitment(trial(OverallStatus.NOT_YET_RECRUITING, None, "2024-11-01"), TODAY)
    assert check.reasons == ("its record has not been updated since 2024-11-01 (over two years)",)


def test_recruiting_with_no_recruiting_site_is_flagged() -> None:
    sites = (Site(status=OverallStatus.COMPLETED), Site(status=OverallStatus.ACTIVE_NOT_RECRUITING))
    check = check_recruitment(trial(OverallStatus.RECRUITING, "2027-06", "2026-03-01", sites), TODAY)
    assert check.reasons == ("it says RECRUITING but none of its sites is recruiting",)


def test_closed_trials_are_never_flagged() -> None:
    assert not check_recruitment(
        trial(OverallStatus.COMPLETED, "2010-01", "2011-01-01"), TODAY
    ).possibly_stale
